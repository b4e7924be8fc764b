/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <libintl.h>
#include <stddef.h>
#include <stdint.h>

/* Reads a whole regular file of at most max bytes into a NUL-terminated buffer. -EFBIG when
 * larger, -EISDIR for a directory, -EINVAL for anything else that is not a regular file
 * (a FIFO at a config path must not hang us). dirfd may be AT_FDCWD. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_size);
/* What to add to a message about read_file_at's error r. */
static inline const char *not_regular_hint(int r)
{
	return r == -EINVAL ? dgettext("vfio-boot", " (not a regular file)") : "";
}
/* Reads from fd's current position to its end. */
int read_fd(int fd, size_t max, char **ret, size_t *ret_size);
/* Same, without the trailing newline: for one-value sysfs and procfs attributes. */
int read_line_at(int dirfd, const char *path, char **ret);
/* The last component of a symlink's target ("../../bus/pci/drivers/amdgpu" -> "amdgpu"). */
int read_link_basename_at(int dirfd, const char *path, char **ret);
/* Parses "0x1002\n" or "1002": hex number, at most max. -EINVAL on junk. */
int parse_hex(const char *s, uint32_t max, uint32_t *ret);
int read_hex_at(int dirfd, const char *path, uint32_t max, uint32_t *ret);
