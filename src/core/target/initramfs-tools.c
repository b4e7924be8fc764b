/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* initramfs-tools (Debian, Ubuntu): a hook that copies the helper, the device list and the
 * udev rule into every image; mkinitramfs copies /etc/modprobe.d itself. */
#include "../paths.h"
#include "../util/strbuf.h"
#include "initramfs.h"

/* The hook puts the vfio modules into every image. mkinitramfs
 * copies /etc/modprobe.d itself, and manual_add_modules pulls in dependencies (vfio,
 * vfio_pci_core, vfio_virqfd where it exists), so the lists name only what each kernel has. */
static char *hook(const char *header, const VbKernelFacts *kernels, size_t n_kernels)
{
	StrBuf b = {0};
	strbuf_printf(&b,
		      "#!/bin/sh\n%sPREREQ=\"\"\n"
		      "prereqs() { echo \"$PREREQ\"; }\n"
		      "case \"$1\" in prereqs) prereqs; exit 0 ;; esac\n"
		      ". /usr/share/initramfs-tools/hook-functions\n\n"
		      "# shellcheck disable=SC2154 # mkinitramfs sets version to the kernel it builds for\n"
		      "case \"${version}\" in\n",
		      header);
	for (size_t i = 0; i < n_kernels; i++) {
		const VbKernelFacts *k = &kernels[i];
		/* quoted: a case pattern is expanded; kernels.c takes no name that needs more */
		strbuf_printf(&b, "'%s')", k->version);
		for (size_t j = 0; j < k->vfio_modules.n; j++)
			strbuf_printf(&b, "%s%s", j ? " " : " manual_add_modules ", k->vfio_modules.v[j]);
		strbuf_printf(&b, " ;;%s\n", k->vfio_modules.n ? "" : " # vfio is built into this kernel");
	}
	strbuf_printf(
	    &b,
	    "*) manual_add_modules vfio_pci vfio_iommu_type1 ;; # a kernel installed since\n"
	    "esac\n\n"
	    "# Binding by address at boot: the helper, the device list and the udev rule that\n"
	    "# runs the helper before the native drivers load. Without one of them the image would\n"
	    "# boot without binding anything: fail its build instead (mkinitramfs stops on a failed hook).\n"
	    "for f in %s/vfio-boot-bind /etc/vfio-boot/devices.conf " VB_UDEV_RULE "; do\n"
	    "\tif [ ! -f \"$f\" ]; then\n"
	    "\t\techo \"E: vfio-boot: $f is missing: the image would not bind the devices vfio-boot "
	    "selected.\" \\\n"
	    "\t\t\t\"Reinstall vfio-boot and run 'vfio-boot apply', or run 'vfio-boot revert' to boot "
	    "without passthrough.\" >&2\n"
	    "\t\texit 1\n"
	    "\tfi\n"
	    "done\n"
	    "copy_exec %s/vfio-boot-bind\n"
	    "copy_file config /etc/vfio-boot/devices.conf\n"
	    "# (Debian's udev hook copies the rules of /etc/udev/rules.d too: 1 is \"already there\")\n"
	    "copy_file rules " VB_UDEV_RULE " /lib/udev/rules.d/60-vfio-boot.rules || [ $? = 1 ]\n",
	    VB_LIBEXECDIR, VB_LIBEXECDIR);
	return strbuf_steal(&b);
}

const VbInitramfsBackend vb_initramfs_tools = {
    .id = VB_INITRAMFS_TOOLS,
    .name = "initramfs-tools",
    .used_if = (const char *const[]){"etc/initramfs-tools", NULL},
    .config = "/etc/initramfs-tools/hooks/vfio-boot",
    .config_mode = 0755,
    .config_text = hook,
    /* -k all: update-initramfs runs the post-update.d hooks once per image, in turn (other
     * packages' ESP copies are not safe to run side by side) */
    .rebuild = (const char *const[]){"update-initramfs", "-u", "-k", "all", NULL},
    .rebuild_one = "update-initramfs -u -k",
    .rebuild_one_with_version = true,
};
