/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernelstub (Pop!_OS): keeps the parameters in its own configuration, given with -a/-d. */
#include <json-c/json.h>
#include <stdlib.h>

#include "../internal.h"
#include "bootloader.h"

/* user.kernel_options of /etc/kernelstub/configuration (JSON) */
static int kernelstub_words(const VbContext *ctx, VbStrv *words)
{
	_cleanup_free_ char *text = NULL;
	if (vb_root_read(ctx, "/etc/kernelstub/configuration", &text) < 0 || !text)
		return 0;
	int r = 0;
	json_object *root = json_tokener_parse(text), *user, *opts;
	if (root && json_object_object_get_ex(root, "user", &user) &&
	    json_object_object_get_ex(user, "kernel_options", &opts) &&
	    json_object_is_type(opts, json_type_array))
		for (size_t i = 0; i < json_object_array_length(opts) && r >= 0; i++) {
			const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
			if (o)
				r = vb_strv_add(words, o);
		}
	json_object_put(root);
	return r;
}

static const VbEntriesTool kernelstub = {
    .add = (const char *const[]){"kernelstub", "-a", "@WORDS@", NULL},
    .remove = (const char *const[]){"kernelstub", "-d", "@WORDS@", NULL},
    .words = kernelstub_words,
};

const VbBootloaderBackend vb_bootloader_kernelstub = {
    .id = VB_BOOTLOADER_KERNELSTUB,
    .name = "kernelstub",
    .description = "kernelstub",
    .files = (const VbParamsFile *const[]){NULL}, /* kernelstub keeps them itself */
    .entries = &kernelstub,
};
