/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char *program = "vfio-boot";

typedef struct Verb {
	const char *name;
	int min_args, max_args; /* -1: any number */
	VerbFn fn;
	const char *options; /* verb-specific long options it accepts, space separated */
} Verb;

static const Verb verbs[] = {
    {"scan", 0, 0, verb_scan, "all"},
    {"check", 0, -1, verb_check, "rom"},
    {"add", 1, -1, verb_add, "force dry-run"},
    {"remove", 1, -1, verb_remove, "dry-run"},
    {"plan", 0, 0, verb_plan, "force"},
    {"generate", 1, 1, verb_generate, "force"},
    {"apply", 0, -1, verb_apply, "force dry-run no-rebuild"},
    {"revert", 0, 0, verb_revert, "force dry-run no-rebuild"},
    {"status", 0, 0, verb_status, ""},
    {"verify", 0, 0, verb_verify, ""},
    {"bind", 1, -1, verb_bind, "force dry-run"},
    {"unbind", 1, -1, verb_unbind, "dry-run"},
};

static void help(void)
{
	printf("Usage: %s [OPTIONS] VERB [ARGS]\n"
	       "\n"
	       "Prepare a Linux host for passing PCI devices (a GPU and its functions)\n"
	       "to a virtual machine with VFIO.\n"
	       "\n"
	       "Verbs:\n"
	       "  scan                 IOMMU groups and their devices, GPUs first\n"
	       "  check [DEVICE...]    readiness report; exit status 1 if a check fails\n"
	       "  add DEVICE...        select devices in /etc/vfio-boot.conf\n"
	       "  remove DEVICE...     remove devices from the selection\n"
	       "  plan                 what apply would write and run (a diff, or --json)\n"
	       "  generate TARGET      print one artifact: modprobe, grub, devices,\n"
	       "                       initramfs-tools, dracut, cmdline\n"
	       "  apply [DEVICE...]    add the devices, write the files, rebuild the images\n"
	       "  revert               remove what vfio-boot wrote, restore what it replaced\n"
	       "  status               selection vs files vs drivers vs booted command line\n"
	       "  verify               will the next boot bind? read from each kernel's image\n"
	       "  bind DEVICE...       give the devices (and their slot) to vfio-pci now,\n"
	       "                       until the next boot\n"
	       "  unbind DEVICE...     give them back to their own drivers now\n"
	       "\n"
	       "DEVICE is a PCI address [DDDD:]BB:DD.F or a unique VVVV:DDDD.\n"
	       "\n"
	       "Options:\n"
	       "      --root=DIR       target system whose configuration is read (default /)\n"
	       "      --sysroot=DIR    where live state is read: DIR/sys, DIR/proc (default /)\n"
	       "      --kernel=KVER    target kernel, repeatable (default: every installed one)\n"
	       "      --json           machine-readable output on stdout (a stable contract)\n"
	       "      --all            scan: show every IOMMU group, bridges and chipset too\n"
	       "      --rom            check: read GPU option ROMs through sysfs (needs root)\n"
	       "      --dry-run        add, remove, apply, revert, bind, unbind: show only\n"
	       "      --no-rebuild     apply, revert: do not rebuild initramfs and boot config\n"
	       "      --force          override a safety refusal (the refusal names it)\n"
	       "  -q, --quiet          print errors only\n"
	       "  -v, --verbose        more detail on stderr (twice: debug)\n"
	       "  -h, --help           show this help\n"
	       "      --version        show the version\n"
	       "\n"
	       "See vfio-boot(8).\n",
	       program);
}

int cli_error(int r, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (r < 0)
		fprintf(stderr, ": %s", strerror(-r));
	fputc('\n', stderr);
	return 1;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program);
	return EXIT_USAGE;
}

