/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A JSON writer that streams to a FILE, for the one output that grows with the host: scan's
 * list of every PCI function (4096 of them on a big server). Building a json-c tree of it
 * and freeing it cost twice the probe; writing as we go costs a few bytes of state.
 *
 * The layout is byte for byte json_print()'s (json-c with PRETTY | SPACED | NOSLASHESCAPE:
 * two spaces per level, "key": value, an empty container as "[\n<indent>]", control bytes
 * as \u00xx), so that a verb's output does not depend on which of the two wrote it;
 * tests/unit/test-json-writer.c compares the two on random documents. */
#include <stdio.h>

#include "cli.h"

static void indent(JsonWriter *w)
{
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

static void write_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\b': fputs("\\b", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\f': fputs("\\f", out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		default:
			if (*p < ' ')
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Before a value: the comma and line break after the previous one at this level, the
 * indentation, and the key inside an object. */
static void begin_value(JsonWriter *w, const char *key)
{
	if (w->depth > 0) {
		if (w->has_members & (1u << w->depth))
			fputs(",\n", w->out);
		w->has_members |= 1u << w->depth;
		indent(w);
	}
	if (key) {
		write_escaped(w->out, key);
		fputs(": ", w->out);
	}
}

static void open_container(JsonWriter *w, const char *key, char bracket)
{
	begin_value(w, key);
	fputc(bracket, w->out);
	fputc('\n', w->out);
	w->depth++;
	w->has_members &= ~(1u << w->depth);
}

static void close_container(JsonWriter *w, char bracket)
{
	if (w->has_members & (1u << w->depth))
		fputc('\n', w->out);
	w->depth--;
	indent(w);
	fputc(bracket, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void jw_object_begin(JsonWriter *w, const char *key)
{
	open_container(w, key, '{');
}

void jw_object_end(JsonWriter *w)
{
	close_container(w, '}');
}

void jw_array_begin(JsonWriter *w, const char *key)
{
	open_container(w, key, '[');
}

void jw_array_end(JsonWriter *w)
{
	close_container(w, ']');
}

void jw_string(JsonWriter *w, const char *key, const char *s)
{
	begin_value(w, key);
	if (s)
		write_escaped(w->out, s);
	else
		fputs("null", w->out);
}

void jw_int(JsonWriter *w, const char *key, int v)
{
	begin_value(w, key);
	fprintf(w->out, "%d", v);
}

void jw_bool(JsonWriter *w, const char *key, bool v)
{
	begin_value(w, key);
	fputs(v ? "true" : "false", w->out);
}

void jw_null(JsonWriter *w, const char *key)
{
	jw_string(w, key, NULL);
}

void jw_hex4(JsonWriter *w, const char *key, unsigned v)
{
	char buf[8];
	snprintf(buf, sizeof(buf), "%04x", v & 0xffff);
	jw_string(w, key, buf);
}
