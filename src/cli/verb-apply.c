/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* apply, revert, status: the verbs that change the system or compare it with the selection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli.h"
#include "util/utf8.h"
#include "verify/verify.h"

typedef struct Progress {
	const Args *args;
	bool tty;
	unsigned spin;
	char last[96]; /* the command running, for the TTY status line */
} Progress;

/* Plain lines when not on a terminal; on one, a status line with a spinner and the
 * elapsed time. Lines that name a kernel image always show: which kernel is being built
 * (with dracut --parallel, which ones are, and which are done). */
static void on_progress(void *userdata, VbProgress ev, const char *what, double elapsed, int status)
{
	Progress *pr = userdata;
	if (pr->args->json || pr->args->verbosity < 0)
		return;
	static const char spinner[] = "|/-\\";
	bool dry = pr->args->dry_run;
	switch (ev) {
	case VB_PROGRESS_WRITE:
		printf(dry ? _("would write %s\n") : _("write %s\n"), what);
		break;
	case VB_PROGRESS_DELETE:
		printf(dry ? _("would delete %s\n") : _("delete %s\n"), what);
		break;
	case VB_PROGRESS_RESTORE:
		printf(dry ? _("would restore %s\n") : _("restore %s\n"), what);
		break;
	case VB_PROGRESS_SKIP:
		fprintf(stderr,
			_("vfio-boot: warning: %s was edited since apply: left alone (--force restores "
			  "it)\n"),
			what);
		break;
	case VB_PROGRESS_LIST_COMMAND:
		printf(dry ? _("would run: %s\n") : _("run on the target system: %s\n"), what);
		break;
	case VB_PROGRESS_COMMAND_START:
		snprintf(pr->last, sizeof(pr->last), "%s", what);
		printf(pr->tty ? _("running %s ...") : _("running %s"), what);
		fputc(pr->tty ? '\r' : '\n', stdout);
		fflush(stdout);
		break;
	case VB_PROGRESS_COMMAND_OUTPUT:
		if (vb_output_names_image(what) || pr->args->verbosity > 0) {
			printf(pr->tty ? "\033[2K  %s\n" : "  %s\n", what);
		}
		if (pr->tty) {
			printf("\033[2K%c %s  %.0f s\r", spinner[pr->spin++ % 4], pr->last, elapsed);
			fflush(stdout);
		}
		break;
	case VB_PROGRESS_COMMAND_DONE:
		/* TRANSLATORS: a command, and the seconds it took */
		printf(status == 0 ? _("%s%s done in %.1f s\n") : _("%s%s FAILED in %.1f s\n"),
		       pr->tty ? "\033[2K" : "", what, elapsed);
		break;
	}
}

static VbApplyOptions apply_options(const Args *args, Progress *pr)
{
	pr->args = args;
	pr->tty = isatty(STDOUT_FILENO) && !args->json;
	return (VbApplyOptions){.dry_run = args->dry_run,
				.no_rebuild = args->no_rebuild,
				.rebuild_always = args->if_configured,
				.force = args->force,
				.progress = on_progress,
				.userdata = pr};
}

static void json_result(json_object *o, const VbApplyResult *res)
{
	json_object_object_add(o, "changed", json_object_new_boolean(res->changed));
	json_object *rb = json_object_new_object();
	json_object_object_add(rb, "failed", json_object_new_boolean(res->rebuild_failed));
	json_object_object_add(rb, "failed_command", json_string_or_null(res->failed_command));
	json_object_object_add(rb, "log", json_string_or_null(res->log_path));
	json_object_object_add(o, "rebuild", rb);
}

/* A regeneration command failed: which, what it said last, and what to do. After apply
 * the files stay and apply runs it again; after revert the files are gone (the log with
 * them) and running apply would switch passthrough back on: the command is run by hand. */
static int report_rebuild_failure(const VbApplyResult *res, bool revert)
{
	if (!res->rebuild_failed)
		return 0;
	const char *cmd = res->failed_command ? res->failed_command : _("a command");
	if (revert)
		fprintf(stderr,
			_("vfio-boot: %s failed: the files are reverted, but what is built from them "
			  "(the images, the boot loader's configuration) still has vfio-boot's settings.\n"
			  "vfio-boot: run the command yourself once what it says below is fixed.\n"),
			cmd);
	else
		fprintf(stderr,
			_("vfio-boot: %s failed. The files are written and stay; still to run: %s.\n"
			  "vfio-boot: the full output is in %s; 'vfio-boot apply' runs it again.\n"),
			cmd, res->pending ? res->pending : cmd, res->log_path ? res->log_path : _("the log"));
	if (res->failed_output) {
		char line[1024];
		for (const char *p = res->failed_output; *p;) {
			size_t n = strcspn(p, "\n");
			char raw[1024];
			snprintf(raw, sizeof(raw), "%.*s", (int)n, p);
			utf8_escape_into(line, sizeof(line), raw); /* a tool's output, on our terminal */
			fprintf(stderr, "  | %s\n", line);
			p += n + (p[n] == '\n');
		}
	}
	return 1;
}

