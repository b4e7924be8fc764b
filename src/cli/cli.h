/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command-line tool: the only part of vfio-boot that prints or exits. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "i18n.h"
#include "util/macro.h"
#include "util/strv.h"
#include "vb.h"

#define EXIT_USAGE 2

/* profile's options */
typedef struct ProfileArgs {
	const char *name, *os, *memory, *vcpus, *disk, *disk_size, *drivers_iso, *rom_file, *libvirt_version,
	    *format, *output;
	/* repeatable: NULL-terminated, NULL when not given */
	const char **isos, **usb_controllers, **usb_devices, **evdev;
	const char *looking_glass;
	const char *connect; /* with define: the libvirt URI (default qemu:///system) */
	bool define;
	const char *accel;
	bool hugepages, hide_kvm;
} ProfileArgs;

typedef struct Args {
	const char *root, *sysroot;
	const char **kernels; /* NULL-terminated, NULL when not given */
	size_t n_kernels;
	const char *bootloader, *initramfs; /* --bootloader=, --initramfs=: NULL to detect */
	bool json, dry_run, force, all, read_rom, no_rebuild;
	bool if_configured;    /* apply: only with a selection, and then rebuild the images anyway */
	bool handoff;	       /* add, apply: select the devices for handoff at VM start */
	const char *domain;    /* handoff: the libvirt domain's name (its XML on stdin) */
	const char *selection; /* plan: the selection file to read instead of the root's */
	unsigned timeout_s;    /* handoff: per step, 0 for the default */
	int verbosity;	       /* -1 quiet, 0 normal, 1 verbose, 2 debug */
	ProfileArgs profile;
} Args;

/* A verb returns an exit status: 0, 1 (failure) or 2 (usage). */
typedef int (*VerbFn)(VbContext *ctx, const Args *args, int argc, char **argv);

int verb_scan(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_check(VbContext *ctx, const Args *args, int argc, char **argv);
/* The plan for people: devices, parameters, each file as a diff, the commands. */
struct VbPlan;
/* Columns of translated words (columns.c): widths in display columns. */
int cli_display_width(const char *s);
int cli_column_width(const char *const *words, size_t n, int min); /* words untranslated (N_) */
void cli_print_cell(const char *s, int width);			   /* s, then spaces to width */
const char *cli_reason_text(unsigned reason);			   /* a VbReason, translated */
int cli_reason_width(void);

/* The plan in words; the files' changes as diffs when diffs, else their names only. */
void cli_print_plan(const struct VbPlan *p, bool diffs);
int verb_handoff(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_add(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_remove(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_plan(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_generate(VbContext *ctx, const Args *args, int argc, char **argv);

/* Line diff of two texts (either may be NULL), every line prefixed with indent. */
void print_diff(const char *old, const char *new, const char *indent);

/* Reports once, at the top: "vfio-boot: <what>: <strerror>". Returns 1. */
int cli_error(int r, const char *fmt, ...) _printf_(2, 3);
/* As cli_error, unless the library has already said what went wrong (an error was
 * logged): then one message is enough and nothing more is printed. Returns 1. */
int cli_failed(int r, const char *fmt, ...) _printf_(2, 3);
int cli_usage_error(const char *fmt, ...) _printf_(1, 2);

/* Probes the model, reporting a failure. Returns an exit status (0 on success). */
int cli_probe(VbContext *ctx, VbModel **ret);
/* Resolves DEVICE arguments; exit status 2 for a malformed one, 1 for not found/ambiguous. */
int cli_resolve_devices(const VbModel *m, int argc, char **argv, const VbDevice ***ret, size_t *ret_n);

/* JSON helpers over json-c. */
void json_print(json_object *o);
json_object *json_hex4(unsigned v);
json_object *json_string_or_null(const char *s);
/* An object of the pairs given, in order: key, value (json_object *, NULL for null), ...,
 * NULL. */
json_object *json_fields(const char *key, ...) __attribute__((sentinel));
/* An array of the strings. */
json_object *json_strv(const VbStrv *v);

/* A JSON writer streaming to out (json-writer.c), in json_print()'s layout, for outputs
 * that grow with the host. key is the member's name inside an object, NULL inside an array
 * or for the top level; a NULL string is written as null. Nesting up to 31 levels. The
 * document reaches out when its top-level container is closed. */
typedef struct {
	FILE *out;
	int depth;
	unsigned has_members; /* bit d: the container at depth d has a member already */
	size_t len;	      /* bytes in buf, written to out when it is full or the document ends */
	char buf[16384];
} JsonWriter;
void jw_object_begin(JsonWriter *w, const char *key);
void jw_object_end(JsonWriter *w);
void jw_array_begin(JsonWriter *w, const char *key);
void jw_array_end(JsonWriter *w);
void jw_string(JsonWriter *w, const char *key, const char *s);
void jw_int(JsonWriter *w, const char *key, int v);
void jw_bool(JsonWriter *w, const char *key, bool v);
void jw_null(JsonWriter *w, const char *key);
/* v as a string of DIGITS lower-case hex digits (1 to 8): "1002" for a PCI ID */
void jw_hex(JsonWriter *w, const char *key, unsigned v, int digits);
/* A device as scan --json lists it (DESIGN.md section 4). */
void jw_device(JsonWriter *w, const VbDevice *d);

/* Short name of a device for humans: "Radeon R9 290/390" from pci.ids, or the IDs. */
const char *device_display_name(const VbDevice *d);

/* The plan verbs' shared steps (verb-plan.c). */
typedef struct VbSelection VbSelection;
typedef struct VbPlan VbPlan;
typedef struct VbCommand VbCommand;
/* What the verbs that read the plan hold. */
typedef struct CliPlan {
	VbModel *model;
	VbSelection *selection;
	VbPlan *plan;
} CliPlan;
/* Probes, reads the selection and builds the plan: 0, or the exit status (the reason said). */
int cli_build_plan(VbContext *ctx, const Args *args, CliPlan *ret);
void cli_plan_done(CliPlan *c);
/* Refusals on stderr, once each; returns 1 when there are any. */
int cli_report_errors(const VbPlan *p);
json_object *json_plan(const VbPlan *p);
json_object *json_commands(const VbCommand *cmds, size_t n);
/* Adds DEVICEs to sel in memory, checked by the policy (refusals reported; with --force
 * they are recorded as allow=). On success *ret_plan is the plan of the new selection. */
int cli_select_devices(VbContext *ctx, const Args *args, const VbModel *m, VbSelection *sel, int argc,
		       char **argv, VbPlan **ret_plan);
int cli_save_selection(VbContext *ctx, const Args *args, const VbSelection *before, const VbSelection *after);
int verb_apply(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_revert(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_status(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_bind(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_unbind(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_profile(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_setup(VbContext *ctx, const Args *args, int argc, char **argv);
int verb_verify(VbContext *ctx, const Args *args, int argc, char **argv);
/* verify's report (verb-verify.c), also printed by apply. */
typedef struct VbVerifyReport VbVerifyReport;
json_object *json_verify(const VbVerifyReport *rep);
void print_verify(const VbVerifyReport *rep, bool problems_only);
