/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-boot core library: the model of a host (probe), the target system (kernels,
 * modules), and the readiness checks. The core never prints and never exits:
 * functions return >= 0 on success and -errno on failure, and report details
 * through the log callback installed on the context.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macro.h"
#include "util/strv.h"

/* ---- context ----------------------------------------------------------- */

typedef enum VbLogLevel {
	VB_LOG_ERR = 3,
	VB_LOG_WARNING = 4,
	VB_LOG_NOTICE = 5,
	VB_LOG_INFO = 6,
	VB_LOG_DEBUG = 7,
} VbLogLevel;

typedef void (*VbLogFn)(void *userdata, VbLogLevel level, const char *fmt, va_list ap);

typedef struct VbContext VbContext;

/* root: the target system whose configuration is read (and later written);
 * sysroot: where live state (sys/, proc/) is read. NULL means "/". */
int vb_context_new(const char *root, const char *sysroot, VbContext **ret);
VbContext *vb_context_free(VbContext *ctx);
/* Read the selection from path (a file outside the root) instead of ROOT/etc/vfio-boot.conf:
 * what a selection would do before it is written. */
int vb_context_set_selection_file(VbContext *ctx, const char *path);
void vb_context_set_log(VbContext *ctx, VbLogFn fn, void *userdata, VbLogLevel max_level);
const char *vb_context_root(const VbContext *ctx);
const char *vb_context_sysroot(const VbContext *ctx);

/* ---- PCI model --------------------------------------------------------- */

typedef struct VbPciAddress {
	uint16_t domain;
	uint8_t bus, slot, function;
} VbPciAddress;

#define VB_ADDRESS_MAX sizeof("ffff:ff:1f.7")

typedef struct VbDevice {
	VbPciAddress addr;
	char address[VB_ADDRESS_MAX]; /* "0000:03:00.0" */
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint8_t header_type; /* without the multifunction bit */
	bool multifunction;
	char *vendor_name, *device_name, *class_name;
	char *driver;	 /* NULL when no driver is bound */
	char *modalias;	 /* NULL when sysfs has none */
	int iommu_group; /* -1 when the device is in no group */
	bool boot_vga;
	bool has_rom;	/* sysfs exposes a "rom" attribute */
	char *upstream; /* address of the bridge above it, NULL on a root bus */
} VbDevice;

typedef struct VbGroup {
	int id;
	size_t n_devices;
	VbDevice **devices; /* borrowed, sorted by address */
} VbGroup;

typedef enum VbCpuVendor { VB_CPU_UNKNOWN, VB_CPU_INTEL, VB_CPU_AMD } VbCpuVendor;
typedef enum VbIommuVendor { VB_IOMMU_NONE, VB_IOMMU_INTEL, VB_IOMMU_AMD } VbIommuVendor;
typedef enum VbTristate { VB_UNKNOWN = -1, VB_NO = 0, VB_YES = 1 } VbTristate;

typedef struct VbHost {
	VbCpuVendor cpu_vendor;
	char *cpu_model;
	bool cpu_virt;		      /* vmx or svm in the CPU flags */
	uint64_t mem_total_kib;	      /* 0 when unknown */
	char *cmdline;		      /* /proc/cmdline without the newline, NULL if unreadable */
	VbIommuVendor iommu_firmware; /* ACPI DMAR (Intel) or IVRS (AMD) table present */
	size_t n_iommu_units;	      /* entries of /sys/class/iommu */
	VbIommuVendor iommu_units;    /* from their names: dmarN (Intel), ivhdN (AMD) */
	VbTristate interrupt_remapping;
	bool efi; /* booted through UEFI */
	bool kvm; /* /dev/kvm exists: the kvm module is loaded (sys/class/misc/kvm) */
} VbHost;

/* A block device the host uses (mounted, or listed in fstab), and the PCI device under it. */
typedef struct VbHostDisk {
	char pci_address[VB_ADDRESS_MAX];
	char *block;	/* "nvme0n1p2", "sda" */
	char *use;	/* "mounted on /", "in fstab for /home" (English: scan's JSON) */
	char *use_text; /* the same in the user's language */
} VbHostDisk;

typedef struct VbModel {
	VbHost host;
	VbHostDisk *host_disks;
	size_t n_host_disks;
	VbDevice *devices; /* sorted by address */
	size_t n_devices;
	VbGroup *groups; /* sorted by id */
	size_t n_groups;
} VbModel;

/* Reads everything under the sysroot. Fails only when the PCI tree cannot be read. */
int vb_probe(VbContext *ctx, VbModel **ret);
VbModel *vb_model_free(VbModel *m);
DEFINE_POINTER_CLEANUP(VbModel, vb_model_free)

