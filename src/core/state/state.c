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
#include "../paths.h"
#include "../target/bootloader.h"
#include "../target/initramfs.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "state.h"

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
	vb_strv_done(&s->rebuild_pending);
	vb_strv_done(&s->entry_kept);
	for (size_t i = 0; i < s->n_files; i++) {
		free(s->files[i].path);
		vb_strv_done(&s->files[i].added);
	}
	free(s->files);
	free(s->bootloader);
	free(s->initramfs);
	free(s->rebuild_detail);
	free(s->transaction);
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

/* A list of strings. Anything else in it (null, a number) was not written by vfio-boot:
 * it is left out with a warning, so that revert can still undo the rest. */
/* A list of strings from the manifest: sorted, or in its order (keep_order) */
static int parse_strv(VbContext *ctx, const char *path, json_object *root, const char *key, VbStrv *out,
		      bool keep_order)
{
	json_object *v;
	if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_array))
		return 0;
	int r = 0;
	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string))
			r = (keep_order ? vb_strv_append : vb_strv_add)(out, json_object_get_string(e));
		else
			vb_warn(ctx, "%s: %s holds something that is not a string: ignored", path, key);
	}
	return r;
}

/* The manifest decides what revert deletes and restores: it may only name what vfio-boot
 * writes (a generator's path) and the directories on the way to those or to its state. */
static const char *const written_paths[] = {VB_OUT_PATHS};

/* The i-th of them, then the files that carry the parameters, then the image generators'
 * files; NULL past the last. */
static const char *written_path(size_t i)
{
	if (i < ELEMENTSOF(written_paths))
		return written_paths[i];
	i -= ELEMENTSOF(written_paths);
	const VbParamsFile *const *params = vb_params_files();
	for (; *params; params++, i--)
		if (i == 0)
			return (*params)->path;
	const VbInitramfsBackend *b = vb_initramfs_backend(VB_INITRAMFS_NONE + 1 + i);
	return b ? b->config : NULL;
}

static bool ownable_path(const char *path)
{
	for (size_t i = 0; written_path(i); i++)
		if (strcmp(written_path(i), path) == 0)
			return true;
	return false;
}

