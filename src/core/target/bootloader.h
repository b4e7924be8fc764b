/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vfio-boot knows of each boot loader, one file each (target/bootloader-*.c): the
 * files of ours that carry the kernel parameters (their text is gen/generators.c's), the
 * tool that gives every boot entry the parameters where one keeps them, and the way back it
 * offers when the host does not come back. Which one a system uses is boot.c's to detect:
 * the signs overlap (a GRUB package beside systemd-boot), so the order is one decision.
 */
#pragma once

#include <stdbool.h>

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

/* The entry at the boot menu that boots with vfio-boot=off, if the loader has one. */
typedef enum VbRecovery {
	VB_RECOVERY_NONE,	  /* the parameter is typed at the menu */
	VB_RECOVERY_GRUB_ENTRIES, /* GRUB's "recovery mode" entries, which our drop-in leaves alone */
	VB_RECOVERY_REFIND_LINE,  /* a line of ours in refind_linux.conf */
} VbRecovery;

typedef struct VbBootloaderBackend {
	VbBootloader id;
	const char *name;	 /* --bootloader= */
	const char *description; /* for people, untranslated: callers pass it through _() */
	/* the files of ours (or with a part of ours) that carry the parameters, NULL-terminated */
	const char *const *configs;
	/* gives every boot entry the parameters (grubby, kernelstub), where the entries keep them */
	const char *entries_tool;
	VbRecovery recovery;
} VbBootloaderBackend;

extern const VbBootloaderBackend vb_bootloader_grub_dropin, vb_bootloader_grub, vb_bootloader_grub_bls,
    vb_bootloader_systemd_boot, vb_bootloader_kernelstub, vb_bootloader_refind, vb_bootloader_proxmox;

/* The backend of b; for VB_BOOTLOADER_NONE one with no files, tool nor recovery. */
const VbBootloaderBackend *vb_bootloader_backend(VbBootloader b);
/* Whether the boot loader b takes its parameters from path (VB_OUT_...). */
bool vb_bootloader_reads(VbBootloader b, const char *path);
const char *vb_bootloader_name(VbBootloader b);
/* For people: "GRUB with BLS entries (/etc/default/grub, grubby)". */
const char *vb_bootloader_description(VbBootloader b);
/* The value of --bootloader=; -1 when unknown. */
int vb_bootloader_from_name(const char *name);
/* The names, separated by ", ", for messages. */
const char *vb_bootloader_names(void);
