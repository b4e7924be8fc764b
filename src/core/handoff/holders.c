/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What holds a device (see handoff.h). All of it is read under the sysroot:
 *  - its device nodes: every child of the device in sysfs with a DEVNAME (drm/card0,
 *    drm/renderD128, sound/card1/pcmC1D3p...), and NVIDIA's /dev/nvidiaN, which sysfs does
 *    not list (proc/driver/nvidia/gpus/ADDRESS/information has the minor);
 *  - the processes with one of them open (proc/PID/fd), and their unit (proc/PID/cgroup);
 *  - the framebuffer console: a vtcon bound to the "frame buffer device" while one of the
 *    framebuffers (class/graphics/fbN) is the device's, or a firmware framebuffer's;
 *  - a firmware framebuffer (efifb, simpledrm, vesafb) whose memory (proc/iomem) lies in
 *    one of the device's BARs (its resource file): bound to a platform device.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../live/live.h"
#include "../paths.h"
#include "../util/fileio.h"
#include "handoff.h"

static int holder_list_push(VbHolderList *l, const VbHolder *h)
{
	VbHolder *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *h;
	return 0;
}

void vb_holder_list_done(VbHolderList *l)
{
	free(l->v);
	*l = (VbHolderList){0};
}

/* ---- device nodes ------------------------------------------------------------ */

/* Children of dir (not links: sysfs's driver, subsystem, device) with a DEVNAME. */
static int collect_nodes(const char *dir, unsigned depth, VbStrv *nodes)
{
	DIR *d = opendir(dir);
	int r = 0;
	for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		_cleanup_free_ char *sub = NULL, *uevent = NULL, *text = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0 || asprintf(&uevent, "%s/uevent", sub) < 0) {
			r = -ENOMEM;
			break;
		}
		size_t size;
		const char *name;
		if (read_file_at(AT_FDCWD, uevent, 64 * 1024, &text, &size) >= 0 &&
		    ((name = strstr(text, "\nDEVNAME=")) ||
		     (name = strncmp(text, "DEVNAME=", 8) == 0 ? text - 1 : NULL))) {
			name += 9;
			_cleanup_free_ char *node = NULL;
			if (asprintf(&node, "/dev/%.*s", (int)strcspn(name, "\n"), name) < 0 ||
			    (r = vb_strv_append(nodes, node)) < 0) {
				r = -ENOMEM;
				break;
			}
		}
		if (depth > 0)
			r = collect_nodes(sub, depth - 1, nodes);
	}
	if (d)
		closedir(d);
	return r;
}

static int nvidia_nodes(VbContext *ctx, const VbDevice *d, VbStrv *nodes)
{
	_cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
	size_t size;
	int r;
	if (asprintf(&rel, VB_PROC_NVIDIA_GPUS "/%s/information", d->address) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(ctx, rel, &path)) < 0)
		return r;
	if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, &size) < 0)
		return 0;
	const char *minor = strstr(text, "Device Minor:");
	char node[64];
	if (minor) {
		snprintf(node, sizeof(node), "/dev/nvidia%ld", strtol(minor + 13, NULL, 10));
		if ((r = vb_strv_append(nodes, node)) < 0)
			return r;
	}
	/* the module goes with the device (no other user can keep these) */
	static const char *const shared[] = {"/dev/nvidiactl", "/dev/nvidia-modeset", "/dev/nvidia-uvm"};
	for (size_t i = 0; i < ELEMENTSOF(shared); i++)
		if ((r = vb_strv_append(nodes, shared[i])) < 0)
			return r;
	return 0;
}

/* ---- processes ------------------------------------------------------------------ */

/* The unit a process runs in: the last part of its cgroup v2 path (gdm.service,
 * session-2.scope); the whole path goes to path. */
static void process_unit(const char *procdir, char *unit, size_t size, char *path, size_t psize)
{
	_cleanup_free_ char *file = NULL, *text = NULL;
	size_t n;
	unit[0] = path[0] = 0;
	if (asprintf(&file, "%s/cgroup", procdir) < 0 ||
	    read_file_at(AT_FDCWD, file, 64 * 1024, &text, &n) < 0)
		return;
	const char *line = strstr(text, "0::");
	if (!line)
		return;
	line += 3;
	size_t len = strcspn(line, "\n");
	snprintf(path, psize, "%.*s", (int)len, line);
	const char *last = strrchr(path, '/');
	snprintf(unit, size, "%s", last ? last + 1 : path);
}

