/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The target system's boot setup: which distribution, which boot loader takes the kernel
 * command line, which generator builds the initramfs images. Detected from files under the
 * root (reference/boot-plumbing.md section 5.8); an option can override either choice.
 */
#pragma once

#include "bootloader.h"
#include "initramfs.h"
#include "vb.h"

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
	bool rebuild_parallel;	      /* the generator has its backend's parallel option (dracut >= 059) */
	bool kernel_cmdline_file;     /* /etc/kernel/cmdline exists */
	bool uki;		      /* unified kernel images: the command line is inside them */
	bool proxmox;		      /* Proxmox VE (pve-manager, /etc/pve, proxmox-boot-tool) */
	bool proxmox_esps;	      /* proxmox-boot-tool keeps the kernels on the ESPs it lists */
} VbTargets;

/* bootloader and initramfs: a name as --bootloader= and --initramfs= take it, or NULL (or
 * a name this version does not know, as from an older manifest) to detect. */
void vb_targets_detect(const VbContext *ctx, const char *bootloader, const char *initramfs, VbTargets *t);
