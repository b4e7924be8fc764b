/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * profile --define: the domain given to libvirt through its API (virDomainDefineXML), as
 * virsh define would. libvirt is loaded when asked for, like libxml2 and libarchive: most
 * hosts that run vfio-boot at boot have no use for it.
 */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/dl.h"
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
	/* the symbols and their types are those of the library's header, compiled with here */
	const VbDlSymbol syms[] = {
	    {"virConnectOpen", (void **)&v.ConnectOpen},
	    {"virConnectClose", (void **)&v.ConnectClose},
	    {"virDomainDefineXML", (void **)&v.DomainDefineXML},
	    {"virDomainFree", (void **)&v.DomainFree},
	    {"virGetLastErrorMessage", (void **)&v.GetLastErrorMessage},
	    {"virInitialize", (void **)&v.InitializeFn},
	    {"virSetErrorFunc", (void **)&v.SetErrorFunc},
	};
	int r = vb_dl_load(LIBVIRT_SONAME, _("--define"), "libvirt0", syms, ELEMENTSOF(syms), ret_error);
	if (r < 0)
		return r;
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
		if (asprintf(ret_error, _("cannot connect to %s: %s"), uri, v.GetLastErrorMessage()) < 0)
			*ret_error = NULL;
		return -ECONNREFUSED;
	}
	virDomainPtr dom = v.DomainDefineXML(conn, xml);
	if (!dom) {
		if (asprintf(ret_error, _("%s refused the domain: %s"), uri, v.GetLastErrorMessage()) < 0)
			*ret_error = NULL;
		r = -EINVAL;
	} else
		v.DomainFree(dom);
	v.ConnectClose(conn);
	return r;
}
