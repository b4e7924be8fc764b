/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * prepare and release (see handoff.h). The journal is a text file, one record per line,
 * each written and synced before its step is taken; undoing a record whose step never
 * happened is harmless (a unit started that runs, a driver bound that is bound), so after
 * a crash the whole journal is undone in reverse, as release does:
 *
 *   begin NAME
 *   unit-stop UNIT              systemctl start UNIT
 *   vtcon-unbind VTCON          1 > class/vtconsole/VTCON/bind
 *   platform-unbind DEV DRIVER  DEV > bus/platform/drivers/DRIVER/bind
 *   device ADDRESS DRIVER|-     clear driver_override, unbind vfio-pci, bind DRIVER
 *   module-unload MODULE        load MODULE again
 *   done
 *
 * Writes to sysfs that can block in the kernel (a driver's remove waits for its users)
 * and systemctl run in a child process with a deadline: past it, the step has failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "../paths.h"
#include "../live/live.h"
#include "../profile/topology.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "../util/strbuf.h"
#include "handoff.h"

#define VFIO_PCI "vfio-pci"

typedef struct Handoff {
	VbContext *ctx;
	const VbHandoffOptions *o;
	const VbDomainInfo *domain; /* NULL for devices named on the command line */
	int journal;		    /* -1 with --dry-run */
} Handoff;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- steps with a deadline -------------------------------------------------- */

typedef struct Action {
	enum { ACTION_WRITE, ACTION_EXEC } kind;
	const char *rel, *value; /* write: sysfs attribute under the sysroot, and what */
	const char *const *argv; /* exec */
	char *out;		 /* exec: its first line of output, when not NULL */
	size_t out_size;
} Action;

static int action_run(VbContext *ctx, const Action *a)
{
	if (a->kind == ACTION_WRITE)
		return vb_sysfs_write(ctx, a->rel, a->value);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		if (!a->out)
			dup2(devnull, STDOUT_FILENO);
	}
	execvp(a->argv[0], (char *const *)a->argv);
	return -errno;
}

/* Runs a in a child and waits at most timeout_ms: -ETIMEDOUT past it (the child is killed;
 * one stuck in the kernel is left to finish on its own). */
static int timed(VbContext *ctx, unsigned timeout_ms, Action *a)
{
	int pipefd[2] = {-1, -1};
	if (a->out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		if (a->out)
			close(pipefd[0]), close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		if (a->out)
			dup2(pipefd[1], STDOUT_FILENO);
		int r = action_run(ctx, a);
		_exit(r < 0 ? (-r > 125 ? 125 : -r) : 0);
	}
	if (a->out) {
		close(pipefd[1]);
		(void)fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		a->out[0] = 0;
	}
	size_t got = 0;
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		int status;
		ssize_t k;
		while (a->out && got + 1 < a->out_size &&
		       (k = read(pipefd[0], a->out + got, a->out_size - got - 1)) > 0)
			got += (size_t)k;
		if (a->out)
			a->out[got] = 0;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			while (a->out && got + 1 < a->out_size &&
			       (k = read(pipefd[0], a->out + got, a->out_size - got - 1)) > 0)
				got += (size_t)k;
			if (a->out) {
				a->out[got] = 0;
				a->out[strcspn(a->out, "\n")] = 0;
				close(pipefd[0]);
			}
			if (!WIFEXITED(status))
				return -EINTR;
			/* a write returns its errno; a command its exit status, as EIO */
			int code = WEXITSTATUS(status);
			return code == 0 ? 0 : a->kind == ACTION_WRITE ? -code : -EIO;
		}
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, WNOHANG);
			if (a->out)
				close(pipefd[0]);
			return -ETIMEDOUT;
		}
		sleep_ms(10);
	}
}

static int timed_write(Handoff *h, const char *rel, const char *value)
{
	Action a = {.kind = ACTION_WRITE, .rel = rel, .value = value};
	return timed(h->ctx, h->o->timeout_ms, &a);
}

/* systemctl runs on the running system, or in the tests (VFIO_BOOT_TEST_RUN_COMMANDS, a
 * systemctl of theirs on PATH). */
static bool commands_here(const VbContext *ctx)
{
	return vb_sysroot_is_live(ctx) || getenv("VFIO_BOOT_TEST_RUN_COMMANDS");
}

/* systemctl VERB UNIT: start, stop; set-property --runtime UNIT ARG; show -P ARG UNIT. out
 * (when not NULL) gets the first line of its output. */
static int systemctl(Handoff *h, const char *verb, const char *unit, const char *arg, char *out,
		     size_t out_size)
{
	if (!commands_here(h->ctx))
		return vb_fail(h->ctx, -EOPNOTSUPP,
			       "systemctl %s %s: units are stopped and started only on the running system",
			       verb, unit);
	const char *argv[6] = {"systemctl", verb, unit, NULL};
	if (strcmp(verb, "set-property") == 0)
		argv[2] = "--runtime", argv[3] = unit, argv[4] = arg;
	else if (strcmp(verb, "show") == 0)
		argv[2] = "-P", argv[3] = arg, argv[4] = unit;
	Action a = {.kind = ACTION_EXEC, .argv = argv, .out = out, .out_size = out_size};
	int r = timed(h->ctx, h->o->timeout_ms, &a);
	if (r == -ETIMEDOUT)
		return vb_fail(h->ctx, r, "systemctl %s %s did not finish within %u s", verb, unit,
			       h->o->timeout_ms / 1000);
	if (r < 0)
		return vb_fail(h->ctx, r, "systemctl %s %s failed", verb, unit);
	return 0;
}