bool vb_model_iommu_active(const VbModel *m);
VbIommuVendor vb_model_iommu_vendor(const VbModel *m);
VbDevice *vb_model_find(const VbModel *m, const VbPciAddress *addr);
const VbGroup *vb_model_group(const VbModel *m, int id);
const VbDevice *vb_model_boot_vga(const VbModel *m);
/* A GPU a VM could have: a display device outside the boot console's slot (what check
 * looks at, and setup proposes, when no device is named). */
bool vb_model_is_guest_gpu(const VbModel *m, const VbDevice *d);
/* The first host disk carried by this device, NULL when none. */
const VbHostDisk *vb_model_host_disk(const VbModel *m, const VbDevice *d);

int vb_pci_address_cmp(const VbPciAddress *a, const VbPciAddress *b);
bool vb_pci_same_slot(const VbPciAddress *a, const VbPciAddress *b);
void vb_pci_address_format(const VbPciAddress *a, char buf[static VB_ADDRESS_MAX]);

/* Device classes that matter to passthrough. */
static inline unsigned vb_device_base_class(const VbDevice *d)
{
	return d->class_code >> 16;
}
static inline unsigned vb_device_class16(const VbDevice *d)
{
	return d->class_code >> 8;
}
bool vb_device_is_display(const VbDevice *d);
bool vb_device_is_bridge(const VbDevice *d);

/* True if the kernel command line has key (value NULL) or key=value; for comma-list values
 * (intel_iommu=on,sm_on) any element matches. '-' and '_' are the same in keys. */
bool vb_cmdline_has(const char *cmdline, const char *key, const char *value);
/* The same for a parameter as vfio-boot plans it: "key" or "key=value". */
bool vb_cmdline_has_param(const char *cmdline, const char *param);

/* ---- DEVICE arguments: [DDDD:]BB:DD.F or VVVV:DDDD --------------------- */

typedef struct VbDeviceSpec {
	bool by_id;
	VbPciAddress addr;
	uint16_t vendor, device;
} VbDeviceSpec;

/* -EINVAL for a malformed spec. */
int vb_device_spec_parse(const char *s, VbDeviceSpec *ret);
/* Returns the number of matching devices (0: not found); *ret gets the first match and
 * ret_matches (may be NULL) up to max_matches of them, for listing an ambiguous spec. */
size_t vb_model_resolve(const VbModel *m, const VbDeviceSpec *spec, const VbDevice **ret,
			const VbDevice *ret_matches[], size_t max_matches);

/* ---- option ROM ---------------------------------------------------------- */

#define VB_ROM_MAX_IMAGES 16

typedef enum VbRomCodeType {
	VB_ROM_CODE_X86 = 0x00,
	VB_ROM_CODE_OPEN_FIRMWARE = 0x01,
	VB_ROM_CODE_HP_PA_RISC = 0x02,
	VB_ROM_CODE_EFI = 0x03,
} VbRomCodeType;

typedef struct VbRomImage {
	size_t offset, length; /* bytes */
	uint16_t vendor, device;
	uint8_t code_type;
	bool last;
	/* EFI images only */
	bool efi_signature; /* 0x0EF1 */
	uint16_t efi_subsystem;
	uint16_t efi_machine; /* 0x8664 x64, 0xAA64 AArch64, ... */
	bool efi_compressed;
} VbRomImage;

typedef struct VbRomInfo {
	size_t n_images;
	VbRomImage images[VB_ROM_MAX_IMAGES];
	bool truncated; /* the chain ran past the end of the data or had no last image */
} VbRomInfo;

/* Parses untrusted bytes. -EBADMSG when there is no valid first image. */
int vb_rom_parse(const uint8_t *data, size_t size, VbRomInfo *ret);
/* True if an image is a UEFI driver for the given machine type (0x8664 on x86-64). */
bool vb_rom_has_uefi(const VbRomInfo *info, uint16_t machine);
const char *vb_rom_code_type_name(uint8_t code_type);
/* Reads the device's ROM through sysfs (enabling it for the read when sysfs is real).
 * Needs root on a real system. */
int vb_rom_read(VbContext *ctx, const VbDevice *d, uint8_t **ret_data, size_t *ret_size);

/* ---- target kernels and their modules ---------------------------------- */

typedef enum VbModuleState {
	VB_MODULE_ABSENT,
	VB_MODULE_LOADABLE,
	VB_MODULE_BUILTIN,
} VbModuleState;

