/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The initramfs reader takes whatever file sits at /boot/initrd.img-*: crafted cpio chains,
 * valid and hostile. (Compressed archives are covered by the integration and boot tests,
 * with images made by cpio, gzip, zstd, xz, mkinitramfs and dracut.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verify/image.h"

typedef struct Buf {
	unsigned char data[8192];
	size_t len;
} Buf;

static void pad4(Buf *b)
{
	while (b->len % 4)
		b->data[b->len++] = 0;
}

/* One newc entry: mode, name, contents. */
static void entry(Buf *b, unsigned mode, const char *name, const char *data)
{
	size_t dlen = data ? strlen(data) : 0;
	b->len += (size_t)sprintf((char *)b->data + b->len,
				  "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u, mode,
				  0u, 0u, 1u, 0u, dlen, 0u, 0u, 0u, 0u, strlen(name) + 1, 0u);
	memcpy(b->data + b->len, name, strlen(name) + 1);
	b->len += strlen(name) + 1;
	pad4(b);
	memcpy(b->data + b->len, data ? data : "", dlen);
	b->len += dlen;
	pad4(b);
}

static bool keep_conf(const char *path)
{
	return strstr(path, ".conf") != NULL;
}

/* Reads from a heap copy of exactly b->len bytes, so that AddressSanitizer sees a read
 * past the end (the fixed-size Buf would hide it). */
static int read_buf(const Buf *b, VbImage **img, char **err)
{
	unsigned char *copy = malloc(b->len ? b->len : 1);
	assert_non_null(copy);
	memcpy(copy, b->data, b->len);
	int r = vb_image_read_memory(copy, b->len, keep_conf, img, err);
	free(copy);
	return r;
}

static void test_two_archives(void **state)
{
	(void)state;
	Buf b = {.len = 0};
	entry(&b, 0100644, "kernel/x86/microcode/GenuineIntel.bin", "ucode");
	entry(&b, 0, "TRAILER!!!", NULL);
	memset(b.data + b.len, 0, 512); /* padding between archives */
	b.len += 512;
	entry(&b, 040755, ".", NULL);
	entry(&b, 0120777, "lib", "usr/lib");
	entry(&b, 0100644, "./etc/modprobe.d/vfio-boot.conf", "options vfio-pci ids=1002:67b1\n");
	entry(&b, 0100644, "usr/lib/modules/6.1.0/kernel/drivers/vfio/pci/vfio-pci.ko", "ELF");
	entry(&b, 0, "TRAILER!!!", NULL);
	VbImage *img = NULL;
	char *err = NULL;
	assert_int_equal(read_buf(&b, &img, &err), 0);
	assert_int_equal(img->n_archives, 2);
	assert_string_equal(img->compression, "none");
	assert_int_equal(img->n_files, 4);
	const VbImageFile *f = vb_image_find(img, "/etc/modprobe.d/vfio-boot.conf");
	assert_non_null(f);
	assert_string_equal(f->data, "options vfio-pci ids=1002:67b1\n");
	/* merged /usr: lib/... is found as usr/lib/... */
	assert_non_null(vb_image_find(img, "lib/modules/6.1.0/kernel/drivers/vfio/pci/vfio-pci.ko"));
	assert_null(vb_image_find(img, "lib/modules/6.1.0/kernel/drivers/vfio/pci/vfio-pci.ko")->data);
	assert_string_equal(vb_image_find(img, "lib")->data, "usr/lib");
	assert_non_null(vb_image_find_suffix(img, "/vfio-pci.ko"));
	assert_null(vb_image_find(img, "etc/vfio-boot/devices.conf"));
	vb_image_free(img);
}

/* Every hostile variant fails with -EBADMSG and a reason, never a crash. */
static void expect_bad(const Buf *b, const char *reason)
{
	VbImage *img = NULL;
	char *err = NULL;
	assert_int_equal(read_buf(b, &img, &err), -EBADMSG);
	assert_null(img);
	assert_non_null(err);
	if (!strstr(err, reason))
		fail_msg("'%s' does not say '%s'", err, reason);
	free(err);
}

static void test_hostile(void **state)
{
	(void)state;
	Buf good = {.len = 0};
	entry(&good, 0100644, "etc/a.conf", "0123456789");
	entry(&good, 0, "TRAILER!!!", NULL);

	/* cut at every length: a truncated header, name or body, or a missing trailer */
	for (size_t n = 1; n < good.len; n++) {
		Buf b = good;
		b.len = n;
		VbImage *img = NULL;
		char *err = NULL;
		int r = read_buf(&b, &img, &err);
		assert_int_equal(r, -EBADMSG);
		assert_non_null(err);
		free(err);
	}
	Buf b = good;
	memcpy(b.data + 6 + 8 * 11, "00100000", 8); /* name size past the end */
	expect_bad(&b, "bad cpio name");
	b = good;
	b.data[110 + 10] = 'x'; /* the name's NUL overwritten: "etc/a.confx" has no end */
	expect_bad(&b, "bad cpio name");
	b = good;
	memcpy(b.data + 6 + 8 * 6, "7FFFFFFF", 8); /* file size past the end */
	expect_bad(&b, "truncated cpio data");
	b = good;
	memcpy(b.data + 6 + 8 * 2, "0000zz00", 8); /* not hex */
	expect_bad(&b, "bad cpio header");
	Buf junk = {.len = 300};
	for (size_t i = 0; i < junk.len; i++)
		junk.data[i] = (unsigned char)(i * 7 + 3);
	expect_bad(&junk, "neither a cpio archive nor a compression the kernel unpacks");
	Buf empty = {.len = 0};
	entry(&empty, 0, "TRAILER!!!", NULL); /* an archive with nothing in it */
	VbImage *img = NULL;
	char *err = NULL;
	assert_int_equal(read_buf(&empty, &img, &err), 0);
	assert_int_equal(img->n_files, 0);
	assert_null(vb_image_find(img, "etc/a.conf"));
	vb_image_free(img);
	Buf zeros = {.len = 600};
	expect_bad(&zeros, "no cpio archive");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_archives),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
