/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live binding through sysfs (see live.h). The order matters and is the kernel's:
 * driver_override first (it makes every other driver refuse the device, so the native
 * driver cannot take it back in between), then unbind, then an explicit bind. Giving a
 * device back binds it to a named driver rather than asking the kernel to probe, because
 * with method ids vfio-pci's dynamic ID table would claim it again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "../paths.h"
#include "../util/fileio.h"
#include "live.h"

#define VFIO_PCI_DRIVER "vfio-pci"

bool vb_sysroot_is_live(const VbContext *ctx)
{
	return strcmp(ctx->sysroot, "/") == 0;
}

int vb_sysfs_write(VbContext *ctx, const char *rel, const char *value)
{
	_cleanup_free_ char *path = NULL;
	int r = vb_sysroot_path(ctx, rel, &path);
	if (r < 0)
		return r;
	/* O_TRUNC as a shell redirection does: sysfs ignores it, a test tree needs it */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int device_attr_path(const VbDevice *d, const char *attr, char **ret)
{
	return asprintf(ret, VB_SYS_PCI_DEVICES "/%s/%s", d->address, attr) < 0 ? -ENOMEM : 0;
}

static int write_device_attr(VbContext *ctx, const VbDevice *d, const char *attr, const char *value)
{
	_cleanup_free_ char *rel = NULL;
	int r = device_attr_path(d, attr, &rel);
	return r < 0 ? r : vb_sysfs_write(ctx, rel, value);
}

int vb_live_driver(VbContext *ctx, const char *address, char **ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	int r;
	if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s/driver", address) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(ctx, rel, &path)) < 0)
		return r;
	r = read_link_basename_at(AT_FDCWD, path, ret);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	return r;
}

bool vb_live_driver_registered(VbContext *ctx, const char *driver)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	if (asprintf(&rel, VB_SYS_PCI_DRIVERS "/%s", driver) < 0 || vb_sysroot_path(ctx, rel, &path) < 0)
		return false;
	return access(path, F_OK) == 0;
}

static int bind_to(VbContext *ctx, const VbDevice *d, const char *driver)
{
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, VB_SYS_PCI_DRIVERS "/%s/bind", driver) < 0)
		return -ENOMEM;
	return vb_sysfs_write(ctx, rel, d->address);
}

/* ---- what uses a display device ------------------------------------------ */

