/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Columns of translated words (src/cli/columns.c, compiled in here): widths in what the
 * terminal shows, so that "información" or "no se sabe" keep the next column in line. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/columns.c"

static void widths(void **state)
{
	(void)state;
	assert_int_equal(cli_display_width("falta"), 5);
	assert_int_equal(cli_display_width("no se sabe"), 10);
	assert_int_equal(cli_display_width("información"), 11); /* 12 bytes */
	assert_int_equal(cli_display_width("└─"), 2);		/* 6 bytes */
	const char *words[] = {"ok", "información", "falta"};
	assert_int_equal(cli_column_width(words, 3, 8), 11);
	assert_int_equal(cli_column_width(words, 1, 8), 8); /* at least min */
}

static void cells(void **state)
{
	(void)state;
	char buf[64] = "";
	FILE *saved = stdout;
	stdout = fmemopen(buf, sizeof(buf), "w");
	cli_print_cell("información", 13);
	printf("|");
	cli_print_cell("no se sabe", 13);
	printf("|");
	cli_print_cell("demasiado largo", 4); /* wider than the cell: no padding, never cut */
	printf("|");
	fclose(stdout);
	stdout = saved;
	assert_string_equal(buf, "información  |no se sabe   |demasiado largo|");
}

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 77; /* never: glibc has C.UTF-8 built in */
	const struct CMUnitTest tests[] = {cmocka_unit_test(widths), cmocka_unit_test(cells)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