/* What plan found in one kernel for the planned functions, and what its image needs. */
typedef struct VbKernelFacts {
	char *version;
	VbModuleState vfio_pci;
	VbStrv drivers;		/* loadable modules that claim a planned function, sorted */
	VbStrv builtin_drivers; /* the same, built into this kernel (they bind before vfio-pci) */
	VbStrv vfio_modules;	/* vfio modules this kernel has as loadable modules */
} VbKernelFacts;

typedef struct VbKernel {
	char *version;
	char *moddir; /* absolute path on this machine, under the root */
} VbKernel;

typedef struct VbKernelList {
	size_t n;
	VbKernel *kernels; /* sorted by version */
} VbKernelList;

/* Every kernel with a module directory under the root (lib/modules, usr/lib/modules). */
int vb_kernels_list(VbContext *ctx, VbKernelList **ret);
VbKernelList *vb_kernel_list_free(VbKernelList *l);

typedef struct VbModules VbModules;
/* A libkmod view of one kernel's module directory (no modprobe.d configuration). */
int vb_modules_open(VbContext *ctx, const VbKernel *k, VbModules **ret);
VbModules *vb_modules_free(VbModules *m);
/* The running kernel's modules with the system's modprobe.d configuration: for loading. */
int vb_modules_open_running(VbContext *ctx, VbModules **ret);
/* Loads a module (or every module an alias names) with its dependencies, as modprobe does:
 * options and softdeps from modprobe.d, the blacklist for aliases; install commands only
 * when asked (vfio-boot's own install line for vfio-pci honours vfio-boot=off). */
int vb_modules_load(VbModules *m, const char *name, bool run_install_commands);
/* Unloads a loaded module (as rmmod: not its dependencies, not when in use). */
int vb_modules_unload(VbModules *m, const char *name);
VbModuleState vb_modules_state(VbModules *m, const char *name);
/* Calls fn for each module whose alias matches (a device's modalias), de-duplicated by the
 * caller. fn returning < 0 stops the walk and is returned. */
int vb_modules_for_alias(VbModules *m, const char *alias, int (*fn)(const char *name, bool builtin, void *ud),
			 void *ud);

/* Tests only: how many fault points (see util/atomic-file.h) this process passed. */
unsigned vb_test_fault_points(void);

/* ---- messages ----------------------------------------------------------- */

/* A message for people with a stable id (DESIGN.md section 4): a check's result, a plan's
 * warning or refusal, what verify found in an image. One type, one list, one way to add. */
typedef struct VbMessage {
	const char *id;
	int level;     /* on the list's own scale: VbCheckStatus, VbVerdict; 0 for a plan's */
	char *message; /* translated */
	char *fix;     /* what to do, translated; NULL when nothing (or the message says it) */
} VbMessage;

typedef struct VbMessages {
	size_t n;
	VbMessage *v;
} VbMessages;

/* Fills m (its id set by the caller): fmt and fix are translated here (the callers' own
 * wrappers are the xgettext keywords), then fmt is formatted. -ENOMEM when out of memory. */
int vb_message_setv(VbMessage *m, int level, const char *fix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* The same, appended to l (unchanged on failure). */
int vb_messages_addv(VbMessages *l, const char *id, int level, const char *fix, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
void vb_messages_done(VbMessages *l);

/* ---- readiness checks -------------------------------------------------- */

typedef enum VbCheckStatus { VB_CHECK_PASS, VB_CHECK_WARN, VB_CHECK_FAIL, VB_CHECK_SKIP } VbCheckStatus;

/* A check's result: its level is a VbCheckStatus */
typedef VbMessage VbCheck;

typedef struct VbCheckReport {
	VbMessages checks;
} VbCheckReport;

typedef struct VbCheckOptions {
	const VbDevice **devices; /* the devices to pass through; none: every candidate GPU */
	size_t n_devices;
	bool read_rom;			    /* read option ROMs through sysfs (root, touches hardware) */
	const char *const *kernels;	    /* target kernels; NULL: every kernel under the root */
	const char *only;		    /* run only the check with this id; NULL: all */
	const char *bootloader, *initramfs; /* as --bootloader=, --initramfs=; NULL: detect */
} VbCheckOptions;

int vb_check_run(VbContext *ctx, const VbModel *m, const VbCheckOptions *opts, VbCheckReport **ret);
VbCheckReport *vb_check_report_free(VbCheckReport *r);
const char *vb_check_status_name(VbCheckStatus s);

/* Known reset problems of a device, NULL when none is known. */
typedef struct VbResetQuirk {
	uint16_t vendor;
	uint16_t device;
	const char *family;
	const char *workaround;
} VbResetQuirk;

const VbResetQuirk *vb_reset_quirk_find(uint16_t vendor, uint16_t device);
