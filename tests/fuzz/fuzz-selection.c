/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The selection parser (/etc/vfio-boot.conf, and devices.conf in the boot-time helper):
 * never crashes; what it accepts, it writes back in a form it accepts again, equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "config/selection.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VbSelection *sel = NULL, *again = NULL;
	VbParseError err;
	if (vb_selection_parse((const char *)data, size, &sel, &err) < 0)
		return 0;
	char *text = vb_selection_format(sel);
	if (!text)
		abort();
	if (vb_selection_parse(text, strlen(text), &again, &err) < 0 || again->n_devices != sel->n_devices ||
	    again->method != sel->method || again->iommu_pt != sel->iommu_pt)
		abort();
	for (size_t i = 0; i < sel->n_devices; i++)
		if (memcmp(&again->devices[i].addr, &sel->devices[i].addr, sizeof(sel->devices[i].addr)) !=
			0 ||
		    again->devices[i].vendor != sel->devices[i].vendor ||
		    again->devices[i].allow != sel->devices[i].allow)
			abort();
	free(text);
	vb_selection_free(again);
	vb_selection_free(sel);
	return 0;
}