/* The way back if the host does not come back, with what this boot loader has: GRUB's
 * recovery mode entries and rEFInd's vfio-boot=off line are entries at the boot menu
 * (target/bootloader-*.c); elsewhere the parameter is typed there. */
static void print_way_back(VbBootloader b)
{
	const char *way_back = vb_bootloader_backend(b)->way_back;
	if (b == VB_BOOTLOADER_NONE)
		fputs(_("No boot loader was found: the kernel parameters that plan lists are yours to "
			"add.\n"),
		      stdout);
	fputs(way_back ? _(way_back)
		       : _("If the host does not come back, add vfio-boot=off to the kernel command line at "
			   "the\nboot menu, then run 'vfio-boot revert'.\n"),
	      stdout);
}

/* --if-configured: the package's post-install step, maybe in a chroot with no /sys. With
 * nothing selected it probes nothing and says nothing: true, with *status 0. */
static bool nothing_configured(VbContext *ctx, const Args *args, int argc, int *status)
{
	if (!args->if_configured)
		return false;
	_cleanup_(vb_selection_freep) VbSelection *peek = NULL;
	if (vb_selection_load(ctx, &peek) < 0) {
		*status = 1;
		return true;
	}
	if (peek->n_devices > 0 || argc > 0)
		return false;
	if (args->verbosity > 0)
		fprintf(stderr, _("vfio-boot: nothing is selected: nothing to do\n"));
	*status = 0;
	return true;
}

/* What apply did, in words, once it did not fail. */
static void print_apply_result(const Args *args, const VbPlan *p, const VbApplyResult *res,
			       const VbVerifyReport *rep, bool reboot)
{
	bool done = !args->dry_run && !res->rebuild_failed;
	if (rep && !rep->binds) {
		/* an image that will not bind is said whether or not files changed */
		print_verify(rep, true);
		fputs(res->changed ? P_("vfio-boot: not done: the files are written, but the image "
					"above would not bind the devices at the next boot\n",
					"vfio-boot: not done: the files are written, but the images "
					"above would not bind the devices at the next boot\n",
					rep->n_kernels)
				   : P_("vfio-boot: not done: the images were rebuilt, but the image "
					"above would not bind the devices at the next boot\n",
					"vfio-boot: not done: the images were rebuilt, but the images "
					"above would not bind the devices at the next boot\n",
					rep->n_kernels),
		      stderr);
	} else if (!res->changed)
		printf(res->log_path ? _("Nothing to change in the files; the images were rebuilt.\n")
				     : _("Nothing to change: the system matches %s.\n"),
		       VB_SELECTION_PATH);
	else if (done && p->n_devices > 0 && !reboot)
		printf(_("Applied. %s is on vfio-pci already and the booted command line has the "
			 "parameters: no reboot is needed.\n"),
		       p->devices[0].dev->address);
	else if (done && p->n_devices > 0) {
		printf(p->n_devices > 1 ? _("Applied. Reboot to give %s and the devices with it to "
					    "vfio-pci;\n'vfio-boot status' checks it then.\n")
					: _("Applied. Reboot to give %s to vfio-pci; 'vfio-boot status' "
					    "checks it then.\n"),
		       p->devices[0].dev->address);
		print_way_back(p->targets.bootloader);
	} else if (done && p->n_handoff > 0)
		printf(_("Applied. %s goes to vfio-pci when a VM that assigns it starts, through the "
			 "libvirt hook (restart libvirtd to load it) or 'vfio-boot handoff prepare'.\n"),
		       p->handoff[0].dev->address);
	else if (done)
		printf(_("Applied: nothing is selected any more, the generated files are gone.\n"));
}

/* after the commit the files are in place whatever failed next: say so */
static int apply_failed(int r, const VbApplyResult *res)
{
	return res->committed ? cli_error(r, "apply wrote the files, then failed; 'vfio-boot "
					     "status' shows the state, 'vfio-boot apply' "
					     "finishes it")
			      : cli_error(r, "apply failed; nothing was changed");
}

/* The selection with the devices named on the command line added, and its plan, checked;
 * the selection is saved when it grew. */
