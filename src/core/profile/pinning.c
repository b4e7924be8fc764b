/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "pinning.h"

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* The order cores are given in: L3 domains without CPU 0 first (lowest domain first), then
 * CPU 0's domain; within a domain, by first CPU. The host's core is left out. */
static size_t guest_core_order(const VbCpuTopology *t, const VbCpuCore **order)
{
	const VbCpuCore *host = &t->cores[0]; /* sorted by first CPU: the one with the lowest */
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned d = 0; d < t->n_l3; d++) {
			if ((int)d == host->l3 ? pass == 0 : pass == 1)
				continue;
			for (size_t c = 1; c < t->n_cores; c++)
				if (t->cores[c].l3 == (int)d)
					order[n++] = &t->cores[c];
		}
	return n;
}

int vb_pinning_choose(const VbCpuTopology *t, unsigned want, VbPinning *p, unsigned *max_out)
{
	memset(p, 0, sizeof(*p));
	if (t->n_cores == 0)
		return -EINVAL;
	const VbCpuCore **order = calloc(t->n_cores, sizeof(*order));
	if (!order)
		return -ENOMEM;
	size_t n_order = guest_core_order(t, order);
	unsigned max = 0;
	for (size_t i = 0; i < n_order; i++)
		max += order[i]->n_cpus;
	if (max_out)
		*max_out = max;
	bool default_size = want == 0;
	if (default_size) {
		/* whole L3 domains without CPU 0 when there are some; else all the cores */
		for (size_t i = 0; i < n_order; i++)
			if (t->n_l3 == 1 || order[i]->l3 != t->cores[0].l3)
				want += order[i]->n_cpus;
	}
	if (want == 0 || want > max) {
		free(order);
		return -ERANGE;
	}

	/* whole cores in order; the last one may be cut when want is not a multiple */
	unsigned width = order[0]->n_cpus;
	bool whole = true;
	bool given[VB_MAX_CPUS] = {false};
	for (size_t i = 0; i < n_order && p->n_vcpus < want; i++) {
		const VbCpuCore *c = order[i];
		whole = whole && c->n_cpus == width && want - p->n_vcpus >= c->n_cpus;
		for (unsigned k = 0; k < c->n_cpus && p->n_vcpus < want; k++) {
			p->vcpu_cpus[p->n_vcpus++] = c->cpus[k];
			given[c->cpus[k]] = true;
		}
	}
	p->threads = whole ? width : 1;
	p->cores = p->n_vcpus / p->threads;
	for (size_t c = 0; c < t->n_cores; c++)
		for (unsigned k = 0; k < t->cores[c].n_cpus; k++)
			if (!given[t->cores[c].cpus[k]])
				p->host_cpus[p->n_host++] = t->cores[c].cpus[k];
	qsort(p->host_cpus, p->n_host, sizeof(*p->host_cpus), cmp_unsigned);

	/* the L3 domains the guest has to itself */
	for (unsigned d = 0; d < t->n_l3 && t->l3_known; d++) {
		bool all_given = true;
		for (size_t c = 0; c < t->n_cores; c++)
			for (unsigned k = 0; k < t->cores[c].n_cpus; k++)
				if (t->cores[c].l3 == (int)d && !given[t->cores[c].cpus[k]])
					all_given = false;
		p->n_l3_whole += all_given;
	}
	char host[256], l3[128] = "";
	vb_cpulist_format(p->host_cpus, p->n_host, host, sizeof(host));
	if (t->l3_known && t->n_l3 > 1)
		snprintf(l3, sizeof(l3), _("; %u of the host's %u L3 cache domains are the guest's alone"),
			 p->n_l3_whole, t->n_l3);
	/* in pieces a translator can take whole: the counts with their nouns, then the sentence */
	char cores[48], threads[48];
	snprintf(cores, sizeof(cores), P_("%u core", "%u cores", p->cores), p->cores);
	snprintf(threads, sizeof(threads), P_("%u thread", "%u threads", p->threads), p->threads);
	const char *smt = !t->smt_known	   ? _(" (SMT siblings unknown)")
			  : p->threads > 1 ? _(", each pair one host core")
					   : "";
	snprintf(p->why, sizeof(p->why),
		 P_("%u vCPUs as %s x %s%s; the host keeps CPU %s (the core with CPU 0%s) for itself, "
		    "the emulator and I/O threads%s",
		    "%u vCPUs as %s x %s%s; the host keeps CPUs %s (the core with CPU 0%s) for itself, "
		    "the emulator and I/O threads%s",
		    p->n_host),
		 p->n_vcpus, cores, threads, smt, host,
		 default_size && t->n_l3 > 1 ? _(" and its L3 domain") : "", l3);
	free(order);
	return 0;
}

static int cmp_cpu(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

void vb_pinning_guest_cpulist(const VbPinning *p, char *out, size_t size)
{
	unsigned cpus[VB_MAX_CPUS];
	memcpy(cpus, p->vcpu_cpus, sizeof(unsigned) * p->n_vcpus);
	qsort(cpus, p->n_vcpus, sizeof(*cpus), cmp_cpu);
	vb_cpulist_format(cpus, p->n_vcpus, out, size);
}
