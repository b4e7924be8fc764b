/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The admin's files that vfio-boot adds a part to (/etc/default/grub, /etc/kernel/cmdline,
 * refind_linux.conf, booster.yaml): any text goes in. For every such generator: taking our
 * part out never fails except on a cut block (EBADMSG); and adding it then taking it out
 * gives the file back byte for byte (a last newline it lacked too), and adding it again
 * gives the same file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"
#include "gen/gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	if (!s)
		return 0;
	VbPlan p = {0};
	static char *words[] = {"intel_iommu=on", "iommu=pt", "vfio-pci.ids=1002:67b1,1002:aac8"};
	p.cmdline = (VbStrv){3, words};
	const VbGenerator *const *all = vb_generator_list();
	for (size_t i = 0; all[i]; i++) {
		const VbGenerator *g = all[i];
		if (!g->edit)
			continue;
		char *base = g->unedit(s, NULL);
		if (!base) {
			if (errno != EBADMSG)
				abort();
			continue;
		}
		VbStrv added = {0}, again = {0};
		char *with = g->edit(g, &p, base, &added);
		char *back = with ? g->unedit(with, &added) : NULL;
		char *with2 = back ? g->edit(g, &p, back, &again) : NULL;
		if (!with || !back || !with2)
			abort();
		if (strcmp(back, base) != 0 || strcmp(with2, with) != 0)
			abort();
		vb_strv_done(&added);
		vb_strv_done(&again);
		free(base), free(with), free(back), free(with2);
	}
	free(s);
	return 0;
}
