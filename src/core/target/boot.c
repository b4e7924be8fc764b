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

static const char *const bootloader_names[] = {
    [VB_BOOTLOADER_NONE] = "none",
    [VB_BOOTLOADER_GRUB_DROPIN] = "grub-dropin",
    [VB_BOOTLOADER_GRUB] = "grub",
    [VB_BOOTLOADER_GRUB_BLS] = "grub-bls",
    [VB_BOOTLOADER_SYSTEMD_BOOT] = "systemd-boot",
    [VB_BOOTLOADER_KERNELSTUB] = "kernelstub",
    [VB_BOOTLOADER_REFIND] = "refind",
    [VB_BOOTLOADER_PROXMOX] = "proxmox-boot-tool",
};

static const char *const initramfs_names[] = {
    [VB_INITRAMFS_NONE] = "none",	[VB_INITRAMFS_TOOLS] = "initramfs-tools",
    [VB_INITRAMFS_DRACUT] = "dracut",	[VB_INITRAMFS_MKINITCPIO] = "mkinitcpio",
    [VB_INITRAMFS_BOOSTER] = "booster",
};

const char *vb_bootloader_name(VbBootloader b)
{
	return bootloader_names[b];
}

const char *vb_initramfs_name(VbInitramfs i)
{
	return initramfs_names[i];
}

/* untranslated: callers that show it to people pass it through _() */
const char *vb_bootloader_description(VbBootloader b)
{
	static const char *const d[] = {
	    [VB_BOOTLOADER_NONE] = N_("none found"),
	    [VB_BOOTLOADER_GRUB_DROPIN] = N_("GRUB (/etc/default/grub.d, update-grub)"),
	    [VB_BOOTLOADER_GRUB] = N_("GRUB (/etc/default/grub, grub-mkconfig)"),
	    [VB_BOOTLOADER_GRUB_BLS] = N_("GRUB with BLS entries (/etc/default/grub, grubby)"),
	    [VB_BOOTLOADER_SYSTEMD_BOOT] = N_("systemd-boot or kernel-install (/etc/kernel/cmdline)"),
	    [VB_BOOTLOADER_KERNELSTUB] = "kernelstub",
	    [VB_BOOTLOADER_REFIND] = N_("rEFInd (/boot/refind_linux.conf)"),
	    [VB_BOOTLOADER_PROXMOX] = N_("proxmox-boot-tool (/etc/kernel/cmdline)"),
	};
	return d[b];
}

static int from_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int vb_bootloader_from_name(const char *name)
{
	return from_name(bootloader_names, VB_BOOTLOADER_COUNT, name);
}

int vb_initramfs_from_name(const char *name)
{
	return from_name(initramfs_names, VB_INITRAMFS_COUNT, name);
}

const char *vb_bootloader_names(void)
{
	return "grub-dropin, grub, grub-bls, systemd-boot, kernelstub, refind, proxmox-boot-tool, none";
}

const char *vb_initramfs_names(void)
{
	return "initramfs-tools, dracut, mkinitcpio, booster, none";
}

static bool has(const VbContext *ctx, const char *rel)
{
	_cleanup_free_ char *p = NULL;
	return vb_root_path(ctx, rel, &p) >= 0 && access(p, F_OK) == 0;
}

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
		if (has(ctx, p))
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
	return has(ctx, "usr/share/pve-manager") || has(ctx, "etc/pve") ||
	       has(ctx, "usr/sbin/proxmox-boot-tool");
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
	if (detect_proxmox(ctx) && proxmox_boot_esps(ctx) && has(ctx, "etc/kernel/cmdline"))
		return VB_BOOTLOADER_PROXMOX;
	if (has(ctx, "etc/kernelstub/configuration"))
		return VB_BOOTLOADER_KERNELSTUB;
	if (has(ctx, "boot/refind_linux.conf"))
		return VB_BOOTLOADER_REFIND;
	bool sd_boot = esp_has(ctx, "loader/loader.conf") || has(ctx, "etc/kernel/install.conf") ||
		       has(ctx, "etc/kernel/cmdline");
	bool grub_cfg = has(ctx, "boot/grub/grub.cfg") || has(ctx, "boot/grub2/grub.cfg");
	if (has(ctx, "etc/default/grub") && (grub_cfg || !esp_has(ctx, "loader/loader.conf"))) {
		if (has(ctx, "etc/default/grub.d") && debian_like)
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

/* install_conf: /etc/kernel/install.conf's text, or NULL */
static VbInitramfs detect_initramfs(const VbContext *ctx, const char *conf)
{
	/* kernel-install's own setting first (systemd >= 252) */
	char gen[32];
	if (conf && file_value(conf, "initrd_generator", gen, sizeof(gen))) {
		int i = vb_initramfs_from_name(gen);
		if (i > VB_INITRAMFS_NONE)
			return i;
	}
	/* the generator the kernel packages call */
	if (has(ctx, "etc/kernel/postinst.d/dracut") ||
	    has(ctx, "usr/lib/kernel/install.d/50-dracut.install"))
		return VB_INITRAMFS_DRACUT;
	if (has(ctx, "etc/mkinitcpio.conf"))
		return VB_INITRAMFS_MKINITCPIO;
	if (has(ctx, "etc/booster.yaml"))
		return VB_INITRAMFS_BOOSTER;
	if (has(ctx, "etc/initramfs-tools"))
		return VB_INITRAMFS_TOOLS;
	/* openSUSE: its kernel scriptlets call dracut, from no file of dracut's own */
	if (has(ctx, "etc/dracut.conf"))
		return VB_INITRAMFS_DRACUT;
	return VB_INITRAMFS_NONE;
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
	t->initramfs = initramfs >= 0 ? (VbInitramfs)initramfs : detect_initramfs(ctx, conf);

	/* Fedora, RHEL and openSUSE name it grub2 */
	bool grub2 = has(ctx, "boot/grub2") || has(ctx, "usr/sbin/grub2-mkconfig") ||
		     has(ctx, "usr/bin/grub2-mkconfig");
	t->grub_mkconfig = grub2 ? "grub2-mkconfig" : "grub-mkconfig";
	t->grub_cfg = grub2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg";
	/* RHEL >= 9.3 and recent Fedora: plain grub2-mkconfig leaves the BLS entries' options */
	for (size_t i = 0; grub2 && i < 2 && !t->grub_update_bls_cmdline; i++) {
		_cleanup_free_ char *script =
		    read_root_file(ctx, i ? "usr/bin/grub2-mkconfig" : "usr/sbin/grub2-mkconfig");
		t->grub_update_bls_cmdline = script && strstr(script, "--update-bls-cmdline");
	}
	/* dracut >= 059 builds the images of several kernels at once; an older one says
	 * "unknown option" and builds none */
	for (size_t i = 0; t->initramfs == VB_INITRAMFS_DRACUT && i < 2 && !t->dracut_parallel; i++) {
		_cleanup_free_ char *script = read_root_file(ctx, i ? "usr/sbin/dracut" : "usr/bin/dracut");
		t->dracut_parallel = script && strstr(script, "--parallel");
	}
	t->kernel_cmdline_file = has(ctx, "etc/kernel/cmdline");
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
