/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Will the next boot bind the selection? For every target kernel of a plan: open the
 * initramfs image its boot loader loads (under the root) and look for what binding needs,
 * compared with what the plan generates now; and read the command line the boot loader
 * will pass. Read-only.
 */
#pragma once

#include "plan/plan.h"
#include "vb.h"

typedef enum VbVerdict { VB_VERIFY_OK, VB_VERIFY_MISSING, VB_VERIFY_UNKNOWN, VB_VERIFY_INFO } VbVerdict;

typedef struct VbKernelVerify {
	char *version;
	char *image;	   /* path inside the root, NULL when no image was found */
	char *compression; /* of the image's main archive */
	bool binds;	   /* every item that binding needs is there */
	/* what was found, or why not and what fixes it; id: "image", "vfio-pci", "modprobe",
	 * "helper", "rule", "devices", "native-drivers", "cmdline"; level: a VbVerdict */
	VbMessages items;
} VbKernelVerify;

typedef struct VbVerifyReport {
	size_t n_kernels;
	VbKernelVerify *kernels;
	bool binds; /* for every kernel */
} VbVerifyReport;

int vb_verify(VbContext *ctx, const VbPlan *p, VbVerifyReport **ret);
VbVerifyReport *vb_verify_report_free(VbVerifyReport *r);
DEFINE_POINTER_CLEANUP(VbVerifyReport, vb_verify_report_free)
const char *vb_verdict_name(VbVerdict v);
