/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing the system: apply (a plan, as one transaction), revert (undo what the manifest
 * records), status. The manifest, /var/lib/vfio-boot/manifest.json under the root, is the
 * commit point of apply: written last, atomically; what it lists is what vfio-boot owns.
 * Before apply renames anything into place it writes its journal (journal.json beside the
 * manifest): every file the old manifest or the new one lists, each with the hashes of both
 * versions. While a journal is there (an apply was killed), it is the state everyone reads:
 * the next apply goes on from it, revert undoes it, status says so. Writing the manifest
 * removes it; one left beside a manifest of the same transaction is stale and ignored.
 */
#pragma once

#include "plan/plan.h"

#define VB_STATE_DIR "var/lib/vfio-boot"
#define VB_STATE_MANIFEST "manifest.json"
#define VB_STATE_JOURNAL "journal.json"
#define VB_STATE_LOG "rebuild.log"

typedef struct VbStateFile {
	char *path;	 /* "/etc/modprobe.d/vfio-boot.conf" */
	char sha256[65]; /* of the bytes vfio-boot wrote */
	/* in a journal: of the bytes of ours that were there before ("" when none), which a
	 * killed apply may not have replaced yet */
	char prior_sha256[65];
	unsigned mode;
	bool had_original; /* a file was there before; its bytes are in backups/ */
	unsigned original_mode;
	bool edit;    /* the admin's file with a part of ours: revert takes out only that part */
	VbStrv added; /* the words of ours in it (a one-line file has no room for markers) */
} VbStateFile;

typedef struct VbState {
	char *selection;   /* the selection file's text when applied */
	VbStrv cmdline;	   /* the kernel parameters applied */
	VbStrv entry_args; /* those given to the boot entries by grubby or kernelstub */
	/* the targets applied to, as vb_bootloader_name() and vb_initramfs_name() say; revert
	 * undoes with these, not with what it would detect now; NULL in older manifests */
	char *bootloader, *initramfs;
	VbStateFile *files;
	size_t n_files;
	char *rebuild;	      /* "done", "failed", "skipped" (--no-rebuild), "listed" (not /) */
	char *rebuild_detail; /* the failed command and its status, or NULL */
	/* the commands (as vb_command_text() writes them) owed since the files last changed:
	 * the one that failed and those after it, or all of them when none ran; the next apply
	 * runs these and no others when no file changes */
	VbStrv rebuild_pending;
	long long applied_at; /* seconds since the epoch */
	VbStrv created_dirs;  /* directories apply made (relative to the root); revert removes them */
	VbStrv entry_kept;    /* as VbPlan's */
	bool interrupted;     /* read from a journal: an apply was killed before its commit */
	/* the apply that wrote it: a journal whose transaction the manifest names was committed
	 * (the kill or the failure came between the manifest's rename and the journal's unlink) */
	char *transaction;
} VbState;

/* -ENOENT when nothing was applied. */
int vb_state_load(VbContext *ctx, VbState **ret);
VbState *vb_state_free(VbState *s);
const VbStateFile *vb_state_find(const VbState *s, const char *path);
/* The bytes at f's path are vfio-boot's (its hash, or in a journal the prior one). */
bool vb_state_file_is_ours(const VbStateFile *f, const char *content);
/* The admin's original that apply backed up for path: -ENOENT when there is none. */
int vb_state_read_backup(const VbContext *ctx, const char *path, char **ret, size_t *ret_size);
/* Its file name in VB_STATE_DIR/backups: the path with '/' spelled '%'. */
void vb_state_backup_name(const char *path, char out[256]);
void vb_sha256_hex(const void *data, size_t size, char out[65]);

typedef enum VbProgress {
	VB_PROGRESS_WRITE,	    /* what: path */
	VB_PROGRESS_DELETE,	    /* what: path */
	VB_PROGRESS_RESTORE,	    /* what: path */
	VB_PROGRESS_SKIP,	    /* what: path, edited since apply */
	VB_PROGRESS_LIST_COMMAND,   /* what: command, not run (root is not /) */
	VB_PROGRESS_COMMAND_START,  /* what: command */
	VB_PROGRESS_COMMAND_OUTPUT, /* what: a line of its output */
	VB_PROGRESS_COMMAND_DONE,   /* what: command; status: its exit status */
} VbProgress;

/* Whether a line of a regeneration command's output names one kernel's image being built
 * (or put in the boot menu): what apply shows of that output without -v, progress per kernel.
 * booster's regenerate_images prints nothing per kernel. */
bool vb_output_names_image(const char *line);

typedef void (*VbProgressFn)(void *userdata, VbProgress ev, const char *what, double elapsed, int status);

typedef struct VbApplyOptions {
	bool dry_run;	 /* the same path up to the writes, which are reported, not done */
	bool no_rebuild; /* skip the regeneration commands */
	/* run them even when no file changes: what goes into the images besides our files (the
	 * helper, the rule, the dracut module) may have, as after a package upgrade */
	bool rebuild_always;
	bool force; /* revert: also restore files edited since apply */
	VbProgressFn progress;
	void *userdata;
} VbApplyOptions;

