/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <libintl.h>
#include <stdio.h>

#include "dl.h"

int vb_dl_load(const char *soname, const char *purpose, const char *package, const VbDlSymbol *syms,
	       size_t n_syms, char **ret_error)
{
	*ret_error = NULL;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		if (asprintf(ret_error, dgettext("vfio-boot", "%s needs %s (Debian: %s): %s"), purpose,
			     soname, package, dlerror()) < 0)
			*ret_error = NULL;
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < n_syms; i++)
		if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
			if (asprintf(ret_error,
				     dgettext("vfio-boot", "%s lacks a function vfio-boot needs: %s"), soname,
				     dlerror()) < 0)
				*ret_error = NULL;
			dlclose(h);
			return -EOPNOTSUPP;
		}
	return 0;
}
