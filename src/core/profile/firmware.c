/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The UEFI firmware a guest boots, chosen as QEMU's firmware descriptors say (QEMU's
 * docs/interop/firmware.json): the JSON files of /usr/share/qemu/firmware and
 * /etc/qemu/firmware (under the root) in one list sorted by file name, a file in /etc
 * replacing one of the same name, an empty one hiding it; the first that fits wins. libvirt
 * does the same for <os firmware='efi'>; this is for what has to name the files itself:
 * libvirt before 7.2 and the QEMU command line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fileio.h"
#include "profile.h"

static const char *const firmware_dirs[] = {"usr/share/qemu/firmware", "etc/qemu/firmware"};

typedef struct Candidate {
	char name[256];
	char path[4096]; /* the most specific directory's file */
	bool hidden;	 /* an empty file */
} Candidate;

static int cmp_candidate(const void *a, const void *b)
{
	return strcmp(((const Candidate *)a)->name, ((const Candidate *)b)->name);
}

static bool array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)) ?: "", s) == 0)
			return true;
	return false;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* Whether descriptor d fits: UEFI on flash, for x86_64 q35, with or without Secure Boot. */
static bool fits(json_object *d, bool secure_boot, VbFirmware *out)
{
	json_object *mapping = get(d, "mapping"), *features = get(d, "features");
	if (!array_has(get(d, "interface-types"), "uefi") ||
	    strcmp(json_object_get_string(get(mapping, "device")) ?: "", "flash") != 0)
		return false;
	bool q35 = false;
	json_object *targets = get(d, "targets");
	for (size_t i = 0; targets && i < json_object_array_length(targets); i++) {
		json_object *t = json_object_array_get_idx(targets, i), *machines = get(t, "machines");
		if (strcmp(json_object_get_string(get(t, "architecture")) ?: "", "x86_64") != 0)
			continue;
		for (size_t j = 0; machines && j < json_object_array_length(machines); j++)
			q35 = q35 ||
			      fnmatch(json_object_get_string(json_object_array_get_idx(machines, j)) ?: "",
				      "pc-q35-9.0", 0) == 0;
	}
	if (!q35)
		return false;
	if (secure_boot != (array_has(features, "secure-boot") && array_has(features, "enrolled-keys")))
		return false;
	if (!secure_boot && array_has(features, "secure-boot"))
		return false;
	json_object *exe = get(mapping, "executable"), *vars = get(mapping, "nvram-template");
	const char *code = json_object_get_string(get(exe, "filename"));
	const char *tmpl = json_object_get_string(get(vars, "filename"));
	const char *fmt = json_object_get_string(get(exe, "format"));
	if (!code || !tmpl || (fmt && strcmp(fmt, "raw") != 0))
		return false;
	snprintf(out->code, sizeof(out->code), "%s", code);
	snprintf(out->vars_template, sizeof(out->vars_template), "%s", tmpl);
	out->requires_smm = array_has(features, "requires-smm");
	return true;
}

int vb_firmware_choose(VbContext *ctx, bool secure_boot, VbFirmware *ret)
{
	Candidate *c = NULL;
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; i < ELEMENTSOF(firmware_dirs) && r >= 0; i++) {
		_cleanup_free_ char *dir = NULL;
		if ((r = vb_root_path(ctx, firmware_dirs[i], &dir)) < 0)
			break;
		DIR *d = opendir(dir);
		if (!d)
			continue;
		for (struct dirent *e; (e = readdir(d));) {
			size_t len = strlen(e->d_name);
			if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || len >= sizeof(c->name))
				continue;
			size_t k = 0;
			while (k < n && strcmp(c[k].name, e->d_name) != 0)
				k++;
			if (k == n) {
				Candidate *v = realloc(c, (n + 1) * sizeof(*v));
				if (!v) {
					r = -ENOMEM;
					break;
				}
				c = v, n++;
				snprintf(c[k].name, sizeof(c[k].name), "%s", e->d_name);
			}
			/* the later directory is the more specific one */
			snprintf(c[k].path, sizeof(c[k].path), "%s/%s", dir, e->d_name);
			struct stat st;
			c[k].hidden = stat(c[k].path, &st) == 0 && st.st_size == 0;
		}
		closedir(d);
	}
	if (r >= 0 && n > 0) /* (qsort must not get the NULL of an empty list) */
		qsort(c, n, sizeof(*c), cmp_candidate);
	r = r < 0 ? r : -ENOENT;
	for (size_t i = 0; i < n && r == -ENOENT; i++) {
		_cleanup_free_ char *text = NULL;
		if (c[i].hidden || read_file_at(AT_FDCWD, c[i].path, 1 << 20, &text, NULL) < 0)
			continue;
		json_object *d = json_tokener_parse(text);
		*ret = (VbFirmware){0};
		if (d && fits(d, secure_boot, ret)) {
			snprintf(ret->descriptor, sizeof(ret->descriptor), "%s",
				 c[i].path + strlen(vb_context_root(ctx)) -
				     (strcmp(vb_context_root(ctx), "/") == 0 ? 1 : 0));
			r = 0;
		}
		json_object_put(d);
	}
	free(c);
	return r;
}