/* ---- the journal ---------------------------------------------------------------- */

/* A file name from a domain's name: libvirt allows almost anything but '/'. */
static int journal_path(VbContext *ctx, const char *name, char **ret)
{
	char safe[256];
	size_t i = 0;
	for (; name[i] && i < sizeof(safe) - 1; i++)
		safe[i] = strchr("/\n\\", name[i]) || (i == 0 && name[i] == '.') ? '_' : name[i];
	safe[i] = 0;
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, "%s/%s", VB_HANDOFF_DIR, safe) < 0)
		return -ENOMEM;
	return vb_sysroot_path(ctx, rel, ret);
}

static int journal_create(VbContext *ctx, const char *name, int *ret_fd)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	int r;
	if ((r = journal_path(ctx, name, &path)) < 0 || (r = vb_sysroot_path(ctx, VB_HANDOFF_DIR, &dir)) < 0)
		return r;
	/* run/vfio-boot/handoff, each level made if missing */
	for (char *p = dir + strlen(ctx->sysroot) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		(void)mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return vb_log_errno(ctx, -errno, "failed to create %s", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vb_log_errno(ctx, -errno, "failed to create the journal %s", path);
	*ret_fd = fd;
	return 0;
}

static void records_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The records of name's journal, in order; -ENOENT when there is none. */
static int journal_read(VbContext *ctx, const char *name, char ***ret, size_t *n_ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t size;
	int r;
	if ((r = journal_path(ctx, name, &path)) < 0)
		return r;
	if ((r = read_file_at(AT_FDCWD, path, 1024 * 1024, &text, &size)) < 0)
		return r == -ENOENT ? r : vb_log_errno(ctx, r, "failed to read the journal %s", path);
	size_t n = 0;
	for (const char *c = text; *c; c++)
		n += *c == '\n';
	char **v = calloc(n + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!(v[n++] = strdup(line))) {
			records_free(v, n);
			return -ENOMEM;
		}
	*ret = v;
	*n_ret = n;
	return 0;
}

static int journal_remove(VbContext *ctx, const char *name)
{
	_cleanup_free_ char *path = NULL;
	int r = journal_path(ctx, name, &path);
	if (r >= 0 && unlink(path) < 0 && errno != ENOENT)
		r = vb_log_errno(ctx, -errno, "failed to remove the journal %s", path);
	return r;
}

/* Says the step, writes its record (synced) and passes a fault point for the tests. */
_printf_(3, 4) static int record(Handoff *h, const char *text, const char *fmt, ...)
{
	if (h->o->progress && text)
		h->o->progress(h->o->userdata, text);
	if (h->journal < 0)
		return 0;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -ENAMETOOLONG;
	line[n++] = '\n';
	if (write(h->journal, line, (size_t)n) != n || fsync(h->journal) < 0)
		return vb_log_errno(h->ctx, -errno, "failed to write the handoff journal");
	return fault_point();
}

/* The driver of address (*ret) once it is want (NULL: none), or when the step's time is
 * up. The kernel's bind and unbind return when they are done, except where a driver probes
 * asynchronously: then this waits a little, and otherwise it costs one read. */
static int settle_driver(Handoff *h, const char *address, const char *want, char **ret)
{
	long long deadline = now_ms() + h->o->timeout_ms;
	for (;;) {
		int r = vb_live_driver(h->ctx, address, ret);
		if (r < 0 || (want ? *ret && strcmp(*ret, want) == 0 : !*ret) || now_ms() >= deadline)
			return r;
		free(*ret);
		*ret = NULL;
		sleep_ms(10);
	}
}

static int read_sysroot_line(VbContext *ctx, const char *rel, char **ret)
{
	_cleanup_free_ char *path = NULL;
	int r = vb_sysroot_path(ctx, rel, &path);
	return r < 0 ? r : read_line_at(AT_FDCWD, path, ret);
}

/* ---- undoing a record ------------------------------------------------------------- */

static int undo_device(Handoff *h, const char *address, const char *driver)
{
	VbContext *ctx = h->ctx;
	_cleanup_free_ char *rel = NULL, *now = NULL;
	if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s/driver_override", address) < 0)
		return -ENOMEM;
	int r = vb_sysfs_write(ctx, rel, "\n");
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to clear driver_override of %s", address);
	if ((r = vb_live_driver(ctx, address, &now)) < 0)
		return r;
	if (now && strcmp(now, VFIO_PCI) == 0) {
		_cleanup_free_ char *unbind = NULL;
		if (asprintf(&unbind, VB_SYS_PCI_DRIVERS "/%s/unbind", VFIO_PCI) < 0)
			return -ENOMEM;
		if ((r = timed_write(h, unbind, address)) < 0)
			return vb_log_errno(
			    ctx, r, "vfio-pci did not let go of %s (is the VM still running?)", address);
		free(now);
		now = NULL;
		/* off vfio-pci before the driver is asked (as prepare waits after its unbind):
		 * a bind that came first would find the function taken */
		if ((r = settle_driver(h, address, NULL, &now)) < 0)
			return r;
		if (now && strcmp(now, VFIO_PCI) == 0)
			return vb_fail(ctx, -EBUSY,
				       "vfio-pci did not let go of %s (is the VM still running?)", address);
	}
	if (now || strcmp(driver, "-") == 0)
		return 0; /* back on a driver, or it had none */
	_cleanup_free_ char *bind = NULL;
	if (asprintf(&bind, VB_SYS_PCI_DRIVERS "/%s/bind", driver) < 0)
		return -ENOMEM;
	if ((r = timed_write(h, bind, address)) < 0) {
		/* let the kernel choose: the driver may be gone with its module */
		(void)timed_write(h, VB_SYS_PCI_DRIVERS_PROBE, address);
		return vb_log_errno(ctx, r, "%s did not take %s back", driver, address);
	}
	if ((r = settle_driver(h, address, driver, &now)) < 0)
		return r;
	if (!now || strcmp(now, driver) != 0)
		return vb_fail(ctx, -EBUSY, "%s did not take %s back", driver, address);
	return 0;
}

static int undo_module(Handoff *h, const char *module)
{
	int r = vb_live_load_module(h->ctx, module, true);
	if (r == -EOPNOTSUPP)
		return 0; /* nothing was unloaded under another sysroot */
	return r;
}

static int undo_platform(Handoff *h, const char *dev, const char *driver)
{
	_cleanup_free_ char *link = NULL, *path = NULL, *bound = NULL, *bind = NULL;
	int r;
	if (asprintf(&link, VB_SYS_PLATFORM_DEVICES "/%s/driver", dev) < 0 ||
	    asprintf(&bind, VB_SYS_PLATFORM_DRIVERS "/%s/bind", driver) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(h->ctx, link, &path)) < 0)
		return r;
	if (read_link_basename_at(AT_FDCWD, path, &bound) >= 0)
		return 0;
	if ((r = timed_write(h, bind, dev)) < 0)
		return vb_log_errno(h->ctx, r, "%s did not take %s back", driver, dev);
	return 0;
}

