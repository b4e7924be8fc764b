/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The model: PCI devices sorted by address, IOMMU groups sorted by id, the host. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../paths.h"
#include "probe.h"

bool vb_device_is_display(const VbDevice *d)
{
	return vb_device_base_class(d) == 0x03;
}

bool vb_device_is_bridge(const VbDevice *d)
{
	/* host, ISA, PCI-to-PCI bridges: none of them is handed to a guest, and a group that
	 * holds one with other endpoints is still viable */
	return vb_device_base_class(d) == 0x06;
}

void vb_devices_free(VbDevice *devs, size_t n)
{
	for (size_t i = 0; devs && i < n; i++) {
		VbDevice *d = &devs[i];
		free(d->vendor_name);
		free(d->device_name);
		free(d->class_name);
		free(d->driver);
		free(d->modalias);
		free(d->upstream);
	}
	free(devs);
}

VbModel *vb_model_free(VbModel *m)
{
	if (!m)
		return NULL;
	vb_devices_free(m->devices, m->n_devices);
	for (size_t i = 0; i < m->n_groups; i++)
		free(m->groups[i].devices);
	free(m->groups);
	vb_host_done(&m->host);
	vb_host_disks_free(m->host_disks, m->n_host_disks);
	free(m);
	return NULL;
}

static int device_cmp(const void *a, const void *b)
{
	return vb_pci_address_cmp(&((const VbDevice *)a)->addr, &((const VbDevice *)b)->addr);
}

static int device_ptr_group_cmp(const void *a, const void *b)
{
	const VbDevice *x = *(const VbDevice *const *)a, *y = *(const VbDevice *const *)b;
	if (x->iommu_group != y->iommu_group)
		return x->iommu_group < y->iommu_group ? -1 : 1;
	return vb_pci_address_cmp(&x->addr, &y->addr);
}

/* Groups come from the devices' iommu_group links: the kernel's own grouping. Sorting the
 * device pointers by (group, address) builds every group in one pass: O(n log n). */
static int build_groups(const VbContext *ctx, VbModel *m)
{
	_cleanup_free_ VbDevice **byg = calloc(m->n_devices ? m->n_devices : 1, sizeof(*byg));
	if (!byg)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < m->n_devices; i++)
		if (m->devices[i].iommu_group >= 0)
			byg[k++] = &m->devices[i];
	qsort(byg, k, sizeof(*byg), device_ptr_group_cmp);

	size_t n_groups = 0;
	for (size_t i = 0; i < k; i++)
		if (i == 0 || byg[i]->iommu_group != byg[i - 1]->iommu_group)
			n_groups++;
	m->groups = calloc(n_groups ? n_groups : 1, sizeof(*m->groups));
	if (!m->groups)
		return -ENOMEM;
	for (size_t i = 0; i < k;) {
		size_t j = i;
		while (j < k && byg[j]->iommu_group == byg[i]->iommu_group)
			j++;
		VbGroup *g = &m->groups[m->n_groups++];
		g->id = byg[i]->iommu_group;
		g->n_devices = j - i;
		g->devices = malloc(g->n_devices * sizeof(*g->devices));
		if (!g->devices)
			return -ENOMEM;
		memcpy(g->devices, byg + i, g->n_devices * sizeof(*g->devices));
		i = j;
	}

	/* A group directory with no device in it is odd (a device removed while we read) but
	 * harmless; say so for whoever debugs an unexpected layout. */
	_cleanup_free_ char *dir = NULL;
	if (vb_sysroot_path(ctx, VB_SYS_IOMMU_GROUPS, &dir) < 0)
		return -ENOMEM;
	DIR *d = opendir(dir);
	if (d) {
		for (struct dirent *e; (e = readdir(d));) {
			if (e->d_name[0] == '.')
				continue;
			char *end;
			long id = strtol(e->d_name, &end, 10);
			if (*end || id < 0 || id > INT32_MAX)
				vb_warn(ctx, "%s/%s: not an IOMMU group number, ignored", dir, e->d_name);
			else if (!vb_model_group(m, (int)id))
				vb_debug(ctx, "%s/%s: group without PCI devices", dir, e->d_name);
		}
		closedir(d);
	}
	return 0;
}

