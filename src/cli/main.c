/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "target/boot.h"

static const char *program = "vfio-boot";

typedef struct Verb {
	const char *name;
	int min_args, max_args; /* -1: any number */
	VerbFn fn;
	const char *options; /* verb-specific long options it accepts, space separated */
	bool writes_root;    /* changes files under the root (unless --dry-run) */
} Verb;

static const Verb verbs[] = {
    {"scan", 0, 0, verb_scan, "all"},
    {"check", 0, -1, verb_check, "rom"},
    {"add", 1, -1, verb_add, "force dry-run handoff", true},
    {"remove", 1, -1, verb_remove, "dry-run", true},
    {"plan", 0, 0, verb_plan, "force selection"},
    {"generate", 1, 1, verb_generate, "force"},
    {"apply", 0, -1, verb_apply, "force dry-run no-rebuild if-configured handoff", true},
    {"revert", 0, 0, verb_revert, "force dry-run no-rebuild", true},
    {"status", 0, 0, verb_status, ""},
    {"verify", 0, 0, verb_verify, ""},
    {"bind", 1, -1, verb_bind, "force dry-run"},
    {"unbind", 1, -1, verb_unbind, "dry-run"},
    {"handoff", 1, -1, verb_handoff, "domain timeout dry-run"},
    {"setup", 0, 0, verb_setup, "", true},
    {"profile", 0, 0, verb_profile,
     "force name os memory vcpus disk disk-size iso drivers-iso usb-controller usb-device evdev "
     "looking-glass rom "
     "hugepages hide-kvm accel libvirt-version format output define connect"},
};

static void help_verbs(void)
{
	fputs(_("Verbs:\n"
		"  scan                 IOMMU groups and their devices, GPUs first\n"
		"  check [DEVICE...]    readiness report; exit status 1 if a check fails\n"
		"  add DEVICE...        select devices in /etc/vfio-boot.conf\n"
		"  remove DEVICE...     remove devices from the selection\n"
		"  plan                 what apply would write and run (a diff, or --json)\n"
		"  generate TARGET      print one artifact: modprobe, grub, kernel-cmdline,\n"
		"                       refind, devices, udev-rule, initramfs-tools,\n"
		"                       dracut, mkinitcpio, booster, modules-load,\n"
		"                       libvirt-hook, cmdline\n"
		"  apply [DEVICE...]    add the devices, write the files, rebuild the images\n"
		"  revert               remove what vfio-boot wrote, restore what it replaced\n"
		"  status               selection vs files vs drivers vs booted command line\n"
		"  verify               will the next boot bind? read from each kernel's image\n"
		"  bind DEVICE...       give the devices (and their slot) to vfio-pci now,\n"
		"                       until the next boot\n"
		"  unbind DEVICE...     give them back to their own drivers now\n"
		"  handoff prepare|release [DEVICE...]  move the devices selected with\n"
		"                       'handoff' to vfio-pci and back, releasing what holds\n"
		"                       them (with --domain=NAME: the domain's, XML on stdin)\n"

		"  profile              a VM for the selected devices: libvirt domain XML\n"
		"  setup                the first run, as questions on a terminal: scan, the\n"
		"                       guest GPU, checks, plan, apply, a VM definition\n"
		"\n"
		"DEVICE is a PCI address [DDDD:]BB:DD.F or a unique VVVV:DDDD.\n"
		"\n"),
	      stdout);
}

