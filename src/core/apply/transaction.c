/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * apply and revert as transactions.
 *
 * apply: (1) back up any file at one of our paths that vfio-boot did not write; (2) stage
 * every new file as a temporary in its own directory, fsynced; (3) rename them into place,
 * moving files to delete aside; (4) write the manifest: the commit point. A failure before
 * (4) undoes (3) from the bytes held in memory, so the root is as before. A kill between
 * (3) and (4) leaves whole files only (renames are atomic) and a later apply completes.
 * Then the regeneration commands run, and the manifest records how that went.
 *
 * revert: every file the manifest lists is deleted, or restored from its backup byte for
 * byte, unless it was edited since apply (its hash differs): then it is left alone and
 * revert fails, unless --force. The manifest goes last.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "apply.h"

void vb_apply_result_done(VbApplyResult *r)
{
	free(r->failed_command);
	free(r->failed_output);
	free(r->pending);
	free(r->log_path);
	*r = (VbApplyResult){0};
}

static void progress(const VbApplyOptions *o, VbProgress ev, const char *what)
{
	if (o->progress)
		o->progress(o->userdata, ev, what, 0, 0);
}

/* "/etc/modprobe.d/vfio-boot.conf" -> dir "etc/modprobe.d", base "vfio-boot.conf" */
static void split_path(const char *path, char *dir, size_t dsize, const char **base)
{
	const char *slash = strrchr(path, '/');
	snprintf(dir, dsize, "%.*s", (int)(slash - path), path);
	memmove(dir, dir + (dir[0] == '/'), strlen(dir + (dir[0] == '/')) + 1);
	*base = slash + 1;
}

static int open_state_dir(VbContext *ctx, const char *sub, bool create, int *ret)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "%s%s%s", VB_STATE_DIR, sub ? "/" : "", sub ? sub : "");
	int r = open_dir_beneath(ctx->root, rel, create, ret);
	if (r < 0 && r != -ENOENT)
		vb_log_errno(ctx, r, "failed to open %s/%s%s", strcmp(ctx->root, "/") ? ctx->root : "", rel,
			     beneath_hint(r));
	return r;
}

/* A backup no file needs any more goes; it may already be gone. */
static void drop_backup(VbContext *ctx, const char *path)
{
	int bfd;
	if (open_state_dir(ctx, "backups", false, &bfd) < 0)
		return;
	char name[256];
	vb_state_backup_name(path, name);
	(void)unlink_at(bfd, name);
	close(bfd);
}

typedef struct Step {
	const VbFileChange *f;
	int dirfd;
	const char *base;
	char tmp[STAGED_NAME_MAX];   /* staged new content */
	char trash[STAGED_NAME_MAX]; /* a deleted file, moved aside until the commit */
	bool staged, renamed;
	bool needs_backup; /* the admin's bytes at the path: backed up before the rename */
	bool made_backup;  /* this run wrote its backup: undone with the rest */
	mode_t old_mode;
} Step;

/* Bytes at one of our paths are ours when the state records them (either hash of a
 * journal's entry) or, with no record, when they carry our marker (a run killed before it
 * recorded anything). */
static bool bytes_are_ours(const VbStateFile *recorded, const char *content)
{
	return recorded ? vb_state_file_is_ours(recorded, content) : vb_generated_file(content);
}

/* Whether the file at f's path now is an original of the admin's that must be kept: sets
 * sf's had_original and original_mode, and whether this run must back it up. The rule that
 * keeps the admin's bytes whatever was killed before: a backup that exists is the original;
 * without one, bytes at our path that are not ours are the original (a first apply, or a
 * revert killed after it put them back). */
