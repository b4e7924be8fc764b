/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check: the readiness report. Exit status 1 when any check fails. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "util/utf8.h"

/* quiet (-q): only what needs attention, the failures and the warnings */
static void print_human(const VbCheckReport *rep, bool quiet)
{
	bool color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	static const char *const colors[] = {"\033[32m", "\033[33m", "\033[31;1m", "\033[2m"};
	/* TRANSLATORS: a check's result, in a column four letters wide */
	static const char *const status[] = {N_("pass"), N_("warn"), N_("fail"), N_("skip")};
	for (size_t i = 0; i < rep->checks.n; i++) {
		const VbCheck *c = &rep->checks.v[i];
		if (quiet && (c->level == VB_CHECK_PASS || c->level == VB_CHECK_SKIP))
			continue;
		char msg[2048]; /* it quotes sysfs (drivers, names) */
		utf8_escape_into(msg, sizeof(msg), c->message);
		printf("%s%-4s%s  %-19s %s\n", color ? colors[c->level] : "", _(status[c->level]),
		       color ? "\033[0m" : "", c->id, msg);
		if (c->fix && c->level != VB_CHECK_PASS)
			printf("      %-19s %s %s\n", "", _("fix:"), c->fix);
	}
}

static void print_json(const VbCheckReport *rep)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	for (size_t i = 0; i < rep->checks.n; i++) {
		const VbCheck *c = &rep->checks.v[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "status", json_object_new_string(vb_check_status_name(c->level)));
		json_object_object_add(o, "message", json_object_new_string(c->message));
		json_object_object_add(o, "fix", json_string_or_null(c->fix));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "checks", arr);
	json_print(root);
	json_object_put(root);
}

int verb_check(VbContext *ctx, const Args *args, int argc, char **argv)
{
	VbModel *m;
	int status = cli_probe(ctx, &m);
	if (status != 0)
		return status;

	const VbDevice **devs = NULL;
	size_t n = 0;
	if (argc > 0 && (status = cli_resolve_devices(m, argc, argv, &devs, &n)) != 0) {
		vb_model_free(m);
		return status;
	}
	VbCheckOptions opts = {.devices = devs,
			       .n_devices = n,
			       .read_rom = args->read_rom,
			       .kernels = args->kernels,
			       .bootloader = args->bootloader,
			       .initramfs = args->initramfs};
	VbCheckReport *rep;
	int r = vb_check_run(ctx, m, &opts, &rep);
	if (r < 0)
		status = cli_failed(r, "failed to run the checks");
	else {
		if (args->json)
			print_json(rep);
		else
			print_human(rep, args->verbosity < 0);
		for (size_t i = 0; i < rep->checks.n; i++)
			if (rep->checks.v[i].level == VB_CHECK_FAIL)
				status = 1;
		vb_check_report_free(rep);
	}
	free(devs);
	vb_model_free(m);
	return status;
}
