/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify: per target kernel, will its image bind the selection at the next boot (see
 * verify.h). What an image must hold follows from the plan: vfio-pci (unless built in) and
 * vfio_iommu_type1, our modprobe file as the plan generates it now, and for binding by
 * address the helper, its udev rule and the device list. The native drivers in the image
 * are reported, not required: they are why binding must happen inside the image.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/fileio.h"
#include "image.h"
#include "verify.h"

#define MODPROBE_FILE "etc/modprobe.d/vfio-boot.conf"
#define DEVICES_FILE "etc/vfio-boot/devices.conf"
/* where each generator puts the rule apply generates (VB_UDEV_RULE) in its images:
 * initramfs-tools, mkinitcpio, dracut */
static const char *const rule_in_image[] = {"lib/udev/rules.d/60-vfio-boot.rules",
					    "usr/lib/udev/rules.d/60-vfio-boot.rules",
					    "etc/udev/rules.d/60-vfio-boot.rules"};

static bool keep_ours(const char *path)
{
	for (size_t i = 0; i < ELEMENTSOF(rule_in_image); i++)
		if (strcmp(path, rule_in_image[i]) == 0)
			return true;
	return strcmp(path, MODPROBE_FILE) == 0 || strcmp(path, DEVICES_FILE) == 0;
}

/* fmt is translated here (an xgettext keyword). */
static int add_item(VbKernelVerify *k, const char *id, VbVerdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int add_item(VbKernelVerify *k, const char *id, VbVerdict v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vb_messages_addv(&k->items, id, v, NULL, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	if (v == VB_VERIFY_MISSING)
		k->binds = false;
	return 0;
}

/* Arch names the image after the kernel package (mkinitcpio's presets), which the module
 * directory's pkgbase file names: "linux" gives /boot/initramfs-linux.img. */
static char *arch_pkgbase(VbContext *ctx, const char *version)
{
	static const char *const dirs[] = {"usr/lib/modules", "lib/modules"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *rel = NULL, *abs = NULL;
		char *text = NULL;
		if (asprintf(&rel, "%s/%s/pkgbase", dirs[i], version) < 0 ||
		    vb_root_path(ctx, rel, &abs) < 0 || read_file_at(AT_FDCWD, abs, 256, &text, NULL) < 0)
			continue;
		text[strcspn(text, " \t\n")] = 0;
		if (text[0] && !strchr(text, '/'))
			return text;
		free(text);
	}
	return NULL;
}

/* The image the boot loader loads for this kernel: Debian's, Fedora's and Arch's names. */
static int find_image(VbContext *ctx, const char *version, char **ret_rel, char **ret_abs)
{
	_cleanup_free_ char *pkgbase = arch_pkgbase(ctx, version);
	for (int i = 0; i < 3; i++) {
		char *rel, *abs;
		if (i == 2 && !pkgbase)
			break;
		if ((i == 0   ? asprintf(&rel, "boot/initrd.img-%s", version)
		     : i == 1 ? asprintf(&rel, "boot/initramfs-%s.img", version)
			      : asprintf(&rel, "boot/initramfs-%s.img", pkgbase)) < 0)
			return -ENOMEM;
		if (vb_root_path(ctx, rel, &abs) < 0) {
			free(rel);
			return -ENOMEM;
		}
		if (access(abs, F_OK) == 0) {
			*ret_rel = rel;
			*ret_abs = abs;
			return 1;
		}
		free(rel);
		free(abs);
	}
	return 0;
}

/* Is module name (underscores) in the image's module tree for this kernel? */
static bool image_has_module(const VbImage *img, const char *version, const char *name)
{
	char prefix[256];
	int n = snprintf(prefix, sizeof(prefix), "lib/modules/%s/", version);
	for (size_t i = 0; i < img->n_files; i++) {
		const char *p = img->files[i].path;
		if (strncmp(p, "usr/", 4) == 0)
			p += 4;
		if (strncmp(p, prefix, (size_t)n) != 0)
			continue;
		const char *base = strrchr(p, '/') + 1, *ko = strstr(base, ".ko");
		if (!ko || (ko[3] && ko[3] != '.'))
			continue;
		size_t len = (size_t)(ko - base);
		if (len != strlen(name))
			continue;
		bool same = true;
		for (size_t j = 0; j < len && same; j++)
			same = (base[j] == '-' ? '_' : base[j]) == name[j];
		if (same)
			return true;
	}
	return false;
}

static const VbFileChange *plan_file(const VbPlan *p, const char *rel)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path + 1, rel) == 0 && p->files[i].content)
			return &p->files[i];
	return NULL;
}