static int decide_original(VbContext *ctx, const VbFileChange *f, Step *s, VbStateFile *sf,
			   const VbStateFile *old)
{
	char name[256];
	vb_state_backup_name(f->path, name);
	struct stat bst;
	int bfd, r = open_state_dir(ctx, "backups", false, &bfd);
	if (r < 0 && r != -ENOENT)
		return r;
	bool have_backup =
	    r >= 0 && fstatat(bfd, name, &bst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(bst.st_mode);
	if (r >= 0)
		close(bfd);
	sf->had_original = have_backup;
	sf->original_mode =
	    have_backup ? (old && old->had_original ? old->original_mode : bst.st_mode & 07777) : 0;
	if (have_backup || !f->current)
		return 0;
	bool ours = bytes_are_ours(old, f->current);
	if (!ours) {
		s->needs_backup = true;
		sf->had_original = true;
		sf->original_mode = s->old_mode;
	} else if (old && old->had_original) {
		/* ours, and the backup of what it replaced is gone: still recorded, so that
		 * revert says so instead of deleting the file as if nothing had been there */
		sf->had_original = true;
		sf->original_mode = old->original_mode;
	}
	return 0;
}

static int write_backup(VbContext *ctx, Step *s)
{
	char name[256];
	vb_state_backup_name(s->f->path, name);
	int bfd, r = open_state_dir(ctx, "backups", true, &bfd);
	if (r < 0)
		return r;
	s->made_backup = true; /* before the write: a rollback removes whatever it left */
	r = write_file_atomic_at(bfd, name, s->f->current, strlen(s->f->current), s->old_mode);
	close(bfd);
	return r < 0 ? vb_log_errno(ctx, r, "failed to back up %s", s->f->path) : 0;
}

static void rollback(VbContext *ctx, Step *steps, size_t n)
{
	int bfd;
	if (open_dir_beneath(ctx->root, VB_STATE_DIR "/backups", false, &bfd) >= 0) {
		for (size_t i = 0; i < n; i++)
			if (steps[i].made_backup) {
				char name[256];
				vb_state_backup_name(steps[i].f->path, name);
				(void)unlink_at(bfd, name);
			}
		close(bfd);
	}
	for (size_t i = n; i-- > 0;) {
		Step *s = &steps[i];
		if (s->renamed) {
			if (s->f->action == VB_FILE_CREATE)
				(void)unlink_at(s->dirfd, s->base);
			else if (s->f->action == VB_FILE_UPDATE)
				(void)write_file_atomic_at(s->dirfd, s->base, s->f->current,
							   strlen(s->f->current), s->old_mode);
			else
				(void)rename_at(s->dirfd, s->trash, s->base);
		} else if (s->staged)
			unlinkat(s->dirfd, s->tmp, 0);
	}
}

int vb_root_lock(VbContext *ctx)
{
	if (ctx->lock_fd >= 0) {
		ctx->lock_depth++;
		return 0;
	}
	int fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vb_log_errno(ctx, -errno, "failed to open %s", ctx->root);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		vb_log(ctx, VB_LOG_NOTICE, "another vfio-boot is changing %s; waiting", ctx->root);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				int r = -errno;
				close(fd);
				return vb_log_errno(ctx, r, "failed to lock %s", ctx->root);
			}
	}
	ctx->lock_fd = fd;
	ctx->lock_depth = 1;
	return 0;
}

void vb_root_unlock(VbContext *ctx)
{
	if (ctx->lock_fd < 0 || --ctx->lock_depth > 0)
		return;
	close(ctx->lock_fd);
	ctx->lock_fd = -1;
}

/* What apply and revert hold while they run: the root's lock (not for a dry run), and
 * SIGPIPE ignored, since a reader of our output that goes away (vfio-boot apply | head)
 * must not kill us between two steps (the progress lines then fail quietly with EPIPE;
 * the commands we run get the default back). */
typedef struct Held {
	bool locked;
	struct sigaction saved_pipe;
} Held;

static int hold(VbContext *ctx, const VbApplyOptions *opts, Held *h)
{
	*h = (Held){0};
	if (!opts->dry_run) {
		int r = vb_root_lock(ctx);
		if (r < 0)
			return r;
		h->locked = true;
	}
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &h->saved_pipe);
	return 0;
}

static void release(VbContext *ctx, Held *h)
{
	sigaction(SIGPIPE, &h->saved_pipe, NULL);
	if (h->locked)
		vb_root_unlock(ctx);
}

static bool same_state(const VbState *a, const VbState *b)
{
	if (!a || !b || a->n_files != b->n_files || !vb_strv_equal(&a->cmdline, &b->cmdline) ||
	    strcmp(a->selection ? a->selection : "", b->selection ? b->selection : "") != 0)
		return false;
	for (size_t i = 0; i < a->n_files; i++) {
		const VbStateFile *o = vb_state_find(b, a->files[i].path);
		if (!o || strcmp(o->sha256, a->files[i].sha256) != 0)
			return false;
	}
	return true;
}

static bool state_has(const char *path, const void *ud)
{
	return vb_state_find(ud, path) != NULL;
}

