/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output (a contract: see DESIGN.md section 4). Keys are only ever added. */
#include <stdio.h>

#include "cli.h"

void json_print(json_object *o)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE),
	      stdout);
	fputc('\n', stdout);
}

json_object *json_hex4(unsigned v)
{
	char buf[8];
	snprintf(buf, sizeof(buf), "%04x", v & 0xffff);
	return json_object_new_string(buf);
}

json_object *json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *json_device(const VbDevice *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "address", json_object_new_string(d->address));
	json_object_object_add(o, "vendor", json_hex4(d->vendor));
	json_object_object_add(o, "device", json_hex4(d->device));
	json_object_object_add(o, "subsystem_vendor", json_hex4(d->subsystem_vendor));
	json_object_object_add(o, "subsystem_device", json_hex4(d->subsystem_device));
	json_object_object_add(o, "class", json_hex4(d->class_code >> 8));
	json_object_object_add(o, "vendor_name", json_object_new_string(d->vendor_name));
	json_object_object_add(o, "device_name", json_object_new_string(d->device_name));
	json_object_object_add(o, "class_name", json_object_new_string(d->class_name));
	json_object_object_add(o, "driver", json_string_or_null(d->driver));
	json_object_object_add(o, "iommu_group",
			       d->iommu_group >= 0 ? json_object_new_int(d->iommu_group) : NULL);
	json_object_object_add(o, "boot_vga", json_object_new_boolean(d->boot_vga));
	/* beyond the contract */
	char rev[4];
	snprintf(rev, sizeof(rev), "%02x", d->revision);
	json_object_object_add(o, "revision", json_object_new_string(rev));
	json_object_object_add(o, "header_type", json_object_new_int(d->header_type));
	json_object_object_add(o, "multifunction", json_object_new_boolean(d->multifunction));
	json_object_object_add(o, "modalias", json_string_or_null(d->modalias));
	json_object_object_add(o, "upstream", json_string_or_null(d->upstream));
	json_object_object_add(o, "rom", json_object_new_boolean(d->has_rom));
	return o;
}
