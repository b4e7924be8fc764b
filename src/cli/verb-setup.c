/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * setup: the first run, as questions on a terminal. It strings the other verbs together:
 * the scan, a proposed guest GPU (never the host's console), the checks, the plan, apply
 * after a yes, then a VM definition. Nothing is written before the yes; end of input or a
 * no leaves the system as it was. Not on a terminal, it asks nothing and refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gen/gen.h"
#include "profile/profile.h"

/* The answer, without its newline; def when empty. -1 at end of input. */
static int ask(const char *question, const char *def, char *answer, size_t size)
{
	printf("%s [%s] ", question, def);
	fflush(stdout);
	if (!fgets(answer, (int)size, stdin)) {
		printf("\n");
		return -1;
	}
	answer[strcspn(answer, "\r\n")] = 0;
	if (!answer[0])
		snprintf(answer, size, "%s", def);
	return 0;
}

/* Is a the word, in the user's language or in English, or a letter the locale's yes or no
 * expression takes (rpmatch: y or n in English, s or n in Spanish)? */
static bool answer_is(const char *a, const char *word, const char *english, int rp)
{
	return strcasecmp(a, word) == 0 || strcasecmp(a, english) == 0 || (a[0] && !a[1] && rpmatch(a) == rp);
}

/* 1 yes, 0 no, -1 end of input; asks again until it understands. */
static int ask_yes(const char *question, bool def)
{
	/* TRANSLATORS: the choices of a yes/no question, the capital one the default; the
	 * letters must be ones the language's yes and no expressions take (see locale(5)) */
	const char *choices = def ? _("Y/n") : _("y/N");
	char a[64];
	for (;;) {
		if (ask(question, choices, a, sizeof(a)) < 0)
			return -1;
		if (strcmp(a, choices) == 0)
			return def;
		/* TRANSLATORS: a whole-word answer to a yes/no question */
		if (answer_is(a, _("yes"), "yes", 1))
			return 1;
		/* TRANSLATORS: a whole-word answer to a yes/no question */
		if (answer_is(a, _("no"), "no", 0))
			return 0;
		printf(_("Please answer y or n.\n"));
	}
}

static int cancelled(void)
{
	printf(_("Nothing was changed.\n"));
	return 1;
}

/* The GPUs a VM could have, as check takes them when no device is named. */
static size_t candidates(const VbModel *m, const VbDevice **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_devices && n < max; i++)
		if (vb_model_is_guest_gpu(m, &m->devices[i]))
			out[n++] = &m->devices[i];
	return n;
}

static const VbDevice *choose_gpu(const VbModel *m)
{
	const VbDevice *c[32];
	size_t n = candidates(m, c, ELEMENTSOF(c));
	const VbDevice *bv = vb_model_boot_vga(m);
	if (n == 0) {
		printf(bv ? _("\nThere is no GPU to give a VM: the only one is the host's console.\n")
			  : _("\nThere is no GPU to give a VM: no display device was found.\n"));
		return NULL;
	}
	if (bv)
		printf(_("\nThe host keeps %s, its console: %s.\n"), bv->address, device_display_name(bv));
	else
		printf(_("\nThe host keeps its console.\n"));
	if (n == 1) {
		printf(_("The GPU for the VM: %s %s (IOMMU group %d)\n"), c[0]->address,
		       device_display_name(c[0]), c[0]->iommu_group);
		int yes = ask_yes(_("Pass it through?"), true);
		return yes == 1 ? c[0] : NULL;
	}
	printf(_("GPUs a VM can have:\n"));
	for (size_t i = 0; i < n; i++)
		printf(_("  %zu) %s %s (IOMMU group %d)\n"), i + 1, c[i]->address, device_display_name(c[i]),
		       c[i]->iommu_group);
	for (;;) {
		char a[32], def[8];
		snprintf(def, sizeof(def), "1");
		if (ask(_("Which one? (a number, or q to stop)"), def, a, sizeof(a)) < 0 ||
		    strcmp(a, "q") == 0)
			return NULL;
		char *end;
		long k = strtol(a, &end, 10);
		if (*end == 0 && k >= 1 && (size_t)k <= n)
			return c[k - 1];
		printf(_("Please answer a number from 1 to %zu.\n"), n);
	}
}

