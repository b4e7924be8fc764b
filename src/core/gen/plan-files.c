/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan's files: each generator's output compared with what is on disk, our part of the
 * admin's files, and the admin's originals that come back when ours are no longer wanted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "build.h"

bool vb_generated_file(const char *content)
{
	const size_t n = strlen(VB_GENERATED_MARKER);
	if (strncmp(content, "#!/bin/sh\n", 10) == 0)
		content += 10;
	return strncmp(content, VB_GENERATED_MARKER, n) == 0;
}

static int add_file(VbPlan *p, const VbGenerator *g, char *content, char *current)
{
	VbFileChange *v = realloc(p->files, (p->n_files + 1) * sizeof(*v));
	if (!v) {
		free(content);
		free(current);
		return -ENOMEM;
	}
	p->files = v;
	VbFileAction a = !content			 ? VB_FILE_DELETE
			 : !current			 ? VB_FILE_CREATE
			 : strcmp(content, current) == 0 ? VB_FILE_UNCHANGED
							 : VB_FILE_UPDATE;
	p->files[p->n_files++] = (VbFileChange){g->path, a, content, current, g->mode};
	return 0;
}

/* The admin's file, with our part as the plan wants it (or taken out). */
static int plan_edit(const VbContext *ctx, const VbGenerator *g, const VbState *st, VbPlan *p)
{
	char *current;
	int r = vb_root_read(ctx, g->path, &current);
	if (r < 0 || !current)
		return r; /* nothing to edit: detect_targets said what to do instead */
	const VbStateFile *sf = vb_state_find(st, g->path);
	char *base = g->unedit(current, sf ? &sf->added : NULL);
	if (!base) {
		free(current);
		if (errno != EBADMSG)
			return -ENOMEM;
		return vb_issue_add(&p->errors, "damaged-block",
				    "%s: a '# BEGIN vfio-boot' line without its '# END vfio-boot': mend or "
				    "remove the block by hand, then apply again",
				    g->path);
	}
	bool wanted = vb_generator_wanted(g, p);
	VbStrv added = {0};
	char *content = base;
	if (wanted) {
		content = g->edit(g, p, base, &added);
		free(base);
		if (content && added.failed) { /* a word of ours unrecorded: revert could not take it out */
			free(content);
			content = NULL;
		}
		if (!content) {
			free(current);
			vb_strv_done(&added);
			return -ENOMEM;
		}
	} else if (strcmp(content, current) == 0) {
		free(content); /* nothing of ours in it */
		free(current);
		return 0;
	}
	if ((r = add_file(p, g, content, current)) < 0) {
		vb_strv_done(&added);
		return r;
	}
	VbFileChange *f = &p->files[p->n_files - 1];
	f->edit = true;
	f->release = !wanted;
	f->added = added;
	return 0;
}

int vb_plan_files(const VbContext *ctx, const VbState *st, VbPlan *p)
{
	const VbGenerator *const *all = vb_generator_list();
	for (size_t i = 0; all[i]; i++) {
		const VbGenerator *g = all[i];
		if (!g->path)
			continue;
		if (g->edit) {
			int r = plan_edit(ctx, g, st, p);
			if (r < 0)
				return r;
			continue;
		}
		char *current;
		int r = vb_root_read(ctx, g->path, &current);
		if (r < 0)
			return r;
		if (vb_generator_wanted(g, p)) {
			char *content = g->generate(g, p);
			if (!content) {
				free(current);
				return -ENOMEM;
			}
			if ((r = add_file(p, g, content, current)) < 0)
				return r;
		} else if (current && !vb_generated_file(current)) {
			/* someone else's file at our path: not ours to delete */
			free(current);
		} else if (current) {
			/* ours, no longer wanted: the admin's file it replaced comes back, else it goes */
			const VbStateFile *sf = vb_state_find(st, g->path);
			char *original = NULL;
			if (sf && sf->had_original &&
			    (r = vb_state_read_backup(ctx, g->path, &original, NULL)) < 0 && r != -ENOENT) {
				free(current);
				return vb_log_errno(ctx, r, "failed to read the backup of %s", g->path);
			}
			if ((r = add_file(p, g, original, current)) < 0)
				return r;
			if (original) {
				VbFileChange *f = &p->files[p->n_files - 1];
				f->release = true; /* nothing of ours in it any more: forgotten */
				f->mode = sf->original_mode;
			}
		}
	}
	return 0;
}
