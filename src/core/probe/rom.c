/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCI expansion ROM images (PCI Firmware spec 3.0; EFI header per UEFI PCI option ROM):
 * a chain of images at 512-byte-aligned offsets, each starting with 0x55 0xAA and a
 * pointer at 0x18 to its "PCIR" data structure, which gives the image length (0x10, in
 * 512-byte units), the code type (0x14) and the last-image flag (bit 7 of 0x15).
 * The bytes come from hardware or from a file: everything is bounds-checked, and the
 * walk always moves forward, so it ends.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../paths.h"
#include "../util/fileio.h"
#include "probe.h"

#define ROM_UNIT 512
#define ROM_SIGNATURE 0xAA55
#define PCIR_SIGNATURE 0x52494350 /* "PCIR" */
#define EFI_SIGNATURE 0x0EF1
#define SYSFS_MAGIC 0x62656572

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vb_rom_parse(const uint8_t *data, size_t size, VbRomInfo *ret)
{
	VbRomInfo info = {0};
	size_t off = 0;

	while (info.n_images < VB_ROM_MAX_IMAGES) {
		if (off > size || size - off < 0x1A + 2 || le16(data + off) != ROM_SIGNATURE)
			break;
		const uint8_t *img = data + off;
		size_t avail = size - off;
		uint16_t pcir_off = le16(img + 0x18);
		/* the PCIR structure is at least 0x18 bytes and dword-aligned */
		if (pcir_off % 4 != 0 || (size_t)pcir_off + 0x18 > avail)
			break;
		const uint8_t *pcir = img + pcir_off;
		if (le32(pcir) != PCIR_SIGNATURE)
			break;

		VbRomImage *im = &info.images[info.n_images];
		im->offset = off;
		im->vendor = le16(pcir + 0x04);
		im->device = le16(pcir + 0x06);
		im->length = (size_t)le16(pcir + 0x10) * ROM_UNIT;
		im->code_type = pcir[0x14];
		im->last = pcir[0x15] & 0x80;
		if (im->code_type == VB_ROM_CODE_EFI && avail >= 0x0E) {
			im->efi_signature = le16(img + 0x04) == EFI_SIGNATURE;
			im->efi_subsystem = le16(img + 0x08);
			im->efi_machine = le16(img + 0x0A);
			im->efi_compressed = le16(img + 0x0C) == 0x0001;
		}
		info.n_images++;

		/* a zero length would loop forever, a longer one runs past the data: the chain is
		 * broken there (for the last image too: its bytes are not all here) */
		if (im->length == 0 || im->length > avail) {
			info.truncated = true;
			break;
		}
		if (im->last)
			break;
		off += im->length;
	}

	if (info.n_images == 0)
		return -EBADMSG;
	if (!info.images[info.n_images - 1].last)
		info.truncated = true;
	*ret = info;
	return 0;
}

bool vb_rom_has_uefi(const VbRomInfo *info, uint16_t machine)
{
	for (size_t i = 0; i < info->n_images; i++) {
		const VbRomImage *im = &info->images[i];
		if (im->code_type == VB_ROM_CODE_EFI && im->efi_signature && im->efi_machine == machine)
			return true;
	}
	return false;
}

const char *vb_rom_code_type_name(uint8_t code_type)
{
	switch (code_type) {
	case VB_ROM_CODE_X86:
		return "x86 (legacy BIOS)";
	case VB_ROM_CODE_OPEN_FIRMWARE:
		return "Open Firmware";
	case VB_ROM_CODE_HP_PA_RISC:
		return "PA-RISC";
	case VB_ROM_CODE_EFI:
		return "UEFI";
	default:
		return "unknown";
	}
}

static int write_rom_enable(int fd, const char *value)
{
	if (pwrite(fd, value, 1, 0) != 1)
		return -errno;
	return 0;
}

int vb_rom_read(VbContext *ctx, const VbDevice *d, uint8_t **ret_data, size_t *ret_size)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	if (asprintf(&rel, "%s/%s/rom", VB_SYS_PCI_DEVICES, d->address) < 0)
		return -ENOMEM;
	int r = vb_sysroot_path(ctx, rel, &path);
	if (r < 0)
		return r;

	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return vb_log_errno(ctx, -errno, "failed to open %s", path);

	/* Only real sysfs needs (and understands) the enable write; a fixture's rom file is
	 * plain data and must not be overwritten. */
	struct statfs sfs;
	bool is_sysfs = fstatfs(fd, &sfs) == 0 && sfs.f_type == SYSFS_MAGIC;
	if (is_sysfs && (r = write_rom_enable(fd, "1")) < 0) {
		close(fd);
		return vb_log_errno(ctx, r, "failed to enable %s", path);
	}

	char *buf = NULL;
	size_t n = 0;
	r = read_fd(fd, 16 * 1024 * 1024, &buf, &n);
	if (is_sysfs)
		(void)write_rom_enable(fd, "0");
	close(fd);
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to read %s", path);
	*ret_data = (uint8_t *)buf;
	*ret_size = n;
	return 0;
}
