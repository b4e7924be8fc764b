/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * profile: a complete VM for the devices the plan gives to vfio-pci, as a libvirt domain.
 * Building it (profile.c) takes every decision from the host and the options and records
 * why; writing it (domain.c) turns that into XML with libxml2's writer, gated on the
 * libvirt version the domain is for (reference/vm-profile.md section 2).
 */
#pragma once

#include <stdint.h>

#include "../plan/plan.h"
#include "../util/strbuf.h"
#include "pinning.h"

typedef enum VbGuestOs { VB_OS_WINDOWS11, VB_OS_WINDOWS10, VB_OS_LINUX } VbGuestOs;

/* What runs the guest: KVM, or QEMU's emulator (TCG) on a host without /dev/kvm. */
typedef enum VbAccel { VB_ACCEL_AUTO, VB_ACCEL_KVM, VB_ACCEL_TCG } VbAccel;

/* libvirt versions as major * 1000 + minor: 8006 is 8.6 */
#define VB_LIBVIRT(major, minor) ((major)*1000 + (minor))
/* what is assumed when the installed libvirt cannot be asked: Debian 12's */
#define VB_LIBVIRT_DEFAULT VB_LIBVIRT(9, 0)
/* from 7.2, libvirt picks the firmware from <os firmware='efi'> and a feature list; before,
 * the OVMF files are named from QEMU's descriptors */
#define VB_LIBVIRT_FIRMWARE_FEATURES VB_LIBVIRT(7, 2)
/* the oldest the generator writes for: the TPM emulator backend */
#define VB_LIBVIRT_MIN VB_LIBVIRT(4, 5)

typedef struct VbProfileOptions {
	const char *name; /* default: the first passed device's name, as a domain name */
	VbGuestOs os;
	uint64_t memory_mib;		    /* 0: half the host's memory, at most 16 GiB, at least 4 */
	unsigned vcpus;			    /* 0: from the topology (pinning.h) */
	const char *disk;		    /* an image file or a block device; NULL: none */
	const char *disk_size;		    /* create the image file this large ("64G") if missing */
	const char *const *isos;	    /* CD-ROMs, the first boots; NULL-terminated or NULL */
	const char *drivers_iso;	    /* Windows: virtio-win.iso; the disk is virtio with it */
	const char *rom_file;		    /* the GPU's VBIOS to show the guest; NULL: its own */
	const char *const *usb_controllers; /* more PCI functions to pass whole, NULL-terminated */
	const char *const *usb_devices;	    /* "VVVV:PPPP" USB devices to pass, NULL-terminated */
	const char *const *evdev;	    /* {"auto"}, {"none"} or device paths; NULL: none */
	unsigned looking_glass_width, looking_glass_height; /* 0: no Looking Glass */
	bool hugepages;	     /* back the memory with huge pages, if the host has enough */
	bool hide_kvm;	     /* <kvm><hidden>: only NVIDIA drivers before 465 need it */
	VbAccel accel;	     /* AUTO: KVM when the host has /dev/kvm, TCG otherwise */
	unsigned libvirt;    /* VB_LIBVIRT(x, y) */
	bool firmware_files; /* name the OVMF files whatever the libvirt version (QEMU format) */
	bool proxmox;	     /* for qemu-server, which chooses the firmware and runs QEMU itself */
} VbProfileOptions;

/* The firmware files, from QEMU's firmware descriptors (firmware.c). */
typedef struct VbFirmware {
	char code[512], vars_template[512];
	bool requires_smm;
	char descriptor[512]; /* the file that chose them, as a path on the target */
} VbFirmware;

/* -ENOENT when no descriptor fits. */
int vb_firmware_choose(VbContext *ctx, bool secure_boot, VbFirmware *ret);

/* Who moves a hostdev to vfio-pci and back: vfio-boot at boot (it stays on vfio-pci),
 * vfio-boot's libvirt hook (handoff, at VM start and end), or libvirt (managed='yes'). */
typedef enum VbHostdevOwner { VB_HOSTDEV_BOOT, VB_HOSTDEV_HANDOFF, VB_HOSTDEV_LIBVIRT } VbHostdevOwner;

