/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int vb_message_setv(VbMessage *m, int level, const char *fix, const char *fmt, va_list ap)
{
	char *message, *f = NULL;
	if (vasprintf(&message, _(fmt), ap) < 0)
		return -ENOMEM;
	if (fix && !(f = strdup(_(fix)))) {
		free(message);
		return -ENOMEM;
	}
	m->level = level;
	m->message = message;
	m->fix = f;
	return 0;
}

int vb_messages_addv(VbMessages *l, const char *id, int level, const char *fix, const char *fmt, va_list ap)
{
	VbMessage *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = (VbMessage){.id = id};
	int r = vb_message_setv(&v[l->n], level, fix, fmt, ap);
	if (r < 0)
		return r;
	l->n++;
	return 0;
}

void vb_messages_done(VbMessages *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].message);
		free(l->v[i].fix);
	}
	free(l->v);
	*l = (VbMessages){0};
}