int vb_probe(VbContext *ctx, VbModel **ret)
{
	_cleanup_(vb_model_freep) VbModel *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int r = vb_probe_pci(ctx, &m->devices, &m->n_devices);
	if (r < 0)
		return r;
	qsort(m->devices, m->n_devices, sizeof(*m->devices), device_cmp);
	if ((r = build_groups(ctx, m)) < 0)
		return r;
	if ((r = vb_probe_host(ctx, &m->host)) < 0)
		return r;
	if ((r = vb_probe_host_disks(ctx, &m->host_disks, &m->n_host_disks)) < 0)
		return r;
	vb_info(ctx,
		"%s: %zu PCI functions in %zu IOMMU groups; %zu block devices hold the host's file systems",
		vb_context_sysroot(ctx), m->n_devices, m->n_groups, m->n_host_disks);
	*ret = TAKE_PTR(m);
	return 0;
}

bool vb_model_iommu_active(const VbModel *m)
{
	return m->n_groups > 0;
}

VbIommuVendor vb_model_iommu_vendor(const VbModel *m)
{
	if (m->host.iommu_firmware != VB_IOMMU_NONE)
		return m->host.iommu_firmware;
	/* No ACPI table visible (not root): the kernel's unit names tell, else the CPU, and
	 * only when the IOMMU is demonstrably on. */
	if (m->host.iommu_units != VB_IOMMU_NONE)
		return m->host.iommu_units;
	if (!vb_model_iommu_active(m))
		return VB_IOMMU_NONE;
	return m->host.cpu_vendor == VB_CPU_INTEL ? VB_IOMMU_INTEL
	       : m->host.cpu_vendor == VB_CPU_AMD ? VB_IOMMU_AMD
						  : VB_IOMMU_NONE;
}

VbDevice *vb_model_find(const VbModel *m, const VbPciAddress *addr)
{
	VbDevice key = {.addr = *addr};
	return bsearch(&key, m->devices, m->n_devices, sizeof(*m->devices), device_cmp);
}

static int group_id_cmp(const void *key, const void *elem)
{
	int id = *(const int *)key, gid = ((const VbGroup *)elem)->id;
	return id < gid ? -1 : id > gid;
}

const VbGroup *vb_model_group(const VbModel *m, int id)
{
	if (!m->groups)
		return NULL;
	return bsearch(&id, m->groups, m->n_groups, sizeof(*m->groups), group_id_cmp);
}

const VbHostDisk *vb_model_host_disk(const VbModel *m, const VbDevice *d)
{
	for (size_t i = 0; i < m->n_host_disks; i++)
		if (strcmp(m->host_disks[i].pci_address, d->address) == 0)
			return &m->host_disks[i];
	return NULL;
}

const VbDevice *vb_model_boot_vga(const VbModel *m)
{
	for (size_t i = 0; i < m->n_devices; i++)
		if (m->devices[i].boot_vga)
			return &m->devices[i];
	return NULL;
}

bool vb_model_is_guest_gpu(const VbModel *m, const VbDevice *d)
{
	const VbDevice *bv = vb_model_boot_vga(m);
	return vb_device_is_display(d) && !(bv && vb_pci_same_slot(&bv->addr, &d->addr));
}

size_t vb_model_resolve(const VbModel *m, const VbDeviceSpec *spec, const VbDevice **ret,
			const VbDevice *ret_matches[], size_t max_matches)
{
	if (!spec->by_id) {
		const VbDevice *d = vb_model_find(m, &spec->addr);
		if (d) {
			*ret = d;
			if (max_matches > 0 && ret_matches)
				ret_matches[0] = d;
		}
		return d ? 1 : 0;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->n_devices; i++) {
		const VbDevice *d = &m->devices[i];
		if (d->vendor != spec->vendor || d->device != spec->device)
			continue;
		if (ret_matches && n < max_matches)
			ret_matches[n] = d;
		if (n++ == 0)
			*ret = d;
	}
	return n;
}
