/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The streaming JSON writer (src/cli/json-writer.c, compiled in here) against json-c: the
 * same random documents, written by both, must be the same bytes, since scan --json is
 * streamed while every other verb prints a json-c tree with json_print(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/json-output.c"
#include "../../src/cli/json-writer.c"

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Strings with what needs escaping: quotes, backslashes, slashes, control bytes, UTF-8. */
static void random_string(char *buf, size_t size)
{
	static const char *const pieces[] = {"a",    "GPU",  "\"",   "\\", "/",	 "\n", "\t", "\b", "\f", "\r",
					     "\x01", "\x1f", "\x7f", "é",  "└─", " ",  "}",  "[",  ":"};
	size_t n = rng() % 8, len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[rng() % (sizeof(pieces) / sizeof(*pieces))];
		if (len + strlen(p) + 1 > size)
			break;
		strcpy(buf + len, p);
		len += strlen(p);
	}
}

/* One random value, written by the writer under key (NULL in an array) and returned as
 * json-c's (NULL for null). */
static json_object *random_value(JsonWriter *w, const char *key, int depth)
{
	char s[64];
	unsigned kind = depth >= 4 ? rng() % 4 : rng() % 6;
	switch (kind) {
	case 0:
		random_string(s, sizeof(s));
		jw_string(w, key, s);
		return json_object_new_string(s);
	case 1: {
		int v = (int)(rng() % 200000) - 100000;
		jw_int(w, key, v);
		return json_object_new_int(v);
	}
	case 2: {
		bool v = rng() % 2;
		jw_bool(w, key, v);
		return json_object_new_boolean(v);
	}
	case 3:
		jw_null(w, key);
		return NULL;
	case 4: {
		json_object *a = json_object_new_array();
		jw_array_begin(w, key);
		for (unsigned i = 0, n = rng() % 4; i < n; i++)
			json_object_array_add(a, random_value(w, NULL, depth + 1));
		jw_array_end(w);
		return a;
	}
	default: {
		json_object *o = json_object_new_object();
		jw_object_begin(w, key);
		for (unsigned i = 0, n = rng() % 4; i < n; i++) {
			char k[64];
			snprintf(k, sizeof(k), "k%u", i); /* distinct keys: json-c keeps one of each */
			random_string(k + strlen(k), sizeof(k) - strlen(k));
			json_object_object_add(o, k, random_value(w, k, depth + 1));
		}
		jw_object_end(w);
		return o;
	}
	}
}

static void same_as_json_c(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 2000; seed++) {
		rng_state = seed;
		char *buf = NULL;
		size_t size = 0;
		JsonWriter w = {.out = open_memstream(&buf, &size)};
		assert_non_null(w.out);
		/* a document is an object or an array, as every verb's */
		json_object *doc = json_object_new_object();
		jw_object_begin(&w, NULL);
		for (unsigned i = 0, n = rng() % 5; i < n; i++) {
			char k[8];
			snprintf(k, sizeof(k), "m%u", i);
			json_object_object_add(doc, k, random_value(&w, k, 1));
		}
		jw_object_end(&w);
		fclose(w.out);

		char *expected = NULL;
		size_t expected_size = 0;
		FILE *f = open_memstream(&expected, &expected_size);
		FILE *saved = stdout;
		stdout = f;
		json_print(doc);
		stdout = saved;
		fclose(f);
		if (strcmp(buf, expected) != 0)
			fail_msg("seed %u: the writer gave\n%s\njson-c gave\n%s", seed, buf, expected);
		json_object_put(doc);
		free(buf);
		free(expected);
	}
}

/* The cases that matter to scan, spelled out. */
static void known_layout(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t size = 0;
	JsonWriter w = {.out = open_memstream(&buf, &size)};
	jw_object_begin(&w, NULL);
	jw_array_begin(&w, "groups");
	jw_array_end(&w);
	jw_string(&w, "path", "a/b \"c\"\x01");
	jw_hex(&w, "vendor", 0x11002, 4);
	jw_hex(&w, "revision", 0xa, 2);
	jw_int(&w, "min", -2147483647 - 1);
	jw_null(&w, "driver");
	jw_object_end(&w);
	fclose(w.out);
	assert_string_equal(buf, "{\n"
				 "  \"groups\": [\n"
				 "  ],\n"
				 "  \"path\": \"a/b \\\"c\\\"\\u0001\",\n"
				 "  \"vendor\": \"1002\",\n"
				 "  \"revision\": \"0a\",\n"
				 "  \"min\": -2147483648,\n"
				 "  \"driver\": null\n"
				 "}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(known_layout), cmocka_unit_test(same_as_json_c)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