static int new_state(const VbPlan *p, const VbState *old, VbState **ret)
{
	VbState *s = calloc(1, sizeof(*s));
	if (!s || !(s->selection = vb_selection_format(p->selection)) ||
	    !(s->files = calloc(p->n_files + 1, sizeof(*s->files)))) {
		vb_state_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->cmdline.n; i++)
		if (vb_strv_add(&s->cmdline, p->cmdline.v[i]) < 0)
			return vb_state_free(s), -ENOMEM;
	for (size_t i = 0; i < p->entry_args.n; i++)
		if (vb_strv_add(&s->entry_args, p->entry_args.v[i]) < 0)
			return vb_state_free(s), -ENOMEM;
	for (size_t i = 0; i < p->entry_kept.n; i++)
		if (vb_strv_add(&s->entry_kept, p->entry_kept.v[i]) < 0)
			return vb_state_free(s), -ENOMEM;
	if (!(s->bootloader = strdup(vb_bootloader_name(p->targets.bootloader))) ||
	    !(s->initramfs = strdup(vb_initramfs_name(p->targets.initramfs))))
		return vb_state_free(s), -ENOMEM;
	s->applied_at = old ? old->applied_at : 0;
	for (size_t i = 0; old && i < old->created_dirs.n; i++)
		if (vb_strv_add(&s->created_dirs, old->created_dirs.v[i]) < 0)
			return vb_state_free(s), -ENOMEM;
	for (size_t i = 0; i < p->n_files; i++) {
		const VbFileChange *f = &p->files[i];
		if (f->action == VB_FILE_DELETE || f->release)
			continue;
		VbStateFile *sf = &s->files[s->n_files++];
		if (!(sf->path = strdup(f->path)))
			return vb_state_free(s), -ENOMEM;
		vb_sha256_hex(f->content, strlen(f->content), sf->sha256);
		sf->mode = f->mode;
		sf->edit = f->edit;
		for (size_t j = 0; j < f->added.n; j++)
			if (vb_strv_add(&sf->added, f->added.v[j]) < 0)
				return vb_state_free(s), -ENOMEM;
		const VbStateFile *o = vb_state_find(old, f->path);
		if (o) {
			sf->had_original = o->had_original;
			sf->original_mode = o->original_mode;
		}
	}
	*ret = s;
	return 0;
}

/* a and b (which may be NULL) into out, sorted and unique */
static int strv_union(const VbStrv *a, const VbStrv *b, VbStrv *out)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < a->n; i++)
		r = vb_strv_add(out, a->v[i]);
	for (size_t i = 0; r >= 0 && b && i < b->n; i++)
		r = vb_strv_add(out, b->v[i]);
	return r;
}

/* The journal of this apply (apply.h): the new state's files, each with the hash of the
 * bytes of ours it replaces as prior, then the files only the old state lists (deleted, or
 * given back to the admin) as they were. Written once everything is staged, before the
 * first rename: a kill after it leaves a state any later run can finish or undo. */
static int write_journal(VbContext *ctx, const VbPlan *p, const VbState *old, const VbState *st)
{
	size_t n_old = old ? old->n_files : 0, n = 0;
	VbStateFile *files = calloc(st->n_files + n_old + 1, sizeof(*files));
	if (!files)
		return -ENOMEM;
	/* an edited file's part may hold the old run's words or the new one's */
	VbStrv *added = calloc(st->n_files + 1, sizeof(*added));
	if (!added) {
		free(files);
		return -ENOMEM;
	}
	int r = 0;
	for (size_t i = 0; i < st->n_files; i++) {
		VbStateFile *j = &files[n++];
		*j = st->files[i]; /* borrowed */
		const VbStateFile *o = vb_state_find(old, j->path);
		if (j->edit) {
			if (r >= 0)
				r = strv_union(&j->added, o ? &o->added : NULL, &added[i]);
			j->added = added[i];
		}
		const char *current = NULL;
		for (size_t k = 0; k < p->n_files; k++)
			if (strcmp(p->files[k].path, j->path) == 0)
				current = p->files[k].current;
		j->prior_sha256[0] = 0;
		if (current && !j->edit && bytes_are_ours(o, current))
			vb_sha256_hex(current, strlen(current), j->prior_sha256);
	}
	for (size_t i = 0; i < n_old; i++)
		if (!vb_state_find(st, old->files[i].path))
			files[n++] = old->files[i];
	VbState journal = *st;
	journal.files = files;
	journal.n_files = n;
	/* the boot entries still have the old parameters until the commands run */
	VbStrv entry_args = {0}, entry_kept = {0};
	if (r >= 0)
		r = strv_union(&st->entry_args, old ? &old->entry_args : NULL, &entry_args);
	if (r >= 0)
		r = strv_union(&st->entry_kept, old ? &old->entry_kept : NULL, &entry_kept);
	journal.entry_args = entry_args;
	journal.entry_kept = entry_kept;
	if (r >= 0)
		r = vb_state_save_journal(ctx, &journal);
	vb_strv_done(&entry_args);
	vb_strv_done(&entry_kept);
	for (size_t i = 0; i < st->n_files; i++)
		vb_strv_done(&added[i]);
	free(added);
	free(files);
	return r;
}

/* What a killed run may have left: temporaries in every directory we write to. */
static void sweep_temporaries(VbContext *ctx)
{
	const VbGenerator *const *all = vb_generator_list();
	for (size_t i = 0; all[i]; i++) {
		char dir[256];
		const char *base;
		int fd;
		if (!all[i]->path)
			continue;
		split_path(all[i]->path, dir, sizeof(dir), &base);
		if (open_dir_beneath(ctx->root, dir, false, &fd) >= 0)
			remove_stale_temporaries(fd), close(fd);
	}
	static const char *const state_dirs[] = {VB_STATE_DIR, VB_STATE_DIR "/backups"};
	for (size_t i = 0; i < ELEMENTSOF(state_dirs); i++) {
		int fd;
		if (open_dir_beneath(ctx->root, state_dirs[i], false, &fd) >= 0)
			remove_stale_temporaries(fd), close(fd);
	}
}

