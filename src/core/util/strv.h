/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lists of strings. An add that runs out of memory returns -ENOMEM and marks the list
 * failed, so that a caller adding many may check once, at the end. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct VbStrv {
	size_t n;
	char **v;
	bool failed; /* an add ran out of memory: the list is short (checked once, at the end) */
} VbStrv;

int vb_strv_add(VbStrv *v, const char *s);    /* keeps it sorted and unique */
int vb_strv_append(VbStrv *v, const char *s); /* at the end, unless it is there already */
bool vb_strv_contains(const VbStrv *v, const char *s);
bool vb_strv_equal(const VbStrv *a, const VbStrv *b);
/* The strings separated by sep; NULL when out of memory. */
char *vb_strv_join(const VbStrv *v, const char *sep);
void vb_strv_done(VbStrv *v);

/* Whether word is one of the words (separated by spaces or tabs) of s[0..len). */
bool vb_has_word(const char *s, size_t len, const char *word);
