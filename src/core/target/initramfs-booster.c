/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* booster (Arch): one file, /etc/booster.yaml (no drop-ins), with a block of ours that
 * forces vfio-pci into every image. booster bakes the options lines of modprobe.d in (our
 * ids=), not the softdeps. Its images run no udev rules and no hooks, so nothing binds by
 * address, and it loads the forced modules at the same time as the drivers of the devices
 * it finds: best effort, as plan and check say. */
#include "../i18n.h"
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_booster = {
    .id = VB_INITRAMFS_BOOSTER,
    .name = "booster",
    .used_if = (const char *const[]){"etc/booster.yaml", NULL},
    .config = "/etc/booster.yaml",
    .config_mode = 0644,
    .config_block = "modules_force_load: vfio_pci,vfio_iommu_type1\n",
    .block_key_taken = "booster-config",
    .rebuild = (const char *const[]){"/usr/lib/booster/regenerate_images", NULL},
    .rebuild_one = "/usr/lib/booster/regenerate_images",
    .limits =
	{
	    .no_address = N_("booster runs no udev rules and no hooks, so it cannot bind by address, "
			     "which a device with the same IDs as one the host keeps needs; use "
			     "mkinitcpio or dracut (--initramfs= if both are installed)"),
	    .warning = N_("booster loads vfio-pci at the same time as the drivers of the devices it "
			  "finds, so the GPU's own driver may claim it first; the boot that follows "
			  "tells ('vfio-boot status'); mkinitcpio or dracut put vfio-pci first"),
	    .check = N_("booster is best effort: it loads vfio-pci at the same time as the drivers of "
			"the devices it finds"),
	    .check_fix = N_("mkinitcpio or dracut load vfio-pci before the GPU's driver; booster cannot "
			    "bind by address (identical GPUs)"),
	},
};
