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

/* Ours that go into every image; with each image generator's own file of ours. */
static const char *const image_inputs[] = {VB_OUT_MODPROBE, VB_OUT_DEVICES, VB_UDEV_RULE};

/* argv as one more command; "@WORDS@" and "@KERNEL@" in its arguments (VbEntriesTool's
 * templates) replaced by words and kernel where given. */
static void add_tool_command(VbCommand *cmds, size_t *n, const char *const *argv, const char *words,
			     const char *kernel)
{
	if (*n >= VB_MAX_COMMANDS)
		return;
	VbCommand *c = &cmds[(*n)++];
	for (c->argc = 0; argv[c->argc] && c->argc < VB_COMMAND_MAX_ARGS; c->argc++) {
		const char *a = argv[c->argc], *w = words ? strstr(a, "@WORDS@") : NULL,
			   *k = kernel ? strstr(a, "@KERNEL@") : NULL;
		const char *at = w ? w : k, *value = w ? words : kernel;
		if (at)
			snprintf(c->argv[c->argc], sizeof(c->argv[c->argc]), "%.*s%s%s", (int)(at - a), a,
				 value, at + (w ? strlen("@WORDS@") : strlen("@KERNEL@")));
		else
			snprintf(c->argv[c->argc], sizeof(c->argv[c->argc]), "%s", a);
	}
}

static void add_command(VbCommand *cmds, size_t *n, const char *const *argv)
{
	add_tool_command(cmds, n, argv, NULL, NULL);
}

/* After the tool took entry_remove out of every entry: the words of it that an entry had
 * before vfio-boot, back into that entry, one command per kernel. */
static void give_back_kept(const VbEntriesTool *tool, const VbStrv *entry_remove, const VbStrv *kept,
			   VbCommand *out, size_t *n)
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
		if (seen)
			continue;
		char kernel[VB_COMMAND_ARG_MAX], words[VB_COMMAND_ARG_MAX] = "";
		snprintf(kernel, sizeof(kernel), "%.*s", (int)klen, kept->v[i]);
		for (size_t j = i; j < kept->n; j++)
			if (strncmp(kept->v[j], kept->v[i], klen + 1) == 0 &&
			    vb_strv_contains(entry_remove, kept->v[j] + klen + 1)) {
				size_t l = strlen(words);
				snprintf(words + l, sizeof(words) - l, "%s%s", l ? " " : "",
					 kept->v[j] + klen + 1);
			}
		add_tool_command(out, n, tool->add_one, words, kernel);
	}
}

/* Whether a file that feeds the images changed: ours that go into every image, each image
 * generator's own, and where unified kernel images carry the command line, its file. */
static bool images_change(const VbTargets *t, bool (*changed)(const char *path, const void *ud),
			  const void *ud)
{
	for (size_t i = 0; i < ELEMENTSOF(image_inputs); i++)
		if (changed(image_inputs[i], ud))
			return true;
	for (VbInitramfs i = VB_INITRAMFS_NONE + 1; i < VB_INITRAMFS_COUNT; i++)
		if (changed(vb_initramfs_backend(i)->config, ud))
			return true;
	for (const VbParamsFile *const *f = vb_params_files(); *f; f++)
		if (t->uki && (*f)->in_uki && changed((*f)->path, ud))
			return true;
	return false;
}

size_t vb_regeneration_commands(const VbTargets *t, bool (*changed)(const char *path, const void *ud),
				const void *ud, const VbStrv *entry_add, const VbStrv *entry_remove,
				const VbStrv *entry_kept, VbCommand out[VB_MAX_COMMANDS])
{
	size_t n = 0;
	bool images = images_change(t, changed, ud), params = false;
	const VbInitramfsBackend *ib = vb_initramfs_backend(t->initramfs);
	if (images && ib) {
		const char *argv[VB_COMMAND_MAX_ARGS + 1] = {NULL};
		size_t k = 0;
		for (; ib->rebuild[k] && k < VB_COMMAND_MAX_ARGS - 1; k++)
			argv[k] = ib->rebuild[k];
		argv[k] = t->rebuild_parallel ? ib->parallel : NULL;
		add_command(out, &n, argv);
	}
	for (const VbParamsFile *const *f = vb_params_files(); *f; f++) {
		if (!changed((*f)->path, ud))
			continue;
		params = true;
		const char *argv[VB_BOOT_COMMAND_ARGS] = {NULL};
		if ((*f)->update) {
			(*f)->update(t, argv);
			add_command(out, &n, argv);
		}
	}
	/* Proxmox VE: the kernels, images and command line reach the ESPs it keeps only
	 * through its refresh (systemd-boot from /etc/kernel/cmdline, or GRUB) */
	if (t->proxmox_esps && (images || params))
		add_command(out, &n, (const char *const[]){"proxmox-boot-tool", "refresh", NULL});
	const VbEntriesTool *tool = vb_bootloader_backend(t->bootloader)->entries;
	const VbStrv *lists[] = {entry_remove, entry_add};
	for (size_t i = 0; tool && i < 2; i++) {
		if (!lists[i] || lists[i]->n == 0)
			continue;
		_cleanup_free_ char *words = vb_strv_join(lists[i], " ");
		if (!words)
			continue;
		add_tool_command(out, &n, i ? tool->add : tool->remove, words, NULL);
		if (i == 0 && tool->pairs)
			give_back_kept(tool, lists[i], entry_kept, out, &n);
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
