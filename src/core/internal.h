/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the core: logging and the root/sysroot path helpers. */
#pragma once

#include "i18n.h"
#include "util/macro.h"
#include "vb.h"

struct VbContext {
	char *root;    /* "/" or an absolute directory without trailing slash */
	char *sysroot; /* same */
	VbLogFn log_fn;
	void *log_userdata;
	VbLogLevel log_max;
	int lock_fd;	      /* the root's lock (vb_root_lock), -1 when not held */
	unsigned lock_depth;  /* nested takes */
	char *selection_file; /* read instead of ROOT/etc/vfio-boot.conf (plan --selection) */
};

void vb_log(const VbContext *ctx, VbLogLevel level, const char *fmt, ...) _printf_(3, 4);
#define vb_err(ctx, ...) vb_log(ctx, VB_LOG_ERR, __VA_ARGS__)
#define vb_warn(ctx, ...) vb_log(ctx, VB_LOG_WARNING, __VA_ARGS__)
#define vb_info(ctx, ...) vb_log(ctx, VB_LOG_INFO, __VA_ARGS__)
#define vb_debug(ctx, ...) vb_log(ctx, VB_LOG_DEBUG, __VA_ARGS__)

/* Logs "what: path: strerror" at error level and returns r (a -errno). */
int vb_log_errno(const VbContext *ctx, int r, const char *fmt, ...) _printf_(3, 4);
/* Logs the message alone at error level and returns r: for a refusal or a bad value, where
 * the errno text would only repeat it ("...: Invalid argument"). */
int vb_fail(const VbContext *ctx, int r, const char *fmt, ...) _printf_(3, 4);

/* Paths below the sysroot or the root. rel is relative ("sys/bus/pci"). Never NULL
 * on success; -ENOMEM otherwise. */
int vb_sysroot_path(const VbContext *ctx, const char *rel, char **ret);
int vb_root_path(const VbContext *ctx, const char *rel, char **ret);
char *vb_path_join(const char *a, const char *b);
/* The file at path under the root (up to 16 MiB); a missing one gives 0 and *ret NULL. Any
 * other failure is logged with the path and returned. */
int vb_root_read(const VbContext *ctx, const char *path, char **ret);
/* Whether something is at rel under the root. */
bool vb_root_has(const VbContext *ctx, const char *rel);
