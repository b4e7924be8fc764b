/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readiness checks: what stands between this host and passing a device to a VM. Each
 * check is a function over the model (and, for vfio-modules, the target kernels), gives
 * pass/warn/fail/skip, a one-line message and a fix in the user's terms. The kernel
 * parameter advice follows reference/boot-plumbing.md: intel_iommu=on where needed, never
 * amd_iommu=on or iommu=1 (not valid values).
 *
 * Messages and fixes are translated where they are set (set, text_add): xgettext finds them
 * by those functions' arguments (po/Makefile's keywords), so the calls need no _().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "../paths.h"
#include "../target/boot.h"

typedef struct CheckEnv {
	VbContext *ctx;
	const VbModel *m;
	const VbCheckOptions *opts;
	const VbDevice **targets; /* what would be passed through */
	size_t n_targets;
	bool explicit_targets;
} CheckEnv;

/* Growing text for messages that list several findings. */
typedef struct Text {
	char *s;
	size_t len;
	const char *sep; /* between items; NULL: "; " */
} Text;

static void text_add(Text *t, const char *fmt, ...) _printf_(2, 3);
static void text_add(Text *t, const char *fmt, ...)
{
	char *add;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&add, _(fmt), ap);
	va_end(ap);
	if (n < 0)
		return;
	const char *sep = t->sep ? t->sep : "; ";
	size_t sl = strlen(sep);
	char *s = realloc(t->s, t->len + (size_t)n + sl + 1);
	if (s) {
		if (t->len)
			memcpy(s + t->len, sep, sl), t->len += sl;
		memcpy(s + t->len, add, (size_t)n + 1);
		t->len += (size_t)n;
		t->s = s;
	}
	free(add);
}

static int set(VbCheck *c, VbCheckStatus st, const char *fix, const char *fmt, ...) _printf_(4, 5);
static int set(VbCheck *c, VbCheckStatus st, const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vb_message_setv(c, st, fix, fmt, ap);
	va_end(ap);
	return r;
}

static const char *cpu_name(VbCpuVendor v)
{
	return v == VB_CPU_INTEL ? "Intel" : v == VB_CPU_AMD ? "AMD" : _("this CPU");
}

static const char *short_name(const VbDevice *d)
{
	return d->device_name && *d->device_name ? d->device_name : d->class_name;
}

static int check_cpu_virt(CheckEnv *e, VbCheck *c)
{
	const VbHost *h = &e->m->host;
	if (h->cpu_vendor == VB_CPU_UNKNOWN && !h->cpu_virt)
		return set(c, VB_CHECK_SKIP, NULL, "CPU vendor unknown (proc/cpuinfo unreadable or unusual)");
	if (h->cpu_virt)
		return set(c, VB_CHECK_PASS, NULL, "%s",
			   h->cpu_vendor == VB_CPU_AMD ? _("AMD-V (svm) is available")
						       : _("Intel VT-x (vmx) is available"));
	if (h->cpu_vendor == VB_CPU_AMD)
		return set(c, VB_CHECK_FAIL,
			   N_("enable SVM Mode (AMD-V) in the firmware setup (often under Advanced > CPU "
			      "Configuration)"),
			   "the CPU does not report svm: AMD-V is off in the firmware or unsupported");
	return set(c, VB_CHECK_FAIL,
		   N_("enable Intel Virtualization Technology (VT-x) in the firmware setup"),
		   "the CPU does not report vmx: VT-x is off in the firmware or unsupported");
}

static const char *firmware_iommu_fix(const VbHost *h)
{
	return h->cpu_vendor == VB_CPU_AMD
		   ? _("enable IOMMU (AMD-Vi) in the firmware setup, often under Advanced > AMD CBS > NBIO")
		   : _("enable VT-d (Intel Virtualization Technology for Directed I/O) in the firmware "
		       "setup");
}

