/* issuer.c - the [issuer ISS] sections of the authorizer's
 * configuration: algorithms, audience, typ, require_bound and key files,
 * line by line, then (from cfg.c's finish) loading each key file and
 * checking every key it holds against the issuer's final algorithm list.
 *
 * A key that can do none of the issuer's algorithms is a configuration
 * error, not a key silently never used; a private key is refused because
 * the authorizer only ever verifies.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/cfg.h"
#include "conf/cfg-int.h"
#include "conf/ini.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "net/fetch.h"

/* Keys valid only before the first section: named when misplaced. */
static const char *const global_keys[] = {
	"realm", "leeway", "max_token_bytes", "log_level", "claim_var",
	"cache_entries", "fetch_allow", "fetch_ca_file", "fetch_timeout",
	"fetch_http_for_tests", "jwks_refresh", "jwks_refresh_min",
	"jwks_cooldown", "jwks_max_stale", "jwks_cold_wait", "cimd_max_bytes",
	"cimd_refresh", "cimd_max_stale", "cimd_idle", "access_token_issuer",
	"access_token_key", "access_token_lifetime", "status_refresh",
	"status_refresh_min", "status_max_stale",
};

static enum jf_err add_src(struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err set_remote(const struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
static void alg_list(unsigned algs, char *buf, size_t size);
static enum jf_err set_status(struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err set_status_uris(const struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
static size_t origin_len(const char *u);
static enum jf_err check_key(const struct cfg *c, const struct cfg_iss *is,
	const struct cfg_src *src, const struct jf_key *k, struct jf_msg *m);

/* jwks_uri = URL, or metadata = URL (RFC 8414, whose jwks_uri is then
 * used): one remote source per issuer, checked against the fetcher's
 * rules now rather than failing in the background later. */
static enum jf_err
set_remote(const struct cfg *c, struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m)
{
	struct jf_msg why;

	if (is->remote != NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: [issuer %.64s] "
		    "already has a remote key source on line %u (one of "
		    "jwks_uri or metadata)", it->file, it->line, it->key,
		    is->iss, is->remote_line);
	why.s[0] = '\0';
	if (fetch_url_check(it->value, c->fetch.opts.allow_http, &why) != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: %s", it->file,
		    it->line, it->key, why.s);
	if ((is->remote = strdup(it->value)) == NULL)
		return cfg_nomem(m);
	is->remote_is_meta = strcmp(it->key, "metadata") == 0;
	is->remote_line = it->line;
	return JF_OK;
}

/* status = off | optional | required (Token Status Lists). */
static enum jf_err
set_status(struct cfg_iss *is, const struct ini_item *it, struct jf_msg *m)
{
	enum jf_err rc;

	if ((rc = cfg_once(it, &is->status_line, m)) != JF_OK)
		return rc;
	if (strcmp(it->value, "off") == 0)
		is->status = CFG_STATUS_OFF;
	else if (strcmp(it->value, "optional") == 0)
		is->status = CFG_STATUS_OPTIONAL;
	else if (strcmp(it->value, "required") == 0)
		is->status = CFG_STATUS_REQUIRED;
	else
		return jf_fail(m, JF_E_CONFIG, "%s:%u: status: expected off, "
		    "optional or required, got \"%.64s\"", it->file, it->line,
		    it->value);
	return JF_OK;
}

/* status_list_uris = URL ...: where this issuer's lists may be fetched
 * from; an entry ending in "/" is a prefix, any other is one list,
 * fetched from start. Checked against the fetcher's rules now. */
static enum jf_err
set_status_uris(const struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m)
{
	struct jf_msg why;
	size_t i, before = is->nstatus_uris;
	enum jf_err rc;

	if ((rc = cfg_words(it, is->status_uris, &is->nstatus_uris,
	    CFG_MAX_STATUS_URIS, m)) != JF_OK)
		return rc;
	for (i = before; i < is->nstatus_uris; i++) {
		why.s[0] = '\0';
		if (fetch_url_check(is->status_uris[i],
		    c->fetch.opts.allow_http, &why) != JF_OK)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: %s",
			    it->file, it->line, it->key, why.s);
		if (strchr(is->status_uris[i], '?') != NULL &&
		    is->status_uris[i][strlen(is->status_uris[i]) - 1] == '/')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: a prefix "
			    "ending in \"/\" cannot have a query", it->file,
			    it->line, it->key);
	}
	return JF_OK;
}

static enum jf_err
add_src(struct cfg *c, struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m)
{
	struct cfg_src *src;
	const char *v = it->value;
	size_t len;

	if (*v == '\0')
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected a file "
		    "name, got \"\"", it->file, it->line, it->key);
	if (is->nsrc == CFG_MAX_SOURCES)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: more than %d key "
		    "files for one issuer", it->file, it->line, it->key,
		    CFG_MAX_SOURCES);
	src = &is->src[is->nsrc];
	src->is_jwks = strcmp(it->key, "jwks_file") == 0;
	src->line = it->line;
	/* Relative to the configuration file, not to the working directory,
	 * which a FastCGI spawner chooses. */
	len = strlen(v) + (v[0] == '/' || c->dir == NULL ? 0 :
	    strlen(c->dir) + 1) + 1;
	if ((src->path = malloc(len)) == NULL)
		return cfg_nomem(m);
	if (v[0] == '/' || c->dir == NULL)
		memcpy(src->path, v, len);
	else
		snprintf(src->path, len, "%s/%s", c->dir, v);
	is->nsrc++;
	return JF_OK;
}

