/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which host CPUs the guest's vCPUs run on (reference/vm-profile.md section 3):
 * - the core holding CPU 0 stays with the host, with its SMT siblings;
 * - cores are given whole, grouped by L3 domain: domains without CPU 0 first, so that a
 *   default guest gets whole L3 groups and shares no cache with the host;
 * - vCPUs 2k and 2k+1 are one host core's siblings, so the guest's threads='2' topology
 *   matches what it runs on (QEMU numbers a vCPU's thread as index % threads);
 * - the emulator and I/O threads run on what the host keeps.
 */
#pragma once

#include "topology.h"

typedef struct VbPinning {
	unsigned vcpu_cpus[VB_MAX_CPUS]; /* vCPU i runs on host CPU vcpu_cpus[i] */
	unsigned n_vcpus;
	unsigned cores, threads;	 /* the guest's topology: sockets=1, dies=1 */
	unsigned host_cpus[VB_MAX_CPUS]; /* what the host keeps: emulator and I/O threads */
	unsigned n_host;
	unsigned n_l3_whole; /* L3 domains the guest has to itself */
	char why[512];	     /* one sentence for the XML comment and stderr */
} VbPinning;

/* want 0: the default (every core of the L3 domains without CPU 0, or every core but the
 * one with CPU 0 when there is one domain). -ERANGE when want is more than the host can
 * give while keeping its core (*max_out says how many it can give). */
int vb_pinning_choose(const VbCpuTopology *t, unsigned want, VbPinning *ret, unsigned *max_out);

/* The CPUs the vCPUs run on, ascending, as a CPU list ("2-5,8-11"): what a whole-VM pin
 * (taskset, Proxmox's affinity) names. */
void vb_pinning_guest_cpulist(const VbPinning *p, char *out, size_t size);
