/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vfio-boot knows of each initramfs generator, one file each (target/initramfs-*.c),
 * as kernel-install's plugins are: how to tell that the kernel packages use it, the file of
 * ours it reads, how it rebuilds the images, and what its images can do. The text of that
 * file is the generator's of the same name in gen/generators.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

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
	/* every kernel's image again (NULL-terminated); parallel is added where the target's
	 * generator has it (VbTargets.rebuild_parallel) */
	const char *const *rebuild;
	const char *parallel;
	/* one kernel's image, for people: the kernel's version follows when with_version */
	const char *rebuild_one;
	bool rebuild_one_with_version;
	/* its images run udev rules and our hook: the helper binds by PCI address */
	bool binds_by_address;
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
