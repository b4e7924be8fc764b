/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A line diff for plan's human output: longest common subsequence over the lines of two small
 * generated files, printed with +/- marks and every line shown (the files are short). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct Lines {
	size_t n;
	const char **v;
	size_t *len;
} Lines;

static int split(const char *s, Lines *l)
{
	*l = (Lines){0};
	if (!s)
		return 0;
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '\n';
	if (*s && s[strlen(s) - 1] != '\n')
		n++;
	l->v = calloc(n + 1, sizeof(*l->v));
	l->len = calloc(n + 1, sizeof(*l->len));
	if (!l->v || !l->len)
		return -1;
	for (const char *p = s; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		l->v[l->n] = p;
		l->len[l->n++] = len;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

static bool same(const Lines *a, size_t i, const Lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->v[i], b->v[j], a->len[i]) == 0;
}

void print_diff(const char *old, const char *new, const char *indent)
{
	Lines a = {0}, b = {0};
	if (split(old, &a) < 0 || split(new, &b) < 0)
		goto out;
	size_t w = b.n + 1;
	/* lcs[i][j]: length of the LCS of a[i..] and b[j..] */
	unsigned *lcs = (a.n + 1) * w <= 4u * 1024 * 1024 ? calloc((a.n + 1) * w, sizeof(*lcs)) : NULL;
	if (!lcs) {
		for (size_t i = 0; i < a.n; i++)
			printf("%s-%.*s\n", indent, (int)a.len[i], a.v[i]);
		for (size_t j = 0; j < b.n; j++)
			printf("%s+%.*s\n", indent, (int)b.len[j], b.v[j]);
		goto out;
	}
	for (size_t i = a.n; i-- > 0;)
		for (size_t j = b.n; j-- > 0;)
			lcs[i * w + j] = same(&a, i, &b, j) ? lcs[(i + 1) * w + j + 1] + 1
					 : lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
										      : lcs[i * w + j + 1];
	size_t i = 0, j = 0;
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && same(&a, i, &b, j)) {
			printf("%s %.*s\n", indent, (int)a.len[i], a.v[i]);
			i++, j++;
		} else if (j < b.n && (i == a.n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
			printf("%s+%.*s\n", indent, (int)b.len[j], b.v[j]);
			j++;
		} else {
			printf("%s-%.*s\n", indent, (int)a.len[i], a.v[i]);
			i++;
		}
	}
	free(lcs);
out:
	free(a.v), free(a.len), free(b.v), free(b.len);
}