/* A USB controller for the VM (its ports, and what is plugged into them), or none. */
static const VbDevice *choose_usb(const VbModel *m, const VbDevice *gpu)
{
	const VbDevice *c[32];
	size_t n = 0;
	for (size_t i = 0; i < m->n_devices && n < ELEMENTSOF(c); i++)
		if (vb_device_class16(&m->devices[i]) == 0x0c03 &&
		    m->devices[i].iommu_group != gpu->iommu_group)
			c[n++] = &m->devices[i];
	if (n == 0)
		return NULL;
	printf(_("\nA USB controller passed whole gives the VM its ports and what is plugged into them\n"
		 "(a keyboard and mouse there leave the host while the VM runs):\n"));
	printf(_("  0) none\n"));
	for (size_t i = 0; i < n; i++)
		printf(_("  %zu) %s %s (IOMMU group %d)\n"), i + 1, c[i]->address, device_display_name(c[i]),
		       c[i]->iommu_group);
	for (;;) {
		char a[32];
		if (ask(_("Which one? (a number)"), "0", a, sizeof(a)) < 0)
			return NULL;
		char *end;
		long k = strtol(a, &end, 10);
		if (*end == 0 && k >= 0 && (size_t)k <= n)
			return k == 0 ? NULL : c[k - 1];
		printf(_("Please answer a number from 0 to %zu.\n"), n);
	}
}

/* Step 5: what the VM needs, asked, then profile. Returns profile's status; -1 at end of
 * input. */
static int write_vm(VbContext *ctx, const Args *args)
{
	char os[32], disk[512], size[32] = "", iso[512], drivers[512] = "", path[512];
	for (;;) {
		if (ask(_("Guest OS (windows11, windows10 or linux)"), "windows11", os, sizeof(os)) < 0)
			return -1;
		VbGuestOs g;
		if (vb_guest_os_from_name(os, &g) == 0)
			break;
		printf(_("Please answer windows11, windows10 or linux.\n"));
	}
	/* TRANSLATORS: "none" is an answer typed as it is, in English */
	if (ask(_("The VM's disk: an image file (made if missing), a block device, or none"),
		"/var/lib/libvirt/images/vfio-boot-vm.qcow2", disk, sizeof(disk)) < 0)
		return -1;
	bool no_disk = strcmp(disk, "none") == 0;
	if (!no_disk && strncmp(disk, "/dev/", 5) != 0 && access(disk, F_OK) < 0 &&
	    ask(_("It does not exist yet: its size"), "64G", size, sizeof(size)) < 0)
		return -1;
	if (ask(_("Installation ISO (a file, or none)"), "none", iso, sizeof(iso)) < 0)
		return -1;
	bool windows = strcmp(os, "linux") != 0;
	if (windows && ask(_("virtio-win drivers ISO (a file, or none: the disk is SATA then)"), "none",
			   drivers, sizeof(drivers)) < 0)
		return -1;
	if (ask(_("Write the definition to"), "vfio-boot-vm.xml", path, sizeof(path)) < 0)
		return -1;
	const char *isos[] = {iso, NULL};
	bool has_iso = strcmp(iso, "none") != 0 && iso[0];
	bool has_drivers = strcmp(drivers, "none") != 0 && drivers[0];
	Args vm = *args;
	vm.profile.os = os;
	vm.profile.disk = no_disk ? NULL : disk;
	vm.profile.disk_size = size[0] ? size : NULL;
	vm.profile.isos = has_iso ? isos : NULL;
	vm.profile.drivers_iso = has_drivers ? drivers : NULL;
	vm.profile.output = path;
	return verb_profile(ctx, &vm, 0, NULL);
}

/* Step 3: the plan for the devices (with iommu=pt if the user wants it), and the changes
 * to each file if asked. 0 to go on, else the exit status. */
