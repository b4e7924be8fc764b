/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What handoff needs of a libvirt domain: the host PCI functions it assigns (<hostdev
 * type='pci'><source><address domain= bus= slot= function=/>), the host CPUs its vCPUs are
 * pinned to, its memory and whether huge pages back it, read with libxml2's streaming
 * reader. libxml2 is loaded on first use, as for writing profiles (profile/domain.c): the
 * hook runs for every domain libvirt starts, most of which have no hostdev at all.
 */
#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../util/dl.h"
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
	/* the symbols and their types are those of the library's header, compiled with here */
	const VbDlSymbol syms[] = {
	    {"xmlReaderForMemory", (void **)&x.ReaderForMemory},
	    {"xmlTextReaderRead", (void **)&x.Read},
	    {"xmlTextReaderNodeType", (void **)&x.NodeType},
	    {"xmlTextReaderDepth", (void **)&x.Depth},
	    {"xmlTextReaderIsEmptyElement", (void **)&x.IsEmptyElement},
	    {"xmlTextReaderConstLocalName", (void **)&x.ConstLocalName},
	    {"xmlTextReaderMoveToAttribute", (void **)&x.MoveToAttribute},
	    {"xmlTextReaderMoveToElement", (void **)&x.MoveToElement},
	    {"xmlTextReaderConstValue", (void **)&x.ConstValue},
	    {"xmlFreeTextReader", (void **)&x.FreeTextReader},
	};
	_cleanup_free_ char *error = NULL;
	int r = vb_dl_load(LIBXML2_SONAME, _("reading a domain's XML"), "libxml2", syms, ELEMENTSOF(syms),
			   &error);
	if (r < 0)
		return error ? vb_fail(ctx, r, "%s", error) : -ENOMEM;
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

/* The text of the element the reader is on (<memory>16777216</memory>), or NULL. */
static char *element_text(xmlTextReaderPtr r)
{
	if (x.IsEmptyElement(r) == 1 || x.Read(r) != 1 || x.NodeType(r) != XML_READER_TYPE_TEXT)
		return NULL;
	const char *v = (const char *)x.ConstValue(r);
	return v ? strdup(v) : NULL;
}

/* A size in KiB from a value and libvirt's unit attribute (KiB when absent). */
static uint64_t size_kib(const char *value, const char *unit)
{
	unsigned long long v = strtoull(value, NULL, 10);
	if (!unit || !*unit || strcmp(unit, "KiB") == 0 || strcmp(unit, "k") == 0 || strcmp(unit, "K") == 0)
		return v;
	if (strcmp(unit, "b") == 0 || strcmp(unit, "bytes") == 0)
		return v / 1024;
	if (strcmp(unit, "MiB") == 0 || strcmp(unit, "M") == 0)
		return v * 1024;
	if (strcmp(unit, "GiB") == 0 || strcmp(unit, "G") == 0)
		return v * 1024 * 1024;
	return 0; /* another unit: not one libvirt writes back */
}

static char *attr_dup(xmlTextReaderPtr r, const char *name)
{
	char *v = NULL;
	if (x.MoveToAttribute(r, BAD_CAST name) == 1 && x.ConstValue(r))
		v = strdup((const char *)x.ConstValue(r));
	x.MoveToElement(r);
	return v;
}

void vb_domain_info_done(VbDomainInfo *d)
{
	free(d->hostdevs);
	free(d->vcpu_cpus);
	free(d->numa_nodes);
	*d = (VbDomainInfo){0};
}

/* Appends a cpuset ("2-5,8") to a comma-separated list. */
static int cpus_append(char **list, const char *cpuset)
{
	char *n = NULL;
	if (asprintf(&n, "%s%s%s", *list ? *list : "", *list ? "," : "", cpuset) < 0)
		return -ENOMEM;
	free(*list);
	*list = n;
	return 0;
}

int vb_domain_xml_read(VbContext *ctx, const char *xml, size_t size, VbDomainInfo *ret)
{
	int r = load(ctx);
	if (r < 0)
		return r;
	xmlTextReaderPtr reader = x.ReaderForMemory(
	    xml, (int)size, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!reader)
		return vb_fail(ctx, -EINVAL, "the domain's XML could not be read");
	VbDomainInfo d = {0};
	int hostdev = -1, source = -1, backing = -1; /* depths of the open elements, -1 outside */
	while (r >= 0 && (r = x.Read(reader)) == 1) {
		int type = x.NodeType(reader), depth = x.Depth(reader);
		const char *name = (const char *)x.ConstLocalName(reader);
		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (depth == source)
				source = -1;
			if (depth == hostdev)
				hostdev = -1;
			if (depth == backing)
				backing = -1;
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
			VbPciAddress *nv = realloc(d.hostdevs, (d.n_hostdevs + 1) * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			d.hostdevs = nv;
			d.hostdevs[d.n_hostdevs++] = (VbPciAddress){.domain = (uint16_t)dom,
								    .bus = (uint8_t)bus,
								    .slot = (uint8_t)slot,
								    .function = (uint8_t)fn};
		} else if (depth == 1 && strcmp(name, "memory") == 0) {
			_cleanup_free_ char *unit = attr_dup(reader, "unit"), *text = element_text(reader);
			d.memory_kib = text ? size_kib(text, unit) : 0;
		} else if (depth == 1 && strcmp(name, "memoryBacking") == 0 && !empty)
			backing = depth;
		else if (backing >= 0 && strcmp(name, "hugepages") == 0) {
			d.hugepages = true;
			d.hugepage_kib = 2048; /* the default page size on x86 */
		} else if (backing >= 0 && strcmp(name, "page") == 0) {
			_cleanup_free_ char *sz = attr_dup(reader, "size"), *unit = attr_dup(reader, "unit");
			if (sz)
				d.hugepage_kib = size_kib(sz, unit);
		} else if (strcmp(name, "vcpupin") == 0) {
			_cleanup_free_ char *cpus = attr_dup(reader, "cpuset");
			if (cpus && cpus_append(&d.vcpu_cpus, cpus) < 0)
				r = -ENOMEM;
		} else if (depth == 2 && strcmp(name, "memory") == 0) { /* <numatune><memory nodeset=> */
			_cleanup_free_ char *nodes = attr_dup(reader, "nodeset");
			if (nodes) {
				free(d.numa_nodes);
				d.numa_nodes = TAKE_PTR(nodes);
			}
		}
	}
	x.FreeTextReader(reader);
	if (r < 0) {
		vb_domain_info_done(&d);
		return r == -ENOMEM ? r : vb_fail(ctx, -EINVAL, "the domain's XML is not well-formed");
	}
	*ret = d;
	return 0;
}
