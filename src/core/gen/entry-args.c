/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The parameters a tool gives every boot entry (grubby on BLS systems, kernelstub; their
 * commands and how they read the entries are in target/bootloader-*.c): those the entries
 * did not have before, which revert takes out again, and where entries differ per kernel,
 * the entries that had one already, which get it back. */
#include <string.h>

#include "../internal.h"
#include "build.h"

/* Which entries had a parameter before vfio-boot gives it to all: those get it back when
 * it is taken out of all again (revert, or a selection that no longer needs it). */
static int plan_entry_kept(const VbContext *ctx, const VbEntriesTool *tool, const VbState *st, VbPlan *p)
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
	if (r < 0 || (r = tool->pairs(ctx, &pairs)) < 0)
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
	const VbEntriesTool *tool = vb_bootloader_backend(t->bootloader)->entries;
	int r = 0;
	if (tool) {
		_cleanup_(vb_strv_done) VbStrv before = {0};
		if ((r = tool->words(ctx, &before)) < 0)
			return r;
		for (size_t i = 0; i < p->cmdline.n && r >= 0; i++)
			if ((old && vb_strv_contains(old, p->cmdline.v[i])) ||
			    !vb_strv_contains(&before, p->cmdline.v[i]))
				r = vb_strv_add(&p->entry_args, p->cmdline.v[i]);
	}
	for (size_t i = 0; old && i < old->n && r >= 0; i++)
		if (!vb_strv_contains(&p->entry_args, old->v[i]))
			r = vb_strv_add(&p->entry_args_remove, old->v[i]);
	if (r >= 0 && tool && tool->pairs)
		r = plan_entry_kept(ctx, tool, st, p);
	return r;
}
