/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * profile --define: the domain given to libvirt through its API (virDomainDefineXML), as
 * virsh define would. libvirt is loaded when asked for, like libxml2 and libarchive: most
 * hosts that run vfio-boot at boot have no use for it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define LIBVIRT_SONAME "libvirt.so.0"

static struct {
	bool loaded;
	virConnectPtr (*ConnectOpen)(const char *);
	int (*ConnectClose)(virConnectPtr);
	virDomainPtr (*DomainDefineXML)(virConnectPtr, const char *);
	int (*DomainFree)(virDomainPtr);
	const char *(*GetLastErrorMessage)(void);
	int (*InitializeFn)(void);
	void (*SetErrorFunc)(void *, virErrorFunc);
} v;

/* libvirt prints every error on stderr by default; ours says it once, with context */
static void quiet(void *userdata, virErrorPtr error)
{
	(void)userdata, (void)error;
}

static int load_libvirt(char **ret_error)
{
	if (v.loaded)
		return 0;
	void *h = dlopen(LIBVIRT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		if (asprintf(ret_error, "--define needs %s (Debian: libvirt0): %s", LIBVIRT_SONAME,
			     dlerror()) < 0)
			*ret_error = NULL;
		return -EOPNOTSUPP;
	}
	/* the symbols and their types are those of libvirt.h, which this file is compiled with */
#define SYM(field, name) (*(void **)&v.field = dlsym(h, name)) != NULL
	bool ok = SYM(ConnectOpen, "virConnectOpen") && SYM(ConnectClose, "virConnectClose") &&
		  SYM(DomainDefineXML, "virDomainDefineXML") && SYM(DomainFree, "virDomainFree") &&
		  SYM(GetLastErrorMessage, "virGetLastErrorMessage") && SYM(InitializeFn, "virInitialize") &&
		  SYM(SetErrorFunc, "virSetErrorFunc");
#undef SYM
	if (!ok) {
		if (asprintf(ret_error, "%s lacks a function vfio-boot needs: %s", LIBVIRT_SONAME,
			     dlerror()) < 0)
			*ret_error = NULL;
		dlclose(h);
		return -EOPNOTSUPP;
	}
	v.loaded = true; /* kept loaded for the life of the process */
	if (v.InitializeFn() < 0)
		return -EIO;
	v.SetErrorFunc(NULL, quiet);
	return 0;
}

int vb_profile_define(const char *uri, const char *xml, char **ret_error)
{
	int r = load_libvirt(ret_error);
	if (r < 0)
		return r;
	virConnectPtr conn = v.ConnectOpen(uri);
	if (!conn) {
		if (asprintf(ret_error, "cannot connect to %s: %s", uri, v.GetLastErrorMessage()) < 0)
			*ret_error = NULL;
		return -ECONNREFUSED;
	}
	virDomainPtr dom = v.DomainDefineXML(conn, xml);
	if (!dom) {
		if (asprintf(ret_error, "%s refused the domain: %s", uri, v.GetLastErrorMessage()) < 0)
			*ret_error = NULL;
		r = -EINVAL;
	} else
		v.DomainFree(dom);
	v.ConnectClose(conn);
	return r;
}
