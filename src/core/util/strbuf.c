/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strbuf.h"

void strbuf_printf(StrBuf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->failed = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

char *strbuf_steal(StrBuf *b)
{
	if (b->failed) {
		free(b->s);
		*b = (StrBuf){0};
		return NULL;
	}
	char *s = b->s ? b->s : calloc(1, 1);
	*b = (StrBuf){0};
	return s;
}

int strbuf_return(StrBuf *b, char **ret)
{
	char *s = strbuf_steal(b);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}