static void rebuild_hint(const VbPlan *p, const char *version, char *buf, size_t size)
{
	/* without a generator, Debian's: the images verify finds there are its names */
	const VbInitramfsBackend *ib = vb_initramfs_backend(p->targets.initramfs);
	if (!ib)
		ib = &vb_initramfs_tools;
	char command[128];
	snprintf(command, sizeof(command), "%s%s%s", ib->rebuild_one, ib->rebuild_one_with_version ? " " : "",
		 ib->rebuild_one_with_version ? version : "");
	snprintf(buf, size, _("'%s' rebuilds it"), command);
}

/* A file of ours in the image, compared with what the plan generates now. */
static int check_generated(VbKernelVerify *k, const VbImage *img, const VbPlan *p, const char *id,
			   const char *rel, const char *hint)
{
	const VbFileChange *want = plan_file(p, rel);
	const VbImageFile *f = vb_image_find(img, rel);
	if (!want)
		return 0;
	if (!f)
		return add_item(k, id, VB_VERIFY_MISSING, "/%s is not in the image: %s", rel, hint);
	if (!f->data || strcmp(f->data, want->content) != 0)
		return add_item(k, id, VB_VERIFY_MISSING,
				"/%s in the image is stale (not what the selection gives now): %s", rel,
				hint);
	return add_item(k, id, VB_VERIFY_OK, "/%s is in the image and current", rel);
}

static int check_modules(VbKernelVerify *k, const VbImage *img, const VbKernelFacts *kf, const char *hint)
{
	int r;
	if (kf->vfio_pci == VB_MODULE_BUILTIN)
		r = add_item(k, "vfio-pci", VB_VERIFY_OK, "vfio-pci is built into %s", kf->version);
	else if (!image_has_module(img, kf->version, "vfio_pci"))
		r = add_item(k, "vfio-pci", VB_VERIFY_MISSING, "vfio-pci is not in the image: %s", hint);
	else {
		/* what vfio-pci needs, where this kernel has it as a module: vfio, vfio_pci_core
		 * (5.15+), vfio_virqfd (before 6.2), and the type1 IOMMU backend */
		static const char *const needed[] = {"vfio", "vfio_pci_core", "vfio_virqfd",
						     "vfio_iommu_type1"};
		const char *absent = NULL;
		for (size_t i = 0; i < ELEMENTSOF(needed) && !absent; i++)
			if (vb_strv_contains(&kf->vfio_modules, needed[i]) &&
			    !image_has_module(img, kf->version, needed[i]))
				absent = needed[i];
		if (absent)
			r = add_item(k, "vfio-pci", VB_VERIFY_MISSING,
				     "%s, which vfio-pci needs, is not in the image: %s", absent, hint);
		else
			r = add_item(k, "vfio-pci", VB_VERIFY_OK,
				     "vfio-pci and the vfio modules it needs are in the image");
	}
	if (r < 0)
		return r;
	/* the native drivers: information, not a requirement */
	char in[512] = "";
	size_t len = 0;
	for (size_t i = 0; i < kf->drivers.n; i++)
		if (image_has_module(img, kf->version, kf->drivers.v[i]) && len < sizeof(in) - 1)
			len += (size_t)snprintf(in + len, sizeof(in) - len, "%s%s", len ? ", " : "",
						kf->drivers.v[i]);
	if (len && strchr(in, ','))
		return add_item(k, "native-drivers", VB_VERIFY_INFO,
				"%s are in the image: binding inside the image is what keeps them off "
				"the devices",
				in);
	if (len)
		return add_item(k, "native-drivers", VB_VERIFY_INFO,
				"%s is in the image: binding inside the image is what keeps it off the "
				"devices",
				in);
	return add_item(k, "native-drivers", VB_VERIFY_INFO,
			"no native driver of the devices is in the image: they load later, after vfio-pci");
}

/* Does this boot loader line carry every planned parameter? */
static bool line_has_all(const char *line, const VbStrv *params, const char **ret_missing)
{
	for (size_t i = 0; i < params->n; i++)
		if (!vb_cmdline_has_param(line, params->v[i])) {
			*ret_missing = params->v[i];
			return false;
		}
	return true;
}

static int cmdline_verdict(VbKernelVerify *k, const VbPlan *p, const char *line, const char *source,
			   const char *fix)
{
	const char *missing = NULL;
	int r;
	if (line_has_all(line, &p->cmdline, &missing))
		r = add_item(k, "cmdline", VB_VERIFY_OK, "%s passes the parameters to %s", source,
			     k->version);
	else
		r = add_item(k, "cmdline", VB_VERIFY_MISSING, "%s does not pass %s to %s: %s", source,
			     missing, k->version, fix);
	return r < 0 ? r : 1; /* 1: the command line was found */
}