/* Binds the framebuffer console again, tried for up to 2 s: a DRM driver may register its
 * framebuffer a moment after it binds. A console that stays unbound is said, not an
 * error: the host works without it, and the rest of the journal is undone all the same. */
static int undo_vtcon(Handoff *h, const char *vtcon)
{
	_cleanup_free_ char *rel = NULL;
	if (asprintf(&rel, VB_SYS_CLASS_VTCONSOLE "/%s/bind", vtcon) < 0)
		return -ENOMEM;
	long long deadline = now_ms() + (h->o->timeout_ms < 2000 ? h->o->timeout_ms : 2000);
	for (;;) {
		_cleanup_free_ char *now = NULL;
		(void)timed_write(h, rel, "1");
		if (read_sysroot_line(h->ctx, rel, &now) >= 0 && strcmp(now, "1") == 0)
			return 0;
		if (now_ms() >= deadline) {
			vb_warn(h->ctx,
				"the framebuffer console (%s) did not come back: the text consoles stay dark "
				"until the next boot",
				vtcon);
			return 0;
		}
		sleep_ms(50);
	}
}

static int undo_one(Handoff *h, const char *line)
{
	char verb[32], a[256], b[256];
	int n = sscanf(line, "%31s %255s %255s", verb, a, b);
	if (n < 1)
		return 0;
	if (h->o->progress && strcmp(verb, "begin") != 0 && strcmp(verb, "done") != 0) {
		char text[600];
		snprintf(text, sizeof(text), _("undo: %s"), line);
		h->o->progress(h->o->userdata, text);
	}
	if (strcmp(verb, "unit-stop") == 0 && n >= 2)
		return systemctl(h, "start", a, NULL, NULL, 0);
	if (strcmp(verb, "vtcon-unbind") == 0 && n >= 2)
		return undo_vtcon(h, a);
	if (strcmp(verb, "platform-unbind") == 0 && n >= 3)
		return undo_platform(h, a, b);
	if (strcmp(verb, "device") == 0 && n >= 3)
		return undo_device(h, a, b);
	if (strcmp(verb, "module-unload") == 0 && n >= 2)
		return undo_module(h, a);
	if (strcmp(verb, "cpus-allow") == 0 && n >= 3) {
		char prop[300];
		snprintf(prop, sizeof(prop), "AllowedCPUs=%s", strcmp(b, "-") == 0 ? "" : b);
		return systemctl(h, "set-property", a, prop, NULL, 0);
	}
	if ((strcmp(verb, "hugepages") == 0 || strcmp(verb, "governor") == 0) && n >= 3)
		return timed_write(h, a, b); /* the count or the governor it had */
	return 0;
}

