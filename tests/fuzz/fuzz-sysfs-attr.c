/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs attribute parsing: IDs and class ("0x1002\n"), bounded by their maximum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	uint32_t v;
	if (parse_hex(s, 0xffff, &v) == 0 && v > 0xffff)
		abort();
	if (parse_hex(s, 0xffffff, &v) == 0 && v > 0xffffff)
		abort();
	free(s);
	return 0;
}
