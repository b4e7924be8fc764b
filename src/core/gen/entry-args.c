/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parameters a tool gives every boot entry (grubby on BLS systems, kernelstub): those
 * the entries did not have before, which revert takes out again, and on BLS the entries that
 * had one already, which get it back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../util/fileio.h"
#include "build.h"

/* "KERNEL WORD" for every word of the options line of every BLS entry, KERNEL being the
 * entry's linux path as grubby names it (under /boot, whether /boot is its own file system
 * or not). */
static int bls_entry_words(const VbContext *ctx, VbStrv *pairs)
{
	_cleanup_free_ char *dir = NULL;
	if (vb_root_path(ctx, "boot/loader/entries", &dir) < 0)
		return -ENOMEM;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int r = 0;
	for (struct dirent *de; r >= 0 && (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *path = NULL, *text = NULL, *options = NULL;
		char kernel[512] = "";
		if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL) < 0)
			continue;
		char *save = NULL;
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line += strspn(line, " \t");
			size_t key = strcspn(line, " \t");
			char *value = line + key + strspn(line + key, " \t");
			if (key == 5 && strncmp(line, "linux", 5) == 0 && value[0] == '/')
				snprintf(kernel, sizeof(kernel), "%s%.*s",
					 strncmp(value, "/boot/", 6) == 0 ? "" : "/boot",
					 (int)strcspn(value, " \t"), value);
			else if (key == 7 && strncmp(line, "options", 7) == 0 && !options &&
				 !(options = strdup(value)))
				r = -ENOMEM;
		}
		if (!kernel[0] || !options)
			continue;
		char *wsave = NULL;
		for (char *w = strtok_r(options, " \t", &wsave); w && r >= 0;
		     w = strtok_r(NULL, " \t", &wsave)) {
			_cleanup_free_ char *pair = NULL;
			r = asprintf(&pair, "%s %s", kernel, w) < 0 ? -ENOMEM : vb_strv_add(pairs, pair);
		}
	}
	closedir(d);
	return r;
}

/* The words every BLS entry has on its options line (a word some entry lacks is one grubby
 * adds to it, so ours to take out again on revert). No entry gives none. */
static int bls_common_words(const VbContext *ctx, VbStrv *words)
{
	_cleanup_(vb_strv_done) VbStrv pairs = {0}, kernels = {0};
	int r = bls_entry_words(ctx, &pairs);
	for (size_t i = 0; i < pairs.n && r >= 0; i++) {
		_cleanup_free_ char *k = strndup(pairs.v[i], strcspn(pairs.v[i], " "));
		r = k ? vb_strv_add(&kernels, k) : -ENOMEM;
	}
	for (size_t i = 0; i < pairs.n && r >= 0 && kernels.n > 0; i++) {
		const char *w = strchr(pairs.v[i], ' ') + 1;
		bool everywhere = true;
		for (size_t k = 0; k < kernels.n && everywhere; k++) {
			_cleanup_free_ char *pair = NULL;
			if (asprintf(&pair, "%s %s", kernels.v[k], w) < 0)
				return -ENOMEM;
			everywhere = vb_strv_contains(&pairs, pair);
		}
		if (everywhere)
			r = vb_strv_add(words, w);
	}
	return r;
}

/* The parameters the boot entries have, where a tool keeps them for every kernel: grubby's
 * BLS systems in /etc/kernel/cmdline (or, without it, in the entries themselves),
 * kernelstub in its configuration. An unreadable file gives none. */
static int entry_words(const VbContext *ctx, const VbTargets *t, VbStrv *words)
{
	_cleanup_free_ char *text = NULL;
	bool bls = t->bootloader == VB_BOOTLOADER_GRUB_BLS;
	if (vb_root_read(ctx, bls ? VB_OUT_KERNEL_CMDLINE : "/etc/kernelstub/configuration", &text) < 0)
		return 0;
	if (!text)
		return bls ? bls_common_words(ctx, words) : 0;
	int r = 0;
	if (bls) {
		for (char *w = strtok(text, " \t\n"); w && r >= 0; w = strtok(NULL, " \t\n"))
			r = vb_strv_add(words, w);
		return r;
	}
	json_object *root = json_tokener_parse(text), *user, *opts;
	if (root && json_object_object_get_ex(root, "user", &user) &&
	    json_object_object_get_ex(user, "kernel_options", &opts) &&
	    json_object_is_type(opts, json_type_array))
		for (size_t i = 0; i < json_object_array_length(opts) && r >= 0; i++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
			if (o)
				r = vb_strv_add(words, o);
		}
	json_object_put(root);
	return r;
}

/* Which entries had a parameter before vfio-boot gives it to all: those get it back when
 * it is taken out of all again (revert, or a selection that no longer needs it). */
static int plan_entry_kept(const VbContext *ctx, const VbState *st, VbPlan *p)
{
	const VbStrv *old_args = st ? &st->entry_args : NULL;
	int r = 0;
	for (size_t i = 0; st && i < st->entry_kept.n && r >= 0; i++) {
		const char *sp = strchr(st->entry_kept.v[i], ' ');
		if (sp && (vb_strv_contains(&p->entry_args, sp + 1) ||
			   vb_strv_contains(&p->entry_args_remove, sp + 1)))
			r = vb_strv_add(&p->entry_kept, st->entry_kept.v[i]);
	}
	_cleanup_(vb_strv_done) VbStrv pairs = {0};
	if (r < 0 || (r = bls_entry_words(ctx, &pairs)) < 0)
		return r;
	for (size_t i = 0; i < pairs.n && r >= 0; i++) {
		const char *w = strchr(pairs.v[i], ' ') + 1;
		/* a word vfio-boot gave to all entries earlier is in them because of it */
		if (vb_strv_contains(&p->entry_args, w) && !(old_args && vb_strv_contains(old_args, w)))
			r = vb_strv_add(&p->entry_kept, pairs.v[i]);
	}
	return r;
}

int vb_plan_entry_args(const VbContext *ctx, const VbState *st, VbPlan *p)
{
	const VbTargets *t = &p->targets;
	const VbStrv *old = st ? &st->entry_args : NULL;
	int r = 0;
	if (vb_bootloader_backend(t->bootloader)->entries_tool) {
		_cleanup_(vb_strv_done) VbStrv before = {0};
		if ((r = entry_words(ctx, t, &before)) < 0)
			return r;
		for (size_t i = 0; i < p->cmdline.n && r >= 0; i++)
			if ((old && vb_strv_contains(old, p->cmdline.v[i])) ||
			    !vb_strv_contains(&before, p->cmdline.v[i]))
				r = vb_strv_add(&p->entry_args, p->cmdline.v[i]);
	}
	for (size_t i = 0; old && i < old->n && r >= 0; i++)
		if (!vb_strv_contains(&p->entry_args, old->v[i]))
			r = vb_strv_add(&p->entry_args_remove, old->v[i]);
	if (r >= 0 && t->bootloader == VB_BOOTLOADER_GRUB_BLS)
		r = plan_entry_kept(ctx, st, p);
	return r;
}
