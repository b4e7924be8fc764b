/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The safety policy over hand-built models: expansion, refusals, binding method, parameters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen/gen.h"

/* A small desktop: guest GPU + audio (group 1), host GPU, the boot VGA (group 2), chipset
 * SATA with the root disk and a chipset USB controller (group 3), a root port (group 1). */
enum { GUEST_VGA, GUEST_AUDIO, HOST_VGA, SATA, USB, ROOT_PORT, N_DEV };

typedef struct Fixture {
	VbDevice dev[N_DEV + 1];
	VbGroup groups[3];
	VbDevice *g1[3], *g2[1], *g3[2];
	VbHostDisk disk;
	VbModel m;
	VbSelection *sel;
	VbPlan *plan;
} Fixture;

static void set_dev(VbDevice *d, unsigned bus, unsigned slot, unsigned fn, uint16_t v, uint16_t id,
		    uint32_t cls, int group)
{
	*d = (VbDevice){.addr = {0, (uint8_t)bus, (uint8_t)slot, (uint8_t)fn},
			.vendor = v,
			.device = id,
			.subsystem_vendor = v,
			.subsystem_device = id,
			.class_code = cls,
			.iommu_group = group,
			.device_name = "dev",
			.class_name = "class",
			.vendor_name = "vendor"};
	vb_pci_address_format(&d->addr, d->address);
}

static int dev_cmp(const void *a, const void *b)
{
	return vb_pci_address_cmp(&((const VbDevice *)a)->addr, &((const VbDevice *)b)->addr);
}

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));
	/* sorted by address, as the probe leaves them */
	set_dev(&f->dev[ROOT_PORT], 0x00, 0x01, 0, 0x8086, 0x1901, 0x060400, 1);
	set_dev(&f->dev[SATA], 0x00, 0x1f, 2, 0x8086, 0xa282, 0x010601, 3);
	set_dev(&f->dev[GUEST_VGA], 0x03, 0, 0, 0x1002, 0x67df, 0x030000, 1);
	set_dev(&f->dev[GUEST_AUDIO], 0x03, 0, 1, 0x1002, 0xaaf0, 0x040300, 1);
	set_dev(&f->dev[HOST_VGA], 0x04, 0, 0, 0x10de, 0x128b, 0x030000, 2);
	set_dev(&f->dev[USB], 0x05, 0, 0, 0x1022, 0x149c, 0x0c0330, 3);
	f->dev[HOST_VGA].boot_vga = true;
	qsort(f->dev, N_DEV, sizeof(VbDevice), dev_cmp);
	VbModel *m = &f->m;
	m->devices = f->dev;
	m->n_devices = N_DEV;
	/* find by address after sorting */
	VbPciAddress a;
	a = (VbPciAddress){0, 0, 1, 0}, f->g1[0] = vb_model_find(m, &a);
	a = (VbPciAddress){0, 3, 0, 0}, f->g1[1] = vb_model_find(m, &a);
	a = (VbPciAddress){0, 3, 0, 1}, f->g1[2] = vb_model_find(m, &a);
	a = (VbPciAddress){0, 4, 0, 0}, f->g2[0] = vb_model_find(m, &a);
	a = (VbPciAddress){0, 0, 0x1f, 2}, f->g3[0] = vb_model_find(m, &a);
	a = (VbPciAddress){0, 5, 0, 0}, f->g3[1] = vb_model_find(m, &a);
	f->groups[0] = (VbGroup){1, 3, f->g1};
	f->groups[1] = (VbGroup){2, 1, f->g2};
	f->groups[2] = (VbGroup){3, 2, f->g3};
	m->groups = f->groups;
	m->n_groups = 3;
	m->host.cpu_vendor = VB_CPU_INTEL;
	m->host.iommu_firmware = VB_IOMMU_INTEL;
	snprintf(f->disk.pci_address, sizeof(f->disk.pci_address), "0000:00:1f.2");
	f->disk.block = "sda1";
	f->disk.use = f->disk.use_text = "mounted on /";
	m->host_disks = &f->disk;
	m->n_host_disks = 1;
	assert_int_equal(vb_selection_new(&f->sel), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;
	vb_selection_free(f->sel);
	vb_plan_free(f->plan);
	free(f);
	return 0;
}

static const VbDevice *dev_at(Fixture *f, unsigned bus, unsigned slot, unsigned fn)
{
	VbPciAddress a = {0, (uint8_t)bus, (uint8_t)slot, (uint8_t)fn};
	return vb_model_find(&f->m, &a);
}

static void select_dev(Fixture *f, unsigned bus, unsigned slot, unsigned fn, unsigned allow)
{
	assert_int_equal(vb_selection_add(f->sel, dev_at(f, bus, slot, fn), allow, false), 0);
}

static VbPlan *run(Fixture *f, bool force)
{
	vb_plan_free(f->plan);
	f->plan = calloc(1, sizeof(VbPlan));
	f->plan->model = &f->m;
	f->plan->selection = f->sel;
	assert_int_equal(vb_policy_expand(&f->m, f->sel, force, f->plan), 0);
	return f->plan;
}

