/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "utf8.h"

size_t utf8_printable_len(const unsigned char *c)
{
	if (*c >= 0x20 && *c < 0x7f)
		return 1;
	size_t n = *c >= 0xc2 && *c <= 0xdf   ? 2
		   : *c >= 0xe0 && *c <= 0xef ? 3
		   : *c >= 0xf0 && *c <= 0xf4 ? 4
					      : 0;
	for (size_t i = 1; i < n; i++)
		if ((c[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 2 && c[0] == 0xc2 && c[1] < 0xa0) ||	/* C1 controls */
	    (n == 3 && c[0] == 0xe0 && c[1] < 0xa0) ||	/* overlong */
	    (n == 3 && c[0] == 0xed && c[1] >= 0xa0) || /* surrogates */
	    (n == 4 && c[0] == 0xf0 && c[1] < 0x90) ||	/* overlong */
	    (n == 4 && c[0] == 0xf4 && c[1] >= 0x90))	/* beyond U+10FFFF */
		return 0;
	return n;
}

void utf8_escape_into(char *dst, size_t size, const char *src)
{
	size_t o = 0;
	if (size == 0)
		return;
	for (const unsigned char *c = (const unsigned char *)src; *c && o + 5 < size;) {
		size_t n = utf8_printable_len(c);
		if (n > 0 && o + n < size) {
			memcpy(dst + o, c, n);
			o += n, c += n;
		} else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", *c++);
	}
	dst[o] = 0;
}
