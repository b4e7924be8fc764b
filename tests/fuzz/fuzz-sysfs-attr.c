/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs attribute parsing: IDs and class ("0x1002\n"), bounded by their maximum; CPU lists
 * ("0-5,12-17\n": online, core_cpus_list, shared_cpu_list). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "profile/topology.h"
#include "util/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	uint32_t v;
	if (parse_hex(s, 0xffff, &v) == 0 && v > 0xffff)
		abort();
	if (parse_hex(s, 0xffffff, &v) == 0 && v > 0xffffff)
		abort();
	/* a parsed list is ascending, unique, in range, and formats back to itself */
	unsigned cpus[64], again[64];
	size_t n, m;
	if (vb_cpulist_parse(s, cpus, 64, &n) == 0) {
		char text[1024];
		for (size_t i = 0; i < n; i++)
			if (cpus[i] >= VB_MAX_CPUS || (i > 0 && cpus[i] <= cpus[i - 1]))
				abort();
		vb_cpulist_format(cpus, n, text, sizeof(text));
		if (vb_cpulist_parse(text, again, 64, &m) != 0 || m != n ||
		    memcmp(cpus, again, n * sizeof(*cpus)) != 0)
			abort();
	}
	free(s);
	return 0;
}