static int check_iommu_firmware(CheckEnv *e, VbCheck *c)
{
	const VbHost *h = &e->m->host;
	switch (h->iommu_firmware) {
	case VB_IOMMU_INTEL:
		return set(c, VB_CHECK_PASS, NULL,
			   "the firmware describes an Intel VT-d IOMMU (ACPI DMAR table)");
	case VB_IOMMU_AMD:
		return set(c, VB_CHECK_PASS, NULL,
			   "the firmware describes an AMD-Vi IOMMU (ACPI IVRS table)");
	case VB_IOMMU_NONE:
		break;
	}
	if (vb_model_iommu_active(e->m))
		return set(c, VB_CHECK_PASS, NULL,
			   "no ACPI DMAR/IVRS table visible, but the kernel has IOMMU groups");
	return set(c, VB_CHECK_FAIL, firmware_iommu_fix(h),
		   "no ACPI DMAR or IVRS table: the firmware does not offer an IOMMU to the kernel");
}

static int check_iommu_active(CheckEnv *e, VbCheck *c)
{
	const VbModel *m = e->m;
	const VbHost *h = &m->host;
	if (vb_model_iommu_active(m))
		return set(c, VB_CHECK_PASS, NULL, "%zu IOMMU groups, %zu IOMMU unit%s", m->n_groups,
			   h->n_iommu_units, h->n_iommu_units == 1 ? "" : "s");
	const char *cl = h->cmdline ? h->cmdline : "";
	if (vb_cmdline_has(cl, "iommu", "off"))
		return set(c, VB_CHECK_FAIL, N_("remove iommu=off from the kernel command line"),
			   "the IOMMU is off: iommu=off is on the kernel command line");
	if (vb_model_iommu_vendor(m) == VB_IOMMU_AMD ||
	    (h->iommu_firmware == VB_IOMMU_NONE && h->cpu_vendor == VB_CPU_AMD)) {
		if (vb_cmdline_has(cl, "amd_iommu", "off"))
			return set(c, VB_CHECK_FAIL, N_("remove amd_iommu=off from the kernel command line"),
				   "the IOMMU is off: amd_iommu=off is on the kernel command line");
		if (h->iommu_firmware == VB_IOMMU_NONE)
			return set(c, VB_CHECK_FAIL, firmware_iommu_fix(h),
				   "no IOMMU groups: the firmware offers no IOMMU");
		return set(c, VB_CHECK_FAIL,
			   N_("check 'dmesg | grep AMD-Vi' for why the kernel did not enable the IOMMU"),
			   "no IOMMU groups although the firmware describes an AMD-Vi IOMMU");
	}
	if (vb_cmdline_has(cl, "intel_iommu", "off"))
		return set(c, VB_CHECK_FAIL,
			   N_("replace intel_iommu=off with intel_iommu=on on the kernel command line"),
			   "the IOMMU is off: intel_iommu=off is on the kernel command line");
	if (h->iommu_firmware == VB_IOMMU_NONE)
		return set(c, VB_CHECK_FAIL, firmware_iommu_fix(h),
			   "no IOMMU groups: the firmware offers no IOMMU");
	if (!vb_cmdline_has(cl, "intel_iommu", "on"))
		return set(c, VB_CHECK_FAIL,
			   N_("add intel_iommu=on to the kernel command line ('vfio-boot apply' does it)"),
			   "no IOMMU groups: this kernel does not turn VT-d on by default and intel_iommu=on "
			   "is missing");
	return set(c, VB_CHECK_FAIL,
		   N_("check 'dmesg | grep -e DMAR -e IOMMU' for why the kernel did not enable it"),
		   "no IOMMU groups although VT-d is described by the firmware and intel_iommu=on is set");
}

