/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What vfio-boot applied, below plan and apply (plan compares with it, apply writes it,
 * status and verify read it). The manifest, /var/lib/vfio-boot/manifest.json under the
 * root, is the commit point of apply: written last, atomically; what it lists is what
 * vfio-boot owns. Before apply renames anything into place it writes its journal
 * (journal.json beside the manifest): every file the old manifest or the new one lists,
 * each with the hashes of both versions. While a journal is there (an apply was killed), it
 * is the state everyone reads: the next apply goes on from it, revert undoes it, status
 * says so. Writing the manifest removes it; one left beside a manifest of the same
 * transaction is stale and ignored.
 */
#pragma once

#include "util/macro.h"
#include "util/strv.h"
#include "vb.h"

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

/* What became of the rebuild of the boot images since the files last changed. */
typedef enum VbRebuild {
	VB_REBUILD_NONE,    /* not recorded (no manifest, or an older one) */
	VB_REBUILD_PENDING, /* the files are written, the commands not yet run to the end */
	VB_REBUILD_DONE,
	VB_REBUILD_LISTED, /* under a root other than /: listed for whoever runs them */
	VB_REBUILD_FAILED,
	VB_REBUILD_SKIPPED, /* --no-rebuild */
	VB_REBUILD_UNKNOWN, /* a value this version does not know */
} VbRebuild;

/* As the manifest and the JSON output say it ("done"); NULL for VB_REBUILD_NONE. */
const char *vb_rebuild_name(VbRebuild r);
VbRebuild vb_rebuild_from_name(const char *name);
/* Whether the images may not carry what the files say: recorded, and neither done nor
 * listed. */
bool vb_rebuild_owed(VbRebuild r);

typedef struct VbState {
	char *selection;   /* the selection file's text when applied */
	VbStrv cmdline;	   /* the kernel parameters applied */
	VbStrv entry_args; /* those given to the boot entries by grubby or kernelstub */
	/* the targets applied to, as vb_bootloader_name() and vb_initramfs_name() say; revert
	 * undoes with these, not with what it would detect now; NULL in older manifests */
	char *bootloader, *initramfs;
	VbStateFile *files;
	size_t n_files;
	VbRebuild rebuild;
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
DEFINE_POINTER_CLEANUP(VbState, vb_state_free)
const VbStateFile *vb_state_find(const VbState *s, const char *path);
/* The bytes at f's path are vfio-boot's (its hash, or in a journal the prior one). */
bool vb_state_file_is_ours(const VbStateFile *f, const char *content);
/* The admin's original that apply backed up for path: -ENOENT when there is none. */
int vb_state_read_backup(const VbContext *ctx, const char *path, char **ret, size_t *ret_size);
/* Its file name in VB_STATE_DIR/backups: the path with '/' spelled '%'. */
void vb_state_backup_name(const char *path, char out[256]);
void vb_sha256_hex(const void *data, size_t size, char out[65]);

/* The manifest: written atomically, then the journal goes (the commit). */
int vb_state_save(VbContext *ctx, const VbState *s);
/* The journal, written before the first change apply makes visible. */
int vb_state_save_journal(VbContext *ctx, const VbState *s);
/* Removes the manifest, the journal, the log and the directories apply created. */
int vb_state_remove(VbContext *ctx, const VbState *s);
/* Adds to dirs every component of rel (under the root) that does not exist yet. */
int vb_state_note_missing_dirs(VbContext *ctx, const char *rel, VbStrv *dirs);
