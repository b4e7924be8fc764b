/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text from files and sysfs on its way to a terminal: what is not printable UTF-8 is shown as
 * \xHH, so that bytes from a file cannot move the cursor, set a title or start an escape. */
#pragma once

#include <stddef.h>

/* The length of the valid UTF-8 sequence at c, other than a C0 or C1 control, or 0. */
size_t utf8_printable_len(const unsigned char *c);
/* Copies src into dst (at most size bytes with the NUL), escaping as above. */
void utf8_escape_into(char *dst, size_t size, const char *src);
