/* common.c - the small helpers cfg.c (the global keys) and issuer.c (the
 * [issuer] sections) both use: cfg.c -> issuer.c -> common.c, never
 * back. */
#include "config.h"

#include <stddef.h>

#include "conf/cfg-int.h"

enum jf_err
cfg_nomem(struct jf_msg *m)
{
	return jf_fail(m, JF_E_NOMEM, "out of memory");
}

/* The next word separated by spaces or tabs, or NULL at the end. */
const char *
cfg_next_word(const char **p, size_t *len)
{
	const char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - w);
	*p = s;
	return w;
}

/* A key that may appear once per section: remember where it was set. */
enum jf_err
cfg_once(const struct ini_item *it, unsigned *line, struct jf_msg *m)
{
	if (*line != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: already set on "
		    "line %u", it->file, it->line, it->key, *line);
	*line = it->line;
	return JF_OK;
}

