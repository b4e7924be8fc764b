/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every generated artifact: pure functions from the plan to file contents, in one list
 * (vb_generator_list). The texts of the files that carry the kernel parameters are their boot
 * loaders' (target/bootloader-*.c), and the image generators' their backends'
 * (target/initramfs-*.c).
 * Golden files in tests/golden show what each produces for each fixture machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "../target/file-part.h"
#include "../util/strbuf.h"

#define HEADER                                                                                               \
	VB_GENERATED_MARKER " from " VB_SELECTION_PATH ": do not edit.\n"                                    \
			    "# 'vfio-boot apply' rewrites it; 'vfio-boot revert' removes it.\n"

static void device_summary(StrBuf *b, const VbPlan *p, const char *prefix)
{
	for (size_t i = 0; i < p->n_devices; i++) {
		const VbDevice *d = p->devices[i].dev;
		strbuf_printf(b, "%s%s %04x:%04x %s (%s)\n", prefix, d->address, d->vendor, d->device,
			      vb_reason_name(p->devices[i].reason), d->device_name);
	}
}

/* vendor:device pairs of the planned functions, sorted and unique: "1002:67b1,1002:aac8". */
static char *ids_list(const VbPlan *p)
{
	VbStrv ids = {0};
	for (size_t i = 0; i < p->n_devices; i++) {
		char id[10];
		snprintf(id, sizeof(id), "%04x:%04x", p->devices[i].dev->vendor, p->devices[i].dev->device);
		if (vb_strv_add(&ids, id) < 0) {
			vb_strv_done(&ids);
			return NULL;
		}
	}
	StrBuf b = {0};
	for (size_t i = 0; i < ids.n; i++)
		strbuf_printf(&b, "%s%s", i ? "," : "", ids.v[i]);
	vb_strv_done(&ids);
	return strbuf_steal(&b);
}

/* Anything bound at boot: the modprobe options, the device list, the images' parts. */
static bool always(const VbPlan *p)
{
	return p->n_devices > 0;
}

/* The kernel parameters (the IOMMU) serve handed-off devices too. */
static bool any_devices(const VbPlan *p)
{
	return p->n_devices > 0 || p->n_handoff > 0;
}

/* /etc/modprobe.d/vfio-boot.conf: read by kmod on the host and copied into initramfs images. */
static char *gen_modprobe(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b, HEADER "#\n# Devices for vfio-pci (method %s):\n", vb_method_name(p->method));
	device_summary(&b, p, "#   ");
	if (p->method == VB_METHOD_IDS) {
		char *ids = ids_list(p);
		if (!ids)
			return free(strbuf_steal(&b)), NULL;
		strbuf_printf(&b, "\noptions vfio-pci ids=%s\n", ids);
		free(ids);
	} else
		strbuf_printf(&b,
			      "\n# Bound by address at boot (driver_override), not by IDs: another device\n"
			      "# in this machine has the same IDs.\n");
	/* The kill switch must stop ids= too, not only the boot-time helper: the recovery path
	 * is only a way back if vfio-pci claims nothing. modprobe runs install commands with
	 * /bin/sh, which is there in every initramfs; read and case are shell built-ins. */
	strbuf_printf(&b,
		      "\n# vfio-boot=off on the kernel command line (the recovery path) keeps vfio-pci\n"
		      "# from loading, so that every device stays with its own driver.\n"
		      "install vfio-pci read -r c </proc/cmdline; case \" $c \" in *\" vfio-boot=off \"*) ;; "
		      "*) exec /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS ;; esac\n");
	if (p->drivers.n > 0) {
		strbuf_printf(
		    &b, "\n# Load vfio-pci before every driver that claims these functions, so that it\n"
			"# binds them first (from the module indexes of each installed kernel).\n");
		for (size_t i = 0; i < p->drivers.n; i++)
			strbuf_printf(&b, "softdep %s pre: vfio-pci\n", p->drivers.v[i]);
	}
	return strbuf_steal(&b);
}

static char *gen_cmdline(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	for (size_t i = 0; i < p->cmdline.n; i++)
		strbuf_printf(&b, "%s%s", i ? " " : "", p->cmdline.v[i]);
	strbuf_printf(&b, "\n");
	return strbuf_steal(&b);
}

/* /etc/vfio-boot/devices.conf: every planned function with its identity, in the
 * selection's syntax, read at boot by the helper (vfio-boot-bind) inside the image. */
