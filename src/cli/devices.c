/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What several verbs share: probing the model and turning DEVICE arguments into devices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_probe(VbContext *ctx, VbModel **ret)
{
	int r = vb_probe(ctx, ret);
	if (r < 0)
		return cli_failed(r, "failed to read the PCI devices under %s", vb_context_sysroot(ctx));
	return 0;
}

int cli_resolve_devices(const VbModel *m, int argc, char **argv, const VbDevice ***ret, size_t *ret_n)
{
	const VbDevice **devs = calloc((size_t)argc + 1, sizeof(*devs));
	if (!devs)
		return cli_error(-ENOMEM, "failed to resolve devices");
	size_t n = 0;
	for (int i = 0; i < argc; i++) {
		VbDeviceSpec spec;
		if (vb_device_spec_parse(argv[i], &spec) < 0) {
			free(devs);
			return cli_usage_error("'%s' is not a device: expected [DDDD:]BB:DD.F or VVVV:DDDD",
					       argv[i]);
		}
		const VbDevice *d = NULL, *matches[8];
		size_t k = vb_model_resolve(m, &spec, &d, matches, ELEMENTSOF(matches));
		if (k == 0) {
			free(devs);
			return cli_error(0, "%s: no such PCI device", argv[i]);
		}
		if (k > 1) {
			fprintf(stderr, _("vfio-boot: %s matches %zu devices; give the address of one:\n"),
				argv[i], k);
			for (size_t j = 0; j < k && j < ELEMENTSOF(matches); j++)
				fprintf(stderr, "  %s  %s\n", matches[j]->address,
					device_display_name(matches[j]));
			free(devs);
			return 1;
		}
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup = dup || devs[j] == d;
		if (!dup)
			devs[n++] = d;
	}
	*ret = devs;
	*ret_n = n;
	return 0;
}

const char *device_display_name(const VbDevice *d)
{
	return d->device_name && *d->device_name ? d->device_name : _("(unknown device)");
}