/* dir is one of the directories on the way to path ("etc" of "etc/default/grub"). */
static bool on_the_way(const char *path, const char *dir, size_t n)
{
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static bool ownable_dir(const char *dir)
{
	size_t n = strlen(dir);
	if (n == 0 || dir[0] == '/' || strstr(dir, ".."))
		return false;
	if (on_the_way(VB_STATE_DIR "/backups/", dir, n))
		return true;
	for (size_t i = 0; written_path(i); i++)
		if (on_the_way(written_path(i) + 1, dir, n))
			return true;
	return false;
}

static const char *const rebuild_names[] = {
    [VB_REBUILD_PENDING] = "pending", [VB_REBUILD_DONE] = "done",	[VB_REBUILD_LISTED] = "listed",
    [VB_REBUILD_FAILED] = "failed",   [VB_REBUILD_SKIPPED] = "skipped", [VB_REBUILD_UNKNOWN] = "unknown",
};

const char *vb_rebuild_name(VbRebuild r)
{
	return rebuild_names[r];
}

VbRebuild vb_rebuild_from_name(const char *name)
{
	for (VbRebuild r = VB_REBUILD_PENDING; r < VB_REBUILD_UNKNOWN; r++)
		if (strcmp(rebuild_names[r], name) == 0)
			return r;
	return VB_REBUILD_UNKNOWN;
}

bool vb_rebuild_owed(VbRebuild r)
{
	return r != VB_REBUILD_NONE && r != VB_REBUILD_DONE && r != VB_REBUILD_LISTED;
}

static int parse_manifest(VbContext *ctx, const char *path, const char *text, VbState *s)
{
	json_object *root = json_tokener_parse(text), *v;
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EBADMSG;
	}
	int r = 0;
	const char *sel = jstr(root, "selection"), *rebuild = jstr(root, "rebuild"),
		   *detail = jstr(root, "rebuild_detail");
	s->rebuild = rebuild ? vb_rebuild_from_name(rebuild) : VB_REBUILD_NONE;
	if ((sel && !(s->selection = strdup(sel))) || (detail && !(s->rebuild_detail = strdup(detail))))
		r = -ENOMEM;
	if (json_object_object_get_ex(root, "applied_at", &v))
		s->applied_at = json_object_get_int64(v);
	if (r == 0)
		r = parse_strv(ctx, path, root, "kernel_cmdline", &s->cmdline, false);
	if (r == 0)
		r = parse_strv(ctx, path, root, "entry_args", &s->entry_args, false);
	if (r == 0)
		r = parse_strv(ctx, path, root, "entry_kept", &s->entry_kept, false);
	if (r == 0)
		r = parse_strv(ctx, path, root, "rebuild_pending", &s->rebuild_pending, true);
	const char *bl = jstr(root, "bootloader"), *ir = jstr(root, "initramfs"),
		   *tx = jstr(root, "transaction");
	if (r == 0 && ((bl && !(s->bootloader = strdup(bl))) || (ir && !(s->initramfs = strdup(ir))) ||
		       (tx && !(s->transaction = strdup(tx)))))
		r = -ENOMEM;
	VbStrv dirs = {0};
	if (r == 0)
		r = parse_strv(ctx, path, root, "created_dirs", &dirs, false);
	for (size_t i = 0; r == 0 && i < dirs.n; i++) {
		if (ownable_dir(dirs.v[i]))
			r = vb_strv_add(&s->created_dirs, dirs.v[i]);
		else
			vb_warn(ctx, "%s names the directory %s, which vfio-boot never creates: ignored",
				path, dirs.v[i]);
	}
	vb_strv_done(&dirs);
	json_object *files;
	if (r == 0 && json_object_object_get_ex(root, "files", &files) &&
	    json_object_is_type(files, json_type_array)) {
		size_t n = json_object_array_length(files);
		s->files = calloc(n ? n : 1, sizeof(*s->files));
		if (!s->files)
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < n; i++) {
			json_object *f = json_object_array_get_idx(files, i);
			const char *fpath = jstr(f, "path"), *hash = jstr(f, "sha256");
			if (!fpath || !hash || strlen(hash) != 64) {
				r = -EBADMSG;
				break;
			}
			if (!ownable_path(fpath)) {
				/* never deleted nor restored on the manifest's word */
				vb_warn(ctx, "%s names %s, which vfio-boot never writes: ignored", path,
					fpath);
				continue;
			}
			VbStateFile *sf = &s->files[s->n_files++];
			if (!(sf->path = strdup(fpath)))
				r = -ENOMEM;
			memcpy(sf->sha256, hash, 65);
			const char *prior = jstr(f, "prior_sha256");
			if (prior && strlen(prior) == 64)
				memcpy(sf->prior_sha256, prior, 65);
			if (json_object_object_get_ex(f, "mode", &v))
				sf->mode = (unsigned)json_object_get_int(v) & 07777;
			if (json_object_object_get_ex(f, "had_original", &v))
				sf->had_original = json_object_get_boolean(v);
			if (json_object_object_get_ex(f, "original_mode", &v))
				sf->original_mode = (unsigned)json_object_get_int(v) & 07777;
			if (json_object_object_get_ex(f, "edit", &v))
				sf->edit = json_object_get_boolean(v);
			if (r == 0)
				r = parse_strv(ctx, path, f, "added", &sf->added, false);
		}
	}
	json_object_put(root);
	return r;
}

static int state_path(VbContext *ctx, const char *name, char **ret)
{
	return asprintf(ret, "%s/%s/%s", strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR, name) < 0
		   ? -ENOMEM
		   : 0;
}

/* One state file: -ENOENT when it is not there. */
static int state_read(VbContext *ctx, const char *name, VbState **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	if (state_path(ctx, name, &path) < 0)
		return -ENOMEM;
	int r = read_file_at(AT_FDCWD, path, 16 * 1024 * 1024, &text, NULL);
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read %s%s", path, not_regular_hint(r));
	VbState *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if ((r = parse_manifest(ctx, path, text, s)) < 0) {
		vb_state_free(s);
		if (r == -EBADMSG)
			vb_err(ctx, "%s: not a vfio-boot manifest (damaged?); move it away to start over",
			       path);
		return r;
	}
	*ret = s;
	return 0;
}

int vb_state_load(VbContext *ctx, VbState **ret)
{
	VbState *journal = NULL, *manifest = NULL;
	int r = state_read(ctx, VB_STATE_JOURNAL, &journal);
	if (r < 0 && r != -ENOENT)
		return r;
	int q = state_read(ctx, VB_STATE_MANIFEST, &manifest);
	if (q < 0 && q != -ENOENT) {
		vb_state_free(journal);
		return q;
	}
	/* a killed apply's journal comes first (it knows more), unless the manifest shows that
	 * apply committed */
	if (journal && manifest && journal->transaction && manifest->transaction &&
	    strcmp(journal->transaction, manifest->transaction) == 0)
		journal = vb_state_free(journal);
	if (journal) {
		vb_state_free(manifest);
		journal->interrupted = true;
		*ret = journal;
		return 0;
	}
	if (!manifest)
		return -ENOENT;
	*ret = manifest;
	return 0;
}