static int check_interrupt_remapping(CheckEnv *e, VbCheck *c)
{
	const VbHost *h = &e->m->host;
	if (!vb_model_iommu_active(e->m))
		return set(c, VB_CHECK_SKIP, NULL, "needs an active IOMMU");
	switch (h->interrupt_remapping) {
	case VB_YES:
		return set(c, VB_CHECK_PASS, NULL, "interrupts are remapped by the IOMMU");
	case VB_NO:
		if (h->cmdline && vb_cmdline_has(h->cmdline, "intremap", "off"))
			return set(c, VB_CHECK_WARN, N_("remove intremap=off from the kernel command line"),
				   "interrupt remapping is off (intremap=off): VFIO refuses MSI for assigned "
				   "devices");
		return set(
		    c, VB_CHECK_WARN,
		    N_("enable interrupt remapping / x2APIC in the firmware setup; avoid "
		       "vfio_iommu_type1.allow_unsafe_interrupts=1 unless you trust every guest"),
		    "interrupt remapping is not active: VFIO refuses MSI interrupts for assigned devices");
	case VB_UNKNOWN:
		break;
	}
	return set(c, VB_CHECK_SKIP, NULL, "cannot tell: %s is unreadable", VB_PROC_INTERRUPTS);
}

static int check_kernel_cmdline(CheckEnv *e, VbCheck *c)
{
	const VbHost *h = &e->m->host;
	if (!h->cmdline)
		return set(c, VB_CHECK_SKIP, NULL, "%s is unreadable", VB_PROC_CMDLINE);
	const char *cl = h->cmdline;
	VbCheckStatus st = VB_CHECK_PASS;
	Text msg = {0}, fix = {0};

	static const struct {
		const char *key, *value, *why;
	} invalid[] = {
	    {"amd_iommu", "on",
	     N_("amd_iommu=on is not a valid value (AMD-Vi is on when the firmware enables it)")},
	    {"iommu", "1", N_("iommu=1 is not a valid value")},
	    {"iommu", "on", N_("iommu=on is not a valid value")},
	};
	for (size_t i = 0; i < ELEMENTSOF(invalid); i++)
		if (vb_cmdline_has(cl, invalid[i].key, invalid[i].value)) {
			st = VB_CHECK_WARN;
			text_add(&msg, "%s", _(invalid[i].why));
			text_add(&fix, "remove %s=%s", invalid[i].key, invalid[i].value);
		}
	static const char *const off[][2] = {{"intel_iommu", "off"}, {"amd_iommu", "off"}, {"iommu", "off"}};
	for (size_t i = 0; i < ELEMENTSOF(off); i++)
		if (vb_cmdline_has(cl, off[i][0], off[i][1])) {
			st = VB_CHECK_FAIL;
			text_add(&msg, "%s=%s turns the IOMMU off", off[i][0], off[i][1]);
			text_add(&fix, "remove %s=%s", off[i][0], off[i][1]);
		}
	if (h->cpu_vendor == VB_CPU_INTEL && !vb_cmdline_has(cl, "intel_iommu", "on") &&
	    !vb_model_iommu_active(e->m)) {
		/* without VT-d in the firmware the parameter alone cannot help: iommu-firmware
		 * already fails, so only say it will be needed */
		bool firmware = h->iommu_firmware != VB_IOMMU_NONE;
		if (firmware)
			st = VB_CHECK_FAIL;
		else if (st == VB_CHECK_PASS)
			st = VB_CHECK_WARN;
		text_add(&msg, firmware
				   ? _("intel_iommu=on is missing and the IOMMU is off")
				   : _("intel_iommu=on will be needed once VT-d is enabled in the firmware"));
		text_add(&fix, "add intel_iommu=on ('vfio-boot apply' does it)");
	}
	if (vb_cmdline_has(cl, "intel_iommu", "on"))
		text_add(&msg, "intel_iommu=on is set");
	else if (h->cpu_vendor == VB_CPU_INTEL && vb_model_iommu_active(e->m))
		/* what plan adds, said here too: the parameter keeps VT-d on with a kernel that
		 * does not turn it on by default (Debian's 6.1, Fedora's) */
		text_add(&msg, "%s",
			 _("VT-d is on without intel_iommu=on (this kernel's default); 'vfio-boot apply' "
			   "adds it so that other kernels keep the IOMMU on"));
	if (vb_cmdline_has(cl, "iommu", "pt"))
		text_add(&msg, "iommu=pt is set (host devices bypass translation; optional)");
	if (vb_cmdline_has(cl, "vfio-pci.ids", NULL))
		text_add(&msg, "vfio-pci.ids is set");
	if (!msg.s)
		text_add(&msg, "no IOMMU or VFIO parameters, none needed on %s with the IOMMU %s",
			 cpu_name(h->cpu_vendor), vb_model_iommu_active(e->m) ? _("active") : _("off"));

	int r = set(c, st, fix.s, "%s", msg.s ? msg.s : "");
	free(msg.s);
	free(fix.s);
	return r;
}