/* fbcon on one of the device's framebuffers. */
static int console_users(VbContext *ctx, const VbDevice *d, VbStrv *ret)
{
	_cleanup_free_ char *graphics = NULL, *vtcon = NULL;
	int r;
	if ((r = vb_sysroot_path(ctx, VB_SYS_CLASS_GRAPHICS, &graphics)) < 0 ||
	    (r = vb_sysroot_path(ctx, VB_SYS_CLASS_VTCONSOLE, &vtcon)) < 0)
		return r;
	/* is the framebuffer console bound to the virtual terminals at all? */
	bool fbcon = false;
	DIR *dir = opendir(vtcon);
	for (struct dirent *de; dir && !fbcon && (de = readdir(dir));) {
		if (strncmp(de->d_name, "vtcon", 5) != 0)
			continue;
		_cleanup_free_ char *name = NULL, *bind = NULL, *p1 = NULL, *p2 = NULL;
		if (asprintf(&p1, "%s/%s/name", vtcon, de->d_name) < 0 ||
		    asprintf(&p2, "%s/%s/bind", vtcon, de->d_name) < 0) {
			closedir(dir);
			return -ENOMEM;
		}
		fbcon = read_line_at(AT_FDCWD, p1, &name) >= 0 && strstr(name, "frame buffer") &&
			read_line_at(AT_FDCWD, p2, &bind) >= 0 && strcmp(bind, "1") == 0;
	}
	if (dir)
		closedir(dir);
	if (!fbcon)
		return 0;
	dir = opendir(graphics);
	for (struct dirent *de; dir && (de = readdir(dir));) {
		if (strncmp(de->d_name, "fb", 2) != 0)
			continue;
		_cleanup_free_ char *link = NULL, *owner = NULL, *use = NULL;
		if (asprintf(&link, "%s/%s/device", graphics, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_link_basename_at(AT_FDCWD, link, &owner) < 0 || strcmp(owner, d->address) != 0)
			continue;
		if (asprintf(&use, _("the console (fbcon on %s)"), de->d_name) < 0 ||
		    (r = vb_strv_add(ret, use)) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (dir)
		closedir(dir);
	return r < 0 ? r : 0;
}

size_t vb_live_open_node(const char *pdir, const VbStrv *nodes)
{
	char fds[4096];
	snprintf(fds, sizeof(fds), "%s/fd", pdir);
	DIR *fd_dir = opendir(fds);
	size_t found = nodes->n;
	for (struct dirent *fe; fd_dir && found == nodes->n && (fe = readdir(fd_dir));) {
		char link[4400], target[256];
		snprintf(link, sizeof(link), "%s/%s", fds, fe->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		for (size_t i = 0; i < nodes->n && found == nodes->n; i++)
			if (strcmp(target, nodes->v[i]) == 0)
				found = i;
	}
	if (fd_dir)
		closedir(fd_dir);
	return found;
}

/* Processes holding one of the device's DRM card nodes open (a display server, a compositor). */
static int drm_users(VbContext *ctx, const VbDevice *d, VbStrv *ret)
{
	_cleanup_free_ char *rel = NULL, *drm = NULL, *proc = NULL;
	int r;
	if ((r = device_attr_path(d, "drm", &rel)) < 0 || (r = vb_sysroot_path(ctx, rel, &drm)) < 0 ||
	    (r = vb_sysroot_path(ctx, "proc", &proc)) < 0)
		return r;
	VbStrv nodes = {0};
	DIR *dir = opendir(drm);
	for (struct dirent *de; dir && (de = readdir(dir));) {
		char node[300];
		if (strncmp(de->d_name, "card", 4) != 0)
			continue;
		snprintf(node, sizeof(node), "/dev/dri/%s", de->d_name);
		if ((r = vb_strv_add(&nodes, node)) < 0)
			break;
	}
	if (dir)
		closedir(dir);
	DIR *procs = nodes.n > 0 && r >= 0 ? opendir(proc) : NULL;
	for (struct dirent *pe; procs && r >= 0 && (pe = readdir(procs));) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9')
			continue;
		_cleanup_free_ char *pdir = NULL;
		if (asprintf(&pdir, "%s/%s", proc, pe->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		size_t k = vb_live_open_node(pdir, &nodes); /* bind runs as root */
		if (k == nodes.n)
			continue;
		const char *found = nodes.v[k];
		_cleanup_free_ char *comm_path = NULL, *comm = NULL, *use = NULL;
		if (asprintf(&comm_path, "%s/%s/comm", proc, pe->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_line_at(AT_FDCWD, comm_path, &comm) < 0)
			comm = strdup("a process");
		if (!comm || asprintf(&use, _("%s (pid %s) has %s open"), comm, pe->d_name, found) < 0) {
			r = -ENOMEM;
			break;
		}
		r = vb_strv_add(ret, use);
	}
	if (procs)
		closedir(procs);
	vb_strv_done(&nodes);
	return r < 0 ? r : 0;
}

int vb_live_display_users(VbContext *ctx, const VbDevice *d, VbStrv *ret)
{
	int r = console_users(ctx, d, ret);
	if (r >= 0)
		r = drm_users(ctx, d, ret);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to find what uses %s", d->address);
	return 0;
}

/* ---- the plan of a live bind -------------------------------------------- */

/* Removes the issues with this code from l. */
static void drop_issues(VbMessages *l, const char *code)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].id, code) == 0)
			free(l->v[i].message);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* The policy refuses the boot GPU outright, for the next boot. Now, what matters is whether
 * the host is using it: a headless host (or one whose console was moved) can let it go. */
static int reconsider_boot_vga(VbContext *ctx, VbPlan *p)
{
	const VbDevice *gpu = NULL;
	for (size_t i = 0; i < p->n_devices && !gpu; i++)
		if (p->devices[i].dev->boot_vga)
			gpu = p->devices[i].dev;
	size_t k = 0;
	while (k < p->errors.n && strcmp(p->errors.v[k].id, "boot-vga") != 0)
		k++;
	if (!gpu || k == p->errors.n)
		return 0;
	VbStrv users = {0};
	_cleanup_free_ char *list = NULL;
	int r = vb_live_display_users(ctx, gpu, &users);
	if (r >= 0 && !(list = vb_strv_join(&users, ", ")))
		r = -ENOMEM;
	if (r < 0) {
		vb_strv_done(&users);
		return r;
	}
	VbMessage *e = &p->errors.v[k];
	char *msg = NULL;
	bool in_use = users.n > 0;
	vb_strv_done(&users);
	if (in_use) {
		if (asprintf(&msg,
			     _("%s is the boot VGA device and in use: %s; binding it now takes the host's "
			       "display away; --force does it anyway"),
			     gpu->address, list) < 0)
			msg = NULL;
	} else {
		/* nothing uses it: not an error now; say so as a warning */
		r = vb_issue_add(&p->warnings, "boot-vga",
				 "%s is the boot VGA device; nothing uses it now (no console, no display "
				 "server), so it can go to vfio-pci",
				 gpu->address);
		drop_issues(&p->errors, "boot-vga");
	}
	if (in_use && !msg)
		return -ENOMEM;
	if (msg) {
		free(e->message);
		e->message = msg;
	}
	return r < 0 ? r : 0;
}

int vb_live_plan(VbContext *ctx, const VbModel *m, const VbSelection *sel, bool force, VbPlan **ret)
{
	VbPlan *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->model = m;
	p->selection = sel;
	int r = vb_policy_expand(m, sel, force, p);
	/* a live bind is always by address: the boot-time method does not apply */
	drop_issues(&p->warnings, "identical-ids");
	drop_issues(&p->warnings, "ids-shared");
	if (r >= 0 && !force)
		r = reconsider_boot_vga(ctx, p);
	if (r < 0) {
		vb_plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- bind and unbind ------------------------------------------------------ */

int vb_live_load_module(VbContext *ctx, const char *name, bool run_install_commands)
{
	if (!vb_sysroot_is_live(ctx))
		return -EOPNOTSUPP;
	VbModules *mods = NULL;
	int r = vb_modules_open_running(ctx, &mods);
	if (r >= 0)
		r = vb_modules_load(mods, name, run_install_commands);
	vb_modules_free(mods);
	return r;
}

int vb_live_bind(VbContext *ctx, const VbDevice *d, char **ret_driver)
{
	_cleanup_free_ char *before = NULL;
	int r = vb_live_driver(ctx, d->address, &before);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read the driver of %s", d->address);
	if (before && strcmp(before, VFIO_PCI_DRIVER) == 0)
		return vb_live_driver(ctx, d->address, ret_driver);
	if (!vb_live_driver_registered(ctx, VFIO_PCI_DRIVER)) {
		/* its install command is vfio-boot's kill switch, meant for the boot: not here */
		r = vb_live_load_module(ctx, "vfio-pci", false);
		if (r == -EOPNOTSUPP)
			return vb_fail(ctx, -ENOENT,
				       "vfio-pci is not loaded in %s (modules are loaded only on the "
				       "running system)",
				       ctx->sysroot);
		if (r < 0)
			return r;
	}
	if ((r = write_device_attr(ctx, d, "driver_override", VFIO_PCI_DRIVER)) < 0)
		return vb_log_errno(ctx, r, "failed to set driver_override of %s", d->address);
	if (before && (r = write_device_attr(ctx, d, "driver/unbind", d->address)) < 0)
		return vb_log_errno(ctx, r, "%s would not let go of %s", before, d->address);
	if ((r = bind_to(ctx, d, VFIO_PCI_DRIVER)) < 0)
		return vb_log_errno(ctx, r, "vfio-pci did not take %s", d->address);
	return vb_live_driver(ctx, d->address, ret_driver);
}

/* Binds d to the first driver of module mod (sys/module/MOD/drivers/pci:NAME) that takes it. */
static bool bind_to_module_drivers(VbContext *ctx, const VbDevice *d, const char *mod)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	if (asprintf(&rel, VB_SYS_MODULE "/%s/drivers", mod) < 0 || vb_sysroot_path(ctx, rel, &path) < 0)
		return false;
	bool bound = false;
	DIR *dir = opendir(path);
	for (struct dirent *de; dir && !bound && (de = readdir(dir));)
		bound = strncmp(de->d_name, "pci:", 4) == 0 && bind_to(ctx, d, de->d_name + 4) >= 0;
	if (dir)
		closedir(dir);
	return bound;
}

static int collect_module(const char *name, bool builtin, void *ud)
{
	(void)builtin;
	return vb_strv_add(ud, name);
}

/* The modules the device's modalias resolves to in the kernel the sysroot runs. */
static int native_modules(VbContext *ctx, const VbDevice *d, VbStrv *ret)
{
	if (!d->modalias)
		return 0;
	VbModules *mods = NULL;
	int r;
	if (vb_sysroot_is_live(ctx))
		r = vb_modules_open_running(ctx, &mods);
	else {
		/* a fake sysroot: the kernel its proc names, among those under the root */
		_cleanup_free_ char *osrelease = NULL, *path = NULL;
		VbKernelList *kernels = NULL;
		if ((r = vb_sysroot_path(ctx, VB_PROC_OSRELEASE, &path)) < 0)
			return r;
		if (read_line_at(AT_FDCWD, path, &osrelease) < 0 || vb_kernels_list(ctx, &kernels) < 0)
			return 0;
		r = -ENOENT;
		for (size_t i = 0; i < kernels->n && r == -ENOENT; i++)
			if (strcmp(kernels->kernels[i].version, osrelease) == 0)
				r = vb_modules_open(ctx, &kernels->kernels[i], &mods);
		vb_kernel_list_free(kernels);
		if (r == -ENOENT)
			return 0;
	}
	if (r < 0)
		return r;
	r = vb_modules_for_alias(mods, d->modalias, collect_module, ret);
	vb_modules_free(mods);
	return r;
}

int vb_live_unbind(VbContext *ctx, const VbDevice *d, char **ret_driver)
{
	_cleanup_free_ char *before = NULL;
	int r = vb_live_driver(ctx, d->address, &before);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read the driver of %s", d->address);
	/* an empty line clears the override */
	if ((r = write_device_attr(ctx, d, "driver_override", "\n")) < 0)
		return vb_log_errno(ctx, r, "failed to clear driver_override of %s", d->address);
	if (before && strcmp(before, VFIO_PCI_DRIVER) != 0)
		return vb_live_driver(ctx, d->address, ret_driver); /* already with its own driver */
	if (before && (r = write_device_attr(ctx, d, "driver/unbind", d->address)) < 0)
		return vb_log_errno(ctx, r, "vfio-pci would not let go of %s (is a VM using it?)",
				    d->address);
	VbStrv mods = {0};
	if ((r = native_modules(ctx, d, &mods)) < 0) {
		vb_strv_done(&mods);
		return r;
	}
	bool bound = false;
	for (size_t i = 0; i < mods.n && !bound; i++) {
		if (vb_sysroot_is_live(ctx) && (r = vb_live_load_module(ctx, mods.v[i], true)) < 0)
			vb_warn(ctx, "%s: failed to load %s", d->address, mods.v[i]);
		bound = bind_to_module_drivers(ctx, d, mods.v[i]);
	}
	vb_strv_done(&mods);
	if (!bound) /* no module known, or none of them took it: let the kernel choose */
		(void)vb_sysfs_write(ctx, VB_SYS_PCI_DRIVERS_PROBE, d->address);
	return vb_live_driver(ctx, d->address, ret_driver);
}