enum jf_err
cfg_set_issuer_key(struct cfg *c, struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m)
{
	enum jf_err rc;
	size_t i;

	if (strcmp(it->key, "jwks_file") == 0 ||
	    strcmp(it->key, "key_file") == 0)
		return add_src(c, is, it, m);
	if (strcmp(it->key, "jwks_uri") == 0 ||
	    strcmp(it->key, "metadata") == 0)
		return set_remote(c, is, it, m);
	if (strcmp(it->key, "algorithms") == 0) {
		if ((rc = cfg_once(it, &is->algs_line, m)) != JF_OK)
			return rc;
		return cfg_algs(it, &is->algs, m);
	}
	if (strcmp(it->key, "audience") == 0)
		return cfg_words(it, is->aud, &is->naud, CFG_MAX_AUD, m);
	if (strcmp(it->key, "require_bound") == 0) {
		if ((rc = cfg_once(it, &is->bound_line, m)) != JF_OK)
			return rc;
		return cfg_yesno(it, &is->require_bound, m);
	}
	if (strcmp(it->key, "status") == 0)
		return set_status(is, it, m);
	if (strcmp(it->key, "status_list_uris") == 0)
		return set_status_uris(c, is, it, m);
	if (strcmp(it->key, "typ") == 0) {
		if ((rc = cfg_once(it, &is->typ_line, m)) != JF_OK)
			return rc;
		if (*it->value == '\0' || strpbrk(it->value, " \t") != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: typ: expected "
			    "one media type such as at+jwt, got \"%.64s\"",
			    it->file, it->line, it->value);
		if ((is->typ = strdup(it->value)) == NULL)
			return cfg_nomem(m);
		return JF_OK;
	}
	for (i = 0; i < sizeof(global_keys) / sizeof(global_keys[0]); i++)
		if (strcmp(it->key, global_keys[i]) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key "
			    "\"%s\" in [issuer %.64s] (global keys go before "
			    "the first section)", it->file, it->line, it->key,
			    is->iss);
	return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%.64s\" in "
	    "[issuer %.64s]", it->file, it->line, it->key, is->iss);
}