static char *gen_devices(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b,
		      HEADER "# Read at boot by %s/vfio-boot-bind: each address is given to vfio-pci\n"
			     "# when it still holds this device.\n\n",
		      VB_LIBEXECDIR);
	for (size_t i = 0; i < p->n_devices; i++) {
		const VbDevice *d = p->devices[i].dev;
		strbuf_printf(&b, "device %s %04x:%04x %04x:%04x  # %s, %s\n", d->address, d->vendor,
			      d->device, d->subsystem_vendor, d->subsystem_device,
			      vb_reason_name(p->devices[i].reason), d->device_name);
	}
	return strbuf_steal(&b);
}

/* /etc/udev/rules.d/60-vfio-boot.rules: the boot-time helper for the planned functions and
 * for nothing else, by their addresses. Nothing of vfio-boot runs at boot for a device that
 * is not selected, and nothing at all when nothing is: no file then. The helper, not the
 * rule, checks each function's identity, so that a device now at a selected address is
 * reported in the kernel log. */
static char *gen_udev_rule(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b, HEADER
		      "# The boot-time helper for the functions vfio-boot gives to vfio-pci, and only\n"
		      "# for them. IMPORT{program} runs it while udev processes this event's rules, so\n"
		      "# the driver_override it writes is in place before 80-drivers.rules loads the\n"
		      "# device's driver. It checks each function's identity against\n"
		      "# /etc/vfio-boot/devices.conf, honours vfio-boot=off and logs to the kernel log.\n"
		      "# Copied into every initramfs image.\n"
		      "ACTION!=\"add\", GOTO=\"vfio_boot_end\"\n"
		      "SUBSYSTEM!=\"pci\", GOTO=\"vfio_boot_end\"\n");
	for (size_t i = 0; i < p->n_devices; i++)
		strbuf_printf(&b, "KERNEL==\"%s\", IMPORT{program}=\"%s/vfio-boot-bind %%k\"\n",
			      p->devices[i].dev->address, VB_LIBEXECDIR);
	strbuf_printf(&b, "ENV{VFIO_BOOT_BIND}==\"1\", RUN{builtin}+=\"kmod load vfio-pci\"\n"
			  "LABEL=\"vfio_boot_end\"\n");
	return strbuf_steal(&b);
}

static bool want_libvirt_hook(const VbPlan *p)
{
	return p->n_handoff > 0;
}

/* /etc/libvirt/hooks/qemu.d/vfio-boot (libvirt >= 6.5 runs every script there, with the
 * domain's name, the operation and its XML on stdin): hands the domain's devices that are
 * selected for handoff to vfio-pci before QEMU starts and back after it ended. It never
 * calls back into libvirt, which waits for it (libvirt's rule for hooks); a failed prepare
 * (undone, with the reason on stderr) stops the start. */
static char *gen_libvirt_hook(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b, "#!/bin/sh\n" HEADER
			  "#\n# Devices handed off when a domain that assigns them starts:\n");
	for (size_t i = 0; i < p->n_handoff; i++) {
		const VbDevice *d = p->handoff[i].dev;
		strbuf_printf(&b, "#   %s %04x:%04x %s (%s)\n", d->address, d->vendor, d->device,
			      vb_reason_name(p->handoff[i].reason), d->device_name);
	}
	strbuf_printf(&b,
		      "# libvirtd reads its hooks when it starts: restart it (or virtqemud) after the\n"
		      "# first apply that writes this file.\n"
		      "case \"$2/$3\" in\n"
		      "prepare/begin) exec %s/vfio-boot handoff prepare --domain=\"$1\" ;;\n"
		      "release/end) exec %s/vfio-boot handoff release --domain=\"$1\" </dev/null ;;\n"
		      "esac\n"
		      "exit 0\n",
		      VB_BINDIR, VB_BINDIR);
	return strbuf_steal(&b);
}

static bool want_modules_load(const VbPlan *p)
{
	return always(p) && p->targets.proxmox;
}

/* /etc/modules-load.d/vfio-boot.conf on Proxmox VE, whose documentation loads the vfio
 * modules this way (qm-pci-passthrough): the host keeps them loaded for every VM, also for
 * devices that qemu-server moves to vfio-pci itself. Not vfio_virqfd: it is part of vfio
 * from Linux 6.2, and Proxmox VE 8 runs 6.2 or later. */
static char *gen_modules_load(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	(void)p;
	StrBuf b = {0};
	strbuf_printf(&b, HEADER "vfio\nvfio_iommu_type1\nvfio_pci\n");
	return strbuf_steal(&b);
}

/* The files that carry the kernel parameters (target/bootloader-*.c), whole or the admin's
 * with our part. */
static char *gen_params(const VbGenerator *g, const VbPlan *p)
{
	return g->params->text(HEADER, &p->cmdline);
}

