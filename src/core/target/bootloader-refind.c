/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rEFInd: /boot/refind_linux.conf, our words on each line, and a line of ours with
 * vfio-boot=off as the way back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "boot.h"
#include "file-part.h"

#define RECOVERY_LABEL "\"vfio-boot: every device with its own driver (vfio-boot=off)\""

/* The options string of a refind_linux.conf line, "Label" "options": where its text starts
 * and how long it is; false for a comment or a line without it. */
static bool line_options(const char *line, size_t len, size_t *start, size_t *olen)
{
	size_t q[4], n = 0;
	for (size_t i = 0; i < len && n < 4; i++)
		if (line[i] == '"')
			q[n++] = i;
	if (n < 4 || line[strspn(line, " \t")] == '#')
		return false;
	*start = q[2] + 1;
	*olen = q[3] - q[2] - 1;
	return true;
}

/* Our words at the end of every line's options, and one more line that boots with
 * vfio-boot=off (the way back, under F2 or Insert in rEFInd's menu). A line may have had
 * some of the words already: the words added are recorded per line, as "N:word" for the Nth
 * line with options. */
static char *refind_edit(const char *base, const VbStrv *words, VbStrv *added)
{
	StrBuf b = {0};
	char *first = NULL;
	unsigned k = 0;
	for (const char *line = base; *line;) {
		size_t len = strcspn(line, "\n"), start, olen;
		if (line_options(line, len, &start, &olen)) {
			if (!first)
				first = strndup(line + start, olen);
			strbuf_printf(&b, "%.*s", (int)(start + olen), line);
			VbStrv mine = {0};
			vb_words_add(&b, words, line + start, olen, &mine);
			for (size_t i = 0; i < mine.n; i++) {
				_cleanup_free_ char *tagged = NULL;
				if (asprintf(&tagged, "%u:%s", k, mine.v[i]) < 0)
					added->failed = true;
				else
					vb_strv_add(added, tagged);
			}
			vb_strv_done(&mine);
			k++;
			strbuf_printf(&b, "%.*s", (int)(len - start - olen), line + start + olen);
		} else
			strbuf_printf(&b, "%.*s", (int)len, line);
		line += len;
		if (*line == '\n')
			line++;
		else
			vb_strv_add(added, VB_ADDED_FINAL_NEWLINE);
		strbuf_printf(&b, "\n");
	}
	strbuf_printf(&b, RECOVERY_LABEL " \"%s vfio-boot=off\"\n", first ? first : "");
	free(first);
	return strbuf_steal(&b);
}

static char *refind_unedit(const char *current, const VbStrv *added)
{
	StrBuf b = {0};
	unsigned k = 0;
	for (const char *line = current; *line;) {
		size_t len = strcspn(line, "\n"), start, olen;
		bool nl = line[len] == '\n';
		if (strncmp(line, RECOVERY_LABEL, strlen(RECOVERY_LABEL)) == 0)
			; /* our line */
		else if (line_options(line, len, &start, &olen)) {
			/* the words this line got: "k:word" */
			VbStrv mine = {0};
			char prefix[16];
			int pl = snprintf(prefix, sizeof(prefix), "%u:", k++);
			for (size_t i = 0; added && i < added->n; i++)
				if (strncmp(added->v[i], prefix, (size_t)pl) == 0)
					vb_strv_add(&mine, added->v[i] + pl); /* mine.failed: checked below */
			if (mine.failed) {
				vb_strv_done(&mine);
				free(strbuf_steal(&b));
				errno = ENOMEM;
				return NULL;
			}
			strbuf_printf(&b, "%.*s", (int)start, line);
			vb_words_drop(&b, line + start, olen, &mine);
			vb_strv_done(&mine);
			strbuf_printf(&b, "%.*s%s", (int)(len - start - olen), line + start + olen,
				      nl ? "\n" : "");
		} else
			strbuf_printf(&b, "%.*s%s", (int)len, line, nl ? "\n" : "");
		line += len + nl;
	}
	/* the newline edit gave the last line, when our recovery line still follows it */
	char *text = strbuf_steal(&b);
	size_t tl = text ? strlen(text) : 0, cl = strlen(current);
	if (cl && current[cl - 1] == '\n')
		cl--;
	const char *last = memrchr(current, '\n', cl);
	last = last ? last + 1 : current;
	if (tl && text[tl - 1] == '\n' && vb_added_final_newline(added) &&
	    strncmp(last, RECOVERY_LABEL, strlen(RECOVERY_LABEL)) == 0)
		text[tl - 1] = 0;
	return text;
}

const VbParamsFile vb_params_refind = {
    .name = "refind",
    .path = "/boot/refind_linux.conf",
    .edit = refind_edit,
    .unedit = refind_unedit,
};

const VbBootloaderBackend vb_bootloader_refind = {
    .id = VB_BOOTLOADER_REFIND,
    .name = "refind",
    .description = N_("rEFInd (/boot/refind_linux.conf)"),
    .files = (const VbParamsFile *const[]){&vb_params_refind, NULL},
    .way_back = N_("If the host does not come back, pick the rEFInd entry with vfio-boot=off, then "
		   "run\n'vfio-boot revert'.\n"),
};
