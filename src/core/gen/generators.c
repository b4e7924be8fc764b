/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every generated artifact: pure functions from the plan to file contents, in one list
 * (vb_generator_list); the image generators' texts are their backends' (target/initramfs-*.c).
 * Golden files in tests/golden show what each produces for each fixture machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
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

static bool want_grub(const VbPlan *p)
{
	return any_devices(p) && vb_bootloader_reads(p->targets.bootloader, VB_OUT_GRUB_DROPIN);
}

/* /etc/default/grub.d/vfio-boot.cfg: sourced by grub-mkconfig after /etc/default/grub. It
 * appends, so the admin's own parameters stay; recovery entries do not get them. */
static char *gen_grub(const VbGenerator *g, const VbPlan *p)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b, HEADER);
	if (p->cmdline.n > 0) {
		strbuf_printf(&b, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT");
		for (size_t i = 0; i < p->cmdline.n; i++)
			strbuf_printf(&b, " %s", p->cmdline.v[i]);
		strbuf_printf(&b, "\"\n");
	}
	strbuf_printf(&b, "# The way back: the \"recovery mode\" entries boot with every device left to\n"
			  "# its own driver.\n"
			  "GRUB_CMDLINE_LINUX_RECOVERY=\"$GRUB_CMDLINE_LINUX_RECOVERY vfio-boot=off\"\n");
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

/* ---- a part of ours in the admin's file ----------------------------------- */

#define BLOCK_BEGIN "# BEGIN vfio-boot"
#define BLOCK_END "# END vfio-boot\n"

static bool want_grub_block(const VbPlan *p)
{
	return any_devices(p) && p->cmdline.n > 0 &&
	       vb_bootloader_reads(p->targets.bootloader, VB_OUT_GRUB_DEFAULT);
}

/* /etc/default/grub where GRUB has no drop-in directory (Fedora, RHEL, openSUSE, Arch): a
 * block at the end, sourced by grub(2)-mkconfig after the admin's settings. The _DEFAULT
 * variable keeps the parameters off the recovery entries. */
/* In the manifest's list of what edit added: the admin's file did not end with a newline
 * and edit gave it one, which unedit takes out again. Not a kernel parameter, nor "N:word". */
#define ADDED_FINAL_NEWLINE "+final-newline"

static bool added_final_newline(const VbStrv *added)
{
	return added && vb_strv_contains(added, ADDED_FINAL_NEWLINE);
}

/* base, then our block with body in it */
static char *append_block(const char *base, const char *body, VbStrv *added)
{
	StrBuf b = {0};
	size_t len = strlen(base);
	if (len && base[len - 1] != '\n')
		vb_strv_add(added, ADDED_FINAL_NEWLINE);
	strbuf_printf(&b,
		      "%s%s" BLOCK_BEGIN ": from " VB_SELECTION_PATH
		      "; 'vfio-boot revert' removes this block\n"
		      "%s" BLOCK_END,
		      base, len && base[len - 1] != '\n' ? "\n" : "", body);
	return strbuf_steal(&b);
}

static char *edit_grub_block(const VbGenerator *g, const VbPlan *p, const char *base, VbStrv *added)
{
	(void)g;
	StrBuf b = {0};
	strbuf_printf(&b, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT");
	for (size_t i = 0; i < p->cmdline.n; i++)
		strbuf_printf(&b, " %s", p->cmdline.v[i]);
	strbuf_printf(&b, "\"\n");
	char *body = strbuf_steal(&b);
	char *text = body ? append_block(base, body, added) : NULL;
	free(body);
	return text;
}

/* Takes out the lines from BLOCK_BEGIN to BLOCK_END, every such block (a copy of the file
 * may hold two). A begin without its end is a block someone cut: EBADMSG, the admin
 * decides. The newline edit gave a file that lacked one goes too, when our block is still
 * what follows it at the end. */
static char *unedit_block(const char *current, const VbStrv *added)
{
	StrBuf b = {0};
	const char *rest = current;
	for (;;) {
		const char *begin = rest;
		while (begin && *begin && strncmp(begin, BLOCK_BEGIN, strlen(BLOCK_BEGIN)) != 0)
			begin = strchr(begin, '\n') ? strchr(begin, '\n') + 1 : NULL;
		if (!begin || !*begin)
			break;
		const char *end = strstr(begin, "\n" BLOCK_END);
		if (!end) {
			free(strbuf_steal(&b));
			errno = EBADMSG;
			return NULL;
		}
		const char *kept = rest;
		rest = end + 1 + strlen(BLOCK_END);
		bool our_newline = !*rest && added_final_newline(added) && begin > kept && begin[-1] == '\n';
		strbuf_printf(&b, "%.*s", (int)(begin - kept - our_newline), kept);
	}
	strbuf_printf(&b, "%s", rest);
	return strbuf_steal(&b);
}

/* Appends to b the words of the plan's command line that s[0..len) lacks, recording them. */
static void add_words(StrBuf *b, const VbPlan *p, const char *s, size_t len, VbStrv *added)
{
	for (size_t i = 0; i < p->cmdline.n; i++)
		if (!vb_has_word(s, len, p->cmdline.v[i])) {
			strbuf_printf(b, " %s", p->cmdline.v[i]);
			vb_strv_add(added, p->cmdline.v[i]);
		}
}

/* s[0..len) without the last " word" of each added word; the result is appended to b. */
static void drop_words(StrBuf *b, const char *s, size_t len, const VbStrv *added)
{
	char *copy = strndup(s, len);
	if (!copy)
		return;
	for (size_t i = 0; added && i < added->n; i++) {
		size_t wl = strlen(added->v[i]), cl = strlen(copy);
		for (size_t j = cl; j-- > 0;)
			if (copy[j] == ' ' && j + 1 + wl <= cl &&
			    memcmp(copy + j + 1, added->v[i], wl) == 0 &&
			    (j + 1 + wl == cl || copy[j + 1 + wl] == ' ')) {
				memmove(copy + j, copy + j + 1 + wl, cl - j - wl);
				break;
			}
	}
	strbuf_printf(b, "%s", copy);
	free(copy);
}

static bool want_kernel_cmdline(const VbPlan *p)
{
	return any_devices(p) && p->cmdline.n > 0 && p->targets.kernel_cmdline_file &&
	       vb_bootloader_reads(p->targets.bootloader, VB_OUT_KERNEL_CMDLINE);
}

/* /etc/kernel/cmdline: one line, no comments (kernel-install, dracut and mkinitcpio read it
 * whole), so our words go at the end of it and the manifest remembers which. */
static char *edit_kernel_cmdline(const VbGenerator *g, const VbPlan *p, const char *base, VbStrv *added)
{
	(void)g;
	size_t len = strcspn(base, "\n");
	StrBuf b = {0};
	strbuf_printf(&b, "%.*s", (int)len, base);
	add_words(&b, p, base, len, added);
	strbuf_printf(&b, "%s", base + len);
	return strbuf_steal(&b);
}

static char *unedit_kernel_cmdline(const char *current, const VbStrv *added)
{
	size_t len = strcspn(current, "\n");
	StrBuf b = {0};
	drop_words(&b, current, len, added);
	strbuf_printf(&b, "%s", current + len);
	return strbuf_steal(&b);
}

#define REFIND_RECOVERY_LABEL "\"vfio-boot: every device with its own driver (vfio-boot=off)\""

static bool want_refind(const VbPlan *p)
{
	return any_devices(p) && vb_bootloader_reads(p->targets.bootloader, VB_OUT_REFIND);
}

/* The options string of a refind_linux.conf line, "Label" "options": where its text starts
 * and how long it is; false for a comment or a line without it. */
static bool refind_options(const char *line, size_t len, size_t *start, size_t *olen)
{
	size_t q[4], n = 0;
	for (size_t i = 0; i < len && n < 4; i++)
		if (line[i] == '"')
			q[n++] = i;
	if (n < 4 || line[strspn(line, " \t")] == '#')
		return false;
	*start = q[2] + 1;
	*olen = q[3] - q[2] - 1;
	return true;
}

/* /boot/refind_linux.conf: our words at the end of every line's options, and one more line
 * that boots with vfio-boot=off (the way back, under F2 or Insert in rEFInd's menu). A line
 * may have had some of the words already: the words added are recorded per line, as
 * "N:word" for the Nth line with options. */
static char *edit_refind(const VbGenerator *g, const VbPlan *p, const char *base, VbStrv *added)
{
	(void)g;
	StrBuf b = {0};
	char *first = NULL;
	unsigned k = 0;
	for (const char *line = base; *line;) {
		size_t len = strcspn(line, "\n"), start, olen;
		if (refind_options(line, len, &start, &olen)) {
			if (!first)
				first = strndup(line + start, olen);
			strbuf_printf(&b, "%.*s", (int)(start + olen), line);
			VbStrv mine = {0};
			add_words(&b, p, line + start, olen, &mine);
			for (size_t i = 0; i < mine.n; i++) {
				char tagged[VB_COMMAND_ARG_MAX];
				snprintf(tagged, sizeof(tagged), "%u:%s", k, mine.v[i]);
				vb_strv_add(added, tagged);
			}
			vb_strv_done(&mine);
			k++;
			strbuf_printf(&b, "%.*s", (int)(len - start - olen), line + start + olen);
		} else
			strbuf_printf(&b, "%.*s", (int)len, line);
		line += len;
		if (*line == '\n')
			line++;
		else
			vb_strv_add(added, ADDED_FINAL_NEWLINE);
		strbuf_printf(&b, "\n");
	}
	strbuf_printf(&b, REFIND_RECOVERY_LABEL " \"%s vfio-boot=off\"\n", first ? first : "");
	free(first);
	return strbuf_steal(&b);
}

static char *unedit_refind(const char *current, const VbStrv *added)
{
	StrBuf b = {0};
	unsigned k = 0;
	for (const char *line = current; *line;) {
		size_t len = strcspn(line, "\n"), start, olen;
		bool nl = line[len] == '\n';
		if (strncmp(line, REFIND_RECOVERY_LABEL, strlen(REFIND_RECOVERY_LABEL)) == 0)
			; /* our line */
		else if (refind_options(line, len, &start, &olen)) {
			/* the words this line got: "k:word" */
			VbStrv mine = {0};
			char prefix[16];
			int pl = snprintf(prefix, sizeof(prefix), "%u:", k++);
			for (size_t i = 0; added && i < added->n; i++)
				if (strncmp(added->v[i], prefix, (size_t)pl) == 0)
					vb_strv_add(&mine, added->v[i] + pl); /* mine.failed: checked below */
			if (mine.failed) {
				vb_strv_done(&mine);
				free(strbuf_steal(&b));
				errno = ENOMEM;
				return NULL;
			}
			strbuf_printf(&b, "%.*s", (int)start, line);
			drop_words(&b, line + start, olen, &mine);
			vb_strv_done(&mine);
			strbuf_printf(&b, "%.*s%s", (int)(len - start - olen), line + start + olen,
				      nl ? "\n" : "");
		} else
			strbuf_printf(&b, "%.*s%s", (int)len, line, nl ? "\n" : "");
		line += len + nl;
	}
	/* the newline edit gave the last line, when our recovery line still follows it */
	char *text = strbuf_steal(&b);
	size_t tl = text ? strlen(text) : 0, cl = strlen(current);
	if (cl && current[cl - 1] == '\n')
		cl--;
	const char *last = memrchr(current, '\n', cl);
	last = last ? last + 1 : current;
	if (tl && text[tl - 1] == '\n' && added_final_newline(added) &&
	    strncmp(last, REFIND_RECOVERY_LABEL, strlen(REFIND_RECOVERY_LABEL)) == 0)
		text[tl - 1] = 0;
	return text;
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
	return append_block(base, g->image->config_block, added);
}

/* in plan order, with the image generators' files between these */
static const VbGenerator before_images[] = {
    {"modprobe", VB_OUT_MODPROBE, 0644, always, gen_modprobe, NULL, NULL, NULL},
    {"grub", VB_OUT_GRUB_DROPIN, 0644, want_grub, gen_grub, NULL, NULL, NULL},
    {"grub", VB_OUT_GRUB_DEFAULT, 0644, want_grub_block, NULL, edit_grub_block, unedit_block, NULL},
    {"kernel-cmdline", VB_OUT_KERNEL_CMDLINE, 0644, want_kernel_cmdline, NULL, edit_kernel_cmdline,
     unedit_kernel_cmdline, NULL},
    {"refind", VB_OUT_REFIND, 0644, want_refind, NULL, edit_refind, unedit_refind, NULL},
    {"devices", VB_OUT_DEVICES, 0644, always, gen_devices, NULL, NULL, NULL},
    {"udev-rule", VB_UDEV_RULE, 0644, always, gen_udev_rule, NULL, NULL, NULL},
    {"modules-load", VB_OUT_MODULES_LOAD, 0644, want_modules_load, gen_modules_load, NULL, NULL, NULL},
};
static const VbGenerator after_images[] = {
    {"libvirt-hook", VB_OUT_LIBVIRT_HOOK, 0755, want_libvirt_hook, gen_libvirt_hook, NULL, NULL, NULL},
    {"cmdline", NULL, 0, any_devices, gen_cmdline, NULL, NULL, NULL},
};

const VbGenerator *const *vb_generator_list(void)
{
	static VbGenerator images[VB_INITRAMFS_COUNT];
	static const VbGenerator
	    *list[ELEMENTSOF(before_images) + VB_INITRAMFS_COUNT + ELEMENTSOF(after_images)];
	if (list[0])
		return list;
	size_t n = 0;
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
					  b->config_block ? unedit_block : NULL,
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
