/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DEVICE specs, kernel command lines, proc files, sysfs values, the reset-quirk table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply/apply.h"
#include "probe/probe.h"
#include "util/fileio.h"
#include "vb.h"

static void spec_addresses(void **state)
{
	(void)state;
	VbDeviceSpec s;
	assert_int_equal(vb_device_spec_parse("03:00.0", &s), 0);
	assert_false(s.by_id);
	assert_int_equal(s.addr.domain, 0);
	assert_int_equal(s.addr.bus, 3);
	assert_int_equal(s.addr.slot, 0);
	assert_int_equal(s.addr.function, 0);
	assert_int_equal(vb_device_spec_parse("0001:ff:1f.7", &s), 0);
	assert_int_equal(s.addr.domain, 1);
	assert_int_equal(s.addr.bus, 0xff);
	assert_int_equal(s.addr.slot, 0x1f);
	assert_int_equal(s.addr.function, 7);
	assert_int_equal(vb_device_spec_parse("0A:1F.3", &s), 0);
	assert_int_equal(s.addr.bus, 0x0a);
}

static void spec_ids(void **state)
{
	(void)state;
	VbDeviceSpec s;
	assert_int_equal(vb_device_spec_parse("1002:67b1", &s), 0);
	assert_true(s.by_id);
	assert_int_equal(s.vendor, 0x1002);
	assert_int_equal(s.device, 0x67b1);
	assert_int_equal(vb_device_spec_parse("10DE:1E87", &s), 0);
	assert_int_equal(s.device, 0x1e87);
}

static void spec_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",		  "03:00",    "zz:00.0",       "1002:",	  ":67b1",	    "03:00.8",
	    "03:20.0",	  "100:00.0", "03:00.0x",      "03:00.",  "0000:03:00:0.0", "1002:67b",
	    "10022:67b1", "03 :00.0", "0000:03:00.0 ", "-1:00.0", "00000:03:00.0",  "1002:67b1:0",
	};
	VbDeviceSpec s;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vb_device_spec_parse(bad[i], &s) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(vb_device_spec_parse(NULL, &s), -EINVAL);
}

static void resolve(void **state)
{
	(void)state;
	VbDevice devs[3] = {
	    {.addr = {0, 3, 0, 0}, .vendor = 0x1002, .device = 0x67b1},
	    {.addr = {0, 4, 0, 0}, .vendor = 0x10de, .device = 0x0638},
	    {.addr = {0, 5, 0, 0}, .vendor = 0x10de, .device = 0x0638},
	};
	VbModel m = {.devices = devs, .n_devices = 3};
	VbDeviceSpec s;
	const VbDevice *d = NULL, *matches[4];
	assert_int_equal(vb_device_spec_parse("1002:67b1", &s), 0);
	assert_int_equal(vb_model_resolve(&m, &s, &d, matches, 4), 1);
	assert_ptr_equal(d, &devs[0]);
	assert_int_equal(vb_device_spec_parse("10de:0638", &s), 0);
	assert_int_equal(vb_model_resolve(&m, &s, &d, matches, 4), 2);
	assert_ptr_equal(matches[1], &devs[2]);
	assert_int_equal(vb_device_spec_parse("04:00.0", &s), 0);
	assert_int_equal(vb_model_resolve(&m, &s, &d, NULL, 0), 1);
	assert_ptr_equal(d, &devs[1]);
	assert_int_equal(vb_device_spec_parse("04:00.1", &s), 0);
	assert_int_equal(vb_model_resolve(&m, &s, &d, NULL, 0), 0);
}