static int check_vfio_modules(CheckEnv *e, VbCheck *c)
{
	VbKernelList *kl;
	int r = vb_kernels_list(e->ctx, &kl);
	if (r < 0)
		return set(c, VB_CHECK_FAIL, NULL, "cannot list the kernels under %s: %s",
			   vb_context_root(e->ctx), strerror(-r));

	Text msg = {0}, fix = {0};
	VbCheckStatus st = VB_CHECK_PASS;
	size_t checked = 0;
	for (const char *const *want = e->opts->kernels; want && *want; want++) {
		bool found = false;
		for (size_t i = 0; i < kl->n; i++)
			found = found || strcmp(kl->kernels[i].version, *want) == 0;
		if (!found) {
			st = VB_CHECK_FAIL;
			text_add(&msg, "kernel %s has no module directory under %s", *want,
				 vb_context_root(e->ctx));
		}
	}
	for (size_t i = 0; i < kl->n; i++) {
		const VbKernel *k = &kl->kernels[i];
		bool wanted = !e->opts->kernels;
		for (const char *const *w = e->opts->kernels; w && *w; w++)
			wanted = wanted || strcmp(*w, k->version) == 0;
		if (!wanted)
			continue;
		checked++;
		VbModules *mods;
		if ((r = vb_modules_open(e->ctx, k, &mods)) < 0) {
			st = VB_CHECK_FAIL;
			if (r == -ENOENT) {
				text_add(&msg, "%s: no module index (modules.dep.bin)", k->version);
				text_add(&fix, "run 'depmod %s'", k->version);
			} else
				text_add(&msg, "%s: cannot read the module indexes", k->version);
			continue;
		}
		static const char *const required[] = {"vfio", "vfio_pci", "vfio_iommu_type1"};
		Text missing = {0};
		for (size_t j = 0; j < ELEMENTSOF(required); j++)
			if (vb_modules_state(mods, required[j]) == VB_MODULE_ABSENT)
				text_add(&missing, "%s", required[j]);
		VbModuleState pci = vb_modules_state(mods, "vfio_pci");
		VbModuleState virqfd = vb_modules_state(mods, "vfio_virqfd");
		vb_modules_free(mods);
		if (missing.s) {
			st = VB_CHECK_FAIL;
			text_add(&msg, "%s: missing %s", k->version, missing.s);
			text_add(
			    &fix,
			    "install the full module set of kernel %s (on Ubuntu: linux-modules-extra-%s)",
			    k->version, k->version);
			free(missing.s);
			continue;
		}
		text_add(&msg, "%s: vfio-pci %s%s", k->version,
			 pci == VB_MODULE_BUILTIN ? _("built in") : _("module"),
			 virqfd == VB_MODULE_LOADABLE  ? _(", vfio_virqfd module")
			 : virqfd == VB_MODULE_BUILTIN ? _(", vfio_virqfd built in")
						       : _(", no vfio_virqfd (merged into vfio since 6.2)"));
	}
	if (checked == 0 && st == VB_CHECK_PASS) {
		vb_kernel_list_free(kl);
		return set(c, VB_CHECK_SKIP, NULL, "no kernel module directory under %s/lib/modules",
			   vb_context_root(e->ctx));
	}
	vb_kernel_list_free(kl);
	r = set(c, st, fix.s, "%s", msg.s ? msg.s : "");
	free(msg.s);
	free(fix.s);
	return r;
}

