/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verify: will the next boot bind the selection? Read from the images themselves. */
#include <stdio.h>

#include "apply/apply.h"
#include "cli.h"
#include "util/utf8.h"
#include "plan/plan.h"
#include "verify/verify.h"

json_object *json_verify(const VbVerifyReport *rep)
{
	json_object *o = json_object_new_object(), *kernels = json_object_new_array();
	json_object_object_add(o, "binds", json_object_new_boolean(rep->binds));
	for (size_t i = 0; i < rep->n_kernels; i++) {
		const VbKernelVerify *k = &rep->kernels[i];
		json_object *ko = json_object_new_object(), *items = json_object_new_array();
		json_object_object_add(ko, "kernel", json_object_new_string(k->version));
		json_object_object_add(ko, "image", json_string_or_null(k->image));
		json_object_object_add(ko, "compression", json_string_or_null(k->compression));
		json_object_object_add(ko, "binds", json_object_new_boolean(k->binds));
		for (size_t j = 0; j < k->items.n; j++)
			json_object_array_add(
			    items,
			    json_fields("id", json_object_new_string(k->items.v[j].id), "verdict",
					json_object_new_string(vb_verdict_name(k->items.v[j].level)),
					"message", json_object_new_string(k->items.v[j].message), NULL));
		json_object_object_add(ko, "items", items);
		json_object_array_add(kernels, ko);
	}
	json_object_object_add(o, "kernels", kernels);
	return o;
}

void print_verify(const VbVerifyReport *rep, bool problems_only)
{
	const char *verdicts[] = {vb_verdict_name(VB_VERIFY_OK), vb_verdict_name(VB_VERIFY_MISSING),
				  vb_verdict_name(VB_VERIFY_UNKNOWN), vb_verdict_name(VB_VERIFY_INFO)};
	int verdict_width = cli_column_width(verdicts, ELEMENTSOF(verdicts), 8);
	for (size_t i = 0; i < rep->n_kernels; i++) {
		const VbKernelVerify *k = &rep->kernels[i];
		if (problems_only && k->binds)
			continue;
		printf(k->binds ? _("Kernel %s: the next boot binds the selection\n")
				: _("Kernel %s: will NOT bind\n"),
		       k->version);
		for (size_t j = 0; j < k->items.n; j++) {
			const VbMessage *it = &k->items.v[j];
			if (problems_only && it->level != VB_VERIFY_MISSING)
				continue;
			char msg[2048]; /* it quotes what the image holds */
			utf8_escape_into(msg, sizeof(msg), it->message);
			printf("  ");
			cli_print_cell(_(vb_verdict_name(it->level)), verdict_width + 1);
			printf("%-15s %s\n", it->id, msg);
		}
	}
}

int verb_verify(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	_cleanup_(cli_plan_done) CliPlan c = {0};
	int status = cli_build_plan(ctx, args, &c);
	if (status != 0)
		return status;
	VbPlan *p = c.plan;
	if ((status = cli_report_errors(p)) != 0)
		return status;
	_cleanup_(vb_verify_report_freep) VbVerifyReport *rep = NULL;
	if (vb_verify(ctx, p, &rep) < 0)
		return 1;
	/* before apply (or after revert) the images lack our files because none are written:
	 * that comes first, not a rebuild command per kernel */
	VbState *st = NULL;
	bool applied = vb_state_load(ctx, &st) >= 0;
	vb_state_free(st);
	if (args->json) {
		json_object *o = json_verify(rep);
		json_object_object_add(o, "applied", json_object_new_boolean(applied));
		json_print(o);
		json_object_put(o);
	} else if (args->verbosity >= 0) {
		if (p->n_devices == 0)
			printf(_("Nothing is selected: no image has anything to bind.\n"));
		else if (!applied)
			printf(_("Not applied: the files the images need are not written yet; 'vfio-boot "
				 "apply' writes them\nand rebuilds the images. What the images hold now:\n"));
		print_verify(rep, false);
	}
	return rep->binds ? 0 : 1;
}