static void cmdline(void **state)
{
	(void)state;
	const char *cl = "BOOT_IMAGE=/vmlinuz quiet splash iommu=pt iommu=1 intel_iommu=on,sm_on "
			 "vfio_pci.ids=1002:67b1 foo=\"a b\" bar";
	assert_true(vb_cmdline_has(cl, "iommu", "pt"));
	assert_true(vb_cmdline_has(cl, "iommu", "1"));
	assert_false(vb_cmdline_has(cl, "iommu", "on"));
	assert_true(vb_cmdline_has(cl, "intel_iommu", "on"));
	assert_true(vb_cmdline_has(cl, "intel_iommu", "sm_on"));
	assert_false(vb_cmdline_has(cl, "intel_iommu", "off"));
	assert_true(vb_cmdline_has(cl, "vfio-pci.ids", NULL)); /* '-' and '_' are one */
	assert_true(
	    vb_cmdline_has("vfio-pci.ids=1002:67b1,1002:aac8", "vfio_pci.ids", "1002:67b1,1002:aac8"));
	assert_true(vb_cmdline_has("vfio-pci.ids=1002:67b1,1002:aac8", "vfio_pci.ids", "1002:aac8"));
	assert_false(vb_cmdline_has("vfio-pci.ids=1002:67b1,1002:aac8", "vfio_pci.ids", "1002:67b1,1002"));
	assert_true(vb_cmdline_has(cl, "foo", "a b"));
	assert_true(vb_cmdline_has(cl, "bar", NULL));
	assert_false(vb_cmdline_has(cl, "ba", NULL));
	assert_false(vb_cmdline_has(cl, "amd_iommu", NULL));
	assert_false(vb_cmdline_has("", "iommu", NULL));
	assert_false(vb_cmdline_has(NULL, "iommu", NULL));
	assert_false(vb_cmdline_has("iommu", "iommu", "pt"));
	/* a planned parameter, "key" or "key=value", matched in place */
	assert_true(vb_cmdline_has_param(cl, "intel_iommu=on"));
	assert_true(vb_cmdline_has_param(cl, "vfio-pci.ids=1002:67b1"));
	assert_false(vb_cmdline_has_param(cl, "intel_iommu=off"));
	assert_true(vb_cmdline_has_param(cl, "bar"));
	assert_false(vb_cmdline_has_param(cl, "ba"));
	assert_false(vb_cmdline_has_param(cl, "iommu=p"));
	assert_false(vb_cmdline_has_param("intel_iommu", "intel_iommu=on"));
}

static void cpuinfo(void **state)
{
	(void)state;
	VbHost h = {0};
	assert_int_equal(
	    vb_parse_cpuinfo("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen\n"
			     "flags\t\t: fpu svm sse\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n",
			     &h),
	    0);
	assert_int_equal(h.cpu_vendor, VB_CPU_AMD);
	assert_true(h.cpu_virt);
	assert_string_equal(h.cpu_model, "AMD Ryzen");
	free(h.cpu_model);

	h = (VbHost){0};
	assert_int_equal(vb_parse_cpuinfo("vendor_id : GenuineIntel\nflags : fpu vmxx svmm\n", &h), 0);
	assert_int_equal(h.cpu_vendor, VB_CPU_INTEL);
	assert_false(h.cpu_virt); /* whole words only */
	h = (VbHost){0};
	assert_int_equal(vb_parse_cpuinfo("", &h), 0);
	assert_int_equal(h.cpu_vendor, VB_CPU_UNKNOWN);
}

static void meminfo(void **state)
{
	(void)state;
	uint64_t kib = 0;
	assert_int_equal(vb_parse_meminfo("MemTotal:       16384000 kB\nMemFree: 1 kB\n", &kib), 0);
	assert_int_equal(kib, 16384000);
	assert_int_equal(vb_parse_meminfo("MemFree: 1 kB\n", &kib), -ENODATA);
	assert_int_equal(vb_parse_meminfo("XMemTotal: 5 kB\n", &kib), -ENODATA);
	assert_int_equal(vb_parse_meminfo("MemTotal: lots\n", &kib), -EINVAL);
}

static void interrupts(void **state)
{
	(void)state;
	assert_int_equal(vb_parse_interrupts_remapped(" 24: 0 0 IR-PCI-MSI 458752-edge PCIe PME\n"), VB_YES);
	assert_int_equal(vb_parse_interrupts_remapped(" 24: 0 0 PCI-MSI 458752-edge PCIe PME\n"), VB_NO);
	assert_int_equal(vb_parse_interrupts_remapped(""), VB_UNKNOWN);
	assert_int_equal(vb_parse_interrupts_remapped(NULL), VB_UNKNOWN);
}

