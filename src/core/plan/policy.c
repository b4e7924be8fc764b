/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The safety policy, pure over the model and the selection:
 *  - expansion: a selected device brings every function of its slot; other endpoints of its
 *    IOMMU group must go too or the group is not viable (bridges stay with the host);
 *  - refusals (DESIGN.md section 5), each overridable by --force or by the selection entry's
 *    allow= list, except not-found;
 *  - the binding method: vfio-pci ids unless a device outside the plan has the same IDs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "plan.h"

int vb_issue_add(VbMessages *l, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vb_messages_addv(l, code, 0, NULL, fmt, ap);
	va_end(ap);
	return r;
}

static VbPlanDevice *planned(VbPlan *p, const VbDevice *d)
{
	for (size_t i = 0; i < p->n_devices; i++)
		if (p->devices[i].dev == d)
			return &p->devices[i];
	return NULL;
}

static int plan_add(VbPlan *p, const VbDevice *d, VbReason reason, const VbSelectedDevice *origin)
{
	if (planned(p, d))
		return 0;
	VbPlanDevice *v = realloc(p->devices, (p->n_devices + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->devices = v;
	p->devices[p->n_devices++] = (VbPlanDevice){d, reason, origin};
	return 0;
}

static const char *name_of(const VbDevice *d)
{
	return d->device_name && *d->device_name ? d->device_name : d->class_name;
}

/* Is refusal r overridden for a planned device? */
static bool allowed(const VbPlanDevice *pd, bool force, VbRefusal r)
{
	return force || (pd->origin && (pd->origin->allow & r));
}

/* A refusal: an error, or, when the user accepted it (--force, allow=), a warning with the
 * same code so that the plan still says what it does to the host. */
static int verdict(VbPlan *p, bool accepted, VbRefusal r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int verdict(VbPlan *p, bool accepted, VbRefusal r, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, _(fmt), ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	int ret = accepted ? vb_issue_add(&p->warnings, vb_refusal_name(r), "accepted: %s", msg)
			   : vb_issue_add(&p->errors, vb_refusal_name(r), "%s", msg);
	free(msg);
	return ret;
}
#define refuse(p, r, ...) verdict(p, false, r, __VA_ARGS__)

static int device_order_cmp(const void *a, const void *b)
{
	return vb_pci_address_cmp(&((const VbPlanDevice *)a)->dev->addr,
				  &((const VbPlanDevice *)b)->dev->addr);
}

/* Selected devices and their slot functions: those bound at boot, or (handoff) those
 * moved when a VM starts. */
static int expand_slots(const VbModel *m, const VbSelection *sel, bool handoff, VbPlan *p)
{
	int r;
	for (size_t i = 0; i < sel->n_devices; i++) {
		const VbSelectedDevice *s = &sel->devices[i];
		if (s->handoff != handoff)
			continue;
		char addr[VB_ADDRESS_MAX];
		vb_pci_address_format(&s->addr, addr);
		const VbDevice *d = vb_model_find(m, &s->addr);
		if (!d) {
			if ((r = refuse(p, VB_REFUSE_NOT_FOUND,
					"%s (%04x:%04x) is selected but not present in this machine", addr,
					s->vendor, s->device)) < 0)
				return r;
			continue;
		}
		if (d->vendor != s->vendor || d->device != s->device ||
		    (s->has_subsystem && (d->subsystem_vendor != s->subsystem_vendor ||
					  d->subsystem_device != s->subsystem_device))) {
			if ((r = refuse(
				 p, VB_REFUSE_NOT_FOUND,
				 "%s now holds %04x:%04x (subsystem %04x:%04x), not the selected %04x:%04x: "
				 "the hardware changed; remove it and add the device again",
				 addr, d->vendor, d->device, d->subsystem_vendor, d->subsystem_device,
				 s->vendor, s->device)) < 0)
				return r;
			continue;
		}
		if ((r = plan_add(p, d, VB_REASON_SELECTED, s)) < 0)
			return r;
	}
	/* slot functions: iterate over a snapshot, plan_add appends */
	size_t n = p->n_devices;
	for (size_t i = 0; i < n; i++) {
		const VbPlanDevice pd = p->devices[i];
		for (size_t j = 0; j < m->n_devices; j++)
			if (vb_pci_same_slot(&m->devices[j].addr, &pd.dev->addr) &&
			    (r = plan_add(p, &m->devices[j], VB_REASON_SAME_SLOT, pd.origin)) < 0)
				return r;
	}
	return 0;
}

/* Other endpoints of each planned device's group. */
static int expand_groups(const VbModel *m, bool force, VbPlan *p)
{
	int r;
	size_t n = p->n_devices;
	for (size_t i = 0; i < n; i++) {
		const VbPlanDevice pd = p->devices[i];
		const VbGroup *g = pd.dev->iommu_group >= 0 ? vb_model_group(m, pd.dev->iommu_group) : NULL;
		bool seen = false; /* one verdict per group */
		for (size_t j = 0; j < i && g; j++)
			seen = seen || p->devices[j].dev->iommu_group == g->id;
		if (!g || seen)
			continue;
		char others[1024] = "";
		size_t len = 0;
		bool any = false, accepted = allowed(&pd, force, VB_REFUSE_GROUP_NOT_VIABLE);
		for (size_t j = 0; j < g->n_devices; j++) {
			const VbDevice *o = g->devices[j];
			if (vb_device_is_bridge(o) || planned(p, o))
				continue;
			if (accepted && (r = plan_add(p, o, VB_REASON_SAME_GROUP, pd.origin)) < 0)
				return r;
			any = true;
			if (len < sizeof(others) - 1)
				len += (size_t)snprintf(others + len, sizeof(others) - len, "%s%s (%s)",
							len ? ", " : "", o->address, o->class_name);
		}
		if (any &&
		    (r = verdict(p, accepted, VB_REFUSE_GROUP_NOT_VIABLE,
				 "IOMMU group %d of %s also holds %s: a guest gets whole groups; "
				 "--force passes them all, or move the card to a slot with its own group",
				 g->id, pd.dev->address, others)) < 0)
			return r;
	}
	return 0;
}

static int check_boot_vga(bool force, bool handoff, VbPlan *p)
{
	for (size_t i = 0; i < p->n_devices; i++) {
		const VbPlanDevice *pd = &p->devices[i];
		if (pd->dev->boot_vga && handoff)
			/* single-GPU use: only dynamic, and only when the entry says so itself */
			return verdict(p, pd->origin && (pd->origin->allow & VB_REFUSE_BOOT_VGA),
				       VB_REFUSE_BOOT_VGA,
				       "%s (%s) is the boot VGA device, the host's console: handing it off "
				       "leaves the host without a display while the VM runs; allow=boot-vga "
				       "on its line in /etc/vfio-boot.conf accepts single-GPU use",
				       pd->dev->address, name_of(pd->dev));
		if (pd->dev->boot_vga)
			return verdict(
			    p, allowed(pd, force, VB_REFUSE_BOOT_VGA), VB_REFUSE_BOOT_VGA,
			    "%s (%s) is the boot VGA device, the host's console: passing it leaves the host "
			    "without a display until the guest ends; --force accepts single-GPU operation",
			    pd->dev->address, name_of(pd->dev));
	}
	return 0;
}

/* The host's disks: a planned device that carries one, or shares a group with one. */
static int check_host_disks(const VbModel *m, bool force, VbPlan *p)
{
	for (size_t i = 0; i < m->n_host_disks; i++) {
		const VbHostDisk *hd = &m->host_disks[i];
		VbDeviceSpec spec;
		if (vb_device_spec_parse(hd->pci_address, &spec) < 0)
			continue;
		const VbDevice *ctrl = vb_model_find(m, &spec.addr);
		if (!ctrl)
			continue;
		for (size_t j = 0; j < p->n_devices; j++) {
			const VbPlanDevice *pd = &p->devices[j];
			bool same = pd->dev == ctrl ||
				    (ctrl->iommu_group >= 0 && ctrl->iommu_group == pd->dev->iommu_group);
			if (!same)
				continue;
			return verdict(p, allowed(pd, force, VB_REFUSE_HOST_DISK), VB_REFUSE_HOST_DISK,
				       "%s (%s) carries %s, %s on this host%s%s; --force takes the disk away "
				       "from the host",
				       ctrl->address, ctrl->class_name, hd->block, hd->use_text,
				       pd->dev == ctrl ? "" : _(", and shares an IOMMU group with "),
				       pd->dev == ctrl ? "" : pd->dev->address);
		}
	}
	return 0;
}

static int check_last_display(const VbModel *m, bool force, VbPlan *p)
{
	const VbPlanDevice *gpu = NULL;
	for (size_t i = 0; i < m->n_devices; i++) {
		const VbDevice *d = &m->devices[i];
		if (!vb_device_is_display(d))
			continue;
		const VbPlanDevice *pd = planned(p, d);
		if (!pd)
			return 0; /* the host keeps this one */
		gpu = pd;
	}
	if (!gpu)
		return 0;
	return verdict(p, allowed(gpu, force, VB_REFUSE_LAST_DISPLAY), VB_REFUSE_LAST_DISPLAY,
		       "no display device would be left to the host (%s is the last one); --force accepts a "
		       "host without a display",
		       gpu->dev->address);
}

static int check_iommu(const VbModel *m, bool force, VbPlan *p)
{
	if (vb_model_iommu_active(m) || p->n_devices + p->errors.n == 0)
		return 0;
	if (m->host.iommu_firmware != VB_IOMMU_NONE || m->host.n_iommu_units > 0)
		/* the parameters we add turn it on; the groups are checked after the reboot */
		return vb_issue_add(
		    &p->warnings, "iommu-off",
		    "the IOMMU is off until the next boot with the planned kernel parameters; "
		    "group isolation is not checked yet: run 'vfio-boot check' after the reboot");
	bool accepted = false;
	for (size_t i = 0; i < p->n_devices; i++)
		accepted = accepted || allowed(&p->devices[i], force, VB_REFUSE_NO_IOMMU);
	return verdict(
	    p, accepted, VB_REFUSE_NO_IOMMU,
	    "the firmware offers no IOMMU (no ACPI DMAR or IVRS table, no IOMMU groups): enable VT-d or "
	    "AMD-Vi in the firmware setup first; --force writes the configuration anyway");
}

static int choose_method(const VbModel *m, const VbSelection *sel, VbPlan *p)
{
	const VbDevice *twin = NULL, *mine = NULL;
	for (size_t i = 0; i < m->n_devices && !twin; i++) {
		const VbDevice *d = &m->devices[i];
		if (planned(p, d))
			continue;
		for (size_t j = 0; j < p->n_devices; j++)
			if (p->devices[j].dev->vendor == d->vendor &&
			    p->devices[j].dev->device == d->device) {
				twin = d;
				mine = p->devices[j].dev;
				break;
			}
	}
	switch (sel->method) {
	case VB_METHOD_IDS:
		p->method = VB_METHOD_IDS;
		if (twin)
			return vb_issue_add(
			    &p->warnings, "ids-shared",
			    "method ids: vfio-pci.ids=%04x:%04x also claims %s, which stays with the host; "
			    "use 'method address'",
			    twin->vendor, twin->device, twin->address);
		return 0;
	case VB_METHOD_ADDRESS:
		p->method = VB_METHOD_ADDRESS;
		return 0;
	case VB_METHOD_AUTO:
		break;
	}
	p->method = twin ? VB_METHOD_ADDRESS : VB_METHOD_IDS;
	if (twin)
		return vb_issue_add(&p->warnings, "identical-ids",
				    "%s has the same IDs (%04x:%04x) as the planned %s: binding by address",
				    twin->address, twin->vendor, twin->device, mine->address);
	return 0;
}

static int issues_move(VbMessages *to, VbMessages *from)
{
	if (from->n == 0)
		return 0;
	VbMessage *v = realloc(to->v, (to->n + from->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v + to->n, from->v, from->n * sizeof(*v));
	to->v = v;
	to->n += from->n;
	free(from->v);
	*from = (VbMessages){0};
	return 0;
}

/* The devices handed off when a VM starts: the same expansion and refusals as at boot, on
 * a plan of their own, except the last display (the host gets it back when the VM ends)
 * and the boot VGA device (single-GPU use, accepted only by its own entry). */
static int expand_handoff(const VbModel *m, const VbSelection *sel, bool force, VbPlan *p)
{
	VbPlan h = {.model = m, .selection = sel};
	int r;
	if ((r = expand_slots(m, sel, true, &h)) >= 0 && (r = expand_groups(m, force, &h)) >= 0) {
		if (h.n_devices > 1)
			qsort(h.devices, h.n_devices, sizeof(*h.devices), device_order_cmp);
		if ((r = check_boot_vga(force, true, &h)) >= 0 && (r = check_host_disks(m, force, &h)) >= 0 &&
		    p->n_devices == 0) /* else the boot pass said it */
			r = check_iommu(m, force, &h);
	}
	for (size_t i = 0; i < h.n_devices && r >= 0; i++)
		if (planned(p, h.devices[i].dev))
			r = vb_issue_add(&p->errors, "handoff-conflict",
					 "%s would be bound at boot and handed off at VM start: a slot "
					 "goes one way; mark all its selected functions 'handoff' or none",
					 h.devices[i].dev->address);
	if (r >= 0 && (r = issues_move(&p->errors, &h.errors)) >= 0)
		r = issues_move(&p->warnings, &h.warnings);
	p->handoff = h.devices;
	p->n_handoff = h.n_devices;
	free(h.errors.v);
	free(h.warnings.v);
	return r;
}

int vb_policy_expand(const VbModel *m, const VbSelection *sel, bool force, VbPlan *p)
{
	int r;
	if ((r = expand_slots(m, sel, false, p)) < 0 || (r = expand_groups(m, force, p)) < 0)
		return r;
	if (p->n_devices > 1)
		qsort(p->devices, p->n_devices, sizeof(*p->devices), device_order_cmp);
	if ((r = check_boot_vga(force, false, p)) < 0 || (r = check_host_disks(m, force, p)) < 0 ||
	    (r = check_last_display(m, force, p)) < 0 || (r = check_iommu(m, force, p)) < 0 ||
	    (r = expand_handoff(m, sel, force, p)) < 0)
		return r;
	/* a handed-off device is outside the boot plan: one with the same IDs means binding by
	 * address, as for any twin */
	return choose_method(m, sel, p);
}

const char *vb_reason_name(VbReason r)
{
	return r == VB_REASON_SAME_SLOT ? "same-slot" : r == VB_REASON_SAME_GROUP ? "same-group" : "selected";
}
