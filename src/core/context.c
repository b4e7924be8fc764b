/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util/atomic-file.h"
#include "util/fileio.h"

static char *normalize_dir(const char *dir)
{
	if (!dir || !*dir)
		dir = "/";
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strndup(dir, n);
}

int vb_context_new(const char *root, const char *sysroot, VbContext **ret)
{
	VbContext *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->root = normalize_dir(root);
	ctx->sysroot = normalize_dir(sysroot);
	ctx->log_max = VB_LOG_WARNING;
	ctx->lock_fd = -1;
	if (!ctx->root || !ctx->sysroot) {
		vb_context_free(ctx);
		return -ENOMEM;
	}
	*ret = ctx;
	return 0;
}

VbContext *vb_context_free(VbContext *ctx)
{
	if (!ctx)
		return NULL;
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	free(ctx->root);
	free(ctx->sysroot);
	free(ctx->selection_file);
	free(ctx);
	return NULL;
}

int vb_context_set_selection_file(VbContext *ctx, const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	free(ctx->selection_file);
	ctx->selection_file = copy;
	return 0;
}

void vb_context_set_log(VbContext *ctx, VbLogFn fn, void *userdata, VbLogLevel max_level)
{
	ctx->log_fn = fn;
	ctx->log_userdata = userdata;
	ctx->log_max = max_level;
}

const char *vb_context_root(const VbContext *ctx)
{
	return ctx->root;
}
const char *vb_context_sysroot(const VbContext *ctx)
{
	return ctx->sysroot;
}

_printf_(3, 0) static void vb_logv(const VbContext *ctx, VbLogLevel level, const char *fmt, va_list ap)
{
	if (!ctx || !ctx->log_fn || level > ctx->log_max)
		return;
	/* errors and warnings are for the user, in the user's language (vb_err and vb_warn are
	 * xgettext keywords); debug messages are for developers and stay as written */
	ctx->log_fn(ctx->log_userdata, level, level < VB_LOG_DEBUG ? _(fmt) : fmt, ap);
}

void vb_log(const VbContext *ctx, VbLogLevel level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vb_logv(ctx, level, fmt, ap);
	va_end(ap);
}

int vb_log_errno(const VbContext *ctx, int r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), _(fmt), ap);
	va_end(ap);
	vb_log(ctx, VB_LOG_ERR, "%s: %s", buf, strerror(-r));
	return r;
}

int vb_fail(const VbContext *ctx, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vb_logv(ctx, VB_LOG_ERR, fmt, ap);
	va_end(ap);
	return r;
}

char *vb_path_join(const char *a, const char *b)
{
	char *p;
	while (*b == '/')
		b++;
	if (strcmp(a, "/") == 0)
		a = "";
	if (asprintf(&p, "%s/%s", a, b) < 0)
		return NULL;
	return p;
}

int vb_sysroot_path(const VbContext *ctx, const char *rel, char **ret)
{
	char *p = vb_path_join(ctx->sysroot, rel);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int vb_root_path(const VbContext *ctx, const char *rel, char **ret)
{
	char *p = vb_path_join(ctx->root, rel);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int vb_root_read(const VbContext *ctx, const char *path, char **ret)
{
	_cleanup_free_ char *full = NULL;
	int r = vb_root_path(ctx, path, &full);
	if (r < 0)
		return r;
	r = read_file_at(AT_FDCWD, full, 16 * 1024 * 1024, ret, NULL);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r < 0 ? vb_log_errno(ctx, r, "failed to read %s%s", full, not_regular_hint(r)) : 0;
}

unsigned vb_test_fault_points(void)
{
	return fault_points_passed();
}

bool vb_root_has(const VbContext *ctx, const char *rel)
{
	_cleanup_free_ char *p = NULL;
	return vb_root_path(ctx, rel, &p) >= 0 && access(p, F_OK) == 0;
}
