/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GRUB, three ways: with /etc/default/grub.d (Debian and its derivatives: a drop-in of ours,
 * update-grub), without it (a marked block in /etc/default/grub, grub-mkconfig), and with
 * BLS entries (Fedora, RHEL: the same block, and grubby for the entries' options). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../util/fileio.h"
#include "boot.h"
#include "file-part.h"

/* GRUB_CMDLINE_LINUX_DEFAULT with the words after the admin's: the _DEFAULT variable keeps
 * them off the recovery entries. */
static void default_line(StrBuf *b, const VbStrv *words)
{
	strbuf_printf(b, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT");
	for (size_t i = 0; i < words->n; i++)
		strbuf_printf(b, " %s", words->v[i]);
	strbuf_printf(b, "\"\n");
}

/* /etc/default/grub.d/vfio-boot.cfg: sourced by grub-mkconfig after /etc/default/grub. It
 * appends, so the admin's own parameters stay; recovery entries do not get them, and get
 * vfio-boot=off instead. */
static char *dropin_text(const char *header, const VbStrv *words)
{
	StrBuf b = {0};
	strbuf_printf(&b, "%s", header);
	if (words->n > 0)
		default_line(&b, words);
	strbuf_printf(&b, "# The way back: the \"recovery mode\" entries boot with every device left to\n"
			  "# its own driver.\n"
			  "GRUB_CMDLINE_LINUX_RECOVERY=\"$GRUB_CMDLINE_LINUX_RECOVERY vfio-boot=off\"\n");
	return strbuf_steal(&b);
}

static void update_grub(const VbTargets *t, const char *argv[VB_BOOT_COMMAND_ARGS])
{
	(void)t;
	argv[0] = "update-grub";
	argv[1] = NULL;
}

const VbParamsFile vb_params_grub_dropin = {
    .name = "grub",
    .path = "/etc/default/grub.d/vfio-boot.cfg",
    .text = dropin_text,
    .update = update_grub,
};

static bool block_wanted(const VbTargets *t, size_t n_words)
{
	(void)t;
	return n_words > 0;
}

/* /etc/default/grub where GRUB has no drop-in directory (Fedora, RHEL, openSUSE, Arch): a
 * block at the end, sourced by grub(2)-mkconfig after the admin's settings. */
static char *block_edit(const char *base, const VbStrv *words, VbStrv *added)
{
	StrBuf b = {0};
	default_line(&b, words);
	char *body = strbuf_steal(&b);
	char *text = body ? vb_block_append(base, body, added) : NULL;
	free(body);
	return text;
}

static void grub_mkconfig(const VbTargets *t, const char *argv[VB_BOOT_COMMAND_ARGS])
{
	argv[0] = t->grub_mkconfig;
	argv[1] = "-o";
	argv[2] = t->grub_cfg;
	argv[3] = t->grub_update_bls_cmdline ? "--update-bls-cmdline" : NULL;
	argv[4] = NULL;
}

const VbParamsFile vb_params_grub_block = {
    .name = "grub",
    .path = "/etc/default/grub",
    .wanted = block_wanted,
    .edit = block_edit,
    .unedit = vb_block_remove,
    .update = grub_mkconfig,
};

/* "KERNEL WORD" for every word of the options line of every BLS entry, KERNEL being the
 * entry's linux path as grubby names it (under /boot, whether /boot is its own file system
 * or not). */
static int bls_entry_words(const VbContext *ctx, VbStrv *pairs)
{
	_cleanup_free_ char *dir = NULL;
	if (vb_root_path(ctx, "boot/loader/entries", &dir) < 0)
		return -ENOMEM;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int r = 0;
	for (struct dirent *de; r >= 0 && (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *path = NULL, *text = NULL, *options = NULL;
		char kernel[512] = "";
		if (n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL) < 0)
			continue;
		char *save = NULL;
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			line += strspn(line, " \t");
			size_t key = strcspn(line, " \t");
			char *value = line + key + strspn(line + key, " \t");
			if (key == 5 && strncmp(line, "linux", 5) == 0 && value[0] == '/')
				snprintf(kernel, sizeof(kernel), "%s%.*s",
					 strncmp(value, "/boot/", 6) == 0 ? "" : "/boot",
					 (int)strcspn(value, " \t"), value);
			else if (key == 7 && strncmp(line, "options", 7) == 0 && !options &&
				 !(options = strdup(value)))
				r = -ENOMEM;
		}
		if (!kernel[0] || !options)
			continue;
		char *wsave = NULL;
		for (char *w = strtok_r(options, " \t", &wsave); w && r >= 0;
		     w = strtok_r(NULL, " \t", &wsave)) {
			_cleanup_free_ char *pair = NULL;
			r = asprintf(&pair, "%s %s", kernel, w) < 0 ? -ENOMEM : vb_strv_add(pairs, pair);
		}
	}
	closedir(d);
	return r;
}

/* The words every BLS entry has on its options line. No entry gives none. */
static int bls_common_words(const VbContext *ctx, VbStrv *words)
{
	_cleanup_(vb_strv_done) VbStrv pairs = {0}, kernels = {0};
	int r = bls_entry_words(ctx, &pairs);
	for (size_t i = 0; i < pairs.n && r >= 0; i++) {
		_cleanup_free_ char *k = strndup(pairs.v[i], strcspn(pairs.v[i], " "));
		r = k ? vb_strv_add(&kernels, k) : -ENOMEM;
	}
	for (size_t i = 0; i < pairs.n && r >= 0 && kernels.n > 0; i++) {
		const char *w = strchr(pairs.v[i], ' ') + 1;
		bool everywhere = true;
		for (size_t k = 0; k < kernels.n && everywhere; k++) {
			_cleanup_free_ char *pair = NULL;
			if (asprintf(&pair, "%s %s", kernels.v[k], w) < 0)
				return -ENOMEM;
			everywhere = vb_strv_contains(&pairs, pair);
		}
		if (everywhere)
			r = vb_strv_add(words, w);
	}
	return r;
}

/* grubby's BLS systems keep the entries' common options in /etc/kernel/cmdline; without it,
 * in the entries themselves. */
static int grubby_words(const VbContext *ctx, VbStrv *words)
{
	_cleanup_free_ char *text = NULL;
	if (vb_root_read(ctx, vb_params_kernel_cmdline.path, &text) < 0)
		return 0;
	if (!text)
		return bls_common_words(ctx, words);
	int r = 0;
	for (char *w = strtok(text, " \t\n"); w && r >= 0; w = strtok(NULL, " \t\n"))
		r = vb_strv_add(words, w);
	return r;
}

static const VbEntriesTool grubby = {
    .add = (const char *const[]){"grubby", "--update-kernel=ALL", "--args=@WORDS@", NULL},
    .remove = (const char *const[]){"grubby", "--update-kernel=ALL", "--remove-args=@WORDS@", NULL},
    .words = grubby_words,
    .pairs = bls_entry_words,
    .add_one = (const char *const[]){"grubby", "--update-kernel=@KERNEL@", "--args=@WORDS@", NULL},
};

/* The way back is GRUB's recovery entries, which the drop-in gives vfio-boot=off, unless the
 * admin turned them off: then *in is the file (under the root) that does. */
static int recovery_off(const VbContext *ctx, char **in)
{
	_cleanup_free_ char *dir = NULL;
	int r = vb_root_path(ctx, "etc/default/grub.d", &dir);
	if (r < 0)
		return r;
	const char *files[64] = {"etc/default/grub"};
	size_t n = 1;
	_cleanup_(vb_strv_done) VbStrv cfgs = {0};
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".cfg") == 0 &&
		    strcmp(de->d_name, "vfio-boot.cfg") != 0) {
			char rel[300];
			snprintf(rel, sizeof(rel), "etc/default/grub.d/%s", de->d_name);
			if ((r = vb_strv_add(&cfgs, rel)) < 0)
				break;
		}
	}
	if (d)
		closedir(d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cfgs.n && n < ELEMENTSOF(files); i++)
		files[n++] = cfgs.v[i]; /* grub-mkconfig sources them in this order, the last one wins */
	const char *disabled_in = NULL;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *text = NULL;
		if (vb_root_read(ctx, files[i], &text) < 0 || !text)
			continue;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			line += strspn(line, " \t");
			if (strncmp(line, "GRUB_DISABLE_RECOVERY=", 22) != 0)
				continue;
			const char *v = line + 22;
			bool on = strncmp(v, "true", 4) == 0 || strncmp(v, "\"true\"", 6) == 0 ||
				  strncmp(v, "'true'", 6) == 0;
			disabled_in = on ? files[i] : NULL;
		}
	}
	if (disabled_in && !(*in = strdup(disabled_in)))
		return -ENOMEM;
	return 0;
}