enum jf_err
cfg_new_issuer(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg_iss *is;
	size_t i;

	if (strcmp(it->section, "issuer") != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown section "
		    "[%.64s] (expected issuer, cimd or resource)", it->file,
		    it->line, it->section);
	if (it->arg == NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer]: expected the "
		    "exact \"iss\" value, as in [issuer https://mint.example]",
		    it->file, it->line);
	if (strpbrk(it->arg, " \t") != NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer]: expected an "
		    "\"iss\" value without blanks, got \"%.64s\"", it->file,
		    it->line, it->arg);
	for (i = 0; i < c->niss; i++)
		if (strcmp(c->iss[i]->iss, it->arg) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: duplicate "
			    "[issuer %.64s] (first on line %u)", it->file,
			    it->line, it->arg, c->iss[i]->line);
	if (c->niss == CFG_MAX_ISSUERS)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: more than %d issuers",
		    it->file, it->line, CFG_MAX_ISSUERS);
	if ((is = calloc(1, sizeof(*is))) == NULL)
		return cfg_nomem(m);
	c->iss[c->niss++] = is;
	is->line = it->line;
	is->status = CFG_STATUS_OPTIONAL;
	if ((is->iss = strdup(it->arg)) == NULL)
		return cfg_nomem(m);
	return JF_OK;
}

/* "ES256 RS256" for messages. */
static void
alg_list(unsigned algs, char *buf, size_t size)
{
	size_t n = 0;
	int a;

	buf[0] = '\0';
	for (a = JF_ALG_NONE + 1; a < JF_ALG__LAST; a++)
		if ((algs & JF_ALG_BIT(a)) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			    n ? " " : "", jf_alg_name((enum jf_alg)a));
}

static enum jf_err
check_key(const struct cfg *c, const struct cfg_iss *is,
	const struct cfg_src *src, const struct jf_key *k, struct jf_msg *m)
{
	char algs[64];
	int a;

	for (a = JF_ALG_NONE + 1; a < JF_ALG__LAST; a++)
		if ((is->algs & JF_ALG_BIT(a)) && key_allows(k, (enum jf_alg)a))
			return JF_OK;
	alg_list(is->algs, algs, sizeof(algs));
	return jf_fail(m, JF_E_CONFIG, "%s:%u: key %s in file %s cannot do "
	    "any of %s", c->path, src->line, key_kid(k), src->path, algs);
}

enum jf_err
cfg_load_src(const struct cfg *c, struct cfg_iss *is, const struct cfg_src *src,
	struct jf_msg *m)
{
	const char *what = src->is_jwks ? "jwks_file" : "key_file";
	const unsigned rsa = JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256);
	struct jf_key *k = NULL;
	struct jf_msg why = { .s = "" };
	enum jf_err rc;
	size_t before = jwks_count(is->keys), i, n;
	const char *reason;

	if (src->is_jwks) {
		if ((rc = jwks_load_file(is->keys, src->path, &why)) != JF_OK)
			goto bad;
		if (jwks_count(is->keys) == before)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: jwks_file \"%s\" "
			    "holds no keys", c->path, src->line, src->path);
		for (i = before; i < jwks_count(is->keys); i++)
			if ((rc = check_key(c, is, src, jwks_get(is->keys, i),
			    m)) != JF_OK)
				return rc;
		return JF_OK;
	}
	if ((rc = key_load_file(&k, src->path, &why)) != JF_OK)
		goto bad;
	if (key_is_private(k)) {
		key_free(k);
		return jf_fail(m, JF_E_CONFIG, "%s:%u: key_file \"%s\" holds "
		    "a private key: the authorizer only verifies, give it the "
		    "public key", c->path, src->line, src->path);
	}
	/* RFC 8725 §3.1: a key serves one algorithm where we can say which. */
	if (key_kty(k) == JF_KTY_RSA && (is->algs & rsa) != rsa &&
	    (is->algs & rsa) != 0)
		(void)key_pin_alg(k, (is->algs & JF_ALG_BIT(JF_ALG_RS256)) ?
		    JF_ALG_RS256 : JF_ALG_PS256, NULL);
	if ((rc = check_key(c, is, src, k, m)) != JF_OK) {
		key_free(k);
		return rc;
	}
	if ((rc = jwks_add(is->keys, k, &why)) != JF_OK)
		goto bad;
	return JF_OK;