static char *edit_params(const VbGenerator *g, const VbPlan *p, const char *base, VbStrv *added)
{
	return g->params->edit(base, &p->cmdline, added);
}

/* The image generators' files (target/initramfs-*.c), whole or a block of ours. */
static char *gen_image(const VbGenerator *g, const VbPlan *p)
{
	if (g->image->config_text)
		return g->image->config_text(HEADER, p->kernels, p->n_kernels);
	StrBuf b = {0};
	strbuf_printf(&b, HEADER "%s", g->image->config_body);
	return strbuf_steal(&b);
}

static char *edit_image(const VbGenerator *g, const VbPlan *p, const char *base, VbStrv *added)
{
	(void)p;
	return vb_block_append(base, g->image->config_block, added);
}

/* in plan order, with the parameters' files after the first, and the image generators'
 * files between these and the last two */
static const VbGenerator first[] = {
    {"modprobe", VB_OUT_MODPROBE, 0644, always, gen_modprobe, NULL, NULL, NULL, NULL},
};
static const VbGenerator before_images[] = {
    {"devices", VB_OUT_DEVICES, 0644, always, gen_devices, NULL, NULL, NULL},
    {"udev-rule", VB_UDEV_RULE, 0644, always, gen_udev_rule, NULL, NULL, NULL},
    {"modules-load", VB_OUT_MODULES_LOAD, 0644, want_modules_load, gen_modules_load, NULL, NULL, NULL},
};
static const VbGenerator after_images[] = {
    {"libvirt-hook", VB_OUT_LIBVIRT_HOOK, 0755, want_libvirt_hook, gen_libvirt_hook, NULL, NULL, NULL},
    {"cmdline", NULL, 0, any_devices, gen_cmdline, NULL, NULL, NULL},
};

#define MAX_PARAMS_FILES 8

const VbGenerator *const *vb_generator_list(void)
{
	static VbGenerator params[MAX_PARAMS_FILES], images[VB_INITRAMFS_COUNT];
	static const VbGenerator *list[ELEMENTSOF(first) + MAX_PARAMS_FILES + ELEMENTSOF(before_images) +
				       VB_INITRAMFS_COUNT + ELEMENTSOF(after_images)];
	if (list[0])
		return list;
	size_t n = 0;
	list[n++] = &first[0];
	const VbParamsFile *const *files = vb_params_files();
	for (size_t i = 0; files[i] && i < MAX_PARAMS_FILES; i++) {
		const VbParamsFile *f = files[i];
		params[i] = (VbGenerator){.name = f->name,
					  .path = f->path,
					  .mode = 0644,
					  .generate = f->text ? gen_params : NULL,
					  .edit = f->edit ? edit_params : NULL,
					  .unedit = f->unedit,
					  .params = f};
		list[n++] = &params[i];
	}
	for (size_t i = 0; i < ELEMENTSOF(before_images); i++)
		list[n++] = &before_images[i];
	for (VbInitramfs i = VB_INITRAMFS_NONE + 1; i < VB_INITRAMFS_COUNT; i++) {
		const VbInitramfsBackend *b = vb_initramfs_backend(i);
		images[i] = (VbGenerator){b->name,
					  b->config,
					  b->config_mode,
					  NULL,
					  b->config_text || b->config_body ? gen_image : NULL,
					  b->config_block ? edit_image : NULL,
					  b->config_block ? vb_block_remove : NULL,
					  b};
		list[n++] = &images[i];
	}
	for (size_t i = 0; i < ELEMENTSOF(after_images); i++)
		list[n++] = &after_images[i];
	return list; /* the last stays NULL */
}

bool vb_generator_wanted(const VbGenerator *g, const VbPlan *p)
{
	if (g->wanted)
		return g->wanted(p);
	/* a file that carries the parameters, where the boot loader reads it */
	if (g->params)
		return any_devices(p) && vb_bootloader_writes(&p->targets, g->params, p->cmdline.n);
	/* the file of the image generator that builds the images */
	return always(p) && g->image && g->image->id == p->targets.initramfs;
}

const VbGenerator *vb_generator_find(const char *name, const VbPlan *p)
{
	const VbGenerator *const *all = vb_generator_list(), *found = NULL;
	for (size_t i = 0; all[i]; i++)
		if (strcmp(all[i]->name, name) == 0 && (!found || (p && vb_generator_wanted(all[i], p))))
			found = all[i];
	return found;
}

const VbGenerator *vb_generator_for_path(const char *path)
{
	const VbGenerator *const *all = vb_generator_list();
	for (size_t i = 0; all[i]; i++)
		if (all[i]->path && strcmp(all[i]->path, path) == 0)
			return all[i];
	return NULL;
}
