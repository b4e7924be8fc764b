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
#include <string.h>

#include "cli.h"

/* The output is megabytes for a big host, in pieces of a few bytes: gathered in the
 * writer's buffer, written out when it is full and at the end of the document. */
static void flush(JsonWriter *w)
{
	fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

static void put(JsonWriter *w, const char *s, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		flush(w);
		if (n > sizeof(w->buf)) {
			fwrite(s, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_char(JsonWriter *w, char c)
{
	put(w, &c, 1);
}

static void indent(JsonWriter *w)
{
	static const char spaces[] = "                                                              ";
	put(w, spaces, 2 * (size_t)w->depth); /* depth <= 31 */
}

static const char hex_digits[] = "0123456789abcdef";

/* Bytes json-c writes as an escape: control characters, the quote and the backslash (not
 * '/': NOSLASHESCAPE; bytes >= 0x80 are UTF-8, as they are). */
static bool needs_escape(unsigned char c)
{
	return c < ' ' || c == '"' || c == '\\';
}

static void write_escaped(JsonWriter *w, const char *s)
{
	put_char(w, '"');
	for (const char *p = s;; p++) {
		const char *run = p;
		while (*p && !needs_escape((unsigned char)*p))
			p++;
		put(w, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '\b':
			put(w, "\\b", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		case '\f':
			put(w, "\\f", 2);
			break;
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		default: {
			unsigned char c = (unsigned char)*p;
			put(w, (const char[]){'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xf]},
			    6);
		}
		}
	}
	put_char(w, '"');
}

/* Before a value: the comma and line break after the previous one at this level, the
 * indentation, and the key inside an object. */
static void begin_value(JsonWriter *w, const char *key)
{
	if (w->depth > 0) {
		if (w->has_members & (1u << w->depth))
			put(w, ",\n", 2);
		w->has_members |= 1u << w->depth;
		indent(w);
	}
	if (key) {
		write_escaped(w, key);
		put(w, ": ", 2);
	}
}

static void open_container(JsonWriter *w, const char *key, char bracket)
{
	begin_value(w, key);
	put_char(w, bracket);
	put_char(w, '\n');
	w->depth++;
	w->has_members &= ~(1u << w->depth);
}

static void close_container(JsonWriter *w, char bracket)
{
	if (w->has_members & (1u << w->depth))
		put_char(w, '\n');
	w->depth--;
	indent(w);
	put_char(w, bracket);
	if (w->depth == 0) {
		put_char(w, '\n');
		flush(w);
	}
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
		write_escaped(w, s);
	else
		put(w, "null", 4);
}

void jw_int(JsonWriter *w, const char *key, int v)
{
	/* by hand: printf's machinery was a fifth of scan --json */
	char buf[12], *p = buf + sizeof(buf);
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	begin_value(w, key);
	put(w, p, (size_t)(buf + sizeof(buf) - p));
}

void jw_bool(JsonWriter *w, const char *key, bool v)
{
	begin_value(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(JsonWriter *w, const char *key)
{
	jw_string(w, key, NULL);
}

void jw_hex(JsonWriter *w, const char *key, unsigned v, int digits)
{
	char buf[9];
	digits = digits < 1 ? 1 : digits > 8 ? 8 : digits;
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		buf[i] = hex_digits[v & 0xf];
	buf[digits] = '\0';
	jw_string(w, key, buf);
}
