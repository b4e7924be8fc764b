/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The initramfs reader: whatever file sits at /boot/initrd.img-*, through the newc walker
 * and libarchive's decompressors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "verify/image.h"

static bool keep_all(const char *path)
{
	(void)path;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	VbImage *img = NULL;
	char *err = NULL;
	if (vb_image_read_memory(data, size, keep_all, &img, &err) == 0) {
		for (size_t i = 0; i < img->n_files; i++)
			if (img->files[i].data && strlen(img->files[i].data) > img->files[i].size)
				abort();
		(void)vb_image_find(img, "etc/modprobe.d/vfio-boot.conf");
		vb_image_free(img);
	}
	free(err);
	return 0;
}
