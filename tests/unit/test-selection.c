/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The selection file: parsing, errors with their line, edits that keep the user's text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/selection.h"

static VbSelection *parse_ok(const char *text)
{
	VbSelection *s = NULL;
	VbParseError err = {0};
	int r = vb_selection_parse(text, strlen(text), &s, &err);
	if (r < 0)
		fail_msg("parse failed at line %zu: %s", err.line, err.message);
	return s;
}

static void expect_error(const char *text, size_t size, size_t line, const char *fragment)
{
	VbSelection *s = NULL;
	VbParseError err = {0};
	if (size == SIZE_MAX)
		size = strlen(text);
	assert_int_equal(vb_selection_parse(text, size, &s, &err), -EINVAL);
	assert_null(s);
	assert_int_equal(err.line, line);
	if (!strstr(err.message, fragment))
		fail_msg("message '%s' lacks '%s'", err.message, fragment);
}

static void valid_file(void **state)
{
	(void)state;
	const char *text = "# my GPU\n"
			   "method address   # identical cards\n"
			   "iommu-pt yes\n"
			   "\n"
			   "device 0000:03:00.0 1002:67b1 174b:e324  # R9 390\n"
			   "device 07:00.0 1b21:1242 allow=boot-vga,host-disk\n";
	VbSelection *s = parse_ok(text);
	assert_int_equal(s->method, VB_METHOD_ADDRESS);
	assert_true(s->iommu_pt);
	assert_int_equal(s->n_devices, 2);
	assert_int_equal(s->devices[0].addr.bus, 3);
	assert_int_equal(s->devices[0].vendor, 0x1002);
	assert_int_equal(s->devices[0].device, 0x67b1);
	assert_true(s->devices[0].has_subsystem);
	assert_int_equal(s->devices[0].subsystem_vendor, 0x174b);
	assert_int_equal(s->devices[0].subsystem_device, 0xe324);
	assert_int_equal(s->devices[0].line, 4);
	assert_false(s->devices[1].has_subsystem);
	assert_int_equal(s->devices[1].allow, VB_REFUSE_BOOT_VGA | VB_REFUSE_HOST_DISK);
	char *out = vb_selection_format(s);
	assert_string_equal(out, text); /* byte for byte */
	free(out);
	vb_selection_free(s);
}

static void defaults_and_crlf(void **state)
{
	(void)state;
	VbSelection *s = parse_ok("device 01:00.0 10de:1e87\r\n");
	assert_int_equal(s->method, VB_METHOD_AUTO);
	assert_false(s->iommu_pt);
	assert_int_equal(s->n_devices, 1);
	vb_selection_free(s);
	s = parse_ok("");
	assert_int_equal(s->n_devices, 0);
	vb_selection_free(s);
}

