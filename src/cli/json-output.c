/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output (a contract: see DESIGN.md section 4). Keys are only ever added. */
#include <stdarg.h>
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

json_object *json_strv(const VbStrv *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_string(v->v[i]));
	return a;
}

json_object *json_fields(const char *key, ...)
{
	json_object *o = json_object_new_object();
	va_list ap;
	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		json_object_object_add(o, key, va_arg(ap, json_object *));
	va_end(ap);
	return o;
}

void jw_device(JsonWriter *w, const VbDevice *d)
{
	jw_object_begin(w, NULL);
	jw_string(w, "address", d->address);
	jw_hex(w, "vendor", d->vendor, 4);
	jw_hex(w, "device", d->device, 4);
	jw_hex(w, "subsystem_vendor", d->subsystem_vendor, 4);
	jw_hex(w, "subsystem_device", d->subsystem_device, 4);
	jw_hex(w, "class", d->class_code >> 8, 4);
	jw_string(w, "vendor_name", d->vendor_name);
	jw_string(w, "device_name", d->device_name);
	jw_string(w, "class_name", d->class_name);
	jw_string(w, "driver", d->driver);
	if (d->iommu_group >= 0)
		jw_int(w, "iommu_group", d->iommu_group);
	else
		jw_null(w, "iommu_group");
	jw_bool(w, "boot_vga", d->boot_vga);
	/* beyond the contract */
	jw_hex(w, "revision", d->revision, 2);
	jw_int(w, "header_type", d->header_type);
	jw_bool(w, "multifunction", d->multifunction);
	jw_string(w, "modalias", d->modalias);
	jw_string(w, "upstream", d->upstream);
	jw_bool(w, "rom", d->has_rom);
	jw_object_end(w);
}
