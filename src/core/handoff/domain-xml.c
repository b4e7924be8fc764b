/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host PCI functions a libvirt domain assigns: <hostdev mode='subsystem' type='pci'>
 * <source><address domain= bus= slot= function=/></source>, read with libxml2's streaming
 * reader. libxml2 is loaded on first use, as for writing profiles (profile/domain.c): the
 * hook runs for every domain libvirt starts, most of which have no hostdev at all.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "handoff.h"

#define LIBXML2_SONAME "libxml2.so.2"
static struct {
	bool loaded;
	xmlTextReaderPtr (*ReaderForMemory)(const char *, int, const char *, const char *, int);
	int (*Read)(xmlTextReaderPtr);
	int (*NodeType)(xmlTextReaderPtr);
	int (*Depth)(xmlTextReaderPtr);
	int (*IsEmptyElement)(xmlTextReaderPtr);
	const xmlChar *(*ConstLocalName)(xmlTextReaderPtr);
	int (*MoveToAttribute)(xmlTextReaderPtr, const xmlChar *);
	int (*MoveToElement)(xmlTextReaderPtr);
	const xmlChar *(*ConstValue)(xmlTextReaderPtr);
	void (*FreeTextReader)(xmlTextReaderPtr);
} x;

static int load(VbContext *ctx)
{
	if (x.loaded)
		return 0;
	void *h = dlopen(LIBXML2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return vb_fail(ctx, -EOPNOTSUPP, "reading a domain's XML needs %s (Debian: libxml2): %s",
			       LIBXML2_SONAME, dlerror());
#define SYM(field, name) (*(void **)&x.field = dlsym(h, name)) != NULL
	bool ok = SYM(ReaderForMemory, "xmlReaderForMemory") && SYM(Read, "xmlTextReaderRead") &&
		  SYM(NodeType, "xmlTextReaderNodeType") && SYM(Depth, "xmlTextReaderDepth") &&
		  SYM(IsEmptyElement, "xmlTextReaderIsEmptyElement") &&
		  SYM(ConstLocalName, "xmlTextReaderConstLocalName") &&
		  SYM(MoveToAttribute, "xmlTextReaderMoveToAttribute") &&
		  SYM(MoveToElement, "xmlTextReaderMoveToElement") &&
		  SYM(ConstValue, "xmlTextReaderConstValue") && SYM(FreeTextReader, "xmlFreeTextReader");
#undef SYM
	if (!ok) {
		dlclose(h);
		return vb_fail(ctx, -EOPNOTSUPP, "%s lacks a function vfio-boot needs", LIBXML2_SONAME);
	}
	x.loaded = true;
	return 0;
}

/* The attribute's value as a number (libvirt writes 0x-prefixed hex), -1 when absent. */
static long attr_number(xmlTextReaderPtr r, const char *name)
{
	long v = -1;
	if (x.MoveToAttribute(r, BAD_CAST name) == 1) {
		const char *s = (const char *)x.ConstValue(r);
		char *end;
		v = s ? strtol(s, &end, 0) : -1;
		if (!s || *end)
			v = -1;
	}
	x.MoveToElement(r);
	return v;
}

static bool attr_is(xmlTextReaderPtr r, const char *name, const char *value)
{
	bool is = x.MoveToAttribute(r, BAD_CAST name) == 1 && x.ConstValue(r) &&
		  strcmp((const char *)x.ConstValue(r), value) == 0;
	x.MoveToElement(r);
	return is;
}

int vb_domain_xml_hostdevs(VbContext *ctx, const char *xml, size_t size, VbPciAddress **ret, size_t *n_ret)
{
	int r = load(ctx);
	if (r < 0)
		return r;
	xmlTextReaderPtr reader = x.ReaderForMemory(
	    xml, (int)size, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!reader)
		return vb_fail(ctx, -EINVAL, "the domain's XML could not be read");
	VbPciAddress *v = NULL;
	size_t n = 0;
	int hostdev = -1, source = -1; /* depths of the open elements, -1 outside */
	while ((r = x.Read(reader)) == 1) {
		int type = x.NodeType(reader), depth = x.Depth(reader);
		const char *name = (const char *)x.ConstLocalName(reader);
		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (depth == source)
				source = -1;
			if (depth == hostdev)
				hostdev = -1;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT || !name)
			continue;
		bool empty = x.IsEmptyElement(reader) == 1;
		if (strcmp(name, "hostdev") == 0 && !empty && attr_is(reader, "type", "pci"))
			hostdev = depth;
		else if (strcmp(name, "source") == 0 && hostdev >= 0 && depth == hostdev + 1 && !empty)
			source = depth;
		else if (strcmp(name, "address") == 0 && source >= 0 && depth == source + 1) {
			long dom = attr_number(reader, "domain"), bus = attr_number(reader, "bus"),
			     slot = attr_number(reader, "slot"), fn = attr_number(reader, "function");
			if (dom < 0)
				dom = 0;
			if (bus < 0 || bus > 0xff || slot < 0 || slot > 0x1f || fn < 0 || fn > 7 ||
			    dom > 0xffff)
				continue;
			VbPciAddress *nv = realloc(v, (n + 1) * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			v[n++] = (VbPciAddress){.domain = (uint16_t)dom,
						.bus = (uint8_t)bus,
						.slot = (uint8_t)slot,
						.function = (uint8_t)fn};
		}
	}
	x.FreeTextReader(reader);
	if (r < 0) {
		free(v);
		return r == -ENOMEM ? r : vb_fail(ctx, -EINVAL, "the domain's XML is not well-formed");
	}
	*ret = v;
	*n_ret = n;
	return 0;
}
