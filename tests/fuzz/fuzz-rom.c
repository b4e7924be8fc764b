/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option ROM parser: bytes read from hardware. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-input.h"
#include "vb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VbRomInfo info;
	if (vb_rom_parse(data, size, &info) < 0)
		return 0;
	if (info.n_images == 0 || info.n_images > VB_ROM_MAX_IMAGES)
		abort();
	/* every image starts inside; unless the chain is reported truncated, each one is
	 * whole and non-empty */
	for (size_t i = 0; i < info.n_images; i++)
		if (info.images[i].offset >= size ||
		    (!info.truncated &&
		     (info.images[i].length == 0 || info.images[i].length > size - info.images[i].offset)))
			abort();
	(void)vb_rom_has_uefi(&info, 0x8664);
	return 0;
}
