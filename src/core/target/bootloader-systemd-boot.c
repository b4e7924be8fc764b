/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-boot, or any loader kernel-install feeds: /etc/kernel/cmdline, read when a kernel
 * is added (and built into a unified kernel image). grubby and Proxmox VE read it too. */
#include <string.h>

#include "../internal.h"
#include "boot.h"
#include "file-part.h"

/* Only a file the admin made: it replaces /proc/cmdline for kernel-install, so one of ours
 * with our words alone would leave the next kernel without its root= */
static bool kernel_cmdline_wanted(const VbTargets *t, size_t n_words)
{
	return n_words > 0 && t->kernel_cmdline_file;
}

/* One line, no comments (kernel-install, dracut and mkinitcpio read it whole), so our words
 * go at the end of it and the manifest remembers which. */
static char *kernel_cmdline_edit(const char *base, const VbStrv *words, VbStrv *added)
{
	size_t len = strcspn(base, "\n");
	StrBuf b = {0};
	strbuf_printf(&b, "%.*s", (int)len, base);
	vb_words_add(&b, words, base, len, added);
	strbuf_printf(&b, "%s", base + len);
	return strbuf_steal(&b);
}

static char *kernel_cmdline_unedit(const char *current, const VbStrv *added)
{
	size_t len = strcspn(current, "\n");
	StrBuf b = {0};
	vb_words_drop(&b, current, len, added);
	strbuf_printf(&b, "%s", current + len);
	return strbuf_steal(&b);
}

const VbParamsFile vb_params_kernel_cmdline = {
    .name = "kernel-cmdline",
    .path = "/etc/kernel/cmdline",
    .wanted = kernel_cmdline_wanted,
    .edit = kernel_cmdline_edit,
    .unedit = kernel_cmdline_unedit,
    .in_uki = true,
};

const VbBootloaderBackend vb_bootloader_systemd_boot = {
    .id = VB_BOOTLOADER_SYSTEMD_BOOT,
    .name = "systemd-boot",
    .description = N_("systemd-boot or kernel-install (/etc/kernel/cmdline)"),
    .files = (const VbParamsFile *const[]){&vb_params_kernel_cmdline, NULL},
    .limits =
	{
	    .no_file = N_("systemd-boot without /etc/kernel/cmdline: create it with the parameters of "
			  "/proc/cmdline (without BOOT_IMAGE= and initrd=) and run 'vfio-boot apply' "
			  "again, or"),
	    .no_file_check = N_(", without /etc/kernel/cmdline for vfio-boot to add to"),
	    .no_file_fix = N_("create /etc/kernel/cmdline with the parameters of /proc/cmdline "
			      "(without BOOT_IMAGE= and initrd=)"),
	    .entries_later = N_("systemd-boot: /etc/kernel/cmdline is read when kernel-install adds a "
				"kernel; the entries already in loader/entries keep their options "
				"line until then ('kernel-install add KVER "
				"/usr/lib/modules/KVER/vmlinuz' renews one)"),
	},
};
