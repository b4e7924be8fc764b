/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt domain XML, written with libxml2's xmlTextWriter: every name and path is
 * escaped by the library. Each element is gated on the libvirt version it needs (the
 * "since" column of reference/vm-profile.md section 2); the choices profile.c made from the
 * host are written as comments next to what they decided.
 */
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/dl.h"
#include "profile.h"

/*
 * libxml2 is loaded when a profile is written, not when vfio-boot starts: it brings libicu,
 * which every other verb would pay for at each start (as libarchive would: see verify/image.c).
 */
#define LIBXML2_SONAME "libxml2.so.2"
static struct {
	bool loaded;
	xmlBufferPtr (*BufferCreate)(void);
	void (*BufferFree)(xmlBufferPtr);
	const xmlChar *(*BufferContent)(const xmlBuffer *);
	xmlTextWriterPtr (*NewTextWriterMemory)(xmlBufferPtr, int);
	void (*FreeTextWriter)(xmlTextWriterPtr);
	int (*SetIndent)(xmlTextWriterPtr, int);
	int (*SetIndentString)(xmlTextWriterPtr, const xmlChar *);
	int (*StartElement)(xmlTextWriterPtr, const xmlChar *);
	int (*EndElement)(xmlTextWriterPtr);
	int (*WriteAttribute)(xmlTextWriterPtr, const xmlChar *, const xmlChar *);
	int (*WriteString)(xmlTextWriterPtr, const xmlChar *);
	int (*WriteComment)(xmlTextWriterPtr, const xmlChar *);
	int (*EndDocument)(xmlTextWriterPtr);
} x;

static int load_libxml2(char **ret_error)
{
	if (x.loaded)
		return 0;
	/* the symbols and their types are those of the library's header, compiled with here */
	const VbDlSymbol syms[] = {
	    {"xmlBufferCreate", (void **)&x.BufferCreate},
	    {"xmlBufferFree", (void **)&x.BufferFree},
	    {"xmlBufferContent", (void **)&x.BufferContent},
	    {"xmlNewTextWriterMemory", (void **)&x.NewTextWriterMemory},
	    {"xmlFreeTextWriter", (void **)&x.FreeTextWriter},
	    {"xmlTextWriterSetIndent", (void **)&x.SetIndent},
	    {"xmlTextWriterSetIndentString", (void **)&x.SetIndentString},
	    {"xmlTextWriterStartElement", (void **)&x.StartElement},
	    {"xmlTextWriterEndElement", (void **)&x.EndElement},
	    {"xmlTextWriterWriteAttribute", (void **)&x.WriteAttribute},
	    {"xmlTextWriterWriteString", (void **)&x.WriteString},
	    {"xmlTextWriterWriteComment", (void **)&x.WriteComment},
	    {"xmlTextWriterEndDocument", (void **)&x.EndDocument},
	};
	int r =
	    vb_dl_load(LIBXML2_SONAME, _("writing a profile"), "libxml2", syms, ELEMENTSOF(syms), ret_error);
	if (r < 0)
		return r;
	x.loaded = true; /* kept loaded for the life of the process */
	return 0;
}

typedef struct W {
	xmlTextWriterPtr w;
	int err; /* the first failure; later calls do nothing */
	unsigned libvirt;
} W;

static void start(W *w, const char *name)
{
	if (!w->err && x.StartElement(w->w, BAD_CAST name) < 0)
		w->err = -EIO;
}

static void end(W *w)
{
	if (!w->err && x.EndElement(w->w) < 0)
		w->err = -EIO;
}

_printf_(3, 4) static void attr(W *w, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!w->err && x.WriteAttribute(w->w, BAD_CAST name, BAD_CAST buf) < 0)
		w->err = -EIO;
}

static void text(W *w, const char *s)
{
	if (!w->err && x.WriteString(w->w, BAD_CAST s) < 0)
		w->err = -EIO;
}

/* A comment; "--" cannot appear in one, so it becomes "- -". */
static void comment(W *w, const char *s)
{
	char buf[1024];
	size_t o = 0;
	buf[o++] = ' ';
	for (const char *c = s; *c && o + 3 < sizeof(buf); c++) {
		buf[o++] = *c;
		if (*c == '-' && (c[1] == '-' || c[1] == 0))
			buf[o++] = ' ';
	}
	buf[o++] = ' ';
	buf[o] = 0;
	if (!w->err && x.WriteComment(w->w, BAD_CAST buf) < 0)
		w->err = -EIO;
}

