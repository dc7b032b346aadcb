/* cimd.c - the authorizer's self-issuing clients (jwt-fcgi.conf(5)
 * "SELF-ISSUED TOKENS"): services whose client ID is the https URL of a
 * client ID metadata document, who sign their own tokens with the keys
 * that document names.
 *
 *   cimd_max_bytes = 5120          a document's cap (the draft's advice)
 *   cimd_refresh = 300             longest time between two looks
 *   cimd_max_stale = 3600          last good keys kept this long when
 *                                  the client's host fails
 *   cimd_idle = 3600               a document no request used this long
 *                                  is let go
 *   access_token_issuer = URL      "iss" of the access tokens the
 *   access_token_key = FILE        authorizer issues for them (exchange
 *   access_token_lifetime = 600    routes), signed with this private key
 *
 *   [cimd https://service-a.example.com/.well-known/]
 *   audience = https://service-b.example.com/api/get-counter?v=1
 *   algorithms = ES256
 *   max_lifetime = 300             exp - iat of a self-issued token
 *   scope = counter.read           what these clients may do
 *   claim = tier gold              more claims they are given
 *
 * A section names one client ID exactly, or, ending in "/", every client
 * ID under that path of that host; never "any URL". What a client may do
 * comes from here, never from its document or its own token.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/cfg.h"
#include "conf/cfg-int.h"
#include "conf/ini.h"
#include "jose/jwks.h"
#include "jose/key.h"
#include "oauth/cimd.h"
#include "util/num.h"

#define CIMD_LIFE_DEFAULT 300
#define CIMD_LIFE_MAX 3600
#define AT_LIFE_DEFAULT 600
#define AT_LIFE_MAX 86400
#define CIMD_SCOPE_MAX 1024

static enum jf_err cimd_match_check(const struct ini_item *it, int *prefix,
	struct jf_msg *m);
static enum jf_err cimd_scope(struct cfg_cimd_sec *s,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err cimd_claim(struct cfg_cimd_sec *s,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err cimd_at_finish(struct cfg *c, struct jf_msg *m);

void
cfg_cimd_defaults(struct cfg *c)
{
	c->cimd_opts.max_bytes = CIMD_BYTES_DEFAULT;
	c->cimd_opts.refresh = 300;
	c->cimd_opts.max_stale = 3600;
	c->cimd_opts.idle = 3600;
	c->at_life = AT_LIFE_DEFAULT;
}

enum jf_err
cfg_set_cimd_global(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m)
{
	static const struct {
		const char *key;
		int which;
		long lo, hi;
	} nums[] = {
		{ "cimd_max_bytes", 0, 512, CIMD_BYTES_MAX },
		{ "cimd_refresh", 1, 1, 86400 },
		{ "cimd_max_stale", 2, 1, 30 * 86400 },
		{ "cimd_idle", 3, 60, 30 * 86400 },
		{ "access_token_lifetime", 4, 1, AT_LIFE_MAX },
	};
	enum jf_err rc;
	size_t i;
	long v;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(it->key, nums[i].key) != 0)
			continue;
		if ((rc = cfg_once(it, &c->cimd_line[nums[i].which], m)) !=
		    JF_OK)
			return rc;
		if (num_parse(it->value, nums[i].lo, nums[i].hi, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected "
			    "%s %ld..%ld, got \"%.64s\"", it->file, it->line,
			    it->key, i == 0 ? "bytes" : "seconds", nums[i].lo,
			    nums[i].hi, it->value);
		switch (nums[i].which) {
		case 0: c->cimd_opts.max_bytes = (size_t)v; break;
		case 1: c->cimd_opts.refresh = v; break;
		case 2: c->cimd_opts.max_stale = v; break;
		case 3: c->cimd_opts.idle = v; break;
		default: c->at_life = v; break;
		}
		return JF_OK;
	}
	if (strcmp(it->key, "access_token_issuer") == 0) {
		if ((rc = cfg_once(it, &c->at_iss_line, m)) != JF_OK)
			return rc;
		if (*it->value == '\0' || strpbrk(it->value, " \t\"\\") != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: "
			    "access_token_issuer: expected a URL without blanks "
			    "or quotes, got \"%.64s\"", it->file, it->line,
			    it->value);
		if ((c->at_iss = strdup(it->value)) == NULL)
			return cfg_nomem(m);
		return JF_OK;
	}
	if (strcmp(it->key, "access_token_key") == 0) {
		if ((rc = cfg_once(it, &c->at_key_line, m)) != JF_OK)
			return rc;
		if ((c->at_key_path = cfg_path_join(c, it->value)) == NULL)
			return cfg_nomem(m);
		return JF_OK;
	}
	return JF_E_NOT_FOUND;
}

/* The section's argument: an allowlist entry (oauth/cimd.h). */
static enum jf_err
cimd_match_check(const struct ini_item *it, int *prefix, struct jf_msg *m)
{
	struct jf_msg why;

	if (it->arg == NULL || *it->arg == '\0')
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [cimd]: expected a client "
		    "ID URL, or a prefix ending in \"/\", as in [cimd "
		    "https://service-a.example.com/.well-known/]", it->file,
		    it->line);
	why.s[0] = '\0';
	if (cimd_pattern_check(it->arg, prefix, &why) != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: [cimd %.64s]: %s",
		    it->file, it->line, it->arg, why.s);
	return JF_OK;
}

