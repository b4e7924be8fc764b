/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every change vfio-boot makes to a filesystem goes through here: directories opened under
 * the root without following symlinks, files staged as temporaries in their own directory
 * and renamed into place, directories fsynced. Each mutating step passes a fault point: the
 * tests set VFIO_BOOT_TEST_FAIL_AT=N to make the Nth step fail with EIO (or
 * VFIO_BOOT_TEST_KILL_AT=N to kill the process there) and check that nothing is left half
 * done.
 */
#pragma once

#include <libintl.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STAGED_NAME_MAX 256

/* Opens the directory rel (e.g. "etc/modprobe.d") under root, one component at a time with
 * O_NOFOLLOW: a symlink anywhere on the way is refused (-ELOOP or -ENOTDIR), so a write can
 * never land outside the root. With create, missing directories are made (mode 0755). */
int open_dir_beneath(const char *root, const char *rel, bool create, int *ret_fd);
/* What to add to a message about open_dir_beneath's error r: why a symlink made it fail. */
static inline const char *beneath_hint(int r)
{
	return r == -ELOOP || r == -ENOTDIR ? dgettext("vfio-boot", " (a symlink on the way is refused)")
					    : "";
}
/* Writes data to a new temporary file in dirfd (fsynced, with mode); its name goes to
 * ret_tmp. Nothing is visible under the final name yet. */
int stage_file_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode,
		  char ret_tmp[STAGED_NAME_MAX]);
/* rel (a file under root) with the symlinks of its last component followed, as a path
 * under root again: an absolute target is taken inside root, as in a chroot. -EXDEV when a
 * target leads out of root, -ELOOP after 8 links. A path that is not a link comes back. */
int resolve_beneath(const char *root, const char *rel, char *ret, size_t size);
/* Renames from to to within dirfd and fsyncs the directory. */
int rename_at(int dirfd, const char *from, const char *to);
int unlink_at(int dirfd, const char *name);
/* stage + rename: readers see the old bytes or the new ones, never a mix. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t size, mode_t mode);
/* Removes temporaries a killed vfio-boot left in dirfd. */
void remove_stale_temporaries(int dirfd);
/* The fault point: -EIO when this is the step VFIO_BOOT_TEST_FAIL_AT names, else 0; SIGKILL
 * when it is the one VFIO_BOOT_TEST_KILL_AT names. */
int fault_point(void);
/* How many fault points have been passed (for the tests' report). */
unsigned fault_points_passed(void);
