/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The selection file under the root: read with errors as "path:line: message", written
 * back atomically through a link the admin keeps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "selection.h"

int vb_selection_load(VbContext *ctx, VbSelection **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t size;
	int r = ctx->selection_file ? ((path = strdup(ctx->selection_file)) ? 0 : -ENOMEM)
				    : vb_root_path(ctx, VB_SELECTION_PATH, &path);
	if (r < 0)
		return r;
	r = read_file_at(AT_FDCWD, path, 4 * 1024 * 1024, &text, &size);
	if (r == -ENOENT && !ctx->selection_file) {
		vb_info(ctx, "%s does not exist: nothing is selected", path);
		return vb_selection_new(ret);
	}
	if (r == -EFBIG)
		return vb_err(ctx, "%s: larger than 4 MiB, not a selection file", path), -EINVAL;
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read %s%s", path, not_regular_hint(r));
	VbParseError err = {0};
	r = vb_selection_parse(text, size, ret, &err);
	if (r >= 0)
		vb_info(ctx, "%s: %zu devices selected", path, (*ret)->n_devices);
	if (r == -EINVAL) {
		if (err.line)
			vb_err(ctx, "%s:%zu: %s", path, err.line, err.message);
		else
			vb_err(ctx, "%s: %s", path, err.message);
	}
	return r;
}

int vb_selection_save(VbContext *ctx, const VbSelection *sel)
{
	_cleanup_free_ char *text = vb_selection_format(sel);
	if (!text)
		return -ENOMEM;
	/* a link (the admin keeps the file elsewhere, e.g. in a dotfiles tree) is written
	 * through: its target gets the new selection, the link stays */
	char rel[4096], dir[4096];
	const char *shown = strcmp(ctx->root, "/") ? ctx->root : "";
	int r = resolve_beneath(ctx->root, &VB_SELECTION_PATH[1], rel, sizeof(rel));
	if (r == -EXDEV)
		return vb_err(ctx, "%s%s is a symlink that leads out of %s: not written", shown,
			      VB_SELECTION_PATH, ctx->root),
		       r;
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to follow %s%s", shown, VB_SELECTION_PATH);
	const char *slash = strrchr(rel, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	int dirfd;
	r = open_dir_beneath(ctx->root, dir, false, &dirfd);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to open %s/%s%s", shown, dir, beneath_hint(r));
	struct stat st;
	mode_t mode = fstatat(dirfd, slash ? slash + 1 : rel, &st, 0) == 0 ? st.st_mode & 07777 : 0644;
	r = write_file_atomic_at(dirfd, slash ? slash + 1 : rel, text, strlen(text), mode);
	close(dirfd);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to write %s/%s", shown, rel);
	return 0;
}
