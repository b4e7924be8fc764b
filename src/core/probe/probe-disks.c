/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which PCI controllers hold the host's disks: every block device with a mounted filesystem
 * (proc/self/mountinfo under the sysroot) or an fstab entry (etc/fstab under the root),
 * followed through dm/md slaves down to real disks, whose sysfs path leads up to the PCI
 * device that carries them. The only file that uses libblkid: it splits fstab's NAME=value
 * tags, and on the live system (sysroot "/") evaluates them, as mount(8) does. Under another
 * sysroot tags are looked up in its dev/disk/by-* links, which is what udev maintains.
 */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../paths.h"
#include "../util/fileio.h"
#include "probe.h"

void vb_host_disks_free(VbHostDisk *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].block);
		free(v[i].use);
		free(v[i].use_text);
	}
	free(v);
}

/* Why the host needs a disk: mounted now, or listed in fstab, at path. */
typedef struct DiskUse {
	bool mounted;
	const char *path;
} DiskUse;

typedef struct DiskList {
	VbHostDisk *v;
	size_t n;
} DiskList;

static int add_disk(DiskList *l, const char *pci, const char *block, const DiskUse *use)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].pci_address, pci) == 0 && strcmp(l->v[i].block, block) == 0)
			return 0;
	VbHostDisk *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	VbHostDisk *d = &l->v[l->n];
	*d = (VbHostDisk){0};
	snprintf(d->pci_address, sizeof(d->pci_address), "%s", pci);
	d->block = strdup(block);
	/* in English for scan's JSON, and in the user's language for the messages */
	if (!d->block ||
	    asprintf(&d->use, use->mounted ? "mounted on %s" : "in fstab for %s" /* not translated: JSON */,
		     use->path) < 0 ||
	    asprintf(&d->use_text, use->mounted ? _("mounted on %s") : _("in fstab for %s"), use->path) < 0)
		return -ENOMEM;
	l->n++;
	return 0;
}

static bool is_pci_address(const char *s)
{
	VbDeviceSpec spec;
	return vb_device_spec_parse(s, &spec) >= 0 && !spec.by_id && strlen(s) == VB_ADDRESS_MAX - 1;
}

/* sys/dev/block/MAJ:MIN resolved within the sysroot, as a path relative to it. */
static int block_sysfs_path(const VbContext *ctx, unsigned maj, unsigned min, char *out, size_t size)
{
	char rel[64], target[PATH_MAX];
	snprintf(rel, sizeof(rel), VB_SYS_DEV_BLOCK "/%u:%u", maj, min);
	_cleanup_free_ char *p = NULL;
	if (vb_sysroot_path(ctx, rel, &p) < 0)
		return -ENOMEM;
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	/* "../../devices/pci0000:00/..." relative to sys/dev/block */
	const char *t = target;
	while (strncmp(t, "../", 3) == 0)
		t += 3;
	if (snprintf(out, size, VB_SYSFS "/%s", t) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int follow_block(const VbContext *ctx, DiskList *l, const char *syspath, const DiskUse *use,
			int depth);

/* Devices under dm/md have slaves/: the disks below. */
static int follow_slaves(const VbContext *ctx, DiskList *l, const char *syspath, const DiskUse *use,
			 int depth, bool *had_slaves)
{
	char rel[PATH_MAX];
	snprintf(rel, sizeof(rel), "%s/slaves", syspath);
	_cleanup_free_ char *p = NULL;
	if (vb_sysroot_path(ctx, rel, &p) < 0)
		return -ENOMEM;
	DIR *d = opendir(p);
	*had_slaves = false;
	if (!d)
		return 0;
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		*had_slaves = true;
		char srel[PATH_MAX], path[PATH_MAX];
		snprintf(srel, sizeof(srel), VB_SYS_CLASS_BLOCK "/%s/dev", e->d_name);
		_cleanup_free_ char *sp = NULL, *val = NULL;
		unsigned maj, min;
		if (vb_sysroot_path(ctx, srel, &sp) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_line_at(AT_FDCWD, sp, &val) < 0 || sscanf(val, "%u:%u", &maj, &min) != 2)
			continue;
		if (block_sysfs_path(ctx, maj, min, path, sizeof(path)) >= 0)
			r = follow_block(ctx, l, path, use, depth + 1);
	}
	closedir(d);
	return r;
}

static int follow_block(const VbContext *ctx, DiskList *l, const char *syspath, const DiskUse *use, int depth)
{
	if (depth > 8)
		return 0; /* slaves never nest this deep; a loop in a broken tree */
	bool had_slaves;
	int r = follow_slaves(ctx, l, syspath, use, depth, &had_slaves);
	if (r < 0 || had_slaves)
		return r;
	/* the last PCI address on the way up is the controller */
	char copy[PATH_MAX], *last_pci = NULL;
	snprintf(copy, sizeof(copy), "%s", syspath);
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (is_pci_address(c))
			last_pci = c;
	if (!last_pci)
		return 0; /* loop, zram, virtual: no PCI device behind it */
	const char *block = strrchr(syspath, '/');
	return add_disk(l, last_pci, block ? block + 1 : syspath, use);
}

static int add_by_devnum(const VbContext *ctx, DiskList *l, unsigned maj, unsigned min, const DiskUse *use)
{
	char path[PATH_MAX];
	int r = block_sysfs_path(ctx, maj, min, path, sizeof(path));
	if (r == -ENOENT || r == -EINVAL)
		return 0; /* not a block device the kernel knows (NFS, a removed disk) */
	if (r < 0)
		return r;
	return follow_block(ctx, l, path, use, 0);
}

static int scan_mountinfo(const VbContext *ctx, DiskList *l)
{
	_cleanup_free_ char *p = NULL, *text = NULL;
	if (vb_sysroot_path(ctx, VB_PROC_MOUNTINFO, &p) < 0)
		return -ENOMEM;
	int r = read_file_at(AT_FDCWD, p, 64 * 1024 * 1024, &text, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : vb_log_errno(ctx, r, "failed to read %s", p);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char mnt[PATH_MAX];
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3 || maj == 0)
			continue;
		DiskUse use = {.mounted = true, .path = mnt};
		if ((r = add_by_devnum(ctx, l, maj, min, &use)) < 0)
			return r;
	}
	return 0;
}

