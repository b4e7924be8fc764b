/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Deciding the plan: policy, per-kernel module facts, kernel parameters and the boot
 * targets, with what they cannot do as warnings and refusals. What is written comes after,
 * in gen/ (vb_plan_build). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "../util/fileio.h"
#include "plan.h"

static void files_done(VbPlan *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].content);
		free(p->files[i].current);
		vb_strv_done(&p->files[i].added);
	}
	free(p->files);
	p->files = NULL;
	p->n_files = 0;
}

VbPlan *vb_plan_free(VbPlan *p)
{
	if (!p)
		return NULL;
	free(p->devices);
	free(p->handoff);
	for (size_t i = 0; i < p->n_kernels; i++) {
		free(p->kernels[i].version);
		vb_strv_done(&p->kernels[i].drivers);
		vb_strv_done(&p->kernels[i].builtin_drivers);
		vb_strv_done(&p->kernels[i].vfio_modules);
	}
	free(p->kernels);
	vb_strv_done(&p->drivers);
	vb_strv_done(&p->cmdline);
	vb_strv_done(&p->entry_args);
	vb_strv_done(&p->entry_args_remove);
	vb_strv_done(&p->entry_kept);
	files_done(p);
	free(p->commands);
	vb_messages_done(&p->warnings);
	vb_messages_done(&p->errors);
	free(p);
	return NULL;
}

const char *vb_file_action_name(VbFileAction a)
{
	static const char *const names[] = {"create", "update", "delete", "unchanged"};
	return names[a];
}

/* ---- per-kernel module facts --------------------------------------------- */

static int collect_driver(const char *name, bool builtin, void *ud)
{
	VbKernelFacts *k = ud;
	return vb_strv_add(builtin ? &k->builtin_drivers : &k->drivers, name);
}

static bool kernel_wanted(const VbPlanOptions *opts, const char *version)
{
	if (!opts->kernels)
		return true;
	for (const char *const *k = opts->kernels; *k; k++)
		if (strcmp(*k, version) == 0)
			return true;
	return false;
}

static int kernel_facts(VbContext *ctx, const VbPlanOptions *opts, VbPlan *p)
{
	static const char *const vfio_modules[] = {"vfio", "vfio_iommu_type1", "vfio_pci_core", "vfio_pci",
						   "vfio_virqfd"};
	VbKernelList *kl;
	int r = vb_kernels_list(ctx, &kl);
	if (r < 0)
		return r;
	for (const char *const *want = opts->kernels; want && *want; want++) {
		bool found = false;
		for (size_t i = 0; i < kl->n; i++)
			found = found || strcmp(kl->kernels[i].version, *want) == 0;
		if (!found &&
		    (r = vb_issue_add(&p->errors, "no-kernel", "kernel %s has no module directory under %s",
				      *want, vb_context_root(ctx))) < 0)
			goto out;
	}
	p->kernels = calloc(kl->n ? kl->n : 1, sizeof(*p->kernels));
	if (!p->kernels) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < kl->n; i++) {
		if (!kernel_wanted(opts, kl->kernels[i].version))
			continue;
		VbKernelFacts *k = &p->kernels[p->n_kernels++];
		if (!(k->version = strdup(kl->kernels[i].version))) {
			r = -ENOMEM;
			goto out;
		}
		VbModules *mods;
		if ((r = vb_modules_open(ctx, &kl->kernels[i], &mods)) < 0) {
			if (r == -ENOENT)
				vb_fail(ctx, r,
					"%s has no module index (modules.dep.bin): 'depmod %s' makes it",
					kl->kernels[i].moddir, kl->kernels[i].version);
			goto out;
		}
		k->vfio_pci = vb_modules_state(mods, "vfio_pci");
		for (size_t j = 0; j < ELEMENTSOF(vfio_modules) && r >= 0; j++)
			if (vb_modules_state(mods, vfio_modules[j]) == VB_MODULE_LOADABLE)
				r = vb_strv_add(&k->vfio_modules, vfio_modules[j]);
		for (size_t j = 0; j < p->n_devices && r >= 0; j++)
			if (p->devices[j].dev->modalias)
				r = vb_modules_for_alias(mods, p->devices[j].dev->modalias, collect_driver,
							 k);
		vb_modules_free(mods);
		if (r < 0)
			goto out;
		for (size_t j = 0; j < k->drivers.n; j++)
			if ((r = vb_strv_add(&p->drivers, k->drivers.v[j])) < 0)
				goto out;
		if (k->vfio_pci == VB_MODULE_ABSENT &&
		    (r = vb_issue_add(&p->errors, "no-vfio-pci",
				      "kernel %s has no vfio-pci: install its full module set (on Ubuntu: "
				      "linux-modules-extra-%s)",
				      k->version, k->version)) < 0)
			goto out;
		for (size_t j = 0; j < k->builtin_drivers.n; j++)
			if ((r = vb_issue_add(
				 &p->warnings, "builtin-driver",
				 "%s is built into kernel %s: it binds the planned functions before "
				 "vfio-pci can; that kernel cannot pass them through at boot",
				 k->builtin_drivers.v[j], k->version)) < 0)
				goto out;
	}
	if (p->n_kernels == 0 && !opts->kernels)
		r = vb_issue_add(
		    &p->errors, "no-kernels",
		    "no kernel module directory under %s/lib/modules: there is no kernel to build a "
		    "boot image for, and the drivers to order after vfio-pci cannot be known",
		    vb_context_root(ctx));
out:
	vb_kernel_list_free(kl);
	return r;
}

