/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vfio-boot knows of each boot loader, one file each (target/bootloader-*.c): the
 * files that carry the kernel parameters and their text (a file may serve several loaders:
 * /etc/kernel/cmdline is kernel-install's, read by systemd-boot, grubby and Proxmox VE), the
 * command that passes a change on to the boot menu, the tool that gives every boot entry the
 * parameters where one keeps them, and the way back it offers when the host does not come
 * back. Which one a system uses is boot.c's to detect: the signs overlap (a GRUB package
 * beside systemd-boot), so the order is one decision.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/strv.h"
#include "vb.h"

struct VbTargets;

/* The most arguments of a command a file or a tool below gives, with its NULL. */
#define VB_BOOT_COMMAND_ARGS 5

/* A file that carries the kernel parameters (words): ours whole (text), or the admin's
 * with a part of ours (edit adds it to base, the file without it, listing what it added;
 * unedit takes out exactly that; target/file-part.h). Text and edit return NULL when out
 * of memory; unedit also with errno EBADMSG when our part is damaged. */
typedef struct VbParamsFile {
	const char *name; /* the TARGET of 'vfio-boot generate' */
	const char *path;
	/* whether it is written on this setup (NULL: always, where the loader reads it) */
	bool (*wanted)(const struct VbTargets *t, size_t n_words);
	char *(*text)(const char *header, const VbStrv *words);
	char *(*edit)(const char *base, const VbStrv *words, VbStrv *added);
	char *(*unedit)(const char *current, const VbStrv *added);
	/* the command that passes a change on to the boot menu, NULL-terminated in argv;
	 * NULL: the file is read as it is (at boot, or when a kernel is added) */
	void (*update)(const struct VbTargets *t, const char *argv[VB_BOOT_COMMAND_ARGS]);
	bool in_uki; /* built into unified kernel images, which are built again when it changes */
} VbParamsFile;

extern const VbParamsFile vb_params_grub_dropin, vb_params_grub_block, vb_params_kernel_cmdline,
    vb_params_refind;

/* Every file that carries the parameters, in plan order, NULL-terminated. */
const VbParamsFile *const *vb_params_files(void);

/* A tool that keeps the parameters of every boot entry (grubby, kernelstub). Its commands
 * are argv templates: "@WORDS@" stands for the words, space-separated, "@KERNEL@" for an
 * entry's kernel. */
typedef struct VbEntriesTool {
	const char *const *add, *const *remove;
	/* the words every entry has (a word some entry lacks is one the tool adds, so ours to
	 * take out again); an unreadable configuration gives none */
	int (*words)(const VbContext *ctx, VbStrv *words);
	/* where entries differ per kernel (grubby): "KERNEL WORD" for every word of every
	 * entry, and the command that gives one entry back the words it had before */
	int (*pairs)(const VbContext *ctx, VbStrv *pairs);
	const char *const *add_one;
} VbEntriesTool;

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

typedef struct VbBootloaderBackend {
	VbBootloader id;
	const char *name;	 /* --bootloader= */
	const char *description; /* for people, untranslated: callers pass it through _() */
	/* the files that carry the parameters, NULL-terminated */
	const VbParamsFile *const *files;
	/* gives every boot entry the parameters, where the entries keep them; else NULL */
	const VbEntriesTool *entries;
	/* the way back, where it has an entry at the boot menu that boots with vfio-boot=off:
	 * apply's words for it (untranslated); NULL: the parameter is typed at the menu */
	const char *way_back;
	/* whether the admin turned that entry off: *in is then the file (under the root) that
	 * did; NULL: it cannot be */
	int (*way_back_off)(const VbContext *ctx, char **in);
	/* what it cannot do, as plan and check say it (untranslated: callers pass them through _()) */
	struct {
		/* where it takes no parameters (no loader found, or the file it reads missing):
		 * plan's reason to add them by hand, check's words after the setup ("...: vfio-boot
		 * cannot ..."), and check's fix */
		const char *no_file, *no_file_check, *no_file_fix;
		/* where it takes them, without unified kernel images: that boot entries made
		 * before keep their options */
		const char *entries_later;
	} limits;
} VbBootloaderBackend;

extern const VbBootloaderBackend vb_bootloader_grub_dropin, vb_bootloader_grub, vb_bootloader_grub_bls,
    vb_bootloader_systemd_boot, vb_bootloader_kernelstub, vb_bootloader_refind, vb_bootloader_proxmox;

/* The backend of b; for VB_BOOTLOADER_NONE one with no files, tool nor way back. */
const VbBootloaderBackend *vb_bootloader_backend(VbBootloader b);
/* Whether file is written for the boot loader of t, given n_words parameters: the loader
 * reads it, and the file's own condition holds. */
bool vb_bootloader_writes(const struct VbTargets *t, const VbParamsFile *file, size_t n_words);
/* Whether vfio-boot can give the boot loader of t n_words parameters: a file of it is
 * written, or its tool gives them to the entries. */
bool vb_bootloader_takes(const struct VbTargets *t, size_t n_words);
const char *vb_bootloader_name(VbBootloader b);
/* For people: "GRUB with BLS entries (/etc/default/grub, grubby)". */
const char *vb_bootloader_description(VbBootloader b);
/* The value of --bootloader=; -1 when unknown. */
int vb_bootloader_from_name(const char *name);
/* The names, separated by ", ", for messages. */
const char *vb_bootloader_names(void);
