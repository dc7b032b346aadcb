/* cfg.c - read the authorizer's configuration once and load its keys
 * (the [issuer] sections and their key files are issuer.c's, the [cimd]
 * sections cimd.c's).
 *
 * Two passes: the ini callback checks every line and records what it
 * says (failing on the first unknown or bad key), then cfg_finish checks
 * what each issuer lacks and loads the key files, so a key is judged
 * against the issuer's final list of algorithms whatever the line order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/cfg.h"
#include "conf/cfg-int.h"
#include "conf/ini.h"
#include "jose/jwks.h"
#include "util/log.h"
#include "util/num.h"

#define CFG_REALM_MAX 128
#define CFG_CLAIM_MAX 128
#define CFG_VAR_MAX 64
#define CFG_LEEWAY_MAX 3600
#define CFG_TOKEN_MIN 256
#define CFG_DEFAULT_REALM "jwt-fcgi"
#define CFG_DEFAULT_LEEWAY 60

/* Outputs the authorizer always sets itself; a claim_var must not shadow
 * them, or a token could choose the value the backend reads as "sub". */
static const char *const reserved_vars[] = {
	"JWT_SUB", "JWT_ISS", "JWT_AUD", "JWT_SCOPE", "JWT_CLIENT_ID",
	"JWT_JTI", "JWT_EXP",
};
#define POLICY_PREFIX "JWT_REQUIRE_"

static enum jf_err set_claim_var(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err set_global(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err on_item(void *arg, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err finish(struct cfg *c, struct jf_msg *m);
static enum jf_err cfg_read(struct cfg **out, const char *path,
	const char *buf, size_t len, struct jf_msg *m);

static enum jf_err
set_claim_var(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	const char *p = it->value, *claim, *var;
	size_t clen, vlen, i;

	claim = cfg_next_word(&p, &clen);
	var = claim ? cfg_next_word(&p, &vlen) : NULL;
	if (var == NULL || cfg_next_word(&p, &i) != NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: expected "
		    "\"CLAIM VARIABLE\", got \"%.64s\"", it->file, it->line,
		    it->value);
	if (clen > CFG_CLAIM_MAX)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: claim name "
		    "longer than %d bytes", it->file, it->line, CFG_CLAIM_MAX);
	for (i = 0; i < vlen; i++)
		if (!((var[i] >= 'A' && var[i] <= 'Z') ||
		    (i > 0 && ((var[i] >= '0' && var[i] <= '9') ||
		    var[i] == '_'))))
			break;
	if (i < vlen || vlen > CFG_VAR_MAX)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: variable: "
		    "expected [A-Z][A-Z0-9_]{0,63}, got \"%.*s\"", it->file,
		    it->line, (int)(vlen > 64 ? 64 : vlen), var);
	for (i = 0; i < sizeof(reserved_vars) / sizeof(reserved_vars[0]); i++)
		if (strlen(reserved_vars[i]) == vlen &&
		    memcmp(reserved_vars[i], var, vlen) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: "
			    "%s is set by the authorizer itself; choose "
			    "another name", it->file, it->line,
			    reserved_vars[i]);
	if (vlen >= strlen(POLICY_PREFIX) &&
	    memcmp(var, POLICY_PREFIX, strlen(POLICY_PREFIX)) == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: %.*s: names "
		    "starting with " POLICY_PREFIX " are policy inputs from "
		    "the web server", it->file, it->line, (int)vlen, var);
	for (i = 0; i < c->nmaps; i++)
		if (strlen(c->maps[i].var) == vlen &&
		    memcmp(c->maps[i].var, var, vlen) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: "
			    "variable %s already set on line %u", it->file,
			    it->line, c->maps[i].var, c->map_line[i]);
	if (c->nmaps == CFG_MAX_MAPS)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim_var: more than "
		    "%d", it->file, it->line, CFG_MAX_MAPS);
	if ((c->maps[c->nmaps].claim = strndup(claim, clen)) == NULL)
		return cfg_nomem(m);
	if ((c->maps[c->nmaps].var = strndup(var, vlen)) == NULL) {
		free((void *)c->maps[c->nmaps].claim);
		return cfg_nomem(m);
	}
	c->map_line[c->nmaps++] = it->line;
	return JF_OK;
}

