/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only file that talks to libkmod. One kmod context per target kernel, opened on that
 * kernel's module directory under the root, with no modprobe.d configuration: we ask what
 * the kernel has, not what the admin configured.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../internal.h"

struct VbModules {
	const VbContext *vb;
	struct kmod_ctx *kmod;
};

/* libkmod's own messages are for developers: under -vv, one line each (they end in a
 * newline). What a failed lookup means for the user is said by the caller, in our words. */
_printf_(6, 0) static void kmod_log_to_vb(void *data, int priority, const char *file, int line,
					  const char *fn, const char *format, va_list args)
{
	(void)priority, (void)file, (void)line;
	const VbContext *ctx = data;
	char buf[512];
	vsnprintf(buf, sizeof(buf), format, args);
	buf[strcspn(buf, "\n")] = 0;
	vb_debug(ctx, "libkmod: %s: %s", fn, buf);
}

static void set_log(struct kmod_ctx *kmod, const VbContext *ctx)
{
	kmod_set_log_fn(kmod, kmod_log_to_vb, (void *)ctx);
	/* its informational messages too under -vv (libkmod's own default is errors only) */
	if (ctx->log_max >= VB_LOG_DEBUG)
		kmod_set_log_priority(kmod, LOG_INFO);
}

int vb_modules_open(VbContext *ctx, const VbKernel *k, VbModules **ret)
{
	static const char *const no_config[] = {NULL};
	/* without its index libkmod finds no module at all, and "vfio is missing" would be a
	 * wrong diagnosis */
	_cleanup_free_ char *index = vb_path_join(k->moddir, "modules.dep.bin");
	if (!index)
		return -ENOMEM;
	if (access(index, R_OK) < 0)
		return -ENOENT; /* the caller says it: check in its report, plan as an error */
	VbModules *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->vb = ctx;
	m->kmod = kmod_new(k->moddir, no_config);
	if (!m->kmod) {
		free(m);
		return vb_log_errno(ctx, -ENOMEM, "failed to open the module indexes in %s", k->moddir);
	}
	set_log(m->kmod, ctx);
	*ret = m;
	return 0;
}

int vb_modules_open_running(VbContext *ctx, VbModules **ret)
{
	VbModules *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->vb = ctx;
	m->kmod = kmod_new(NULL, NULL); /* the running kernel's directory, the system's modprobe.d */
	if (m->kmod)
		set_log(m->kmod, ctx); /* before loading: it logs its failures */
	if (!m->kmod || kmod_load_resources(m->kmod) < 0) {
		kmod_unref(m->kmod);
		free(m);
		return vb_fail(ctx, -ENOENT,
			       "cannot read the running kernel's module indexes (under /lib/modules)");
	}
	*ret = m;
	return 0;
}

int vb_modules_load(VbModules *m, const char *name, bool run_install_commands)
{
	struct kmod_list *list = NULL, *it;
	int r = kmod_module_new_from_lookup(m->kmod, name, &list);
	if (r < 0)
		return vb_log_errno(m->vb, r, "failed to look up %s", name);
	if (!list)
		return vb_fail(m->vb, -ENOENT, "no module %s in the running kernel", name);
	/* like modprobe: options and softdeps from modprobe.d; the blacklist only for aliases */
	unsigned flags =
	    KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY | (run_install_commands ? 0 : KMOD_PROBE_IGNORE_COMMAND);
	kmod_list_foreach(it, list)
	{
		struct kmod_module *mod = kmod_module_get_module(it);
		int k = kmod_module_probe_insert_module(mod, flags, NULL, NULL, NULL, NULL);
		if (k < 0 && k != -EEXIST && r >= 0)
			r = vb_log_errno(m->vb, k, "failed to load %s", kmod_module_get_name(mod));
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return r < 0 ? r : 0;
}

int vb_modules_unload(VbModules *m, const char *name)
{
	struct kmod_module *mod = NULL;
	int r = kmod_module_new_from_name(m->kmod, name, &mod);
	if (r < 0)
		return vb_log_errno(m->vb, r, "failed to look up %s", name);
	/* no KMOD_REMOVE_FORCE: a module in use stays, and says so (EBUSY) */
	r = kmod_module_remove_module(mod, 0);
	kmod_module_unref(mod);
	if (r < 0 && r != -ENOENT)
		return vb_log_errno(m->vb, r, "failed to unload %s", name);
	return 0;
}

VbModules *vb_modules_free(VbModules *m)
{
	if (!m)
		return NULL;
	kmod_unref(m->kmod);
	free(m);
	return NULL;
}

VbModuleState vb_modules_state(VbModules *m, const char *name)
{
	struct kmod_module *mod = NULL;
	/* finds a loadable module (modules.dep) or a built-in one (modules.builtin) */
	if (kmod_module_new_from_name_lookup(m->kmod, name, &mod) < 0 || !mod)
		return VB_MODULE_ABSENT;
	VbModuleState s = kmod_module_get_path(mod) ? VB_MODULE_LOADABLE : VB_MODULE_BUILTIN;
	kmod_module_unref(mod);
	return s;
}

int vb_modules_for_alias(VbModules *m, const char *alias, int (*fn)(const char *name, bool builtin, void *ud),
			 void *ud)
{
	struct kmod_list *list = NULL, *it;
	int r = kmod_module_new_from_lookup(m->kmod, alias, &list);
	if (r < 0)
		return vb_log_errno(m->vb, r, "failed to look up %s", alias);
	r = 0;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *mod = kmod_module_get_module(it);
		const char *name = kmod_module_get_name(mod);
		/* vfio-pci's own alias (vfio_pci:...) never matches a pci: modalias, but be sure */
		if (r == 0 && strcmp(name, "vfio_pci") != 0)
			r = fn(name, kmod_module_get_path(mod) == NULL, ud);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return r;
}