typedef struct VbApplyResult {
	bool changed;
	bool committed;	  /* apply: the files are in place and the manifest says so */
	size_t n_failed;  /* revert: files it could not revert (each one logged) */
	size_t n_skipped; /* revert: files left alone because they were edited */
	bool rebuild_failed;
	char *failed_command; /* with its status, when rebuild_failed */
	char *failed_output;  /* the last lines it printed, when rebuild_failed */
	char *pending;	      /* what is still to run, comma-separated, when rebuild_failed */
	char *log_path;	      /* the regeneration log, when commands ran */
	/* the regeneration commands, run or (under a root other than /) listed */
	VbCommand commands[VB_MAX_COMMANDS];
	size_t n_commands;
} VbApplyResult;

/* One change at a time per root: an exclusive advisory lock on the root directory itself
 * (taking it needs no file of ours, so a revert leaves nothing behind); it waits its turn.
 * apply and revert take it themselves; a caller that first reads what the change depends on
 * (the selection, the files a plan compares) takes it before reading, so that nothing
 * changes between its read and the write. Takes nest; the context's end releases it. */
int vb_root_lock(VbContext *ctx);
void vb_root_unlock(VbContext *ctx);

void vb_apply_result_done(VbApplyResult *r);
/* Whether the regeneration commands run (the root is /), or are only listed. */
bool vb_commands_run_here(const VbContext *ctx);
int vb_apply(VbContext *ctx, const VbPlan *p, const VbApplyOptions *opts, VbApplyResult *ret);
int vb_revert(VbContext *ctx, const VbApplyOptions *opts, VbApplyResult *ret);

/* ---- internal, shared by apply and revert ---- */
/* The manifest: written atomically, then the journal goes (the commit). */
int vb_state_save(VbContext *ctx, const VbState *s);
/* The journal, written before the first change apply makes visible. */
int vb_state_save_journal(VbContext *ctx, const VbState *s);
/* Removes the manifest, the journal, the log and the directories apply created. */
int vb_state_remove(VbContext *ctx, const VbState *s);
/* Adds to dirs every component of rel (under the root) that does not exist yet. */
int vb_state_note_missing_dirs(VbContext *ctx, const char *rel, VbStrv *dirs);
/* Before anything changes: each command that will run can be found (-ENOENT, logged). */
int vb_commands_check(VbContext *ctx, const VbCommand *cmds, size_t n);
int vb_run_commands(VbContext *ctx, const VbCommand *cmds, size_t n, const VbApplyOptions *opts,
		    VbState *state, VbApplyResult *res);
/* The command as one line: its arguments separated by spaces. */
void vb_command_text(const VbCommand *c, char *out, size_t size);
/* Appends each command's line to out, in order (as the manifest's rebuild_pending). */
int vb_command_texts(const VbCommand *cmds, size_t n, VbStrv *out);

/* ---- status ---- */

typedef enum VbFileState { VB_FS_OK, VB_FS_MODIFIED, VB_FS_MISSING, VB_FS_PENDING } VbFileState;

typedef struct VbStatusDevice {
	const VbDevice *dev;
	bool bound;	 /* on vfio-pci now */
	char *diagnosis; /* why not, NULL when bound */
} VbStatusDevice;

typedef struct VbStatusFile {
	const char *path;
	VbFileState state;
} VbStatusFile;

typedef struct VbStatus {
	bool applied;		/* a manifest exists */
	bool reboot_pending;	/* applied after this boot */
	bool kill_switch;	/* vfio-boot=off on the booted command line */
	bool interrupted;	/* an apply was killed before its commit (its journal is there) */
	char *rebuild;		/* from the manifest, NULL when not applied */
	VbStrv rebuild_pending; /* the commands still to run (as in VbState) */
	VbStrv cmdline_missing; /* applied parameters the booted command line lacks */
	VbStatusDevice *devices;
	size_t n_devices;
	VbStatusFile *files;
	size_t n_files;
	bool in_sync;
} VbStatus;

int vb_status(VbContext *ctx, const VbPlan *p, VbStatus **ret);
/* Whether the running system differs from what the plan's files give at the next boot: a
 * planned function not on vfio-pci now, or a planned kernel parameter the booted command
 * line lacks. */
bool vb_plan_needs_reboot(const VbPlan *p);
/* Whether a function is on vfio-pci now (what a revert leaves until a reboot). */
bool vb_model_has_vfio_bound(const VbModel *m);
/* Debian's convention, for a change that needs a reboot: /run/reboot-required, and the
 * package's name in /run/reboot-required.pkgs (under the root; only where its /run exists
 * and the distribution is Debian's family). */
int vb_note_reboot_required(VbContext *ctx, const VbTargets *targets);
VbStatus *vb_status_free(VbStatus *s);
const char *vb_file_state_name(VbFileState s);
/* A rebuild state of the manifest ("done", "skipped"...) in the user's language. */
const char *vb_rebuild_text(const char *state);