static bool has_issue(const VbMessages *l, const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, code) == 0)
			return true;
	return false;
}

static void expands_slot(void **state)
{
	Fixture *f = *state;
	select_dev(f, 3, 0, 0, 0);
	VbPlan *p = run(f, false);
	assert_int_equal(p->errors.n, 0);
	assert_int_equal(p->n_devices, 2);
	assert_ptr_equal(p->devices[0].dev, dev_at(f, 3, 0, 0));
	assert_int_equal(p->devices[0].reason, VB_REASON_SELECTED);
	assert_ptr_equal(p->devices[1].dev, dev_at(f, 3, 0, 1));
	assert_int_equal(p->devices[1].reason, VB_REASON_SAME_SLOT);
	assert_int_equal(p->method, VB_METHOD_IDS);
	/* the root port in the group stays with the host */
	for (size_t i = 0; i < p->n_devices; i++)
		assert_false(vb_device_is_bridge(p->devices[i].dev));
}

static void selecting_audio_brings_gpu(void **state)
{
	Fixture *f = *state;
	select_dev(f, 3, 0, 1, 0);
	VbPlan *p = run(f, false);
	assert_int_equal(p->n_devices, 2);
	assert_int_equal(p->devices[0].reason, VB_REASON_SAME_SLOT); /* 03:00.0 sorts first */
	assert_int_equal(p->devices[1].reason, VB_REASON_SELECTED);
}

static void refuses_boot_vga(void **state)
{
	Fixture *f = *state;
	select_dev(f, 4, 0, 0, 0);
	VbPlan *p = run(f, false);
	assert_true(has_issue(&p->errors, "boot-vga"));
	p = run(f, true);
	assert_false(has_issue(&p->errors, "boot-vga"));
	assert_true(has_issue(&p->warnings, "boot-vga")); /* accepted, still said */
}

static void refuses_group_and_host_disk(void **state)
{
	Fixture *f = *state;
	select_dev(f, 5, 0, 0, 0); /* the USB controller shares group 3 with the SATA */
	VbPlan *p = run(f, false);
	assert_true(has_issue(&p->errors, "group-not-viable"));
	assert_true(has_issue(&p->errors, "host-disk"));
	assert_int_equal(p->n_devices, 1);
	/* allow= on the entry accepts only what it names */
	vb_selection_free(f->sel);
	assert_int_equal(vb_selection_new(&f->sel), 0);
	select_dev(f, 5, 0, 0, VB_REFUSE_GROUP_NOT_VIABLE);
	p = run(f, false);
	assert_false(has_issue(&p->errors, "group-not-viable"));
	assert_true(has_issue(&p->errors, "host-disk"));
	assert_int_equal(p->n_devices, 2);
	assert_int_equal(p->devices[0].reason, VB_REASON_SAME_GROUP);
}

static void refuses_last_display(void **state)
{
	Fixture *f = *state;
	select_dev(f, 3, 0, 0, 0);
	select_dev(f, 4, 0, 0, VB_REFUSE_BOOT_VGA);
	VbPlan *p = run(f, false);
	assert_true(has_issue(&p->errors, "last-display"));
	assert_false(has_issue(&p->errors, "boot-vga"));
}

static void not_found_and_changed(void **state)
{
	Fixture *f = *state;
	VbDevice gone = f->dev[0];
	gone.addr.bus = 9;
	vb_pci_address_format(&gone.addr, gone.address);
	assert_int_equal(vb_selection_add(f->sel, &gone, 0, false), 0);
	VbDevice changed = *dev_at(f, 3, 0, 0);
	changed.device = 0x1234;
	assert_int_equal(vb_selection_add(f->sel, &changed, 0, false), 0);
	VbPlan *p = run(f, true); /* --force never overrides not-found */
	assert_int_equal(p->errors.n, 2);
	assert_string_equal(p->errors.v[0].id, "not-found");
	assert_string_equal(p->errors.v[1].id, "not-found");
	assert_non_null(strstr(p->errors.v[1].message, "now holds 1002:67df"));
}

static void identical_ids_choose_address(void **state)
{
	Fixture *f = *state;
	f->dev[4].vendor = 0x1002; /* make the host GPU (04:00.0) the same model as the guest's */
	f->dev[4].device = 0x67df;
	assert_ptr_equal(&f->dev[4], dev_at(f, 4, 0, 0));
	select_dev(f, 3, 0, 0, 0);
	VbPlan *p = run(f, false);
	assert_int_equal(p->method, VB_METHOD_ADDRESS);
	assert_true(has_issue(&p->warnings, "identical-ids"));
	f->sel->method = VB_METHOD_IDS; /* the user can force ids, with a warning */
	p = run(f, false);
	assert_int_equal(p->method, VB_METHOD_IDS);
	assert_true(has_issue(&p->warnings, "ids-shared"));
}