typedef struct VbProfileHostdev {
	const VbDevice *dev;
	unsigned guest_bus;	 /* a pcie-root-port of its own per host slot */
	unsigned guest_function; /* the function's rank in its slot: function 0 stays 0 */
	bool multifunction;	 /* function 0 of a slot passed with others */
	bool is_gpu;
	VbHostdevOwner owner;
} VbProfileHostdev;

typedef struct VbProfile {
	VbProfileOptions opts;
	char *name;
	VbCpuVendor cpu_vendor;
	bool kvm; /* type='kvm'; false: type='qemu', the emulator (TCG) */
	VbPinning pinning;
	uint64_t memory_mib;
	bool hugepages; /* asked for and possible */
	bool secure_boot;
	char *disk_path;	 /* the image file, or the block device's /dev/disk/by-id name */
	const char *disk_format; /* raw, qcow2, vmdk, vdi or vhdx, read from the file */
	bool disk_block;
	bool disk_sata;	     /* a Windows installer without the virtio driver sees SATA */
	const char **cdroms; /* the ISOs, then the drivers ISO (the options' strings) */
	size_t n_cdroms;
	bool explicit_firmware; /* libvirt before 7.2: paths in <loader> and <nvram> */
	VbFirmware firmware;
	struct {
		uint16_t vendor, product;
	} * usb_devices;
	size_t n_usb_devices;
	char **evdev; /* device paths */
	size_t n_evdev;
	size_t evdev_grabber;	    /* the one that grabs them all, with the toggle: the first keyboard,
				     * else the first device */
	unsigned looking_glass_mib; /* the shared memory's size, 0 without Looking Glass */
	VbProfileHostdev *hostdevs;
	size_t n_hostdevs;
	unsigned n_buses;
	VbMessages notes; /* each choice made from the host, in words, in order: XML comments, stderr */
} VbProfile;

int vb_profile_build(VbContext *ctx, const VbModel *m, const VbPlan *plan, const VbProfileOptions *opts,
		     VbProfile **ret);
VbProfile *vb_profile_free(VbProfile *p);

/* The libvirt domain XML, NUL-terminated, to free(). -EOPNOTSUPP with *ret_error (to free)
 * when libxml2 cannot be loaded. */
int vb_profile_libvirt_xml(const VbProfile *p, char **ret, char **ret_error);

/* The same VM as a shell script running qemu-system-x86_64 (built with firmware_files). */
int vb_profile_qemu_script(const VbProfile *p, char **ret);

/* --format=proxmox: a shell script of qm commands that create the VM on Proxmox VE (built
 * with proxmox). -E2BIG with *ret_error (to free) where qemu-server's rules for hostpci
 * refuse the devices. */
int vb_profile_proxmox_script(const VbProfile *p, char **ret, char **ret_error);

/* --format=kubevirt and --format=nova: the boot-bound devices of the plan for a node that a
 * platform schedules VMs on: KubeVirt's permittedHostDevices (YAML), OpenStack Nova's [pci]
 * device_spec and alias lines (nova.conf). -ENOENT when none is bound at boot. */
int vb_platform_kubevirt(const VbPlan *plan, char **ret);
int vb_platform_nova(const VbPlan *plan, char **ret);

/* For the generated scripts: s as one shell word ('it'\''s'); text as "# " lines wrapped
 * at spaces near 90 columns. */
void vb_sh_word(StrBuf *b, const char *s);
void vb_sh_comment(StrBuf *b, const char *text);

/* Defines the domain on the libvirt connection uri (qemu:///system) through libvirt's API.
 * On failure *ret_error (to free) says why, in libvirt's words. */
int vb_profile_define(const char *uri, const char *xml, char **ret_error);

const char *vb_guest_os_name(VbGuestOs os);
int vb_guest_os_from_name(const char *name, VbGuestOs *ret);
/* "9.0" or "9.0.0" -> VB_LIBVIRT(9, 0) */
int vb_libvirt_version_parse(const char *text, unsigned *ret);