static void errors(void **state)
{
	(void)state;
	expect_error("method auto\nfrobnicate yes\n", SIZE_MAX, 2, "unknown keyword 'frobnicate'");
	expect_error("device 03:00 1002:67b1\n", SIZE_MAX, 1, "'03:00' is not a PCI address");
	expect_error("device zz:00.0 1002:67b1\n", SIZE_MAX, 1, "'zz:00.0' is not a PCI address");
	expect_error("device 03:00.0 1002:\n", SIZE_MAX, 1, "'1002:' is not a vendor:device ID");
	expect_error("device 03:00.0\n", SIZE_MAX, 1, "needs an address and a vendor:device ID");
	expect_error("device 03:00.0 1002:67b1\n\ndevice 0000:03:00.0 1002:67b1\n", SIZE_MAX, 3,
		     "listed twice");
	expect_error("device 03:00.0 1002:67b1 174b\n", SIZE_MAX, 1, "not a subsystem ID");
	expect_error("device 03:00.0 1002:67b1 174b:e324 rom=/x\n", SIZE_MAX, 1,
		     "unknown device option 'rom=/x'");
	expect_error("device 03:00.0 1002:67b1 allow=everything\n", SIZE_MAX, 1, "allow=everything");
	expect_error("device 03:00.0 1002:67b1 allow=not-found\n", SIZE_MAX, 1, "allow=not-found");
	expect_error("method fast\n", SIZE_MAX, 1, "method 'fast'");
	expect_error("method ids\nmethod address\n", SIZE_MAX, 2, "set twice");
	expect_error("iommu-pt maybe\n", SIZE_MAX, 1, "yes or no");
	expect_error("method \"auto\n", SIZE_MAX, 1, "quotes are not part of the syntax");
	expect_error("device 03:00.0 1002:67b1 a b c d e f\n", SIZE_MAX, 1, "too many words");
	expect_error("method auto\n\x7f"
		     "ELF\0\0\0",
		     18, 0, "NUL bytes");
	/* words from the file are quoted escaped: no control byte or junk reaches a terminal;
	 * valid UTF-8 text is shown as written */
	expect_error("\x1b[2J\x89PNG \xff\n", SIZE_MAX, 1, "unknown keyword '\\x1b[2J\\x89PNG'");
	expect_error("method \xc3\xa9\n", SIZE_MAX, 1, "method '\xc3\xa9'");
	/* C1 controls (U+009B is a CSI), overlong forms, surrogates, a cut sequence */
	expect_error("method a\xc2\x9b"
		     "2J\n",
		     SIZE_MAX, 1,
		     "method 'a\\xc2\\x9b"
		     "2J'");
	expect_error("method \xc0\xaf\xe0\x80\xaf\n", SIZE_MAX, 1, "method '\\xc0\\xaf\\xe0\\x80\\xaf'");
	expect_error("method \xed\xa0\x80\n", SIZE_MAX, 1, "method '\\xed\\xa0\\x80'");
	expect_error("method \xe2\x82\n", SIZE_MAX, 1, "method '\\xe2\\x82'");
	expect_error("method \xf0\x9f\x98\x80\n", SIZE_MAX, 1, "method '\xf0\x9f\x98\x80'");
}

static void long_line(void **state)
{
	(void)state;
	size_t n = 1024 * 1024;
	char *text = malloc(n + 20);
	assert_non_null(text);
	memcpy(text, "method auto\n# ", 14);
	memset(text + 14, 'x', n);
	text[14 + n] = '\n';
	expect_error(text, n + 15, 2, "longer than");
	free(text);
}

static void edit_keeps_comments(void **state)
{
	(void)state;
	const char *text = "# my notes\nmethod auto\ndevice 03:00.0 1002:67b1 # keep me\n# trailer\n";
	VbSelection *s = parse_ok(text);
	VbDevice d = {.addr = {0, 7, 0, 0},
		      .vendor = 0x1b21,
		      .device = 0x1242,
		      .subsystem_vendor = 0x1b21,
		      .subsystem_device = 0x1242,
		      .device_name = "ASM1142 \"USB\"\n3.1"};
	vb_pci_address_format(&d.addr, d.address);
	assert_int_equal(vb_selection_add(s, &d, VB_REFUSE_GROUP_NOT_VIABLE, false), 0);
	assert_int_equal(vb_selection_add(s, &d, 0, false), -EEXIST);
	char *out = vb_selection_format(s);
	assert_string_equal(
	    out, "# my notes\nmethod auto\ndevice 03:00.0 1002:67b1 # keep me\n# trailer\n"
		 "device 0000:07:00.0 1b21:1242 1b21:1242 allow=group-not-viable  # ASM1142  USB  3.1\n");
	/* what add wrote parses back to the same entry */
	VbSelection *again = parse_ok(out);
	assert_int_equal(again->n_devices, 2);
	assert_int_equal(again->devices[1].allow, VB_REFUSE_GROUP_NOT_VIABLE);
	vb_selection_free(again);
	free(out);

	VbPciAddress first = {0, 3, 0, 0}, absent = {0, 9, 0, 0};
	assert_int_equal(vb_selection_remove(s, &absent), -ENOENT);
	assert_int_equal(vb_selection_remove(s, &first), 0);
	out = vb_selection_format(s);
	assert_string_equal(
	    out, "# my notes\nmethod auto\n# trailer\n"
		 "device 0000:07:00.0 1b21:1242 1b21:1242 allow=group-not-viable  # ASM1142  USB  3.1\n");
	assert_int_equal(s->devices[0].line, 3);
	free(out);
	vb_selection_free(s);
}

