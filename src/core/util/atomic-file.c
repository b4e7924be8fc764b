/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-file.h"

#define TEMP_TAG ".vfio-boot-tmp-"

static unsigned fault_counter;

/* VFIO_BOOT_TEST_FAIL_AT=N fails the Nth step with EIO; VFIO_BOOT_TEST_KILL_AT=N kills the
 * process there with SIGKILL, as a power cut or an OOM kill would, so the tests can stop a
 * transaction at every step and check what the next run makes of it. */
int fault_point(void)
{
	static long fail_at = -1, kill_at = -1;
	if (fail_at < 0) {
		const char *e = getenv("VFIO_BOOT_TEST_FAIL_AT"), *k = getenv("VFIO_BOOT_TEST_KILL_AT");
		fail_at = e ? strtol(e, NULL, 10) : 0;
		kill_at = k ? strtol(k, NULL, 10) : 0;
	}
	fault_counter++;
	if (kill_at > 0 && fault_counter == (unsigned long)kill_at)
		raise(SIGKILL);
	return fail_at > 0 && fault_counter == (unsigned long)fail_at ? -EIO : 0;
}

unsigned fault_points_passed(void)
{
	return fault_counter;
}

int open_dir_beneath(const char *root, const char *rel, bool create, int *ret_fd)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", rel) >= (int)sizeof(buf)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0 || strcmp(c, "..") == 0) {
			close(fd);
			return -EINVAL;
		}
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			int r = fault_point();
			if (r < 0 || (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)) {
				r = r < 0 ? r : -errno;
				close(fd);
				return r;
			}
			next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int e = -errno;
		close(fd);
		if (next < 0)
			return e;
		fd = next;
	}
	*ret_fd = fd;
	return 0;
}

/* path, normalized lexically ("." and ".." taken out) into out; -EXDEV above the top. */
static int normalize_rel(const char *path, char *out, size_t size)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	size_t o = 0;
	out[0] = 0;
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			if (o == 0)
				return -EXDEV;
			char *slash = strrchr(out, '/');
			o = slash ? (size_t)(slash - out) : 0;
			out[o] = 0;
			continue;
		}
		int n = snprintf(out + o, size - o, "%s%s", o ? "/" : "", c);
		if (n < 0 || (size_t)n >= size - o)
			return -ENAMETOOLONG;
		o += (size_t)n;
	}
	return 0;
}

int resolve_beneath(const char *root, const char *rel, char *ret, size_t size)
{
	char cur[4096];
	int r = normalize_rel(rel, cur, sizeof(cur));
	for (int links = 0; r >= 0; links++) {
		char full[8192], target[4096], joined[8192];
		snprintf(full, sizeof(full), "%s/%s", root, cur);
		ssize_t n = readlink(full, target, sizeof(target) - 1);
		if (n < 0) {
			if (errno != EINVAL && errno != ENOENT)
				return -errno;
			if ((size_t)snprintf(ret, size, "%s", cur) >= size)
				return -ENAMETOOLONG;
			return 0;
		}
		if (links == 8)
			return -ELOOP;
		target[n] = 0;
		if (target[0] == '/')
			snprintf(joined, sizeof(joined), "%s", target);
		else {
			const char *slash = strrchr(cur, '/');
			snprintf(joined, sizeof(joined), "%.*s/%s", slash ? (int)(slash - cur) : 0, cur,
				 target);
		}
		r = normalize_rel(joined, cur, sizeof(cur));
	}
	return r;
}

int stage_file_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode,
		  char ret_tmp[STAGED_NAME_MAX])
{
	static unsigned counter;
	if (snprintf(ret_tmp, STAGED_NAME_MAX, ".%s" TEMP_TAG "%ld-%u", name, (long)getpid(), counter++) >=
	    STAGED_NAME_MAX)
		return -ENAMETOOLONG;
	int r = fault_point();
	if (r < 0)
		return r;
	int fd = openat(dirfd, ret_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < size && r == 0;) {
		if ((r = fault_point()) < 0)
			break;
		ssize_t n = write(fd, (const char *)data + off, size - off);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	/* the umask must not change the mode we mean */
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && (r = fault_point()) == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, ret_tmp, 0);
	return r;
}

/* The rename is the step: once it happened the change is made and visible, so the fsync of
 * the directory that follows is for durability only and cannot turn it into a failure the
 * caller would try to undo. */
int rename_at(int dirfd, const char *from, const char *to)
{
	int r = fault_point();
	if (r < 0)
		return r;
	if (renameat(dirfd, from, dirfd, to) < 0)
		return -errno;
	(void)fsync(dirfd);
	return 0;
}

int unlink_at(int dirfd, const char *name)
{
	int r = fault_point();
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, 0) < 0)
		return -errno;
	(void)fsync(dirfd); /* as in rename_at: the unlink is the step */
	return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode)
{
	char tmp[STAGED_NAME_MAX];
	int r = stage_file_at(dirfd, name, data, size, mode, tmp);
	if (r < 0)
		return r;
	if ((r = rename_at(dirfd, tmp, name)) < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

void remove_stale_temporaries(int dirfd)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] == '.' && strstr(e->d_name, TEMP_TAG))
			unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}