static void no_iommu(void **state)
{
	Fixture *f = *state;
	for (size_t i = 0; i < f->m.n_devices; i++)
		f->dev[i].iommu_group = -1;
	f->m.n_groups = 0;
	select_dev(f, 3, 0, 0, 0);
	VbPlan *p = run(f, false); /* the firmware has VT-d: the parameters will turn it on */
	assert_false(has_issue(&p->errors, "no-iommu"));
	assert_true(has_issue(&p->warnings, "iommu-off"));
	f->m.host.iommu_firmware = VB_IOMMU_NONE;
	p = run(f, false);
	assert_true(has_issue(&p->errors, "no-iommu"));
}

static void kernel_params(void **state)
{
	Fixture *f = *state;
	select_dev(f, 3, 0, 0, 0);
	VbPlan *p = run(f, false);
	assert_int_equal(vb_plan_kernel_params(p), 0);
	assert_int_equal(p->cmdline.n, 1);
	assert_string_equal(p->cmdline.v[0], "intel_iommu=on");

	f->sel->iommu_pt = true;
	f->m.host.cpu_vendor = VB_CPU_AMD;
	f->m.host.iommu_firmware = VB_IOMMU_AMD;
	p = run(f, false);
	VbKernelFacts k = {.version = "6.8.0", .vfio_pci = VB_MODULE_BUILTIN};
	p->kernels = &k;
	p->n_kernels = 1;
	assert_int_equal(vb_plan_kernel_params(p), 0);
	p->kernels = NULL;
	p->n_kernels = 0;
	assert_int_equal(p->cmdline.n, 2); /* never amd_iommu=on */
	assert_string_equal(p->cmdline.v[0], "iommu=pt");
	assert_string_equal(p->cmdline.v[1], "vfio-pci.ids=1002:67df,1002:aaf0");
}

/* The manifest may name only what the generators write (state.c checks it against
 * VB_OUT_PATHS, the files that carry the parameters and the image generators' files): the two
 * lists are the same. */
static void written_paths_are_the_generators(void **state)
{
	(void)state;
	const char *listed[32] = {VB_OUT_PATHS};
	size_t n_listed = 0;
	while (listed[n_listed])
		n_listed++;
	for (const VbParamsFile *const *f = vb_params_files(); *f; f++)
		listed[n_listed++] = (*f)->path;
	for (VbInitramfs i = VB_INITRAMFS_NONE + 1; i < VB_INITRAMFS_COUNT; i++)
		listed[n_listed++] = vb_initramfs_backend(i)->config;
	size_t n_generated = 0;
	const VbGenerator *const *all = vb_generator_list();
	for (size_t i = 0; all[i]; i++) {
		if (!all[i]->path)
			continue;
		n_generated++;
		bool found = false;
		for (size_t j = 0; j < n_listed; j++)
			found = found || strcmp(listed[j], all[i]->path) == 0;
		if (!found)
			fail_msg("%s is written by a generator but not in VB_OUT_PATHS", all[i]->path);
	}
	assert_int_equal(n_generated, n_listed);
}

/* Every file a boot loader reads is in the list the generators and the manifest's check
 * are made from (vb_params_files), once. */
static void bootloader_files_are_listed(void **state)
{
	(void)state;
	const VbParamsFile *const *all = vb_params_files();
	for (VbBootloader b = VB_BOOTLOADER_NONE; b < VB_BOOTLOADER_COUNT; b++)
		for (const VbParamsFile *const *f = vb_bootloader_backend(b)->files; *f; f++) {
			size_t found = 0;
			for (size_t i = 0; all[i]; i++)
				found += all[i] == *f;
			if (found != 1)
				fail_msg("%s (%s) is in vb_params_files() %zu times", (*f)->path,
					 vb_bootloader_name(b), found);
		}
}

static void strv_sorted_unique(void **state)
{
	(void)state;
	VbStrv v = {0};
	assert_int_equal(vb_strv_add(&v, "radeon"), 0);
	assert_int_equal(vb_strv_add(&v, "amdgpu"), 0);
	assert_int_equal(vb_strv_add(&v, "radeon"), 0);
	assert_int_equal(vb_strv_add(&v, "snd_hda_intel"), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.v[0], "amdgpu");
	assert_string_equal(v.v[2], "snd_hda_intel");
	vb_strv_done(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(expands_slot, setup, teardown),
	    cmocka_unit_test_setup_teardown(selecting_audio_brings_gpu, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_boot_vga, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_group_and_host_disk, setup, teardown),
	    cmocka_unit_test_setup_teardown(refuses_last_display, setup, teardown),
	    cmocka_unit_test_setup_teardown(not_found_and_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(identical_ids_choose_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(no_iommu, setup, teardown),
	    cmocka_unit_test_setup_teardown(kernel_params, setup, teardown),
	    cmocka_unit_test(strv_sorted_unique),
	    cmocka_unit_test(written_paths_are_the_generators),
	    cmocka_unit_test(bootloader_files_are_listed),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