enum jf_err
cfg_new_cimd(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	struct cfg_cimd_sec *s;
	enum jf_err rc;
	int prefix;
	size_t i;

	if ((rc = cimd_match_check(it, &prefix, m)) != JF_OK)
		return rc;
	for (i = 0; i < c->ncimd; i++)
		if (strcmp(c->cimd[i]->match, it->arg) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: duplicate [cimd "
			    "%.64s] (first on line %u)", it->file, it->line,
			    it->arg, c->cimd[i]->line);
	if (c->ncimd == CFG_MAX_CIMD)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: more than %d [cimd] "
		    "sections", it->file, it->line, CFG_MAX_CIMD);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cfg_nomem(m);
	c->cimd[c->ncimd++] = s;
	s->line = it->line;
	s->pub.prefix = prefix;
	s->pub.max_lifetime = CIMD_LIFE_DEFAULT;
	if ((s->match = strdup(it->arg)) == NULL)
		return cfg_nomem(m);
	s->pub.match = s->match;
	return JF_OK;
}

/* scope = words, as RFC 6749 §3.3 scope-tokens; repeats merged. */
static enum jf_err
cimd_scope(struct cfg_cimd_sec *s, const struct ini_item *it,
	struct jf_msg *m)
{
	const char *p = it->value, *w;
	size_t len, used = s->scope ? strlen(s->scope) : 0, i;
	char *n;

	while ((w = cfg_next_word(&p, &len)) != NULL) {
		for (i = 0; i < len; i++)
			if (w[i] < 0x21 || w[i] > 0x7e || w[i] == '"' ||
			    w[i] == '\\')
				return jf_fail(m, JF_E_CONFIG, "%s:%u: scope: "
				    "bad character 0x%02x", it->file, it->line,
				    (unsigned char)w[i]);
		if (used + len + 2 > CIMD_SCOPE_MAX)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: scope: longer "
			    "than %d bytes", it->file, it->line,
			    CIMD_SCOPE_MAX - 1);
		if ((n = realloc(s->scope, used + len + 2)) == NULL)
			return cfg_nomem(m);
		s->scope = n;
		if (used > 0)
			n[used++] = ' ';
		memcpy(n + used, w, len);
		used += len;
		n[used] = '\0';
	}
	s->pub.scope = s->scope;
	return JF_OK;
}

/* claim = NAME VALUE: a string claim these clients are given. */
static enum jf_err
cimd_claim(struct cfg_cimd_sec *s, const struct ini_item *it,
	struct jf_msg *m)
{
	static const char *const own[] = { "iss", "sub", "aud", "exp", "iat",
		"nbf", "jti", "client_id", "scope", "scp", "cnf", NULL };
	const char *p = it->value, *name, *rest;
	size_t nlen, i;