/* the options, then the profile options, then the ones every verb has */
static void help_options(void)
{
	fputs(_("Options:\n"
		"      --root=DIR       target system whose configuration is read (default /)\n"
		"      --sysroot=DIR    where live state is read: DIR/sys, DIR/proc (default /)\n"
		"      --kernel=KVER    target kernel, repeatable (default: every installed one)\n"
		"      --bootloader=NAME  where the kernel parameters go, instead of what is\n"
		"                       detected: grub-dropin, grub, grub-bls, systemd-boot,\n"
		"                       kernelstub, refind, proxmox-boot-tool, none\n"
		"      --initramfs=NAME  the generator of the images, instead of what is\n"
		"                       detected: initramfs-tools, dracut, mkinitcpio, booster,\n"
		"                       none\n"
		"      --json           machine-readable output on stdout (a stable contract)\n"
		"      --all            scan: show every IOMMU group, bridges and chipset too\n"
		"      --rom            check: read GPU option ROMs through sysfs (needs root)\n"
		"      --dry-run        add, remove, apply, revert, bind, unbind, handoff:\n"
		"                       show only\n"
		"      --no-rebuild     apply, revert: do not rebuild initramfs and boot config\n"
		"      --if-configured  apply: do nothing when no device is selected; else\n"
		"                       rebuild the images even if no file changed (for a\n"
		"                       package's post-install step)\n"
		"      --force          override a safety refusal (the refusal names it)\n"
		"      --handoff        add, apply: the devices are handed off when a VM\n"
		"                       starts, not bound at boot\n"
		"      --domain=NAME    handoff: for this libvirt domain, its XML on stdin\n"
		"      --timeout=SEC    handoff: how long each step may take (default 10)\n"
		"      --selection=FILE  plan: read the selection from FILE instead of\n"
		"                       /etc/vfio-boot.conf (what it would do, before it is\n"
		"                       written)\n"
		"\n"),
	      stdout);
	fputs(_("profile options:\n"
		"      --name=NAME      the domain's name (default: from the OS and the GPU)\n"
		"      --os=OS          windows11 (default), windows10 or linux\n"
		"      --memory=SIZE    guest memory, 16G or 8192M (default: half the host's,\n"
		"                       4 to 16 GiB)\n"
		"      --vcpus=N        vCPUs (default: whole cores, whole L3 domains, the core\n"
		"                       with CPU 0 left to the host)\n"
		"      --disk=FILE|DEV  the guest's disk: an image file (its format read from\n"
		"                       it) or a block device the host does not use\n"
		"      --disk-size=SIZE create the --disk image, qcow2, this large (64G)\n"
		"      --iso=FILE       installation medium (SATA CD-ROM, the first boots),\n"
		"                       repeatable\n"
		"      --drivers-iso=FILE  Windows: the virtio drivers ISO (virtio-win.iso);\n"
		"                       the disk is virtio with it, SATA without\n"
		"      --usb-controller=ADDRESS  a USB controller passed whole, repeatable\n"
		"      --usb-device=VVVV:PPPP  a USB device passed alone, repeatable\n"
		"      --evdev=auto|PATH  keyboard and mouse by evdev: auto finds them in\n"
		"                       /dev/input/by-id; or their paths, repeatable\n"
		"      --looking-glass=WxH  shared memory for Looking Glass at this resolution\n"
		"      --rom=FILE       the GPU's VBIOS to show the guest instead of its own\n"
		"      --hugepages      back the memory with huge pages when the host has them\n"
		"      --hide-kvm       hide KVM from the guest (NVIDIA drivers before 465)\n"
		"      --accel=kvm|tcg  KVM, or QEMU's emulator (default: kvm when /dev/kvm\n"
		"                       exists)\n"
		"      --libvirt-version=X.Y  target this libvirt (default: the installed one)\n"
		"      --format=FORMAT  libvirt (default); qemu: a script running QEMU;\n"
		"                       proxmox: qm commands; kubevirt or nova: the node's\n"
		"                       devices for KubeVirt or OpenStack Nova\n"
		"      --output=FILE    write the domain to FILE instead of stdout\n"
		"      --define         define it in libvirt (as virsh define does)\n"
		"      --connect=URI    the libvirt connection for --define (default\n"
		"                       qemu:///system)\n"
		"\n"),
	      stdout);
	fputs(_("  -q, --quiet          print errors only\n"
		"  -v, --verbose        more detail on stderr (twice: debug)\n"
		"  -h, --help           show this help\n"
		"      --version        show the version\n"
		"\n"
		"See vfio-boot(8).\n"),
	      stdout);
}

static void help(void)
{
	/* in paragraphs, each translated whole; the option names stay as they are */
	printf(_("Usage: %s [OPTIONS] VERB [ARGS]\n"
		 "\n"
		 "Prepare a Linux host for passing PCI devices (a GPU and its functions)\n"
		 "to a virtual machine with VFIO.\n"
		 "\n"),
	       program);
	help_verbs();
	help_options();
}

/* "vfio-boot: MESSAGE[: strerror]" on stderr; fmt is translated here (cli_error and
 * cli_failed are xgettext keywords). Returns 1, the exit status. */
_printf_(2, 0) static int print_error(int r, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", program);
	vfprintf(stderr, _(fmt), ap);
	if (r < 0)
		fprintf(stderr, ": %s", strerror(-r));
	fputc('\n', stderr);
	return 1;
}

