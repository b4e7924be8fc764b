/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DEVICE arguments: "[DDDD:]BB:DD.F" (an address) or "VVVV:DDDD" (an identity), and
 * PCI address helpers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* PCI addresses: also linked into the boot-time helper, so libc only. */
int vb_pci_address_cmp(const VbPciAddress *a, const VbPciAddress *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if (a->function != b->function)
		return a->function < b->function ? -1 : 1;
	return 0;
}

bool vb_pci_same_slot(const VbPciAddress *a, const VbPciAddress *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

void vb_pci_address_format(const VbPciAddress *a, char buf[static VB_ADDRESS_MAX])
{
	snprintf(buf, VB_ADDRESS_MAX, "%04x:%02x:%02x.%u", a->domain, a->bus, a->slot,
		 (unsigned)(a->function & 7));
}

/* Parses 1..max_digits hex digits; returns the number consumed, 0 on none or too many. */
static size_t hex_field(const char *s, size_t max_digits, unsigned *ret)
{
	unsigned v = 0;
	size_t n = 0;
	for (;; n++) {
		char c = s[n];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			break;
		if (n == max_digits)
			return 0;
		v = v * 16 + (unsigned)d;
	}
	*ret = v;
	return n;
}

int vb_device_spec_parse(const char *s, VbDeviceSpec *ret)
{
	unsigned f[3], func;
	size_t nf = 0, len[3];
	const char *p = s;

	if (!s)
		return -EINVAL;
	/* up to three ':'-separated hex fields, then optionally ".F" */
	for (;;) {
		if (nf == 3)
			return -EINVAL;
		len[nf] = hex_field(p, 4, &f[nf]);
		if (len[nf] == 0)
			return -EINVAL;
		p += len[nf];
		nf++;
		if (*p != ':')
			break;
		p++;
	}

	if (*p == 0) {
		/* VVVV:DDDD: exactly four digits each, so that "03:00" is not read as an ID */
		if (nf != 2 || len[0] != 4 || len[1] != 4)
			return -EINVAL;
		*ret = (VbDeviceSpec){.by_id = true, .vendor = (uint16_t)f[0], .device = (uint16_t)f[1]};
		return 0;
	}

	if (*p != '.' || p[1] < '0' || p[1] > '7' || p[2] != 0 || nf < 2)
		return -EINVAL;
	func = (unsigned)(p[1] - '0');
	unsigned domain = nf == 3 ? f[0] : 0, bus = f[nf - 2], slot = f[nf - 1];
	if (len[nf - 2] > 2 || len[nf - 1] > 2 || bus > 0xff || slot > 0x1f)
		return -EINVAL;
	*ret = (VbDeviceSpec){.addr = {.domain = (uint16_t)domain,
				       .bus = (uint8_t)bus,
				       .slot = (uint8_t)slot,
				       .function = (uint8_t)func}};
	return 0;
}
