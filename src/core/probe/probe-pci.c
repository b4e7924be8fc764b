/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only file that talks to libpci. libpci's error callback is documented as
 * "write error message and quit" and its callers do not expect it to return (a
 * failed opendir() is followed by readdir() on NULL), so we leave it by longjmp()
 * and turn the message into a -errno plus a log line. The sysfs method is always
 * chosen explicitly with sysfs.path under the sysroot: never PCI_ACCESS_AUTO, which
 * could fall back to raw port I/O on a real machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"
#include "../paths.h"
#include "../util/fileio.h"
#include "probe.h"

static __thread jmp_buf pci_error_jump;
static __thread char pci_error_message[512];
static __thread const VbContext *pci_log_ctx;

_printf_(1, 2) static void PCI_NONRET pci_error_handler(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(pci_error_message, sizeof(pci_error_message), msg, ap);
	va_end(ap);
	longjmp(pci_error_jump, 1);
}

_printf_(1, 2) static void pci_warning_handler(char *msg, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, msg);
	vsnprintf(buf, sizeof(buf), msg, ap);
	va_end(ap);
	vb_warn(pci_log_ctx, "libpci: %s", buf);
}

static void pci_debug_handler(_unused_ char *msg, ...) {}

static char *lookup_name(struct pci_access *a, int flags, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, flags);
	/* libpci's lookup takes its ID arguments as varargs; forward them one by one */
	unsigned x = va_arg(ap, unsigned);
	unsigned y = (flags & PCI_LOOKUP_DEVICE) ? va_arg(ap, unsigned) : 0;
	va_end(ap);
	const char *s = (flags & PCI_LOOKUP_DEVICE)
			    ? pci_lookup_name(a, buf, sizeof(buf), flags | PCI_LOOKUP_NO_HWDB, x, y)
			    : pci_lookup_name(a, buf, sizeof(buf), flags | PCI_LOOKUP_NO_HWDB, x);
	return strdup(s ? s : "");
}

static int find_pci_ids(const VbContext *ctx, char **ret)
{
	static const char *const candidates[] = {VB_PCI_IDS_FILES};
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
		char *p;
		int r = vb_root_path(ctx, candidates[i], &p);
		if (r < 0)
			return r;
		if (access(p, R_OK) == 0) {
			*ret = p;
			return 0;
		}
		/* Keep the first candidate: names fall back to numbers rather than to the
		 * database of the machine we happen to run on. */
		if (i == 0)
			*ret = p;
		else
			free(p);
	}
	return 0;
}

/* Reads what libpci does not give us: boot_vga, the rom attribute and the upstream bridge. */
static void probe_sysfs_extras(int devices_fd, VbDevice *v)
{
	char rel[PATH_MAX];
	uint32_t x;

	if (vb_device_is_display(v)) {
		snprintf(rel, sizeof(rel), "%s/boot_vga", v->address);
		v->boot_vga = read_hex_at(devices_fd, rel, 1, &x) >= 0 && x == 1;
	}
	snprintf(rel, sizeof(rel), "%s/rom", v->address);
	v->has_rom = faccessat(devices_fd, rel, F_OK, 0) == 0;

	/* devices/0000:03:00.0 -> ../../../devices/pci0000:00/0000:00:03.0/0000:03:00.0 */
	char target[PATH_MAX];
	ssize_t n = readlinkat(devices_fd, v->address, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	char *last = strrchr(target, '/');
	if (!last)
		return;
	*last = 0;
	const char *parent = strrchr(target, '/');
	parent = parent ? parent + 1 : target;
	VbDeviceSpec spec;
	if (vb_device_spec_parse(parent, &spec) >= 0 && !spec.by_id)
		v->upstream = strdup(parent);
}

/* libpci's IOMMU_GROUP and DRIVER fills resolve the links with realpath(), one readlink()
 * per path component; a readlinkat() on the devices directory is one system call. */
static int read_links(int devices_fd, VbDevice *v)
{
	char rel[PATH_MAX];
	_cleanup_free_ char *group = NULL;
	int r;

	v->iommu_group = -1;
	snprintf(rel, sizeof(rel), "%s/iommu_group", v->address);
	r = read_link_basename_at(devices_fd, rel, &group);
	if (r >= 0) {
		char *end;
		long g = strtol(group, &end, 10);
		if (*end == 0 && g >= 0 && g < INT32_MAX)
			v->iommu_group = (int)g;
	} else if (r == -ENOMEM)
		return r;
	snprintf(rel, sizeof(rel), "%s/driver", v->address);
	r = read_link_basename_at(devices_fd, rel, &v->driver);
	return r == -ENOMEM ? r : 0;
}

static int fill_device(struct pci_access *a, struct pci_dev *d, int devices_fd, VbDevice *v)
{
	/* vendor, device and class come from sysfs (the kernel may have fixed them up); the
	 * rest from one read of the standard header, as lspci does */
	pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_MODULE_ALIAS);

	v->addr =
	    (VbPciAddress){.domain = (uint16_t)d->domain, .bus = d->bus, .slot = d->dev, .function = d->func};
	vb_pci_address_format(&v->addr, v->address);
	v->vendor = d->vendor_id;
	v->device = d->device_id;
	v->class_code = (uint32_t)d->device_class << 8;

	uint8_t cfg[64];
	if (pci_read_block(d, 0, cfg, sizeof(cfg))) {
		v->revision = cfg[PCI_REVISION_ID];
		v->class_code |= cfg[PCI_CLASS_PROG];
		v->header_type = cfg[PCI_HEADER_TYPE] & 0x7f;
		v->multifunction = cfg[PCI_HEADER_TYPE] & 0x80;
		if (v->header_type == PCI_HEADER_TYPE_NORMAL) {
			v->subsystem_vendor =
			    (uint16_t)(cfg[PCI_SUBSYSTEM_VENDOR_ID] | cfg[PCI_SUBSYSTEM_VENDOR_ID + 1] << 8);
			v->subsystem_device =
			    (uint16_t)(cfg[PCI_SUBSYSTEM_ID] | cfg[PCI_SUBSYSTEM_ID + 1] << 8);
		}
	}
	if (v->header_type != PCI_HEADER_TYPE_NORMAL) {
		/* bridges carry them in a capability; the kernel has already found it */
		char rel[PATH_MAX];
		uint32_t x;
		snprintf(rel, sizeof(rel), "%s/subsystem_vendor", v->address);
		if (read_hex_at(devices_fd, rel, 0xffff, &x) >= 0)
			v->subsystem_vendor = (uint16_t)x;
		snprintf(rel, sizeof(rel), "%s/subsystem_device", v->address);
		if (read_hex_at(devices_fd, rel, 0xffff, &x) >= 0)
			v->subsystem_device = (uint16_t)x;
	}

	int r = read_links(devices_fd, v);
	if (r < 0)
		return r;
	if (d->module_alias) {
		if (!(v->modalias = strdup(d->module_alias)))
			return -ENOMEM;
		v->modalias[strcspn(v->modalias, "\n")] = 0; /* libpci keeps the file's newline */
	}

	v->vendor_name = lookup_name(a, PCI_LOOKUP_VENDOR, (unsigned)v->vendor);
	v->device_name =
	    lookup_name(a, PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, (unsigned)v->vendor, (unsigned)v->device);
	/* strip the vendor part that PCI_LOOKUP_VENDOR|DEVICE prepends */
	size_t vl = strlen(v->vendor_name);
	if (v->device_name && strncmp(v->device_name, v->vendor_name, vl) == 0 && v->device_name[vl] == ' ')
		memmove(v->device_name, v->device_name + vl + 1, strlen(v->device_name + vl + 1) + 1);
	v->class_name = lookup_name(a, PCI_LOOKUP_CLASS, (unsigned)(v->class_code >> 8));
	if (!v->vendor_name || !v->device_name || !v->class_name)
		return -ENOMEM;

	probe_sysfs_extras(devices_fd, v);
	return 0;
}

