/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lists of strings (kernel parameters, modules, paths): small, so kept in arrays. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

static int strv_insert(VbStrv *v, size_t i, const char *s)
{
	char **n = realloc(v->v, (v->n + 1) * sizeof(*n));
	if (!n) {
		v->failed = true;
		return -ENOMEM;
	}
	v->v = n;
	char *copy = strdup(s);
	if (!copy) {
		v->failed = true;
		return -ENOMEM;
	}
	memmove(v->v + i + 1, v->v + i, (v->n - i) * sizeof(*v->v));
	v->v[i] = copy;
	v->n++;
	return 0;
}

int vb_strv_add(VbStrv *v, const char *s)
{
	size_t i = 0;
	while (i < v->n && strcmp(v->v[i], s) < 0)
		i++;
	if (i < v->n && strcmp(v->v[i], s) == 0)
		return 0;
	return strv_insert(v, i, s);
}

int vb_strv_append(VbStrv *v, const char *s)
{
	return vb_strv_contains(v, s) ? 0 : strv_insert(v, v->n, s);
}

bool vb_strv_contains(const VbStrv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

bool vb_strv_equal(const VbStrv *a, const VbStrv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

char *vb_strv_join(const VbStrv *v, const char *sep)
{
	size_t len = 1;
	for (size_t i = 0; i < v->n; i++)
		len += strlen(v->v[i]) + strlen(sep);
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		strcat(strcat(s, i ? sep : ""), v->v[i]);
	return s;
}

void vb_strv_done(VbStrv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	*v = (VbStrv){0};
}

bool vb_has_word(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);
	for (size_t i = 0; i + wl <= len; i++)
		if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t') && memcmp(s + i, word, wl) == 0 &&
		    (i + wl == len || s[i + wl] == ' ' || s[i + wl] == '\t'))
			return true;
	return false;
}