/* <name a1='v1' a2='v2'/>: pairs of attribute names and values, NULL-terminated */
static void empty(W *w, const char *name, ...)
{
	start(w, name);
	va_list ap;
	va_start(ap, name);
	for (const char *a; (a = va_arg(ap, const char *));)
		attr(w, a, "%s", va_arg(ap, const char *));
	va_end(ap);
	end(w);
}

static void element_text(W *w, const char *name, const char *fmt, ...) _printf_(3, 4);
static void element_text(W *w, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	start(w, name);
	text(w, buf);
	end(w);
}

static bool since(const W *w, unsigned major, unsigned minor)
{
	return w->libvirt >= VB_LIBVIRT(major, minor);
}

/* The installation medium first, then the disk; without either, the firmware's own order. */
static void write_boot_order(W *w, const VbProfile *p)
{
	if (p->opts.isos && p->opts.isos[0])
		empty(w, "boot", "dev", "cdrom", NULL);
	if (p->disk_path)
		empty(w, "boot", "dev", "hd", NULL);
}

static void write_os(W *w, const VbProfile *p)
{
	start(w, "os");
	if (!p->explicit_firmware)
		attr(w, "firmware", "efi");
	start(w, "type");
	attr(w, "arch", "x86_64");
	attr(w, "machine", "q35");
	text(w, "hvm");
	end(w);
	if (p->explicit_firmware) {
		/* before 7.2 libvirt cannot be told which features to pick: name the files */
		start(w, "loader");
		attr(w, "readonly", "yes");
		attr(w, "secure", p->firmware.requires_smm ? "yes" : "no");
		attr(w, "type", "pflash");
		text(w, p->firmware.code);
		end(w);
		char nvram[600];
		snprintf(nvram, sizeof(nvram), "/var/lib/libvirt/qemu/nvram/%s_VARS.fd", p->name);
		start(w, "nvram");
		attr(w, "template", "%s", p->firmware.vars_template);
		text(w, nvram);
		end(w);
		write_boot_order(w, p);
		end(w);
		return;
	}
	/* the feature list is explicit: a bare firmware='efi' picks whatever descriptor sorts
	 * first, on Debian the Secure Boot one with Microsoft's keys */
	start(w, "firmware");
	empty(w, "feature", "enabled", p->secure_boot ? "yes" : "no", "name", "secure-boot", NULL);
	if (p->secure_boot)
		empty(w, "feature", "enabled", "yes", "name", "enrolled-keys", NULL);
	end(w);
	if (p->secure_boot && !since(w, 8, 6))
		empty(w, "loader", "secure", "yes", NULL); /* 7.2 to 8.5 also want it said here */
	write_boot_order(w, p);
	end(w);
}

static void write_features(W *w, const VbProfile *p)
{
	bool windows = p->opts.os != VB_OS_LINUX;
	start(w, "features");
	empty(w, "acpi", NULL);
	empty(w, "apic", NULL);
	/* the enlightenments, KVM's hiding and its in-kernel IO-APIC need KVM */
	if (windows && p->kvm) {
		comment(
		    w,
		    _("Hyper-V enlightenments QEMU recommends for Windows, each gated on its libvirt "
		      "version; vendor_id also keeps GPU drivers from seeing a hypervisor's default name"));
		start(w, "hyperv");
		attr(w, "mode", "custom");
		empty(w, "relaxed", "state", "on", NULL);
		empty(w, "vapic", "state", "on", NULL);
		empty(w, "spinlocks", "state", "on", "retries", "8191", NULL);
		empty(w, "vpindex", "state", "on", NULL);
		empty(w, "runtime", "state", "on", NULL);
		empty(w, "synic", "state", "on", NULL);
		start(w, "stimer");
		attr(w, "state", "on");
		if (since(w, 5, 7))
			empty(w, "direct", "state", "on", NULL);
		end(w);
		empty(w, "vendor_id", "state", "on", "value", "0123456789ab", NULL);
		if (since(w, 4, 7)) {
			empty(w, "frequencies", "state", "on", NULL);
			empty(w, "tlbflush", "state", "on", NULL);
		}
		if (since(w, 4, 10))
			empty(w, "ipi", "state", "on", NULL);
		end(w);
	}
	if (p->opts.hide_kvm && p->kvm) {
		comment(w, _("KVM hidden (the hide-kvm option): only NVIDIA drivers before 465 refuse to run "
			     "in a VM"));
		start(w, "kvm");
		empty(w, "hidden", "state", "on", NULL);
		end(w);
	}
	empty(w, "vmport", "state", "off", NULL);
	if (p->explicit_firmware ? p->firmware.requires_smm : p->secure_boot)
		empty(w, "smm", "state", "on", NULL);
	/* q35's split irqchip breaks some passed-through GPUs (QEMU 4.0 and later) */
	if (p->kvm)
		empty(w, "ioapic", "driver", "kvm", NULL);
	end(w);
}