static int check_memory(CheckEnv *e, VbCheck *c)
{
	uint64_t kib = e->m->host.mem_total_kib;
	if (kib == 0)
		return set(c, VB_CHECK_SKIP, NULL, "%s is unreadable", VB_PROC_MEMINFO);
	double gib = (double)kib / (1024.0 * 1024.0);
	if (gib < 4)
		return set(c, VB_CHECK_FAIL, N_("a host with a guest needs at least 8 GiB of RAM"),
			   "%.1f GiB of RAM: too little for a host and a guest", gib);
	if (gib < 12)
		return set(c, VB_CHECK_WARN,
			   N_("12 GiB or more lets a Windows guest have 8 GiB and the host 4 GiB"),
			   "%.1f GiB of RAM: a guest will be short of memory", gib);
	return set(c, VB_CHECK_PASS, NULL, "%.1f GiB of RAM", gib);
}

static bool is_target_or_sibling(const CheckEnv *e, const VbDevice *d)
{
	for (size_t i = 0; i < e->n_targets; i++) {
		const VbDevice *t = e->targets[i];
		if (vb_pci_same_slot(&t->addr, &d->addr) ||
		    (t->iommu_group >= 0 && t->iommu_group == d->iommu_group))
			return true;
	}
	return false;
}

static int check_host_display(CheckEnv *e, VbCheck *c)
{
	const VbModel *m = e->m;
	size_t n_display = 0;
	const VbDevice *left = NULL;
	for (size_t i = 0; i < m->n_devices; i++) {
		const VbDevice *d = &m->devices[i];
		if (!vb_device_is_display(d))
			continue;
		n_display++;
		if (!is_target_or_sibling(e, d) && (!left || d->boot_vga))
			left = d;
	}
	if (n_display == 0)
		return set(c, VB_CHECK_SKIP, NULL, "no display device in this machine");
	/* one GPU: binding it at boot takes the host's display for good; handing it off at VM
	 * start lends it and gives it back */
	if (n_display == 1 && !e->explicit_targets)
		return set(
		    c, VB_CHECK_WARN,
		    N_("'vfio-boot add --handoff --force ADDRESS' then 'vfio-boot apply': the libvirt hook "
		       "it writes stops the display manager and the console when the VM starts and "
		       "brings them back when it ends (libvirt 6.5 or later; restart libvirtd once); or "
		       "add a second GPU (or use the CPU's integrated graphics) for the host"),
		    "only one GPU: binding it at boot leaves the host without a display; dynamic "
		    "handoff (single-GPU) is the way to share it with a VM");
	if (!left)
		return set(c, VB_CHECK_FAIL,
			   N_("keep one GPU for the host, or hand this one off only while the VM runs "
			      "('vfio-boot add --handoff --force')"),
			   "no display device would be left to the host");
	return set(c, VB_CHECK_PASS, NULL, "the host keeps %s (%s)", left->address, short_name(left));
}

static int check_boot_vga(CheckEnv *e, VbCheck *c)
{
	const VbDevice *bv = vb_model_boot_vga(e->m);
	for (size_t i = 0; i < e->n_targets; i++) {
		const VbDevice *t = e->targets[i];
		if (bv && vb_pci_same_slot(&t->addr, &bv->addr))
			return set(
			    c, VB_CHECK_FAIL,
			    N_("set the firmware's primary display to the other GPU (or the integrated one), "
			       "or move the host's GPU to the first slot"),
			    "%s (%s) is the boot VGA device: the host's console", bv->address,
			    short_name(bv));
	}
	if (!bv) {
		for (size_t i = 0; i < e->m->n_devices; i++)
			if (vb_device_class16(&e->m->devices[i]) == 0x0300)
				return set(c, VB_CHECK_WARN, NULL,
					   "no VGA device reports boot_vga: cannot tell which GPU is the "
					   "host's console");
		return set(c, VB_CHECK_SKIP, NULL, "no VGA-class device");
	}
	if (e->n_targets == 0)
		return set(c, VB_CHECK_PASS, NULL, "the host's console is %s (%s)", bv->address,
			   short_name(bv));
	return set(c, VB_CHECK_PASS, NULL, "the host's console is %s (%s), not a device to pass through",
		   bv->address, short_name(bv));
}