static void hex_values(void **state)
{
	(void)state;
	uint32_t v;
	assert_int_equal(parse_hex("0x1002\n", 0xffff, &v), 0);
	assert_int_equal(v, 0x1002);
	assert_int_equal(parse_hex("67B1", 0xffff, &v), 0);
	assert_int_equal(v, 0x67b1);
	assert_int_equal(parse_hex("0x030000", 0xffffff, &v), 0);
	assert_int_equal(v, 0x030000);
	assert_int_equal(parse_hex("0x10000", 0xffff, &v), -ERANGE);
	assert_int_equal(parse_hex("0x123456789", 0xffffffff, &v), -ERANGE);
	assert_int_equal(parse_hex("", 0xffff, &v), -EINVAL);
	assert_int_equal(parse_hex("0x", 0xffff, &v), -EINVAL);
	assert_int_equal(parse_hex("12g4", 0xffff, &v), -EINVAL);
	assert_int_equal(parse_hex("12\n34", 0xffff, &v), -EINVAL);
}

static void reset_quirks(void **state)
{
	(void)state;
	const VbResetQuirk *q = vb_reset_quirk_find(0x1002, 0x67df);
	assert_non_null(q);
	assert_string_equal(q->family, "AMD Polaris 10");
	assert_non_null(strstr(q->workaround, "reset_method"));
	assert_non_null(vb_reset_quirk_find(0x1002, 0x731f));
	assert_non_null(vb_reset_quirk_find(0x1002, 0x6862));
	assert_null(vb_reset_quirk_find(0x1002, 0x6865)); /* not in the Vega 10 ranges */
	assert_null(vb_reset_quirk_find(0x1002, 0x67b1)); /* Hawaii: not listed */
	assert_null(vb_reset_quirk_find(0x10de, 0x67df)); /* vendor matters */
}

static void address_helpers(void **state)
{
	(void)state;
	VbPciAddress a = {0, 3, 0, 0}, b = {0, 3, 0, 1}, c = {0, 4, 0, 0};
	char buf[VB_ADDRESS_MAX];
	vb_pci_address_format(&b, buf);
	assert_string_equal(buf, "0000:03:00.1");
	assert_true(vb_pci_same_slot(&a, &b));
	assert_false(vb_pci_same_slot(&a, &c));
	assert_true(vb_pci_address_cmp(&a, &b) < 0);
	assert_true(vb_pci_address_cmp(&c, &b) > 0);
	assert_int_equal(vb_pci_address_cmp(&a, &a), 0);
}

/* The lines of the generators' output that apply shows without -v: one kernel's image each
 * (as each generator prints them), not the generators' other chatter. */
static void image_progress_lines(void **state)
{
	(void)state;
	const char *shown[] = {
	    "update-initramfs: Generating /boot/initrd.img-6.1.0-57-amd64",
	    "dracut: *** Creating image file '/boot/initrd.img-6.1.0-57-amd64' ***",
	    "dracut: *** Creating initramfs image file '/boot/initramfs-6.8.5.img' done ***",
	    "==> Creating zstd-compressed initcpio image: '/boot/initramfs-linux.img'",
	    "Found linux image: /boot/vmlinuz-6.1.0-57-amd64",
	};
	const char *hidden[] = {
	    "dracut: *** Generating early-microcode cpio image ***",
	    "dracut: *** Including module: vfio-boot ***",
	    "Generating grub configuration file ...",
	    "==> Starting build: '6.8.5-arch1-1'",
	    "  -> Running build hook: [udev]",
	    "W: Possible missing firmware /lib/firmware/amdgpu/x.bin for module amdgpu",
	};
	for (size_t i = 0; i < sizeof(shown) / sizeof(*shown); i++)
		assert_true(vb_output_names_image(shown[i]));
	for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++)
		assert_false(vb_output_names_image(hidden[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_addresses),  cmocka_unit_test(spec_ids),
	    cmocka_unit_test(spec_malformed),  cmocka_unit_test(resolve),
	    cmocka_unit_test(cmdline),	       cmocka_unit_test(cpuinfo),
	    cmocka_unit_test(meminfo),	       cmocka_unit_test(interrupts),
	    cmocka_unit_test(hex_values),      cmocka_unit_test(reset_quirks),
	    cmocka_unit_test(address_helpers), cmocka_unit_test(image_progress_lines),
	};
	return cmocka_run_group_tests_name("parsers", tests, NULL, NULL);
}
