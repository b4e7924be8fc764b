/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "../internal.h"

int vb_probe_pci(const VbContext *ctx, VbDevice **ret, size_t *ret_n);
void vb_devices_free(VbDevice *devs, size_t n);
int vb_probe_host_disks(const VbContext *ctx, VbHostDisk **ret, size_t *ret_n);
void vb_host_disks_free(VbHostDisk *v, size_t n);
int vb_probe_host(const VbContext *ctx, VbHost *ret);
void vb_host_done(VbHost *h);

/* Pure parsers, exposed for the unit tests. */
int vb_parse_cpuinfo(const char *text, VbHost *h);
int vb_parse_meminfo(const char *text, uint64_t *ret_kib);
VbTristate vb_parse_interrupts_remapped(const char *text);
