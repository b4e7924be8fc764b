/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel command line words: "key", "key=value", values may be double-quoted. */
#include <string.h>

#include "probe.h"

/* Calls fn for each word; stops and returns true when fn does. */
static bool for_each_word(const char *s, bool (*fn)(const char *w, size_t n, void *ud), void *ud)
{
	while (s && *s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		const char *start = s;
		bool quoted = false;
		for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++)
			if (*s == '"')
				quoted = !quoted;
		if (fn(start, (size_t)(s - start), ud))
			return true;
	}
	return false;
}

typedef struct Match {
	const char *key, *value;
	size_t key_len; /* the key need not end at a NUL: "key=value" is matched in place */
} Match;

/* Module parameters treat '-' and '_' alike in the key ("vfio-pci.ids" == "vfio_pci.ids"). */
static bool key_equal(const char *w, size_t n, const char *key, size_t kl)
{
	size_t i = 0;
	for (; i < n && i < kl; i++) {
		char a = w[i] == '-' ? '_' : w[i], b = key[i] == '-' ? '_' : key[i];
		if (a != b)
			return false;
	}
	return i == kl && (i == n || w[i] == '=');
}

static bool value_matches(const char *w, size_t n, void *ud)
{
	const Match *m = ud;
	size_t kl = m->key_len;
	if (!key_equal(w, n, m->key, kl))
		return false;
	if (!m->value)
		return true;
	if (kl >= n)
		return false;
	const char *v = w + kl + 1;
	size_t vl = n - kl - 1;
	if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
		v++, vl -= 2;
	size_t want = strlen(m->value);
	if (vl == want && strncmp(v, m->value, vl) == 0)
		return true;
	/* options such as intel_iommu=on,sm_on are comma lists: match any element */
	for (const char *p = v; p < v + vl;) {
		const char *c = memchr(p, ',', (size_t)(v + vl - p));
		size_t el = c ? (size_t)(c - p) : (size_t)(v + vl - p);
		if (el == want && strncmp(p, m->value, el) == 0)
			return true;
		p += el + 1;
	}
	return false;
}

bool vb_cmdline_has(const char *cmdline, const char *key, const char *value)
{
	Match m = {key, value, strlen(key)};
	return for_each_word(cmdline, value_matches, &m);
}

bool vb_cmdline_has_param(const char *cmdline, const char *param)
{
	const char *eq = strchr(param, '=');
	Match m = {param, eq ? eq + 1 : NULL, eq ? (size_t)(eq - param) : strlen(param)};
	return for_each_word(cmdline, value_matches, &m);
}