bad:
	/* The loaders start with the path too: say it once. */
	n = strlen(src->path);
	reason = strncmp(why.s, src->path, n) == 0 &&
	    strncmp(why.s + n, ": ", 2) == 0 ? why.s + n + 2 : why.s;
	return jf_fail(m, rc == JF_E_NOMEM ? rc : JF_E_CONFIG, "%s:%u: %s "
	    "\"%s\": %s", c->path, src->line, what, src->path, reason);
}

int
cfg_issuer_require_bound(const struct cfg *c, const struct tok_issuer *ti)
{
	size_t i;

	for (i = 0; i < c->niss; i++)
		if (&c->ti[i] == ti)
			return c->iss[i]->require_bound;
	return 0;
}

/* "https://h:p" of an absolute URL: the bytes before its path. */
static size_t
origin_len(const char *u)
{
	const char *p = strstr(u, "://");

	if (p == NULL)
		return 0;
	p += 3;
	return (size_t)(p + strcspn(p, "/?#") - u);
}

static const struct cfg_iss *
cfg_iss_of(const struct cfg *c, const struct tok_issuer *ti)
{
	size_t i;

	for (i = 0; i < c->niss; i++)
		if (&c->ti[i] == ti)
			return c->iss[i];
	return NULL;
}

int
cfg_issuer_status(const struct cfg *c, const struct tok_issuer *ti)
{
	const struct cfg_iss *is = cfg_iss_of(c, ti);

	return is != NULL ? is->status : CFG_STATUS_OFF;
}

int
cfg_status_allowed(const struct cfg *c, const struct tok_issuer *ti,
	const char *uri)
{
	const struct cfg_iss *is = cfg_iss_of(c, ti);
	const char *base, *u;
	size_t i, n;

	if (is == NULL || fetch_url_check(uri, c->fetch.opts.allow_http, NULL)
	    != JF_OK)
		return 0;
	for (i = 0; i < is->nstatus_uris; i++) {
		u = is->status_uris[i];
		n = strlen(u);
		if (u[n - 1] == '/' ? strncmp(uri, u, n) == 0 :
		    strcmp(uri, u) == 0)
			return 1;
	}
	if (is->nstatus_uris > 0)
		return 0;
	/* By default the origin the keys come from: whoever controls it
	 * could serve keys as well as lists. */
	base = is->remote != NULL ? is->remote : is->iss;
	if (fetch_url_check(base, c->fetch.opts.allow_http, NULL) != JF_OK)
		return 0;
	n = origin_len(base);
	return n > 0 && strncmp(uri, base, n) == 0 && uri[n] == '/';
}

const char *
cfg_status_fixed(const struct cfg *c, size_t k)
{
	const struct cfg_iss *is;
	size_t i, j, n;

	for (i = 0; i < c->niss; i++) {
		is = c->iss[i];
		if (is->status == CFG_STATUS_OFF)
			continue;
		for (j = 0; j < is->nstatus_uris; j++) {
			n = strlen(is->status_uris[j]);
			if (is->status_uris[j][n - 1] == '/')
				continue;
			if (k-- == 0)
				return is->status_uris[j];
		}
	}
	return NULL;
}

int
cfg_status_any(const struct cfg *c)
{
	size_t i;

	for (i = 0; i < c->niss; i++)
		if (c->iss[i]->status != CFG_STATUS_OFF &&
		    (c->iss[i]->status_line != 0 ||
		    c->iss[i]->nstatus_uris > 0))
			return 1;
	return 0;
}

void
cfg_iss_free(struct cfg_iss *is)
{
	size_t i;

	if (is == NULL)
		return;
	for (i = 0; i < is->nstatus_uris; i++)
		free(is->status_uris[i]);
	for (i = 0; i < is->nsrc; i++)
		free(is->src[i].path);
	for (i = 0; i < is->naud; i++)
		free(is->aud[i]);
	jwks_free(is->keys);
	jwks_free(is->rkeys);
	free(is->remote);
	free(is->typ);
	free(is->iss);
	free(is);
}
