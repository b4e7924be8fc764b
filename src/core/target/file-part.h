/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our part of a file that is the admin's, in its two shapes: a marked block at the end (GRUB's
 * /etc/default/grub, /etc/booster.yaml), or words added at the end of a line
 * (/etc/kernel/cmdline, each line of refind_linux.conf). What an edit added goes to the
 * manifest, so that taking our part out again leaves the admin's text byte for byte.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../util/strbuf.h"
#include "../util/strv.h"

/* In the list of what an edit added: the admin's file did not end with a newline and the
 * edit gave it one, which taking our part out takes out again. Not a kernel parameter, nor
 * "N:word". */
#define VB_ADDED_FINAL_NEWLINE "+final-newline"

bool vb_added_final_newline(const VbStrv *added);

/* base, then our block with body in it. NULL when out of memory. */
char *vb_block_append(const char *base, const char *body, VbStrv *added);
/* current without every block of ours (a copy of the file may hold two); NULL with errno
 * EBADMSG when a block lost its end: someone cut it, the admin decides. */
char *vb_block_remove(const char *current, const VbStrv *added);

/* Appends to b the words that s[0..len) lacks, recording them in added. */
void vb_words_add(StrBuf *b, const VbStrv *words, const char *s, size_t len, VbStrv *added);
/* Appends to b s[0..len) without the last " word" of each word in added. */
void vb_words_drop(StrBuf *b, const char *s, size_t len, const VbStrv *added);
