/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../paths.h"
#include "file-part.h"

#define BLOCK_BEGIN "# BEGIN vfio-boot"
#define BLOCK_END "# END vfio-boot\n"

bool vb_added_final_newline(const VbStrv *added)
{
	return added && vb_strv_contains(added, VB_ADDED_FINAL_NEWLINE);
}

char *vb_block_append(const char *base, const char *body, VbStrv *added)
{
	StrBuf b = {0};
	size_t len = strlen(base);
	if (len && base[len - 1] != '\n')
		vb_strv_add(added, VB_ADDED_FINAL_NEWLINE);
	strbuf_printf(&b,
		      "%s%s" BLOCK_BEGIN ": from " VB_SELECTION_PATH
		      "; 'vfio-boot revert' removes this block\n"
		      "%s" BLOCK_END,
		      base, len && base[len - 1] != '\n' ? "\n" : "", body);
	return strbuf_steal(&b);
}

/* The newline an edit gave a file that lacked one goes too, when our block is still what
 * follows it at the end. */
char *vb_block_remove(const char *current, const VbStrv *added)
{
	StrBuf b = {0};
	const char *rest = current;
	for (;;) {
		const char *begin = rest;
		while (begin && *begin && strncmp(begin, BLOCK_BEGIN, strlen(BLOCK_BEGIN)) != 0)
			begin = strchr(begin, '\n') ? strchr(begin, '\n') + 1 : NULL;
		if (!begin || !*begin)
			break;
		const char *end = strstr(begin, "\n" BLOCK_END);
		if (!end) {
			free(strbuf_steal(&b));
			errno = EBADMSG;
			return NULL;
		}
		const char *kept = rest;
		rest = end + 1 + strlen(BLOCK_END);
		bool our_newline =
		    !*rest && vb_added_final_newline(added) && begin > kept && begin[-1] == '\n';
		strbuf_printf(&b, "%.*s", (int)(begin - kept - our_newline), kept);
	}
	strbuf_printf(&b, "%s", rest);
	return strbuf_steal(&b);
}

void vb_words_add(StrBuf *b, const VbStrv *words, const char *s, size_t len, VbStrv *added)
{
	for (size_t i = 0; i < words->n; i++)
		if (!vb_has_word(s, len, words->v[i])) {
			strbuf_printf(b, " %s", words->v[i]);
			vb_strv_add(added, words->v[i]);
		}
}

void vb_words_drop(StrBuf *b, const char *s, size_t len, const VbStrv *added)
{
	char *copy = strndup(s, len);
	if (!copy)
		return;
	for (size_t i = 0; added && i < added->n; i++) {
		size_t wl = strlen(added->v[i]), cl = strlen(copy);
		for (size_t j = cl; j-- > 0;)
			if (copy[j] == ' ' && j + 1 + wl <= cl &&
			    memcmp(copy + j + 1, added->v[i], wl) == 0 &&
			    (j + 1 + wl == cl || copy[j + 1 + wl] == ' ')) {
				memmove(copy + j, copy + j + 1 + wl, cl - j - wl);
				break;
			}
	}
	strbuf_printf(b, "%s", copy);
	free(copy);
}
