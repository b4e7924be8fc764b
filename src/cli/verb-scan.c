/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* scan: IOMMU groups and their devices, GPU groups first. */
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "util/utf8.h"

/* Devices someone may want in a guest; a group with none of them is bridges and chipset
 * functions, shown only with --all. */
static bool is_passthrough_candidate(const VbDevice *d)
{
	switch (vb_device_base_class(d)) {
	case 0x01: /* storage */
	case 0x02: /* network */
	case 0x03: /* display */
	case 0x04: /* multimedia: HDMI audio */
		return true;
	default:
		return vb_device_class16(d) == 0x0c03; /* USB controller */
	}
}

static bool group_has(const VbGroup *g, bool (*pred)(const VbDevice *))
{
	for (size_t i = 0; i < g->n_devices; i++)
		if (pred(g->devices[i]))
			return true;
	return false;
}

static int group_order_cmp(const void *a, const void *b)
{
	const VbGroup *x = *(const VbGroup *const *)a, *y = *(const VbGroup *const *)b;
	bool dx = group_has(x, vb_device_is_display), dy = group_has(y, vb_device_is_display);
	if (dx != dy)
		return dx ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Groups in display order: those with a GPU first, then by number. */
static const VbGroup **ordered_groups(const VbModel *m)
{
	const VbGroup **v = calloc(m->n_groups + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->n_groups; i++)
		v[i] = &m->groups[i];
	qsort(v, m->n_groups, sizeof(*v), group_order_cmp);
	return v;
}

static const char *iommu_vendor_name(VbIommuVendor v)
{
	return v == VB_IOMMU_INTEL ? "intel" : v == VB_IOMMU_AMD ? "amd" : NULL;
}

/* Streamed: the whole list is never held as a tree (json-writer.c). */
static int scan_json(const VbModel *m, const VbGroup **groups)
{
	JsonWriter w = {.out = stdout};
	jw_object_begin(&w, NULL);
	jw_object_begin(&w, "iommu");
	jw_bool(&w, "active", vb_model_iommu_active(m));
	jw_string(&w, "vendor", iommu_vendor_name(vb_model_iommu_vendor(m)));
	jw_object_end(&w);

	jw_array_begin(&w, "groups");
	for (size_t i = 0; i < m->n_groups; i++) {
		jw_object_begin(&w, NULL);
		jw_int(&w, "id", groups[i]->id);
		jw_array_begin(&w, "devices");
		for (size_t j = 0; j < groups[i]->n_devices; j++)
			jw_device(&w, groups[i]->devices[j]);
		jw_array_end(&w);
		jw_object_end(&w);
	}
	jw_array_end(&w);

	jw_array_begin(&w, "devices");
	for (size_t i = 0; i < m->n_devices; i++)
		jw_device(&w, &m->devices[i]);
	jw_array_end(&w);

	jw_array_begin(&w, "host_disks");
	for (size_t i = 0; i < m->n_host_disks; i++) {
		jw_object_begin(&w, NULL);
		jw_string(&w, "block", m->host_disks[i].block);
		jw_string(&w, "use", m->host_disks[i].use);
		jw_string(&w, "controller", m->host_disks[i].pci_address);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	return 0;
}

enum { COL_DEVICE, COL_CLASS, COL_ID, COL_DRIVER, COL_DESCRIPTION, N_COLUMNS };

/* TRANSLATORS: scan's column headings */
static const char *const headings[N_COLUMNS] = {N_("DEVICE"), N_("CLASS"), N_("ID"), N_("DRIVER"),
						N_("DESCRIPTION")};

/* One line of the table: a group, or a device under its group (tree) or alone. */
typedef struct Row {
	char *cells[N_COLUMNS];
	const char *branch; /* "├─" or "└─" before a device of a group; NULL otherwise */
} Row;

typedef struct Table {
	Row *rows;
	size_t n, cap;
} Table;

static void table_done(Table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c < N_COLUMNS; c++)
			free(t->rows[i].cells[c]);
	free(t->rows);
}

static Row *table_add(Table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		Row *v = realloc(t->rows, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->rows = v, t->cap = cap;
	}
	Row *r = &t->rows[t->n++];
	*r = (Row){0};
	return r;
}

/* Each column as wide as its widest cell in display columns (the tree's branch counts two),
 * one space between columns, the last one not padded: the layout libsmartcols gave scan,
 * without measuring every character of every cell twice (most of scan's time at thousands
 * of functions). */
static void table_print(const Table *t)
{
	int width[N_COLUMNS];
	for (size_t c = 0; c < N_COLUMNS; c++)
		width[c] = cli_display_width(_(headings[c]));
	for (size_t i = 0; i < t->n; i++)
		for (size_t c = 0; c + 1 < N_COLUMNS; c++) {
			const Row *r = &t->rows[i];
			int w = (r->cells[c] ? cli_display_width(r->cells[c]) : 0) +
				(c == 0 && r->branch ? 2 : 0);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t c = 0; c < N_COLUMNS; c++)
		c + 1 < N_COLUMNS ? cli_print_cell(_(headings[c]), width[c] + 1) : (void)puts(_(headings[c]));
	for (size_t i = 0; i < t->n; i++) {
		const Row *r = &t->rows[i];
		if (r->branch)
			fputs(r->branch, stdout);
		for (size_t c = 0; c + 1 < N_COLUMNS; c++)
			cli_print_cell(r->cells[c] ? r->cells[c] : "",
				       width[c] + 1 - (c == 0 && r->branch ? 2 : 0));
		puts(r->cells[COL_DESCRIPTION] ? r->cells[COL_DESCRIPTION] : "");
	}
}

/* The vendor as people say it: what pci.ids puts in brackets ("Advanced Micro Devices, Inc.
 * [AMD/ATI]": AMD/ATI), else its first word ("NVIDIA Corporation": NVIDIA). */
static void vendor_short(const char *name, char *out, size_t size)
{
	const char *open = strrchr(name, '['), *close = open ? strchr(open, ']') : NULL;
	if (open && close && close > open + 1)
		snprintf(out, size, "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(out, size, "%.*s", (int)strcspn(name, " ,"), name);
}

/* Cuts s to at most width characters (UTF-8), at a space where one is near, with "…". */
static void ellipsize(char *s, size_t width)
{
	size_t chars = 0, cut = 0, space = 0;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue; /* a continuation byte */
		if (chars == width - 1 && !cut)
			cut = i;
		if (s[i] == ' ' && chars < width - 1)
			space = i;
		chars++;
	}
	if (chars <= width || !cut)
		return;
	if (space && space + 12 > cut) /* a word boundary not too far back */
		cut = space;
	strcpy(s + cut, "…");
}

/* DESCRIPTION: what tells cards apart first (the model), then the vendor and the class, so
 * that a narrow terminal cuts the least telling part. */
static int add_device_line(Table *t, const char *branch, const VbDevice *d, size_t desc_width)
{
	Row *row = table_add(t);
	if (!row)
		return -ENOMEM;
	row->branch = branch;
	char cls[8], id[16], raw[512], desc[2048], vendor[64], driver[256];
	snprintf(cls, sizeof(cls), "%04x", d->class_code >> 8);
	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	vendor_short(d->vendor_name ? d->vendor_name : "", vendor, sizeof(vendor));
	snprintf(raw, sizeof(raw), "%s%s (%s %s)", d->boot_vga ? _("[boot VGA] ") : "",
		 device_display_name(d), vendor, d->class_name);
	/* names from pci.ids and sysfs, made safe for the terminal here */
	utf8_escape_into(desc, sizeof(desc), raw);
	utf8_escape_into(driver, sizeof(driver), d->driver ? d->driver : "-");
	if (desc_width)
		ellipsize(desc, desc_width);
	if (!(row->cells[COL_DEVICE] = strdup(d->address)) || !(row->cells[COL_CLASS] = strdup(cls)) ||
	    !(row->cells[COL_ID] = strdup(id)) || !(row->cells[COL_DRIVER] = strdup(driver)) ||
	    !(row->cells[COL_DESCRIPTION] = strdup(desc)))
		return -ENOMEM;
	return 0;
}

/* Why there are no groups and what to do, from the iommu-active check. */
static void print_no_iommu(VbContext *ctx, const VbModel *m)
{
	VbCheckOptions opts = {.only = "iommu-active"};
	VbCheckReport *rep = NULL;
	printf(_("No IOMMU groups: no device can be passed through.\n"));
	if (vb_check_run(ctx, m, &opts, &rep) >= 0 && rep->checks.n == 1) {
		printf(_("Why: %s.\n"), rep->checks.v[0].message);
		if (rep->checks.v[0].fix)
			printf(_("Fix: %s.\n"), rep->checks.v[0].fix);
	}
	vb_check_report_free(rep);
	printf("\n");
}

/* On a terminal, what is left for DESCRIPTION once the other columns have their widths;
 * 0 (no limit) elsewhere, so that a pipe gets whole names. */
static size_t description_width(const VbModel *m)
{
	struct winsize ws;
	size_t width = 0;
	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	else if (getenv("COLUMNS"))
		width = strtoul(getenv("COLUMNS"), NULL, 10);
	if (width == 0)
		width = 80; /* a terminal that does not say */
	size_t driver = strlen(_(headings[COL_DRIVER]));
	for (size_t i = 0; i < m->n_devices; i++)
		if (m->devices[i].driver && strlen(m->devices[i].driver) > driver)
			driver = strlen(m->devices[i].driver);
	size_t cls = strlen(_(headings[COL_CLASS])) > 4 ? strlen(_(headings[COL_CLASS])) : 4;
	/* "├─0000:00:00.0", CLASS, ID, DRIVER and a space after each */
	size_t used = (2 + 12 + 1) + (cls + 1) + (9 + 1) + (driver + 1);
	return width > used + 8 ? width - used : 8; /* narrower: the lines wrap */
}

static int scan_human(VbContext *ctx, const VbModel *m, const VbGroup **groups, bool all)
{
	Table t = {0};
	int r = 0;
	/* the tree's branches as libsmartcols drew them: box drawing where the locale's
	 * codeset is UTF-8, ASCII otherwise */
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	const char *branch = utf8 ? "\u251c\u2500" : "|-", *last = utf8 ? "\u2514\u2500" : "`-";
	size_t hidden = 0, desc_width = description_width(m);
	if (vb_model_iommu_active(m)) {
		for (size_t i = 0; i < m->n_groups && r == 0; i++) {
			const VbGroup *g = groups[i];
			if (!all && !group_has(g, is_passthrough_candidate)) {
				hidden++;
				continue;
			}
			Row *gl = table_add(&t);
			char name[32];
			snprintf(name, sizeof(name), _("group %d"), g->id);
			if (!gl || !(gl->cells[COL_DEVICE] = strdup(name)))
				r = -ENOMEM;
			for (size_t j = 0; j < g->n_devices && r == 0; j++)
				r = add_device_line(&t, j + 1 < g->n_devices ? branch : last, g->devices[j],
						    desc_width);
		}
	} else {
		for (size_t i = 0; i < m->n_devices && r == 0; i++) {
			if (!all && !is_passthrough_candidate(&m->devices[i])) {
				hidden++;
				continue;
			}
			r = add_device_line(&t, NULL, &m->devices[i], desc_width);
		}
	}
	if (r < 0) {
		table_done(&t);
		return cli_error(r, "failed to print");
	}

	if (!vb_model_iommu_active(m))
		print_no_iommu(ctx, m);
	table_print(&t);
	table_done(&t);
	if (hidden > 0 && vb_model_iommu_active(m))
		printf(P_("\n%zu group with only bridges and chipset devices not shown; --all shows "
			  "it.\n",
			  "\n%zu groups with only bridges and chipset devices not shown; --all shows "
			  "them.\n",
			  hidden),
		       hidden);
	else if (hidden > 0)
		printf(P_("\n%zu bridge or chipset device not shown; --all shows it.\n",
			  "\n%zu bridges and chipset devices not shown; --all shows them.\n", hidden),
		       hidden);
	return 0;
}

int verb_scan(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	VbModel *m;
	int r = cli_probe(ctx, &m);
	if (r != 0)
		return r;
	const VbGroup **groups = ordered_groups(m);
	if (!groups)
		r = cli_error(-ENOMEM, "failed to scan");
	else
		r = args->json ? scan_json(m, groups) : scan_human(ctx, m, groups, args->all);
	free(groups);
	vb_model_free(m);
	return r;
}
