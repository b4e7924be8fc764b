/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Opens the directory rel (e.g. "etc/modprobe.d") under root, one component at a time with
 * O_NOFOLLOW: a symlink anywhere on the way is refused (-ELOOP or -ENOTDIR), so a write can
 * never land outside the root. With create, missing directories are made (mode 0755). */
int open_dir_beneath(const char *root, const char *rel, int create, int *ret_fd);
/* Writes name in dirfd atomically: a temporary file in the same directory, fsync, rename,
 * fsync of the directory. Readers see the old bytes or the new ones, never a mix. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);