/* The block device name a /dev path leads to, following symlinks inside the sysroot. */
static int dev_path_to_devnum(const VbContext *ctx, const char *devpath, unsigned *maj, unsigned *min)
{
	char cur[PATH_MAX];
	snprintf(cur, sizeof(cur), "%s", devpath);
	for (int hops = 0; hops < 8; hops++) {
		_cleanup_free_ char *p = NULL;
		if (vb_sysroot_path(ctx, cur, &p) < 0)
			return -ENOMEM;
		char target[PATH_MAX];
		ssize_t n = readlink(p, target, sizeof(target) - 1);
		if (n < 0)
			break;
		target[n] = 0;
		if (target[0] == '/')
			snprintf(cur, sizeof(cur), "%s", target);
		else {
			char *slash = strrchr(cur, '/');
			if (slash)
				slash[1] = 0;
			if (strlen(cur) + strlen(target) >= sizeof(cur))
				return -ENAMETOOLONG;
			strcat(cur, target);
		}
	}
	const char *name = strrchr(cur, '/');
	name = name ? name + 1 : cur;
	char rel[PATH_MAX];
	snprintf(rel, sizeof(rel), VB_SYS_CLASS_BLOCK "/%s/dev", name);
	_cleanup_free_ char *sp = NULL, *val = NULL;
	if (vb_sysroot_path(ctx, rel, &sp) < 0)
		return -ENOMEM;
	int r = read_line_at(AT_FDCWD, sp, &val);
	if (r < 0)
		return r;
	return sscanf(val, "%u:%u", maj, min) == 2 ? 0 : -EINVAL;
}

static int resolve_fstab_spec(const VbContext *ctx, const char *spec, unsigned *maj, unsigned *min)
{
	char *type = NULL, *value = NULL;
	if (blkid_parse_tag_string(spec, &type, &value) == 0 && type && value) {
		int r = -ENOENT;
		if (strcmp(ctx->sysroot, "/") == 0) {
			char *dev = blkid_evaluate_tag(type, value, NULL);
			struct stat st;
			if (dev && stat(dev, &st) == 0 && S_ISBLK(st.st_mode)) {
				*maj = major(st.st_rdev);
				*min = minor(st.st_rdev);
				r = 0;
			}
			free(dev);
		} else {
			char lower[32], link[PATH_MAX];
			size_t i = 0;
			for (; type[i] && i < sizeof(lower) - 1; i++)
				lower[i] = (char)(type[i] >= 'A' && type[i] <= 'Z' ? type[i] + 32 : type[i]);
			lower[i] = 0;
			snprintf(link, sizeof(link), "dev/disk/by-%s/%s", lower, value);
			r = dev_path_to_devnum(ctx, link, maj, min);
		}
		free(type);
		free(value);
		return r;
	}
	free(type);
	free(value);
	if (strncmp(spec, "/dev/", 5) != 0)
		return -ENOENT; /* proc, tmpfs, a network share: not a local disk */
	if (strcmp(ctx->sysroot, "/") == 0) {
		struct stat st;
		if (stat(spec, &st) < 0 || !S_ISBLK(st.st_mode))
			return -ENOENT;
		*maj = major(st.st_rdev);
		*min = minor(st.st_rdev);
		return 0;
	}
	return dev_path_to_devnum(ctx, spec + 1, maj, min);
}

static int scan_fstab(const VbContext *ctx, DiskList *l)
{
	_cleanup_free_ char *text = NULL;
	int r = vb_root_read(ctx, VB_ETC_FSTAB, &text);
	if (r < 0 || !text)
		return r;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char spec[1024], mnt[1024];
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || sscanf(line, "%1023s %1023s", spec, mnt) != 2)
			continue;
		unsigned maj, min;
		if (resolve_fstab_spec(ctx, spec, &maj, &min) < 0) {
			vb_debug(ctx, "fstab: %s: not a local block device here", spec);
			continue;
		}
		DiskUse use = {.mounted = false, .path = mnt};
		if ((r = add_by_devnum(ctx, l, maj, min, &use)) < 0)
			return r;
	}
	return 0;
}

int vb_probe_host_disks(const VbContext *ctx, VbHostDisk **ret, size_t *ret_n)
{
	DiskList l = {0};
	int r = scan_mountinfo(ctx, &l);
	if (r >= 0)
		r = scan_fstab(ctx, &l);
	if (r < 0) {
		vb_host_disks_free(l.v, l.n);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}