/* GRUB's generated menu: the first "linux" line that loads this kernel (the default entry
 * comes first; recovery entries come after). 1: found and judged; 0: no grub.cfg or no
 * entry for it. */
static int cmdline_from_grub(VbContext *ctx, VbKernelVerify *k, const VbPlan *p)
{
	static const char *const cfgs[] = {"boot/grub/grub.cfg", "boot/grub2/grub.cfg"};
	for (size_t i = 0; i < ELEMENTSOF(cfgs); i++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		if (vb_root_path(ctx, cfgs[i], &path) < 0)
			return -ENOMEM;
		if (read_file_at(AT_FDCWD, path, 16 * 1024 * 1024, &text, NULL) < 0)
			continue;
		char needle[300], source[64];
		snprintf(needle, sizeof(needle), "vmlinuz-%s ", k->version);
		snprintf(source, sizeof(source), "/%s", cfgs[i]);
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			line += strspn(line, " \t");
			if (strncmp(line, "linux", 5) == 0 && strstr(line, needle))
				return cmdline_verdict(k, p, line, source, _("'update-grub' regenerates it"));
		}
	}
	return 0;
}

/* Boot Loader Specification entries (systemd-boot, Fedora's GRUB with blscfg): the
 * "options" line of the entry for this kernel. */
static int cmdline_from_bls(VbContext *ctx, VbKernelVerify *k, const VbPlan *p)
{
	static const char *const dirs[] = {"boot/loader/entries", "efi/loader/entries",
					   "boot/efi/loader/entries"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *dir = NULL;
		if (vb_root_path(ctx, dirs[i], &dir) < 0)
			return -ENOMEM;
		DIR *d = opendir(dir);
		for (struct dirent *de; d && (de = readdir(d));) {
			if (!strstr(de->d_name, ".conf"))
				continue;
			_cleanup_free_ char *path = NULL, *text = NULL;
			if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
				closedir(d);
				return -ENOMEM;
			}
			if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL) < 0)
				continue;
			bool ours = false;
			const char *options = "";
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
				line += strspn(line, " \t");
				if ((strncmp(line, "version ", 8) == 0 &&
				     strcmp(line + 8, k->version) == 0) ||
				    (strncmp(line, "linux ", 6) == 0 && strstr(line, k->version)))
					ours = true;
				else if (strncmp(line, "options ", 8) == 0)
					options = line + 8;
			}
			if (!ours)
				continue;
			char source[600];
			snprintf(source, sizeof(source), "/%s/%s", dirs[i], de->d_name);
			closedir(d);
			return cmdline_verdict(k, p, options, source, _("add them to its options line"));
		}
		if (d)
			closedir(d);
	}
	return 0;
}

/* The command line the boot loader will pass this kernel: GRUB's menu, BLS entries, or
 * /etc/kernel/cmdline (systemd-boot and UKIs built by kernel-install). */
static int check_cmdline(VbContext *ctx, VbKernelVerify *k, const VbPlan *p)
{
	if (p->cmdline.n == 0)
		return add_item(k, "cmdline", VB_VERIFY_OK, "no kernel parameter is needed");
	int r = cmdline_from_grub(ctx, k, p);
	if (r == 0)
		r = cmdline_from_bls(ctx, k, p);
	if (r != 0)
		return r < 0 ? r : 0;
	_cleanup_free_ char *path = NULL, *text = NULL;
	if (vb_root_path(ctx, "etc/kernel/cmdline", &path) < 0)
		return -ENOMEM;
	if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL) >= 0) {
		r = cmdline_verdict(k, p, text, "/etc/kernel/cmdline",
				    _("add them to it and reinstall the kernel"));
		return r < 0 ? r : 0;
	}
	return add_item(k, "cmdline", VB_VERIFY_UNKNOWN,
			"no grub.cfg, boot loader entry or /etc/kernel/cmdline names %s: the command line "
			"it boots with cannot be read",
			k->version);
}

