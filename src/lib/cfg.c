/* cfg.c - read the authorizer's configuration once and load its keys.
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
#include <strings.h>

#include "cfg.h"
#include "ini.h"
#include "jwks.h"
#include "key.h"
#include "log.h"
#include "num.h"

#define CFG_MAX_SOURCES JWKS_MAX_KEYS   /* key_file + jwks_file lines */
#define CFG_REALM_MAX 128
#define CFG_CLAIM_MAX 128
#define CFG_VAR_MAX 64
#define CFG_LEEWAY_MAX 3600
#define CFG_TOKEN_MIN 256
#define CFG_DEFAULT_REALM "jwt-fcgi"
#define CFG_DEFAULT_LEEWAY 60

/* A key_file or jwks_file line, loaded once the whole file is read. */
struct cfg_src {
	int is_jwks;
	unsigned line;
	char *path;
};

struct cfg_iss {
	char *iss;
	unsigned line;
	struct jwks *keys;
	struct cfg_src src[CFG_MAX_SOURCES];
	size_t nsrc;
	unsigned algs;
	unsigned algs_line;     /* 0: not set, ES256 */
	char *aud[CFG_MAX_AUD];
	size_t naud;
	char *typ;
	unsigned typ_line;
};

struct cfg {
	char *path;
	char *dir;              /* relative key paths are resolved here */
	char *realm;
	long leeway;
	size_t max_bytes;
	int log_level;
	size_t cache_entries;
	/* Line each global key was set on (0: default), to refuse repeats. */
	unsigned realm_line, leeway_line, max_line, level_line, cache_line;
	struct cfg_map maps[CFG_MAX_MAPS];
	unsigned map_line[CFG_MAX_MAPS];
	size_t nmaps;
	struct cfg_iss *iss[CFG_MAX_ISSUERS];
	size_t niss;
	struct tok_issuer ti[CFG_MAX_ISSUERS];  /* the view token.c reads */
};

/* Outputs the authorizer always sets itself; a claim_var must not shadow
 * them, or a token could choose the value the backend reads as "sub". */
static const char *const reserved_vars[] = {
	"JWT_SUB", "JWT_ISS", "JWT_AUD", "JWT_SCOPE", "JWT_CLIENT_ID",
	"JWT_JTI", "JWT_EXP",
};
#define POLICY_PREFIX "JWT_REQUIRE_"

static const char *const global_keys[] = {
	"realm", "leeway", "max_token_bytes", "log_level", "claim_var",
	"cache_entries",
};

static enum jf_err nomem(struct jf_msg *m);
static const char *next_word(const char **p, size_t *len);
static enum jf_err once(const struct ini_item *it, unsigned *line,
	struct jf_msg *m);
