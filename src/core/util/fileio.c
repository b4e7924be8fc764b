/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size)
{
	/* O_NONBLOCK: opening a FIFO would wait for a writer forever; the type is checked
	 * before any read, and regular files ignore the flag */
	_cleanup_(closep) int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* a FIFO, socket or device: see not_regular_hint() */
	return read_fd(fd, max, ret, ret_size);
}

int read_fd(int fd, size_t max, char **ret, size_t *ret_size)
{
	/* sysfs reports 4096 for every attribute, so grow as we go instead of trusting st_size */
	size_t cap = 256, n = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > max)
				return -EFBIG;
			cap *= 2;
			char *b = realloc(buf, cap + 1);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max)
		return -EFBIG;
	buf[n] = 0;
	if (ret_size)
		*ret_size = n;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_line_at(int dirfd, const char *path, char **ret)
{
	char *s;
	size_t n;
	int r = read_file_at(dirfd, path, 64 * 1024, &s, &n);
	if (r < 0)
		return r;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
	*ret = s;
	return 0;
}

int read_link_basename_at(int dirfd, const char *path, char **ret)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	const char *base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (!*base)
		return -EINVAL;
	char *s = strdup(base);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int parse_hex(const char *s, uint32_t max, uint32_t *ret)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return -EINVAL;
	uint64_t v = 0;
	size_t digits = 0;
	for (; *s && *s != '\n'; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (++digits > 8)
			return -ERANGE;
		v = v * 16 + (uint64_t)d;
	}
	if (*s == '\n' && s[1])
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int read_hex_at(int dirfd, const char *path, uint32_t max, uint32_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = read_line_at(dirfd, path, &s);
	if (r < 0)
		return r;
	return parse_hex(s, max, ret);
}
