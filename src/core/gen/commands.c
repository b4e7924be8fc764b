/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands apply runs after the files: the image generator and the boot loader's
 * configuration where their inputs changed, and the tools that keep the entries' parameters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../paths.h"
#include "build.h"

static bool file_changes(const VbPlan *p, const char *path)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return p->files[i].action != VB_FILE_UNCHANGED;
	return false;
}

static void add_command(VbCommand *cmds, size_t *n, const char *const *argv)
{
	if (*n >= VB_MAX_COMMANDS)
		return;
	VbCommand *c = &cmds[(*n)++];
	for (c->argc = 0; argv[c->argc] && c->argc < VB_COMMAND_MAX_ARGS; c->argc++)
		snprintf(c->argv[c->argc], sizeof(c->argv[c->argc]), "%s", argv[c->argc]);
}

/* Ours that go into every image; with each image generator's own file of ours. */
static const char *const image_inputs[] = {VB_OUT_MODPROBE, VB_OUT_DEVICES, VB_UDEV_RULE};

/* After grubby took entry_remove out of every entry: the words of it that an entry had
 * before vfio-boot, back into that entry, one command per kernel. */
static void give_back_kept(const VbStrv *entry_remove, const VbStrv *kept, VbCommand *out, size_t *n)
{
	for (size_t i = 0; kept && i < kept->n; i++) {
		const char *sp = strchr(kept->v[i], ' ');
		size_t klen = sp ? (size_t)(sp - kept->v[i]) : 0;
		if (!sp || !vb_strv_contains(entry_remove, sp + 1))
			continue;
		/* the first pair of this kernel gathers all of its words */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(kept->v[j], kept->v[i], klen + 1) == 0 &&
			       vb_strv_contains(entry_remove, kept->v[j] + klen + 1);
		if (seen || *n >= VB_MAX_COMMANDS)
			continue;
		char kernel[VB_COMMAND_ARG_MAX], args[VB_COMMAND_ARG_MAX] = "--args=";
		snprintf(kernel, sizeof(kernel), "--update-kernel=%.*s", (int)klen, kept->v[i]);
		for (size_t j = i; j < kept->n; j++)
			if (strncmp(kept->v[j], kept->v[i], klen + 1) == 0 &&
			    vb_strv_contains(entry_remove, kept->v[j] + klen + 1)) {
				size_t l = strlen(args);
				snprintf(args + l, sizeof(args) - l, "%s%s", l > 7 ? " " : "",
					 kept->v[j] + klen + 1);
			}
		add_command(out, n, (const char *const[]){"grubby", kernel, args, NULL});
	}
}

size_t vb_regeneration_commands(const VbTargets *t, bool (*changed)(const char *path, const void *ud),
				const void *ud, const VbStrv *entry_add, const VbStrv *entry_remove,
				const VbStrv *entry_kept, VbCommand out[VB_MAX_COMMANDS])
{
	size_t n = 0;
	bool images = false;
	for (size_t i = 0; i < ELEMENTSOF(image_inputs); i++)
		images = images || changed(image_inputs[i], ud);
	for (VbInitramfs i = VB_INITRAMFS_NONE + 1; i < VB_INITRAMFS_COUNT; i++)
		images = images || changed(vb_initramfs_backend(i)->config, ud);
	/* a unified kernel image carries the command line: its generator builds it again */
	images = images || (t->uki && changed(VB_OUT_KERNEL_CMDLINE, ud));
	const VbInitramfsBackend *ib = vb_initramfs_backend(t->initramfs);
	if (images && ib) {
		const char *argv[VB_COMMAND_MAX_ARGS + 1] = {NULL};
		size_t k = 0;
		for (; ib->rebuild[k] && k < VB_COMMAND_MAX_ARGS - 1; k++)
			argv[k] = ib->rebuild[k];
		argv[k] = t->rebuild_parallel ? ib->parallel : NULL;
		add_command(out, &n, argv);
	}
	if (changed(VB_OUT_GRUB_DROPIN, ud))
		add_command(out, &n, (const char *const[]){"update-grub", NULL});
	if (changed(VB_OUT_GRUB_DEFAULT, ud))
		add_command(out, &n,
			    (const char *const[]){t->grub_mkconfig, "-o", t->grub_cfg,
						  t->grub_update_bls_cmdline ? "--update-bls-cmdline" : NULL,
						  NULL});
	/* Proxmox VE: the kernels, images and command line reach the ESPs it keeps only
	 * through its refresh (systemd-boot from /etc/kernel/cmdline, or GRUB) */
	if (t->proxmox_esps && (images || changed(VB_OUT_KERNEL_CMDLINE, ud) ||
				changed(VB_OUT_GRUB_DROPIN, ud) || changed(VB_OUT_GRUB_DEFAULT, ud)))
		add_command(out, &n, (const char *const[]){"proxmox-boot-tool", "refresh", NULL});
	const VbStrv *lists[] = {entry_remove, entry_add};
	for (size_t i = 0; i < 2; i++) {
		if (!lists[i] || lists[i]->n == 0)
			continue;
		_cleanup_free_ char *words = vb_strv_join(lists[i], " ");
		char arg[VB_COMMAND_ARG_MAX];
		if (!words)
			continue;
		if (t->bootloader == VB_BOOTLOADER_GRUB_BLS) {
			snprintf(arg, sizeof(arg), "%s=%s", i ? "--args" : "--remove-args", words);
			add_command(out, &n,
				    (const char *const[]){"grubby", "--update-kernel=ALL", arg, NULL});
			if (i == 0)
				give_back_kept(lists[i], entry_kept, out, &n);
		} else if (t->bootloader == VB_BOOTLOADER_KERNELSTUB)
			add_command(out, &n,
				    (const char *const[]){"kernelstub", i ? "-a" : "-d", words, NULL});
	}
	return n;
}

static bool plan_file_changes(const char *path, const void *ud)
{
	return file_changes(ud, path);
}

/* apply regenerates what the changed files feed (every initramfs image, the boot loader's
 * configuration) and gives the boot entries new parameters. */
int vb_plan_commands(const VbState *st, VbPlan *p)
{
	VbCommand *cmds = calloc(VB_MAX_COMMANDS, sizeof(*cmds));
	if (!cmds)
		return -ENOMEM;
	p->commands = cmds;
	bool entries_change = !st || !vb_strv_equal(&st->entry_args, &p->entry_args);
	p->n_commands = vb_regeneration_commands(&p->targets, plan_file_changes, p,
						 entries_change ? &p->entry_args : NULL,
						 &p->entry_args_remove, &p->entry_kept, cmds);
	return 0;
}