static int verify_kernel(VbContext *ctx, const VbPlan *p, const VbKernelFacts *kf, VbKernelVerify *k)
{
	char hint[160];
	rebuild_hint(p, kf->version, hint, sizeof(hint));
	k->binds = true;
	if (!(k->version = strdup(kf->version)))
		return -ENOMEM;
	_cleanup_free_ char *abs = NULL;
	int r = find_image(ctx, kf->version, &k->image, &abs);
	if (r < 0)
		return r;
	if (r == 0)
		return add_item(
		    k, "image", VB_VERIFY_MISSING,
		    "no initramfs image for %s (/boot/initrd.img-%s or /boot/initramfs-%s.img): %s",
		    kf->version, kf->version, kf->version, hint);
	VbImage *img = NULL;
	_cleanup_free_ char *error = NULL;
	r = vb_image_read(abs, keep_ours, &img, &error);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return add_item(k, "image", VB_VERIFY_MISSING,
				"/%s cannot be read as an initramfs image: %s; %s", k->image,
				error ? error : strerror(-r), hint);
	k->compression = strdup(img->compression);
	r = img->n_archives == 1 ? add_item(k, "image", VB_VERIFY_OK, "/%s: %zu files in one archive, %s",
					    k->image, img->n_files, img->compression)
				 : add_item(k, "image", VB_VERIFY_OK, "/%s: %zu files in %zu archives, %s",
					    k->image, img->n_files, img->n_archives, img->compression);
	if (r >= 0 && (r = check_modules(k, img, kf, hint)) >= 0)
		r = check_generated(k, img, p, "modprobe", MODPROBE_FILE, hint);
	if (r >= 0 && plan_file(p, DEVICES_FILE)) {
		/* binding by address: the helper and its rule too */
		const char *helper = VB_LIBEXECDIR "/vfio-boot-bind";
		const VbImageFile *elsewhere = NULL;
		if (!vb_image_find(img, helper) && (elsewhere = vb_image_find_suffix(img, "/vfio-boot-bind")))
			/* built for one place, installed in another (make install with another
			 * PREFIX): the image carries a helper the rule does not run */
			r = add_item(
			    k, "helper", VB_VERIFY_MISSING,
			    "%s is not in the image, /%s is: two installs of vfio-boot with different "
			    "prefixes; remove one, then %s",
			    helper, elsewhere->path, hint);
		else if (!vb_image_find(img, helper))
			r = add_item(k, "helper", VB_VERIFY_MISSING, "%s is not in the image: %s", helper,
				     hint);
		else
			r = add_item(k, "helper", VB_VERIFY_OK, "%s is in the image", helper);
		const VbImageFile *rule = NULL;
		for (size_t i = 0; i < ELEMENTSOF(rule_in_image) && !rule; i++)
			rule = vb_image_find(img, rule_in_image[i]);
		const VbFileChange *want = plan_file(p, &VB_UDEV_RULE[1]);
		if (r >= 0 && !rule)
			r = add_item(k, "rule", VB_VERIFY_MISSING, "the udev rule %s is not in the image: %s",
				     VB_UDEV_RULE, hint);
		else if (r >= 0 && want && (!rule->data || strcmp(rule->data, want->content) != 0))
			/* it runs the helper for the addresses selected then, not for today's */
			r = add_item(k, "rule", VB_VERIFY_MISSING,
				     "the udev rule /%s in the image is stale (not what the selection gives "
				     "now): %s",
				     rule->path, hint);
		else if (r >= 0)
			r = add_item(k, "rule", VB_VERIFY_OK, "the udev rule /%s is in the image and current",
				     rule->path);
		if (r >= 0)
			r = check_generated(k, img, p, "devices", DEVICES_FILE, hint);
	}
	vb_image_free(img);
	if (r >= 0)
		r = check_cmdline(ctx, k, p);
	return r;
}

int vb_verify(VbContext *ctx, const VbPlan *p, VbVerifyReport **ret)
{
	VbVerifyReport *rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	rep->binds = true;
	int r = 0;
	if (p->n_devices > 0 && p->errors.n == 0) {
		rep->kernels = calloc(p->n_kernels + 1, sizeof(*rep->kernels));
		if (!rep->kernels)
			r = -ENOMEM;
		for (size_t i = 0; i < p->n_kernels && r >= 0; i++) {
			r = verify_kernel(ctx, p, &p->kernels[i], &rep->kernels[i]);
			rep->n_kernels = i + 1;
			rep->binds = rep->binds && rep->kernels[i].binds;
		}
	}
	if (r < 0) {
		vb_verify_report_free(rep);
		return vb_log_errno(ctx, r, "failed to verify the images");
	}
	*ret = rep;
	return 0;
}

VbVerifyReport *vb_verify_report_free(VbVerifyReport *rep)
{
	if (!rep)
		return NULL;
	for (size_t i = 0; i < rep->n_kernels; i++) {
		VbKernelVerify *k = &rep->kernels[i];
		vb_messages_done(&k->items);
		free(k->version);
		free(k->image);
		free(k->compression);
	}
	free(rep->kernels);
	free(rep);
	return NULL;
}

const char *vb_verdict_name(VbVerdict v)
{
	/* TRANSLATORS: verify's verdict on one thing an image needs, in a column eight wide
	 * (the JSON keeps the English) */
	static const char *const names[] = {N_("ok"), N_("missing"), N_("unknown"), N_("info")};
	return names[v];
}
