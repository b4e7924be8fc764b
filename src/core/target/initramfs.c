/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "initramfs.h"

/* by VbInitramfs */
static const VbInitramfsBackend *const backends[VB_INITRAMFS_COUNT] = {
    [VB_INITRAMFS_TOOLS] = &vb_initramfs_tools,
    [VB_INITRAMFS_DRACUT] = &vb_initramfs_dracut,
    [VB_INITRAMFS_MKINITCPIO] = &vb_initramfs_mkinitcpio,
    [VB_INITRAMFS_BOOSTER] = &vb_initramfs_booster,
};

const VbInitramfsBackend *vb_initramfs_backend(VbInitramfs i)
{
	return i > VB_INITRAMFS_NONE && i < VB_INITRAMFS_COUNT ? backends[i] : NULL;
}

/* Debian's dracut leaves /etc/initramfs-tools behind: the generators whose signs are their
 * own come first */
static const VbInitramfs detect_order[] = {VB_INITRAMFS_DRACUT, VB_INITRAMFS_MKINITCPIO, VB_INITRAMFS_BOOSTER,
					   VB_INITRAMFS_TOOLS};

static bool any_there(const VbContext *ctx, const char *const *files)
{
	for (; files && *files; files++)
		if (vb_root_has(ctx, *files))
			return true;
	return false;
}

VbInitramfs vb_initramfs_detect(const VbContext *ctx, const char *configured)
{
	/* kernel-install's own setting first (systemd >= 252) */
	int i = configured ? vb_initramfs_from_name(configured) : -1;
	if (i > VB_INITRAMFS_NONE)
		return i;
	for (size_t k = 0; k < ELEMENTSOF(detect_order); k++)
		if (any_there(ctx, backends[detect_order[k]]->used_if))
			return detect_order[k];
	for (size_t k = 0; k < ELEMENTSOF(detect_order); k++)
		if (any_there(ctx, backends[detect_order[k]]->used_if_last))
			return detect_order[k];
	return VB_INITRAMFS_NONE;
}

const char *vb_initramfs_name(VbInitramfs i)
{
	return i == VB_INITRAMFS_NONE ? "none" : backends[i]->name;
}

int vb_initramfs_from_name(const char *name)
{
	for (int i = 0; i < VB_INITRAMFS_COUNT; i++)
		if (strcmp(vb_initramfs_name(i), name) == 0)
			return i;
	return -1;
}

const char *vb_initramfs_names(void)
{
	static char list[128];
	if (!list[0]) {
		for (int i = VB_INITRAMFS_NONE + 1; i < VB_INITRAMFS_COUNT; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s, ", backends[i]->name);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "none");
	}
	return list;
}