/* Undoes the records, last first; goes on past a failure, returns the first. */
static int undo_all(Handoff *h, char **records, size_t n)
{
	int first = 0;
	for (size_t i = n; i-- > 0;) {
		int r = undo_one(h, records[i]);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

/* ---- host tuning for the VM's lifetime ------------------------------------------------- */

/* The other CPUs of the host run everything else while the VM runs: systemd's AllowedCPUs=
 * on the slices that hold the host's work, at runtime (gone at the next boot anyway). */
static int isolate_cpus(Handoff *h, const char *vm_cpus)
{
	static const char *const units[] = {"system.slice", "user.slice", "init.scope"};
	_cleanup_free_ char *online = NULL;
	_cleanup_free_ unsigned *all = calloc(VB_MAX_CPUS, sizeof(unsigned)),
				*vm = calloc(VB_MAX_CPUS, sizeof(unsigned));
	size_t n_all = 0, n_vm = 0, n_host = 0;
	int r;
	if (!all || !vm)
		return -ENOMEM;
	if ((r = read_sysroot_line(h->ctx, VB_SYS_CPU "/online", &online)) < 0 ||
	    vb_cpulist_parse(online, all, VB_MAX_CPUS, &n_all) < 0 ||
	    vb_cpulist_parse(vm_cpus, vm, VB_MAX_CPUS, &n_vm) < 0)
		return vb_fail(h->ctx, -EINVAL,
			       "the host's online CPUs or the domain's pinning (%s) could not be read",
			       vm_cpus);
	for (size_t i = 0; i < n_all; i++) {
		bool used = false;
		for (size_t j = 0; j < n_vm && !used; j++)
			used = vm[j] == all[i];
		if (!used)
			all[n_host++] = all[i];
	}
	if (n_host == 0) {
		vb_warn(h->ctx, "the VM is pinned to every CPU (%s): none left to isolate the host on",
			vm_cpus);
		return 0;
	}
	char host[1024], text[1200], prop[1100];
	vb_cpulist_format(all, n_host, host, sizeof(host));
	snprintf(prop, sizeof(prop), "AllowedCPUs=%s", host);
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		char before[1024] = "";
		snprintf(text, sizeof(text), _("keep %s on CPUs %s while the VM runs on %s"), units[i], host,
			 vm_cpus);
		if (!h->o->dry_run &&
		    (r = systemctl(h, "show", units[i], "AllowedCPUs", before, sizeof(before))) < 0)
			return r;
		if ((r = record(h, text, "cpus-allow %s %s", units[i], before[0] ? before : "-")) < 0 ||
		    (!h->o->dry_run && (r = systemctl(h, "set-property", units[i], prop, NULL, 0)) < 0))
			return r;
	}
	return 0;
}

/* The NUMA node for the VM's memory: the domain's numatune, else that of its first pinned
 * CPU; -1: no node (a machine without NUMA nodes in sysfs). */
static int numa_node(Handoff *h, const VbDomainInfo *dom)
{
	if (dom->numa_nodes)
		return atoi(dom->numa_nodes);
	unsigned cpus[VB_MAX_CPUS];
	size_t n = 0;
	if (!dom->vcpu_cpus || vb_cpulist_parse(dom->vcpu_cpus, cpus, VB_MAX_CPUS, &n) < 0 || n == 0)
		return -1;
	_cleanup_free_ char *rel = NULL, *dir = NULL;
	if (asprintf(&rel, VB_SYS_CPU "/cpu%u", cpus[0]) < 0 || vb_sysroot_path(h->ctx, rel, &dir) < 0)
		return -1;
	int node = -1;
	DIR *d = opendir(dir);
	for (struct dirent *de; d && node < 0 && (de = readdir(d));)
		if (strncmp(de->d_name, "node", 4) == 0 && de->d_name[4] >= '0' && de->d_name[4] <= '9')
			node = atoi(de->d_name + 4);
	if (d)
		closedir(d);
	return node;
}

/* Huge pages for the VM's memory, on its node: memory compacted first, then the pool grown
 * by what is missing; a clear error when the kernel cannot find them. */
static int reserve_hugepages(Handoff *h, const VbDomainInfo *dom)
{
	uint64_t page = dom->hugepage_kib ? dom->hugepage_kib : 2048;
	uint64_t need = (dom->memory_kib + page - 1) / page;
	int node = numa_node(h, dom);
	char dir[200], rel[260], text[400];
	if (node >= 0)
		snprintf(dir, sizeof(dir), VB_SYS_NODE "/node%d/hugepages/hugepages-%llukB", node,
			 (unsigned long long)page);
	else
		snprintf(dir, sizeof(dir), VB_SYS_HUGEPAGES "/hugepages-%llukB", (unsigned long long)page);
	_cleanup_free_ char *nr_text = NULL, *free_text = NULL;
	snprintf(rel, sizeof(rel), "%s/nr_hugepages", dir);
	int r = read_sysroot_line(h->ctx, rel, &nr_text);
	snprintf(rel, sizeof(rel), "%s/free_hugepages", dir);
	if (r < 0 || read_sysroot_line(h->ctx, rel, &free_text) < 0)
		return vb_fail(h->ctx, -ENOENT,
			       "the host has no %llu KiB huge pages (/%s): the domain asks for them",
			       (unsigned long long)page, dir);
	uint64_t nr = strtoull(nr_text, NULL, 10), avail = strtoull(free_text, NULL, 10);
	if (avail >= need)
		return 0; /* reserved already (at boot, or by the admin) */
	uint64_t want = nr + need - avail;
	char count[32], before[32];
	snprintf(count, sizeof(count), "%llu", (unsigned long long)want);
	snprintf(before, sizeof(before), "%llu", (unsigned long long)nr);
	snprintf(rel, sizeof(rel), "%s/nr_hugepages", dir);
	char where[32];
	snprintf(where, sizeof(where), "node%d", node);
	snprintf(text, sizeof(text), _("reserve %llu huge pages of %llu KiB on %s for the VM's memory"),
		 (unsigned long long)(need - avail), (unsigned long long)page,
		 node >= 0 ? where : _("the host"));
	if ((r = record(h, text, "hugepages %s %s", rel, before)) < 0 || h->o->dry_run)
		return r;
	(void)timed_write(h, VB_PROC_COMPACT_MEMORY, "1"); /* contiguous memory first */
	/* the kernel looks for the pages in the write itself: it can take long, and is cut by
	 * the step's timeout (the pages found so far are given back with the rollback) */
	if (r = timed_write(h, rel, count), r == -ETIMEDOUT)
		return vb_fail(
		    h->ctx, r,
		    "the %llu huge pages of %llu KiB the VM needs were not reserved within %u s (/%s): the "
		    "memory is not free or too fragmented; free memory, or reserve them at boot "
		    "(hugepages= on the kernel command line)",
		    (unsigned long long)need, (unsigned long long)page, h->o->timeout_ms / 1000, rel);
	if (r < 0)
		return vb_log_errno(h->ctx, r, "failed to reserve huge pages in /%s", rel);
	_cleanup_free_ char *now = NULL;
	if ((r = read_sysroot_line(h->ctx, rel, &now)) < 0)
		return r;
	if (strtoull(now, NULL, 10) < want)
		return vb_fail(
		    h->ctx, -ENOMEM,
		    "only %llu of the %llu huge pages of %llu KiB the VM needs could be reserved (/%s): the "
		    "memory is not free or too fragmented; free memory, or reserve them at boot "
		    "(hugepages= on the kernel command line)",
		    (unsigned long long)(strtoull(now, NULL, 10) - nr + avail), (unsigned long long)need,
		    (unsigned long long)page, rel);
	return 0;
}

/* The cpufreq governor of the VM's CPUs (every online CPU when it is not pinned). */
static int set_governor(Handoff *h, const char *cpulist, const char *governor)
{
	_cleanup_free_ unsigned *cpus = calloc(VB_MAX_CPUS, sizeof(unsigned));
	_cleanup_free_ char *online = NULL;
	size_t n = 0;
	int r;
	if (!cpus)
		return -ENOMEM;
	if (!cpulist && (r = read_sysroot_line(h->ctx, VB_SYS_CPU "/online", &online)) >= 0)
		cpulist = online;
	if (!cpulist || vb_cpulist_parse(cpulist, cpus, VB_MAX_CPUS, &n) < 0)
		return vb_fail(h->ctx, -EINVAL, "the CPUs for the governor could not be read");
	for (size_t i = 0; i < n; i++) {
		char rel[128], text[200];
		_cleanup_free_ char *old = NULL;
		snprintf(rel, sizeof(rel), VB_SYS_CPU "/cpu%u/cpufreq/scaling_governor", cpus[i]);
		if (read_sysroot_line(h->ctx, rel, &old) < 0) {
			vb_warn(h->ctx,
				"CPU %u has no cpufreq governor: cpu-governor %s does not apply to it",
				cpus[i], governor);
			continue;
		}
		if (strcmp(old, governor) == 0)
			continue;
		snprintf(text, sizeof(text), _("CPU %u: governor %s (was %s)"), cpus[i], governor, old);
		if ((r = record(h, text, "governor %s %s", rel, old)) < 0 ||
		    (!h->o->dry_run && (r = timed_write(h, rel, governor)) < 0))
			return r < 0 ? r : -EIO;
	}
	return 0;
}

static int tune_host(Handoff *h, const VbDomainInfo *dom)
{
	int r = 0;
	if (dom && dom->hugepages && dom->memory_kib > 0)
		r = reserve_hugepages(h, dom);
	if (r >= 0 && dom && dom->vcpu_cpus)
		r = isolate_cpus(h, dom->vcpu_cpus);
	if (r >= 0 && h->o->governor && h->o->governor[0])
		r = set_governor(h, dom ? dom->vcpu_cpus : NULL, h->o->governor);
	return r;
}

/* ---- prepare ------------------------------------------------------------------------ */

/* A process holds a device; with skip_display, one the display manager's stop ends. */
static bool counts(const VbHolder *h, bool skip_display)
{
	return h->kind == VB_HOLDER_PROCESS && !(skip_display && h->display);
}

static bool has_process(const VbHolderList *l, bool skip_display)
{
	for (size_t i = 0; i < l->n; i++)
		if (counts(&l->v[i], skip_display))
			return true;
	return false;
}

/* "Xorg (pid 812, gdm.service) has /dev/dri/card0 open, ...": the processes has_process
 * counts; NULL when out of memory. */
static char *describe_processes(const VbHolderList *l, bool skip_display)
{
	StrBuf b = {0};
	for (size_t i = 0; i < l->n; i++) {
		if (!counts(&l->v[i], skip_display))
			continue;
		_cleanup_free_ char *d = vb_holder_describe(&l->v[i]);
		strbuf_printf(&b, "%s%s", b.len ? ", " : "", d ? d : "?");
	}
	return strbuf_steal(&b);
}

/* Waits for the processes holding the devices to close them; with --dry-run, names those
 * that would have to (not those of the display manager, which would be stopped). */
static int wait_for_processes(Handoff *h, const VbDevice *const *devs, size_t n)
{
	long long deadline = now_ms() + h->o->timeout_ms;
	for (;;) {
		VbHolderList l = {0};
		int r = vb_handoff_holders(h->ctx, devs, n, &l);
		if (r < 0)
			return r;
		bool busy = has_process(&l, h->o->dry_run);
		if (busy && (h->o->dry_run || now_ms() >= deadline)) {
			_cleanup_free_ char *who = describe_processes(&l, h->o->dry_run);
			vb_holder_list_done(&l);
			if (h->o->dry_run)
				return vb_fail(
				    h->ctx, -EBUSY,
				    "%s is held by %s: prepare would wait %u s for it to let go, then undo "
				    "everything",
				    devs[0]->address, who ? who : "?", h->o->timeout_ms / 1000);
			return vb_fail(h->ctx, -EBUSY, "%s did not let go within %u s: %s", devs[0]->address,
				       h->o->timeout_ms / 1000, who ? who : "?");
		}
		vb_holder_list_done(&l);
		if (!busy)
			return 0;
		sleep_ms(100);
	}
}

/* Drivers that cannot let a device go while their module is loaded with others on it:
 * NVIDIA's (nvidia_drm, nvidia_modeset, nvidia_uvm hold nvidia). Every other driver is
 * unbound through sysfs and its module stays for the host's other devices. */
static bool unloads_module(const char *driver)
{
	return driver && strcmp(driver, "nvidia") == 0;
}

/* Are all the endpoints of the group of address on vfio-pci (or on no driver), and is
 * /dev/vfio/GROUP there? */
static int check_group(Handoff *h, const char *address)
{
	VbContext *ctx = h->ctx;
	_cleanup_free_ char *rel = NULL, *link = NULL, *group = NULL, *grel = NULL, *gdir = NULL,
			    *node = NULL, *nrel = NULL;
	int r;
	if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s/iommu_group", address) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(ctx, rel, &link)) < 0)
		return r;
	if (read_link_basename_at(AT_FDCWD, link, &group) < 0)
		return vb_fail(ctx, -ENODEV, "%s is in no IOMMU group: is the IOMMU on?", address);
	if (asprintf(&nrel, "dev/vfio/%s", group) < 0 ||
	    asprintf(&grel, VB_SYS_IOMMU_GROUPS "/%s/devices", group) < 0)
		return -ENOMEM;
	if ((r = vb_sysroot_path(ctx, nrel, &node)) < 0 || (r = vb_sysroot_path(ctx, grel, &gdir)) < 0)
		return r;
	if (access(node, F_OK) < 0)
		return vb_fail(ctx, -ENODEV, "/dev/vfio/%s is missing after binding %s", group, address);
	DIR *d = opendir(gdir);
	for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *drv = NULL, *crel = NULL, *cpath = NULL, *cls = NULL;
		if (asprintf(&crel, VB_SYS_PCI_DEVICES "/%s/class", de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (vb_sysroot_path(ctx, crel, &cpath) >= 0 && read_line_at(AT_FDCWD, cpath, &cls) >= 0 &&
		    strncmp(cls, "0x0604", 6) == 0)
			continue; /* a bridge stays with the host */
		if ((r = vb_live_driver(ctx, de->d_name, &drv)) < 0)
			break;
		if (drv && strcmp(drv, VFIO_PCI) != 0 && strcmp(drv, "pci-stub") != 0)
			r = vb_fail(ctx, -EBUSY,
				    "IOMMU group %s is not viable: %s is on %s; a guest gets whole groups",
				    group, de->d_name, drv);
	}
	if (d)
		closedir(d);
	return r;
}

/* The steps of a prepare, each recorded before it is taken. */
/* 3. the console and the firmware framebuffer, when they sit on a device */
static int release_consoles(Handoff *h, const VbHolderList *l)
{
	VbContext *ctx = h->ctx;
	char text[512];
	int r = 0;
	for (size_t i = 0; i < l->n; i++) {
		const VbHolder *c = &l->v[i];
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || (l->v[j].kind == c->kind && strcmp(l->v[j].name, c->name) == 0);
		if (seen || c->kind == VB_HOLDER_PROCESS)
			continue;
		_cleanup_free_ char *rel = NULL;
		if (c->kind == VB_HOLDER_CONSOLE) {
			snprintf(text, sizeof(text), _("unbind the framebuffer console (%s)"), c->name);
			if (asprintf(&rel, VB_SYS_CLASS_VTCONSOLE "/%s/bind", c->name) < 0 ||
			    (r = record(h, text, "vtcon-unbind %s", c->name)) < 0 ||
			    (!h->o->dry_run && (r = timed_write(h, rel, "0")) < 0)) {
				return r < 0 ? vb_log_errno(ctx, r, "failed to unbind %s", c->name) : -ENOMEM;
			}
		} else {
			snprintf(text, sizeof(text), _("unbind the firmware framebuffer %s from %s"), c->name,
				 c->driver);
			if (asprintf(&rel, VB_SYS_PLATFORM_DRIVERS "/%s/unbind", c->driver) < 0 ||
			    (r = record(h, text, "platform-unbind %s %s", c->name, c->driver)) < 0 ||
			    (!h->o->dry_run && (r = timed_write(h, rel, c->name)) < 0)) {
				return r < 0 ? vb_log_errno(ctx, r, "failed to unbind %s", c->name) : -ENOMEM;
			}
		}
	}
	return 0;
}

/* 4. each function: driver_override, then away from its driver; 5. the modules that must go
 * for such a driver to let go, holders first */
static int take_functions(Handoff *h, const VbDevice *const *devs, size_t n)
{
	VbContext *ctx = h->ctx;
	char text[512];
	int r = 0;
	VbStrv unload = {0};
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *drv = NULL, *rel = NULL, *unbind = NULL;
		if ((r = vb_live_driver(ctx, devs[i]->address, &drv)) < 0)
			break;
		if (drv && strcmp(drv, VFIO_PCI) == 0)
			continue;
		snprintf(text, sizeof(text), drv ? _("take %s from %s") : _("take %s (no driver)"),
			 devs[i]->address, drv);
		if ((r = record(h, text, "device %s %s", devs[i]->address, drv ? drv : "-")) < 0)
			break;
		if (asprintf(&rel, VB_SYS_PCI_DEVICES "/%s/driver_override", devs[i]->address) < 0 ||
		    asprintf(&unbind, VB_SYS_PCI_DEVICES "/%s/driver/unbind", devs[i]->address) < 0) {
			r = -ENOMEM;
			break;
		}
		if (!h->o->dry_run && (r = vb_sysfs_write(ctx, rel, VFIO_PCI)) < 0) {
			r = vb_log_errno(ctx, r, "failed to set driver_override of %s", devs[i]->address);
			break;
		}
		if (unloads_module(drv)) {
			r = vb_handoff_unload_order(ctx, drv, &unload);
			continue;
		}
		if (drv && !h->o->dry_run && (r = timed_write(h, unbind, devs[i]->address)) < 0)
			r = vb_log_errno(ctx, r, "%s did not let go of %s", drv, devs[i]->address);
		_cleanup_free_ char *after = NULL;
		if (r >= 0 && drv && !h->o->dry_run)
			r = settle_driver(h, devs[i]->address, NULL, &after);
	}
	VbModules *mods = NULL;
	for (size_t i = 0; i < unload.n && r >= 0; i++) {
		snprintf(text, sizeof(text), _("unload %s"), unload.v[i]);
		if ((r = record(h, text, "module-unload %s", unload.v[i])) < 0 || h->o->dry_run)
			continue;
		if (!vb_sysroot_is_live(ctx))
			r = vb_fail(ctx, -EOPNOTSUPP, "%s: modules are unloaded only on the running system",
				    unload.v[i]);
		else if (mods || (r = vb_modules_open_running(ctx, &mods)) >= 0)
			r = vb_modules_unload(mods, unload.v[i]);
	}
	vb_modules_free(mods);
	vb_strv_done(&unload);
	return r;
}

/* 6. vfio-pci takes them; the group must be whole */
static int give_to_vfio(Handoff *h, const VbDevice *const *devs, size_t n)
{
	VbContext *ctx = h->ctx;
	char text[512];
	int r = 0;
	if (!h->o->dry_run && !vb_live_driver_registered(ctx, VFIO_PCI)) {
		r = vb_live_load_module(ctx, "vfio-pci", false);
		if (r == -EOPNOTSUPP)
			r = vb_fail(
			    ctx, -ENOENT,
			    "vfio-pci is not loaded in %s (modules are loaded only on the running system)",
			    ctx->sysroot);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *drv = NULL;
		snprintf(text, sizeof(text), _("give %s to vfio-pci"), devs[i]->address);
		if (h->o->progress)
			h->o->progress(h->o->userdata, text);
		if (h->o->dry_run)
			continue;
		if ((r = vb_live_driver(ctx, devs[i]->address, &drv)) < 0)
			return r;
		if (!drv &&
		    (r = timed_write(h, VB_SYS_PCI_DRIVERS "/" VFIO_PCI "/bind", devs[i]->address)) < 0)
			return vb_log_errno(ctx, r, "vfio-pci did not take %s", devs[i]->address);
		free(drv);
		drv = NULL;
		if ((r = settle_driver(h, devs[i]->address, VFIO_PCI, &drv)) < 0)
			return r;
		if (!drv || strcmp(drv, VFIO_PCI) != 0)
			return vb_fail(ctx, -EBUSY, "%s is on %s, not vfio-pci, after the bind",
				       devs[i]->address, drv ? drv : _("no driver"));
	}
	for (size_t i = 0; i < n && !h->o->dry_run && r >= 0; i++)
		r = check_group(h, devs[i]->address);
	return r;
}

static int prepare_steps(Handoff *h, const VbDevice *const *devs, size_t n)
{
	VbContext *ctx = h->ctx;
	VbHolderList l = {0};
	char text[512];
	int r = vb_handoff_holders(ctx, devs, n, &l);
	if (r < 0)
		return r;
	/* 1. the display manager, when it (or a session it started) holds a device */
	const VbHolder *dm = NULL;
	for (size_t i = 0; i < l.n && !dm; i++)
		if (l.v[i].kind == VB_HOLDER_PROCESS && l.v[i].display)
			dm = &l.v[i];
	if (dm) {
		char unit[128];
		snprintf(unit, sizeof(unit), "display-manager.service");
		_cleanup_free_ char *who = vb_holder_describe(dm);
		snprintf(text, sizeof(text), _("stop %s (%s)"), unit, who ? who : "");
		if ((r = record(h, text, "unit-stop %s", unit)) < 0 ||
		    (!h->o->dry_run && (r = systemctl(h, "stop", unit, NULL, NULL, 0)) < 0))
			goto out;
	}
	/* 2. the other processes: they have the timeout to close the devices */
	if (has_process(&l, false) && (r = wait_for_processes(h, devs, n)) < 0)
		goto out;
	if ((r = release_consoles(h, &l)) < 0 || (r = take_functions(h, devs, n)) < 0 ||
	    (r = give_to_vfio(h, devs, n)) < 0)
		goto out;
	/* 7. the host, for the VM's lifetime: its memory, its CPUs */
	r = tune_host(h, h->domain);
	if (r >= 0)
		r = record(h, NULL, "done");
out:
	vb_holder_list_done(&l);
	return r;
}

/* Already handed off: the journal is complete and every function is on vfio-pci. */
static bool all_on_vfio(VbContext *ctx, const VbDevice *const *devs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *drv = NULL;
		if (vb_live_driver(ctx, devs[i]->address, &drv) < 0 || !drv || strcmp(drv, VFIO_PCI) != 0)
			return false;
	}
	return true;
}

