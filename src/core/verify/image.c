/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cpio chain of an initramfs image (see image.h). Layout, as the kernel unpacks it
 * (Documentation/driver-api/early-userspace/buffer-format.rst): archives one after the
 * other, each ending with a "TRAILER!!!" entry, separated by zero padding; the kernel
 * detects each one's compression from its magic. Generators put uncompressed archives first
 * (early microcode) and the compressed main archive last.
 */
#include <archive.h> /* types only: the library is loaded at run time */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"
#include "../util/dl.h"
#include "../util/macro.h"
#include "image.h"

/*
 * libarchive is loaded when an image is read, not when vfio-boot starts: it brings a dozen
 * libraries (libxml2, libicu, the compressors) that every other verb would pay for at each
 * start (BENCHMARKS.md), and the copy of vfio-boot an image may carry never reads images.
 */
#define LIBARCHIVE_SONAME "libarchive.so.13"
static struct {
	bool loaded;
	struct archive *(*read_new)(void);
	int (*read_support_filter_gzip)(struct archive *);
	int (*read_support_filter_bzip2)(struct archive *);
	int (*read_support_filter_lzma)(struct archive *);
	int (*read_support_filter_xz)(struct archive *);
	int (*read_support_filter_lz4)(struct archive *);
	int (*read_support_filter_zstd)(struct archive *);
	int (*read_support_format_raw)(struct archive *);
	int (*read_open_memory)(struct archive *, const void *, size_t);
	int (*read_next_header)(struct archive *, struct archive_entry **);
	la_ssize_t (*read_data)(struct archive *, void *, size_t);
	int (*read_free)(struct archive *);
	const char *(*error_string)(struct archive *);
	const char *(*filter_name)(struct archive *, int);
} la;

static int load_libarchive(char **ret_error)
{
	if (la.loaded)
		return 0;
	/* the symbols and their types are those of the library's header, compiled with here */
	const VbDlSymbol syms[] = {
	    {"archive_read_new", (void **)&la.read_new},
	    {"archive_read_support_filter_gzip", (void **)&la.read_support_filter_gzip},
	    {"archive_read_support_filter_bzip2", (void **)&la.read_support_filter_bzip2},
	    {"archive_read_support_filter_lzma", (void **)&la.read_support_filter_lzma},
	    {"archive_read_support_filter_xz", (void **)&la.read_support_filter_xz},
	    {"archive_read_support_filter_lz4", (void **)&la.read_support_filter_lz4},
	    {"archive_read_support_filter_zstd", (void **)&la.read_support_filter_zstd},
	    {"archive_read_support_format_raw", (void **)&la.read_support_format_raw},
	    {"archive_read_open_memory", (void **)&la.read_open_memory},
	    {"archive_read_next_header", (void **)&la.read_next_header},
	    {"archive_read_data", (void **)&la.read_data},
	    {"archive_read_free", (void **)&la.read_free},
	    {"archive_error_string", (void **)&la.error_string},
	    {"archive_filter_name", (void **)&la.filter_name},
	};
	int r = vb_dl_load(LIBARCHIVE_SONAME, _("reading images"), "libarchive13", syms, ELEMENTSOF(syms),
			   ret_error);
	if (r < 0)
		return r;
	la.loaded = true; /* kept loaded for the life of the process */
	return 0;
}

#define KEEP_MAX (1024 * 1024)
#define UNPACKED_MAX (1024 * 1024 * 1024) /* real images unpack to tens of MiB */
#define NEWC_HEADER 110

