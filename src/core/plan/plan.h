/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a selection to a plan: policy (expansion, refusals, binding method), per-kernel
 * module facts, kernel parameters and the boot targets. gen/ then adds the generated files
 * and the commands that make the system match. Deciding reads the model and the target
 * kernels; it never writes.
 */
#pragma once

#include "config/selection.h"
#include "paths.h"
#include "target/boot.h"
#include "util/macro.h"
#include "util/strv.h"
#include "vb.h"

typedef enum VbReason { VB_REASON_SELECTED, VB_REASON_SAME_SLOT, VB_REASON_SAME_GROUP } VbReason;

typedef struct VbPlanDevice {
	const VbDevice *dev;
	VbReason reason;
	const VbSelectedDevice *origin; /* the selection entry that brought it in */
} VbPlanDevice;

typedef enum VbFileAction { VB_FILE_CREATE, VB_FILE_UPDATE, VB_FILE_DELETE, VB_FILE_UNCHANGED } VbFileAction;

typedef struct VbFileChange {
	const char *path; /* inside the root, static */
	VbFileAction action;
	char *content; /* NULL for delete */
	char *current; /* what is on disk now, NULL when absent */
	unsigned mode;
	/* The admin's file with a part of ours (no drop-in directory there): an update adds or
	 * takes out only that part. release: after this change nothing of ours is left in it. */
	bool edit, release;
	VbStrv added; /* the words the edit added, which revert takes out again */
} VbFileChange;

#define VB_COMMAND_MAX_ARGS 6
#define VB_COMMAND_ARG_MAX 1024

typedef struct VbCommand {
	size_t argc;
	char argv[VB_COMMAND_MAX_ARGS][VB_COMMAND_ARG_MAX];
} VbCommand;

#define VB_MAX_COMMANDS 12

typedef struct VbPlan {
	const VbModel *model;
	const VbSelection *selection;
	VbTargets targets;
	VbPlanDevice *devices; /* bound at boot */
	size_t n_devices;
	VbPlanDevice *handoff; /* moved to vfio-pci when a VM starts (vfio-boot handoff) */
	size_t n_handoff;
	VbMethod method; /* ids or address, never auto */
	VbKernelFacts *kernels;
	size_t n_kernels;
	VbStrv drivers; /* union over the kernels, sorted */
	VbStrv cmdline;
	/* the parameters given to the boot entries by a tool (grubby, kernelstub): those not
	 * there before, which revert takes out again; and those an earlier apply gave that are
	 * no longer wanted */
	VbStrv entry_args, entry_args_remove;
	/* "KERNEL WORD": a parameter of entry_args that the boot entry of KERNEL (its path as
	 * grubby names it) had before vfio-boot added it to all: taken out of all, it is given
	 * back to that entry */
	VbStrv entry_kept;
	VbFileChange *files;
	size_t n_files;
	VbCommand *commands;
	size_t n_commands;
	VbMessages warnings, errors; /* id: a code of DESIGN.md section 4 */
} VbPlan;

typedef struct VbPlanOptions {
	bool force;		    /* override every refusal except not-found */
	const char *const *kernels; /* NULL: every kernel under the root */
	/* names as in vb_bootloader_from_name(), vb_initramfs_from_name(); NULL: detect */
	const char *bootloader, *initramfs;
} VbPlanOptions;

/* Policy, module facts, kernel parameters and the boot targets: what will be bound and how.
 * The files and commands that carry it out are gen/'s (vb_plan_build). */
int vb_plan_decide(VbContext *ctx, const VbModel *m, const VbSelection *sel, const VbPlanOptions *opts,
		   VbPlan **ret);
VbPlan *vb_plan_free(VbPlan *p);
DEFINE_POINTER_CLEANUP(VbPlan, vb_plan_free)

const char *vb_reason_name(VbReason r);
const char *vb_file_action_name(VbFileAction a);

/* ---- internal steps, exposed for the unit tests ---------------------------- */

int vb_policy_expand(const VbModel *m, const VbSelection *sel, bool force, VbPlan *p);
int vb_plan_kernel_params(VbPlan *p);
int vb_issue_add(VbMessages *l, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