static void write_cpu(W *w, const VbProfile *p)
{
	char c[16], t[16];
	start(w, "cpu");
	if (p->kvm) {
		attr(w, "mode", "host-passthrough");
		attr(w, "check", "none");
		if (since(w, 6, 5))
			attr(w, "migratable", "off");
	} else if (since(w, 7, 1)) {
		attr(w, "mode", "maximum"); /* what TCG can emulate; host-passthrough is KVM's */
		attr(w, "check", "none");
	}
	snprintf(c, sizeof(c), "%u", p->pinning.cores);
	snprintf(t, sizeof(t), "%u", p->pinning.threads);
	start(w, "topology");
	attr(w, "sockets", "1");
	if (since(w, 6, 1))
		attr(w, "dies", "1");
	attr(w, "cores", "%s", c);
	attr(w, "threads", "%s", t);
	end(w);
	if (!p->kvm) {
		end(w);
		return;
	}
	empty(w, "cache", "mode", "passthrough", NULL);
	if (p->cpu_vendor == VB_CPU_AMD) {
		comment(w, _("AMD: without topoext the guest does not see which vCPUs are SMT pairs"));
		empty(w, "feature", "policy", "require", "name", "topoext", NULL);
	}
	end(w);
}

static void write_cputune(W *w, const VbProfile *p)
{
	char host[1024];
	vb_cpulist_format(p->pinning.host_cpus, p->pinning.n_host, host, sizeof(host));
	start(w, "cputune");
	for (unsigned i = 0; i < p->pinning.n_vcpus; i++) {
		start(w, "vcpupin");
		attr(w, "vcpu", "%u", i);
		attr(w, "cpuset", "%u", p->pinning.vcpu_cpus[i]);
		end(w);
	}
	if (p->pinning.n_host > 0) {
		empty(w, "emulatorpin", "cpuset", host, NULL);
		empty(w, "iothreadpin", "iothread", "1", "cpuset", host, NULL);
	}
	end(w);
}

static void write_clock(W *w, const VbProfile *p)
{
	bool windows = p->opts.os != VB_OS_LINUX;
	start(w, "clock");
	attr(w, "offset", windows ? "localtime" : "utc");
	empty(w, "timer", "name", "rtc", "tickpolicy", "catchup", NULL);
	empty(w, "timer", "name", "pit", "tickpolicy", "delay", NULL);
	empty(w, "timer", "name", "hpet", "present", "no", NULL);
	if (windows && p->kvm)
		empty(w, "timer", "name", "hypervclock", "present", "yes", NULL);
	end(w);
	element_text(w, "on_poweroff", "destroy");
	element_text(w, "on_reboot", "restart");
	element_text(w, "on_crash", "destroy");
	start(w, "pm");
	empty(w, "suspend-to-mem", "enabled", "no", NULL);
	empty(w, "suspend-to-disk", "enabled", "no", NULL);
	end(w);
}

/* <address type='pci'? domain bus slot function multifunction?/> */
static void write_pci_address(W *w, const VbPciAddress *a, bool guest, bool multifunction)
{
	start(w, "address");
	if (guest)
		attr(w, "type", "pci");
	attr(w, "domain", "0x%04x", a->domain);
	attr(w, "bus", "0x%02x", a->bus);
	attr(w, "slot", "0x%02x", a->slot);
	attr(w, "function", "0x%x", a->function);
	if (multifunction)
		attr(w, "multifunction", "on");
	end(w);
}

