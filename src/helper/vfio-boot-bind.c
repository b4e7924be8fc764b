/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vfio-boot-bind ADDRESS: the boot-time helper, copied into every initramfs image.
 *
 * udev runs it through IMPORT{program} from 60-vfio-boot.rules for every PCI device it
 * adds. IMPORT{program} runs while udev processes the rules, before 80-drivers.rules loads
 * the device's driver, which is what makes binding by address work (the override must be
 * in place before the native driver probes; reference/qemu-boot-test.md). For an address
 * listed in /etc/vfio-boot/devices.conf whose vendor:device (and subsystem IDs, when
 * recorded) still match, it writes vfio-pci to driver_override, unbinds a driver that got
 * there first, asks the kernel to probe again, and prints VFIO_BOOT_BIND=1 so that the rule
 * loads vfio-pci. An address that now holds another device is skipped and reported in the
 * kernel log. vfio-boot=off on the kernel command line switches it off. It never fails:
 * whatever happens, the exit status is 0 and the boot goes on.
 *
 * libc only. VFIO_BOOT_BIND_ROOT (tests only) prefixes every path it touches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/selection.h"

#define DEVICES_CONF "/etc/vfio-boot/devices.conf"

static const char *root = "";

/* root + the formatted path into buf. One that does not fit gives "", which no open finds:
 * the helper then acts as if the file were not there (VFIO_BOOT_BIND_ROOT is the tests'). */
static void path_of(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void path_of(char *buf, size_t size, const char *fmt, ...)
{
	int n = snprintf(buf, size, "%s", root);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = 0;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= size - (size_t)n)
		buf[0] = 0;
}

/* The kernel log, where early-boot messages are read (dmesg, journalctl -k), at a syslog
 * priority: 5 (notice) shows with the default console log level's filtering in dmesg; 7
 * (debug) is for the line every run writes, which the boot tests count. */
__attribute__((format(printf, 2, 0))) static void vklog(int priority, const char *fmt, va_list ap)
{
	char path[512], msg[512];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	path_of(path, sizeof(path), "/dev/kmsg");
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | (root[0] ? O_CREAT : 0), 0600);
	if (fd < 0)
		return;
	char line[600];
	int len = snprintf(line, sizeof(line), "<%d>vfio-boot: %.*s\n", priority, n > 0 ? n : 0, msg);
	if (write(fd, line, (size_t)len) < 0) {
		/* nowhere left to report to */
	}
	close(fd);
}

static void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void klog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(5, fmt, ap);
	va_end(ap);
}

static void klog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void klog_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vklog(7, fmt, ap);
	va_end(ap);
}

static char *read_small(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(max + 1);
	ssize_t n = buf ? read(fd, buf, max) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

static int write_attr(const char *addr, const char *attr, const char *value)
{
	char path[512];
	if (attr[0] == '/')
		path_of(path, sizeof(path), "%s", attr);
	else
		path_of(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", addr, attr);
	int fd = open(path, O_WRONLY | O_CLOEXEC | (root[0] ? O_CREAT | O_TRUNC : 0), 0644);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

static long read_hex_attr(const char *addr, const char *attr)
{
	char path[512];
	path_of(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", addr, attr);
	char *s = read_small(path, 32);
	long v = s ? strtol(s, NULL, 16) : -1;
	free(s);
	return v;
}

/* Which driver holds it now, "" when none. */
static void current_driver(const char *addr, char *out, size_t size)
{
	char path[512], target[512];
	path_of(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	out[0] = 0;
	if (n <= 0)
		return;
	target[n] = 0;
	const char *base = strrchr(target, '/');
	/* driver names are short; a longer one is cut, which only affects the log line */
	snprintf(out, size, "%.*s", (int)size - 1, base ? base + 1 : target);
}

static bool kill_switch(void)
{
	char path[512];
	path_of(path, sizeof(path), "/proc/cmdline");
	char *cl = read_small(path, 8192);
	bool off = cl && vb_cmdline_has(cl, "vfio-boot", "off");
	free(cl);
	return off;
}

int main(int argc, char **argv)
{
	const char *r = getenv("VFIO_BOOT_BIND_ROOT");
	if (r)
		root = r;
	VbDeviceSpec spec;
	if (argc != 2 || vb_device_spec_parse(argv[1], &spec) < 0 || spec.by_id)
		return 0; /* udev gave us something that is not a PCI address: not ours */
	/* one line per run: the generated rule runs the helper for the selected functions
	 * only, and the boot tests count that it did (once per function and udev phase) */
	klog_debug("%s: the boot-time helper runs", argv[1]);

	char path[512];
	path_of(path, sizeof(path), "%s", DEVICES_CONF);
	char *text = read_small(path, 256 * 1024);
	if (!text)
		return 0; /* nothing configured in this image */
	VbSelection *sel = NULL;
	VbParseError err;
	if (vb_selection_parse(text, strlen(text), &sel, &err) < 0) {
		klog("%s:%zu: %s: nothing bound", DEVICES_CONF, err.line, err.message);
		free(text);
		return 0;
	}
	free(text);
	const VbSelectedDevice *d = vb_selection_find(sel, &spec.addr);
	if (!d) {
		vb_selection_free(sel);
		return 0;
	}
	char addr[VB_ADDRESS_MAX];
	vb_pci_address_format(&d->addr, addr);

	if (kill_switch()) {
		klog("%s: not bound: vfio-boot=off is on the kernel command line", addr);
		goto out;
	}
	long vendor = read_hex_attr(addr, "vendor"), device = read_hex_attr(addr, "device");
	if (vendor != d->vendor || device != d->device) {
		klog("%s holds %04lx:%04lx, not the configured %04x:%04x: skipped (run 'vfio-boot status')",
		     addr, vendor & 0xffff, device & 0xffff, d->vendor, d->device);
		goto out;
	}
	if (d->has_subsystem) {
		long sv = read_hex_attr(addr, "subsystem_vendor"),
		     sd = read_hex_attr(addr, "subsystem_device");
		if (sv != d->subsystem_vendor || sd != d->subsystem_device) {
			klog("%s is a %04x:%04x with subsystem %04lx:%04lx, not the configured %04x:%04x: "
			     "skipped",
			     addr, d->vendor, d->device, sv & 0xffff, sd & 0xffff, d->subsystem_vendor,
			     d->subsystem_device);
			goto out;
		}
	}
	int wr = write_attr(addr, "driver_override", "vfio-pci");
	if (wr < 0) {
		klog("%s: cannot set driver_override: %s", addr, strerror(-wr));
		goto out;
	}
	char drv[128];
	current_driver(addr, drv, sizeof(drv));
	if (drv[0] && strcmp(drv, "vfio-pci") != 0) {
		/* a built-in driver bound it when the device appeared, before udev ran */
		if (write_attr(addr, "driver/unbind", addr) < 0)
			klog("%s: %s holds it and would not let go", addr, drv);
		else
			klog("%s: taken from %s", addr, drv);
	}
	/* vfio-pci already loaded binds it now; otherwise it binds when the rule loads it */
	(void)write_attr(addr, "/sys/bus/pci/drivers_probe", addr);
	klog("%s (%04x:%04x) set to vfio-pci", addr, d->vendor, d->device);
	printf("VFIO_BOOT_BIND=1\n");
out:
	vb_selection_free(sel);
	return 0;
}
