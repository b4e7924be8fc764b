/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blkid.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/fileio.h"
#include "profile.h"

static const char *const os_names[] = {
    [VB_OS_WINDOWS11] = "windows11",
    [VB_OS_WINDOWS10] = "windows10",
    [VB_OS_LINUX] = "linux",
};

const char *vb_guest_os_name(VbGuestOs os)
{
	return os_names[os];
}

int vb_guest_os_from_name(const char *name, VbGuestOs *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(os_names); i++)
		if (strcmp(name, os_names[i]) == 0) {
			*ret = (VbGuestOs)i;
			return 0;
		}
	return -EINVAL;
}

int vb_libvirt_version_parse(const char *text, unsigned *ret)
{
	unsigned long part[3] = {0, 0, 0};
	const char *p = text;
	size_t n = 0;
	for (; n < 3; n++) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		part[n] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	if (*p || n == 0 || n == 3 || part[0] > 99 || part[1] > 999)
		return -EINVAL; /* "9", "9.0.", "9.0.0.1" */
	*ret = VB_LIBVIRT((unsigned)part[0], (unsigned)part[1]);
	return 0;
}

/* A note for the user, shown and written into the definition; fmt is translated here (an
 * xgettext keyword). */
_printf_(2, 3) static int note(VbProfile *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vb_messages_addv(&p->notes, NULL, 0, NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* A domain name from a device name: letters, digits, '-' and '_' only. */
static char *default_name(const VbProfile *p)
{
	char buf[64] = "vfio";
	const VbDevice *gpu = NULL;
	for (size_t i = 0; i < p->n_hostdevs && !gpu; i++)
		if (p->hostdevs[i].is_gpu)
			gpu = p->hostdevs[i].dev;
	size_t n = strlen(buf);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "-%s", vb_guest_os_name(p->opts.os));
	if (gpu)
		snprintf(buf + n, sizeof(buf) - n, "-%04x-%04x", gpu->vendor, gpu->device);
	return strdup(buf);
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.+", *s))
			return false;
	return true;
}

/* hugetlbfs mounted, and enough free default-size pages for the guest's memory */
static int hugepages_possible(VbContext *ctx, uint64_t mib, char *why, size_t size)
{
	_cleanup_free_ char *mounts_path = NULL, *mounts = NULL, *free_path = NULL, *free_text = NULL;
	int r;
	if ((r = vb_sysroot_path(ctx, VB_PROC_MOUNTS, &mounts_path)) < 0)
		return r;
	if (read_file_at(AT_FDCWD, mounts_path, 1 << 20, &mounts, NULL) < 0 ||
	    !strstr(mounts, " hugetlbfs ")) {
		snprintf(why, size, _("no hugetlbfs is mounted"));
		return 0;
	}
	if ((r = vb_sysroot_path(ctx, VB_SYS_HUGEPAGES "/hugepages-2048kB/free_hugepages", &free_path)) < 0)
		return r;
	unsigned long pages = 0;
	if (read_line_at(AT_FDCWD, free_path, &free_text) >= 0)
		pages = strtoul(free_text, NULL, 10);
	if (pages * 2 < mib) {
		snprintf(why, size,
			 _("%lu free 2 MiB huge pages hold %lu MiB, less than the guest's %llu MiB (reserve "
			   "them with vm.nr_hugepages or hugepages= on the kernel command line)"),
			 pages, pages * 2, (unsigned long long)mib);
		return 0;
	}
	return 1;
}

/* Keyboards and mice as their /dev/input/by-id event nodes (under the sysroot). */
static int evdev_auto(VbContext *ctx, VbProfile *p)
{
	_cleanup_free_ char *dir = NULL;
	int r = vb_sysroot_path(ctx, "dev/input/by-id", &dir);
	if (r < 0)
		return r;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		bool kbd = len > 10 && strcmp(name + len - 10, "-event-kbd") == 0;
		bool mouse = len > 12 && strcmp(name + len - 12, "-event-mouse") == 0;
		char **v;
		if ((kbd || mouse) && r >= 0) {
			if (!(v = realloc(p->evdev, (p->n_evdev + 1) * sizeof(*v))) ||
			    asprintf(&v[p->n_evdev], "/dev/input/by-id/%s", name) < 0)
				r = -ENOMEM;
			else
				p->evdev = v, p->n_evdev++;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return r;
}

static int add_evdev(VbProfile *p, const char *path)
{
	char **v = realloc(p->evdev, (p->n_evdev + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->evdev = v;
	if (!(v[p->n_evdev] = strdup(path)))
		return -ENOMEM;
	p->n_evdev++;
	return 0;
}

/* Looking Glass: width x height x 4 bytes x 2 frames, plus 10 MiB, rounded up to a power of
 * two (its documentation's formula): 1920x1080 gives 32 MiB. */
static unsigned looking_glass_mib(unsigned width, unsigned height)
{
	uint64_t mib = ((uint64_t)width * height * 4 * 2 + (1 << 20) - 1) / (1 << 20) + 10;
	unsigned size = 1;
	while (size < mib)
		size *= 2;
	return size;
}

/* The block device a /dev path names: its sysfs name ("sdc"), from the device number of a
 * real node or, under a sysroot, from the name the path resolves to under its dev/. */
static int block_name(VbContext *ctx, const char *path, char *name, size_t size)
{
	_cleanup_free_ char *in_sysroot = NULL, *real = NULL, *sys = NULL;
	int r = vb_sysroot_path(ctx, path + 1, &in_sysroot);
	if (r < 0)
		return r;
	struct stat st;
	if (stat(in_sysroot, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		char rel[64];
		snprintf(rel, sizeof(rel), VB_SYS_DEV_BLOCK "/%u:%u", major(st.st_rdev), minor(st.st_rdev));
		if ((r = vb_sysroot_path(ctx, rel, &sys)) < 0)
			return r;
		if (!(real = realpath(sys, NULL)))
			return -errno;
	} else if (!(real = realpath(in_sysroot, NULL)))
		return -errno;
	const char *base = strrchr(real, '/');
	snprintf(name, size, "%s", base ? base + 1 : real);
	/* a block device has a sysfs entry of that name */
	_cleanup_free_ char *cls = NULL, *rel = NULL;
	if (asprintf(&rel, VB_SYS_CLASS_BLOCK "/%s", name) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(ctx, rel, &cls)) < 0)
		return r;
	return access(cls, F_OK) == 0 ? 0 : -ENOTBLK;
}

/* The /dev/disk/by-id name of block device name: it stays when disks are renumbered. The
 * most specific one: ata-, nvme-, scsi- before wwn- and the like. */
static int stable_name(VbContext *ctx, const char *name, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r = vb_sysroot_path(ctx, "dev/disk/by-id", &dir);
	if (r < 0)
		return r;
	struct dirent **e;
	int n = scandir(dir, &e, NULL, alphasort);
	int fd = n > 0 ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	char *best = NULL;
	int best_rank = -1;
	for (int i = 0; i < n; i++) {
		char target[512];
		ssize_t len = fd >= 0 ? readlinkat(fd, e[i]->d_name, target, sizeof(target) - 1) : -1;
		if (len > 0) {
			target[len] = 0;
			const char *base = strrchr(target, '/');
			int rank = strncmp(e[i]->d_name, "wwn-", 4) == 0 ? 0 : 1;
			if (strcmp(base ? base + 1 : target, name) == 0 && rank > best_rank) {
				free(best);
				best = strdup(e[i]->d_name);
				best_rank = rank;
			}
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	if (fd >= 0)
		close(fd);
	if (!best)
		return -ENOENT;
	r = asprintf(ret, "/dev/disk/by-id/%s", best) < 0 ? -ENOMEM : 0;
	free(best);
	return r;
}

/* An image file's format from its first bytes, as qemu-img would say it; raw when none
 * matches (a name ending in .qcow2 proves nothing). */
static const char *image_format(int fd)
{
	unsigned char h[72] = {0};
	if (pread(fd, h, sizeof(h), 0) < 8)
		return "raw";
	if (memcmp(h, "QFI\xfb", 4) == 0)
		return "qcow2";
	if (memcmp(h, "KDMV", 4) == 0)
		return "vmdk";
	if (memcmp(h, "vhdxfile", 8) == 0)
		return "vhdx";
	if (memcmp(h + 64, "\x7f\x10\xda\xbe", 4) == 0)
		return "vdi";
	return "raw";
}

/* "64G", "512M", "1T": what qemu-img create takes */
static bool valid_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");
	return digits > 0 && digits < 12 &&
	       (s[digits] == 0 || (strchr("KMGTkmgt", s[digits]) && !s[digits + 1]));
}

/* Creates the image with qemu-img (qcow2: it grows as the guest writes). */
static int create_image(VbContext *ctx, const char *path, const char *size)
{
	if (!valid_size(size))
		return vb_fail(ctx, -EINVAL, "--disk-size=%s: a size such as 64G or 512M", size);
	char *const argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", (char *)path, (char *)size, NULL};
	pid_t pid = fork();
	if (pid < 0)
		return vb_log_errno(ctx, -errno, "failed to run qemu-img");
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vb_log_errno(ctx, -errno, "failed to wait for qemu-img");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vb_fail(ctx, -ENOENT,
			       "--disk-size: qemu-img is not installed (Debian and Ubuntu: qemu-utils; "
			       "Fedora: qemu-img)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vb_fail(ctx, -EIO, "qemu-img create -f qcow2 %s %s failed", path, size);
	return 0;
}

/* The guest's disk: an image file as it is; a block device by its stable name, and never
 * one that holds a filesystem the host uses (mounted or in fstab, through LVM, RAID and
 * partitions: the model's host disks). What libblkid finds on it is said. */
static int choose_disk(VbContext *ctx, const VbModel *m, VbProfile *p)
{
	const char *disk = p->opts.disk;
	int r;
	if (disk[0] != '/')
		return vb_fail(ctx, -EINVAL, "--disk=%s: an absolute path is needed", disk);
	if (strncmp(disk, "/dev/", 5) != 0) {
		struct stat st;
		bool created = false;
		if (stat(disk, &st) < 0 && errno == ENOENT && p->opts.disk_size) {
			if ((r = create_image(ctx, disk, p->opts.disk_size)) < 0)
				return r;
			created = true;
		}
		if (!created && p->opts.disk_size)
			return vb_fail(ctx, -EEXIST,
				       "--disk-size=%s: %s exists already; vfio-boot creates only a missing "
				       "image (qemu-img resize changes a size)",
				       p->opts.disk_size, disk);
		if (stat(disk, &st) < 0 && errno == ENOENT)
			return vb_fail(
			    ctx, -ENOENT,
			    "--disk=%s does not exist: add --disk-size=64G to create it, or create "
			    "it with 'qemu-img create -f qcow2 %s 64G'",
			    disk, disk);
		if (stat(disk, &st) < 0)
			return vb_log_errno(ctx, -errno, "--disk=%s", disk);
		if (!S_ISREG(st.st_mode))
			return vb_fail(ctx, -EINVAL, "--disk=%s: neither an image file nor a block device",
				       disk);
		int fd = open(disk, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return vb_log_errno(ctx, -errno, "--disk=%s: failed to read it", disk);
		p->disk_format = image_format(fd);
		close(fd);
		if (!(p->disk_path = strdup(disk)))
			return -ENOMEM;
		return created ? note(p, "disk: %s, created now (qcow2, %s, growing as the guest writes).",
				      disk, p->opts.disk_size)
			       : note(p, "disk: %s, %s (read from the file).", disk, p->disk_format);
	}
	char name[256];
	if ((r = block_name(ctx, disk, name, sizeof(name))) < 0)
		return vb_log_errno(ctx, r, "--disk=%s: not a block device", disk);
	for (size_t i = 0; i < m->n_host_disks; i++) {
		const VbHostDisk *h = &m->host_disks[i];
		_cleanup_free_ char *rel = NULL, *part = NULL;
		bool on_it = strcmp(h->block, name) == 0;
		if (!on_it && asprintf(&rel, VB_SYS_CLASS_BLOCK "/%s/%s", name, h->block) >= 0 &&
		    vb_sysroot_path(ctx, rel, &part) >= 0)
			on_it = access(part, F_OK) == 0; /* a partition of it */
		if (on_it)
			return vb_fail(ctx, -EBUSY,
				       "--disk=%s: %s holds a filesystem of the host's (%s %s): a guest "
				       "writing to it would destroy it",
				       disk, name, h->block, h->use_text);
	}
	if ((r = stable_name(ctx, name, &p->disk_path)) < 0)
		return vb_log_errno(ctx, r, "--disk=%s: %s has no /dev/disk/by-id name to refer to it by",
				    disk, name);
	p->disk_block = true;
	p->disk_format = "raw";
	/* what is on it now, in libblkid's words */
	_cleanup_free_ char *in_sysroot = NULL;
	char what[200];
	snprintf(what, sizeof(what), "%s", _("nothing libblkid recognizes"));
	if (vb_sysroot_path(ctx, disk + 1, &in_sysroot) >= 0) {
		blkid_probe pr = blkid_new_probe_from_filename(in_sysroot);
		if (pr) {
			blkid_probe_enable_partitions(pr, 1);
			blkid_probe_enable_superblocks(pr, 1);
			const char *type = NULL, *pttype = NULL;
			if (blkid_do_safeprobe(pr) == 0) {
				(void)blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
				(void)blkid_probe_lookup_value(pr, "PTTYPE", &pttype, NULL);
			}
			if (type)
				snprintf(what, sizeof(what), _("a filesystem (%s) the host does not use"),
					 type);
			else if (pttype)
				snprintf(what, sizeof(what),
					 _("a partition table (%s) of partitions the host does not use"),
					 pttype);
			blkid_free_probe(pr);
		}
	}
	return note(p, "disk: %s, as %s (a name that survives renumbering); it holds %s.", disk, p->disk_path,
		    what);
}

/* The CD-ROMs, and the bus the disk is on: a Windows installer finds no virtio disk
 * without the driver from the virtio-win ISO, so Windows gets SATA unless that ISO comes
 * along. Without a disk the VM has nothing to install to: said, not hidden. */
static int choose_media(VbContext *ctx, VbProfile *p)
{
	const VbProfileOptions *o = &p->opts;
	size_t n = 0;
	for (const char *const *i = o->isos; i && *i; i++)
		n++;
	if (!(p->cdroms = calloc(n + 2, sizeof(*p->cdroms))))
		return -ENOMEM;
	for (const char *const *i = o->isos; i && *i; i++)
		p->cdroms[p->n_cdroms++] = *i;
	if (o->drivers_iso)
		p->cdroms[p->n_cdroms++] = o->drivers_iso;
	for (size_t i = 0; i < p->n_cdroms; i++) {
		struct stat st;
		if (p->cdroms[i][0] != '/' || stat(p->cdroms[i], &st) < 0 || !S_ISREG(st.st_mode))
			return vb_fail(ctx, -EINVAL, "%s=%s: not an absolute path to an image file",
				       p->cdroms[i] == o->drivers_iso ? "--drivers-iso" : "--iso",
				       p->cdroms[i]);
	}
	bool windows = o->os != VB_OS_LINUX;
	if (o->drivers_iso && !windows)
		return vb_fail(ctx, -EINVAL,
			       "--drivers-iso is for a Windows guest (Linux has the virtio drivers)");
	if (!p->disk_path)
		return note(p, "no disk: this VM has nothing to install to; the disk option gives it "
			       "one (with the disk-size option, a new image file).");
	if (!windows)
		return note(p, "disk bus: virtio (Linux has the driver).");
	if (o->drivers_iso)
		return note(p,
			    "disk bus: virtio, faster than SATA. The Windows installer does not see it "
			    "until you load its driver: 'Load driver', then %s, folder viostor\\%s\\amd64.",
			    o->drivers_iso, o->os == VB_OS_WINDOWS11 ? "w11" : "w10");
	p->disk_sata = true;
	return note(p, "disk bus: SATA, which the Windows installer sees without drivers; "
		       "the drivers-iso option (virtio-win.iso) puts the disk on virtio, faster, "
		       "and brings the drivers.");
}

/* What the VM needs on the host that will run it (under the root), by Debian's package names:
 * a profile is still written, for a host that has them. */
static void warn_missing_software(VbContext *ctx, const VbProfile *p)
{
	static const struct {
		const char *path, *package;
		bool tpm;     /* Windows 11's TPM only */
		bool proxmox; /* on Proxmox VE, where qemu-server brings the rest */
	} needs[] = {
	    {"usr/sbin/libvirtd", "libvirt-daemon-system", false, false},
	    {"usr/bin/qemu-system-x86_64", "qemu-system-x86", false, false},
	    {"usr/share/OVMF", "ovmf", false, false},
	    {"usr/bin/swtpm", "swtpm", true, false},
	    {"usr/sbin/qm", "qemu-server", false, true},
	};
	char missing[256] = "";
	for (size_t i = 0; i < ELEMENTSOF(needs); i++) {
		if ((needs[i].tpm && p->opts.os != VB_OS_WINDOWS11) || needs[i].proxmox != p->opts.proxmox)
			continue;
		_cleanup_free_ char *path = NULL;
		if (vb_root_path(ctx, needs[i].path, &path) < 0 || access(path, F_OK) == 0)
			continue;
		size_t len = strlen(missing);
		snprintf(missing + len, sizeof(missing) - len, "%s%s", len ? " " : "", needs[i].package);
	}
	if (missing[0])
		vb_warn(ctx, "profile: this host lacks what the VM needs to run: apt install %s", missing);
}

static int add_hostdev(VbProfile *p, const VbDevice *d, VbHostdevOwner owner)
{
	for (size_t i = 0; i < p->n_hostdevs; i++)
		if (p->hostdevs[i].dev == d)
			return 0;
	VbProfileHostdev *v = realloc(p->hostdevs, (p->n_hostdevs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->hostdevs = v;
	p->hostdevs[p->n_hostdevs++] =
	    (VbProfileHostdev){.dev = d, .is_gpu = vb_device_is_display(d), .owner = owner};
	return 0;
}

static int cmp_hostdev(const void *a, const void *b)
{
	return vb_pci_address_cmp(&((const VbProfileHostdev *)a)->dev->addr,
				  &((const VbProfileHostdev *)b)->dev->addr);
}

/* One guest root port per host slot; functions keep their order in the slot, so the GPU's
 * functions stay together in one multifunction slot as on the card. */
static void place_hostdevs(VbProfile *p)
{
	qsort(p->hostdevs, p->n_hostdevs, sizeof(*p->hostdevs), cmp_hostdev);
	unsigned bus = 0, function = 0;
	for (size_t i = 0; i < p->n_hostdevs; i++) {
		VbProfileHostdev *h = &p->hostdevs[i];
		if (i == 0 || !vb_pci_same_slot(&h->dev->addr, &p->hostdevs[i - 1].dev->addr))
			bus++, function = 0;
		h->guest_bus = bus;
		h->guest_function = function++;
	}
	for (size_t i = 0; i < p->n_hostdevs; i++)
		p->hostdevs[i].multifunction = p->hostdevs[i].guest_function == 0 && i + 1 < p->n_hostdevs &&
					       p->hostdevs[i + 1].guest_bus == p->hostdevs[i].guest_bus;
	p->n_buses = bus;
}

/* the devices: what the plan gives vfio-pci, at boot or at VM start, and the controllers
 * asked for */
static int profile_devices(VbContext *ctx, const VbModel *m, const VbPlan *plan, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	for (size_t i = 0; i < plan->n_devices && r >= 0; i++)
		r = add_hostdev(p, plan->devices[i].dev, VB_HOSTDEV_BOOT);
	for (size_t i = 0; i < plan->n_handoff && r >= 0; i++)
		r = add_hostdev(p, plan->handoff[i].dev, VB_HOSTDEV_HANDOFF);
	for (const char *const *u = opts->usb_controllers; u && *u && r >= 0; u++) {
		VbDeviceSpec spec;
		const VbDevice *d;
		if (vb_device_spec_parse(*u, &spec) < 0 || spec.by_id ||
		    !(d = vb_model_find(m, &spec.addr))) {
			r = vb_fail(ctx, -ENODEV, "--usb-controller=%s: no such PCI device", *u);
			break;
		}
		if (vb_device_class16(d) != 0x0c03) {
			r = vb_fail(ctx, -EINVAL, "--usb-controller=%s: %s is not a USB controller", *u,
				    d->address);
			break;
		}
		r = add_hostdev(p, d, VB_HOSTDEV_LIBVIRT);
	}
	for (const char *const *u = opts->usb_devices; u && *u && r >= 0; u++) {
		VbDeviceSpec spec;
		if (vb_device_spec_parse(*u, &spec) < 0 || !spec.by_id) {
			r = vb_log_errno(
			    ctx, -EINVAL,
			    "--usb-device=%s: expected VVVV:PPPP (vendor:product, as lsusb shows)", *u);
			break;
		}
		typeof(p->usb_devices) v = realloc(p->usb_devices, (p->n_usb_devices + 1) * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			break;
		}
		p->usb_devices = v;
		p->usb_devices[p->n_usb_devices].vendor = spec.vendor;
		p->usb_devices[p->n_usb_devices++].product = spec.device;
	}
	if (r < 0)
		return r;
	if (p->n_hostdevs == 0) {
		vb_err(ctx, "nothing is selected: select the guest's devices with 'vfio-boot add' first");
		return -ENOENT;
	}
	place_hostdevs(p);
	return r;
}

static int profile_name(VbContext *ctx, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	if (opts->name && !valid_name(opts->name))
		return vb_fail(ctx, -EINVAL,
			       "--name=%s: use letters, digits, '-', '_', '.' or '+' (at most 64)",
			       opts->name);
	p->name = opts->name ? strdup(opts->name) : default_name(p);
	return p->name ? 0 : -ENOMEM;
}

/* The accelerator. Without /dev/kvm (no VT-x/AMD-V, or the kvm module not loaded) libvirt
 * refuses type='kvm'; QEMU's emulator runs the same machine and devices, only slower. */
static int profile_accel(const VbModel *m, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	p->kvm = opts->accel == VB_ACCEL_KVM || (opts->accel == VB_ACCEL_AUTO && m->host.kvm);
	if (p->kvm)
		return 0;
	return opts->accel == VB_ACCEL_TCG
		   ? note(p, "accelerator: QEMU's emulator (TCG), as the accel option asks; many "
			     "times slower than KVM.")
		   : note(p, "warning: this host has no /dev/kvm (virtualization off in the firmware, "
			     "or kvm_intel/kvm_amd not loaded): the guest runs on QEMU's emulator "
			     "(TCG), many times slower than KVM.");
}

static int profile_cpus(VbContext *ctx, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	VbCpuTopology topo;
	if ((r = vb_cpu_topology_read(ctx, &topo)) < 0)
		return r;
	unsigned max = 0;
	r = vb_pinning_choose(&topo, opts->vcpus, &p->pinning, &max);
	vb_cpu_topology_done(&topo);
	if (r == -ERANGE)
		return vb_log_errno(ctx, r,
				    "--vcpus=%u: the host can give %u CPUs while keeping the core with CPU 0",
				    opts->vcpus, max);
	if (r < 0 || (r = note(p, "CPUs: %s.", p->pinning.why)) < 0)
		return r;
	if (opts->proxmox &&
	    (r = note(p,
		      "Proxmox VE: the guest sees %u cores (qemu-server gives no threads per core), and "
		      "the whole VM, its emulator included, runs on those CPUs (affinity).",
		      p->pinning.n_vcpus)) < 0)
		return r;
	if (opts->os == VB_OS_WINDOWS11 && p->pinning.n_vcpus < 2)
		return vb_fail(ctx, -EINVAL, "Windows 11 needs at least 2 vCPUs");
	return r;
}

static int profile_memory(VbContext *ctx, const VbModel *m, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	uint64_t host_mib = m->host.mem_total_kib / 1024;
	p->memory_mib = opts->memory_mib;
	if (!p->memory_mib) {
		p->memory_mib = host_mib / 2 / 1024 * 1024;
		p->memory_mib = p->memory_mib > 16384 ? 16384 : p->memory_mib < 4096 ? 4096 : p->memory_mib;
		if ((r = note(p,
			      "memory: %llu MiB, half the host's %llu MiB (at least 4 GiB, at most 16 GiB; "
			      "set it with the memory option).",
			      (unsigned long long)p->memory_mib, (unsigned long long)host_mib)) < 0)
			return r;
	}
	if (host_mib && p->memory_mib + 2048 > host_mib &&
	    (r = note(p, "warning: the guest's %llu MiB leave the host less than 2 GiB of its %llu MiB.",
		      (unsigned long long)p->memory_mib, (unsigned long long)host_mib)) < 0)
		return r;
	if (opts->os == VB_OS_WINDOWS11 && p->memory_mib < 4096)
		return vb_fail(ctx, -EINVAL, "Windows 11 needs at least 4096 MiB of memory");
	if (opts->hugepages && opts->proxmox) {
		p->hugepages = true; /* qemu-server reserves them when the VM starts */
		if ((r = note(p, "memory: backed by 2 MiB huge pages, which qemu-server reserves when the "
				 "VM starts (NUMA on, as it requires).")) < 0)
			return r;
	} else if (opts->hugepages) {
		char why[256] = "";
		if ((r = hugepages_possible(ctx, p->memory_mib, why, sizeof(why))) < 0)
			return r;
		p->hugepages = r == 1;
		r = p->hugepages
			? note(p,
			       "memory: backed by huge pages (hugetlbfs is mounted with enough free pages).")
			: note(p, "warning: huge pages left out: %s.", why);
		if (r < 0)
			return r;
	}
	return r;
}

static int profile_firmware(VbContext *ctx, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	p->secure_boot = opts->os == VB_OS_WINDOWS11;
	p->explicit_firmware =
	    !opts->proxmox && (opts->firmware_files || opts->libvirt < VB_LIBVIRT_FIRMWARE_FEATURES);
	if (opts->proxmox) {
		if ((r = p->secure_boot ? note(p, "firmware: OVMF with an EFI disk, Secure Boot on and "
						  "Microsoft's keys enrolled (Windows 11 requires it).")
					: note(p, "firmware: OVMF with an EFI disk, no keys enrolled (Secure "
						  "Boot off).")) < 0)
			return r;
	} else if (p->explicit_firmware) {
		r = vb_firmware_choose(ctx, p->secure_boot, &p->firmware);
		if (r == -ENOENT)
			return vb_log_errno(
			    ctx, r,
			    p->secure_boot ? _("no UEFI firmware for q35 with Secure Boot in "
					       "%s/usr/share/qemu/firmware or /etc/qemu/firmware (Debian: "
					       "install ovmf)")
					   : _("no UEFI firmware for q35 without Secure Boot in "
					       "%s/usr/share/qemu/firmware or /etc/qemu/firmware (Debian: "
					       "install ovmf)"),
			    strcmp(vb_context_root(ctx), "/") ? vb_context_root(ctx) : "");
		if (r < 0 ||
		    (r = p->secure_boot
			     ? note(p,
				    "firmware: UEFI with Secure Boot on and Microsoft's keys enrolled "
				    "(Windows "
				    "11 requires it): %s and a copy of %s, as %s says%s.",
				    p->firmware.code, p->firmware.vars_template, p->firmware.descriptor,
				    p->firmware.requires_smm ? _("; SMM on, as it requires") : "")
			     : note(p,
				    "firmware: UEFI with Secure Boot off: %s and a copy of %s, as %s says%s.",
				    p->firmware.code, p->firmware.vars_template, p->firmware.descriptor,
				    p->firmware.requires_smm ? _("; SMM on, as it requires") : "")) < 0)
			return r;
	} else if ((r = p->secure_boot
			    ? note(p, "firmware: UEFI with Secure Boot on and Microsoft's keys enrolled "
				      "(Windows 11 requires it); SMM on, the files chosen by libvirt from "
				      "QEMU's firmware descriptors.")
			    : note(p, "firmware: UEFI with Secure Boot off, the files chosen by libvirt "
				      "from QEMU's firmware descriptors.")) < 0)
		return r;
	return r;
}

/* keyboard and mouse: evdev, grabbed by the guest, given back with both Ctrl keys; Looking
 * Glass's shared memory */
static int profile_input(VbContext *ctx, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	bool evdev_auto_asked = opts->evdev && opts->evdev[0] && strcmp(opts->evdev[0], "auto") == 0;
	for (const char *const *e = opts->evdev; e && *e && r >= 0; e++) {
		if (strcmp(*e, "auto") == 0 || strcmp(*e, "none") == 0) {
			if (e != opts->evdev || e[1])
				return vb_fail(ctx, -EINVAL, "--evdev=%s: auto and none stand alone", *e);
			if (strcmp(*e, "auto") == 0)
				r = evdev_auto(ctx, p);
		} else if ((*e)[0] != '/')
			return vb_fail(ctx, -EINVAL,
				       "--evdev=%s: an absolute path (/dev/input/by-id/...-event-kbd)", *e);
		else
			r = add_evdev(p, *e);
	}
	if (r < 0)
		return r;
	for (size_t i = p->n_evdev; i-- > 0;) {
		size_t len = strlen(p->evdev[i]);
		if (len > 4 && strcmp(p->evdev[i] + len - 4, "-kbd") == 0)
			p->evdev_grabber = i;
	}
	if ((p->n_evdev > 0 || opts->looking_glass_width) && opts->proxmox)
		return vb_fail(
		    ctx, -ENOTSUP,
		    "evdev input and Looking Glass are not written for Proxmox VE yet (qemu-server "
		    "takes them only as raw QEMU arguments in its args option)");
	if (p->n_evdev > 0 && opts->libvirt < VB_LIBVIRT(7, 4))
		return vb_fail(ctx, -ENOTSUP, "--evdev: evdev input needs libvirt 7.4 or later");
	if (evdev_auto_asked &&
	    (r = p->n_evdev
		     ? note(p,
			    P_("input: %zu keyboard and mouse event node from /dev/input/by-id; both "
			       "Ctrl keys together switch them between the guest and the host.",
			       "input: %zu keyboard and mouse event nodes from /dev/input/by-id; both "
			       "Ctrl keys together switch them between the guest and the host.",
			       p->n_evdev),
			    p->n_evdev)
		     : note(p, "warning: no keyboard or mouse in /dev/input/by-id: none passed by evdev.")) <
		0)
		return r;
	if (opts->looking_glass_width) {
		p->looking_glass_mib =
		    looking_glass_mib(opts->looking_glass_width, opts->looking_glass_height);
		if ((r = note(
			 p,
			 "Looking Glass: %u MiB of shared memory for %ux%u (width x height x 4 bytes x 2 "
			 "frames + 10 MiB, to a power of two); the host needs "
			 "'f /dev/shm/looking-glass 0660 USER kvm -' in a tmpfiles.d file.",
			 p->looking_glass_mib, opts->looking_glass_width, opts->looking_glass_height)) < 0)
			return r;
	}
	return r;
}

/* the GPU's ROM, the disk and the installation media */
static int profile_media(VbContext *ctx, const VbModel *m, VbProfile *p)
{
	const VbProfileOptions *opts = &p->opts;
	int r = 0;
	if (opts->rom_file) {
		struct stat st;
		if (opts->rom_file[0] != '/' || stat(opts->rom_file, &st) < 0 || !S_ISREG(st.st_mode))
			return vb_fail(ctx, -EINVAL, "--rom=%s: not an absolute path to a file",
				       opts->rom_file);
	}
	if (opts->disk && (r = choose_disk(ctx, m, p)) < 0)
		return r;
	return choose_media(ctx, p);
}

int vb_profile_build(VbContext *ctx, const VbModel *m, const VbPlan *plan, const VbProfileOptions *opts,
		     VbProfile **ret)
{
	VbProfile *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->opts = *opts;
	p->cpu_vendor = m->host.cpu_vendor;
	int r;
	if (opts->libvirt < VB_LIBVIRT_MIN)
		r = vb_fail(ctx, -ENOTSUP, "libvirt %u.%u: vfio-boot writes domains for libvirt 4.5 or later",
			    opts->libvirt / 1000, opts->libvirt % 1000);
	else if ((r = profile_devices(ctx, m, plan, p)) >= 0 && (r = profile_name(ctx, p)) >= 0 &&
		 (r = profile_accel(m, p)) >= 0 && (r = profile_cpus(ctx, p)) >= 0 &&
		 (r = profile_memory(ctx, m, p)) >= 0 && (r = profile_firmware(ctx, p)) >= 0 &&
		 (r = profile_input(ctx, p)) >= 0)
		r = profile_media(ctx, m, p);
	if (r < 0) {
		vb_profile_free(p);
		return r;
	}
	warn_missing_software(ctx, p);
	*ret = p;
	return 0;
}

VbProfile *vb_profile_free(VbProfile *p)
{
	if (!p)
		return NULL;
	vb_messages_done(&p->notes);
	free(p->hostdevs);
	for (size_t i = 0; i < p->n_evdev; i++)
		free(p->evdev[i]);
	free(p->evdev);
	free(p->usb_devices);
	free(p->disk_path);
	free(p->cdroms);
	free(p->name);
	free(p);
	return NULL;
}
