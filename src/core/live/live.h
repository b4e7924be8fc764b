/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live binding, for the bind and unbind verbs: move devices between vfio-pci and their own
 * drivers now, through sysfs, without writing any configuration (like driverctl's
 * --nosave: a reboot undoes it). The sysfs written is the sysroot's; modules are loaded
 * only when the sysroot is the running system (/).
 */
#pragma once

#include "plan/plan.h"
#include "vb.h"

/* The devices bind moves, checked by the same policy as apply, with one difference: the
 * boot GPU is refused only while something uses it (the console, a display server). The
 * plan has devices, warnings and errors; no kernels, files or commands. */
int vb_live_plan(VbContext *ctx, const VbModel *m, const VbSelection *sel, bool force, VbPlan **ret);

/* What keeps a display device busy now: "the console (fbcon on fb0)",
 * "Xorg (pid 812) has /dev/dri/card0 open". Empty when nothing does. */
int vb_live_display_users(VbContext *ctx, const VbDevice *d, VbStrv *ret);

/* Gives d to vfio-pci: loads it if needed, sets driver_override, unbinds the current
 * driver, binds. *ret_driver: the driver bound afterwards (NULL: none). */
int vb_live_bind(VbContext *ctx, const VbDevice *d, char **ret_driver);
/* Which of nodes (device paths: "/dev/dri/card0") the process whose /proc directory is pdir
 * has open: its index, or nodes->n for none (another user's process needs root to tell). */
size_t vb_live_open_node(const char *pdir, const VbStrv *nodes);

/* Gives d back: clears driver_override, unbinds vfio-pci, loads the modules its modalias
 * resolves to in the running kernel and binds the first of their drivers that takes it. */
int vb_live_unbind(VbContext *ctx, const VbDevice *d, char **ret_driver);

/* ---- the pieces, for handoff ---------------------------------------------- */

/* Is the sysroot the running system ("/")? Modules are loaded and unloaded only there. */
bool vb_sysroot_is_live(const VbContext *ctx);
/* Writes value to a sysfs attribute (rel is below the sysroot), as a shell redirection. */
int vb_sysfs_write(VbContext *ctx, const char *rel, const char *value);
/* The driver bound to the device now (*ret NULL: none), read again from sysfs. */
int vb_live_driver(VbContext *ctx, const char *address, char **ret);
bool vb_live_driver_registered(VbContext *ctx, const char *driver);
/* Loads a module of the running kernel (-EOPNOTSUPP under another sysroot). */
int vb_live_load_module(VbContext *ctx, const char *name, bool run_install_commands);