/* Everything between setjmp() and a possible longjmp() lives here, with no cleanup
 * attributes and only volatile locals changed after setjmp(). */
static int scan_with_libpci(const VbContext *ctx, char *bus, char *ids, int devices_fd, VbDevice **ret,
			    size_t *ret_n)
{
	struct pci_access *a = pci_alloc();
	if (!a)
		return -ENOMEM;
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	a->error = pci_error_handler;
	a->warning = pci_warning_handler;
	a->debug = pci_debug_handler;
	pci_log_ctx = ctx;

	volatile int result = 0;
	VbDevice *volatile devs = NULL;
	volatile size_t n = 0;

	if (setjmp(pci_error_jump) != 0) {
		vb_err(ctx, "libpci: %s", pci_error_message);
		result = -EIO;
		goto out;
	}
	pci_set_param(a, "sysfs.path", bus);
	pci_set_name_list_path(a, ids, 0);
	pci_init(a);
	pci_scan_bus(a);

	size_t count = 0;
	for (struct pci_dev *d = a->devices; d; d = d->next)
		count++;
	devs = calloc(count ? count : 1, sizeof(VbDevice));
	if (!devs) {
		result = -ENOMEM;
		goto out;
	}
	for (struct pci_dev *d = a->devices; d; d = d->next) {
		int r = fill_device(a, d, devices_fd, &devs[n]);
		n = n + 1;
		if (r < 0) {
			result = r;
			goto out;
		}
	}

out:
	pci_cleanup(a); /* does not free ids: it was set with to_be_freed = 0 */
	pci_log_ctx = NULL;
	if (result < 0) {
		vb_devices_free(devs, n);
		return result;
	}
	*ret = devs;
	*ret_n = n;
	return 0;
}

int vb_probe_pci(const VbContext *ctx, VbDevice **ret, size_t *ret_n)
{
	_cleanup_free_ char *bus = NULL, *devices = NULL, *ids = NULL;
	int r;

	if ((r = vb_sysroot_path(ctx, VB_SYS_BUS_PCI, &bus)) < 0 ||
	    (r = vb_sysroot_path(ctx, VB_SYS_PCI_DEVICES, &devices)) < 0 || (r = find_pci_ids(ctx, &ids)) < 0)
		return r;

	/* Check what libpci would otherwise only report through its fatal handler. */
	int devices_fd = open(devices, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devices_fd < 0)
		return vb_log_errno(ctx, -errno, "failed to open %s", devices);
	r = scan_with_libpci(ctx, bus, ids, devices_fd, ret, ret_n);
	close(devices_fd);
	return r;
}
