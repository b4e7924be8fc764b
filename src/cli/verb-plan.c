/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* plan: what apply would write and run. generate: one artifact on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "apply/apply.h"
#include "gen/gen.h"

int cli_build_plan(VbContext *ctx, const Args *args, CliPlan *ret)
{
	int status = cli_probe(ctx, &ret->model);
	if (status != 0)
		return status;
	int r = vb_selection_load(ctx, &ret->selection);
	if (r < 0)
		return r == -EINVAL ? 1 : cli_failed(r, "failed to read the selection");
	VbPlanOptions opts = {.force = args->force,
			      .kernels = args->kernels,
			      .bootloader = args->bootloader,
			      .initramfs = args->initramfs};
	if ((r = vb_plan_build(ctx, ret->model, ret->selection, &opts, &ret->plan)) < 0)
		return cli_failed(r, "failed to build the plan");
	return 0;
}

void cli_plan_done(CliPlan *c)
{
	c->plan = vb_plan_free(c->plan);
	c->selection = vb_selection_free(c->selection);
	c->model = vb_model_free(c->model);
}

static json_object *json_issues(const VbMessages *l)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_string(l->v[i].id));
		json_object_object_add(o, "message", json_object_new_string(l->v[i].message));
		json_object_array_add(a, o);
	}
	return a;
}

static const char *module_state_name(VbModuleState s)
{
	return s == VB_MODULE_BUILTIN ? "builtin" : s == VB_MODULE_LOADABLE ? "module" : "absent";
}

/* Commands as argv arrays, as the contract has them. */
json_object *json_commands(const VbCommand *cmds, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *argv = json_object_new_array();
		for (size_t j = 0; j < cmds[i].argc; j++)
			json_object_array_add(argv, json_object_new_string(cmds[i].argv[j]));
		json_object_array_add(a, argv);
	}
	return a;
}

/* The plan's devices; method: how they are bound at boot (NULL for those handed off). */
static json_object *json_plan_devices(const VbPlanDevice *v, size_t n, const char *method)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const VbDevice *d = v[i].dev;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "address", json_object_new_string(d->address));
		json_object_object_add(o, "vendor", json_hex4(d->vendor));
		json_object_object_add(o, "device", json_hex4(d->device));
		json_object_object_add(o, "class", json_hex4(d->class_code >> 8));
		if (method)
			json_object_object_add(o, "method", json_object_new_string(method));
		json_object_object_add(o, "reason", json_object_new_string(vb_reason_name(v[i].reason)));
		json_object_array_add(a, o);
	}
	return a;
}

json_object *json_plan(const VbPlan *p)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "devices",
			       json_plan_devices(p->devices, p->n_devices, vb_method_name(p->method)));
	/* handed to vfio-pci when a VM starts, not at boot */
	json_object_object_add(root, "handoff", json_plan_devices(p->handoff, p->n_handoff, NULL));
	json_object_object_add(root, "kernel_cmdline", json_strv(&p->cmdline));

	/* beyond the contract: the boot setup the plan writes for */
	const VbTargets *t = &p->targets;
	json_object *targets = json_object_new_object();
	json_object_object_add(targets, "distro", json_string_or_null(t->distro[0] ? t->distro : NULL));
	json_object_object_add(targets, "bootloader",
			       json_object_new_string(vb_bootloader_name(t->bootloader)));
	json_object_object_add(targets, "bootloader_forced", json_object_new_boolean(t->bootloader_forced));
	json_object_object_add(targets, "initramfs", json_object_new_string(vb_initramfs_name(t->initramfs)));
	json_object_object_add(targets, "initramfs_forced", json_object_new_boolean(t->initramfs_forced));
	json_object_object_add(targets, "uki", json_object_new_boolean(t->uki));
	json_object_object_add(root, "targets", targets);
	json_object_object_add(root, "entry_args", json_strv(&p->entry_args));

	json_object *files = json_object_new_array();
	for (size_t i = 0; i < p->n_files; i++)
		json_object_array_add(
		    files, json_fields("path", json_object_new_string(p->files[i].path), "action",
				       json_object_new_string(vb_file_action_name(p->files[i].action)),
				       "content", json_string_or_null(p->files[i].content), NULL));
	json_object_object_add(root, "files", files);

	json_object_object_add(root, "commands", json_commands(p->commands, p->n_commands));
	json_object_object_add(root, "warnings", json_issues(&p->warnings));
	json_object_object_add(root, "errors", json_issues(&p->errors));
	/* the running system against the boot the plan's files give (a refused plan gives none) */
	json_object_object_add(root, "reboot_required",
			       json_object_new_boolean(p->errors.n == 0 && vb_plan_needs_reboot(p)));

	/* beyond the contract: what each target kernel has */
	json_object *kernels = json_object_new_array();
	for (size_t i = 0; i < p->n_kernels; i++) {
		const VbKernelFacts *k = &p->kernels[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_string(k->version));
		json_object_object_add(o, "vfio_pci", json_object_new_string(module_state_name(k->vfio_pci)));
		json_object_object_add(o, "vfio_modules", json_strv(&k->vfio_modules));
		json_object_object_add(o, "drivers", json_strv(&k->drivers));
		json_object_object_add(o, "builtin_drivers", json_strv(&k->builtin_drivers));
		json_object_array_add(kernels, o);
	}
	json_object_object_add(root, "kernels", kernels);
	return root;
}

