/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The selection file parser and editor. libc only: see selection.h. */
#include <ctype.h>
#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selection.h"
#include "util/utf8.h"

static const char *const refusal_names[] = {
    "not-found", "boot-vga", "group-not-viable", "host-disk", "last-display", "no-iommu",
};

const char *vb_refusal_name(VbRefusal r)
{
	for (size_t i = 0; i < sizeof(refusal_names) / sizeof(refusal_names[0]); i++)
		if (r == 1u << i)
			return refusal_names[i];
	return "unknown";
}

int vb_refusal_from_name(const char *name, size_t len, VbRefusal *ret)
{
	for (size_t i = 0; i < sizeof(refusal_names) / sizeof(refusal_names[0]); i++)
		if (strlen(refusal_names[i]) == len && strncmp(refusal_names[i], name, len) == 0) {
			*ret = (VbRefusal)(1u << i);
			return 0;
		}
	return -EINVAL;
}

const char *vb_method_name(VbMethod m)
{
	return m == VB_METHOD_IDS ? "ids" : m == VB_METHOD_ADDRESS ? "address" : "auto";
}

VbSelection *vb_selection_free(VbSelection *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_lines; i++)
		free(s->lines[i]);
	free(s->lines);
	free(s->devices);
	free(s);
	return NULL;
}

