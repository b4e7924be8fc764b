/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libraries loaded only when a verb needs them (libvirt, libxml2, libarchive): one
 * loader, so that a missing library or symbol reads the same wherever it is met. */
#pragma once

#include <stddef.h>

typedef struct VbDlSymbol {
	const char *name; /* as the library exports it */
	void **slot;	  /* where its address goes: (void **)&table.field */
} VbDlSymbol;

/* Opens soname and fills every slot; the library stays loaded for the life of the process.
 * -EOPNOTSUPP with *ret_error (for people, to free; NULL when out of memory) when it is not
 * installed ("PURPOSE needs SONAME (Debian: PACKAGE): ...") or lacks a symbol. purpose comes
 * translated. */
int vb_dl_load(const char *soname, const char *purpose, const char *package, const VbDlSymbol *syms,
	       size_t n_syms, char **ret_error);