/* What a killed run may have left: temporaries in every directory we write to, and when
 * nothing is recorded (killed before its journal), our state directory if it is empty. */
static void remove_leftovers(VbContext *ctx, bool nothing_recorded)
{
	sweep_temporaries(ctx);
	if (!nothing_recorded)
		return;
	_cleanup_free_ char *backups = NULL, *state = NULL;
	if (vb_root_path(ctx, VB_STATE_DIR "/backups", &backups) >= 0)
		(void)rmdir(backups);
	if (vb_root_path(ctx, VB_STATE_DIR, &state) >= 0)
		(void)rmdir(state);
}

/* A backup the new state does not need, whose bytes are back at their path (a revert or a
 * release that was killed before it could drop it), goes. */
static void drop_backup_if_restored(VbContext *ctx, const char *path)
{
	_cleanup_free_ char *backup = NULL, *full = NULL, *current = NULL;
	size_t bsize, csize;
	if (vb_state_read_backup(ctx, path, &backup, &bsize) < 0 || vb_root_path(ctx, path, &full) < 0 ||
	    read_file_at(AT_FDCWD, full, 16 * 1024 * 1024, &current, &csize) < 0)
		return;
	if (bsize == csize && memcmp(backup, current, bsize) == 0)
		drop_backup(ctx, path);
}