bool vb_state_file_is_ours(const VbStateFile *f, const char *content)
{
	char hash[65];
	vb_sha256_hex(content, strlen(content), hash);
	return strcmp(hash, f->sha256) == 0 || (f->prior_sha256[0] && strcmp(hash, f->prior_sha256) == 0);
}

/* Backups live in the state directory under the path with '/' spelled '%'. */
void vb_state_backup_name(const char *path, char out[256])
{
	snprintf(out, 256, "%s", path);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '%';
}

int vb_state_read_backup(const VbContext *ctx, const char *path, char **ret, size_t *ret_size)
{
	char name[256];
	vb_state_backup_name(path, name);
	int bfd, r = open_dir_beneath(ctx->root, VB_STATE_DIR "/backups", false, &bfd);
	if (r < 0)
		return r;
	r = read_file_at(bfd, name, 16 * 1024 * 1024, ret, ret_size);
	close(bfd);
	return r;
}

static int state_write(VbContext *ctx, const VbState *s, const char *name)
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
	if (s->entry_kept.n > 0) {
		json_object *ek = json_object_new_array();
		for (size_t i = 0; i < s->entry_kept.n; i++)
			json_object_array_add(ek, json_object_new_string(s->entry_kept.v[i]));
		json_object_object_add(root, "entry_kept", ek);
	}
	if (s->bootloader)
		json_object_object_add(root, "bootloader", json_object_new_string(s->bootloader));
	if (s->initramfs)
		json_object_object_add(root, "initramfs", json_object_new_string(s->initramfs));
	if (s->transaction)
		json_object_object_add(root, "transaction", json_object_new_string(s->transaction));
	for (size_t i = 0; i < s->n_files; i++) {
		const VbStateFile *f = &s->files[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(f->path));
		json_object_object_add(o, "sha256", json_object_new_string(f->sha256));
		if (f->prior_sha256[0])
			json_object_object_add(o, "prior_sha256", json_object_new_string(f->prior_sha256));
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
	const char *rebuild = vb_rebuild_name(s->rebuild);
	json_object_object_add(root, "rebuild", json_object_new_string(rebuild ? rebuild : "pending"));
	if (s->rebuild_detail)
		json_object_object_add(root, "rebuild_detail", json_object_new_string(s->rebuild_detail));
	if (s->rebuild_pending.n > 0) {
		json_object *rp = json_object_new_array();
		for (size_t i = 0; i < s->rebuild_pending.n; i++)
			json_object_array_add(rp, json_object_new_string(s->rebuild_pending.v[i]));
		json_object_object_add(root, "rebuild_pending", rp);
	}
	const char *text =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	int dirfd, r = open_dir_beneath(ctx->root, VB_STATE_DIR, true, &dirfd);
	if (r >= 0) {
		r = write_file_atomic_at(dirfd, name, text, strlen(text), 0644);
		/* the manifest is the commit: the journal of the apply it completes goes. It
		 * names the same transaction, so one left here (a kill, a failed unlink) is
		 * known to be stale: the commit stands either way */
		if (r >= 0 && strcmp(name, VB_STATE_MANIFEST) == 0)
			(void)unlink_at(dirfd, VB_STATE_JOURNAL);
		close(dirfd);
	}
	json_object_put(root);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to write %s in %s/%s%s", name,
				    strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR, beneath_hint(r));
	return 0;
}

int vb_state_save(VbContext *ctx, const VbState *s)
{
	return state_write(ctx, s, VB_STATE_MANIFEST);
}

int vb_state_save_journal(VbContext *ctx, const VbState *s)
{
	return state_write(ctx, s, VB_STATE_JOURNAL);
}

int vb_state_remove(VbContext *ctx, const VbState *s)
{
	int dirfd, r = open_dir_beneath(ctx->root, VB_STATE_DIR, false, &dirfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* the journal first: a manifest left alone after a failure lists no more than it */
	r = unlink_at(dirfd, VB_STATE_JOURNAL);
	if (r >= 0 || r == -ENOENT)
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