static enum jf_err
set_global(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	enum jf_err rc;
	const char *s;
	long v;

	if (strcmp(it->key, "realm") == 0) {
		if ((rc = cfg_once(it, &c->realm_line, m)) != JF_OK)
			return rc;
		/* It goes into WWW-Authenticate: Bearer realm="..." as is. */
		for (s = it->value; *s != '\0'; s++)
			if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
				break;
		if (*s != '\0' || *it->value == '\0' ||
		    strlen(it->value) > CFG_REALM_MAX)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: realm: expected "
			    "1..%d printable ASCII characters without '\"' or "
			    "'\\', got \"%.64s\"", it->file, it->line,
			    CFG_REALM_MAX, it->value);
		free(c->realm);
		if ((c->realm = strdup(it->value)) == NULL)
			return cfg_nomem(m);
	} else if (strcmp(it->key, "leeway") == 0) {
		if ((rc = cfg_once(it, &c->leeway_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, 0, CFG_LEEWAY_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: leeway: expected "
			    "seconds 0..%d, got \"%.64s\"", it->file, it->line,
			    CFG_LEEWAY_MAX, it->value);
		c->leeway = v;
	} else if (strcmp(it->key, "max_token_bytes") == 0) {
		if ((rc = cfg_once(it, &c->max_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, CFG_TOKEN_MIN, TOK_MAX_BYTES_LIMIT,
		    &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: max_token_bytes: "
			    "expected bytes %d..%d, got \"%.64s\"", it->file,
			    it->line, CFG_TOKEN_MIN, TOK_MAX_BYTES_LIMIT,
			    it->value);
		c->max_bytes = (size_t)v;
	} else if (strcmp(it->key, "log_level") == 0) {
		if ((rc = cfg_once(it, &c->level_line, m)) != JF_OK)
			return rc;
		if ((c->log_level = log_level_from_name(it->value)) < 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: log_level: "
			    "expected error, warn, info or debug, got "
			    "\"%.64s\"", it->file, it->line, it->value);
	} else if (strcmp(it->key, "cache_entries") == 0) {
		if ((rc = cfg_once(it, &c->cache_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, 0, CFG_CACHE_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: cache_entries: "
			    "expected 0..%d, got \"%.64s\"", it->file, it->line,
			    CFG_CACHE_MAX, it->value);
		c->cache_entries = (size_t)v;
	} else if (strcmp(it->key, "claim_var") == 0)
		return set_claim_var(c, it, m);
	else if ((rc = cfg_set_fetch_key(c, it, m)) != JF_E_NOT_FOUND)
		return rc;
	else if ((rc = cfg_set_cimd_global(c, it, m)) != JF_E_NOT_FOUND)
		return rc;
	else
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%.64s\"",
		    it->file, it->line, it->key);
	return JF_OK;
}

static enum jf_err
on_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg *c = arg;

	if (it->key == NULL && strcmp(it->section, "cimd") == 0) {
		c->section = CFG_SEC_CIMD;
		return cfg_new_cimd(c, it, m);
	}
	if (it->key == NULL && strcmp(it->section, "resource") == 0) {
		c->section = CFG_SEC_RESOURCE;
		return cfg_new_resource(c, it, m);
	}
	if (it->key == NULL) {
		c->section = CFG_SEC_ISSUER;
		return cfg_new_issuer(c, it, m);
	}
	if (it->section == NULL)
		return set_global(c, it, m);
	if (c->section == CFG_SEC_CIMD)
		return cfg_set_cimd_key(c, c->cimd[c->ncimd - 1], it, m);
	if (c->section == CFG_SEC_RESOURCE)
		return cfg_set_resource_key(c, c->res[c->nres - 1], it, m);
	return cfg_set_issuer_key(c, c->iss[c->niss - 1], it, m);
}

/* After the last line: what each issuer lacks, then its keys. */
static enum jf_err
finish(struct cfg *c, struct jf_msg *m)
{
	struct cfg_iss *is;
	enum jf_err rc;
	size_t i, j;

	if (c->niss == 0 && c->ncimd == 0)
		return jf_fail(m, JF_E_CONFIG, "%s: no [issuer ...] or [cimd "
		    "...] section: every token would be refused", c->path);
	for (i = 0; i < c->niss; i++) {
		is = c->iss[i];
		if (is->algs_line == 0)
			is->algs = JF_ALG_BIT(JF_ALG_ES256);
		if (is->naud == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer %.64s]: "
			    "audience is required", c->path, is->line, is->iss);
		if (is->nsrc == 0 && is->remote == NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer %.64s]: "
			    "no keys: add jwks_uri, metadata, key_file or "
			    "jwks_file", c->path, is->line, is->iss);
		if ((is->keys = jwks_new()) == NULL)
			return cfg_nomem(m);
		for (j = 0; j < is->nsrc; j++)
			if ((rc = cfg_load_src(c, is, &is->src[j], m)) != JF_OK)
				return rc;
		c->ti[i].iss = is->iss;
		c->ti[i].keys = is->keys;
		c->ti[i].algs = is->algs;
		c->ti[i].aud = (const char *const *)is->aud;
		c->ti[i].naud = is->naud;
		c->ti[i].typ = is->typ;
		if (is->remote != NULL) {
			struct cfg_remote *r = &c->remote[c->nremote];

			r->iss = is->iss;
			r->url = is->remote;
			r->is_metadata = is->remote_is_meta;
			r->algs = is->algs;
			c->remote_iss[c->nremote++] = i;
			/* Until the fetcher brings some. */
			jf_fail(&is->rnote, JF_E_NO_KEY, "its keys from %.120s "
			    "are not fetched yet", is->remote);
			c->ti[i].rnote = is->rnote.s;
		}
	}
	if ((rc = cfg_fetch_finish(c, m)) != JF_OK)
		return rc;
	if ((rc = cfg_cimd_finish(c, m)) != JF_OK)
		return rc;
	return cfg_resource_finish(c, m);
}

/* buf NULL: read path; else parse len bytes of buf, named path. */
static enum jf_err
cfg_read(struct cfg **out, const char *path, const char *buf, size_t len,
	struct jf_msg *m)
{
	struct cfg *c = NULL;
	enum jf_err rc = JF_E_INTERNAL;
	const char *slash;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		rc = cfg_nomem(m);
		goto fail;
	}
	c->leeway = CFG_DEFAULT_LEEWAY;
	c->max_bytes = TOK_MAX_BYTES_DEFAULT;
	c->log_level = LOG_LVL_INFO;
	c->cache_entries = CFG_CACHE_DEFAULT;
	cfg_fetch_defaults(c);
	cfg_cimd_defaults(c);
	if ((c->path = strdup(path)) == NULL ||
	    (c->realm = strdup(CFG_DEFAULT_REALM)) == NULL) {
		rc = cfg_nomem(m);
		goto fail;
	}
	if ((slash = strrchr(path, '/')) != NULL &&
	    (c->dir = strndup(path, slash == path ? 1 :
	    (size_t)(slash - path))) == NULL) {
		rc = cfg_nomem(m);
		goto fail;
	}
	rc = buf != NULL ? ini_parse_buf(path, buf, len, on_item, c, m) :
	    ini_parse_file(path, on_item, c, m);
	if (rc != JF_OK)
		goto fail;
	if ((rc = finish(c, m)) != JF_OK)
		goto fail;
	*out = c;
	c = NULL;
	rc = JF_OK;
fail:
	cfg_free(c);
	return rc;
}

