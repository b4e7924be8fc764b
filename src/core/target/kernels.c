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

static int add_kernels_from(VbKernelList *l, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	int r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || listed(l, e->d_name))
			continue; /* on merged-/usr systems lib/modules is usr/lib/modules */
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
		if ((r = add_kernels_from(l, dir)) < 0)
			return vb_log_errno(ctx, r, "failed to list %s", dir);
	}
	if (l->n > 1)
		qsort(l->kernels, l->n, sizeof(*l->kernels), kernel_cmp);
	*ret = TAKE_PTR(l);
	return 0;
}
