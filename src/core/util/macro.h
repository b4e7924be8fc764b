/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _must_check_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Defines a cleanup wrapper for a free function that takes NULL and returns NULL. */
#define DEFINE_POINTER_CLEANUP(type, func)                                                                   \
	static inline void func##p(type **p)                                                                 \
	{                                                                                                    \
		*p = func(*p);                                                                               \
	}

/* Hands ownership of a cleanup-managed pointer to the caller. */
#define TAKE_PTR(p)                                                                                          \
	({                                                                                                   \
		__typeof__(p) _taken = (p);                                                                  \
		(p) = NULL;                                                                                  \
		_taken;                                                                                      \
	})

static inline int negative_errno(int e)
{
	return e > 0 ? -e : -EIO;
}
