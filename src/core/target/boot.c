/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which boot loader and initramfs generator the target system uses, from the files that
 * each one owns (reference/boot-plumbing.md 5.8). Which is *used*, not which is merely
 * installed: Debian's dracut leaves /etc/initramfs-tools behind, and a GRUB package can sit
 * beside systemd-boot.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/fileio.h"
#include "boot.h"

static char *read_root_file(const VbContext *ctx, const char *rel)
{
	_cleanup_free_ char *p = NULL;
	char *text = NULL;
	if (vb_root_path(ctx, rel, &p) < 0 || read_file_at(AT_FDCWD, p, 1024 * 1024, &text, NULL) < 0)
		return NULL;
	return text;
}

/* The value of KEY= on a line of its own in a shell-like file (os-release, install.conf,
 * /etc/default/grub), without quotes; the last assignment wins, as when sourced. */
static bool file_value(const char *text, const char *key, char *out, size_t size)
{
	bool found = false;
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		line += strspn(line, " \t");
		if (strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;
		const char *v = line + klen + 1;
		size_t len = strcspn(v, "\n");
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
			v++, len -= 2;
		snprintf(out, size, "%.*s", (int)len, v);
		found = true;
	}
	return found;
}

static void detect_distro(const VbContext *ctx, VbTargets *t, bool *debian_like)
{
	_cleanup_free_ char *text = read_root_file(ctx, "etc/os-release");
	if (!text)
		text = read_root_file(ctx, "usr/lib/os-release");
	char like[128] = "";
	*debian_like = true; /* no os-release: the drop-in directory alone decides, as before */
	if (!text)
		return;
	file_value(text, "ID", t->distro, sizeof(t->distro));
	file_value(text, "ID_LIKE", like, sizeof(like));
	if (!file_value(text, "PRETTY_NAME", t->distro_name, sizeof(t->distro_name)))
		snprintf(t->distro_name, sizeof(t->distro_name), "%s", t->distro);
	*debian_like = strcmp(t->distro, "debian") == 0 || strcmp(t->distro, "ubuntu") == 0 ||
		       strstr(like, "debian") || strstr(like, "ubuntu");
}

/* Where systemd-boot keeps loader.conf and UKIs: the ESP or XBOOTLDR, mounted at one of
 * these (bootctl's search order). */
static const char *const esp_dirs[] = {"efi", "boot", "boot/efi"};

static bool esp_has(const VbContext *ctx, const char *rel)
{
	for (size_t i = 0; i < ELEMENTSOF(esp_dirs); i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/%s", esp_dirs[i], rel);
		if (vb_root_has(ctx, p))
			return true;
	}
	return false;
}

static bool esp_has_uki(const VbContext *ctx)
{
	for (size_t i = 0; i < ELEMENTSOF(esp_dirs); i++) {
		char rel[128];
		_cleanup_free_ char *p = NULL;
		snprintf(rel, sizeof(rel), "%s/EFI/Linux", esp_dirs[i]);
		if (vb_root_path(ctx, rel, &p) < 0)
			continue;
		DIR *d = opendir(p);
		bool found = false;
		for (struct dirent *de; d && !found && (de = readdir(d));) {
			size_t len = strlen(de->d_name);
			found = len > 4 && strcmp(de->d_name + len - 4, ".efi") == 0;
		}
		if (d)
			closedir(d);
		if (found)
			return true;
	}
	return false;
}

/* Proxmox VE: pve-manager's files, the cluster file system's mount point, or its boot tool
 * (reference/mission-anchors.md section 4). */
static bool detect_proxmox(const VbContext *ctx)
{
	return vb_root_has(ctx, "usr/share/pve-manager") || vb_root_has(ctx, "etc/pve") ||
	       vb_root_has(ctx, "usr/sbin/proxmox-boot-tool");
}

/* proxmox-boot-tool keeps the kernels on the ESPs listed in /etc/kernel/proxmox-boot-uuids
 * (a ZFS root, or a setup the admin chose), and boots them with systemd-boot when the
 * command line comes from /etc/kernel/cmdline; with GRUB on those ESPs it comes from
 * /etc/default/grub, as on any Debian. */
static bool proxmox_boot_esps(const VbContext *ctx)
{
	_cleanup_free_ char *uuids = read_root_file(ctx, "etc/kernel/proxmox-boot-uuids");
	return uuids && uuids[strspn(uuids, " \t\n")] != 0;
}