const VbBootloaderBackend vb_bootloader_grub_dropin = {
    .id = VB_BOOTLOADER_GRUB_DROPIN,
    .name = "grub-dropin",
    .description = N_("GRUB (/etc/default/grub.d, update-grub)"),
    .files = (const VbParamsFile *const[]){&vb_params_grub_dropin, NULL},
    /* the drop-in sets GRUB_CMDLINE_LINUX_DEFAULT, which recovery entries do not get */
    .way_back = N_("If the host does not come back, pick a \"recovery mode\" entry at the boot menu\n"
		   "(or add vfio-boot=off to the kernel command line there), then run 'vfio-boot "
		   "revert'.\n"),
    .way_back_off = recovery_off,
};

const VbBootloaderBackend vb_bootloader_grub = {
    .id = VB_BOOTLOADER_GRUB,
    .name = "grub",
    .description = N_("GRUB (/etc/default/grub, grub-mkconfig)"),
    .files = (const VbParamsFile *const[]){&vb_params_grub_block, NULL},
};

const VbBootloaderBackend vb_bootloader_grub_bls = {
    .id = VB_BOOTLOADER_GRUB_BLS,
    .name = "grub-bls",
    .description = N_("GRUB with BLS entries (/etc/default/grub, grubby)"),
    .files = (const VbParamsFile *const[]){&vb_params_grub_block, &vb_params_kernel_cmdline, NULL},
    .entries = &grubby,
};