/* Refusals and errors go to stderr, once each. Returns 1 when there are any. */
int cli_report_errors(const VbPlan *p)
{
	for (size_t i = 0; i < p->errors.n; i++)
		fprintf(stderr, _("vfio-boot: refused (%s): %s\n"), p->errors.v[i].id,
			p->errors.v[i].message);
	return p->errors.n > 0 ? 1 : 0;
}

void cli_print_plan(const VbPlan *p, bool diffs)
{
	if (p->n_devices == 0 && p->n_handoff == 0 && p->errors.n == 0)
		printf(_("Nothing is selected: 'vfio-boot add DEVICE' selects a device.\n"));
	const VbTargets *t = &p->targets;
	printf(_("Boot setup: %s%sboot loader %s%s, initramfs %s%s\n"), t->distro_name,
	       t->distro_name[0] ? ", " : "", _(vb_bootloader_description(t->bootloader)),
	       /* not translated: option names */ t->bootloader_forced ? " (--bootloader)" : "",
	       vb_initramfs_name(t->initramfs), t->initramfs_forced ? " (--initramfs)" : "");
	if (p->n_handoff > 0) {
		printf(_("Devices handed to vfio-pci when a VM starts (vfio-boot handoff):\n"));
		for (size_t i = 0; i < p->n_handoff; i++) {
			const VbDevice *d = p->handoff[i].dev;
			printf("  %s  %04x:%04x  ", d->address, d->vendor, d->device);
			cli_print_cell(cli_reason_text(p->handoff[i].reason), cli_reason_width() + 1);
			printf("%s\n", device_display_name(d));
		}
		if (p->n_devices == 0) {
			printf(_("Kernel command line: %s"), p->cmdline.n ? "" : _("(nothing to add)"));
			for (size_t i = 0; i < p->cmdline.n; i++)
				printf("%s%s", i ? " " : "", p->cmdline.v[i]);
			printf("\n");
		}
	}
	if (p->n_devices > 0) {
		printf(_("Devices for vfio-pci (method %s):\n"), vb_method_name(p->method));
		for (size_t i = 0; i < p->n_devices; i++) {
			const VbDevice *d = p->devices[i].dev;
			printf("  %s  %04x:%04x  ", d->address, d->vendor, d->device);
			cli_print_cell(cli_reason_text(p->devices[i].reason), cli_reason_width() + 1);
			printf("%s\n", device_display_name(d));
		}
		printf(_("Kernel command line: %s"), p->cmdline.n ? "" : _("(nothing to add)"));
		for (size_t i = 0; i < p->cmdline.n; i++)
			printf("%s%s", i ? " " : "", p->cmdline.v[i]);
		printf("\n");
		for (size_t i = 0; i < p->n_kernels; i++) {
			const VbKernelFacts *k = &p->kernels[i];
			printf(_("Kernel %s: vfio-pci %s; loaded after vfio-pci (softdep):"), k->version,
			       k->vfio_pci == VB_MODULE_BUILTIN ? _("built in") : _("module"));
			for (size_t j = 0; j < k->drivers.n; j++)
				printf(" %s", k->drivers.v[j]);
			printf("%s\n", k->drivers.n ? "" : _(" (none)"));
		}
	}
	for (size_t i = 0; i < p->n_files; i++) {
		const VbFileChange *f = &p->files[i];
		printf("%s%s %s\n", diffs ? "\n" : "", _(vb_file_action_name(f->action)), f->path);
		if (diffs && f->action != VB_FILE_UNCHANGED)
			print_diff(f->current, f->content, "  ");
	}
	if (p->n_commands > 0)
		printf(_("\nThen apply runs:\n"));
	for (size_t i = 0; i < p->n_commands; i++) {
		printf(" ");
		for (size_t j = 0; j < p->commands[i].argc; j++)
			printf(" %s", p->commands[i].argv[j]);
		printf("\n");
	}
	for (size_t i = 0; i < p->warnings.n; i++)
		fprintf(stderr, _("vfio-boot: warning (%s): %s\n"), p->warnings.v[i].id,
			p->warnings.v[i].message);
}