static int check_group_isolation(CheckEnv *e, VbCheck *c)
{
	if (!vb_model_iommu_active(e->m))
		return set(c, VB_CHECK_SKIP, NULL, "needs an active IOMMU");
	if (e->n_targets == 0)
		return set(c, VB_CHECK_SKIP, NULL, "no GPU to pass through besides the host's console");
	VbCheckStatus st = VB_CHECK_PASS;
	Text msg = {0}, fix = {0};
	for (size_t i = 0; i < e->n_targets; i++) {
		const VbDevice *t = e->targets[i];
		const VbGroup *g = t->iommu_group >= 0 ? vb_model_group(e->m, t->iommu_group) : NULL;
		if (!g) {
			st = VB_CHECK_FAIL;
			text_add(&msg, "%s is in no IOMMU group", t->address);
			continue;
		}
		Text others = {.sep = ", "};
		bool blocking = false;
		for (size_t j = 0; j < g->n_devices; j++) {
			const VbDevice *d = g->devices[j];
			if (vb_pci_same_slot(&d->addr, &t->addr) || vb_device_is_bridge(d))
				continue;
			text_add(&others, "%s %s", d->address, d->class_name);
			/* the console GPU or a storage controller cannot simply follow the GPU */
			blocking = blocking || d->boot_vga || vb_device_base_class(d) == 0x01;
		}
		if (!others.s) {
			text_add(&msg, "group %d holds only %s and its slot's functions", g->id, t->address);
			continue;
		}
		if (blocking)
			st = VB_CHECK_FAIL;
		else if (st == VB_CHECK_PASS)
			st = VB_CHECK_WARN;
		text_add(&msg, "group %d of %s also holds %s", g->id, t->address, others.s);
		text_add(
		    &fix,
		    "move the card at %s to a slot with its own IOMMU group (usually one wired to the CPU)%s",
		    t->address, blocking ? "" : ", or pass the whole group");
		free(others.s);
	}
	int r = set(c, st, fix.s, "%s", msg.s ? msg.s : "");
	free(msg.s);
	free(fix.s);
	return r;
}

static int rom_one(CheckEnv *e, const VbDevice *d, Text *msg, Text *fix, VbCheckStatus *st)
{
	if (d->boot_vga) {
		text_add(
		    msg,
		    "%s: the ROM of the boot GPU is the firmware's shadow copy; UEFI support cannot be told",
		    d->address);
		*st = *st == VB_CHECK_FAIL ? *st : VB_CHECK_WARN;
		return 0;
	}
	if (!d->has_rom) {
		text_add(msg, "%s exposes no option ROM", d->address);
		*st = *st == VB_CHECK_FAIL ? *st : VB_CHECK_WARN;
		return 0;
	}
	uint8_t *data;
	size_t size;
	int r = vb_rom_read(e->ctx, d, &data, &size);
	if (r < 0) {
		text_add(msg, "%s: cannot read the ROM: %s", d->address, strerror(-r));
		*st = *st == VB_CHECK_FAIL ? *st : VB_CHECK_WARN;
		return 0;
	}
	VbRomInfo info;
	r = vb_rom_parse(data, size, &info);
	free(data);
	if (r < 0) {
		text_add(msg, "%s: the ROM holds no valid image (%zu bytes)", d->address, size);
		*st = *st == VB_CHECK_FAIL ? *st : VB_CHECK_WARN;
		return 0;
	}
	if (vb_rom_has_uefi(&info, 0x8664)) {
		text_add(msg, "%s: the ROM has a UEFI (x64) image", d->address);
		return 0;
	}
	if (info.truncated)
		/* a broken chain: a zero or oversized image length, or no last-image flag */
		text_add(msg,
			 "%s: the ROM is incomplete (its image chain breaks after %zu image%s in %zu "
			 "bytes, first %s) and has no UEFI image in what could be read",
			 d->address, info.n_images, info.n_images == 1 ? "" : "s", size,
			 vb_rom_code_type_name(info.images[0].code_type));
	else
		text_add(msg, "%s: the ROM has no UEFI image (%zu image%s, first %s)", d->address,
			 info.n_images, info.n_images == 1 ? "" : "s",
			 vb_rom_code_type_name(info.images[0].code_type));
	text_add(fix,
		 "for %s: select the UEFI BIOS with the card's BIOS switch, or update its VBIOS; "
		 "without it OVMF shows no picture before the guest driver loads",
		 d->address);
	*st = *st == VB_CHECK_FAIL ? *st : VB_CHECK_WARN;
	return 0;
}

