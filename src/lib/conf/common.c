/* common.c - the small helpers cfg.c (the global keys) and the section
 * files (issuer.c, cimd.c) use: cfg.c -> issuer.c -> common.c, never
 * back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/cfg-int.h"
#include "jose/key.h"

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

/* algorithms = ES256 RS256 ...: never none, never HMAC. */
enum jf_err
cfg_algs(const struct ini_item *it, unsigned *algs, struct jf_msg *m)
{
	const char *p = it->value, *w;
	char name[16];
	enum jf_alg a;
	size_t len;

	*algs = 0;
	while ((w = cfg_next_word(&p, &len)) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)len, w);
		a = len < sizeof(name) ? jf_alg_from_name(name) : JF_ALG_NONE;
		if (a != JF_ALG_NONE) {
			*algs |= JF_ALG_BIT(a);
			continue;
		}
		if (strcasecmp(name, "none") == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: algorithms: "
			    "\"%s\" refused: it accepts unsigned tokens",
			    it->file, it->line, name);
		if (strncasecmp(name, "HS", 2) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: algorithms: "
			    "\"%s\" refused: HMAC keys are shared secrets, so "
			    "whoever verifies could also mint tokens", it->file,
			    it->line, name);
		return jf_fail(m, JF_E_CONFIG, "%s:%u: algorithms: expected "
		    "ES256, ES384, RS256, PS256 or EdDSA, got \"%.*s\"",
		    it->file, it->line, (int)(len > 64 ? 64 : len), w);
	}
	if (*algs == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: algorithms: expected "
		    "ES256, ES384, RS256, PS256 or EdDSA, got \"\"", it->file,
		    it->line);
	return JF_OK;
}

/* A key that may repeat and hold several words (audience): repeats are
 * merged, at most max in all. */
enum jf_err
cfg_words(const struct ini_item *it, char **out, size_t *n, size_t max,
	struct jf_msg *m)
{
	const char *p = it->value, *w;
	size_t len, i;
	int any = 0;

	while ((w = cfg_next_word(&p, &len)) != NULL) {
		any = 1;
		for (i = 0; i < *n; i++)
			if (strlen(out[i]) == len &&
			    memcmp(out[i], w, len) == 0)
				break;
		if (i < *n)
			continue;
		if (*n == max)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: more "
			    "than %zu values", it->file, it->line, it->key, max);
		if ((out[*n] = strndup(w, len)) == NULL)
			return cfg_nomem(m);
		(*n)++;
	}
	if (!any)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected one "
		    "or more values, got \"\"", it->file, it->line, it->key);
	return JF_OK;
}

/* yes or no. */
enum jf_err
cfg_yesno(const struct ini_item *it, int *out, struct jf_msg *m)
{
	if (strcmp(it->value, "yes") != 0 && strcmp(it->value, "no") != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected yes or no, "
		    "got \"%.64s\"", it->file, it->line, it->key, it->value);
	*out = strcmp(it->value, "yes") == 0;
	return JF_OK;
}

/* A file named in the configuration: relative to the configuration
 * file's directory, not to the working directory a spawner chose. */
char *
cfg_path_join(const struct cfg *c, const char *v)
{
	size_t len;
	char *p;

	if (v[0] == '/' || c->dir == NULL)
		return strdup(v);
	len = strlen(c->dir) + 1 + strlen(v) + 1;
	if ((p = malloc(len)) != NULL)
		snprintf(p, len, "%s/%s", c->dir, v);
	return p;
}