int cli_error(int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_error(r, fmt, ap);
	va_end(ap);
	return 1;
}

static unsigned errors_logged; /* by the library, through log_to_stderr */

int cli_failed(int r, const char *fmt, ...)
{
	if (errors_logged > 0)
		return 1;
	va_list ap;
	va_start(ap, fmt);
	print_error(r, fmt, ap);
	va_end(ap);
	return 1;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap); /* cli_usage_error is an xgettext keyword */
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, _("Try '%s --help' for more information.\n"), program);
	return EXIT_USAGE;
}

/* A warning is said once per run: setup and apply probe and plan more than once, and the
 * same odd kernel directory or manifest entry would be warned about each time. */
static bool said_before(const char *text)
{
	static char said[32][256];
	static size_t n;
	for (size_t i = 0; i < n && i < ELEMENTSOF(said); i++)
		if (strncmp(said[i], text, sizeof(said[i]) - 1) == 0)
			return true;
	char *slot = said[n++ % ELEMENTSOF(said)];
	strncpy(slot, text, sizeof(said[0]) - 1);
	slot[sizeof(said[0]) - 1] = 0;
	return false;
}

_printf_(3, 0) static void log_to_stderr(void *userdata, VbLogLevel level, const char *fmt, va_list ap)
{
	(void)userdata;
	errors_logged += level == VB_LOG_ERR;
	char text[2048];
	vsnprintf(text, sizeof(text), fmt, ap);
	if (level == VB_LOG_WARNING && said_before(text))
		return;
	fprintf(stderr, "%s: %s%s\n", program, level == VB_LOG_WARNING ? _("warning: ") : "", text);
}

enum {
	OPT_ROOT = 0x100,
	OPT_SYSROOT,
	OPT_KERNEL,
	OPT_JSON,
	OPT_ALL,
	OPT_ROM,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_NO_REBUILD,
	OPT_VERSION,
	OPT_NAME,
	OPT_OS,
	OPT_MEMORY,
	OPT_VCPUS,
	OPT_DISK,
	OPT_ISO,
	OPT_DISK_SIZE,
	OPT_DRIVERS_ISO,
	OPT_USB_CONTROLLER,
	OPT_USB_DEVICE,
	OPT_EVDEV,
	OPT_LOOKING_GLASS,
	OPT_DEFINE,
	OPT_IF_CONFIGURED,
	OPT_CONNECT,
	OPT_HUGEPAGES,
	OPT_HIDE_KVM,
	OPT_ACCEL,
	OPT_LIBVIRT_VERSION,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_BOOTLOADER,
	OPT_INITRAMFS,
	OPT_HANDOFF,
	OPT_DOMAIN,
	OPT_SELECTION,
	OPT_TIMEOUT,
};

static const struct option long_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"sysroot", required_argument, NULL, OPT_SYSROOT},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"json", no_argument, NULL, OPT_JSON},
    {"all", no_argument, NULL, OPT_ALL},
    {"rom", optional_argument, NULL, OPT_ROM}, /* check: no value; profile: =FILE */
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-rebuild", no_argument, NULL, OPT_NO_REBUILD},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"name", required_argument, NULL, OPT_NAME},
    {"os", required_argument, NULL, OPT_OS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"vcpus", required_argument, NULL, OPT_VCPUS},
    {"disk", required_argument, NULL, OPT_DISK},
    {"iso", required_argument, NULL, OPT_ISO},
    {"disk-size", required_argument, NULL, OPT_DISK_SIZE},
    {"drivers-iso", required_argument, NULL, OPT_DRIVERS_ISO},
    {"usb-controller", required_argument, NULL, OPT_USB_CONTROLLER},
    {"usb-device", required_argument, NULL, OPT_USB_DEVICE},
    {"evdev", required_argument, NULL, OPT_EVDEV},
    {"looking-glass", required_argument, NULL, OPT_LOOKING_GLASS},
    {"define", no_argument, NULL, OPT_DEFINE},
    {"if-configured", no_argument, NULL, OPT_IF_CONFIGURED},
    {"connect", required_argument, NULL, OPT_CONNECT},
    {"hugepages", no_argument, NULL, OPT_HUGEPAGES},
    {"hide-kvm", no_argument, NULL, OPT_HIDE_KVM},
    {"accel", required_argument, NULL, OPT_ACCEL},
    {"libvirt-version", required_argument, NULL, OPT_LIBVIRT_VERSION},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"bootloader", required_argument, NULL, OPT_BOOTLOADER},
    {"initramfs", required_argument, NULL, OPT_INITRAMFS},
    {"handoff", no_argument, NULL, OPT_HANDOFF},
    {"domain", required_argument, NULL, OPT_DOMAIN},
    {"selection", required_argument, NULL, OPT_SELECTION},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {},
};