enum jf_err
cfg_load(struct cfg **out, const char *path, struct jf_msg *m)
{
	return cfg_read(out, path, NULL, 0, m);
}

enum jf_err
cfg_parse_buf(struct cfg **out, const char *name, const char *buf,
	size_t len, struct jf_msg *m)
{
	return cfg_read(out, name, buf, len, m);
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nmaps; i++) {
		free((void *)c->maps[i].claim);
		free((void *)c->maps[i].var);
	}
	for (i = 0; i < c->niss; i++)
		cfg_iss_free(c->iss[i]);
	for (i = 0; i < c->ncimd; i++)
		cfg_cimd_free(c->cimd[i]);
	for (i = 0; i < c->nres; i++)
		cfg_resource_free(c->res[i]);
	key_free(c->at_key);
	jwks_free(c->at_keys);
	free(c->at_key_path);
	free(c->at_iss);
	free(c->fetch_ca);
	free(c->realm);
	free(c->dir);
	free(c->path);
	free(c);
}

const struct cfg_fetch *
cfg_fetch(const struct cfg *c)
{
	return &c->fetch;
}

size_t
cfg_remote_count(const struct cfg *c)
{
	return c->nremote;
}

const struct cfg_remote *
cfg_remote(const struct cfg *c, size_t i)
{
	return i < c->nremote ? &c->remote[i] : NULL;
}

void
cfg_remote_keys(struct cfg *c, size_t i, struct jwks *keys, const char *why)
{
	size_t k;
	struct cfg_iss *is;

	if (i >= c->nremote) {
		jwks_free(keys);
		return;
	}
	k = c->remote_iss[i];
	is = c->iss[k];
	jwks_free(is->rkeys);
	is->rkeys = keys;
	snprintf(is->rnote.s, sizeof(is->rnote.s), "%s", keys != NULL ? "" :
	    why != NULL ? why : "no keys");
	c->ti[k].rkeys = keys;
	c->ti[k].rnote = keys != NULL ? NULL : is->rnote.s;
}

const char *
cfg_path(const struct cfg *c)
{
	return c->path;
}

const char *
cfg_realm(const struct cfg *c)
{
	return c->realm;
}

int
cfg_log_level(const struct cfg *c)
{
	return c->log_level;
}

void
cfg_rules(const struct cfg *c, struct tok_rules *r)
{
	r->issuers = c->ti;
	r->nissuers = c->nti;
	r->leeway = c->leeway;
	r->max_bytes = c->max_bytes;
}

size_t
cfg_cache_entries(const struct cfg *c)
{
	return c->cache_entries;
}

const struct cfg_map *
cfg_maps(const struct cfg *c, size_t *n)
{
	*n = c->nmaps;
	return c->maps;
}
