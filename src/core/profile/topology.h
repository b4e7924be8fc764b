/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's CPU topology, as the guest's pinning needs it: which logical CPUs are SMT
 * siblings of one core (topology/core_cpus_list), and which cores share an L3 cache
 * (cache/index*, level 3: a CCX or CCD on Ryzen). Read from sysfs under the sysroot.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../internal.h"

#define VB_MAX_CPUS 1024
#define VB_MAX_SMT 8

typedef struct VbCpuCore {
	unsigned cpus[VB_MAX_SMT]; /* ascending */
	unsigned n_cpus;
	int l3; /* index of its L3 domain, numbered by lowest CPU; 0 when unknown */
} VbCpuCore;

typedef struct VbCpuTopology {
	VbCpuCore *cores; /* sorted by their first CPU */
	size_t n_cores;
	unsigned n_cpus;
	unsigned n_l3;	/* L3 domains; 1 when sysfs has no cache information */
	bool l3_known;	/* cache/index* gave the L3 domains */
	bool smt_known; /* topology/ gave the SMT siblings */
} VbCpuTopology;

/* "0-5,12-17" -> 0..5, 12..17 ascending, without duplicates. -EINVAL on junk or a CPU
 * number of VB_MAX_CPUS or more. */
int vb_cpulist_parse(const char *text, unsigned *out, size_t max, size_t *ret_n);
/* The reverse: ascending CPUs as the shortest list ("0-5,12-17"). */
void vb_cpulist_format(const unsigned *cpus, size_t n, char *out, size_t size);

int vb_cpu_topology_read(const VbContext *ctx, VbCpuTopology *ret);
void vb_cpu_topology_done(VbCpuTopology *t);
