/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option ROM parser takes bytes from hardware: crafted images, valid and hostile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vb.h"

#define UNIT 512

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff, p[1] = v >> 8;
}

/* One image of `units` 512-byte units at buf (which must hold it). */
static void make_image(uint8_t *buf, size_t units, uint8_t code_type, int last, uint16_t machine)
{
	memset(buf, 0, units * UNIT);
	buf[0] = 0x55, buf[1] = 0xaa;
	if (code_type == 3) {
		put16(buf + 0x04, 0x0EF1);
		put16(buf + 0x08, 0x0B);
		put16(buf + 0x0A, machine);
	}
	put16(buf + 0x18, 0x40);
	memcpy(buf + 0x40, "PCIR", 4);
	put16(buf + 0x44, 0x1002);
	put16(buf + 0x46, 0x67b1);
	put16(buf + 0x50, (uint16_t)units);
	buf[0x54] = code_type;
	buf[0x55] = last ? 0x80 : 0;
}

static void legacy_only(void **state)
{
	(void)state;
	uint8_t rom[2 * UNIT];
	make_image(rom, 2, 0, 1, 0);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_int_equal(info.n_images, 1);
	assert_int_equal(info.images[0].code_type, 0);
	assert_int_equal(info.images[0].vendor, 0x1002);
	assert_int_equal(info.images[0].device, 0x67b1);
	assert_int_equal(info.images[0].length, 2 * UNIT);
	assert_true(info.images[0].last);
	assert_false(info.truncated);
	assert_false(vb_rom_has_uefi(&info, 0x8664));
}

static void legacy_then_efi(void **state)
{
	(void)state;
	uint8_t rom[3 * UNIT];
	make_image(rom, 1, 0, 0, 0);
	make_image(rom + UNIT, 2, 3, 1, 0x8664);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_int_equal(info.n_images, 2);
	assert_int_equal(info.images[1].offset, UNIT);
	assert_true(info.images[1].efi_signature);
	assert_int_equal(info.images[1].efi_machine, 0x8664);
	assert_true(vb_rom_has_uefi(&info, 0x8664));
	assert_false(vb_rom_has_uefi(&info, 0xAA64));
}

static void efi_for_other_machine(void **state)
{
	(void)state;
	uint8_t rom[2 * UNIT];
	make_image(rom, 1, 0, 0, 0);
	make_image(rom + UNIT, 1, 3, 1, 0xAA64);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_false(vb_rom_has_uefi(&info, 0x8664));
	assert_true(vb_rom_has_uefi(&info, 0xAA64));
}

static void efi_code_type_without_signature(void **state)
{
	(void)state;
	uint8_t rom[UNIT];
	make_image(rom, 1, 3, 1, 0x8664);
	put16(rom + 0x04, 0x1234);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_false(vb_rom_has_uefi(&info, 0x8664));
}

static void empty_and_tiny(void **state)
{
	(void)state;
	VbRomInfo info;
	uint8_t b[0x19] = {0x55, 0xaa};
	assert_int_equal(vb_rom_parse(b, 0, &info), -EBADMSG);
	assert_int_equal(vb_rom_parse(b, 1, &info), -EBADMSG);
	assert_int_equal(vb_rom_parse(b, sizeof(b), &info), -EBADMSG);
}

static void all_ff(void **state)
{
	(void)state;
	uint8_t rom[4 * UNIT];
	memset(rom, 0xff, sizeof(rom));
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), -EBADMSG);
}

static void pcir_out_of_bounds(void **state)
{
	(void)state;
	uint8_t rom[UNIT];
	make_image(rom, 1, 0, 1, 0);
	VbRomInfo info;
	put16(rom + 0x18, UNIT - 4); /* structure would run past the end */
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), -EBADMSG);
	put16(rom + 0x18, 0xfffc);
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), -EBADMSG);
	put16(rom + 0x18, 0x41); /* not dword-aligned */
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), -EBADMSG);
}

static void bad_pcir_signature(void **state)
{
	(void)state;
	uint8_t rom[UNIT];
	make_image(rom, 1, 0, 1, 0);
	memcpy(rom + 0x40, "PCIX", 4);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), -EBADMSG);
}

static void truncated_chain(void **state)
{
	(void)state;
	uint8_t rom[2 * UNIT];
	make_image(rom, 1, 0, 0, 0);
	make_image(rom + UNIT, 1, 3, 0, 0x8664);
	put16(rom + UNIT + 0x50, 8); /* second image claims 4 KiB, only 512 bytes remain */
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_int_equal(info.n_images, 2);
	assert_true(info.truncated);
}

static void zero_length_does_not_loop(void **state)
{
	(void)state;
	uint8_t rom[UNIT];
	make_image(rom, 1, 0, 0, 0);
	put16(rom + 0x50, 0);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_int_equal(info.n_images, 1);
	assert_true(info.truncated);
}

static void chain_longer_than_the_limit(void **state)
{
	(void)state;
	enum { N = VB_ROM_MAX_IMAGES + 4 };
	static uint8_t rom[N * UNIT];
	for (size_t i = 0; i < N; i++)
		make_image(rom + i * UNIT, 1, 0, i == N - 1, 0);
	VbRomInfo info;
	assert_int_equal(vb_rom_parse(rom, sizeof(rom), &info), 0);
	assert_int_equal(info.n_images, VB_ROM_MAX_IMAGES);
	assert_true(info.truncated);
}

static void code_type_names(void **state)
{
	(void)state;
	assert_string_equal(vb_rom_code_type_name(0), "x86 (legacy BIOS)");
	assert_string_equal(vb_rom_code_type_name(3), "UEFI");
	assert_string_equal(vb_rom_code_type_name(0x77), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(legacy_only),
	    cmocka_unit_test(legacy_then_efi),
	    cmocka_unit_test(efi_for_other_machine),
	    cmocka_unit_test(efi_code_type_without_signature),
	    cmocka_unit_test(empty_and_tiny),
	    cmocka_unit_test(all_ff),
	    cmocka_unit_test(pcir_out_of_bounds),
	    cmocka_unit_test(bad_pcir_signature),
	    cmocka_unit_test(truncated_chain),
	    cmocka_unit_test(zero_length_does_not_loop),
	    cmocka_unit_test(chain_longer_than_the_limit),
	    cmocka_unit_test(code_type_names),
	};
	return cmocka_run_group_tests_name("rom", tests, NULL, NULL);
}
