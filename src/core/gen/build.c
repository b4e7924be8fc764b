/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building the plan: the decision (plan/), the generators' limits, then the boot entries'
 * parameters, the files and the commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "build.h"

/* Whether text has a line that sets the key of ours, a "key: value" line. */
static bool sets_key(const char *text, const char *ours)
{
	size_t key = strcspn(ours, ":\n") + 1;
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, ours, key) == 0)
			return true;
	return false;
}

/* What the image generator cannot do (target/initramfs-*.c): binding by address, or a key of
 * our block that the admin's part of its file sets already; then its warning. */
static int image_limits(const VbContext *ctx, VbPlan *p)
{
	const VbInitramfsBackend *ib = vb_initramfs_backend(p->targets.initramfs);
	if (!ib)
		return 0;
	if (p->method == VB_METHOD_ADDRESS && ib->limits.no_address)
		return vb_issue_add(&p->errors, "unsupported-initramfs", "%s", _(ib->limits.no_address));
	_cleanup_free_ char *text = NULL, *admins = NULL;
	int r = ib->config_block ? vb_root_read(ctx, ib->config, &text) : 0;
	if (r < 0)
		return r;
	/* the admin's part: the file without our block (a cut block is plan_edit's to report) */
	if (text && !(admins = vb_generator_for_path(ib->config)->unedit(text, NULL)) && errno != EBADMSG)
		return -ENOMEM;
	for (const char *ours = ib->config_block; admins && *ours;) {
		size_t len = strcspn(ours, "\n"), key = strcspn(ours, ":\n");
		if (sets_key(admins, ours))
			return vb_issue_add(
			    &p->errors, ib->block_key_taken,
			    "%s sets %.*s already, and a key may appear once: add %.*s to its "
			    "list by hand, then 'vfio-boot apply --initramfs=none'",
			    ib->config, (int)key, ours, (int)(len - key - 2), ours + key + 2);
		ours += len + (ours[len] == '\n');
	}
	return ib->limits.warning ? vb_issue_add(&p->warnings, "best-effort", "%s", _(ib->limits.warning))
				  : 0;
}

int vb_plan_build(VbContext *ctx, const VbModel *m, const VbSelection *sel, const VbPlanOptions *opts,
		  VbPlan **ret)
{
	_cleanup_(vb_plan_freep) VbPlan *p = NULL;
	int r = vb_plan_decide(ctx, m, sel, opts, &p);
	if (r < 0)
		return r;
	if (p->n_devices > 0 && (r = image_limits(ctx, p)) < 0)
		return r;
	/* what an earlier apply did: our words in the admin's files, the boot entries' parameters */
	_cleanup_(vb_state_freep) VbState *st = NULL;
	if ((r = vb_state_load(ctx, &st)) < 0 && r != -ENOENT)
		return r;
	/* a refused plan writes nothing: no files, no commands */
	if (p->errors.n == 0 && ((r = vb_plan_entry_args(ctx, st, p)) < 0 ||
				 (r = vb_plan_files(ctx, st, p)) < 0 || (r = vb_plan_commands(st, p)) < 0))
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}
