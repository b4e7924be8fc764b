/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The selection file, /etc/vfio-boot.conf: the one file users edit. Line-oriented, like
 * modprobe.d:
 *
 *   # comment (also after a value, following whitespace)
 *   method auto|ids|address
 *   iommu-pt yes|no
 *   cpu-governor NAME
 *   device ADDRESS VVVV:DDDD [SVVV:SDDD] [allow=CODE[,CODE...]] [handoff]
 *
 * This parser depends on libc only: the boot-time helper links it too. It keeps every line
 * so that add/remove can rewrite the file with the user's comments in place.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paths.h"
#include "util/macro.h"
#include "vb.h"

typedef enum VbMethod { VB_METHOD_AUTO, VB_METHOD_IDS, VB_METHOD_ADDRESS } VbMethod;

/* Refusals of the policy, as bits; the stable names are in vb_refusal_name(). */
typedef enum VbRefusal {
	VB_REFUSE_NOT_FOUND = 1 << 0, /* never overridable */
	VB_REFUSE_BOOT_VGA = 1 << 1,
	VB_REFUSE_GROUP_NOT_VIABLE = 1 << 2,
	VB_REFUSE_HOST_DISK = 1 << 3,
	VB_REFUSE_LAST_DISPLAY = 1 << 4,
	VB_REFUSE_NO_IOMMU = 1 << 5,
} VbRefusal;

const char *vb_refusal_name(VbRefusal r);
/* -EINVAL for an unknown name. */
int vb_refusal_from_name(const char *name, size_t len, VbRefusal *ret);

typedef struct VbSelectedDevice {
	VbPciAddress addr;
	uint16_t vendor, device;
	bool has_subsystem;
	uint16_t subsystem_vendor, subsystem_device;
	unsigned allow; /* VbRefusal bits the user accepted for this device (add --force) */
	/* handed to vfio-pci when a VM starts and back when it ends ('handoff' on its line),
	 * not at boot: the boot files leave it with the host */
	bool handoff;
	size_t line; /* index into VbSelection.lines */
} VbSelectedDevice;

typedef struct VbSelection {
	VbMethod method;
	bool iommu_pt;
	char cpu_governor[32]; /* cpu-governor: for handoff's VMs; empty when not set */
	size_t n_devices;
	VbSelectedDevice *devices;
	size_t n_lines;
	char **lines; /* the file as read, without newlines */
} VbSelection;

#define VB_SELECTION_MAX_LINE 4096

typedef struct VbParseError {
	size_t line; /* 1-based; 0 when the error is about the whole input */
	char message[256];
} VbParseError;

/* Parses text of size bytes. On -EINVAL, *err says where and why. */
int vb_selection_parse(const char *text, size_t size, VbSelection **ret, VbParseError *err);
VbSelection *vb_selection_free(VbSelection *s);
DEFINE_POINTER_CLEANUP(VbSelection, vb_selection_free)
/* An empty selection with the commented template users see in a new file. */
int vb_selection_new(VbSelection **ret);

const VbSelectedDevice *vb_selection_find(const VbSelection *s, const VbPciAddress *addr);
/* Appends a device line (with the device's name as a trailing comment). -EEXIST if listed. */
int vb_selection_add(VbSelection *s, const VbDevice *d, unsigned allow, bool handoff);
/* Removes the device's line. -ENOENT if not listed. */
int vb_selection_remove(VbSelection *s, const VbPciAddress *addr);
/* Sets iommu-pt: its line rewritten in place, or added at the end. */
int vb_selection_set_iommu_pt(VbSelection *s, bool on);
/* The file's text: every line, newline-terminated. */
char *vb_selection_format(const VbSelection *s);
const char *vb_method_name(VbMethod m);

/* ---- the file under the root (selection-file.c) ------------------------------ */

/* Reads the selection file under the root. A missing file is an empty selection (with the
 * template text). A syntax error is logged as "path:line: message" and gives -EINVAL. */
int vb_selection_load(VbContext *ctx, VbSelection **ret);
/* Writes it back atomically. */
int vb_selection_save(VbContext *ctx, const VbSelection *sel);