/* The file actions as plan shows them to people (the JSON keeps the ids). */
_unused_ static const char *const action_names[] = {N_("create"), N_("update"), N_("delete"),
						    N_("unchanged")};

int verb_plan(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	_cleanup_(cli_plan_done) CliPlan c = {0};
	int status = cli_build_plan(ctx, args, &c);
	if (status != 0)
		return status;
	VbPlan *p = c.plan;
	if (args->json) {
		json_object *o = json_plan(p);
		json_print(o);
		json_object_put(o);
	} else
		cli_print_plan(p, true);
	return cli_report_errors(p);
}

static const char *const profile_targets[] = {"libvirt", "qemu"};

/* A file of our own as the generator makes it; the admin's file as apply would leave it. */
static int print_artifact(const VbPlan *p, const VbGenerator *g)
{
	if (!vb_generator_wanted(g, p))
		return cli_error(0,
				 "%s is not part of this system's plan (boot loader %s, initramfs %s); "
				 "--bootloader= and --initramfs= choose others",
				 g->path ? g->path : g->name, vb_bootloader_name(p->targets.bootloader),
				 vb_initramfs_name(p->targets.initramfs));
	if (g->generate) {
		char *text = g->generate(g, p);
		if (!text)
			return cli_error(-ENOMEM, "failed to generate %s", g->name);
		fputs(text, stdout);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path, g->path) == 0 && p->files[i].content) {
			fputs(p->files[i].content, stdout);
			return 0;
		}
	return cli_error(0, "%s: not found under the root, nothing to add to", g->path);
}

int verb_generate(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc;
	if (!vb_generator_find(argv[0], NULL)) {
		for (size_t i = 0; i < ELEMENTSOF(profile_targets); i++)
			if (strcmp(argv[0], profile_targets[i]) == 0)
				return i ? cli_error(0,
						     "'vfio-boot profile --format=qemu' writes the %s script",
						     argv[0])
					 : cli_error(0, "'vfio-boot profile' writes the %s definition",
						     argv[0]);
		char known[256] = "";
		const VbGenerator *const *all = vb_generator_list();
		for (size_t i = 0; all[i]; i++)
			if (!strstr(known, all[i]->name))
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 i ? ", " : "", all[i]->name);
		return cli_usage_error("unknown target '%s' (%s)", argv[0], known);
	}
	_cleanup_(cli_plan_done) CliPlan c = {0};
	int status = cli_build_plan(ctx, args, &c);
	if (status != 0)
		return status;
	VbPlan *p = c.plan;
	if ((status = cli_report_errors(p)) == 0) {
		if (p->n_devices == 0 && p->n_handoff == 0)
			status = cli_error(0, "nothing is selected in %s", VB_SELECTION_PATH);
		else
			status = print_artifact(p, vb_generator_find(argv[0], p));
	}
	return status;
}
