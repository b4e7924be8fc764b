/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status: the selection (as planned) against the manifest, the files on disk, the drivers
 * bound now and the booted command line, with a reason for every difference. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "../paths.h"
#include "../util/atomic-file.h"
#include "../util/fileio.h"
#include "apply.h"

const char *vb_file_state_name(VbFileState s)
{
	/* TRANSLATORS: status's word for a file, in a column nine wide (the JSON keeps the
	 * English) */
	static const char *const names[] = {N_("ok"), N_("modified"), N_("missing"), N_("pending")};
	return names[s];
}

const char *vb_rebuild_text(VbRebuild r)
{
	/* TRANSLATORS: what became of the rebuild of the boot images (feminine in Spanish:
	 * la reconstrucción) */
	static const char *const text[] = {
	    [VB_REBUILD_NONE] = N_("done"),	  [VB_REBUILD_PENDING] = N_("pending"),
	    [VB_REBUILD_DONE] = N_("done"),	  [VB_REBUILD_LISTED] = N_("listed"),
	    [VB_REBUILD_FAILED] = N_("failed"),	  [VB_REBUILD_SKIPPED] = N_("skipped"),
	    [VB_REBUILD_UNKNOWN] = N_("unknown"),
	};
	return _(text[r]);
}

VbStatus *vb_status_free(VbStatus *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].diagnosis);
	free(s->devices);
	free(s->files);
	vb_strv_done(&s->cmdline_missing);
	vb_strv_done(&s->rebuild_pending);
	free(s);
	return NULL;
}

/* Boot time from proc/stat's btime, 0 when unknown. */
static long long boot_time(const VbContext *ctx)
{
	_cleanup_free_ char *p = NULL, *text = NULL;
	if (vb_sysroot_path(ctx, VB_PROC_STAT, &p) < 0 || read_file_at(AT_FDCWD, p, 1 << 20, &text, NULL) < 0)
		return 0;
	const char *b = strstr(text, "\nbtime ");
	long long t = 0;
	return b && sscanf(b, "\nbtime %lld", &t) == 1 ? t : 0;
}

static char *diagnose(const VbStatus *s, const VbPlan *p, const VbState *st, const VbDevice *d)
{
	char *out = NULL;
	int n = -1;
	if (s->kill_switch)
		n = asprintf(
		    &out, _("vfio-boot=off is on the booted kernel command line: binding was switched off"));
	else if (!st)
		n = asprintf(&out, _("not applied ('vfio-boot apply' and a reboot would bind it)"));
	else if (st->interrupted)
		n = asprintf(&out, _("an apply was interrupted before it finished: run 'vfio-boot apply' "
				     "(or 'vfio-boot revert') and reboot"));
	else if (s->reboot_pending)
		n = asprintf(&out, _("applied after this boot: reboot to bind it"));
	else if (vb_rebuild_owed(st->rebuild)) {
		_cleanup_free_ char *left = vb_strv_join(&st->rebuild_pending, ", ");
		n = left && st->rebuild_pending.n > 0
			? asprintf(&out,
				   _("the boot files are not all rebuilt (%s%s%s; still to run: %s): run "
				     "'vfio-boot apply' again"),
				   vb_rebuild_text(st->rebuild), st->rebuild_detail ? ": " : "",
				   st->rebuild_detail ? st->rebuild_detail : "", left)
			: asprintf(&out,
				   _("the initramfs images were not rebuilt (%s%s%s): run 'vfio-boot apply' "
				     "again"),
				   vb_rebuild_text(st->rebuild), st->rebuild_detail ? ": " : "",
				   st->rebuild_detail ? st->rebuild_detail : "");
	} else if (s->cmdline_missing.n > 0 && p->targets.bootloader == VB_BOOTLOADER_NONE)
		n = asprintf(&out,
			     _("the booted command line lacks %s: no boot loader was found, so the "
			       "parameters are yours to add ('vfio-boot plan' lists them)"),
			     s->cmdline_missing.v[0]);
	else if (s->cmdline_missing.n > 0)
		n = asprintf(&out,
			     _("the booted command line lacks %s: the boot loader configuration was not "
			       "regenerated, or another boot entry was used"),
			     s->cmdline_missing.v[0]);
	else if (d->driver && p->method == VB_METHOD_ADDRESS)
		n = asprintf(&out,
			     _("%s bound it: the boot-time helper did not run or skipped it; see "
			       "'dmesg | grep vfio-boot' and check that the image holds vfio-boot-bind"),
			     d->driver);
	else if (d->driver)
		n = asprintf(&out,
			     _("%s bound it before vfio-pci: check that the image holds "
			       "/etc/modprobe.d/vfio-boot.conf and vfio-pci (lsinitramfs), and that %s is "
			       "not built in"),
			     d->driver, d->driver);
	else
		n = asprintf(
		    &out, _("no driver is bound: vfio-pci was not loaded (is it in the initramfs image?)"));
	return n < 0 ? NULL : out;
}