static void write_hostdevs(W *w, const VbProfile *p)
{
	/* one pcie-root-port per host slot, so the guest addresses below are on buses of ours */
	for (unsigned b = 1; b <= p->n_buses; b++) {
		start(w, "controller");
		attr(w, "type", "pci");
		attr(w, "index", "%u", b);
		attr(w, "model", "pcie-root-port");
		end(w);
	}
	for (size_t i = 0; i < p->n_hostdevs; i++) {
		const VbProfileHostdev *h = &p->hostdevs[i];
		char what[300];
		snprintf(what, sizeof(what), "%s %04x:%04x %s%s", h->dev->address, h->dev->vendor,
			 h->dev->device, h->dev->device_name ? h->dev->device_name : "",
			 h->guest_function == 0 && h->multifunction
			     ? _(" (the slot's functions stay together)")
			     : "");
		if (i == 0 || h->owner != p->hostdevs[i - 1].owner)
			comment(
			    w,
			    h->owner == VB_HOSTDEV_BOOT
				? _("managed='no': vfio-boot binds it to vfio-pci at boot, and it stays "
				    "there when the VM stops; with vfio-boot=off it is the host's and "
				    "the VM does not start")
			    : h->owner == VB_HOSTDEV_HANDOFF
				? _("managed='no': vfio-boot's libvirt hook hands it to vfio-pci when the VM "
				    "starts, releasing what holds it on the host, and gives it back when "
				    "the VM ends")
				: _("managed='yes': libvirt moves it to vfio-pci when the VM starts "
				    "and back to its driver when the VM stops"));
		comment(w, what);
		start(w, "hostdev");
		attr(w, "mode", "subsystem");
		attr(w, "type", "pci");
		attr(w, "managed", h->owner == VB_HOSTDEV_LIBVIRT ? "yes" : "no");
		start(w, "source");
		write_pci_address(w, &h->dev->addr, false, false);
		end(w);
		if (h->is_gpu && h->guest_function == 0) {
			start(w, "rom");
			attr(w, "bar", "on");
			if (p->opts.rom_file)
				attr(w, "file", "%s", p->opts.rom_file);
			end(w);
		}
		VbPciAddress guest = {.bus = h->guest_bus, .function = h->guest_function};
		write_pci_address(w, &guest, true, h->multifunction);
		end(w);
	}
}

static void write_inputs(W *w, const VbProfile *p)
{
	for (size_t i = 0; i < p->n_evdev; i++) {
		start(w, "input");
		attr(w, "type", "evdev");
		start(w, "source");
		attr(w, "dev", "%s", p->evdev[i]);
		if (i == p->evdev_grabber) {
			attr(w, "grab", "all");
			attr(w, "repeat", "on");
			if (since(w, 7, 6))
				attr(w, "grabToggle", "ctrl-ctrl");
		}
		end(w);
		end(w);
	}
	if (p->n_evdev || p->looking_glass_mib) {
		/* what the guest sees: virtio devices (the guest needs the vioinput driver) */
		empty(w, "input", "type", "mouse", "bus", "virtio", NULL);
		empty(w, "input", "type", "keyboard", "bus", "virtio", NULL);
	}
}

