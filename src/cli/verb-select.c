/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* add, remove: edit the selection in /etc/vfio-boot.conf, keeping the user's comments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "apply/apply.h"
#include "gen/gen.h"

/* Shows the change of the selection file and writes it (or, with --dry-run, only shows). */
int cli_save_selection(VbContext *ctx, const Args *args, const VbSelection *before, const VbSelection *after)
{
	char *old = vb_selection_format(before), *new = vb_selection_format(after);
	int status = 0;
	if (!old || !new)
		status = cli_error(-ENOMEM, "failed to format the selection");
	else if (args->dry_run) {
		printf(_("would write %s:\n"), VB_SELECTION_PATH);
		print_diff(old, new, "  ");
	} else if (vb_selection_save(ctx, after) < 0)
		status = 1;
	free(old);
	free(new);
	return status;
}

/* Policy check of the edited selection. With --force, the refusals it hits are recorded on
 * the new devices (allow=...), so later plans accept them without --force. */
static int check_policy(VbContext *ctx, const Args *args, const VbModel *m, VbSelection *sel,
			size_t first_new, VbPlan **ret)
{
	VbPlanOptions opts = {
	    .kernels = args->kernels, .bootloader = args->bootloader, .initramfs = args->initramfs};
	VbPlan *p;
	int r = vb_plan_build(ctx, m, sel, &opts, &p);
	if (r < 0)
		return cli_failed(r, "failed to check the selection");
	unsigned hit = 0;
	bool fatal = false;
	for (size_t i = 0; i < p->errors.n; i++) {
		VbRefusal code;
		const char *c = p->errors.v[i].id;
		if (vb_refusal_from_name(c, strlen(c), &code) < 0 || code == VB_REFUSE_NOT_FOUND)
			fatal = true;
		else
			hit |= code;
	}
	if (p->errors.n > 0 && (fatal || !args->force)) {
		int status = cli_report_errors(p);
		vb_plan_free(p);
		return status;
	}
	if (hit) {
		vb_plan_free(p);
		for (size_t i = first_new; i < sel->n_devices; i++)
			sel->devices[i].allow |= hit;
		/* rewrite the new lines with their allow= list */
		for (size_t i = sel->n_devices; i-- > first_new;) {
			VbSelectedDevice d = sel->devices[i];
			const VbDevice *dev = vb_model_find(m, &d.addr);
			if (vb_selection_remove(sel, &d.addr) < 0 || !dev ||
			    vb_selection_add(sel, dev, d.allow, d.handoff) < 0)
				return cli_error(-ENOMEM, "failed to record the override");
		}
		if ((r = vb_plan_build(ctx, m, sel, &opts, &p)) < 0)
			return cli_failed(r, "failed to check the selection");
	}
	*ret = p;
	return 0;
}

/* "selected ADDRESS  NAME", for the planned devices the new entries brought in */
static void print_selected(const Args *args, const VbSelection *sel, size_t first_new,
			   const VbPlanDevice *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const VbPlanDevice *pd = &list[i];
		for (size_t j = first_new; j < sel->n_devices; j++)
			if (pd->origin == &sel->devices[j] && pd->reason == VB_REASON_SELECTED)
				printf(args->dry_run ? _("would select %s  %s\n") : _("selected %s  %s\n"),
				       pd->dev->address, device_display_name(pd->dev));
			else if (pd->origin == &sel->devices[j]) /* with it: why */
				printf(args->dry_run ? _("would select %s  %s (%s)\n")
						     : _("selected %s  %s (%s)\n"),
				       pd->dev->address, device_display_name(pd->dev),
				       cli_reason_text(pd->reason));
	}
}

