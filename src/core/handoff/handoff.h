/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dynamic handoff: a device the host uses (a single GPU, or a second one the host keeps
 * while no VM runs), moved to vfio-pci when a VM starts and given back when it ends.
 *
 * prepare finds what holds the devices (processes with their device nodes open, the
 * framebuffer console, a firmware framebuffer inside their memory), releases only that,
 * unbinds the drivers (unloading modules only where a driver cannot let go otherwise),
 * binds vfio-pci and checks the IOMMU group. Each step is written to a journal under
 * <sysroot>/run/vfio-boot/handoff/ before it is taken, so that release undoes exactly what
 * was done, and an interrupted prepare (a crash, kill -9) is rolled back by the next
 * prepare or release. A step that does not finish in time, or a holder that does not let
 * go, rolls everything back and names the holder: never a hang.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "plan/plan.h"
#include "vb.h"

#define VB_HANDOFF_DIR "run/vfio-boot/handoff" /* under the sysroot: live state */
#define VB_HANDOFF_DEFAULT_TIMEOUT_S 10

typedef enum VbHolderKind {
	VB_HOLDER_PROCESS,     /* a process with one of the devices' nodes open */
	VB_HOLDER_CONSOLE,     /* the framebuffer console (fbcon on a vtcon) */
	VB_HOLDER_FIRMWARE_FB, /* efifb, simpledrm, vesafb: a platform device in a BAR */
} VbHolderKind;

typedef struct VbHolder {
	VbHolderKind kind;
	char device[VB_ADDRESS_MAX]; /* the PCI function it holds */
	/* a process */
	pid_t pid;
	char comm[64], node[128], unit[128];
	bool display; /* of the display manager or a graphical session: stopping it releases it */
	/* the console: the vtcon; a firmware framebuffer: the platform device and its driver */
	char name[256], driver[256];
} VbHolder;

typedef struct VbHolderList {
	size_t n;
	VbHolder *v;
} VbHolderList;

/* What holds the devices now. */
int vb_handoff_holders(VbContext *ctx, const VbDevice *const *devs, size_t n, VbHolderList *ret);
void vb_holder_list_done(VbHolderList *l);
/* "Xorg (pid 812, display-manager.service) has /dev/dri/card0 open", "the framebuffer
 * console (vtcon1)", "the firmware framebuffer efi-framebuffer.0 (efi-framebuffer)" */
char *vb_holder_describe(const VbHolder *h);

/* The modules to unload so that module name can go, holders first (depth first, as
 * modprobe -r does), name last; built-in ones are refused (-EPERM, named in *ret). */
int vb_handoff_unload_order(VbContext *ctx, const char *name, VbStrv *ret);

/* What handoff reads from a libvirt domain's XML (as the hook gets it on stdin). */
typedef struct VbDomainInfo {
	VbPciAddress *hostdevs; /* the host PCI functions it assigns (hostdev type='pci') */
	size_t n_hostdevs;
	char *vcpu_cpus;     /* the host CPUs its vCPUs are pinned to ("2-5,8"), NULL: not pinned */
	uint64_t memory_kib; /* <memory> */
	bool hugepages;	     /* <memoryBacking><hugepages> */
	uint64_t hugepage_kib;
	char *numa_nodes; /* <numatune><memory nodeset=>, NULL when absent */
} VbDomainInfo;

int vb_domain_xml_read(VbContext *ctx, const char *xml, size_t size, VbDomainInfo *ret);
void vb_domain_info_done(VbDomainInfo *d);

typedef struct VbHandoffOptions {
	unsigned timeout_ms;  /* per step */
	bool dry_run;	      /* say the steps, take none */
	const char *governor; /* the cpufreq governor of the VM's CPUs while it runs, or NULL */
	/* each step, as it starts ("stop display-manager.service"), or as it would */
	void (*progress)(void *userdata, const char *step);
	void *userdata;
} VbHandoffOptions;

/* Moves devs (a slot's functions, from the plan's handoff list) to vfio-pci. name keys the
 * journal (a domain's name). 0 also when they already are (a second prepare). On failure
 * everything done is undone and the error says why and what held on. */
int vb_handoff_prepare(VbContext *ctx, const char *name, const VbDevice *const *devs, size_t n,
		       const VbDomainInfo *domain, const VbHandoffOptions *o);
/* Undoes what prepare did for name, from its journal; 0 when there is none. */
int vb_handoff_release(VbContext *ctx, const char *name, const VbHandoffOptions *o);