static void template(void **state)
{
	(void)state;
	VbSelection *s;
	assert_int_equal(vb_selection_new(&s), 0);
	assert_int_equal(s->n_devices, 0);
	assert_int_equal(s->method, VB_METHOD_AUTO);
	assert_true(s->n_lines > 5);
	vb_selection_free(s);
}

static void refusal_names(void **state)
{
	(void)state;
	VbRefusal r;
	assert_string_equal(vb_refusal_name(VB_REFUSE_HOST_DISK), "host-disk");
	assert_int_equal(vb_refusal_from_name("last-display", 12, &r), 0);
	assert_int_equal(r, VB_REFUSE_LAST_DISPLAY);
	assert_int_equal(vb_refusal_from_name("last-displa", 11, &r), -EINVAL);
}

/* setup's iommu=pt: the line is rewritten where it is, or added; the rest stays */
static void iommu_pt_setter(void **state)
{
	(void)state;
	VbSelection *s = parse_ok("# mine\niommu-pt no  \ndevice 0000:03:00.0 1002:67b1\n");
	assert_int_equal(vb_selection_set_iommu_pt(s, true), 0);
	assert_true(s->iommu_pt);
	char *text = vb_selection_format(s);
	assert_string_equal(text, "# mine\niommu-pt yes\ndevice 0000:03:00.0 1002:67b1\n");
	free(text);
	vb_selection_free(s);
	s = parse_ok("device 0000:03:00.0 1002:67b1\n");
	assert_int_equal(vb_selection_set_iommu_pt(s, true), 0);
	text = vb_selection_format(s);
	assert_string_equal(text, "device 0000:03:00.0 1002:67b1\niommu-pt yes\n");
	VbSelection *again = parse_ok(text);
	assert_true(again->iommu_pt);
	free(text);
	vb_selection_free(again);
	vb_selection_free(s);
}

static void handoff_and_governor(void **state)
{
	(void)state;
	VbSelection *s = parse_ok("cpu-governor performance\n"
				  "device 0000:01:00.0 1002:67b1 allow=boot-vga handoff\n"
				  "device 0000:02:00.0 10de:1b80\n");
	assert_string_equal(s->cpu_governor, "performance");
	assert_true(s->devices[0].handoff);
	assert_int_equal(s->devices[0].allow, VB_REFUSE_BOOT_VGA);
	assert_false(s->devices[1].handoff);
	vb_selection_free(s);
	expect_error("cpu-governor\n", SIZE_MAX, 1, "'cpu-governor' takes one cpufreq governor's name");
	expect_error("cpu-governor ../x\n", SIZE_MAX, 1, "'cpu-governor' takes one");
	expect_error("cpu-governor performance\ncpu-governor powersave\n", SIZE_MAX, 2, "set twice");
	expect_error("device 0000:01:00.0 1002:67b1 handof\n", SIZE_MAX, 1, "unknown device option 'handof'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_file),
	    cmocka_unit_test(defaults_and_crlf),
	    cmocka_unit_test(errors),
	    cmocka_unit_test(long_line),
	    cmocka_unit_test(edit_keeps_comments),
	    cmocka_unit_test(template),
	    cmocka_unit_test(refusal_names),
	    cmocka_unit_test(iommu_pt_setter),
	    cmocka_unit_test(handoff_and_governor),
	};
	return cmocka_run_group_tests_name("selection", tests, NULL, NULL);
}
