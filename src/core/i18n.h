/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages for people, translated through the "vfio-boot" catalogue (po/). The core names
 * its domain itself: it may be used by a program with another; the tool binds it in main(). */
#pragma once

#include <libintl.h>

#define _(s) dgettext("vfio-boot", s)
#define N_(s) (s)
/* singular or plural by n, in the language's own forms */
#define P_(s, p, n) dngettext("vfio-boot", s, p, n)
