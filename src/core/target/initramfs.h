/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vfio-boot knows of each initramfs generator, one file each (target/initramfs-*.c),
 * as kernel-install's plugins are: how to tell that the kernel packages use it, the file of
 * ours it reads and its text, how it rebuilds the images, and what its images cannot do.
 * gen/generators.c makes a generator of each (its name is the TARGET of 'vfio-boot
 * generate'). A new one: its file, its value here and its line in initramfs.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vb.h"

typedef enum VbInitramfs {
	VB_INITRAMFS_NONE,
	VB_INITRAMFS_TOOLS, /* initramfs-tools: update-initramfs */
	VB_INITRAMFS_DRACUT,
	VB_INITRAMFS_MKINITCPIO,
	VB_INITRAMFS_BOOSTER,
	VB_INITRAMFS_COUNT,
} VbInitramfs;

typedef struct VbInitramfsBackend {
	VbInitramfs id;
	const char *name; /* --initramfs=, kernel-install's initrd_generator=, gen's TARGET */
	/* files under the root that show the kernel packages call it (NULL-terminated); and
	 * weaker signs, tried only when no generator's first ones are there */
	const char *const *used_if, *const *used_if_last;
	const char *config; /* the file of ours (or with a part of ours) it reads */
	mode_t config_mode;
	/* That file's text, whole: after header (the generated-file marker's lines), what puts
	 * vfio-pci and the boot-time helper into the images: the same for every kernel (body),
	 * or written for these kernels (config_text, which puts header where the file wants it). */
	const char *config_body;
	char *(*config_text)(const char *header, const VbKernelFacts *kernels, size_t n_kernels);
	/* Or, for a file that is the admin's and has no drop-in directory: the lines of our
	 * block in it ("key: value"), and the code of plan's error when the admin's part sets
	 * one of those keys already. */
	const char *config_block, *block_key_taken;
	/* every kernel's image again (NULL-terminated); parallel is added where the target's
	 * generator has it (VbTargets.rebuild_parallel) */
	const char *const *rebuild;
	const char *parallel;
	/* one kernel's image, for people: the kernel's version follows when with_version */
	const char *rebuild_one;
	bool rebuild_one_with_version;
	/* What its images cannot do, as plan and check say it (N_() texts); NULL: no limit.
	 * no_address: plan's error where binding needs the address (identical devices: only
	 * images that run udev rules and our hook bind by address); warning: plan's for every
	 * plan; check and check_fix: check boot-setup's. */
	struct {
		const char *no_address, *warning, *check, *check_fix;
	} limits;
} VbInitramfsBackend;

extern const VbInitramfsBackend vb_initramfs_tools, vb_initramfs_dracut, vb_initramfs_mkinitcpio,
    vb_initramfs_booster;

/* The backend of i; NULL for VB_INITRAMFS_NONE. */
const VbInitramfsBackend *vb_initramfs_backend(VbInitramfs i);
/* "dracut"; "none" */
const char *vb_initramfs_name(VbInitramfs i);
/* The value of --initramfs=; -1 when unknown. */
int vb_initramfs_from_name(const char *name);
/* The names, separated by ", ", for messages. */
const char *vb_initramfs_names(void);
/* The generator the target's kernel packages use: configured (kernel-install's
 * initrd_generator=, or NULL) when it names one, else the first whose files are there. */
VbInitramfs vb_initramfs_detect(const VbContext *ctx, const char *configured);
