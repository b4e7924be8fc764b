/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manifest: JSON through json-c, hashes through nettle's SHA-256. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "apply.h"

void vb_sha256_hex(const void *data, size_t size, char out[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&c);
	sha256_update(&c, size, data);
	sha256_digest(&c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

VbState *vb_state_free(VbState *s)
{
	if (!s)
		return NULL;
	free(s->selection);
	vb_strv_done(&s->cmdline);
	vb_strv_done(&s->created_dirs);
	vb_strv_done(&s->entry_args);
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		vb_strv_done(&s->files[i].added);
	}
	free(s->files);
	free(s->bootloader);
	free(s->initramfs);
	free(s->rebuild);
	free(s->rebuild_detail);
	free(s);
	return NULL;
}

const VbStateFile *vb_state_find(const VbState *s, const char *path)
{
	for (size_t i = 0; s && i < s->n_files; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

static int parse_manifest(const char *text, VbState *s)
{
	json_object *root = json_tokener_parse(text), *v;
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EBADMSG;
	}
	int r = 0;
	const char *sel = jstr(root, "selection"), *rebuild = jstr(root, "rebuild"),
		   *detail = jstr(root, "rebuild_detail");
	if ((sel && !(s->selection = strdup(sel))) || (rebuild && !(s->rebuild = strdup(rebuild))) ||
	    (detail && !(s->rebuild_detail = strdup(detail))))
		r = -ENOMEM;
	if (json_object_object_get_ex(root, "applied_at", &v))
		s->applied_at = json_object_get_int64(v);
	if (r == 0 && json_object_object_get_ex(root, "kernel_cmdline", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++)
			r = vb_strv_add(&s->cmdline, json_object_get_string(json_object_array_get_idx(v, i)));
	if (r == 0 && json_object_object_get_ex(root, "entry_args", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++)
			r = vb_strv_add(&s->entry_args,
					json_object_get_string(json_object_array_get_idx(v, i)));
	const char *bl = jstr(root, "bootloader"), *ir = jstr(root, "initramfs");
	if ((bl && !(s->bootloader = strdup(bl))) || (ir && !(s->initramfs = strdup(ir))))
		r = -ENOMEM;
	if (r == 0 && json_object_object_get_ex(root, "created_dirs", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
			const char *d = json_object_get_string(json_object_array_get_idx(v, i));
			if (!d || d[0] == '/' || strstr(d, ".."))
				r = -EBADMSG;
			else
				r = vb_strv_add(&s->created_dirs, d);
		}
	json_object *files;
	if (r == 0 && json_object_object_get_ex(root, "files", &files) &&
	    json_object_is_type(files, json_type_array)) {
		size_t n = json_object_array_length(files);
		s->files = calloc(n ? n : 1, sizeof(*s->files));
		if (!s->files)
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < n; i++) {
			json_object *f = json_object_array_get_idx(files, i);
			const char *path = jstr(f, "path"), *hash = jstr(f, "sha256");
			if (!path || !hash || strlen(hash) != 64 || path[0] != '/' || strstr(path, "..")) {
				r = -EBADMSG;
				break;
			}
			VbStateFile *sf = &s->files[s->n_files++];
			if (!(sf->path = strdup(path)))
				r = -ENOMEM;
			memcpy(sf->sha256, hash, 65);
			if (json_object_object_get_ex(f, "mode", &v))
				sf->mode = (unsigned)json_object_get_int(v);
			if (json_object_object_get_ex(f, "had_original", &v))
				sf->had_original = json_object_get_boolean(v);
			if (json_object_object_get_ex(f, "original_mode", &v))
				sf->original_mode = (unsigned)json_object_get_int(v);
			if (json_object_object_get_ex(f, "edit", &v))
				sf->edit = json_object_get_boolean(v);
			if (json_object_object_get_ex(f, "added", &v) &&
			    json_object_is_type(v, json_type_array))
				for (size_t j = 0; r == 0 && j < json_object_array_length(v); j++) {
					const char *w =
					    json_object_get_string(json_object_array_get_idx(v, j));
					r = w ? vb_strv_add(&sf->added, w) : -EBADMSG;
				}
		}
	}
	json_object_put(root);
	return r;
}

int vb_state_load(VbContext *ctx, VbState **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	if (asprintf(&path, "%s/%s/%s", strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR,
		     VB_STATE_MANIFEST) < 0)
		return -ENOMEM;
	int r = read_file_at(AT_FDCWD, path, 16 * 1024 * 1024, &text, NULL);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read %s", path);
	VbState *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if ((r = parse_manifest(text, s)) < 0) {
		vb_state_free(s);
		if (r == -EBADMSG)
			vb_err(ctx, "%s: not a vfio-boot manifest (damaged?); move it away to start over",
			       path);
		return r;
	}
	*ret = s;
	return 0;
}

int vb_state_save(VbContext *ctx, const VbState *s)
{
	json_object *root = json_object_new_object(), *files = json_object_new_array(),
		    *cl = json_object_new_array();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "applied_at", json_object_new_int64(s->applied_at));
	json_object_object_add(root, "selection", json_object_new_string(s->selection ? s->selection : ""));
	for (size_t i = 0; i < s->cmdline.n; i++)
		json_object_array_add(cl, json_object_new_string(s->cmdline.v[i]));
	json_object_object_add(root, "kernel_cmdline", cl);
	json_object *ea = json_object_new_array();
	for (size_t i = 0; i < s->entry_args.n; i++)
		json_object_array_add(ea, json_object_new_string(s->entry_args.v[i]));
	json_object_object_add(root, "entry_args", ea);
	if (s->bootloader)
		json_object_object_add(root, "bootloader", json_object_new_string(s->bootloader));
	if (s->initramfs)
		json_object_object_add(root, "initramfs", json_object_new_string(s->initramfs));
	for (size_t i = 0; i < s->n_files; i++) {
		const VbStateFile *f = &s->files[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(f->path));
		json_object_object_add(o, "sha256", json_object_new_string(f->sha256));
		json_object_object_add(o, "mode", json_object_new_int((int)f->mode));
		json_object_object_add(o, "had_original", json_object_new_boolean(f->had_original));
		if (f->had_original)
			json_object_object_add(o, "original_mode",
					       json_object_new_int((int)f->original_mode));
		if (f->edit) {
			json_object *added = json_object_new_array();
			for (size_t j = 0; j < f->added.n; j++)
				json_object_array_add(added, json_object_new_string(f->added.v[j]));
			json_object_object_add(o, "edit", json_object_new_boolean(true));
			json_object_object_add(o, "added", added);
		}
		json_object_array_add(files, o);
	}
	json_object_object_add(root, "files", files);
	json_object *dirs = json_object_new_array();
	for (size_t i = 0; i < s->created_dirs.n; i++)
		json_object_array_add(dirs, json_object_new_string(s->created_dirs.v[i]));
	json_object_object_add(root, "created_dirs", dirs);
	json_object_object_add(root, "rebuild", json_object_new_string(s->rebuild ? s->rebuild : "pending"));
	if (s->rebuild_detail)
		json_object_object_add(root, "rebuild_detail", json_object_new_string(s->rebuild_detail));
	const char *text =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	int dirfd, r = open_dir_beneath(ctx->root, VB_STATE_DIR, true, &dirfd);
	if (r >= 0) {
		r = write_file_atomic_at(dirfd, VB_STATE_MANIFEST, text, strlen(text), 0644);
		close(dirfd);
	}
	json_object_put(root);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to write the manifest in %s/%s%s",
				    strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR, beneath_hint(r));
	return 0;
}

int vb_state_remove(VbContext *ctx, const VbState *s)
{
	int dirfd, r = open_dir_beneath(ctx->root, VB_STATE_DIR, false, &dirfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = unlink_at(dirfd, VB_STATE_MANIFEST);
	(void)unlinkat(dirfd, VB_STATE_LOG, 0);
	close(dirfd);
	if (r < 0 && r != -ENOENT)
		return r;
	/* the directories apply created, deepest first; a directory someone else filled since
	 * stays (rmdir refuses) */
	for (size_t i = s ? s->created_dirs.n : 0; i-- > 0;) {
		_cleanup_free_ char *p = NULL;
		if (vb_root_path(ctx, s->created_dirs.v[i], &p) >= 0)
			(void)rmdir(p);
	}
	return 0;
}

int vb_state_note_missing_dirs(VbContext *ctx, const char *rel, VbStrv *dirs)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *p = buf;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;
		*p = 0;
		_cleanup_free_ char *full = NULL;
		if (vb_root_path(ctx, buf, &full) < 0)
			return -ENOMEM;
		if (access(full, F_OK) < 0 && errno == ENOENT) {
			int r = vb_strv_add(dirs, buf);
			if (r < 0)
				return r;
		}
		if (!(*p = c))
			break;
	}
	return 0;
}
