/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Columns of translated words: padded by what the terminal shows (display columns), not
 * by bytes, so that "modificado" or "no se sabe" keep the next column in line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
#include "plan/plan.h"

int cli_display_width(const char *s)
{
	/* ASCII, most of what is printed: one column per byte */
	size_t ascii = 0;
	while (s[ascii] && !((unsigned char)s[ascii] & 0x80))
		ascii++;
	if (!s[ascii])
		return (int)ascii;
	wchar_t w[256];
	size_t n = mbstowcs(w, s, ELEMENTSOF(w) - 1);
	if (n == (size_t)-1)
		return (int)strlen(s);
	w[n] = 0;
	int width = wcswidth(w, n);
	return width < 0 ? (int)n : width;
}

int cli_column_width(const char *const *words, size_t n, int min)
{
	int width = min;
	for (size_t i = 0; i < n; i++) {
		int w = cli_display_width(_(words[i]));
		if (w > width)
			width = w;
	}
	return width;
}

void cli_print_cell(const char *s, int width)
{
	static const char spaces[] = "                                                                ";
	fputs(s, stdout);
	for (int pad = width - cli_display_width(s); pad > 0; pad -= (int)sizeof(spaces) - 1)
		fwrite(spaces, 1, pad < (int)sizeof(spaces) - 1 ? (size_t)pad : sizeof(spaces) - 1, stdout);
}

/* TRANSLATORS: why plan gives a device to vfio-pci, in a column (the JSON keeps the
 * English: selected, same-slot, same-group) */
static const char *const reasons[] = {[VB_REASON_SELECTED] = N_("selected"),
				      [VB_REASON_SAME_SLOT] = N_("same-slot"),
				      [VB_REASON_SAME_GROUP] = N_("same-group")};

const char *cli_reason_text(unsigned reason)
{
	return _(reasons[reason < ELEMENTSOF(reasons) ? reason : VB_REASON_SELECTED]);
}

int cli_reason_width(void)
{
	return cli_column_width(reasons, ELEMENTSOF(reasons), 0);
}