static int check_gpu_rom_uefi(CheckEnv *e, VbCheck *c)
{
	size_t n_gpus = 0;
	for (size_t i = 0; i < e->n_targets; i++)
		n_gpus += vb_device_is_display(e->targets[i]);
	if (n_gpus == 0)
		return set(c, VB_CHECK_SKIP, NULL, "no GPU to pass through");
	if (!e->opts->read_rom)
		return set(c, VB_CHECK_SKIP,
			   N_("run 'vfio-boot check --rom' as root to read the option ROMs"),
			   "option ROMs not read (reading needs root and enables the ROM BAR)");
	VbCheckStatus st = VB_CHECK_PASS;
	Text msg = {0}, fix = {0};
	for (size_t i = 0; i < e->n_targets; i++)
		if (vb_device_is_display(e->targets[i]))
			rom_one(e, e->targets[i], &msg, &fix, &st);
	int r = set(c, st, fix.s, "%s", msg.s ? msg.s : "");
	free(msg.s);
	free(fix.s);
	return r;
}

static int check_reset_quirk(CheckEnv *e, VbCheck *c)
{
	if (e->n_targets == 0)
		return set(c, VB_CHECK_SKIP, NULL, "no device to pass through");
	Text msg = {0};
	const VbResetQuirk *q = NULL;
	for (size_t i = 0; i < e->n_targets; i++) {
		const VbDevice *t = e->targets[i];
		const VbResetQuirk *tq = vb_reset_quirk_find(t->vendor, t->device);
		if (tq) {
			q = tq;
			text_add(&msg, "%s (%s) is %s: it may not reset between guest boots", t->address,
				 short_name(t), tq->family);
		}
	}
	int r;
	if (q)
		r = set(c, VB_CHECK_WARN, q->workaround, "%s", msg.s);
	else
		r = set(c, VB_CHECK_PASS, NULL, "no known reset problem for the device%s to pass through",
			e->n_targets == 1 ? "" : _("s"));
	free(msg.s);
	return r;
}

/* Which boot loader takes the parameters and which generator builds the images: what
 * apply will write to, and what it cannot. */
