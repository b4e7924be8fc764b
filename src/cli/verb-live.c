/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bind, unbind: move devices between vfio-pci and their own drivers now, not persisted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "live/live.h"
#include "plan/plan.h"

typedef struct Moves {
	json_object *json; /* array, with --json */
	int status;
} Moves;

/* One device moved (or, with --dry-run, to be moved): before -> after. */
static void report_move(const Args *args, Moves *mv, const VbDevice *d, VbReason why, int r,
			const char *after, bool ok)
{
	const char *before = d->driver ? d->driver : _("(none)");
	if (r < 0 || !ok)
		mv->status = 1;
	if (args->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "address", json_object_new_string(d->address));
		json_object_object_add(o, "reason", json_object_new_string(vb_reason_name(why)));
		json_object_object_add(o, "driver_before", json_string_or_null(d->driver));
		json_object_object_add(o, "driver", json_string_or_null(args->dry_run ? d->driver : after));
		json_object_object_add(o, "ok", json_object_new_boolean(r >= 0 && ok));
		json_object_array_add(mv->json, o);
		return;
	}
	if (r < 0)
		return; /* the core logged why */
	if (args->dry_run)
		printf(_("would move %s  %s (%s) from %s\n"), d->address, device_display_name(d),
		       cli_reason_text(why), before);
	else if (!ok)
		fprintf(stderr,
			after ? _("vfio-boot: %s is on %s after the move\n")
			      : _("vfio-boot: %s has no driver after the move\n"),
			d->address, after);
	else if (args->verbosity >= 0)
		printf("%s  %s: %s -> %s\n", d->address, device_display_name(d), before,
		       after ? after : _("(none)"));
}

static int finish(const Args *args, Moves *mv)
{
	if (args->json) {
		json_print(mv->json);
		json_object_put(mv->json);
	}
	return mv->status;
}

int verb_bind(VbContext *ctx, const Args *args, int argc, char **argv)
{
	VbModel *m;
	int status = cli_probe(ctx, &m);
	if (status != 0)
		return status;
	const VbDevice **devs = NULL;
	size_t n = 0;
	VbSelection *sel = NULL;
	VbPlan *p = NULL;
	if ((status = cli_resolve_devices(m, argc, argv, &devs, &n)) != 0)
		goto out;
	int r = vb_selection_new(&sel);
	for (size_t i = 0; i < n && r >= 0; i++)
		if ((r = vb_selection_add(sel, devs[i], 0, false)) == -EEXIST)
			r = 0; /* named twice */
	if (r >= 0)
		r = vb_live_plan(ctx, m, sel, args->force, &p);
	if (r < 0) {
		status = cli_failed(r, "failed to check the devices");
		goto out;
	}
	for (size_t i = 0; i < p->warnings.n; i++)
		fprintf(stderr, _("vfio-boot: warning: %s\n"), p->warnings.v[i].message);
	if ((status = cli_report_errors(p)) != 0)
		goto out;
	Moves mv = {.json = args->json ? json_object_new_array() : NULL};
	for (size_t i = 0; i < p->n_devices; i++) {
		const VbPlanDevice *pd = &p->devices[i];
		char *after = NULL;
		int k = args->dry_run ? 0 : vb_live_bind(ctx, pd->dev, &after);
		report_move(args, &mv, pd->dev, pd->reason, k, after,
			    args->dry_run || (after && strcmp(after, "vfio-pci") == 0));
		free(after);
	}
	status = finish(args, &mv);
	if (status == 0 && !args->dry_run && !args->json && args->verbosity >= 0)
		printf(_("Not persisted: a reboot, or 'vfio-boot unbind', gives them back.\n"));
out:
	vb_plan_free(p);
	vb_selection_free(sel);
	free(devs);
	vb_model_free(m);
	return status;
}

int verb_unbind(VbContext *ctx, const Args *args, int argc, char **argv)
{
	VbModel *m;
	int status = cli_probe(ctx, &m);
	if (status != 0)
		return status;
	const VbDevice **devs = NULL;
	size_t n = 0;
	if ((status = cli_resolve_devices(m, argc, argv, &devs, &n)) != 0)
		goto out;
	Moves mv = {.json = args->json ? json_object_new_array() : NULL};
	/* the named devices, and the functions of their slots that bind gave to vfio-pci with them */
	for (size_t j = 0; j < m->n_devices; j++) {
		const VbDevice *d = &m->devices[j];
		int reason = -1;
		for (size_t i = 0; i < n && reason < 0; i++)
			if (d == devs[i])
				reason = VB_REASON_SELECTED;
			else if (vb_pci_same_slot(&d->addr, &devs[i]->addr) && d->driver &&
				 strcmp(d->driver, "vfio-pci") == 0)
				reason = VB_REASON_SAME_SLOT;
		if (reason < 0)
			continue;
		char *after = NULL;
		int k = args->dry_run ? 0 : vb_live_unbind(ctx, d, &after);
		report_move(args, &mv, d, (VbReason)reason, k, after,
			    args->dry_run || !after || strcmp(after, "vfio-pci") != 0);
		free(after);
	}
	status = finish(args, &mv);
out:
	free(devs);
	vb_model_free(m);
	return status;
}