static int show_plan(VbContext *ctx, const Args *args, const VbModel *m, int n_devs, char **dev_argv,
		     bool *iommu_pt)
{
	printf(_("\n3. What apply would write and run:\n\n"));
	_cleanup_(vb_selection_freep) VbSelection *sel = NULL;
	_cleanup_(vb_plan_freep) VbPlan *p = NULL;
	int r = vb_selection_load(ctx, &sel);
	if (r < 0)
		return r == -EINVAL ? 1 : cli_failed(r, "failed to read the selection");
	*iommu_pt = sel->iommu_pt;
	if (!*iommu_pt) {
		int yes =
		    ask_yes(_("Add iommu=pt (optional: host devices skip the IOMMU's translation)?"), false);
		if (yes < 0)
			return cancelled();
		*iommu_pt = yes == 1;
		if (vb_selection_set_iommu_pt(sel, *iommu_pt) < 0)
			return cli_error(-ENOMEM, "failed to read the selection");
		printf("\n");
	}
	Args quiet = *args;
	quiet.verbosity = -1;
	int status = cli_select_devices(ctx, &quiet, m, sel, n_devs, dev_argv, &p);
	if (status == 0) {
		cli_print_plan(p, false);
		printf("\n");
		int yes = ask_yes(_("Show the changes to each file?"), false);
		if (yes == 1)
			cli_print_plan(p, true);
		else if (yes < 0)
			status = 1;
	} else
		printf(_("\nvfio-boot will not select it (the refusal above says why and what --force "
			 "accepts, with 'vfio-boot add').\n"));
	return status != 0 ? cancelled() : 0;
}

int verb_setup(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!isatty(STDIN_FILENO))
		return cli_error(0, "setup asks questions, and standard input is not a terminal: in scripts, "
				    "use 'vfio-boot add DEVICE', 'plan' and 'apply'");
	if (args->json)
		return cli_usage_error("setup is interactive: --json does not apply");

	printf(_("vfio-boot setup: a GPU for a virtual machine, in five steps. Nothing changes before\n"
		 "you say yes at step 4.\n\n1. The devices, by IOMMU group (GPUs first):\n\n"));
	fflush(stdout);
	int status = verb_scan(ctx, args, 0, NULL);
	if (status != 0)
		return status;

	VbModel *m;
	if ((status = cli_probe(ctx, &m)) != 0)
		return status;
	const VbDevice *gpu = choose_gpu(m);
	if (!gpu) {
		vb_model_free(m);
		return cancelled();
	}
	const VbDevice *usb = choose_usb(m, gpu);
	char address[VB_ADDRESS_MAX], usb_address[VB_ADDRESS_MAX];
	snprintf(address, sizeof(address), "%s", gpu->address);
	snprintf(usb_address, sizeof(usb_address), "%s", usb ? usb->address : "");
	char *dev_argv[] = {address, usb ? usb_address : NULL, NULL};
	int n_devs = usb ? 2 : 1;

	printf(_("\n2. What stands between this host and passing %s through:\n\n"), address);
	fflush(stdout);
	int checks = verb_check(ctx, args, n_devs, dev_argv);
	if (checks != 0) {
		printf(_("\nA check failed: the fix under it says what to do first.\n"));
		int yes = ask_yes(_("Go on all the same?"), false);
		if (yes != 1) {
			vb_model_free(m);
			return cancelled();
		}
	}

	bool iommu_pt = false;
	status = show_plan(ctx, args, m, n_devs, dev_argv, &iommu_pt);
	vb_model_free(m);
	if (status != 0)
		return status;

	printf("\n4. ");
	VbSelection *sel;
	int r, yes = ask_yes(_("Apply: write these files and rebuild the boot images?"), false);
	if (yes != 1)
		return cancelled();
	if (iommu_pt) { /* the one setting apply takes from the file only */
		if ((r = vb_selection_load(ctx, &sel)) < 0)
			return r == -EINVAL ? 1 : cli_failed(r, "failed to read the selection");
		r = vb_selection_set_iommu_pt(sel, true);
		if (r >= 0)
			r = vb_selection_save(ctx, sel);
		vb_selection_free(sel);
		if (r < 0)
			return cli_failed(r, "failed to write the selection");
	}
	if ((status = verb_apply(ctx, args, n_devs, dev_argv)) != 0)
		return status;

	printf("\n5. ");
	yes = ask_yes(_("Write a libvirt definition of a VM with these devices?"), true);
	int vm = yes == 1 ? write_vm(ctx, args) : 0;
	if (vm > 0)
		printf(_("\nThe passthrough is applied, but the VM definition was not written (see above):\n"
			 "'vfio-boot profile' writes it once that is fixed.\n"));
	printf(_("\nDone. Reboot, then 'vfio-boot status' tells whether the GPU is on vfio-pci. At the "
		 "boot\nmenu, vfio-boot=off on the kernel command line leaves every device to its own "
		 "driver.\n"));
	return vm > 0 ? 1 : 0;
}