/* systemd's display-manager.service is an alias of the real unit (gdm.service, sddm.service). */
static void display_manager_unit(VbContext *ctx, char *unit, size_t size)
{
	_cleanup_free_ char *path = NULL, *target = NULL;
	snprintf(unit, size, "display-manager.service");
	if (vb_root_path(ctx, "etc/systemd/system/display-manager.service", &path) >= 0 &&
	    read_link_basename_at(AT_FDCWD, path, &target) >= 0)
		snprintf(unit, size, "%s", target);
}

/* logind's record of a session (run/systemd/sessions/ID): graphical, and whose. */
static bool graphical_session(VbContext *ctx, const char *id, long *uid)
{
	_cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
	size_t n;
	if (asprintf(&rel, "run/systemd/sessions/%s", id) < 0 || vb_sysroot_path(ctx, rel, &path) < 0 ||
	    read_file_at(AT_FDCWD, path, 64 * 1024, &text, &n) < 0)
		return false;
	const char *u = strstr(text, "\nUID=");
	if (uid)
		*uid = u ? strtol(u + 5, NULL, 10) : -1;
	return strstr(text, "\nTYPE=x11\n") || strstr(text, "\nTYPE=wayland\n") ||
	       strstr(text, "\nTYPE=mir\n");
}

/* Does the user have a graphical session? (their systemd user manager runs the compositor
 * on newer desktops: user@UID.service/...) */
static bool user_has_graphical_session(VbContext *ctx, long uid)
{
	_cleanup_free_ char *dir = NULL;
	if (vb_sysroot_path(ctx, "run/systemd/sessions", &dir) < 0)
		return false;
	bool found = false;
	DIR *d = opendir(dir);
	for (struct dirent *de; d && !found && (de = readdir(d));) {
		long u;
		found = de->d_name[0] != '.' && !strchr(de->d_name, '.') &&
			graphical_session(ctx, de->d_name, &u) && u == uid;
	}
	if (d)
		closedir(d);
	return found;
}

/* A holder that goes when the display manager stops: its own processes, and those of the
 * graphical sessions it started (their scope, or their user's manager). */
static bool is_display(VbContext *ctx, const char *dm, const char *unit, const char *cgpath)
{
	if (strcmp(unit, dm) == 0 || strcmp(unit, "display-manager.service") == 0)
		return true;
	char id[64];
	if (sscanf(unit, "session-%63[^.].scope", id) == 1 && graphical_session(ctx, id, NULL))
		return true;
	const char *u = strstr(cgpath, "/user@");
	return u && user_has_graphical_session(ctx, strtol(u + 6, NULL, 10));
}

static int process_holders(VbContext *ctx, const VbStrv *nodes, const char *const *owners, VbHolderList *ret)
{
	_cleanup_free_ char *proc = NULL;
	int r = vb_sysroot_path(ctx, "proc", &proc);
	if (r < 0)
		return r;
	char dm[128];
	display_manager_unit(ctx, dm, sizeof(dm));
	DIR *procs = opendir(proc);
	for (struct dirent *pe; procs && r >= 0 && (pe = readdir(procs));) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		_cleanup_free_ char *pdir = NULL;
		if (asprintf(&pdir, "%s/%s", proc, pe->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		size_t found = vb_live_open_node(pdir, nodes); /* handoff runs as root */
		if (found == nodes->n)
			continue;
		VbHolder h = {.kind = VB_HOLDER_PROCESS, .pid = (pid_t)strtol(pe->d_name, NULL, 10)};
		_cleanup_free_ char *comm_path = NULL, *comm = NULL;
		if (asprintf(&comm_path, "%s/comm", pdir) >= 0 &&
		    read_line_at(AT_FDCWD, comm_path, &comm) >= 0)
			snprintf(h.comm, sizeof(h.comm), "%s", comm);
		else
			snprintf(h.comm, sizeof(h.comm), "?");
		snprintf(h.node, sizeof(h.node), "%s", nodes->v[found]);
		snprintf(h.device, sizeof(h.device), "%s", owners[found]);
		char cgpath[512];
		process_unit(pdir, h.unit, sizeof(h.unit), cgpath, sizeof(cgpath));
		h.display = is_display(ctx, dm, h.unit, cgpath);
		r = holder_list_push(ret, &h);
	}
	if (procs)
		closedir(procs);
	return r;
}

/* ---- framebuffers ------------------------------------------------------------ */

/* The BARs of d: start and end of each non-empty resource line (the first six). */
static size_t device_bars(VbContext *ctx, const VbDevice *d, uint64_t bars[6][2])
{
	_cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
	size_t size, n = 0;
	if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s/resource", d->address) < 0 ||
	    vb_sysroot_path(ctx, rel, &path) < 0 || read_file_at(AT_FDCWD, path, 64 * 1024, &text, &size) < 0)
		return 0;
	const char *line = text;
	for (unsigned i = 0; i < 6 && line && *line; i++) {
		uint64_t start, end, flags;
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &start, &end, &flags) == 3 &&
		    end > start) {
			bars[n][0] = start;
			bars[n++][1] = end;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return n;
}