static bool same_command(const VbCommand *a, const VbCommand *b)
{
	if (a->argc != b->argc)
		return false;
	for (size_t i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return false;
	return true;
}

static bool has_command(const VbCommand *cmds, size_t n, const VbCommand *c)
{
	for (size_t i = 0; i < n; i++)
		if (same_command(&cmds[i], c))
			return true;
	return false;
}

/* The commands this apply runs: the plan's, for what it changes, and those an earlier apply
 * left owed (failed, killed, --no-rebuild), in the order vb_regeneration_commands gives
 * (images before the boot loader). A rebuild owed by an older manifest, which did not list
 * what was left, and --if-configured (the package replaced what the images carry) run
 * everything vfio-boot's files feed. Nothing owed and nothing changed: nothing runs, so a
 * second apply does not rebuild images that are current. */
static size_t owed_commands(const VbPlan *p, const VbState *old, const VbState *st, bool owed,
			    bool everything, VbCommand out[VB_MAX_COMMANDS])
{
	VbCommand all[VB_MAX_COMMANDS];
	size_t n_all = vb_regeneration_commands(&p->targets, state_has, st, &st->entry_args,
						&p->entry_args_remove, &st->entry_kept, all);
	everything = everything || (owed && old->rebuild_pending.n == 0);
	size_t n = 0;
	char text[512];
	for (size_t i = 0; i < n_all; i++) {
		vb_command_text(&all[i], text, sizeof(text));
		if (everything || (owed && vb_strv_contains(&old->rebuild_pending, text)) ||
		    has_command(p->commands, p->n_commands, &all[i]))
			out[n++] = all[i];
	}
	/* the plan's commands for what it gives back, which the new state no longer feeds */
	for (size_t j = 0; j < p->n_commands && n < VB_MAX_COMMANDS; j++)
		if (!has_command(out, n, &p->commands[j]))
			out[n++] = p->commands[j];
	return n;
}

/* One apply's writing of the files: the plan, the state before and after, and a step for
 * each file that changes. */
typedef struct Writing {
	VbContext *ctx;
	const VbPlan *p;
	const VbApplyOptions *opts;
	const VbState *old;
	VbState *st;
	Step *steps;
	size_t n;
	bool journaled;
} Writing;

/* (1) look before changing anything: the directories that are missing (revert removes them)
 * and the admin's files at our paths (backed up) */
static int look_before(Writing *w)
{
	VbContext *ctx = w->ctx;
	int r = vb_state_note_missing_dirs(ctx, VB_STATE_DIR "/backups", &w->st->created_dirs);
	for (size_t i = 0; i < w->p->n_files && r >= 0; i++) {
		const VbFileChange *f = &w->p->files[i];
		if (f->action == VB_FILE_UNCHANGED)
			continue;
		Step *s = &w->steps[w->n++];
		char dir[256];
		s->f = f;
		s->dirfd = -1;
		split_path(f->path, dir, sizeof(dir), &s->base);
		if (f->action != VB_FILE_DELETE &&
		    (r = vb_state_note_missing_dirs(ctx, dir, &w->st->created_dirs)) < 0)
			return r;
		r = open_dir_beneath(ctx->root, dir, false, &s->dirfd);
		if (r == -ENOENT && f->action != VB_FILE_DELETE)
			r = 0; /* made in (3) */
		if (r < 0)
			return vb_log_errno(ctx, r, "failed to open %s/%s%s",
					    strcmp(ctx->root, "/") ? ctx->root : "", dir, beneath_hint(r));
		struct stat stt;
		bool exists = s->dirfd >= 0 && fstatat(s->dirfd, s->base, &stt, AT_SYMLINK_NOFOLLOW) == 0;
		/* a link replaced by our file could not be put back by revert, nor written through
		 * without leaving the root: the admin decides what it should be */
		if (exists && S_ISLNK(stt.st_mode))
			return vb_log_errno(ctx, -ELOOP,
					    "%s is a symlink, not a file vfio-boot can back up and replace",
					    f->path);
		if (exists && !S_ISREG(stt.st_mode))
			return vb_log_errno(ctx, -EEXIST,
					    "%s is not a regular file, not a file vfio-boot can back up and "
					    "replace",
					    f->path);
		s->old_mode = exists ? stt.st_mode & 07777 : f->mode;
		/* (a released file keeps no record: the manifest forgets it) */
		if (f->action != VB_FILE_DELETE && !f->release)
			r = decide_original(ctx, f, s, (VbStateFile *)vb_state_find(w->st, f->path),
					    vb_state_find(w->old, f->path));
	}
	return r;
}

/* (2) the journal: from here on, a kill leaves a state the next run finishes or undoes */
static int begin_journal(Writing *w)
{
	if (asprintf(&w->st->transaction, "%lld-%ld", (long long)time(NULL), (long)getpid()) < 0) {
		w->st->transaction = NULL;
		return -ENOMEM;
	}
	if (w->n == 0)
		return 0;
	int r = write_journal(w->ctx, w->p, w->old, w->st);
	w->journaled = r >= 0;
	return r;
}

/* (3) directories, backups, and every new file staged beside its final name */
static int stage_files(Writing *w)
{
	VbContext *ctx = w->ctx;
	int r = 0;
	for (size_t i = 0; i < w->n && r >= 0; i++) {
		Step *s = &w->steps[i];
		if (s->dirfd < 0) {
			char dir[256];
			const char *base;
			split_path(s->f->path, dir, sizeof(dir), &base);
			if ((r = open_dir_beneath(ctx->root, dir, true, &s->dirfd)) < 0)
				return vb_log_errno(ctx, r, "failed to create %s/%s%s",
						    strcmp(ctx->root, "/") ? ctx->root : "", dir,
						    beneath_hint(r));
		}
		if (s->needs_backup && (r = write_backup(ctx, s)) < 0)
			return r;
		if (s->f->action == VB_FILE_DELETE)
			continue;
		r = stage_file_at(s->dirfd, s->base, s->f->content, strlen(s->f->content), s->f->mode,
				  s->tmp);
		if (r < 0)
			vb_log_errno(ctx, r, "failed to write %s", s->f->path);
		s->staged = r >= 0;
	}
	return r;
}

/* (4) rename into place */
static int rename_files(Writing *w)
{
	int r = 0;
	for (size_t i = 0; i < w->n && r >= 0; i++) {
		Step *s = &w->steps[i];
		if (s->f->action == VB_FILE_DELETE) {
			snprintf(s->trash, sizeof(s->trash), ".%s.vfio-boot-tmp-trash-%ld", s->base,
				 (long)getpid());
			r = rename_at(s->dirfd, s->base, s->trash);
		} else
			r = rename_at(s->dirfd, s->tmp, s->base);
		if (r < 0)
			vb_log_errno(w->ctx, r, "failed to put %s in place", s->f->path);
		s->renamed = r >= 0;
		s->staged = s->staged && r < 0;
	}
	return r;
}

/* (5) commit: the manifest, with the commands owed until they run to the end (a kill or
 * --no-rebuild leaves them for the next apply) */
static int commit(Writing *w, const VbCommand *cmds, size_t n_cmds)
{
	w->st->applied_at = (long long)time(NULL);
	w->st->rebuild = w->opts->no_rebuild ? VB_REBUILD_SKIPPED : VB_REBUILD_PENDING;
	int r = vb_command_texts(cmds, n_cmds, &w->st->rebuild_pending);
	if (r >= 0)
		r = vb_state_save(w->ctx, w->st);
	return r;
}

/* A failure before the commit: every file back as it was, the journal and the directories
 * this run made gone. */
static void undo_files(Writing *w)
{
	VbContext *ctx = w->ctx;
	const VbState *old = w->old;
	rollback(ctx, w->steps, w->n);
	/* the journal goes too, unless it carries on a killed run's (then it lists more than
	 * what is there, which a later run reads safely) */
	int sfd;
	if (w->journaled && (!old || !old->interrupted) &&
	    open_dir_beneath(ctx->root, VB_STATE_DIR, false, &sfd) >= 0) {
		(void)unlinkat(sfd, VB_STATE_JOURNAL, 0);
		close(sfd);
	}
	/* and the directories this run made, deepest first */
	for (size_t i = w->st->created_dirs.n; i-- > 0;) {
		bool before = old && vb_strv_contains(&old->created_dirs, w->st->created_dirs.v[i]);
		_cleanup_free_ char *dpath = NULL;
		if (!before && vb_root_path(ctx, w->st->created_dirs.v[i], &dpath) >= 0)
			(void)rmdir(dpath);
	}
}

/* After the commit: deleted files and backups that have no use any more. */
static void finish_files(Writing *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->steps[i].f->action == VB_FILE_DELETE)
			(void)unlink_at(w->steps[i].dirfd, w->steps[i].trash);
		/* the admin's file holds nothing of ours any more: its backup has no use */
		if (w->steps[i].f->release)
			drop_backup(w->ctx, w->steps[i].f->path);
	}
	for (size_t i = 0; w->old && i < w->old->n_files; i++)
		if (w->old->files[i].had_original && !vb_state_find(w->st, w->old->files[i].path))
			drop_backup_if_restored(w->ctx, w->old->files[i].path);
}