int cli_select_devices(VbContext *ctx, const Args *args, const VbModel *m, VbSelection *sel, int argc,
		       char **argv, VbPlan **ret_plan)
{
	const VbDevice **devs = NULL;
	size_t n = 0;
	int status = cli_resolve_devices(m, argc, argv, &devs, &n);
	if (status != 0)
		return status;
	size_t first_new = sel->n_devices;
	for (size_t i = 0; i < n && status == 0; i++) {
		int r = vb_selection_add(sel, devs[i], 0, args->handoff);
		if (r == -EEXIST) {
			if (args->verbosity >= 0 && !args->json)
				printf(_("%s is already selected\n"), devs[i]->address);
		} else if (r < 0)
			status = cli_failed(r, "failed to add %s", devs[i]->address);
	}
	free(devs);
	if (status == 0)
		status = check_policy(ctx, args, m, sel, first_new, ret_plan);
	if (status == 0 && args->verbosity >= 0 && !args->json) {
		print_selected(args, sel, first_new, (*ret_plan)->devices, (*ret_plan)->n_devices);
		print_selected(args, sel, first_new, (*ret_plan)->handoff, (*ret_plan)->n_handoff);
	}
	return status;
}

int verb_add(VbContext *ctx, const Args *args, int argc, char **argv)
{
	VbModel *m;
	int status = cli_probe(ctx, &m);
	if (status != 0)
		return status;
	VbSelection *before = NULL, *sel = NULL;
	VbPlan *p = NULL;
	bool locked = !args->dry_run; /* read, edit, write: one at a time (apply.h) */
	if (locked && vb_root_lock(ctx) < 0)
		status = 1, locked = false;
	else if (vb_selection_load(ctx, &before) < 0 || vb_selection_load(ctx, &sel) < 0)
		status = 1;
	else if ((status = cli_select_devices(ctx, args, m, sel, argc, argv, &p)) == 0 &&
		 sel->n_devices != before->n_devices)
		status = cli_save_selection(ctx, args, before, sel);
	if (status == 0 && !args->dry_run && args->verbosity >= 0 && sel->n_devices != before->n_devices)
		printf(_("'vfio-boot plan' shows what apply will change.\n"));
	if (locked)
		vb_root_unlock(ctx);
	vb_plan_free(p);
	vb_selection_free(sel);
	vb_selection_free(before);
	vb_model_free(m);
	return status;
}

int verb_remove(VbContext *ctx, const Args *args, int argc, char **argv)
{
	VbSelection *before = NULL, *sel = NULL;
	int status = 0;
	bool locked = false;
	if (!args->dry_run) {
		if (vb_root_lock(ctx) < 0)
			return 1;
		locked = true;
	}
	if (vb_selection_load(ctx, &before) < 0 || vb_selection_load(ctx, &sel) < 0) {
		status = 1;
		goto out;
	}
	/* resolved against the selection, not the machine: the device may be gone */
	for (int i = 0; i < argc; i++) {
		VbDeviceSpec spec;
		if (vb_device_spec_parse(argv[i], &spec) < 0) {
			status = cli_usage_error("'%s' is not a device: expected [DDDD:]BB:DD.F or VVVV:DDDD",
						 argv[i]);
			goto out;
		}
		VbPciAddress addr = spec.addr;
		if (spec.by_id) {
			size_t k = 0;
			for (size_t j = 0; j < sel->n_devices; j++)
				if (sel->devices[j].vendor == spec.vendor &&
				    sel->devices[j].device == spec.device)
					addr = sel->devices[j].addr, k++;
			if (k > 1) {
				status = cli_error(0, "%s matches %zu selected devices; give the address",
						   argv[i], k);
				goto out;
			}
			if (k == 0) {
				status = cli_error(0, "%s is not selected", argv[i]);
				goto out;
			}
		}
		if (vb_selection_remove(sel, &addr) < 0) {
			status = cli_error(0, "%s is not selected", argv[i]);
			goto out;
		}
	}
	status = cli_save_selection(ctx, args, before, sel);
out:
	if (locked)
		vb_root_unlock(ctx);
	vb_selection_free(sel);
	vb_selection_free(before);
	return status;
}