/* Is a firmware framebuffer's memory (proc/iomem: BOOTFB, efifb, vesafb, simplefb) inside a
 * BAR of d? (Needs root: others read zeros there.) */
static bool firmware_fb_in(VbContext *ctx, const VbDevice *d)
{
	uint64_t bars[6][2];
	size_t n = device_bars(ctx, d, bars);
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t size;
	if (n == 0 || vb_sysroot_path(ctx, VB_PROC_IOMEM, &path) < 0 ||
	    read_file_at(AT_FDCWD, path, 4 * 1024 * 1024, &text, &size) < 0)
		return false;
	static const char *const names[] = {"BOOTFB", "efifb", "vesafb", "simplefb", "simple-framebuffer"};
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end;
		char name[64];
		if (sscanf(line, " %" SCNx64 "-%" SCNx64 " : %63[^\n]", &start, &end, name) != 3 ||
		    start == 0)
			continue;
		bool fb = false;
		for (size_t i = 0; i < ELEMENTSOF(names) && !fb; i++)
			fb = strcmp(name, names[i]) == 0;
		for (size_t i = 0; fb && i < n; i++)
			if (start >= bars[i][0] && end <= bars[i][1])
				return true;
	}
	return false;
}

/* The bound platform framebuffer devices (efi-framebuffer.0, simple-framebuffer.0...). */
static int firmware_fb_holders(VbContext *ctx, const VbDevice *d, VbHolderList *ret)
{
	_cleanup_free_ char *dir = NULL;
	int r = vb_sysroot_path(ctx, VB_SYS_PLATFORM_DEVICES, &dir);
	if (r < 0 || !firmware_fb_in(ctx, d))
		return r;
	DIR *pd = opendir(dir);
	for (struct dirent *de; pd && r >= 0 && (de = readdir(pd));) {
		if (!strstr(de->d_name, "framebuffer"))
			continue;
		_cleanup_free_ char *link = NULL, *driver = NULL;
		if (asprintf(&link, "%s/%s/driver", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_link_basename_at(AT_FDCWD, link, &driver) < 0)
			continue;
		VbHolder h = {.kind = VB_HOLDER_FIRMWARE_FB};
		snprintf(h.device, sizeof(h.device), "%s", d->address);
		snprintf(h.name, sizeof(h.name), "%s", de->d_name);
		snprintf(h.driver, sizeof(h.driver), "%s", driver);
		r = holder_list_push(ret, &h);
	}
	if (pd)
		closedir(pd);
	return r;
}

/* Does the console show a framebuffer (class/graphics/fbN) of d, or of a firmware
 * framebuffer that holds d? fbcon maps every console to the first framebuffer, fb0, unless
 * fbcon=map: on the command line says otherwise (then any of them may be shown). */
static bool framebuffer_on(VbContext *ctx, const VbDevice *d, const VbHolderList *fw)
{
	_cleanup_free_ char *graphics = NULL, *cmdline_path = NULL, *cmdline = NULL;
	if (vb_sysroot_path(ctx, VB_SYS_CLASS_GRAPHICS, &graphics) < 0 ||
	    vb_sysroot_path(ctx, VB_PROC_CMDLINE, &cmdline_path) < 0)
		return false;
	bool mapped = read_line_at(AT_FDCWD, cmdline_path, &cmdline) >= 0 && strstr(cmdline, "fbcon=map:");
	bool on = false;
	DIR *dir = opendir(graphics);
	for (struct dirent *de; dir && !on && (de = readdir(dir));) {
		_cleanup_free_ char *link = NULL, *owner = NULL;
		if (strncmp(de->d_name, "fb", 2) != 0 || (!mapped && strcmp(de->d_name, "fb0") != 0) ||
		    asprintf(&link, "%s/%s/device", graphics, de->d_name) < 0 ||
		    read_link_basename_at(AT_FDCWD, link, &owner) < 0)
			continue;
		on = strcmp(owner, d->address) == 0;
		for (size_t i = 0; i < fw->n && !on; i++)
			on = fw->v[i].kind == VB_HOLDER_FIRMWARE_FB &&
			     strcmp(fw->v[i].device, d->address) == 0 && strcmp(fw->v[i].name, owner) == 0;
	}
	if (dir)
		closedir(dir);
	return on;
}

/* The vtcons bound to the framebuffer console, when it sits on d. */
static int console_holders(VbContext *ctx, const VbDevice *d, const VbHolderList *fw, VbHolderList *ret)
{
	_cleanup_free_ char *vtcon = NULL;
	int r = vb_sysroot_path(ctx, VB_SYS_CLASS_VTCONSOLE, &vtcon);
	if (r < 0 || !framebuffer_on(ctx, d, fw))
		return r;
	DIR *dir = opendir(vtcon);
	for (struct dirent *de; dir && r >= 0 && (de = readdir(dir));) {
		if (strncmp(de->d_name, "vtcon", 5) != 0)
			continue;
		_cleanup_free_ char *name = NULL, *bind = NULL, *p1 = NULL, *p2 = NULL;
		if (asprintf(&p1, "%s/%s/name", vtcon, de->d_name) < 0 ||
		    asprintf(&p2, "%s/%s/bind", vtcon, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_line_at(AT_FDCWD, p1, &name) < 0 || !strstr(name, "frame buffer") ||
		    read_line_at(AT_FDCWD, p2, &bind) < 0 || strcmp(bind, "1") != 0)
			continue;
		VbHolder h = {.kind = VB_HOLDER_CONSOLE};
		snprintf(h.device, sizeof(h.device), "%s", d->address);
		snprintf(h.name, sizeof(h.name), "%s", de->d_name);
		r = holder_list_push(ret, &h);
	}
	if (dir)
		closedir(dir);
	return r;
}

/* Is there a framebuffer that is not the devices' own (nor a firmware one inside them)? */
static bool other_framebuffer(VbContext *ctx, const VbDevice *const *devs, size_t n, const VbHolderList *fw)
{
	_cleanup_free_ char *graphics = NULL;
	if (vb_sysroot_path(ctx, VB_SYS_CLASS_GRAPHICS, &graphics) < 0)
		return false;
	bool other = false;
	DIR *dir = opendir(graphics);
	for (struct dirent *de; dir && !other && (de = readdir(dir));) {
		_cleanup_free_ char *link = NULL, *owner = NULL;
		if (strncmp(de->d_name, "fb", 2) != 0 || !isdigit((unsigned char)de->d_name[2]) ||
		    asprintf(&link, "%s/%s/device", graphics, de->d_name) < 0 ||
		    read_link_basename_at(AT_FDCWD, link, &owner) < 0)
			continue;
		bool ours = false;
		for (size_t i = 0; i < n && !ours; i++)
			ours = strcmp(owner, devs[i]->address) == 0;
		for (size_t i = 0; i < fw->n && !ours; i++)
			ours = fw->v[i].kind == VB_HOLDER_FIRMWARE_FB && strcmp(fw->v[i].name, owner) == 0;
		other = !ours;
	}
	if (dir)
		closedir(dir);
	return other;
}

int vb_handoff_holders(VbContext *ctx, const VbDevice *const *devs, size_t n, VbHolderList *ret)
{
	VbStrv nodes = {0};
	const char **owners = NULL;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *rel = NULL, *dir = NULL;
		size_t before = nodes.n;
		if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s", devs[i]->address) < 0 ||
		    (r = vb_sysroot_path(ctx, rel, &dir)) < 0) {
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		char real[4096];
		if (realpath(dir, real))
			r = collect_nodes(real, 3, &nodes);
		if (r >= 0 && devs[i]->driver && strcmp(devs[i]->driver, "nvidia") == 0)
			r = nvidia_nodes(ctx, devs[i], &nodes);
		const char **o = r >= 0 ? realloc(owners, (nodes.n + 1) * sizeof(*o)) : NULL;
		if (!o) {
			r = r < 0 ? r : -ENOMEM;
			break;
		}
		owners = o;
		for (size_t k = before; k < nodes.n; k++)
			owners[k] = devs[i]->address;
	}
	if (r >= 0 && nodes.n > 0)
		r = process_holders(ctx, &nodes, owners, ret);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = firmware_fb_holders(ctx, devs[i], ret);
	/* the console needs releasing only when it has nowhere else to go: with another
	 * framebuffer (the host's GPU), the kernel moves it there as the device's goes */
	bool elsewhere = r >= 0 && other_framebuffer(ctx, devs, n, ret);
	for (size_t i = 0; i < n && r >= 0 && !elsewhere; i++)
		r = console_holders(ctx, devs[i], ret, ret);
	vb_strv_done(&nodes);
	free(owners);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to find what holds the devices");
	return 0;
}

char *vb_holder_describe(const VbHolder *h)
{
	char *s = NULL;
	int n = -1;
	switch (h->kind) {
	case VB_HOLDER_PROCESS:
		n = h->unit[0] ? asprintf(&s, _("%s (pid %d, %s) has %s open"), h->comm, (int)h->pid, h->unit,
					  h->node)
			       : asprintf(&s, _("%s (pid %d) has %s open"), h->comm, (int)h->pid, h->node);
		break;
	case VB_HOLDER_CONSOLE:
		n = asprintf(&s, _("the framebuffer console (%s)"), h->name);
		break;
	case VB_HOLDER_FIRMWARE_FB:
		n = asprintf(&s, _("the firmware framebuffer %s (%s)"), h->name, h->driver);
		break;
	}
	return n < 0 ? NULL : s;
}

/* ---- modules ------------------------------------------------------------------ */

static int unload_order(VbContext *ctx, const char *name, unsigned depth, VbStrv *ret)
{
	_cleanup_free_ char *rel = NULL, *dir = NULL, *initstate = NULL;
	int r;
	if (depth > 16 || vb_strv_contains(ret, name))
		return 0;
	if (asprintf(&rel, VB_SYS_MODULE "/%s", name) < 0 || (r = vb_sysroot_path(ctx, rel, &dir)) < 0)
		return -ENOMEM;
	/* what libkmod's kmod_module_get_initstate reads: a built-in module has no initstate */
	_cleanup_free_ char *state_path = vb_path_join(dir, "initstate");
	if (!state_path)
		return -ENOMEM;
	if (access(dir, F_OK) < 0)
		return 0; /* not loaded */
	if (read_line_at(AT_FDCWD, state_path, &initstate) < 0)
		return vb_fail(ctx, -EPERM,
			       "%s is built into the kernel: it cannot be unloaded to let the device go",
			       name);
	/* its holders first (kmod_module_get_holders reads the same directory) */
	_cleanup_free_ char *holders = vb_path_join(dir, "holders");
	VbStrv names = {0};
	DIR *d = holders ? opendir(holders) : NULL;
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] != '.' && vb_strv_add(&names, de->d_name) < 0)
			names.failed = true;
	if (d)
		closedir(d);
	r = names.failed ? -ENOMEM : 0;
	for (size_t i = 0; i < names.n && r >= 0; i++)
		r = unload_order(ctx, names.v[i], depth + 1, ret);
	vb_strv_done(&names);
	return r < 0 ? r : vb_strv_append(ret, name);
}

int vb_handoff_unload_order(VbContext *ctx, const char *name, VbStrv *ret)
{
	return unload_order(ctx, name, 0, ret);
}