/* The files of the plan written, all or none, and the manifest committed. */
static int write_files(Writing *w, size_t n_changes, const VbCommand *cmds, size_t n_cmds, VbApplyResult *res)
{
	w->steps = calloc(n_changes + 1, sizeof(*w->steps));
	if (!w->steps)
		return -ENOMEM;
	int r;
	if ((r = look_before(w)) >= 0 && (r = begin_journal(w)) >= 0 && (r = stage_files(w)) >= 0 &&
	    (r = rename_files(w)) >= 0)
		r = commit(w, cmds, n_cmds);
	res->committed = r >= 0;
	if (r < 0)
		undo_files(w);
	else
		finish_files(w);
	for (size_t i = 0; i < w->n; i++)
		if (w->steps[i].dirfd >= 0)
			close(w->steps[i].dirfd);
	free(w->steps);
	return r;
}

/* Says what changes: each file, and with --dry-run the commands it would run. */
static void show_changes(const VbPlan *p, const VbApplyOptions *opts, const VbCommand *cmds, size_t n_cmds)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i].action != VB_FILE_UNCHANGED)
			progress(opts,
				 p->files[i].action == VB_FILE_DELETE ? VB_PROGRESS_DELETE
								      : VB_PROGRESS_WRITE,
				 p->files[i].path);
	for (size_t i = 0; opts->dry_run && i < n_cmds; i++)
		progress(opts, VB_PROGRESS_LIST_COMMAND, cmds[i].argv[0]);
}

int vb_apply(VbContext *ctx, const VbPlan *p, const VbApplyOptions *opts, VbApplyResult *res)
{
	*res = (VbApplyResult){0};
	if (p->errors.n > 0)
		return -EINVAL;
	Held held;
	int r = hold(ctx, opts, &held);
	if (r < 0)
		return r;
	_cleanup_(vb_state_freep) VbState *old = NULL;
	_cleanup_(vb_state_freep) VbState *st = NULL;
	r = vb_state_load(ctx, &old);
	if (r < 0 && r != -ENOENT)
		goto out;
	if ((r = new_state(p, old, &st)) < 0)
		goto out;

	size_t n_changes = 0;
	for (size_t i = 0; i < p->n_files; i++)
		n_changes += p->files[i].action != VB_FILE_UNCHANGED;
	/* after a killed apply, the manifest is written again whatever the files say */
	bool state_changed = (old && old->interrupted) || !same_state(old, st);
	bool rebuild_owed = old && vb_rebuild_owed(old->rebuild);
	res->changed = n_changes > 0 || state_changed;
	/* what a killed run may have left, before its journal or in a revert */
	if (!opts->dry_run)
		remove_leftovers(ctx, !old);
	if (!res->changed && !((rebuild_owed || opts->rebuild_always) && !opts->no_rebuild))
		goto out; /* idempotent: nothing written, nothing run */

	/* regeneration: what changes now, or everything we own when an earlier run failed; a
	 * command that cannot run stops the apply before anything changed */
	VbCommand cmds[VB_MAX_COMMANDS];
	size_t n_cmds = owed_commands(p, old, st, rebuild_owed, opts->rebuild_always, cmds);
	if (!opts->dry_run && !opts->no_rebuild && (r = vb_commands_check(ctx, cmds, n_cmds)) < 0)
		goto out;
	show_changes(p, opts, cmds, n_cmds);
	if (opts->dry_run)
		goto out;
	Writing w = {.ctx = ctx, .p = p, .opts = opts, .old = old, .st = st};
	if ((r = write_files(&w, n_changes, cmds, n_cmds, res)) < 0 || opts->no_rebuild)
		goto out;
	r = vb_run_commands(ctx, cmds, n_cmds, opts, st, res);
	/* nothing of ours is left once the images no longer carry it: no manifest either, and
	 * the directories apply made go, as after revert */
	if (r >= 0 && st->n_files == 0 && st->entry_args.n == 0 && !res->rebuild_failed)
		r = vb_state_remove(ctx, st);
out:
	release(ctx, &held);
	return r;
}