	name = cfg_next_word(&p, &nlen);
	rest = p;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (name == NULL || *rest == '\0')
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim: expected \"NAME "
		    "VALUE\", got \"%.64s\"", it->file, it->line, it->value);
	for (i = 0; own[i] != NULL; i++)
		if (strlen(own[i]) == nlen && memcmp(own[i], name, nlen) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: claim: %s is set "
			    "by the authorizer (use scope = for scopes)",
			    it->file, it->line, own[i]);
	for (i = 0; i < s->pub.nclaims; i++)
		if (strlen(s->claims[2 * i]) == nlen &&
		    memcmp(s->claims[2 * i], name, nlen) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: claim: %.*s "
			    "already set", it->file, it->line, (int)nlen, name);
	if (s->pub.nclaims == CFG_CIMD_CLAIMS)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: claim: more than %d",
		    it->file, it->line, CFG_CIMD_CLAIMS);
	i = 2 * s->pub.nclaims;
	if ((s->claims[i] = strndup(name, nlen)) == NULL ||
	    (s->claims[i + 1] = strdup(rest)) == NULL)
		return cfg_nomem(m);
	s->pub.nclaims++;
	s->pub.claims = (const char *const *)s->claims;
	return JF_OK;
}

enum jf_err
cfg_set_cimd_key(struct cfg *c, struct cfg_cimd_sec *s,
	const struct ini_item *it, struct jf_msg *m)
{
	enum jf_err rc;
	long v;

	(void)c;
	if (strcmp(it->key, "audience") == 0) {
		rc = cfg_words(it, s->aud, &s->pub.naud, CFG_MAX_AUD, m);
		s->pub.aud = (const char *const *)s->aud;
		return rc;
	}
	if (strcmp(it->key, "algorithms") == 0) {
		if ((rc = cfg_once(it, &s->algs_line, m)) != JF_OK)
			return rc;
		return cfg_algs(it, &s->pub.algs, m);
	}
	if (strcmp(it->key, "max_lifetime") == 0) {
		if ((rc = cfg_once(it, &s->life_line, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, 1, CIMD_LIFE_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: max_lifetime: "
			    "expected seconds 1..%d, got \"%.64s\"", it->file,
			    it->line, CIMD_LIFE_MAX, it->value);
		s->pub.max_lifetime = v;
		return JF_OK;
	}
	if (strcmp(it->key, "scope") == 0)
		return cimd_scope(s, it, m);
	if (strcmp(it->key, "claim") == 0)
		return cimd_claim(s, it, m);
	if (strcmp(it->key, "typ") == 0) {
		if ((rc = cfg_once(it, &s->typ_line, m)) != JF_OK)
			return rc;
		if (*it->value == '\0' || strpbrk(it->value, " \t") != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: typ: expected "
			    "one media type such as JWT, got \"%.64s\"",
			    it->file, it->line, it->value);
		if ((s->typ = strdup(it->value)) == NULL)
			return cfg_nomem(m);
		s->pub.typ = s->typ;
		return JF_OK;
	}
	return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%.64s\" in [cimd "
	    "%.64s]", it->file, it->line, it->key, s->match);
}

/* The access tokens the authorizer issues on exchange routes: its key,
 * and the issuer it then trusts itself, for every [cimd] audience. */
static enum jf_err
cimd_at_finish(struct cfg *c, struct jf_msg *m)
{
	struct jf_key *pub = NULL;
	struct jf_msg why = { .s = "" };
	char *pem = NULL;
	size_t len = 0, i, j, k;
	enum jf_err rc;

	if ((c->at_iss == NULL) != (c->at_key_path == NULL))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s needs %s too",
		    c->path, c->at_iss ? c->at_iss_line : c->at_key_line,
		    c->at_iss ? "access_token_issuer" : "access_token_key",
		    c->at_iss ? "access_token_key" : "access_token_issuer");
	if (c->at_iss == NULL)
		return JF_OK;
	if (c->ncimd == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: access_token_issuer: "
		    "access tokens are issued for [cimd] clients, and there is "
		    "no [cimd] section", c->path, c->at_iss_line);
	for (i = 0; i < c->niss; i++)
		if (strcmp(c->iss[i]->iss, c->at_iss) == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: "
			    "access_token_issuer %.64s is also an [issuer] "
			    "(line %u): the authorizer trusts its own tokens "
			    "by itself", c->path, c->at_iss_line, c->at_iss,
			    c->iss[i]->line);
	if ((rc = key_load_file(&c->at_key, c->at_key_path, &why)) != JF_OK)
		return jf_fail(m, rc == JF_E_NOMEM ? rc : JF_E_CONFIG, "%s:%u: "
		    "access_token_key: %s", c->path, c->at_key_line, why.s);
	if (!key_is_private(c->at_key))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: access_token_key %s is a "
		    "public key: the authorizer signs with it", c->path,
		    c->at_key_line, c->at_key_path);
	/* Verified with its public half only. */
	if ((c->at_keys = jwks_new()) == NULL ||
	    key_public_pem(c->at_key, &pem, &len) != JF_OK ||
	    key_from_pem(&pub, pem, len, &why) != JF_OK ||
	    jwks_add(c->at_keys, pub, &why) != JF_OK) {
		if (pem != NULL)
			key_pem_free(pem, len);
		return jf_fail(m, JF_E_CONFIG, "%s:%u: access_token_key: %s",
		    c->path, c->at_key_line, why.s[0] ? why.s :
		    "out of memory");
	}
	key_pem_free(pem, len);
	for (i = 0; i < c->ncimd; i++)
		for (j = 0; j < c->cimd[i]->pub.naud; j++) {
			for (k = 0; k < c->nat_aud; k++)
				if (strcmp(c->at_aud[k],
				    c->cimd[i]->pub.aud[j]) == 0)
					break;
			if (k == c->nat_aud)
				c->at_aud[c->nat_aud++] = c->cimd[i]->aud[j];
		}
	c->ti[c->niss].iss = c->at_iss;
	c->ti[c->niss].keys = c->at_keys;
	c->ti[c->niss].algs = JF_ALG_BIT(key_sign_alg(c->at_key));
	c->ti[c->niss].aud = (const char *const *)c->at_aud;
	c->ti[c->niss].naud = c->nat_aud;
	c->ti[c->niss].typ = "at+jwt";
	c->nti = c->niss + 1;
	return JF_OK;
}