/* ---- kernel parameters ------------------------------------------------- */

int vb_plan_kernel_params(VbPlan *p)
{
	const VbModel *m = p->model;
	int r = 0;
	if (p->n_devices == 0 && p->n_handoff == 0)
		return 0;
	/* harmless where VT-d is on by default; needed where it is not (Debian 6.1, Fedora).
	 * Never amd_iommu=on or iommu=1: not valid values (AMD-Vi is on when enabled). */
	if (vb_model_iommu_vendor(m) == VB_IOMMU_INTEL ||
	    (vb_model_iommu_vendor(m) == VB_IOMMU_NONE && m->host.cpu_vendor == VB_CPU_INTEL))
		r = vb_strv_add(&p->cmdline, "intel_iommu=on");
	if (r >= 0 && p->selection->iommu_pt)
		r = vb_strv_add(&p->cmdline, "iommu=pt");
	bool builtin = false;
	for (size_t i = 0; i < p->n_kernels; i++)
		builtin = builtin || p->kernels[i].vfio_pci == VB_MODULE_BUILTIN;
	if (r >= 0 && builtin && p->method == VB_METHOD_IDS && p->n_devices > 0) {
		/* a built-in vfio-pci never reads modprobe.d */
		char buf[1024] = "vfio-pci.ids=";
		for (size_t i = 0; i < p->n_devices; i++) {
			char id[12];
			snprintf(id, sizeof(id), "%04x:%04x", p->devices[i].dev->vendor,
				 p->devices[i].dev->device);
			if (!strstr(buf, id))
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
					 buf[strlen(buf) - 1] == '=' ? "" : ",", id);
		}
		r = vb_strv_add(&p->cmdline, buf);
	}
	return r;
}

/* ---- targets ------------------------------------------------------------- */

/* What to tell the admin to do by hand where vfio-boot cannot give the boot entries the
 * parameters itself. */
static int manual_cmdline(VbPlan *p, const char *why)
{
	_cleanup_free_ char *list = vb_strv_join(&p->cmdline, " ");
	if (!list)
		return -ENOMEM;
	return vb_issue_add(&p->warnings, "no-bootloader", "%s: add these kernel parameters by hand: %s", why,
			    list);
}

static int detect_targets(const VbContext *ctx, const VbPlanOptions *opts, VbPlan *p)
{
	VbTargets *t = &p->targets;
	vb_targets_detect(ctx, opts->bootloader, opts->initramfs, t);
	if (p->n_devices == 0 && p->n_handoff == 0)
		return 0;
	/* what the boot loader cannot do (target/bootloader-*.c) */
	const VbBootloaderBackend *bb = vb_bootloader_backend(t->bootloader);
	bool taken = vb_bootloader_takes(t, p->cmdline.n);
	int r = 0;
	if (p->cmdline.n > 0 && !taken && bb->limits.no_file)
		r = manual_cmdline(p, _(bb->limits.no_file));
	else if (p->cmdline.n > 0 && taken && !t->uki && bb->limits.entries_later)
		r = vb_issue_add(&p->warnings, "loader-entries", "%s", _(bb->limits.entries_later));
	if (r < 0)
		return r;
	/* the way back: an entry at the boot menu with vfio-boot=off, unless the admin turned
	 * it off; else the parameter is typed there */
	_cleanup_free_ char *off_in = NULL;
	if (bb->way_back && bb->way_back_off && (r = bb->way_back_off(ctx, &off_in)) < 0)
		return r;
	if (off_in)
		r = vb_issue_add(
		    &p->warnings, "no-recovery-entry",
		    "GRUB's recovery entries are turned off (GRUB_DISABLE_RECOVERY=true in /%s), "
		    "so the boot menu has no entry with vfio-boot=off: if the host does not come "
		    "back, press 'e' at the menu and add vfio-boot=off to the linux line",
		    off_in);
	else if (!bb->way_back)
		r = vb_issue_add(
		    &p->warnings, "no-recovery-entry",
		    "vfio-boot adds no recovery entry to this boot loader (%s; only GRUB with "
		    "/etc/default/grub.d and rEFInd get one): if the host does not come back, add "
		    "vfio-boot=off to the kernel command line at the boot menu; RECOVERY in "
		    "vfio-boot(8) shows how to keep such an entry",
		    t->bootloader == VB_BOOTLOADER_NONE ? _("none found")
							: vb_bootloader_name(t->bootloader));
	if (r < 0 || p->n_devices == 0) /* handoff only: nothing for the images */
		return r;
	if (t->initramfs == VB_INITRAMFS_NONE)
		return vb_issue_add(&p->warnings, "no-initramfs-generator",
				    "no supported initramfs generator found (initramfs-tools, dracut, "
				    "mkinitcpio; --initramfs= names one): make sure the image loads vfio-pci "
				    "and carries /etc/modprobe.d/vfio-boot.conf");
	return 0; /* booster's limits come with its generator (gen/build.c) */
}

int vb_plan_decide(VbContext *ctx, const VbModel *m, const VbSelection *sel, const VbPlanOptions *opts,
		   VbPlan **ret)
{
	_cleanup_(vb_plan_freep) VbPlan *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->model = m;
	p->selection = sel;
	int r;
	if ((r = vb_policy_expand(m, sel, opts->force, p)) < 0 || (r = kernel_facts(ctx, opts, p)) < 0 ||
	    (r = vb_plan_kernel_params(p)) < 0 || (r = detect_targets(ctx, opts, p)) < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}