static int check_boot_setup(CheckEnv *e, VbCheck *c)
{
	VbTargets t;
	vb_targets_detect(e->ctx, e->opts->bootloader, e->opts->initramfs, &t);
	char what[512];
	/* TRANSLATORS: "Fedora Linux 41: boot loader GRUB (...), initramfs dracut" */
	snprintf(what, sizeof(what), _("%s%sboot loader %s%s%s, initramfs %s%s"), t.distro_name,
		 t.distro_name[0] ? ": " : "", _(vb_bootloader_description(t.bootloader)),
		 t.uki ? _(", unified kernel images") : "", t.bootloader_forced ? " (--bootloader)" : "",
		 t.initramfs == VB_INITRAMFS_NONE ? _("generator none found")
						  : vb_initramfs_name(t.initramfs),
		 t.initramfs_forced ? " (--initramfs)" : "");
	/* what the boot loader and the generator cannot do (target/bootloader-*.c, initramfs-*.c) */
	const VbBootloaderBackend *bb = vb_bootloader_backend(t.bootloader);
	if (!vb_bootloader_takes(&t, 1) && bb->limits.no_file_check)
		return set(c, VB_CHECK_WARN, bb->limits.no_file_fix, "%s%s", what,
			   _(bb->limits.no_file_check));
	if (t.initramfs == VB_INITRAMFS_NONE)
		return set(c, VB_CHECK_WARN, N_("name the generator with --initramfs="),
			   "%s: no initramfs generator found", what);
	const VbInitramfsBackend *ib = vb_initramfs_backend(t.initramfs);
	if (ib->limits.check)
		return set(c, VB_CHECK_WARN, ib->limits.check_fix, "%s: %s", what, _(ib->limits.check));
	return set(c, VB_CHECK_PASS, NULL, "%s", what);
}

static const struct {
	const char *id;
	int (*fn)(CheckEnv *e, VbCheck *c);
} check_table[] = {
    {"cpu-virt", check_cpu_virt},
    {"iommu-firmware", check_iommu_firmware},
    {"iommu-active", check_iommu_active},
    {"interrupt-remapping", check_interrupt_remapping},
    {"kernel-cmdline", check_kernel_cmdline},
    {"vfio-modules", check_vfio_modules},
    {"boot-setup", check_boot_setup},
    {"memory", check_memory},
    {"host-display", check_host_display},
    {"boot-vga", check_boot_vga},
    {"group-isolation", check_group_isolation},
    {"gpu-rom-uefi", check_gpu_rom_uefi},
    {"reset-quirk", check_reset_quirk},
};

const char *vb_check_status_name(VbCheckStatus s)
{
	static const char *const names[] = {"pass", "warn", "fail", "skip"};
	return s <= VB_CHECK_SKIP ? names[s] : "?";
}

VbCheckReport *vb_check_report_free(VbCheckReport *r)
{
	if (!r)
		return NULL;
	vb_messages_done(&r->checks);
	free(r);
	return NULL;
}

/* Without explicit devices, the candidates are the GPUs that are not the host's console. */
static int default_targets(const VbModel *m, const VbDevice ***ret, size_t *ret_n)
{
	const VbDevice **v = calloc(m->n_devices + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < m->n_devices; i++)
		if (vb_model_is_guest_gpu(m, &m->devices[i]))
			v[n++] = &m->devices[i];
	*ret = v;
	*ret_n = n;
	return 0;
}

int vb_check_run(VbContext *ctx, const VbModel *m, const VbCheckOptions *opts, VbCheckReport **ret)
{
	CheckEnv e = {.ctx = ctx, .m = m, .opts = opts};
	const VbDevice **owned = NULL;
	int r = 0;
	if (opts->n_devices > 0) {
		e.targets = opts->devices;
		e.n_targets = opts->n_devices;
		e.explicit_targets = true;
	} else if ((r = default_targets(m, &owned, &e.n_targets)) < 0)
		return r;
	else
		e.targets = owned;

	VbCheckReport *rep = calloc(1, sizeof(*rep));
	if (rep)
		rep->checks.v = calloc(ELEMENTSOF(check_table), sizeof(*rep->checks.v));
	if (!rep || !rep->checks.v) {
		free(owned);
		vb_check_report_free(rep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ELEMENTSOF(check_table); i++) {
		if (opts->only && strcmp(opts->only, check_table[i].id) != 0)
			continue;
		VbCheck *c = &rep->checks.v[rep->checks.n++];
		c->id = check_table[i].id;
		if ((r = check_table[i].fn(&e, c)) < 0)
			break;
	}
	free(owned);
	if (r < 0)
		return vb_check_report_free(rep), r;
	*ret = rep;
	return 0;
}