bool vb_plan_needs_reboot(const VbPlan *p)
{
	const char *cmdline = p->model->host.cmdline ? p->model->host.cmdline : "";
	for (size_t i = 0; i < p->n_devices; i++) {
		const char *driver = p->devices[i].dev->driver;
		if (!driver || strcmp(driver, "vfio-pci") != 0)
			return true;
	}
	for (size_t i = 0; i < p->cmdline.n; i++)
		if (!vb_cmdline_has_param(cmdline, p->cmdline.v[i]))
			return true;
	return false;
}

bool vb_model_has_vfio_bound(const VbModel *m)
{
	for (size_t i = 0; i < m->n_devices; i++)
		if (m->devices[i].driver && strcmp(m->devices[i].driver, "vfio-pci") == 0)
			return true;
	return false;
}

int vb_note_reboot_required(VbContext *ctx, const VbTargets *targets)
{
	static const char package[] = "vfio-boot";
	if (!targets->debian_like)
		return 0;
	_cleanup_close_ int fd = -1;
	int r = open_dir_beneath(vb_context_root(ctx), "run", false, &fd);
	if (r == -ENOENT)
		return 0; /* a staged root without /run: nothing boots from it yet */
	if (r < 0)
		return vb_log_errno(ctx, r, "failed to open %s/run%s", vb_context_root(ctx), beneath_hint(r));
	/* the text Ubuntu's update-notifier writes; apt's and needrestart's readers look only
	 * at the file's existence */
	static const char flag[] = "*** System restart required ***\n";
	if ((r = write_file_atomic_at(fd, "reboot-required", flag, sizeof(flag) - 1, 0644)) < 0)
		return vb_log_errno(ctx, r, "failed to write /run/reboot-required");
	_cleanup_free_ char *listed = NULL;
	r = read_file_at(fd, "reboot-required.pkgs", 1 << 20, &listed, NULL);
	if (r < 0 && r != -ENOENT)
		return vb_log_errno(ctx, r, "failed to read /run/reboot-required.pkgs");
	for (const char *l = listed; l && *l;) {
		size_t n = strcspn(l, "\n");
		if (n == strlen(package) && strncmp(l, package, n) == 0)
			return 0;
		l += n + (l[n] == '\n');
	}
	size_t have = listed ? strlen(listed) : 0;
	_cleanup_free_ char *text = NULL;
	if (asprintf(&text, "%s%s%s\n", listed ? listed : "", have && listed[have - 1] != '\n' ? "\n" : "",
		     package) < 0)
		return -ENOMEM;
	if ((r = write_file_atomic_at(fd, "reboot-required.pkgs", text, strlen(text), 0644)) < 0)
		return vb_log_errno(ctx, r, "failed to write /run/reboot-required.pkgs");
	return 0;
}

