/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU, memory, command line and IOMMU hardware: everything about the host that is not a
 * PCI device. Missing files are not errors: the fields stay unknown and the checks say so. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../paths.h"
#include "../util/fileio.h"
#include "../util/strv.h"
#include "probe.h"

/* Value of "key\t: value" if line starts with key. */
static const char *cpuinfo_value(const char *line, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n) != 0)
		return NULL;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != ':')
		return NULL;
	line++;
	while (*line == ' ')
		line++;
	return line;
}

/* Only the first processor block is read: the flags that matter are the same on all. */
int vb_parse_cpuinfo(const char *text, VbHost *h)
{
	const char *line = text;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len == 0 && h->cpu_vendor != VB_CPU_UNKNOWN)
			break; /* end of the first block */
		_cleanup_free_ char *l = strndup(line, len);
		if (!l)
			return -ENOMEM;
		const char *v;
		if ((v = cpuinfo_value(l, "vendor_id"))) {
			if (strcmp(v, "GenuineIntel") == 0)
				h->cpu_vendor = VB_CPU_INTEL;
			else if (strcmp(v, "AuthenticAMD") == 0 || strcmp(v, "HygonGenuine") == 0)
				h->cpu_vendor = VB_CPU_AMD;
		} else if ((v = cpuinfo_value(l, "model name"))) {
			free(h->cpu_model);
			if (!(h->cpu_model = strdup(v)))
				return -ENOMEM;
		} else if ((v = cpuinfo_value(l, "flags"))) {
			size_t vl = strlen(v);
			h->cpu_virt = vb_has_word(v, vl, "vmx") || vb_has_word(v, vl, "svm");
		}
		line = end ? end + 1 : NULL;
	}
	return 0;
}

int vb_parse_meminfo(const char *text, uint64_t *ret_kib)
{
	const char *p = strstr(text, "MemTotal:");
	if (!p || (p != text && p[-1] != '\n'))
		return -ENODATA;
	unsigned long long kib;
	if (sscanf(p, "MemTotal: %llu kB", &kib) != 1)
		return -EINVAL;
	*ret_kib = kib;
	return 0;
}

/* With interrupt remapping on, the MSI and IO-APIC interrupt chips are the IOMMU's remapping
 * domains, listed as "IR-PCI-MSI..." / "IR-IO-APIC" in /proc/interrupts (Intel and AMD). */
VbTristate vb_parse_interrupts_remapped(const char *text)
{
	if (!text || !*text)
		return VB_UNKNOWN;
	if (strstr(text, " IR-"))
		return VB_YES;
	return strstr(text, "PCI-MSI") || strstr(text, "IO-APIC") ? VB_NO : VB_UNKNOWN;
}

static int read_proc(const VbContext *ctx, const char *rel, char **ret)
{
	_cleanup_free_ char *p = NULL;
	int r = vb_sysroot_path(ctx, rel, &p);
	if (r < 0)
		return r;
	r = read_file_at(AT_FDCWD, p, 16 * 1024 * 1024, ret, NULL);
	if (r < 0 && r != -ENOENT)
		vb_log_errno(ctx, r, "failed to read %s", p);
	return r;
}

static bool sysroot_exists(const VbContext *ctx, const char *rel)
{
	_cleanup_free_ char *p = NULL;
	return vb_sysroot_path(ctx, rel, &p) >= 0 && access(p, F_OK) == 0;
}

/* IOMMU units: Intel's are named dmarN, AMD's ivhdN. */
static void probe_iommu_units(const VbContext *ctx, VbHost *h)
{
	_cleanup_free_ char *p = NULL;
	if (vb_sysroot_path(ctx, VB_SYS_CLASS_IOMMU, &p) < 0)
		return;
	DIR *d = opendir(p);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		h->n_iommu_units++;
		if (strncmp(e->d_name, "dmar", 4) == 0)
			h->iommu_units = VB_IOMMU_INTEL;
		else if (strncmp(e->d_name, "ivhd", 4) == 0)
			h->iommu_units = VB_IOMMU_AMD;
	}
	closedir(d);
}

int vb_probe_host(const VbContext *ctx, VbHost *h)
{
	_cleanup_free_ char *cpuinfo = NULL, *meminfo = NULL, *cmdline = NULL, *interrupts = NULL;
	int r;

	*h = (VbHost){.interrupt_remapping = VB_UNKNOWN};
	if (read_proc(ctx, VB_PROC_CPUINFO, &cpuinfo) >= 0 && (r = vb_parse_cpuinfo(cpuinfo, h)) < 0)
		return r;
	if (read_proc(ctx, VB_PROC_MEMINFO, &meminfo) >= 0)
		(void)vb_parse_meminfo(meminfo, &h->mem_total_kib);
	if (read_proc(ctx, VB_PROC_CMDLINE, &cmdline) >= 0) {
		cmdline[strcspn(cmdline, "\n")] = 0;
		h->cmdline = TAKE_PTR(cmdline);
	}
	if (read_proc(ctx, VB_PROC_INTERRUPTS, &interrupts) >= 0)
		h->interrupt_remapping = vb_parse_interrupts_remapped(interrupts);

	if (sysroot_exists(ctx, VB_SYS_ACPI_DMAR))
		h->iommu_firmware = VB_IOMMU_INTEL;
	else if (sysroot_exists(ctx, VB_SYS_ACPI_IVRS))
		h->iommu_firmware = VB_IOMMU_AMD;
	probe_iommu_units(ctx, h);
	h->efi = sysroot_exists(ctx, VB_SYS_EFI);
	h->kvm = sysroot_exists(ctx, VB_SYS_KVM);
	return 0;
}

void vb_host_done(VbHost *h)
{
	free(h->cpu_model);
	free(h->cmdline);
	*h = (VbHost){0};
}
