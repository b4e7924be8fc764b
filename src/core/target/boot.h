/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target system's boot setup: which distribution, which boot loader takes the kernel
 * command line, which generator builds the initramfs images. Detected from files under the
 * root (reference/boot-plumbing.md section 5.8); an option can override either choice.
 */
#pragma once

#include "vb.h"

typedef enum VbBootloader {
	VB_BOOTLOADER_NONE,	    /* none found: the parameters are the admin's to add */
	VB_BOOTLOADER_GRUB_DROPIN,  /* /etc/default/grub.d (Debian, Ubuntu, Mint) + update-grub */
	VB_BOOTLOADER_GRUB,	    /* a marked block in /etc/default/grub + grub-mkconfig */
	VB_BOOTLOADER_GRUB_BLS,	    /* the same, plus grubby for the BLS entries (Fedora, RHEL) */
	VB_BOOTLOADER_SYSTEMD_BOOT, /* /etc/kernel/cmdline: kernel-install, systemd-boot, UKIs */
	VB_BOOTLOADER_KERNELSTUB,   /* kernelstub (Pop!_OS) */
	VB_BOOTLOADER_REFIND,	    /* /boot/refind_linux.conf */
	VB_BOOTLOADER_PROXMOX,	    /* Proxmox VE's ESPs: /etc/kernel/cmdline + proxmox-boot-tool */
	VB_BOOTLOADER_COUNT,
} VbBootloader;

typedef enum VbInitramfs {
	VB_INITRAMFS_NONE,
	VB_INITRAMFS_TOOLS, /* initramfs-tools: update-initramfs */
	VB_INITRAMFS_DRACUT,
	VB_INITRAMFS_MKINITCPIO,
	VB_INITRAMFS_BOOSTER,
	VB_INITRAMFS_COUNT,
} VbInitramfs;

typedef struct VbTargets {
	VbBootloader bootloader;
	VbInitramfs initramfs;
	bool bootloader_forced, initramfs_forced; /* chosen by an option, not detected */
	char distro[64];			  /* os-release ID; "" when there is none */
	char distro_name[128];			  /* PRETTY_NAME, or the ID */
	bool debian_like; /* Debian, Ubuntu or a derivative (also when os-release is missing) */
	/* GRUB without drop-ins: the program that writes grub.cfg, and where */
	const char *grub_mkconfig, *grub_cfg;
	bool grub_update_bls_cmdline; /* that grub2-mkconfig has --update-bls-cmdline (RHEL >= 9.3) */
	bool dracut_parallel;	      /* that dracut has --parallel for --regenerate-all (dracut >= 059) */
	bool kernel_cmdline_file;     /* /etc/kernel/cmdline exists */
	bool uki;		      /* unified kernel images: the command line is inside them */
	bool proxmox;		      /* Proxmox VE (pve-manager, /etc/pve, proxmox-boot-tool) */
	bool proxmox_esps;	      /* proxmox-boot-tool keeps the kernels on the ESPs it lists */
} VbTargets;

const char *vb_bootloader_name(VbBootloader b);
const char *vb_initramfs_name(VbInitramfs i);
/* For people: "GRUB with BLS entries (/etc/default/grub, grubby)". */
const char *vb_bootloader_description(VbBootloader b);
/* The value of --bootloader= / --initramfs=; -1 when unknown. */
int vb_bootloader_from_name(const char *name);
int vb_initramfs_from_name(const char *name);
/* The names, separated by ", ", for messages. */
const char *vb_bootloader_names(void);
const char *vb_initramfs_names(void);

/* bootloader and initramfs: a name as --bootloader= and --initramfs= take it, or NULL (or
 * a name this version does not know, as from an older manifest) to detect. */
void vb_targets_detect(const VbContext *ctx, const char *bootloader, const char *initramfs, VbTargets *t);