static enum jf_err set_claim_var(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err set_global(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err set_algs(struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err add_aud(struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err add_src(struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err set_issuer_key(struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err new_issuer(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
static enum jf_err on_item(void *arg, const struct ini_item *it,
	struct jf_msg *m);
static void alg_list(unsigned algs, char *buf, size_t size);
static enum jf_err check_key(const struct cfg *c, const struct cfg_iss *is,
	const struct cfg_src *src, const struct jf_key *k, struct jf_msg *m);
static enum jf_err load_src(const struct cfg *c, struct cfg_iss *is,
	const struct cfg_src *src, struct jf_msg *m);
static enum jf_err finish(struct cfg *c, struct jf_msg *m);
static enum jf_err cfg_read(struct cfg **out, const char *path,
	const char *buf, size_t len, struct jf_msg *m);
static void iss_free(struct cfg_iss *is);

static enum jf_err
nomem(struct jf_msg *m)
{
	return jf_fail(m, JF_E_NOMEM, "out of memory");
}

/* The next word separated by spaces or tabs, or NULL at the end. */
static const char *
next_word(const char **p, size_t *len)
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
static enum jf_err
once(const struct ini_item *it, unsigned *line, struct jf_msg *m)
{
	if (*line != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: already set on "
		    "line %u", it->file, it->line, it->key, *line);
	*line = it->line;
	return JF_OK;
}

static enum jf_err
set_claim_var(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	const char *p = it->value, *claim, *var;
	size_t clen, vlen, i;

	claim = next_word(&p, &clen);
	var = claim ? next_word(&p, &vlen) : NULL;
	if (var == NULL || next_word(&p, &i) != NULL)
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
		return nomem(m);
	if ((c->maps[c->nmaps].var = strndup(var, vlen)) == NULL) {
		free((void *)c->maps[c->nmaps].claim);
		return nomem(m);
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
		if ((rc = once(it, &c->realm_line, m)) != JF_OK)
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
			return nomem(m);
	} else if (strcmp(it->key, "leeway") == 0) {
		if ((rc = once(it, &c->leeway_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, 0, CFG_LEEWAY_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: leeway: expected "
			    "seconds 0..%d, got \"%.64s\"", it->file, it->line,
			    CFG_LEEWAY_MAX, it->value);
		c->leeway = v;
	} else if (strcmp(it->key, "max_token_bytes") == 0) {
		if ((rc = once(it, &c->max_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, CFG_TOKEN_MIN, TOK_MAX_BYTES_LIMIT,
		    &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: max_token_bytes: "
			    "expected bytes %d..%d, got \"%.64s\"", it->file,
			    it->line, CFG_TOKEN_MIN, TOK_MAX_BYTES_LIMIT,
			    it->value);
		c->max_bytes = (size_t)v;
	} else if (strcmp(it->key, "log_level") == 0) {
		if ((rc = once(it, &c->level_line, m)) != JF_OK)
			return rc;
		if ((c->log_level = log_level_from_name(it->value)) < 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: log_level: "
			    "expected error, warn, info or debug, got "
			    "\"%.64s\"", it->file, it->line, it->value);
	} else if (strcmp(it->key, "cache_entries") == 0) {
		if ((rc = once(it, &c->cache_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, 0, CFG_CACHE_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: cache_entries: "
			    "expected 0..%d, got \"%.64s\"", it->file, it->line,
			    CFG_CACHE_MAX, it->value);
		c->cache_entries = (size_t)v;
	} else if (strcmp(it->key, "claim_var") == 0)
		return set_claim_var(c, it, m);
	else
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%.64s\"",
		    it->file, it->line, it->key);
	return JF_OK;
}

static enum jf_err
set_algs(struct cfg_iss *is, const struct ini_item *it, struct jf_msg *m)
{
	const char *p = it->value, *w;
	char name[16];
	enum jf_alg a;
	size_t len;

	is->algs = 0;
	while ((w = next_word(&p, &len)) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)len, w);
		a = len < sizeof(name) ? jf_alg_from_name(name) : JF_ALG_NONE;
		if (a != JF_ALG_NONE) {
			is->algs |= JF_ALG_BIT(a);
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
	if (is->algs == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: algorithms: expected "
		    "ES256, ES384, RS256, PS256 or EdDSA, got \"\"", it->file,
		    it->line);
	return JF_OK;
}

/* audience may repeat and hold several words; repeats are merged. */
static enum jf_err
add_aud(struct cfg_iss *is, const struct ini_item *it, struct jf_msg *m)
{
	const char *p = it->value, *w;
	size_t len, i;
	int any = 0;

	while ((w = next_word(&p, &len)) != NULL) {
		any = 1;
		for (i = 0; i < is->naud; i++)
			if (strlen(is->aud[i]) == len &&
			    memcmp(is->aud[i], w, len) == 0)
				break;
		if (i < is->naud)
			continue;
		if (is->naud == CFG_MAX_AUD)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: audience: more "
			    "than %d values", it->file, it->line, CFG_MAX_AUD);
		if ((is->aud[is->naud] = strndup(w, len)) == NULL)
			return nomem(m);
		is->naud++;
	}
	if (!any)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: audience: expected one "
		    "or more values, got \"\"", it->file, it->line);
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
		return nomem(m);
	if (v[0] == '/' || c->dir == NULL)
		memcpy(src->path, v, len);
	else
		snprintf(src->path, len, "%s/%s", c->dir, v);
	is->nsrc++;
	return JF_OK;
}

static enum jf_err
set_issuer_key(struct cfg *c, struct cfg_iss *is, const struct ini_item *it,
	struct jf_msg *m)
{
	enum jf_err rc;
	size_t i;

	if (strcmp(it->key, "jwks_file") == 0 ||
	    strcmp(it->key, "key_file") == 0)
		return add_src(c, is, it, m);
	if (strcmp(it->key, "algorithms") == 0) {
		if ((rc = once(it, &is->algs_line, m)) != JF_OK)
			return rc;
		return set_algs(is, it, m);
	}
	if (strcmp(it->key, "audience") == 0)
		return add_aud(is, it, m);
	if (strcmp(it->key, "typ") == 0) {
		if ((rc = once(it, &is->typ_line, m)) != JF_OK)
			return rc;
		if (*it->value == '\0' || strpbrk(it->value, " \t") != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: typ: expected "
			    "one media type such as at+jwt, got \"%.64s\"",
			    it->file, it->line, it->value);
		if ((is->typ = strdup(it->value)) == NULL)
			return nomem(m);
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

static enum jf_err
new_issuer(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg_iss *is;
	size_t i;

	if (strcmp(it->section, "issuer") != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown section "
		    "[%.64s]", it->file, it->line, it->section);
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
		return nomem(m);
	c->iss[c->niss++] = is;
	is->line = it->line;
	if ((is->iss = strdup(it->arg)) == NULL)
		return nomem(m);
	return JF_OK;
}

static enum jf_err
on_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg *c = arg;

	if (it->key == NULL)
		return new_issuer(c, it, m);
	if (it->section == NULL)
		return set_global(c, it, m);
	return set_issuer_key(c, c->iss[c->niss - 1], it, m);
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

static enum jf_err
load_src(const struct cfg *c, struct cfg_iss *is, const struct cfg_src *src,
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

/* After the last line: what each issuer lacks, then its keys. */
static enum jf_err
finish(struct cfg *c, struct jf_msg *m)
{
	struct cfg_iss *is;
	enum jf_err rc;
	size_t i, j;

	if (c->niss == 0)
		return jf_fail(m, JF_E_CONFIG, "%s: no [issuer ...] section: "
		    "every token would be refused", c->path);
	for (i = 0; i < c->niss; i++) {
		is = c->iss[i];
		if (is->algs_line == 0)
			is->algs = JF_ALG_BIT(JF_ALG_ES256);
		if (is->naud == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer %.64s]: "
			    "audience is required", c->path, is->line, is->iss);
		if (is->nsrc == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer %.64s]: "
			    "no keys: add key_file or jwks_file", c->path,
			    is->line, is->iss);
		if ((is->keys = jwks_new()) == NULL)
			return nomem(m);
		for (j = 0; j < is->nsrc; j++)
			if ((rc = load_src(c, is, &is->src[j], m)) != JF_OK)
				return rc;
		c->ti[i].iss = is->iss;
		c->ti[i].keys = is->keys;
		c->ti[i].algs = is->algs;
		c->ti[i].aud = (const char *const *)is->aud;
		c->ti[i].naud = is->naud;
		c->ti[i].typ = is->typ;
	}
	return JF_OK;
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
		rc = nomem(m);
		goto fail;
	}
	c->leeway = CFG_DEFAULT_LEEWAY;
	c->max_bytes = TOK_MAX_BYTES_DEFAULT;
	c->log_level = LOG_LVL_INFO;
	c->cache_entries = CFG_CACHE_DEFAULT;
	if ((c->path = strdup(path)) == NULL ||
	    (c->realm = strdup(CFG_DEFAULT_REALM)) == NULL) {
		rc = nomem(m);
		goto fail;
	}
	if ((slash = strrchr(path, '/')) != NULL &&
	    (c->dir = strndup(path, slash == path ? 1 :
	    (size_t)(slash - path))) == NULL) {
		rc = nomem(m);
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

static void
iss_free(struct cfg_iss *is)
{
	size_t i;

	if (is == NULL)
		return;
	for (i = 0; i < is->nsrc; i++)
		free(is->src[i].path);
	for (i = 0; i < is->naud; i++)
		free(is->aud[i]);
	jwks_free(is->keys);
	free(is->typ);
	free(is->iss);
	free(is);
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
		iss_free(c->iss[i]);
	free(c->realm);
	free(c->dir);
	free(c->path);
	free(c);
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
	r->nissuers = c->niss;
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
