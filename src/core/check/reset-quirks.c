/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GPUs that do not reset reliably between guest boots, as handled by gnif/vendor-reset
 * (src/device-db.h); see reference/boot-plumbing.md section 7. */
#include <stddef.h>

#include "../internal.h"

typedef struct QuirkRange {
	uint16_t vendor, first, last;
	const char *family;
} QuirkRange;

static const QuirkRange quirks[] = {
    {0x1002, 0x67c0, 0x67c2, "AMD Polaris 10"}, {0x1002, 0x67c4, 0x67c4, "AMD Polaris 10"},
    {0x1002, 0x67c7, 0x67ca, "AMD Polaris 10"}, {0x1002, 0x67cc, 0x67cc, "AMD Polaris 10"},
    {0x1002, 0x67cf, 0x67d0, "AMD Polaris 10"}, {0x1002, 0x67df, 0x67df, "AMD Polaris 10"},
    {0x1002, 0x6fdf, 0x6fdf, "AMD Polaris 10"}, {0x1002, 0x67e0, 0x67e1, "AMD Polaris 11"},
    {0x1002, 0x67e3, 0x67e3, "AMD Polaris 11"}, {0x1002, 0x67e7, 0x67e9, "AMD Polaris 11"},
    {0x1002, 0x67eb, 0x67eb, "AMD Polaris 11"}, {0x1002, 0x67ef, 0x67ef, "AMD Polaris 11"},
    {0x1002, 0x67ff, 0x67ff, "AMD Polaris 11"}, {0x1002, 0x6980, 0x6981, "AMD Polaris 12"},
    {0x1002, 0x6985, 0x6987, "AMD Polaris 12"}, {0x1002, 0x6995, 0x6995, "AMD Polaris 12"},
    {0x1002, 0x6997, 0x6997, "AMD Polaris 12"}, {0x1002, 0x699f, 0x699f, "AMD Polaris 12"},
    {0x1002, 0x6860, 0x6864, "AMD Vega 10"},	{0x1002, 0x6867, 0x686f, "AMD Vega 10"},
    {0x1002, 0x687f, 0x687f, "AMD Vega 10"},	{0x1002, 0x66a0, 0x66a4, "AMD Vega 20"},
    {0x1002, 0x66a7, 0x66a7, "AMD Vega 20"},	{0x1002, 0x66af, 0x66af, "AMD Vega 20"},
    {0x1002, 0x7310, 0x7310, "AMD Navi 10"},	{0x1002, 0x7312, 0x7312, "AMD Navi 10"},
    {0x1002, 0x7318, 0x731b, "AMD Navi 10"},	{0x1002, 0x731e, 0x731f, "AMD Navi 10"},
    {0x1002, 0x7360, 0x7360, "AMD Navi 12"},	{0x1002, 0x7362, 0x7362, "AMD Navi 12"},
    {0x1002, 0x7340, 0x7341, "AMD Navi 14"},	{0x1002, 0x7347, 0x7347, "AMD Navi 14"},
    {0x1002, 0x734f, 0x734f, "AMD Navi 14"},	{0x1002, 0x738c, 0x738c, "AMD Arcturus (MI100)"},
};

/* untranslated here: check's set() translates the fix it is given */
static const char *const workaround =
    N_("install vendor-reset (gnif/vendor-reset), load it from the initramfs, and on kernel 5.15 or "
       "later write device_specific to /sys/bus/pci/devices/ADDRESS/reset_method");

const VbResetQuirk *vb_reset_quirk_find(uint16_t vendor, uint16_t device)
{
	static __thread VbResetQuirk found;
	for (size_t i = 0; i < ELEMENTSOF(quirks); i++)
		if (quirks[i].vendor == vendor && device >= quirks[i].first && device <= quirks[i].last) {
			found = (VbResetQuirk){vendor, device, quirks[i].family, workaround};
			return &found;
		}
	return NULL;
}