/* An earlier journal for name: complete, or to be undone first. Returns 1 when the
 * devices are already handed off. */
static int recover(Handoff *h, const char *name, const VbDevice *const *devs, size_t n)
{
	char **records = NULL;
	size_t count = 0;
	int r = journal_read(h->ctx, name, &records, &count);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	bool done = count > 0 && strcmp(records[count - 1], "done") == 0;
	if (done && all_on_vfio(h->ctx, devs, n)) {
		records_free(records, count);
		return 1;
	}
	if (h->o->progress)
		h->o->progress(h->o->userdata,
			       done ? _("the devices left vfio-pci since the last prepare: undoing it first")
				    : _("an earlier prepare did not finish: undoing it first"));
	r = h->o->dry_run ? 0 : undo_all(h, records, count);
	records_free(records, count);
	if (r >= 0 && !h->o->dry_run)
		r = journal_remove(h->ctx, name);
	return r;
}

int vb_handoff_prepare(VbContext *ctx, const char *name, const VbDevice *const *devs, size_t n,
		       const VbDomainInfo *domain, const VbHandoffOptions *o)
{
	Handoff h = {.ctx = ctx, .o = o, .domain = domain, .journal = -1};
	int r = recover(&h, name, devs, n);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!o->dry_run && (r = journal_create(ctx, name, &h.journal)) < 0)
		return r;
	if ((r = record(&h, NULL, "begin %s", name)) >= 0)
		r = prepare_steps(&h, devs, n);
	if (r < 0 && !o->dry_run) {
		/* back to the state before, from the journal as written */
		char **records = NULL;
		size_t count = 0;
		if (journal_read(ctx, name, &records, &count) >= 0) {
			if (undo_all(&h, records, count) >= 0)
				(void)journal_remove(ctx, name);
			records_free(records, count);
		}
	}
	if (h.journal >= 0)
		close(h.journal);
	return r;
}

int vb_handoff_release(VbContext *ctx, const char *name, const VbHandoffOptions *o)
{
	Handoff h = {.ctx = ctx, .o = o, .journal = -1};
	char **records = NULL;
	size_t count = 0;
	int r = journal_read(ctx, name, &records, &count);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (o->dry_run) {
		for (size_t i = count; i-- > 0;)
			if (o->progress && strcmp(records[i], "done") != 0 &&
			    strncmp(records[i], "begin ", 6) != 0) {
				char text[600];
				snprintf(text, sizeof(text), _("undo: %s"), records[i]);
				o->progress(o->userdata, text);
			}
		records_free(records, count);
		return 0;
	}
	r = undo_all(&h, records, count);
	records_free(records, count);
	if (r >= 0)
		r = journal_remove(ctx, name);
	return r;
}