enum jf_err
cfg_cimd_finish(struct cfg *c, struct jf_msg *m)
{
	struct cfg_cimd_sec *s;
	const struct cfg_cimd *hit;
	size_t i;

	c->nti = c->niss;
	for (i = 0; i < c->ncimd; i++) {
		s = c->cimd[i];
		if (s->algs_line == 0)
			s->pub.algs = JF_ALG_BIT(JF_ALG_ES256);
		if (s->pub.naud == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [cimd %.64s]: "
			    "audience is required: a self-issued token must "
			    "name this API", c->path, s->line, s->match);
	}
	/* One way to trust an "iss", not two. */
	for (i = 0; i < c->niss; i++)
		if ((hit = cfg_cimd_find(c, c->iss[i]->iss)) != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: [issuer %.64s] is "
			    "also a client of [cimd %.64s]", c->path,
			    c->iss[i]->line, c->iss[i]->iss, hit->match);
	if (c->cimd_opts.max_stale < c->cimd_opts.refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: cimd_max_stale (%ld s) is "
		    "under cimd_refresh (%ld s): keys would go stale between "
		    "two looks", c->path, c->cimd_opts.max_stale,
		    c->cimd_opts.refresh);
	return cimd_at_finish(c, m);
}

void
cfg_cimd_free(struct cfg_cimd_sec *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->pub.naud; i++)
		free(s->aud[i]);
	for (i = 0; i < 2 * s->pub.nclaims; i++)
		free(s->claims[i]);
	free(s->scope);
	free(s->typ);
	free(s->match);
	free(s);
}

const struct cfg_cimd *
cfg_cimd_find(const struct cfg *c, const char *url)
{
	const struct cfg_cimd *best = NULL;
	size_t i, n, blen = 0;

	/* The same client ID, else the longest prefix: a narrower section
	 * is the more specific policy. */
	for (i = 0; i < c->ncimd; i++) {
		const struct cfg_cimd *s = &c->cimd[i]->pub;

		if ((n = cimd_match(s->match, s->prefix, url)) > blen) {
			best = s;
			blen = n;
		}
	}
	return best;
}

size_t
cfg_cimd_count(const struct cfg *c)
{
	return c->ncimd;
}

const struct cfg_cimd_opts *
cfg_cimd_opts(const struct cfg *c)
{
	return &c->cimd_opts;
}

const struct jf_key *
cfg_at_key(const struct cfg *c, const char **iss, long *lifetime)
{
	if (iss != NULL)
		*iss = c->at_iss;
	if (lifetime != NULL)
		*lifetime = c->at_life;
	return c->at_key;
}