static int plan_selection(VbContext *ctx, const Args *args, const VbModel *m, int argc, char **argv,
			  VbSelection **ret_sel, VbPlan **ret_plan)
{
	_cleanup_(vb_selection_freep) VbSelection *before = NULL;
	if (vb_selection_load(ctx, &before) < 0 || vb_selection_load(ctx, ret_sel) < 0)
		return 1;
	VbSelection *sel = *ret_sel;
	if (args->if_configured && argc > 0)
		return cli_usage_error("--if-configured takes no DEVICE: it applies the selection as it is");
	if (args->if_configured && sel->n_devices == 0) {
		if (args->verbosity > 0)
			fprintf(stderr, _("vfio-boot: nothing is selected: nothing to do\n"));
		return -1;
	}
	int status;
	if (argc > 0) {
		_cleanup_(vb_plan_freep) VbPlan *checked = NULL;
		if ((status = cli_select_devices(ctx, args, m, sel, argc, argv, &checked)) != 0)
			return status;
	}
	VbPlanOptions opts = {.force = args->force,
			      .kernels = args->kernels,
			      .bootloader = args->bootloader,
			      .initramfs = args->initramfs};
	int r = vb_plan_build(ctx, m, sel, &opts, ret_plan);
	if (r < 0)
		return cli_failed(r, "failed to build the plan");
	if ((status = cli_report_errors(*ret_plan)) != 0)
		return status;
	for (size_t i = 0; i < (*ret_plan)->warnings.n && !args->json; i++)
		fprintf(stderr, _("vfio-boot: warning (%s): %s\n"), (*ret_plan)->warnings.v[i].id,
			(*ret_plan)->warnings.v[i].message);
	if (sel->n_devices != before->n_devices)
		return cli_save_selection(ctx, args, before, sel);
	return 0;
}

/* Writes, rebuilds, then reads the images back before saying "done", rebuilt now or not
 * (converging must not hide images that would not bind). Under a root other than / the
 * commands are only listed, and the images are not ours to judge yet. */
static int apply_plan(VbContext *ctx, const Args *args, const VbPlan *p)
{
	_cleanup_(vb_apply_result_done) VbApplyResult res = {0};
	Progress pr = {0};
	VbApplyOptions ao = apply_options(args, &pr);
	int r = vb_apply(ctx, p, &ao, &res);
	if (r < 0)
		return apply_failed(r, &res);
	_cleanup_(vb_verify_report_freep) VbVerifyReport *rep = NULL;
	if (vb_commands_run_here(ctx) && !args->dry_run && !args->no_rebuild && !res.rebuild_failed &&
	    p->n_devices > 0 && vb_verify(ctx, p, &rep) < 0)
		return 1;
	bool binds = !rep || rep->binds;
	/* what the next boot changes, as Debian's tools record it; a failure to write the flag
	 * is said and does not undo the apply */
	bool reboot = vb_plan_needs_reboot(p);
	if (!args->dry_run && res.changed && reboot)
		(void)vb_note_reboot_required(ctx, &p->targets);
	if (args->json) {
		json_object *o = json_plan(p);
		json_result(o, &res);
		json_object_object_add(o, "verify", rep ? json_verify(rep) : NULL);
		json_print(o);
		json_object_put(o);
	} else if (args->verbosity >= 0)
		print_apply_result(args, p, &res, rep, reboot);
	int status = report_rebuild_failure(&res, false);
	return status == 0 && !binds ? 1 : status;
}

int verb_apply(VbContext *ctx, const Args *args, int argc, char **argv)
{
	int status;
	if (nothing_configured(ctx, args, argc, &status))
		return status;
	_cleanup_(vb_model_freep) VbModel *m = NULL;
	if ((status = cli_probe(ctx, &m)) != 0)
		return status;
	/* the selection and the files the plan compares are read under the lock apply writes
	 * under: a revert or an add in between would otherwise be undone or lost */
	if (!args->dry_run && vb_root_lock(ctx) < 0)
		return 1;
	_cleanup_(vb_selection_freep) VbSelection *sel = NULL;
	_cleanup_(vb_plan_freep) VbPlan *p = NULL;
	status = plan_selection(ctx, args, m, argc, argv, &sel, &p);
	if (status == 0)
		status = apply_plan(ctx, args, p);
	else if (status < 0) /* nothing selected with --if-configured */
		status = 0;
	if (!args->dry_run)
		vb_root_unlock(ctx);
	return status;
}