/* fmt is translated here (an xgettext keyword) */
static int image_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int image_error(char **ret_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(ret_error, _(fmt), ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return -EBADMSG;
}

static const char *normalize(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (p[0] == '/')
		p++;
	return p;
}

static int add_file(VbImage *img, const char *path, bool symlink, const void *data, size_t size)
{
	path = normalize(path);
	if (!*path || strcmp(path, ".") == 0)
		return 0;
	VbImageFile *v = realloc(img->files, (img->n_files + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	img->files = v;
	VbImageFile *f = &v[img->n_files];
	*f = (VbImageFile){.path = strdup(path), .symlink = symlink, .size = size};
	if (!f->path)
		return -ENOMEM;
	if (data) {
		f->data = malloc(size + 1);
		if (!f->data) {
			free(f->path);
			return -ENOMEM;
		}
		memcpy(f->data, data, size);
		f->data[size] = 0;
	}
	img->n_files++;
	return 0;
}

static bool hex8(const unsigned char *s, size_t *ret)
{
	size_t v = 0;
	for (int i = 0; i < 8; i++) {
		int c = s[i], d = c >= '0' && c <= '9'	 ? c - '0'
				  : c >= 'a' && c <= 'f' ? c - 'a' + 10
				  : c >= 'A' && c <= 'F' ? c - 'A' + 10
							 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (size_t)d;
	}
	*ret = v;
	return true;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One uncompressed newc archive at data[*off]; *off moves past its trailer. */
static int walk_newc(const unsigned char *data, size_t size, size_t *off, bool (*keep)(const char *),
		     VbImage *img, char **ret_error)
{
	size_t pos = *off;
	for (;;) {
		size_t fields[13];
		/* pos can be past the end: the padding after the last entry's data may be cut off
		 * (found by fuzzing: size - pos wrapped around) */
		if (pos > size || size - pos < NEWC_HEADER)
			return image_error(ret_error, "truncated cpio header at byte %zu", pos);
		if (memcmp(data + pos, "070701", 6) != 0 && memcmp(data + pos, "070702", 6) != 0)
			return image_error(ret_error, "bad cpio header at byte %zu", pos);
		for (int i = 0; i < 13; i++)
			if (!hex8(data + pos + 6 + 8 * i, &fields[i]))
				return image_error(ret_error, "bad cpio header at byte %zu", pos);
		size_t mode = fields[1], filesize = fields[6], namesize = fields[11];
		if (namesize == 0 || namesize > 4096 || namesize > size - pos - NEWC_HEADER)
			return image_error(ret_error, "bad cpio name at byte %zu", pos);
		const char *name = (const char *)data + pos + NEWC_HEADER;
		if (name[namesize - 1] != 0)
			return image_error(ret_error, "bad cpio name at byte %zu", pos);
		size_t body = align4(pos + NEWC_HEADER + namesize);
		if (body > size || filesize > size - body)
			return image_error(ret_error, "truncated cpio data of %s", name);
		if (strcmp(name, "TRAILER!!!") == 0) {
			*off = align4(body + filesize) < size ? align4(body + filesize) : size;
			return 0;
		}
		bool link = (mode & 0170000) == 0120000, reg = (mode & 0170000) == 0100000;
		bool want = link || (reg && filesize <= KEEP_MAX && keep && keep(normalize(name)));
		int r = add_file(img, name, link, want ? data + body : NULL, filesize);
		if (r < 0)
			return r;
		pos = align4(body + filesize);
	}
}

/* The compressed rest of the chain, from data[off]: libarchive only decompresses it (the
 * "raw" format), and the cpio archives inside are walked like the uncompressed ones. So the
 * bounds of names and sizes are ours: libarchive's cpio reader would allocate whatever name
 * size a header claims (found by fuzzing: 2.5 GB for a 277-byte image). Only the
 * compressions the kernel unpacks are enabled, all built into libarchive: no external
 * program is ever run on an image. */
static int read_compressed(const unsigned char *data, size_t size, bool (*keep)(const char *), VbImage *img,
			   char **ret_error)
{
	int r = load_libarchive(ret_error);
	if (r < 0)
		return r;
	struct archive *a = la.read_new();
	if (!a)
		return -ENOMEM;
	la.read_support_filter_gzip(a);
	la.read_support_filter_bzip2(a);
	la.read_support_filter_lzma(a);
	la.read_support_filter_xz(a);
	la.read_support_filter_lz4(a);
	la.read_support_filter_zstd(a);
	la.read_support_format_raw(a);
	unsigned char *out = NULL;
	size_t len = 0, cap = 0;
	struct archive_entry *e;
	if (la.read_open_memory(a, data, size) != ARCHIVE_OK || la.read_next_header(a, &e) != ARCHIVE_OK) {
		r = image_error(ret_error, "unreadable: %s",
				la.error_string(a) ? la.error_string(a) : _("no data"));
		goto out;
	}
	const char *filter = la.filter_name(a, 0);
	if (!filter || strcmp(filter, "none") == 0) {
		r = image_error(ret_error,
				"unreadable: neither a cpio archive nor a compression the kernel unpacks");
		goto out;
	}
	for (;;) {
		if (cap - len < 65536) {
			if (cap >= UNPACKED_MAX) {
				r = image_error(ret_error, "larger than %d MiB unpacked: not read",
						UNPACKED_MAX >> 20);
				goto out;
			}
			cap = cap ? 2 * cap : 1 << 20;
			unsigned char *n = realloc(out, cap);
			if (!n) {
				r = -ENOMEM;
				goto out;
			}
			out = n;
		}
		la_ssize_t got = la.read_data(a, out + len, cap - len);
		if (got < 0) {
			r = image_error(ret_error, "truncated or corrupt: %s",
					la.error_string(a) ? la.error_string(a) : "unreadable");
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	/* one or more cpio archives, with padding between them */
	size_t off = 0;
	size_t before = img->n_archives;
	while (r >= 0) {
		while (off < len && out[off] == 0)
			off++;
		if (off >= len)
			break;
		if ((r = walk_newc(out, len, &off, keep, img, ret_error)) >= 0)
			img->n_archives++;
	}
	if (r >= 0 && img->n_archives == before)
		r = image_error(ret_error, "nothing in the %s data", filter);
	if (r >= 0)
		img->compression = strdup(filter);
out:
	free(out);
	la.read_free(a);
	return r;
}

static int cmp_files(const void *x, const void *y)
{
	return strcmp(((const VbImageFile *)x)->path, ((const VbImageFile *)y)->path);
}

int vb_image_read_memory(const unsigned char *data, size_t size, bool (*keep)(const char *path),
			 VbImage **ret, char **ret_error)
{
	*ret_error = NULL;
	VbImage *img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	size_t off = 0;
	int r = 0;
	for (;;) {
		while (off < size && data[off] == 0) /* padding between archives */
			off++;
		if (off >= size)
			break;
		if (size - off >= 6 &&
		    (memcmp(data + off, "070701", 6) == 0 || memcmp(data + off, "070702", 6) == 0)) {
			if ((r = walk_newc(data, size, &off, keep, img, ret_error)) < 0)
				break;
			img->n_archives++;
			continue;
		}
		/* compressed: libarchive reads it to its end; anything after it is ignored, as
		 * no generator puts an archive behind the compressed one */
		r = read_compressed(data + off, size - off, keep, img, ret_error);
		break;
	}
	if (r >= 0 && img->n_archives == 0)
		r = image_error(ret_error, "no cpio archive in it");
	if (r < 0) {
		vb_image_free(img);
		return r;
	}
	if (!img->compression)
		img->compression = strdup("none");
	if (img->n_files > 1)
		qsort(img->files, img->n_files, sizeof(*img->files), cmp_files);
	*ret = img;
	return 0;
}

int vb_image_read(const char *path, bool (*keep)(const char *path), VbImage **ret, char **ret_error)
{
	*ret_error = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (st.st_size == 0) {
		close(fd);
		return image_error(ret_error, "empty file");
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	int r = vb_image_read_memory(map, (size_t)st.st_size, keep, ret, ret_error);
	munmap(map, (size_t)st.st_size);
	return r;
}

VbImage *vb_image_free(VbImage *img)
{
	if (!img)
		return NULL;
	for (size_t i = 0; i < img->n_files; i++) {
		free(img->files[i].path);
		free(img->files[i].data);
	}
	free(img->files);
	free(img->compression);
	free(img);
	return NULL;
}

static const VbImageFile *find_exact(const VbImage *img, const char *path)
{
	VbImageFile key = {.path = (char *)path};
	if (img->n_files == 0) /* an archive with only its trailer: files is NULL (fuzzing) */
		return NULL;
	return bsearch(&key, img->files, img->n_files, sizeof(*img->files), cmp_files);
}

const VbImageFile *vb_image_find(const VbImage *img, const char *path)
{
	path = normalize(path);
	const VbImageFile *f = find_exact(img, path);
	if (f)
		return f;
	char alt[4096];
	if (strncmp(path, "usr/", 4) == 0)
		snprintf(alt, sizeof(alt), "%s", path + 4);
	else
		snprintf(alt, sizeof(alt), "usr/%s", path);
	return find_exact(img, alt);
}

const VbImageFile *vb_image_find_suffix(const VbImage *img, const char *suffix)
{
	size_t n = strlen(suffix);
	for (size_t i = 0; i < img->n_files; i++) {
		size_t len = strlen(img->files[i].path);
		if (len >= n && strcmp(img->files[i].path + len - n, suffix) == 0)
			return &img->files[i];
	}
	return NULL;
}
