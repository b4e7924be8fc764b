/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A growing string for generated files. After an allocation failure every append is a no-op
 * and strbuf_steal() returns NULL. */
typedef struct StrBuf {
	char *s;
	size_t len, cap;
	bool failed;
} StrBuf;

void strbuf_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *strbuf_steal(StrBuf *b);
/* Hands the text to *ret: 0, or -ENOMEM (and *ret untouched) after a failed append. */
int strbuf_return(StrBuf *b, char **ret);