int vb_status(VbContext *ctx, const VbPlan *p, VbStatus **ret)
{
	VbStatus *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	VbState *st = NULL;
	int r = vb_state_load(ctx, &st);
	if (r < 0 && r != -ENOENT) {
		vb_status_free(s);
		return r;
	}
	r = 0;
	s->applied = st != NULL;
	s->interrupted = st && st->interrupted;
	const char *cmdline = p->model->host.cmdline ? p->model->host.cmdline : "";
	s->kill_switch = vb_cmdline_has(cmdline, "vfio-boot", "off");
	if (st) {
		s->rebuild = st->rebuild;
		for (size_t i = 0; i < st->rebuild_pending.n && r >= 0; i++)
			r = vb_strv_append(&s->rebuild_pending, st->rebuild_pending.v[i]);
		long long bt = boot_time(ctx);
		s->reboot_pending = bt > 0 && st->applied_at > bt;
		for (size_t i = 0; i < st->cmdline.n && r >= 0; i++)
			if (!vb_cmdline_has_param(cmdline, st->cmdline.v[i]))
				r = vb_strv_add(&s->cmdline_missing, st->cmdline.v[i]);
	}

	/* files: what the manifest recorded against the disk, and what the plan would change */
	s->files = calloc((st ? st->n_files : 0) + p->n_files + 1, sizeof(*s->files));
	s->devices = calloc(p->n_devices + 1, sizeof(*s->devices));
	if (!s->files || !s->devices)
		r = -ENOMEM;
	for (size_t i = 0; st && i < st->n_files && r >= 0; i++) {
		const VbStateFile *f = &st->files[i];
		_cleanup_free_ char *full = NULL, *text = NULL;
		VbFileState fs = VB_FS_OK;
		if ((r = vb_root_path(ctx, f->path, &full)) < 0)
			break;
		if (read_file_at(AT_FDCWD, full, 16 * 1024 * 1024, &text, NULL) < 0)
			fs = VB_FS_MISSING;
		else {
			char hash[65];
			vb_sha256_hex(text, strlen(text), hash);
			fs = strcmp(hash, f->sha256) == 0 ? VB_FS_OK : VB_FS_MODIFIED;
		}
		bool planned_unchanged = f->edit; /* an admin's file the plan leaves alone holds our part */
		for (size_t j = 0; j < p->n_files; j++)
			if (strcmp(p->files[j].path, f->path) == 0) {
				planned_unchanged = p->files[j].action == VB_FILE_UNCHANGED;
				if (p->files[j].action != VB_FILE_UNCHANGED && fs == VB_FS_OK)
					fs = VB_FS_PENDING; /* the selection changed since apply */
			}
		/* in a file we add a part to, the admin's own edits are theirs to make: only whether
		 * our part is as the plan wants it counts (apply moves the GRUB block back to the
		 * end, after an assignment added below it) */
		if (f->edit && fs == VB_FS_MODIFIED)
			fs = planned_unchanged ? VB_FS_OK : VB_FS_PENDING;
		/* the manifest's strings die with it: point at the plan's static paths */
		const VbGenerator *g = vb_generator_for_path(f->path);
		s->files[s->n_files++] = (VbStatusFile){g ? g->path : "(unknown)", fs};
	}
	for (size_t j = 0; j < p->n_files && r >= 0; j++) {
		bool listed = false;
		for (size_t i = 0; i < s->n_files; i++)
			listed = listed || strcmp(s->files[i].path, p->files[j].path) == 0;
		if (!listed && p->files[j].action != VB_FILE_UNCHANGED)
			s->files[s->n_files++] = (VbStatusFile){p->files[j].path, VB_FS_PENDING};
	}

	bool sync = r >= 0 && !s->reboot_pending && !s->kill_switch && !s->interrupted &&
		    s->cmdline_missing.n == 0 && (!st || !vb_rebuild_owed(st->rebuild));
	for (size_t i = 0; i < s->n_files; i++)
		sync = sync && s->files[i].state == VB_FS_OK;
	for (size_t i = 0; i < p->n_devices && r >= 0; i++) {
		VbStatusDevice *sd = &s->devices[s->n_devices++];
		sd->dev = p->devices[i].dev;
		sd->bound = sd->dev->driver && strcmp(sd->dev->driver, "vfio-pci") == 0;
		if (!sd->bound && !(sd->diagnosis = diagnose(s, p, st, sd->dev)))
			r = -ENOMEM;
		sync = sync && sd->bound;
	}
	s->in_sync = sync && p->errors.n == 0;
	vb_state_free(st);
	if (r < 0)
		return vb_status_free(s), r;
	*ret = s;
	return 0;
}