static void write_devices(W *w, const VbProfile *p)
{
	char line[32];
	start(w, "devices");
	if (p->disk_path) {
		start(w, "disk");
		attr(w, "type", p->disk_block ? "block" : "file");
		attr(w, "device", "disk");
		if (p->disk_sata) /* libvirt gives I/O threads to virtio disks only */
			empty(w, "driver", "name", "qemu", "type", p->disk_format, "cache", "none", "io",
			      "native", "discard", "unmap", NULL);
		else
			empty(w, "driver", "name", "qemu", "type", p->disk_format, "cache", "none", "io",
			      "native", "discard", "unmap", "iothread", "1", NULL);
		empty(w, "source", p->disk_block ? "dev" : "file", p->disk_path, NULL);
		empty(w, "target", "dev", p->disk_sata ? "sda" : "vda", "bus",
		      p->disk_sata ? "sata" : "virtio", NULL);
		end(w);
	}
	/* SATA CD-ROMs, after a SATA disk (sda is the disk's then) */
	for (size_t i = 0; i < p->n_cdroms; i++) {
		char dev[8];
		snprintf(dev, sizeof(dev), "sd%c", (char)('a' + i + (p->disk_sata ? 1 : 0)));
		start(w, "disk");
		attr(w, "type", "file");
		attr(w, "device", "cdrom");
		empty(w, "driver", "name", "qemu", "type", "raw", NULL);
		empty(w, "source", "file", p->cdroms[i], NULL);
		empty(w, "target", "dev", dev, "bus", "sata", NULL);
		empty(w, "readonly", NULL);
		end(w);
	}
	start(w, "interface");
	attr(w, "type", "network");
	empty(w, "source", "network", "default", NULL);
	empty(w, "model", "type", "virtio", NULL);
	end(w);
	write_hostdevs(w, p);
	for (size_t i = 0; i < p->n_usb_devices; i++) {
		char id[8];
		start(w, "hostdev");
		attr(w, "mode", "subsystem");
		attr(w, "type", "usb");
		attr(w, "managed", "yes");
		start(w, "source");
		attr(w, "startupPolicy", "optional"); /* the VM starts without it */
		snprintf(id, sizeof(id), "0x%04x", p->usb_devices[i].vendor);
		empty(w, "vendor", "id", id, NULL);
		snprintf(id, sizeof(id), "0x%04x", p->usb_devices[i].product);
		empty(w, "product", "id", id, NULL);
		end(w);
		end(w);
	}
	write_inputs(w, p);
	if (p->opts.os == VB_OS_WINDOWS11) {
		comment(w, _("Windows 11 requires a TPM 2.0 (swtpm)"));
		start(w, "tpm");
		attr(w, "model", "tpm-crb");
		empty(w, "backend", "type", "emulator", "version", "2.0", NULL);
		end(w);
	}
	if (p->looking_glass_mib) {
		comment(w, _("Looking Glass: the frames in shared memory; SPICE for its keyboard, mouse and "
			     "clipboard, with the small emulated VGA its documentation asks for"));
		start(w, "shmem");
		attr(w, "name", "looking-glass");
		empty(w, "model", "type", "ivshmem-plain", NULL);
		start(w, "size");
		attr(w, "unit", "M");
		text(w, (snprintf(line, sizeof(line), "%u", p->looking_glass_mib), line));
		end(w);
		end(w);
		start(w, "graphics");
		attr(w, "type", "spice");
		attr(w, "autoport", "yes");
		empty(w, "listen", "type", "address", NULL);
		end(w);
		start(w, "video");
		empty(w, "model", "type", "vga", NULL);
		end(w);
	} else {
		comment(w, _("the passed GPU is the guest's display: no emulated video"));
		start(w, "video");
		empty(w, "model", "type", since(w, 4, 6) ? "none" : "vga", NULL);
		end(w);
	}
	comment(w, _("no balloon: it cannot work with VFIO's pinned memory"));
	empty(w, "memballoon", "model", "none", NULL);
	end(w);
}

int vb_profile_libvirt_xml(const VbProfile *p, char **ret, char **ret_error)
{
	int r = load_libxml2(ret_error);
	if (r < 0)
		return r;
	xmlBufferPtr buf = x.BufferCreate();
	if (!buf)
		return -ENOMEM;
	W w = {.w = x.NewTextWriterMemory(buf, 0), .libvirt = p->opts.libvirt};
	if (!w.w) {
		x.BufferFree(buf);
		return -ENOMEM;
	}
	x.SetIndent(w.w, 1);
	x.SetIndentString(w.w, BAD_CAST "  ");
	char line[300];

	start(&w, "domain");
	attr(&w, "type", p->kvm ? "kvm" : "qemu");
	snprintf(line, sizeof(line), _("generated by vfio-boot %s for libvirt %u.%u, %s guest"), VB_VERSION,
		 p->opts.libvirt / 1000, p->opts.libvirt % 1000, vb_guest_os_name(p->opts.os));
	comment(&w, line);
	for (size_t i = 0; i < p->notes.n; i++)
		comment(&w, p->notes.v[i].message);
	element_text(&w, "name", "%s", p->name);
	element_text(&w, "memory", "%llu", (unsigned long long)p->memory_mib * 1024);
	element_text(&w, "currentMemory", "%llu", (unsigned long long)p->memory_mib * 1024);
	if (p->hugepages) {
		start(&w, "memoryBacking");
		empty(&w, "hugepages", NULL);
		end(&w);
	}
	start(&w, "vcpu");
	attr(&w, "placement", "static");
	text(&w, (snprintf(line, sizeof(line), "%u", p->pinning.n_vcpus), line));
	end(&w);
	element_text(&w, "iothreads", "1");
	write_cputune(&w, p);
	write_os(&w, p);
	write_features(&w, p);
	write_cpu(&w, p);
	write_clock(&w, p);
	write_devices(&w, p);
	end(&w);
	if (!w.err && x.EndDocument(w.w) < 0)
		w.err = -EIO;
	x.FreeTextWriter(w.w);
	r = w.err;
	if (r == 0 && !(*ret = strdup((const char *)x.BufferContent(buf))))
		r = -ENOMEM;
	x.BufferFree(buf);
	return r;
}