static VbBootloader detect_bootloader(const VbContext *ctx, bool debian_like)
{
	if (detect_proxmox(ctx) && proxmox_boot_esps(ctx) && vb_root_has(ctx, "etc/kernel/cmdline"))
		return VB_BOOTLOADER_PROXMOX;
	if (vb_root_has(ctx, "etc/kernelstub/configuration"))
		return VB_BOOTLOADER_KERNELSTUB;
	if (vb_root_has(ctx, "boot/refind_linux.conf"))
		return VB_BOOTLOADER_REFIND;
	bool sd_boot = esp_has(ctx, "loader/loader.conf") || vb_root_has(ctx, "etc/kernel/install.conf") ||
		       vb_root_has(ctx, "etc/kernel/cmdline");
	bool grub_cfg = vb_root_has(ctx, "boot/grub/grub.cfg") || vb_root_has(ctx, "boot/grub2/grub.cfg");
	if (vb_root_has(ctx, "etc/default/grub") && (grub_cfg || !esp_has(ctx, "loader/loader.conf"))) {
		if (vb_root_has(ctx, "etc/default/grub.d") && debian_like)
			return VB_BOOTLOADER_GRUB_DROPIN;
		_cleanup_free_ char *text = read_root_file(ctx, "etc/default/grub");
		char bls[16] = "";
		if (text && file_value(text, "GRUB_ENABLE_BLSCFG", bls, sizeof(bls)) &&
		    strcmp(bls, "true") == 0)
			return VB_BOOTLOADER_GRUB_BLS;
		return VB_BOOTLOADER_GRUB;
	}
	return sd_boot ? VB_BOOTLOADER_SYSTEMD_BOOT : VB_BOOTLOADER_NONE;
}

void vb_targets_detect(const VbContext *ctx, const char *bootloader_name, const char *initramfs_name,
		       VbTargets *t)
{
	*t = (VbTargets){0};
	int bootloader = bootloader_name ? vb_bootloader_from_name(bootloader_name) : -1;
	int initramfs = initramfs_name ? vb_initramfs_from_name(initramfs_name) : -1;
	_cleanup_free_ char *conf = read_root_file(ctx, "etc/kernel/install.conf");
	bool debian_like;
	detect_distro(ctx, t, &debian_like);
	t->debian_like = debian_like;
	t->bootloader_forced = bootloader >= 0;
	t->initramfs_forced = initramfs >= 0;
	t->bootloader = bootloader >= 0 ? (VbBootloader)bootloader : detect_bootloader(ctx, debian_like);
	char generator[32];
	bool configured = conf && file_value(conf, "initrd_generator", generator, sizeof(generator));
	t->initramfs =
	    initramfs >= 0 ? (VbInitramfs)initramfs : vb_initramfs_detect(ctx, configured ? generator : NULL);

	/* Fedora, RHEL and openSUSE name it grub2 */
	bool grub2 = vb_root_has(ctx, "boot/grub2") || vb_root_has(ctx, "usr/sbin/grub2-mkconfig") ||
		     vb_root_has(ctx, "usr/bin/grub2-mkconfig");
	t->grub_mkconfig = grub2 ? "grub2-mkconfig" : "grub-mkconfig";
	t->grub_cfg = grub2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg";
	/* RHEL >= 9.3 and recent Fedora: plain grub2-mkconfig leaves the BLS entries' options */
	for (size_t i = 0; grub2 && i < 2 && !t->grub_update_bls_cmdline; i++) {
		_cleanup_free_ char *script =
		    read_root_file(ctx, i ? "usr/bin/grub2-mkconfig" : "usr/sbin/grub2-mkconfig");
		t->grub_update_bls_cmdline = script && strstr(script, "--update-bls-cmdline");
	}
	/* whether the generator's script has the option that builds several images at once */
	const VbInitramfsBackend *ib = vb_initramfs_backend(t->initramfs);
	for (size_t i = 0; ib && ib->parallel && i < 2 && !t->rebuild_parallel; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "usr/%s/%s", i ? "sbin" : "bin", ib->rebuild[0]);
		_cleanup_free_ char *script = read_root_file(ctx, rel);
		t->rebuild_parallel = script && strstr(script, ib->parallel);
	}
	t->kernel_cmdline_file = vb_root_has(ctx, "etc/kernel/cmdline");
	t->proxmox = detect_proxmox(ctx);
	if (t->proxmox) {				/* its os-release is Debian's */
		char base[sizeof(t->distro_name) - 16]; /* room for what is added */
		snprintf(base, sizeof(base), "%.*s", (int)sizeof(base) - 1, t->distro_name);
		snprintf(t->distro_name, sizeof(t->distro_name), "Proxmox VE%s%s%s", base[0] ? " (" : "",
			 base, base[0] ? ")" : "");
	}
	t->proxmox_esps = t->proxmox && proxmox_boot_esps(ctx);
	char layout[16] = "";
	t->uki = (conf && file_value(conf, "layout", layout, sizeof(layout)) && strcmp(layout, "uki") == 0) ||
		 esp_has_uki(ctx);
}