int verb_revert(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	Progress pr = {0};
	VbApplyOptions ao = apply_options(args, &pr);
	VbApplyResult res = {0};
	int r = vb_revert(ctx, &ao, &res);
	int status = 0;
	/* the devices stay on vfio-pci until a reboot (or unbind) */
	bool reboot = false;
	if (r >= 0 && res.n_failed == 0 && res.changed) {
		VbModel *m = NULL;
		reboot = vb_probe(ctx, &m) < 0 || vb_model_has_vfio_bound(m);
		vb_model_free(m);
		if (reboot && !args->dry_run) {
			VbTargets targets;
			vb_targets_detect(ctx, NULL, NULL, &targets);
			(void)vb_note_reboot_required(ctx, &targets);
		}
	}
	if (res.n_failed > 0) {
		/* each one was said; the others were reverted */
		fprintf(stderr,
			P_("vfio-boot: %zu file could not be reverted (see above); the others were\n",
			   "vfio-boot: %zu files could not be reverted (see above); the others were\n",
			   res.n_failed),
			res.n_failed);
		status = 1;
	} else if (r < 0)
		status = cli_failed(r, "revert failed");
	else if (args->json) {
		json_object *o = json_object_new_object();
		json_result(o, &res);
		json_object_object_add(o, "reboot_required", json_object_new_boolean(reboot));
		json_object_object_add(o, "skipped", json_object_new_int((int)res.n_skipped));
		json_object_object_add(o, "commands", json_commands(res.commands, res.n_commands));
		json_print(o);
		json_object_put(o);
	} else if (args->verbosity >= 0 && !res.changed)
		printf(_("Nothing to revert: vfio-boot has not changed this system.\n"));
	else if (args->verbosity >= 0 && !args->dry_run && res.n_skipped == 0 && !res.rebuild_failed)
		printf(reboot ? _("Reverted. %s is kept; reboot to give the devices back to their drivers.\n")
			      : _("Reverted. %s is kept; nothing is on vfio-pci now.\n"),
		       VB_SELECTION_PATH);
	if (status == 0 && res.n_skipped > 0) {
		fprintf(stderr,
			P_("vfio-boot: %zu file edited since apply left in place; 'vfio-boot revert "
			   "--force' reverts it too\n",
			   "vfio-boot: %zu files edited since apply left in place; 'vfio-boot revert "
			   "--force' reverts them too\n",
			   res.n_skipped),
			res.n_skipped);
		status = 1;
	}
	if (status == 0)
		status = report_rebuild_failure(&res, true);
	vb_apply_result_done(&res);
	return status;
}

static void print_status_json(const VbPlan *p, const VbStatus *s, const VbVerifyReport *rep, bool in_sync)
{
	json_object *devs = json_object_new_array(), *handoff = json_object_new_array(),
		    *files = json_object_new_array();
	for (size_t i = 0; i < s->n_devices; i++)
		json_object_array_add(
		    devs, json_fields("address", json_object_new_string(s->devices[i].dev->address), "driver",
				      json_string_or_null(s->devices[i].dev->driver), "bound",
				      json_object_new_boolean(s->devices[i].bound), "diagnosis",
				      json_string_or_null(s->devices[i].diagnosis), NULL));
	for (size_t i = 0; i < p->n_handoff; i++) {
		const VbDevice *d = p->handoff[i].dev;
		json_object_array_add(
		    handoff,
		    json_fields("address", json_object_new_string(d->address), "driver",
				json_string_or_null(d->driver), "with_vm",
				json_object_new_boolean(d->driver && !strcmp(d->driver, "vfio-pci")), NULL));
	}
	for (size_t i = 0; i < s->n_files; i++)
		json_object_array_add(
		    files, json_fields("path", json_object_new_string(s->files[i].path), "state",
				       json_object_new_string(vb_file_state_name(s->files[i].state)), NULL));
	json_object *o = json_fields(
	    "in_sync", json_object_new_boolean(in_sync), "applied", json_object_new_boolean(s->applied),
	    "reboot_pending", json_object_new_boolean(s->reboot_pending), "kill_switch",
	    json_object_new_boolean(s->kill_switch), "interrupted", json_object_new_boolean(s->interrupted),
	    "rebuild", json_string_or_null(vb_rebuild_name(s->rebuild)), "rebuild_pending",
	    json_strv(&s->rebuild_pending), "cmdline_missing", json_strv(&s->cmdline_missing), "devices",
	    devs, "handoff", handoff, "files", files, "images", rep ? json_verify(rep) : NULL, NULL);
	json_print(o);
	json_object_put(o);
}

