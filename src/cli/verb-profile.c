/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* profile: a complete VM definition for the selected devices (libvirt domain XML). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "plan/plan.h"
#include "profile/profile.h"

extern char **environ;

/* The installed libvirt's version, from `virsh --version` ("9.0.0"); 0 when it cannot be
 * asked (no virsh, or a --root that is not this system). */
static unsigned installed_libvirt(const VbContext *ctx)
{
	if (strcmp(vb_context_root(ctx), "/") != 0)
		return 0;
	int fds[2];
	if (pipe(fds) < 0)
		return 0;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	char *argv[] = {"virsh", "--version", NULL};
	pid_t pid;
	int r = posix_spawnp(&pid, "virsh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	char buf[64] = "";
	ssize_t n = r == 0 ? read(fds[0], buf, sizeof(buf) - 1) : -1;
	close(fds[0]);
	if (r == 0)
		waitpid(pid, NULL, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	unsigned v;
	return vb_libvirt_version_parse(buf, &v) == 0 ? v : 0;
}

/* "16G", "16GiB", "8192M", "8192" (MiB) */
static int parse_memory(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (strcasecmp(end, "G") == 0 || strcasecmp(end, "GiB") == 0)
		v *= 1024;
	else if (*end && strcasecmp(end, "M") != 0 && strcasecmp(end, "MiB") != 0)
		return -EINVAL;
	if (v == 0 || v > 16ULL * 1024 * 1024)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int write_output(const char *path, const char *text)
{
	if (!path)
		return fputs(text, stdout) < 0 ? -EIO : 0;
	FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return -errno;
	return 0;
}

/* --format=kubevirt or nova: what a platform that schedules VMs needs to know of this node,
 * the devices bound at boot; no VM is built. */
static int node_devices(VbContext *ctx, const Args *args, const char *format)
{
	_cleanup_(cli_plan_done) CliPlan c = {0};
	int status = cli_build_plan(ctx, args, &c);
	if (status != 0)
		return status;
	VbPlan *p = c.plan;
	_cleanup_free_ char *text = NULL;
	int r = strcmp(format, "nova") == 0 ? vb_platform_nova(p, &text) : vb_platform_kubevirt(p, &text);
	if (r == -ENOENT)
		status = cli_error(0,
				   "--format=%s: no device is bound at boot (%s offers only those): "
				   "select one without handoff",
				   format, strcmp(format, "nova") == 0 ? "Nova" : "KubeVirt");
	else if (r < 0)
		status = cli_error(r, "failed to write the %s configuration", format);
	else if (p->n_handoff > 0 && args->verbosity >= 0)
		fprintf(stderr, _("vfio-boot: profile: the devices selected for handoff are left out: the "
				  "platform offers only devices that stay on vfio-pci\n"));
	if (status == 0 && (r = write_output(args->profile.output, text)) < 0)
		status = cli_error(r, "failed to write %s",
				   args->profile.output ? args->profile.output : _("standard output"));
	if (status == 0 && args->profile.output && args->verbosity >= 0)
		fprintf(stderr, _("vfio-boot: profile: %s written\n"), args->profile.output);
	return status;
}

/* The profile's options from the command line; a bad value is a usage error (its exit
 * status). assumed: no libvirt could be asked for its version. */
static int profile_options(VbContext *ctx, const ProfileArgs *pa, bool qemu, bool proxmox,
			   VbProfileOptions *o, bool *assumed)
{
	*o = (VbProfileOptions){
	    .name = pa->name,
	    .disk = pa->disk,
	    .disk_size = pa->disk_size,
	    .isos = pa->isos,
	    .drivers_iso = pa->drivers_iso,
	    .rom_file = pa->rom_file,
	    .usb_controllers = pa->usb_controllers,
	    .usb_devices = pa->usb_devices,
	    .evdev = pa->evdev,
	    .hugepages = pa->hugepages,
	    .hide_kvm = pa->hide_kvm,
	    .firmware_files = qemu,
	    .proxmox = proxmox,
	};
	if (pa->accel && strcmp(pa->accel, "kvm") == 0)
		o->accel = VB_ACCEL_KVM;
	else if (pa->accel && strcmp(pa->accel, "tcg") == 0)
		o->accel = VB_ACCEL_TCG;
	else if (pa->accel)
		return cli_usage_error("--accel=%s: expected kvm or tcg", pa->accel);
	if (pa->os && vb_guest_os_from_name(pa->os, &o->os) < 0)
		return cli_usage_error("--os=%s: expected windows11, windows10 or linux", pa->os);
	if (pa->memory && parse_memory(pa->memory, &o->memory_mib) < 0)
		return cli_usage_error("--memory=%s: a size in MiB, or with G or M (16G, 8192M)", pa->memory);
	if (pa->vcpus) {
		char *end;
		unsigned long v = strtoul(pa->vcpus, &end, 10);
		if (*end || end == pa->vcpus || v == 0 || v > VB_MAX_CPUS)
			return cli_usage_error("--vcpus=%s: a number of vCPUs", pa->vcpus);
		o->vcpus = (unsigned)v;
	}
	if (pa->looking_glass) {
		char x;
		if (sscanf(pa->looking_glass, "%u%c%u", &o->looking_glass_width, &x,
			   &o->looking_glass_height) != 3 ||
		    (x != 'x' && x != 'X') || o->looking_glass_width < 320 || o->looking_glass_height < 200 ||
		    o->looking_glass_width > 16384 || o->looking_glass_height > 16384 ||
		    strspn(pa->looking_glass, "0123456789xX") != strlen(pa->looking_glass))
			return cli_usage_error("--looking-glass=%s: a resolution, WIDTHxHEIGHT (1920x1080)",
					       pa->looking_glass);
	}
	*assumed = false;
	if (pa->libvirt_version) {
		if (vb_libvirt_version_parse(pa->libvirt_version, &o->libvirt) < 0)
			return cli_usage_error("--libvirt-version=%s: expected X.Y (9.0)",
					       pa->libvirt_version);
	} else if (!(o->libvirt = installed_libvirt(ctx))) {
		o->libvirt = VB_LIBVIRT_DEFAULT;
		*assumed = !proxmox; /* qemu-server has no libvirt */
	}
	return 0;
}

/* The written domain or script: defined in libvirt (--define), and to --output or stdout. */
static int deliver_profile(const Args *args, const VbProfile *prof, const char *text, bool script)
{
	const ProfileArgs *pa = &args->profile;
	int r;
	if (pa->connect && !pa->define)
		return cli_usage_error("--connect is for --define");
	if (pa->define) {
		const char *uri = pa->connect ? pa->connect : "qemu:///system";
		_cleanup_free_ char *why = NULL;
		if ((r = vb_profile_define(uri, text, &why)) < 0)
			return cli_error(0, "failed to define %s: %s", prof->name, why ? why : strerror(-r));
		if (args->verbosity >= 0)
			fprintf(stderr, _("vfio-boot: profile: domain %s defined on %s\n"), prof->name, uri);
		if (!pa->output)
			return 0;
	}
	if ((r = write_output(pa->output, text)) < 0)
		return cli_error(r, "failed to write %s", pa->output ? pa->output : _("standard output"));
	if (!pa->output)
		return 0;
	if (script && chmod(pa->output, 0755) < 0)
		return cli_error(-errno, "failed to make %s executable", pa->output);
	if (args->verbosity >= 0)
		fprintf(stderr,
			prof->opts.firmware_files
			    ? _("vfio-boot: profile: %s written; run it as root to start the VM\n")
			: prof->opts.proxmox
			    ? _("vfio-boot: profile: %s written; run it as root on the Proxmox VE "
				"node to create the VM\n")
			    : _("vfio-boot: profile: %s written; 'virsh define %s' adds the VM\n"),
			pa->output, pa->output);
	return 0;
}

int verb_profile(VbContext *ctx, const Args *args, int argc, char **argv)
{
	(void)argc, (void)argv;
	const ProfileArgs *pa = &args->profile;
	if (args->json)
		return cli_usage_error("profile writes a domain XML or a script, not JSON");
	const char *format = pa->format ? pa->format : "libvirt";
	bool qemu = strcmp(format, "qemu") == 0, proxmox = strcmp(format, "proxmox") == 0;
	bool node = strcmp(format, "kubevirt") == 0 || strcmp(format, "nova") == 0;
	if (!qemu && !proxmox && !node && strcmp(format, "libvirt") != 0)
		return cli_usage_error("--format=%s: expected libvirt, qemu, proxmox, kubevirt or nova",
				       format);
	if (strcmp(format, "libvirt") != 0 && pa->define)
		return cli_usage_error("--define is for --format=libvirt");
	if (node)
		return node_devices(ctx, args, format);
	VbProfileOptions o;
	bool assumed;
	int status = profile_options(ctx, pa, qemu, proxmox, &o, &assumed);
	if (status != 0)
		return status;

	_cleanup_(cli_plan_done) CliPlan c = {0};
	if ((status = cli_build_plan(ctx, args, &c)) != 0)
		return status;
	VbProfile *prof = NULL;
	_cleanup_free_ char *text = NULL, *error = NULL;
	int r = vb_profile_build(ctx, c.model, c.plan, &o, &prof);
	if (r < 0) {
		status = 1; /* the reason is logged */
		goto out;
	}
	r = qemu      ? vb_profile_qemu_script(prof, &text)
	    : proxmox ? vb_profile_proxmox_script(prof, &text, &error)
		      : vb_profile_libvirt_xml(prof, &text, &error);
	if (r < 0) {
		status = qemu || proxmox ? cli_error(r == -E2BIG ? 0 : r, "failed to write the script%s%s",
						     error ? ": " : "", error ? error : "")
					 : cli_error(r, "failed to write the domain%s%s", error ? ": " : "",
						     error ? error : "");
		goto out;
	}
	if (args->verbosity >= 0) {
		if (assumed)
			fprintf(stderr,
				_("vfio-boot: profile: written for libvirt %u.%u (the installed version "
				  "could not be asked; --libvirt-version sets it)\n"),
				o.libvirt / 1000, o.libvirt % 1000);
		for (size_t i = 0; i < prof->notes.n; i++)
			fprintf(stderr, _("vfio-boot: profile: %s\n"), prof->notes.v[i].message);
	}
	status = deliver_profile(args, prof, text, qemu || proxmox);
out:
	vb_profile_free(prof);
	return status;
}
