/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DEVICE arguments, and the kernel command line matcher: both take strings from users. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "vb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	VbDeviceSpec spec;
	if (vb_device_spec_parse(s, &spec) == 0 && !spec.by_id) {
		/* an address it accepts formats to one it reads back the same */
		char buf[VB_ADDRESS_MAX];
		VbDeviceSpec again;
		vb_pci_address_format(&spec.addr, buf);
		if (vb_device_spec_parse(buf, &again) < 0 || vb_pci_address_cmp(&spec.addr, &again.addr) != 0)
			abort();
	}
	(void)vb_cmdline_has(s, "vfio-boot", "off");
	(void)vb_cmdline_has(s, "intel_iommu", "on");
	(void)vb_cmdline_has(s, "iommu", NULL);
	free(s);
	return 0;
}