static void print_status(const VbPlan *p, const VbStatus *s, const VbVerifyReport *rep, bool in_sync)
{
	if (p->n_devices == 0 && p->n_handoff == 0 && !s->applied)
		printf(_("Nothing is selected and nothing is applied.\n"));
	else if (!s->applied && !s->interrupted)
		printf(_("Nothing is applied: every device is with its own driver as far as "
			 "vfio-boot is concerned.\n"));
	for (size_t i = 0; i < s->n_devices; i++) {
		const VbStatusDevice *d = &s->devices[i];
		/* the driver's name comes from sysfs, and the diagnosis quotes it */
		char drv[128], why[2048];
		utf8_escape_into(drv, sizeof(drv), d->dev->driver ? d->dev->driver : _("(no driver)"));
		utf8_escape_into(why, sizeof(why), d->bound ? _("bound to vfio-pci") : d->diagnosis);
		printf("%s  %-14s %s\n", d->dev->address, drv, why);
	}
	for (size_t i = 0; i < p->n_handoff; i++) {
		const VbDevice *d = p->handoff[i].dev;
		char drv[128];
		utf8_escape_into(drv, sizeof(drv), d->driver ? d->driver : _("(no driver)"));
		bool with_vm = d->driver && strcmp(d->driver, "vfio-pci") == 0;
		printf("%s  %-14s %s\n", d->address, drv,
		       with_vm ? _("handed off: a VM has it ('vfio-boot handoff release' gives it back)")
			       : _("handoff: with the host until a VM that assigns it starts"));
	}
	const char *states[] = {vb_file_state_name(VB_FS_OK), vb_file_state_name(VB_FS_MODIFIED),
				vb_file_state_name(VB_FS_MISSING), vb_file_state_name(VB_FS_PENDING)};
	int state_width = cli_column_width(states, ELEMENTSOF(states), 9);
	for (size_t i = 0; i < s->n_files; i++) {
		cli_print_cell(_(vb_file_state_name(s->files[i].state)), state_width + 1);
		printf("%s\n", s->files[i].path);
	}
	if (s->interrupted)
		printf(_("An apply was interrupted before it finished (%s is there): 'vfio-boot "
			 "apply' finishes it, 'vfio-boot revert' undoes it.\n"),
		       "/" VB_STATE_DIR "/" VB_STATE_JOURNAL);
	if (s->reboot_pending)
		printf(_("A reboot is pending: the configuration was applied after this boot.\n"));
	if (vb_rebuild_owed(s->rebuild)) {
		_cleanup_free_ char *left = vb_strv_join(&s->rebuild_pending, ", ");
		if (left && s->rebuild_pending.n > 0)
			printf(_("Not yet run since the files changed (rebuild %s): %s. 'vfio-boot "
				 "apply' runs it.\n"),
			       vb_rebuild_text(s->rebuild), left);
		else
			printf(_("The initramfs images are stale (rebuild %s): 'vfio-boot apply' "
				 "rebuilds them.\n"),
			       vb_rebuild_text(s->rebuild));
	}
	if (rep && !rep->binds)
		print_verify(rep, true);
	printf("%s\n", in_sync				? _("In sync.")
		       : !s->applied && !s->interrupted ? _("Not applied.")
							: _("Not in sync."));
}

int verb_status(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	_cleanup_(cli_plan_done) CliPlan c = {0};
	int status = cli_build_plan(ctx, args, &c);
	if (status != 0)
		return status;
	VbPlan *p = c.plan;
	VbStatus *s;
	int r = vb_status(ctx, p, &s);
	if (r < 0)
		return cli_failed(r, "failed to read the state");
	/* the images, once apply rebuilt them (listed commands leave them to whoever runs them) */
	VbVerifyReport *rep = NULL;
	if (s->applied && p->n_devices > 0 && s->rebuild != VB_REBUILD_NONE &&
	    s->rebuild != VB_REBUILD_LISTED && vb_verify(ctx, p, &rep) < 0) {
		vb_status_free(s);
		return 1;
	}
	bool in_sync = s->in_sync && (!rep || rep->binds);
	if (args->json)
		print_status_json(p, s, rep, in_sync);
	else if (args->verbosity < 0) {
		/* -q: the verdict alone, and only when something is wrong */
		if (!in_sync && (s->applied || s->interrupted))
			printf("%s\n", _("Not in sync."));
	} else
		print_status(p, s, rep, in_sync);
	/* nothing applied (never, or reverted) is a state of its own, not a failure: the
	 * selection is only what apply would use */
	status = in_sync || (!s->applied && !s->interrupted) ? 0 : 1;
	vb_verify_report_free(rep);
	vb_status_free(s);
	return status;
}
