/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building the plan: the decision (plan/), the generators' limits, then the boot entries'
 * parameters, the files and the commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "build.h"

/* booster has no hooks and runs no udev rules: no binding by address; and it loads the
 * forced modules concurrently with the drivers of the devices it finds. */
static int booster_limits(const VbContext *ctx, VbPlan *p)
{
	if (p->method == VB_METHOD_ADDRESS)
		return vb_issue_add(&p->errors, "unsupported-initramfs",
				    "booster runs no udev rules and no hooks, so it cannot bind by address, "
				    "which a device with the same IDs as one the host keeps needs; use "
				    "mkinitcpio or dracut (--initramfs= if both are installed)");
	_cleanup_free_ char *text = NULL, *admins = NULL;
	int r = vb_root_read(ctx, "/etc/booster.yaml", &text);
	if (r < 0)
		return r;
	/* the admin's part: the file without our block (a cut block is plan_edit's to report) */
	const VbGenerator *g = vb_generator_find("booster", NULL);
	if (text && !(admins = g->unedit(text, NULL)) && errno != EBADMSG)
		return -ENOMEM;
	for (char *line = admins ? strtok(admins, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "modules_force_load:", 19) == 0)
			return vb_issue_add(
			    &p->errors, "booster-config",
			    "/etc/booster.yaml sets modules_force_load already, and a key may "
			    "appear once: add vfio_pci,vfio_iommu_type1 to its list by hand, then "
			    "'vfio-boot apply --initramfs=none'");
	}
	return vb_issue_add(&p->warnings, "best-effort",
			    "booster loads vfio-pci at the same time as the drivers of the devices it "
			    "finds, so the GPU's own driver may claim it first; the boot that follows "
			    "tells ('vfio-boot status'); mkinitcpio or dracut put vfio-pci first");
}

int vb_plan_build(VbContext *ctx, const VbModel *m, const VbSelection *sel, const VbPlanOptions *opts,
		  VbPlan **ret)
{
	_cleanup_(vb_plan_freep) VbPlan *p = NULL;
	int r = vb_plan_decide(ctx, m, sel, opts, &p);
	if (r < 0)
		return r;
	if (p->n_devices > 0 && p->targets.initramfs == VB_INITRAMFS_BOOSTER &&
	    (r = booster_limits(ctx, p)) < 0)
		return r;
	/* what an earlier apply did: our words in the admin's files, the boot entries' parameters */
	_cleanup_(vb_state_freep) VbState *st = NULL;
	if ((r = vb_state_load(ctx, &st)) < 0 && r != -ENOENT)
		return r;
	/* a refused plan writes nothing: no files, no commands */
	if (p->errors.n == 0 && ((r = vb_plan_entry_args(ctx, st, p)) < 0 ||
				 (r = vb_plan_files(ctx, st, p)) < 0 || (r = vb_plan_commands(st, p)) < 0))
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}