typedef struct Reverted {
	const VbState *st;
	const bool *reverted;
} Reverted;

static bool was_reverted(const char *path, const void *ud)
{
	const Reverted *rv = ud;
	for (size_t i = 0; i < rv->st->n_files; i++)
		if (rv->reverted[i] && strcmp(rv->st->files[i].path, path) == 0)
			return true;
	return false;
}

/* The admin's file without our part: the rest stays as it is now, edited since or not. The
 * backup taken at the first apply goes. */
static int revert_edit(VbContext *ctx, const VbStateFile *f, const VbApplyOptions *opts)
{
	const VbGenerator *g = vb_generator_for_path(f->path);
	if (!g || !g->edit)
		return vb_err(ctx,
			      "%s: the manifest says vfio-boot edited it, but this version does not "
			      "know how to take its part out",
			      f->path),
		       -EINVAL;
	char dir[256];
	const char *base;
	split_path(f->path, dir, sizeof(dir), &base);
	int dirfd;
	int r = open_dir_beneath(ctx->root, dir, false, &dirfd);
	if (r == -ENOENT)
		return 0; /* the admin's file is gone: nothing of ours to take out */
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to open %s", dir);
	_cleanup_free_ char *current = NULL, *without = NULL;
	struct stat st;
	r = read_file_at(dirfd, base, 16 * 1024 * 1024, &current, NULL);
	if (r >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (r == -ENOENT) {
		close(dirfd);
		return 0;
	}
	if (r >= 0 && !(without = g->unedit(current, &f->added)))
		r = errno == EBADMSG ? -EBADMSG : -ENOMEM;
	if (r == -EBADMSG)
		vb_err(ctx,
		       "%s: a '# BEGIN vfio-boot' line without its '# END vfio-boot': mend or remove the "
		       "block by hand",
		       f->path);
	if (r >= 0 && strcmp(without, current) != 0) {
		progress(opts, VB_PROGRESS_RESTORE, f->path);
		if (!opts->dry_run)
			r = write_file_atomic_at(dirfd, base, without, strlen(without), st.st_mode & 07777);
	}
	close(dirfd);
	if (r < 0)
		return r == -EBADMSG ? r : vb_log_errno(ctx, r, "failed to revert %s", f->path);
	if (!opts->dry_run)
		drop_backup(ctx, f->path);
	return 0;
}

/* One file back to before vfio-boot: deleted, or its backup restored. Returns 1 when it
 * was left alone because it was edited since apply, 2 when it is ours but its backup is
 * missing (left in place, or deleted with --force). */
static int revert_file(VbContext *ctx, const VbStateFile *f, const VbApplyOptions *opts)
{
	if (f->edit)
		return revert_edit(ctx, f, opts);
	char dir[256], bname[256];
	const char *base;
	split_path(f->path, dir, sizeof(dir), &base);
	int dirfd;
	int r = open_dir_beneath(ctx->root, dir, f->had_original, &dirfd);
	if (r == -ENOENT)
		return 0; /* gone with its directory, and there is nothing to restore */
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to open %s", dir);
	_cleanup_free_ char *current = NULL, *backup = NULL;
	int bfd = -1;
	size_t size = 0;
	int rc = read_file_at(dirfd, base, 16 * 1024 * 1024, &current, NULL);
	bool have_current = rc >= 0;
	if (rc == -EINVAL || rc == -EISDIR) {
		/* not the regular file apply wrote: someone else's now */
		close(dirfd);
		progress(opts, VB_PROGRESS_SKIP, f->path);
		return 1;
	}
	/* ours: the bytes apply wrote, or (a killed apply's journal) those it was replacing */
	bool ours = have_current && vb_state_file_is_ours(f, current);
	if (f->had_original) {
		vb_state_backup_name(f->path, bname);
		if ((r = open_state_dir(ctx, "backups", false, &bfd)) < 0 ||
		    (r = read_file_at(bfd, bname, 16 * 1024 * 1024, &backup, &size)) < 0) {
			if (bfd >= 0)
				close(bfd);
			bfd = -1;
			if (r == -ENOENT && !ours) {
				/* no backup and not our bytes: the admin's file is back (a revert put it
				 * there and stopped, or an apply was killed before it replaced it) */
				close(dirfd);
				return 0;
			}
			if (r != -ENOENT) {
				close(dirfd);
				return vb_log_errno(ctx, r, "failed to read the backup of %s", f->path);
			}
			/* ours, and the original it replaced is gone from backups/: nothing to put
			 * back. Left as it is, so the host boots as now, unless --force */
			if (!opts->force) {
				close(dirfd);
				vb_err(
				    ctx,
				    "%s: the backup of the file it replaced is missing (%s/%s/backups/%s); "
				    "vfio-boot's version is left in place: 'vfio-boot revert --force' "
				    "deletes it",
				    f->path, strcmp(ctx->root, "/") ? ctx->root : "", VB_STATE_DIR, bname);
				return 2;
			}
			progress(opts, VB_PROGRESS_DELETE, f->path);
			r = opts->dry_run ? 0 : unlink_at(dirfd, base);
			close(dirfd);
			return r < 0 ? vb_log_errno(ctx, r, "failed to revert %s", f->path) : 0;
		}
	}
	if (have_current) {
		if (backup && strlen(current) == size && memcmp(current, backup, size) == 0) {
			/* restored by a revert that stopped before it could drop the backup */
			r = opts->dry_run ? 0 : unlink_at(bfd, bname);
			close(bfd);
			close(dirfd);
			return r < 0 ? vb_log_errno(ctx, r, "failed to remove the backup of %s", f->path) : 0;
		}
		if (!ours && !opts->force) {
			if (bfd >= 0)
				close(bfd);
			progress(opts, VB_PROGRESS_SKIP, f->path);
			close(dirfd);
			return 1;
		}
	}
	if (f->had_original) {
		progress(opts, VB_PROGRESS_RESTORE, f->path);
		if (!opts->dry_run &&
		    (r = write_file_atomic_at(dirfd, base, backup, size, f->original_mode)) >= 0)
			r = unlink_at(bfd, bname);
		close(bfd);
	} else if (current) {
		progress(opts, VB_PROGRESS_DELETE, f->path);
		if (!opts->dry_run)
			r = unlink_at(dirfd, base);
	}
	close(dirfd);
	return r < 0 ? vb_log_errno(ctx, r, "failed to revert %s", f->path) : 0;
}

int vb_revert(VbContext *ctx, const VbApplyOptions *opts, VbApplyResult *res)
{
	*res = (VbApplyResult){0};
	Held held;
	int r = hold(ctx, opts, &held);
	if (r < 0)
		return r;
	VbState *st = NULL;
	r = vb_state_load(ctx, &st);
	if (r < 0) {
		if (r == -ENOENT && !opts->dry_run)
			remove_leftovers(ctx, true);
		release(ctx, &held);
		return r == -ENOENT ? 0 : r; /* nothing applied: nothing to revert */
	}
	if (!opts->dry_run)
		remove_leftovers(ctx, false);
	bool *reverted = calloc(st->n_files + 1, sizeof(*reverted));
	if (!reverted) {
		r = -ENOMEM;
		goto out;
	}
	VbTargets targets;
	vb_targets_detect(ctx, st->bootloader, st->initramfs, &targets);
	Reverted rv = {st, reverted};
	VbCommand cmds[VB_MAX_COMMANDS];
	if (!opts->dry_run && !opts->no_rebuild) {
		/* the commands every file would need: one that cannot run stops the revert first */
		for (size_t i = 0; i < st->n_files; i++)
			reverted[i] = true;
		size_t n_all = vb_regeneration_commands(&targets, was_reverted, &rv, NULL, &st->entry_args,
							&st->entry_kept, cmds);
		memset(reverted, 0, st->n_files * sizeof(*reverted));
		if ((r = vb_commands_check(ctx, cmds, n_all)) < 0)
			goto out;
	}
	res->changed = st->n_files > 0;
	/* every file is tried: one that cannot be reverted does not keep the others applied */
	for (size_t i = 0; i < st->n_files; i++) {
		int q = revert_file(ctx, &st->files[i], opts);
		if (q == 1)
			res->n_skipped++;
		else if (q == 2 || q < 0)
			res->n_failed++;
		else
			reverted[i] = true;
		if (q < 0 && r >= 0)
			r = q;
	}
	if (r >= 0 && res->n_failed > 0)
		r = -EIO; /* each one said why */

	size_t n_cmds = vb_regeneration_commands(&targets, was_reverted, &rv, NULL, &st->entry_args,
						 &st->entry_kept, cmds);
	if (opts->dry_run)
		for (size_t i = 0; i < n_cmds; i++)
			progress(opts, VB_PROGRESS_LIST_COMMAND, cmds[i].argv[0]);
	else if (!opts->no_rebuild && n_cmds > 0) {
		/* what was reverted is rebuilt, whatever failed beside it */
		int q = vb_run_commands(ctx, cmds, n_cmds, opts, NULL, res);
		if (r >= 0)
			r = q;
	}

	if (!opts->dry_run) {
		/* the manifest goes last; while files remain (edited, or not reached after an
		 * error) it stays, listing only them */
		size_t kept = 0;
		for (size_t i = 0; i < st->n_files; i++) {
			if (reverted[i]) {
				free(st->files[i].path);
				vb_strv_done(&st->files[i].added);
			} else
				st->files[kept++] = st->files[i];
		}
		st->n_files = kept;
		int q = kept > 0 ? vb_state_save(ctx, st) : vb_state_remove(ctx, st);
		if (r >= 0)
			r = q;
	}
out:
	free(reverted);
	vb_state_free(st);
	release(ctx, &held);
	return r;
}