_printf_(3, 0) static void log_to_stderr(void *userdata, VbLogLevel level, const char *fmt, va_list ap)
{
	(void)userdata;
	fprintf(stderr, "%s: %s", program,
		level <= VB_LOG_ERR	  ? ""
		: level == VB_LOG_WARNING ? "warning: "
					  : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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
};

static const struct option long_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"sysroot", required_argument, NULL, OPT_SYSROOT},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"json", no_argument, NULL, OPT_JSON},
    {"all", no_argument, NULL, OPT_ALL},
    {"rom", no_argument, NULL, OPT_ROM},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-rebuild", no_argument, NULL, OPT_NO_REBUILD},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {},
};

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

int main(int argc, char **argv)
{
	Args args = {0};
	_cleanup_free_ const char **kernels = NULL;
	const char *verb_only[8];
	size_t n_verb_only = 0;
	int c;

	while ((c = getopt_long(argc, argv, "qvh", long_options, NULL)) >= 0) {
		switch (c) {
		case OPT_ROOT:
			args.root = optarg;
			break;
		case OPT_SYSROOT:
			args.sysroot = optarg;
			break;
		case OPT_KERNEL: {
			const char **k = realloc(kernels, (args.n_kernels + 2) * sizeof(*k));
			if (!k)
				return cli_error(-ENOMEM, "failed to parse options");
			kernels = k;
			kernels[args.n_kernels++] = optarg;
			kernels[args.n_kernels] = NULL;
			break;
		}
		case OPT_JSON:
			args.json = true;
			break;
		case OPT_ALL:
			args.all = true;
			verb_only[n_verb_only++] = "all";
			break;
		case OPT_ROM:
			args.read_rom = true;
			verb_only[n_verb_only++] = "rom";
			break;
		case OPT_DRY_RUN:
			args.dry_run = true;
			verb_only[n_verb_only++] = "dry-run";
			break;
		case OPT_FORCE:
			args.force = true;
			verb_only[n_verb_only++] = "force";
			break;
		case OPT_NO_REBUILD:
			args.no_rebuild = true;
			verb_only[n_verb_only++] = "no-rebuild";
			break;
		case 'q':
			args.verbosity = -1;
			break;
		case 'v':
			if (args.verbosity < 2)
				args.verbosity++;
			break;
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("vfio-boot %s\n", VB_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", program);
			return EXIT_USAGE;
		}
		if (n_verb_only == ELEMENTSOF(verb_only))
			n_verb_only--;
	}
	args.kernels = kernels;

	if (optind >= argc)
		return cli_usage_error("no verb given");
	const char *name = argv[optind++];
	const Verb *verb = NULL;
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			verb = &verbs[i];
	if (!verb)
		return cli_usage_error("unknown verb '%s'", name);
	for (size_t i = 0; i < n_verb_only; i++)
		if (!verb_accepts(verb, verb_only[i]))
			return cli_usage_error("option --%s does not apply to '%s'", verb_only[i],
					       verb->name);
	int nargs = argc - optind;
	if (nargs < verb->min_args || (verb->max_args >= 0 && nargs > verb->max_args))
		return cli_usage_error("'%s' takes %s", verb->name,
				       verb->max_args == 0 ? "no arguments"
							   : "a different number of arguments");
	if ((c = check_dir_option("root", args.root)) != 0 ||
	    (c = check_dir_option("sysroot", args.sysroot)) != 0)
		return c;

	VbContext *ctx;
	int r = vb_context_new(args.root, args.sysroot, &ctx);
	if (r < 0)
		return cli_error(r, "failed to start");
	VbLogLevel max = args.verbosity < 0    ? VB_LOG_ERR
			 : args.verbosity == 0 ? VB_LOG_WARNING
			 : args.verbosity == 1 ? VB_LOG_INFO
					       : VB_LOG_DEBUG;
	vb_context_set_log(ctx, log_to_stderr, NULL, max);
	int status = verb->fn(ctx, &args, nargs, argv + optind);
	if (getenv("VFIO_BOOT_TEST_FAIL_AT"))
		fprintf(stderr, "vfio-boot: test: %u fault points passed\n", vb_test_fault_points());
	vb_context_free(ctx);
	return status;
}
