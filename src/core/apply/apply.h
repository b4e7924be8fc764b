/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing the system: apply (a plan, as one transaction), revert (undo what the manifest
 * records), status. The manifest and the journal: state/state.h.
 */
#pragma once

#include "gen/gen.h"
#include "state/state.h"

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
	VbRebuild rebuild;	/* from the manifest, VB_REBUILD_NONE when not applied */
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
const char *vb_rebuild_text(VbRebuild r);
