/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Installed kernels: every directory under the root's lib/modules and usr/lib/modules that
 * holds a modules.dep (a kernel whose modules were removed leaves an empty directory). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"
#include "../paths.h"
#include "../util/utf8.h"

VbKernelList *vb_kernel_list_free(VbKernelList *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		free(l->kernels[i].version);
		free(l->kernels[i].moddir);
	}
	free(l->kernels);
	free(l);
	return NULL;
}
DEFINE_POINTER_CLEANUP(VbKernelList, vb_kernel_list_free)

static int kernel_cmp(const void *a, const void *b)
{
	return strverscmp(((const VbKernel *)a)->version, ((const VbKernel *)b)->version);
}

static bool listed(const VbKernelList *l, const char *version)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->kernels[i].version, version) == 0)
			return true;
	return false;
}

/* A kernel release as make kernelrelease writes it: letters, digits and ._+~- after a letter
 * or digit ("6.1.0-13-amd64", "5.14.0-362.8.1.el9_3.x86_64"). The name goes into generated
 * shell (the initramfs-tools hook) and into commands: any other directory is not a kernel. */
static bool kernel_release_name(const char *s)
{
	if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-");
	return s[n] == 0 && n <= 128;
}

static int add_kernels_from(VbContext *ctx, VbKernelList *l, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	int r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || listed(l, e->d_name))
			continue; /* on merged-/usr systems lib/modules is usr/lib/modules */
		if (!kernel_release_name(e->d_name)) {
			char shown[512];
			utf8_escape_into(shown, sizeof(shown), e->d_name);
			vb_warn(ctx,
				"%s/%s: not a kernel release name (letters, digits and ._+~- only): "
				"ignored",
				dir, shown);
			continue;
		}
		char *moddir = vb_path_join(dir, e->d_name);
		char *dep = moddir ? vb_path_join(moddir, "modules.dep") : NULL;
		bool ok = dep && access(dep, F_OK) == 0;
		free(dep);
		if (!moddir) {
			r = -ENOMEM;
			break;
		}
		if (!ok) {
			free(moddir);
			continue;
		}
		VbKernel *k = realloc(l->kernels, (l->n + 1) * sizeof(*k));
		if (!k) {
			free(moddir);
			r = -ENOMEM;
			break;
		}
		l->kernels = k;
		l->kernels[l->n] = (VbKernel){.version = strdup(e->d_name), .moddir = moddir};
		if (!l->kernels[l->n++].version) {
			r = -ENOMEM;
			break;
		}
	}
	closedir(d);
	return r;
}

int vb_kernels_list(VbContext *ctx, VbKernelList **ret)
{
	static const char *const dirs[] = {VB_MODULE_DIRS};
	_cleanup_(vb_kernel_list_freep) VbKernelList *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		_cleanup_free_ char *dir = NULL;
		int r = vb_root_path(ctx, dirs[i], &dir);
		if (r < 0)
			return r;
		if ((r = add_kernels_from(ctx, l, dir)) < 0)
			return vb_log_errno(ctx, r, "failed to list %s", dir);
	}
	if (l->n > 1)
		qsort(l->kernels, l->n, sizeof(*l->kernels), kernel_cmp);
	for (size_t i = 0; i < l->n; i++)
		vb_debug(ctx, "kernel %s: modules in %s", l->kernels[i].version, l->kernels[i].moddir);
	*ret = TAKE_PTR(l);
	return 0;
}