/* Appends to a NULL-terminated list of repeatable option values. */
static int push_arg(const char ***list, const char *value)
{
	size_t n = 0;
	while (*list && (*list)[n])
		n++;
	const char **v = realloc(*list, (n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[n] = value;
	v[n + 1] = NULL;
	*list = v;
	return 0;
}

static bool verb_accepts(const Verb *v, const char *option)
{
	size_t n = strlen(option);
	for (const char *p = v->options; (p = strstr(p, option)); p += n)
		if ((p == v->options || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

/* --root and --sysroot must name directories: catch a typo before it reads as "no devices". */
static int check_dir_option(const char *name, const char *dir)
{
	struct stat st;
	if (!dir)
		return 0;
	if (stat(dir, &st) < 0)
		return cli_usage_error("--%s=%s: %s", name, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cli_usage_error("--%s=%s: %s", name, dir, strerror(ENOTDIR));
	return 0;
}

/* Messages in the user's language; numbers, sorting and the JSON output stay as in C. */
static void setup_locale(void)
{
	setlocale(LC_MESSAGES, "");
	setlocale(LC_CTYPE, "");
	const char *dir = getenv("VFIO_BOOT_TEST_LOCALEDIR");
	bindtextdomain("vfio-boot", dir && *dir ? dir : VB_LOCALEDIR);
	textdomain("vfio-boot");
}

/* The options that store their value (or true) in one field of Args and apply to some
 * verbs only: their name as in Verb.options, and the field. */
typedef struct StoredOption {
	int id;
	const char *name;
	size_t offset; /* in Args */
	bool flag;     /* a bool set to true; else a const char * set to the value */
} StoredOption;

static const StoredOption stored_options[] = {
    {OPT_NAME, "name", offsetof(Args, profile.name), false},
    {OPT_OS, "os", offsetof(Args, profile.os), false},
    {OPT_MEMORY, "memory", offsetof(Args, profile.memory), false},
    {OPT_VCPUS, "vcpus", offsetof(Args, profile.vcpus), false},
    {OPT_DISK, "disk", offsetof(Args, profile.disk), false},
    {OPT_DISK_SIZE, "disk-size", offsetof(Args, profile.disk_size), false},
    {OPT_DRIVERS_ISO, "drivers-iso", offsetof(Args, profile.drivers_iso), false},
    {OPT_CONNECT, "connect", offsetof(Args, profile.connect), false},
    {OPT_LOOKING_GLASS, "looking-glass", offsetof(Args, profile.looking_glass), false},
    {OPT_ACCEL, "accel", offsetof(Args, profile.accel), false},
    {OPT_LIBVIRT_VERSION, "libvirt-version", offsetof(Args, profile.libvirt_version), false},
    {OPT_FORMAT, "format", offsetof(Args, profile.format), false},
    {OPT_OUTPUT, "output", offsetof(Args, profile.output), false},
    {OPT_DOMAIN, "domain", offsetof(Args, domain), false},
    {OPT_SELECTION, "selection", offsetof(Args, selection), false},
    {OPT_ALL, "all", offsetof(Args, all), true},
    {OPT_IF_CONFIGURED, "if-configured", offsetof(Args, if_configured), true},
    {OPT_DEFINE, "define", offsetof(Args, profile.define), true},
    {OPT_HUGEPAGES, "hugepages", offsetof(Args, profile.hugepages), true},
    {OPT_HIDE_KVM, "hide-kvm", offsetof(Args, profile.hide_kvm), true},
    {OPT_DRY_RUN, "dry-run", offsetof(Args, dry_run), true},
    {OPT_FORCE, "force", offsetof(Args, force), true},
    {OPT_HANDOFF, "handoff", offsetof(Args, handoff), true},
    {OPT_NO_REBUILD, "no-rebuild", offsetof(Args, no_rebuild), true},
};

/* What the command line gave, while it is read. */
typedef struct Parsed {
	Args args;
	const char **kernels, **usb_controllers, **usb_devices, **evdev, **isos;
	const char **verb_only; /* the verb-only options given, at most one per argument */
	size_t n_verb_only;
	const char *rom_option; /* --rom: "rom" (check) or "rom=FILE" (profile) */
} Parsed;

static void parsed_done(Parsed *p)
{
	free(p->kernels);
	free(p->usb_controllers);
	free(p->usb_devices);
	free(p->evdev);
	free(p->isos);
	free(p->verb_only);
}

#define PARSE_NEXT (-1) /* parse_option: go on; else the exit status */

static bool store_option(int c, Parsed *p)
{
	for (size_t i = 0; i < ELEMENTSOF(stored_options); i++) {
		const StoredOption *o = &stored_options[i];
		if (o->id != c)
			continue;
		if (o->flag)
			*(bool *)((char *)&p->args + o->offset) = true;
		else
			*(const char **)((char *)&p->args + o->offset) = optarg;
		p->verb_only[p->n_verb_only++] = o->name;
		return true;
	}
	return false;
}

static int parse_repeatable(int c, Parsed *p)
{
	const char ***list = c == OPT_KERNEL	       ? &p->kernels
			     : c == OPT_ISO	       ? &p->isos
			     : c == OPT_USB_CONTROLLER ? &p->usb_controllers
			     : c == OPT_USB_DEVICE     ? &p->usb_devices
						       : &p->evdev;
	if (push_arg(list, optarg) < 0)
		return cli_error(-ENOMEM, "failed to parse options");
	if (c == OPT_KERNEL)
		p->args.n_kernels++;
	else
		p->verb_only[p->n_verb_only++] = c == OPT_ISO		   ? "iso"
						 : c == OPT_USB_CONTROLLER ? "usb-controller"
						 : c == OPT_USB_DEVICE	   ? "usb-device"
									   : "evdev";
	return PARSE_NEXT;
}

static int parse_option(int c, Parsed *p)
{
	Args *args = &p->args;
	if (store_option(c, p))
		return PARSE_NEXT;
	switch (c) {
	case OPT_ROOT:
		args->root = optarg;
		return PARSE_NEXT;
	case OPT_SYSROOT:
		args->sysroot = optarg;
		return PARSE_NEXT;
	case OPT_KERNEL:
	case OPT_ISO:
	case OPT_USB_CONTROLLER:
	case OPT_USB_DEVICE:
	case OPT_EVDEV:
		return parse_repeatable(c, p);
	case OPT_BOOTLOADER:
		if (vb_bootloader_from_name(optarg) < 0)
			return cli_usage_error("--bootloader=%s: not one of %s", optarg,
					       vb_bootloader_names());
		args->bootloader = optarg;
		return PARSE_NEXT;
	case OPT_INITRAMFS:
		if (vb_initramfs_from_name(optarg) < 0)
			return cli_usage_error("--initramfs=%s: not one of %s", optarg, vb_initramfs_names());
		args->initramfs = optarg;
		return PARSE_NEXT;
	case OPT_JSON:
		args->json = true;
		return PARSE_NEXT;
	case OPT_ROM:
		args->read_rom = !optarg;
		args->profile.rom_file = optarg;
		p->rom_option = optarg ? "rom=FILE" : "rom";
		p->verb_only[p->n_verb_only++] = "rom";
		return PARSE_NEXT;
	case OPT_TIMEOUT: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || v == 0 || v > 3600)
			return cli_usage_error("--timeout=%s: not a number of seconds (1 to 3600)", optarg);
		args->timeout_s = (unsigned)v;
		p->verb_only[p->n_verb_only++] = "timeout";
		return PARSE_NEXT;
	}
	case 'q':
		args->verbosity = -1;
		return PARSE_NEXT;
	case 'v':
		if (args->verbosity < 2)
			args->verbosity++;
		return PARSE_NEXT;
	case 'h':
		help();
		return 0;
	case OPT_VERSION:
		printf("vfio-boot %s\n" /* not translated: a name and a number */, VB_VERSION);
		return 0;
	default:
		fprintf(stderr, _("Try '%s --help' for more information.\n"), program);
		return EXIT_USAGE;
	}
}

/* The verb named, and whether the options and the number of arguments fit it. */
static int find_verb(const Parsed *p, const char *name, int nargs, const Verb **ret)
{
	const Verb *verb = NULL;
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			verb = &verbs[i];
	if (!verb)
		return cli_usage_error("unknown verb '%s'", name);
	for (size_t i = 0; i < p->n_verb_only; i++)
		if (!verb_accepts(verb, p->verb_only[i]))
			return cli_usage_error("option --%s does not apply to '%s'", p->verb_only[i],
					       verb->name);
	/* --rom means two things: check reads ROMs, profile shows the guest a ROM file */
	if (p->rom_option && strcmp(verb->name, "profile") == 0 && !p->args.profile.rom_file)
		return cli_usage_error("profile: --rom needs a file: --rom=FILE");
	if (p->rom_option && strcmp(verb->name, "check") == 0 && p->args.profile.rom_file)
		return cli_usage_error("check: --rom takes no value");
	if (nargs < verb->min_args || (verb->max_args >= 0 && nargs > verb->max_args))
		return verb->max_args == 0
			   ? cli_usage_error("'%s' takes no arguments", verb->name)
			   : cli_usage_error("'%s' takes a different number of arguments", verb->name);
	int r;
	if ((r = check_dir_option("root", p->args.root)) != 0 ||
	    (r = check_dir_option("sysroot", p->args.sysroot)) != 0)
		return r;
	*ret = verb;
	return 0;
}

/* A user who cannot write there hears it first, not as a later failure of a command or
 * after "selected ...". */
static int check_writable(const Verb *verb, const Args *args)
{
	if (!verb->writes_root || args->dry_run)
		return 0;
	_cleanup_free_ char *etc = NULL;
	if (asprintf(&etc, "%s/etc", args->root ? args->root : "") < 0)
		return cli_error(-ENOMEM, "failed to start");
	if (access(etc, W_OK) < 0 && (errno == EACCES || errno == EPERM)) {
		fprintf(stderr,
			_("vfio-boot: '%s' changes files under %s: run it as root (sudo vfio-boot "
			  "%s), or with --dry-run to see what it would do\n"),
			verb->name, etc, verb->name);
		return 1;
	}
	return 0;
}

static int run_verb(const Verb *verb, const Args *args, int nargs, char **argv)
{
	VbContext *ctx;
	int r = vb_context_new(args->root, args->sysroot, &ctx);
	if (r < 0)
		return cli_error(r, "failed to start");
	VbLogLevel max = args->verbosity < 0	? VB_LOG_ERR
			 : args->verbosity == 0 ? VB_LOG_WARNING
			 : args->verbosity == 1 ? VB_LOG_INFO
						: VB_LOG_DEBUG;
	vb_context_set_log(ctx, log_to_stderr, NULL, max);
	if (args->selection && (r = vb_context_set_selection_file(ctx, args->selection)) < 0) {
		vb_context_free(ctx);
		return cli_error(r, "failed to start");
	}
	int status = verb->fn(ctx, args, nargs, argv);
	if (getenv("VFIO_BOOT_TEST_FAIL_AT"))
		fprintf(stderr,
			"vfio-boot: test: %u fault points passed\n", /* not translated: tests read it */
			vb_test_fault_points());
	vb_context_free(ctx);
	return status;
}

int main(int argc, char **argv)
{
	_cleanup_(parsed_done) Parsed p = {.verb_only = calloc((size_t)argc + 1, sizeof(*p.verb_only))};
	int c;

	setup_locale();
	if (!p.verb_only)
		return cli_error(-ENOMEM, "failed to parse options");
	while ((c = getopt_long(argc, argv, "qvh", long_options, NULL)) >= 0) {
		int status = parse_option(c, &p);
		if (status != PARSE_NEXT)
			return status;
	}
	p.args.kernels = p.kernels;
	p.args.profile.usb_controllers = p.usb_controllers;
	p.args.profile.isos = p.isos;
	p.args.profile.usb_devices = p.usb_devices;
	p.args.profile.evdev = p.evdev;

	if (optind >= argc)
		return cli_usage_error("no verb given");
	const char *name = argv[optind++];
	const Verb *verb = NULL;
	int nargs = argc - optind;
	if ((c = find_verb(&p, name, nargs, &verb)) != 0 || (c = check_writable(verb, &p.args)) != 0)
		return c;
	return run_verb(verb, &p.args, nargs, argv + optind);
}
