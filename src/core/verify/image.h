/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading an initramfs image: a chain of cpio archives, uncompressed ones first (early
 * microcode, firmware) and then the main one, compressed with whatever the generator used.
 * The newc archives are walked here, bounds-checked (walking is not decompression);
 * libarchive decompresses the compressed part (gzip, bzip2, lzma, xz, lz4, zstd).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct VbImageFile {
	char *path; /* relative, without a leading "./" or "/" */
	bool symlink;
	char *data; /* kept only for the files asked for (and symlink targets); NUL-terminated */
	size_t size;
} VbImageFile;

typedef struct VbImage {
	size_t n_files;
	VbImageFile *files;
	size_t n_archives; /* cpio archives found in the chain */
	char *compression; /* of the main archive: "gzip", "zstd", ... ("none" when none) */
} VbImage;

/* Reads the image at path; keep(path) says which files' contents to keep (at most 1 MiB
 * each). -EBADMSG for a file that is not an image or is truncated or corrupt, with the
 * reason in *ret_error (to free); other -errno for I/O errors. */
int vb_image_read(const char *path, bool (*keep)(const char *path), VbImage **ret, char **ret_error);
/* Reads an image from memory (the same as above, for tests and fuzzing). */
int vb_image_read_memory(const unsigned char *data, size_t size, bool (*keep)(const char *path),
			 VbImage **ret, char **ret_error);
VbImage *vb_image_free(VbImage *img);

/* A file by path. Merged /usr: "lib/x" is also found as "usr/lib/x" and the other way
 * round, as a "lib -> usr/lib" symlink in the image would resolve it. */
const VbImageFile *vb_image_find(const VbImage *img, const char *path);
/* The first file whose path ends with suffix (for modules: "/vfio-pci.ko" with any
 * compression extension is matched by the caller). */
const VbImageFile *vb_image_find_suffix(const VbImage *img, const char *suffix);
