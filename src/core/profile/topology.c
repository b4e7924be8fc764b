/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../paths.h"
#include "../util/fileio.h"
#include "topology.h"

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

int vb_cpulist_parse(const char *text, unsigned *out, size_t max, size_t *ret_n)
{
	size_t n = 0;
	const char *p = text;
	while (*p && *p != '\n') {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			hi = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (lo > hi || hi >= VB_MAX_CPUS)
			return -EINVAL;
		for (unsigned long c = lo; c <= hi; c++) {
			if (n == max)
				return -E2BIG;
			out[n++] = (unsigned)c;
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	qsort(out, n, sizeof(*out), cmp_unsigned);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || out[k - 1] != out[i])
			out[k++] = out[i];
	*ret_n = k;
	return 0;
}

void vb_cpulist_format(const unsigned *cpus, size_t n, char *out, size_t size)
{
	size_t len = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && len < size;) {
		size_t j = i;
		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		len += (size_t)(j == i ? snprintf(out + len, size - len, "%s%u", len ? "," : "", cpus[i])
				       : snprintf(out + len, size - len, "%s%u-%u", len ? "," : "", cpus[i],
						  cpus[j]));
		i = j + 1;
	}
}

/* A cpulist attribute under dirfd, parsed. */
static int read_cpulist_at(int dirfd, const char *path, unsigned *out, size_t max, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	int r = read_line_at(dirfd, path, &text);
	return r < 0 ? r : vb_cpulist_parse(text, out, max, ret_n);
}

/* The shared_cpu_list of cpuN's level-3 cache, if sysfs describes one. */
static int read_l3(int cpudir, unsigned cpu, unsigned *out, size_t *ret_n)
{
	for (unsigned idx = 0; idx < 8; idx++) {
		char path[96];
		_cleanup_free_ char *level = NULL;
		snprintf(path, sizeof(path), "cpu%u/cache/index%u/level", cpu, idx);
		if (read_line_at(cpudir, path, &level) < 0)
			return -ENOENT;
		if (strcmp(level, "3") != 0)
			continue;
		snprintf(path, sizeof(path), "cpu%u/cache/index%u/shared_cpu_list", cpu, idx);
		return read_cpulist_at(cpudir, path, out, VB_MAX_CPUS, ret_n);
	}
	return -ENOENT;
}

static int cmp_core(const void *a, const void *b)
{
	return cmp_unsigned(&((const VbCpuCore *)a)->cpus[0], &((const VbCpuCore *)b)->cpus[0]);
}

int vb_cpu_topology_read(const VbContext *ctx, VbCpuTopology *ret)
{
	*ret = (VbCpuTopology){0};
	_cleanup_free_ char *dir = NULL;
	int r = vb_sysroot_path(ctx, VB_SYS_CPU, &dir);
	if (r < 0)
		return r;
	int cpudir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cpudir < 0)
		return vb_log_errno(ctx, -errno, "failed to open %s", dir);
	unsigned *online = calloc(VB_MAX_CPUS, sizeof(*online)), *l3_first = NULL;
	unsigned *list = calloc(VB_MAX_CPUS, sizeof(*list));
	VbCpuTopology t = {.cores = calloc(VB_MAX_CPUS, sizeof(VbCpuCore)), .n_l3 = 0};
	size_t n_online = 0;
	if (!online || !list || !t.cores || !(l3_first = calloc(VB_MAX_CPUS, sizeof(*l3_first)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = read_cpulist_at(cpudir, "online", online, VB_MAX_CPUS, &n_online)) < 0 || n_online == 0) {
		vb_log_errno(ctx, r < 0 ? r : -ENOENT, "failed to read %s/online", dir);
		r = r < 0 ? r : -ENOENT;
		goto out;
	}
	t.n_cpus = (unsigned)n_online;
	t.smt_known = t.l3_known = true;
	for (size_t i = 0; i < n_online; i++) {
		unsigned cpu = online[i];
		size_t n = 0;
		char path[96];
		/* a CPU already placed in a core as a sibling */
		bool placed = false;
		for (size_t c = 0; c < t.n_cores && !placed; c++)
			for (unsigned k = 0; k < t.cores[c].n_cpus; k++)
				placed = placed || t.cores[c].cpus[k] == cpu;
		if (placed)
			continue;
		snprintf(path, sizeof(path), "cpu%u/topology/core_cpus_list", cpu);
		if (read_cpulist_at(cpudir, path, list, VB_MAX_CPUS, &n) < 0) {
			snprintf(path, sizeof(path), "cpu%u/topology/thread_siblings_list", cpu);
			if (read_cpulist_at(cpudir, path, list, VB_MAX_CPUS, &n) < 0) {
				t.smt_known = false;
				list[0] = cpu, n = 1;
			}
		}
		VbCpuCore *core = &t.cores[t.n_cores++];
		for (size_t k = 0; k < n && core->n_cpus < VB_MAX_SMT; k++)
			/* only online siblings: an offlined thread is not there to pin */
			if (bsearch(&list[k], online, n_online, sizeof(*online), cmp_unsigned))
				core->cpus[core->n_cpus++] = list[k];
		if (core->n_cpus == 0)
			core->cpus[core->n_cpus++] = cpu;
		/* its L3 domain, named by the domain's lowest CPU */
		if (t.l3_known && read_l3(cpudir, cpu, list, &n) == 0 && n > 0) {
			unsigned first = list[0];
			unsigned d = 0;
			while (d < t.n_l3 && l3_first[d] != first)
				d++;
			if (d == t.n_l3)
				l3_first[t.n_l3++] = first;
			core->l3 = (int)d;
		} else
			t.l3_known = false;
	}
	qsort(t.cores, t.n_cores, sizeof(*t.cores), cmp_core);
	if (!t.l3_known) {
		for (size_t c = 0; c < t.n_cores; c++)
			t.cores[c].l3 = 0;
		t.n_l3 = 1;
	} else {
		/* number the domains by their lowest CPU, whatever order the cores were read in */
		int *renum = calloc(t.n_l3, sizeof(*renum));
		unsigned next = 0;
		if (!renum) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t d = 0; d < t.n_l3; d++)
			renum[d] = -1;
		for (size_t c = 0; c < t.n_cores; c++) {
			if (renum[t.cores[c].l3] < 0)
				renum[t.cores[c].l3] = (int)next++;
			t.cores[c].l3 = renum[t.cores[c].l3];
		}
		free(renum);
	}
	*ret = t;
	t.cores = NULL;
	r = 0;
out:
	free(t.cores);
	free(online);
	free(list);
	free(l3_first);
	close(cpudir);
	return r;
}

void vb_cpu_topology_done(VbCpuTopology *t)
{
	free(t->cores);
	*t = (VbCpuTopology){0};
}