static int push_line(VbSelection *s, const char *text, size_t len)
{
	char **l = realloc(s->lines, (s->n_lines + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	s->lines = l;
	if (!(s->lines[s->n_lines] = strndup(text, len)))
		return -ENOMEM;
	s->n_lines++;
	return 0;
}

/* fmt is translated here (an xgettext keyword): the helper shares this file and has no
 * catalogue bound, so at boot it stays English. */
static int parse_error(VbParseError *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int parse_error(VbParseError *err, size_t line, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->line = line;
		char raw[sizeof(err->message)];
		va_start(ap, fmt);
		vsnprintf(raw, sizeof(raw), dgettext("vfio-boot", fmt), ap);
		va_end(ap);
		/* the words quoted come from the file: junk in it cannot reach the terminal */
		utf8_escape_into(err->message, sizeof(err->message), raw);
	}
	return -EINVAL;
}

/* Splits a line into at most max words, ending at a '#' that starts a word. */
static size_t split_words(char *line, char *words[], size_t max, bool *too_many)
{
	size_t n = 0;
	*too_many = false;
	for (char *p = line;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max) {
			*too_many = true;
			break;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

static bool parse_id_pair(const char *s, uint16_t *a, uint16_t *b)
{
	VbDeviceSpec spec;
	if (vb_device_spec_parse(s, &spec) < 0 || !spec.by_id)
		return false;
	*a = spec.vendor;
	*b = spec.device;
	return true;
}

static int parse_allow(const char *v, unsigned *ret, VbParseError *err, size_t line)
{
	unsigned allow = 0;
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, ",");
		VbRefusal r;
		if (vb_refusal_from_name(p, n, &r) < 0 || r == VB_REFUSE_NOT_FOUND)
			return parse_error(
			    err, line,
			    "allow=%.*s: not a refusal that can be allowed (boot-vga, group-not-viable, "
			    "host-disk, last-display, no-iommu)",
			    (int)n, p);
		allow |= r;
		p += n + (p[n] == ',');
	}
	*ret = allow;
	return 0;
}

static int parse_device(VbSelection *s, char *words[], size_t n, size_t line, VbParseError *err)
{
	VbSelectedDevice d = {.line = s->n_lines};
	VbDeviceSpec spec;
	if (n < 3)
		return parse_error(err, line + 1, "'device' needs an address and a vendor:device ID");
	if (vb_device_spec_parse(words[1], &spec) < 0 || spec.by_id)
		return parse_error(err, line + 1, "'%s' is not a PCI address ([DDDD:]BB:DD.F)", words[1]);
	d.addr = spec.addr;
	if (!parse_id_pair(words[2], &d.vendor, &d.device))
		return parse_error(err, line + 1, "'%s' is not a vendor:device ID (VVVV:DDDD)", words[2]);
	for (size_t i = 3; i < n; i++) {
		if (strncmp(words[i], "allow=", 6) == 0) {
			int r = parse_allow(words[i] + 6, &d.allow, err, line + 1);
			if (r < 0)
				return r;
		} else if (strcmp(words[i], "handoff") == 0) {
			d.handoff = true;
		} else if (i == 3 && !strchr(words[i], '=') && isxdigit((unsigned char)words[i][0])) {
			if (!parse_id_pair(words[i], &d.subsystem_vendor, &d.subsystem_device))
				return parse_error(err, line + 1, "'%s' is not a subsystem ID (SVVV:SDDD)",
						   words[i]);
			d.has_subsystem = true;
		} else
			return parse_error(err, line + 1, "unknown device option '%s'", words[i]);
	}
	if (vb_selection_find(s, &d.addr))
		return parse_error(err, line + 1, "device %s is listed twice", words[1]);
	VbSelectedDevice *v = realloc(s->devices, (s->n_devices + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->devices = v;
	s->devices[s->n_devices++] = d;
	return 0;
}

/* One line: words are parsed from a copy, the original is kept for rewriting. */
static int parse_line(VbSelection *s, const char *text, size_t len, size_t line, unsigned *seen,
		      VbParseError *err)
{
	char buf[VB_SELECTION_MAX_LINE + 1], *w[8];
	bool too_many;
	memcpy(buf, text, len);
	buf[len] = 0;
	size_t n = split_words(buf, w, 8, &too_many);
	for (size_t i = 0; i < n; i++)
		if (strpbrk(w[i], "\"'"))
			return parse_error(err, line + 1, "quotes are not part of the syntax: '%.64s'", w[i]);
	if (too_many)
		return parse_error(err, line + 1, "too many words");
	if (n == 0)
		return 0;
	if (strcmp(w[0], "device") == 0)
		return parse_device(s, w, n, line, err);
	if (strcmp(w[0], "method") == 0) {
		if (n != 2)
			return parse_error(err, line + 1, "'method' takes one value: auto, ids or address");
		if (*seen & 1)
			return parse_error(err, line + 1, "'method' is set twice");
		*seen |= 1;
		if (strcmp(w[1], "auto") == 0)
			s->method = VB_METHOD_AUTO;
		else if (strcmp(w[1], "ids") == 0)
			s->method = VB_METHOD_IDS;
		else if (strcmp(w[1], "address") == 0)
			s->method = VB_METHOD_ADDRESS;
		else
			return parse_error(err, line + 1, "method '%s': expected auto, ids or address", w[1]);
		return 0;
	}
	if (strcmp(w[0], "iommu-pt") == 0) {
		if (n != 2 || (strcmp(w[1], "yes") != 0 && strcmp(w[1], "no") != 0))
			return parse_error(err, line + 1, "'iommu-pt' takes yes or no");
		if (*seen & 2)
			return parse_error(err, line + 1, "'iommu-pt' is set twice");
		*seen |= 2;
		s->iommu_pt = strcmp(w[1], "yes") == 0;
		return 0;
	}
	if (strcmp(w[0], "cpu-governor") == 0) {
		/* a cpufreq governor's name: lower-case letters, digits, '_' */
		bool valid = n == 2 && strlen(w[1]) < sizeof(s->cpu_governor) &&
			     strspn(w[1], "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(w[1]);
		if (!valid)
			return parse_error(err, line + 1,
					   "'cpu-governor' takes one cpufreq governor's name (performance, "
					   "schedutil...)");
		if (*seen & 4)
			return parse_error(err, line + 1, "'cpu-governor' is set twice");
		*seen |= 4;
		snprintf(s->cpu_governor, sizeof(s->cpu_governor), "%s", w[1]);
		return 0;
	}
	return parse_error(err, line + 1,
			   "unknown keyword '%.64s' (expected device, method, iommu-pt or cpu-governor)",
			   w[0]);
}

int vb_selection_parse(const char *text, size_t size, VbSelection **ret, VbParseError *err)
{
	VbSelection *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	unsigned seen = 0;
	int r = 0;
	if (memchr(text, 0, size))
		r = parse_error(err, 0, "the file contains NUL bytes: not a text file");
	for (size_t off = 0, line = 0; r == 0 && off < size; line++) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (text + off)) : size - off;
		if (len > VB_SELECTION_MAX_LINE) {
			r = parse_error(err, line + 1, "line longer than %d bytes", VB_SELECTION_MAX_LINE);
			break;
		}
		size_t content = len > 0 && text[off + len - 1] == '\r' ? len - 1 : len;
		r = parse_line(s, text + off, content, line, &seen, err);
		if (r == 0)
			r = push_line(s, text + off, content);
		off += len + 1;
	}
	if (r < 0)
		return vb_selection_free(s), r;
	*ret = s;
	return 0;
}

static const char template_text[] =
    "# vfio-boot selection: the PCI devices this host gives to virtual machines.\n"
    "# Edit it with 'vfio-boot add' and 'vfio-boot remove' or by hand, then run\n"
    "# 'vfio-boot apply'. See vfio-boot(8).\n"
    "#\n"
    "#   method auto|ids|address   how vfio-pci claims the devices at boot; auto uses\n"
    "#                             vfio-pci.ids unless another device has the same IDs\n"
    "#   iommu-pt yes|no           add iommu=pt to the kernel command line\n"
    "#   device ADDRESS VVVV:DDDD [SVVV:SDDD] [allow=REFUSAL,...] [handoff]\n"
    "#                             a selected device; its other slot functions follow;\n"
    "#                             handoff: moved when a VM starts, not at boot\n"
    "#   cpu-governor NAME         while a VM with handed-off devices runs, its CPUs\n"
    "#                             use this cpufreq governor (performance)\n"
    "\n"
    "method auto\n"
    "iommu-pt no\n";

int vb_selection_new(VbSelection **ret)
{
	VbParseError err;
	return vb_selection_parse(template_text, sizeof(template_text) - 1, ret, &err);
}

const VbSelectedDevice *vb_selection_find(const VbSelection *s, const VbPciAddress *addr)
{
	for (size_t i = 0; i < s->n_devices; i++)
		if (vb_pci_address_cmp(&s->devices[i].addr, addr) == 0)
			return &s->devices[i];
	return NULL;
}

int vb_selection_add(VbSelection *s, const VbDevice *d, unsigned allow, bool handoff)
{
	if (vb_selection_find(s, &d->addr))
		return -EEXIST;
	char line[VB_SELECTION_MAX_LINE], allow_text[128] = "";
	for (unsigned bit = 1; bit <= VB_REFUSE_NO_IOMMU; bit <<= 1)
		if (allow & bit)
			snprintf(allow_text + strlen(allow_text), sizeof(allow_text) - strlen(allow_text),
				 "%s%s", allow_text[0] ? "," : " allow=", vb_refusal_name((VbRefusal)bit));
	int n = snprintf(line, sizeof(line), "device %s %04x:%04x %04x:%04x%s%s  # %s", d->address, d->vendor,
			 d->device, d->subsystem_vendor, d->subsystem_device, allow_text,
			 handoff ? " handoff" : "", d->device_name ? d->device_name : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		return -ENAMETOOLONG;
	/* a newline or quote from pci.ids must not break the file */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '"' || *p == '\'')
			*p = ' ';
	VbSelectedDevice v = {.addr = d->addr,
			      .vendor = d->vendor,
			      .device = d->device,
			      .has_subsystem = true,
			      .subsystem_vendor = d->subsystem_vendor,
			      .subsystem_device = d->subsystem_device,
			      .allow = allow,
			      .handoff = handoff,
			      .line = s->n_lines};
	VbSelectedDevice *devs = realloc(s->devices, (s->n_devices + 1) * sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	s->devices = devs;
	int r = push_line(s, line, strlen(line));
	if (r < 0)
		return r;
	s->devices[s->n_devices++] = v;
	return 0;
}

int vb_selection_remove(VbSelection *s, const VbPciAddress *addr)
{
	for (size_t i = 0; i < s->n_devices; i++) {
		if (vb_pci_address_cmp(&s->devices[i].addr, addr) != 0)
			continue;
		size_t line = s->devices[i].line;
		free(s->lines[line]);
		memmove(s->lines + line, s->lines + line + 1, (s->n_lines - line - 1) * sizeof(*s->lines));
		s->n_lines--;
		memmove(s->devices + i, s->devices + i + 1, (s->n_devices - i - 1) * sizeof(*s->devices));
		s->n_devices--;
		for (size_t j = 0; j < s->n_devices; j++)
			if (s->devices[j].line > line)
				s->devices[j].line--;
		return 0;
	}
	return -ENOENT;
}

int vb_selection_set_iommu_pt(VbSelection *s, bool on)
{
	const char *text = on ? "iommu-pt yes" : "iommu-pt no";
	for (size_t i = 0; i < s->n_lines; i++) {
		const char *l = s->lines[i] + strspn(s->lines[i], " \t");
		if (strncmp(l, "iommu-pt", 8) == 0 && (l[8] == ' ' || l[8] == '\t')) {
			char *copy = strdup(text);
			if (!copy)
				return -ENOMEM;
			free(s->lines[i]);
			s->lines[i] = copy;
			s->iommu_pt = on;
			return 0;
		}
	}
	int r = push_line(s, text, strlen(text));
	if (r >= 0)
		s->iommu_pt = on;
	return r;
}

char *vb_selection_format(const VbSelection *s)
{
	size_t total = 1;
	for (size_t i = 0; i < s->n_lines; i++)
		total += strlen(s->lines[i]) + 1;
	char *out = malloc(total), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < s->n_lines; i++) {
		size_t n = strlen(s->lines[i]);
		memcpy(p, s->lines[i], n);
		p[n] = '\n';
		p += n + 1;
	}
	*p = 0;
	return out;
}
