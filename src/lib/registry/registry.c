/* registry.c - load and validate the service registry, and build its
 * indexes (index.c looks them up, check.c checks single values).
 *
 * Each identity value (SAN URI, SAN DNS name, subject CN, fingerprint)
 * belongs to at most one service, which load enforces. So one hash lookup
 * per certificate value finds every candidate, and "the certificate has a
 * value the service lists" is the same as "a lookup hit the service": no
 * rule needs a second comparison.
 *
 * Strings point into the parsed JSON tree, which lives as long as the
 * registry.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json.h"
#include "jose/jwks.h"
#include "registry/registry.h"
#include "registry/registry-int.h"


static const char *const reserved_claims[] = {
	"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope",
	"cnf", "typ", "azp", "auth_time", "acr", "amr", NULL
};
static const char *const service_members[] = {
	"id", "description", "enabled", "not_after", "match", "claims",
	"scopes", "default_scope", "audiences", "default_audience",
	"token_lifetime", "client_secret_sha256", "jwks", "bind_certificate",
	NULL
};
/* What registry_policy_parse takes: a service's policy, no identity. */
static const char *const policy_members[] = {
	"scopes", "default_scope", "audiences", "default_audience",
	"token_lifetime", "claims", NULL
};
static const char *const match_members[] = {
	"san_uri", "san_dns", "subject_cn", "fingerprint", "issuer",
	"issuer_key_id", NULL
};

static enum jf_err parse_rule(struct registry *reg, uint32_t si, int kind,
	struct json_object *v, const char *base, struct jf_msg *m);
static enum jf_err parse_issuer(struct reg_service *s, struct json_object *o,
	const char *base, struct jf_msg *m);
static enum jf_err parse_match(struct registry *reg, uint32_t si,
	struct json_object *o, const char *base, struct jf_msg *m);
static size_t list_len(struct json_object *v, size_t max);
static enum jf_err parse_lists(struct reg_service *s, struct json_object *o,
	const char *base, struct jf_msg *m);
static enum jf_err parse_scalars(struct reg_service *s, struct json_object *o,
	const char *base, struct jf_msg *m);
static enum jf_err parse_jwks(struct reg_service *s, struct json_object *v,
	const char *base, struct jf_msg *m);
static enum jf_err parse_claims(struct reg_service *s, struct json_object *o,
	const char *base, struct jf_msg *m);
static enum jf_err parse_service(struct registry *reg, uint32_t si,
	struct json_object *o, struct jf_msg *m);
static void count_values(struct json_object *svcs, size_t *n);

/* --- the schema (doc/registry.md) ------------------------------------ */

/* One identity rule: a string, or an array of 1..REGISTRY_LIST_MAX. */
static enum jf_err
parse_rule(struct registry *reg, uint32_t si, int kind, struct json_object *v,
    const char *base, struct jf_msg *m)
{
	int arr = json_object_is_type(v, json_type_array);
	size_t i, n = arr ? json_object_array_length(v) : 1, klen;
	const struct jpath *p;
	const void *key;
	const char *s;
	uint32_t old = NONE;
	enum jf_err rc;
	int r;

	if (arr && n == 0)
		return registry_bad(m, AT(base, registry_kind_name[kind], -1), "expected at least "
		    "one value");
	if (n > REGISTRY_LIST_MAX)
		return registry_bad(m, AT(base, registry_kind_name[kind], -1), "more than %d "
		    "values", REGISTRY_LIST_MAX);
	for (i = 0; i < n; i++) {
		p = AT(base, registry_kind_name[kind], arr ? (long)i : -1);
		if ((rc = registry_get_str(arr ? json_object_array_get_idx(v, i) : v, p,
		    STR_MAX, &s, m)) != JF_OK ||
		    (rc = registry_check_value(reg, kind, s, p, &key, &klen, m)) != JF_OK)
			return rc;
		if ((r = registry_rmap_put(&reg->map[kind], key, klen, si, &old)) < 0)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		if (r == 1 && old == si)
			return registry_bad(m, p, "listed twice");
		if (r == 1)
			return registry_bad(m, p, "%s \"%.60s\" already claimed by service "
			    "\"%.40s\" (services[%u])", registry_kind_name[kind], s,
			    reg->svc[old].id, old);
	}
	reg->svc[si].rules |= 1u << kind;
	return JF_OK;
}

static enum jf_err
parse_issuer(struct reg_service *s, struct json_object *o, const char *base,
    struct jf_msg *m)
{
	struct json_object *v;
	const char *t;
	size_t i;
	enum jf_err rc;

	if (json_object_object_get_ex(o, "issuer", &v)) {
		if ((rc = registry_get_str(v, AT(base, "issuer", -1), STR_MAX, &t, m)))
			return rc;
		/* Catch DNs typed the way OpenSSL or lighttpd print them: they
		 * would never equal GnuTLS's RFC 4514 string. */
		if (strchr(t, '=') == NULL)
			return registry_bad(m, AT(base, "issuer", -1), "expected an RFC "
			    "4514 DN such as CN=Service CA,O=Example");
		for (i = 1; t[i] != '\0'; i++)
			if ((t[i] == ' ' && t[i - 1] == ',' &&
			    (i < 2 || t[i - 2] != '\\')) ||
			    (t[i] == '=' && t[i - 1] == ' '))
				return registry_bad(m, AT(base, "issuer", -1), "write the "
				    "DN as certtool -i prints it: no spaces "
				    "around ',' and '='");
		s->issuer = t;
	}
	if (json_object_object_get_ex(o, "issuer_key_id", &v)) {
		if ((rc = registry_get_str(v, AT(base, "issuer_key_id", -1), 128, &t, m)))
			return rc;
		for (i = 0; isdigit((unsigned char)t[i]) ||
		    (t[i] >= 'a' && t[i] <= 'f'); i++)
			;
		if (t[i] != '\0' || i % 2 != 0)
			return registry_bad(m, AT(base, "issuer_key_id", -1), "expected "
			    "lower-case hex without colons, as certtool -i "
			    "prints it");
		s->issuer_key_id = t;
	}
	return JF_OK;
}

static enum jf_err
parse_match(struct registry *reg, uint32_t si, struct json_object *o,
    const char *svcpath, struct jf_msg *m)
{
	struct json_object *v;
	char base[48];
	enum jf_err rc;
	int k;

	snprintf(base, sizeof(base), "%s.match", svcpath);
	if (!json_object_is_type(o, json_type_object))
		return registry_bad(m, AT(base, NULL, -1), "expected an object");
	if ((rc = registry_check_members(o, base, match_members, m)) != JF_OK)
		return rc;
	for (k = 0; k < K__N; k++)
		if (json_object_object_get_ex(o, registry_kind_name[k], &v) &&
		    (rc = parse_rule(reg, si, k, v, base, m)) != JF_OK)
			return rc;
	if (reg->svc[si].rules == 0)
		return registry_bad(m, AT(base, NULL, -1), "needs at least one of "
		    "san_uri, san_dns, subject_cn, fingerprint");
	return parse_issuer(&reg->svc[si], o, base, m);
}

static size_t
list_len(struct json_object *v, size_t max)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	return n < max ? n : max;
}

static enum jf_err
parse_lists(struct reg_service *s, struct json_object *o, const char *base,
    struct jf_msg *m)
{
	struct json_object *sc = NULL, *ds = NULL, *au = NULL, *da;
	size_t i, nmax = 0;
	enum jf_err rc;
	int has_sc, has_ds, has_au;

	/* Room for what is there; parse_strlist refuses a longer list before
	 * writing any of it. One slot more, so that s->str is never NULL
	 * when a list member exists, not even an empty or mistyped one: the
	 * offsets below must not be applied to a NULL pointer (C11 6.5.6).
	 * A member that is present but null (json-c gives NULL for it) is
	 * a wrong type like any other, not an absent list. */
	if ((has_sc = json_object_object_get_ex(o, "scopes", &sc)))
		nmax += list_len(sc, REGISTRY_SCOPES_MAX);
	if ((has_ds = json_object_object_get_ex(o, "default_scope", &ds)))
		nmax += list_len(ds, REGISTRY_SCOPES_MAX);
	if ((has_au = json_object_object_get_ex(o, "audiences", &au)))
		nmax += list_len(au, REGISTRY_LIST_MAX);
	if ((has_sc || has_ds || has_au) &&
	    (s->str = calloc(nmax + 1, sizeof(*s->str))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if (has_sc && (rc = registry_parse_strlist(sc, base, "scopes",
	    REGISTRY_SCOPES_MAX, s->str, &s->nscope, m)) != JF_OK)
		return rc;
	if (has_ds && (rc = registry_parse_strlist(ds, base, "default_scope",
	    REGISTRY_SCOPES_MAX, s->str + s->nscope, &s->ndef, m)) != JF_OK)
		return rc;
	for (i = 0; i < s->ndef; i++)
		if (!registry_svc_has_scope(s, s->str[s->nscope + i],
		    strlen(s->str[s->nscope + i])))
			return registry_bad(m, AT(base, "default_scope", -1), "\"%.60s\" "
			    "is not in scopes", s->str[s->nscope + i]);
	if (has_au && (rc = registry_parse_strlist(au, base, "audiences",
	    REGISTRY_LIST_MAX, s->str + s->nscope + s->ndef, &s->naud, m)))
		return rc;
	if (json_object_object_get_ex(o, "default_audience", &da)) {
		if ((rc = registry_get_str(da, AT(base, "default_audience", -1), STR_MAX,
		    &s->default_aud, m)) != JF_OK)
			return rc;
		if (!registry_svc_has_audience(s, s->default_aud))
			return registry_bad(m, AT(base, "default_audience", -1), "\"%.60s\" "
			    "is not in audiences", s->default_aud);
	}
	return JF_OK;
}

/* description, enabled, not_after, token_lifetime, client_secret_sha256,
 * bind_certificate */
static enum jf_err
parse_scalars(struct reg_service *s, struct json_object *o, const char *base,
    struct jf_msg *m)
{
	struct json_object *v;
	const char *t;
	int64_t life;
	enum jf_err rc;

	s->enabled = 1;
	s->bind = -1;
	if (json_object_object_get_ex(o, "description", &v) && (rc = registry_get_str(v,
	    AT(base, "description", -1), STR_MAX, &t, m)) != JF_OK)
		return rc;
	if (json_object_object_get_ex(o, "enabled", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return registry_bad(m, AT(base, "enabled", -1), "expected true or "
			    "false");
		s->enabled = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "bind_certificate", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return registry_bad(m, AT(base, "bind_certificate", -1),
			    "expected true or false");
		s->bind = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, "not_after", &v)) {
		if ((rc = registry_get_str(v, AT(base, "not_after", -1), 64,
		    &s->not_after_s, m)) != JF_OK)
			return rc;
		if (registry_parse_time(s->not_after_s, &s->not_after) != 0)
			return registry_bad(m, AT(base, "not_after", -1), "expected a UTC "
			    "time like 2027-01-01T00:00:00Z");
	}
	if (json_object_object_get_ex(o, "token_lifetime", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return registry_bad(m, AT(base, "token_lifetime", -1), "expected "
			    "an integer");
		life = json_object_get_int64(v);
		if (life < 1 || life > REGISTRY_LIFETIME_MAX)
			return registry_bad(m, AT(base, "token_lifetime", -1), "expected "
			    "1..%d seconds, got %lld", REGISTRY_LIFETIME_MAX,
			    (long long)life);
		s->lifetime = (int)life;
	}
	if (json_object_object_get_ex(o, "client_secret_sha256", &v)) {
		if ((rc = registry_get_str(v, AT(base, "client_secret_sha256", -1), 64,
		    &t, m)) != JF_OK)
			return rc;
		if (strlen(t) != 64 || registry_hex_bytes(s->secret, 32, t, 0) != 0)
			return registry_bad(m, AT(base, "client_secret_sha256", -1),
			    "expected 64 hex digits (sha256sum)");
		s->has_secret = 1;
	}
	return JF_OK;
}

/* "jwks": an inline public JWKS {"keys":[...]} of the keys the client
 * signs private_key_jwt assertions with (RFC 7523 §2.2), checked by the
 * same strict parser as any JWKS: public signing keys only. */
static enum jf_err
parse_jwks(struct reg_service *s, struct json_object *v, const char *base,
    struct jf_msg *m)
{
	struct jf_msg why = { "" };
	const char *t;
	size_t n;

	if (!json_object_is_type(v, json_type_object))
		return registry_bad(m, AT(base, "jwks", -1), "expected a JWKS object "
		    "{\"keys\":[...]}");
	t = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &n);
	if (t == NULL || (s->jwks = jwks_new()) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if (jwks_parse(s->jwks, t, n, &why) != JF_OK)
		return registry_bad(m, AT(base, "jwks", -1), "%s", why.s);
	if (jwks_count(s->jwks) == 0)
		return registry_bad(m, AT(base, "jwks", -1), "expected at least one key");
	return JF_OK;
}

/* "claims": an object without a reserved name. */
static enum jf_err
parse_claims(struct reg_service *s, struct json_object *o, const char *base,
    struct jf_msg *m)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "claims", &v))
		return JF_OK;
	if (!json_object_is_type(v, json_type_object))
		return registry_bad(m, AT(base, "claims", -1), "expected an "
		    "object");
	json_object_object_foreach(v, k, cv) {
		(void)cv;
		if (registry_in_list(k, reserved_claims))
			return registry_bad(m, AT(base, "claims", -1), "\"%s\" is "
			    "a reserved claim: the mint sets it", k);
	}
	s->claims = v;
	return JF_OK;
}

static enum jf_err
parse_service(struct registry *reg, uint32_t si, struct json_object *o,
    struct jf_msg *m)
{
	struct reg_service *s = &reg->svc[si];
	struct json_object *v;
	char base[32];
	uint32_t old = NONE;
	size_t i;
	enum jf_err rc;
	int r, url;

	snprintf(base, sizeof(base), "services[%u]", si);
	if (!json_object_is_type(o, json_type_object))
		return registry_bad(m, AT(base, NULL, -1), "expected an object");
	if ((rc = registry_check_members(o, base, service_members, m)) != JF_OK)
		return rc;
	if (!json_object_object_get_ex(o, "id", &v))
		return registry_bad(m, AT(base, NULL, -1), "missing member \"id\"");
	if ((rc = registry_get_str(v, AT(base, "id", -1), REGISTRY_URL_ID_MAX,
	    &s->id, m)) != JF_OK)
		return rc;
	for (i = 0; s->id[i] != '\0'; i++)
		if (s->id[i] == ' ' || (unsigned char)s->id[i] > 0x7e)
			return registry_bad(m, AT(base, "id", -1), "expected printable "
			    "ASCII without spaces");
	/* Only a client ID metadata document's URL may be longer. */
	url = strncmp(s->id, "https://", 8) == 0;
	if (!url && i > REGISTRY_ID_MAX)
		return registry_bad(m, AT(base, "id", -1), "longer than %d bytes",
		    REGISTRY_ID_MAX);
	if ((r = registry_rmap_put(&reg->ids, s->id, i, si, &old)) < 0)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if (r == 1)
		return registry_bad(m, AT(base, "id", -1), "duplicate id \"%s\" (also "
		    "services[%u])", s->id, old);
	if ((rc = parse_scalars(s, o, base, m)) != JF_OK)
		return rc;
	if (json_object_object_get_ex(o, "jwks", &v) &&
	    (rc = parse_jwks(s, v, base, m)) != JF_OK)
		return rc;
	/* A service needs a way to authenticate: a certificate (match), a
	 * client secret or assertion keys; or, named by an https URL, the
	 * keys of the client ID metadata document there. */
	if (json_object_object_get_ex(o, "match", &v)) {
		if ((rc = parse_match(reg, si, v, base, m)) != JF_OK)
			return rc;
	} else {
		if (!s->has_secret && s->jwks == NULL && !url)
			return registry_bad(m, AT(base, NULL, -1), "missing member "
			    "\"match\"");
		s->cimd = !s->has_secret && s->jwks == NULL;
		/* A secret or an assertion binds nothing: the promise would
		 * never be kept. */
		if (s->bind == 1)
			return registry_bad(m, AT(base, "bind_certificate", -1),
			    "true needs \"match\": only a client certificate "
			    "binds a token");
	}
	if ((rc = parse_claims(s, o, base, m)) != JF_OK)
		return rc;
	return parse_lists(s, o, base, m);
}

/* Counts the values of each identity rule, to size the indexes once and
 * to give fingerprint keys one allocation that never moves (the index
 * points into it). Validation comes later. */
static void
count_values(struct json_object *svcs, size_t *n)
{
	struct json_object *match, *v;
	size_t i;
	int k;

	for (i = 0; i < json_object_array_length(svcs); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(svcs, i),
		    "match", &match) ||
		    !json_object_is_type(match, json_type_object))
			continue;
		for (k = 0; k < K__N; k++)
			if (json_object_object_get_ex(match, registry_kind_name[k], &v))
				n[k] += json_object_is_type(v, json_type_array) ?
				    json_object_array_length(v) : 1;
	}
}

enum jf_err
registry_parse(struct registry **out, const char *buf, size_t n,
    struct jf_msg *m)
{
	static const char *const top_members[] = { "services", NULL };
	struct registry *reg = NULL;
	struct json_object *svcs;
	size_t i, count[K__N] = { 0 };
	enum jf_err rc = JF_E_INTERNAL;

	*out = NULL;
	if (n > (size_t)REGISTRY_FILE_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "registry is %zu bytes, over the "
		    "limit of %ld", n, REGISTRY_FILE_MAX);
		goto fail;
	}
	if ((reg = calloc(1, sizeof(*reg))) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = json_parse(&reg->root, buf, n, REGISTRY_DEPTH, m)) != JF_OK) {
		if (rc == JF_E_INVALID_REQUEST)
			rc = JF_E_CONFIG;
		goto fail;
	}
	if (!json_object_is_type(reg->root, json_type_object)) {
		rc = jf_fail(m, JF_E_CONFIG, "registry: expected a JSON object");
		goto fail;
	}
	if ((rc = registry_check_members(reg->root, "registry", top_members, m)))
		goto fail;
	if (!json_object_object_get_ex(reg->root, "services", &svcs) ||
	    !json_object_is_type(svcs, json_type_array)) {
		rc = jf_fail(m, JF_E_CONFIG, "services: expected an array");
		goto fail;
	}
	if ((reg->nsvc = json_object_array_length(svcs)) >
	    REGISTRY_SERVICES_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "services: more than %d",
		    REGISTRY_SERVICES_MAX);
		goto fail;
	}
	count_values(svcs, count);
	reg->nfps = count[K_FP];
	if ((reg->svc = calloc(reg->nsvc + 1, sizeof(*reg->svc))) == NULL ||
	    (reg->fps = malloc(32 * reg->nfps + 1)) == NULL ||
	    registry_rmap_reserve(&reg->ids, reg->nsvc) != 0 ||
	    registry_rmap_reserve(&reg->map[K_URI], count[K_URI]) != 0 ||
	    registry_rmap_reserve(&reg->map[K_DNS], count[K_DNS]) != 0 ||
	    registry_rmap_reserve(&reg->map[K_CN], count[K_CN]) != 0 ||
	    registry_rmap_reserve(&reg->map[K_FP], count[K_FP]) != 0) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < reg->nsvc; i++)
		if ((rc = parse_service(reg, (uint32_t)i,
		    json_object_array_get_idx(svcs, i), m)) != JF_OK)
			goto fail;
	*out = reg;
	reg = NULL;
	rc = JF_OK;
fail:
	registry_free(reg);
	return rc;
}

enum jf_err
registry_policy_parse(struct registry **out, const char *id, const char *buf,
    size_t n, struct jf_msg *m)
{
	struct registry *reg = NULL;
	struct json_object *name;
	enum jf_err rc = JF_E_INTERNAL;

	*out = NULL;
	if ((reg = calloc(1, sizeof(*reg))) == NULL ||
	    (reg->svc = calloc(2, sizeof(*reg->svc))) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = json_parse(&reg->root, buf, n, REGISTRY_DEPTH, m)) != JF_OK) {
		if (rc == JF_E_INVALID_REQUEST)
			rc = JF_E_CONFIG;
		goto fail;
	}
	if (!json_object_is_type(reg->root, json_type_object)) {
		rc = jf_fail(m, JF_E_CONFIG, "%s: expected a JSON object", id);
		goto fail;
	}
	if ((rc = registry_check_members(reg->root, id, policy_members, m)))
		goto fail;
	/* The name lives in the tree, as a listed service's does. */
	if ((name = json_object_new_string(id)) == NULL ||
	    json_object_object_add(reg->root, "id", name) != 0) {
		json_object_put(name);
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	reg->nsvc = 1;
	reg->svc[0].id = json_object_get_string(name);
	reg->svc[0].cimd = 1;
	if ((rc = parse_scalars(&reg->svc[0], reg->root, id, m)) != JF_OK ||
	    (rc = parse_claims(&reg->svc[0], reg->root, id, m)) != JF_OK ||
	    (rc = parse_lists(&reg->svc[0], reg->root, id, m)) != JF_OK)
		goto fail;
	*out = reg;
	reg = NULL;
fail:
	registry_free(reg);
	return rc;
}

enum jf_err
registry_load(struct registry **out, const char *path, struct jf_msg *m)
{
	struct jf_msg why = { "" };
	FILE *f = NULL;
	char *buf = NULL;
	size_t n;
	long size;
	enum jf_err rc = JF_E_INTERNAL;

	*out = NULL;
	if ((f = fopen(path, "rb")) == NULL) {
		rc = jf_fail(m, JF_E_IO, "%s: %m", path);
		goto fail;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		rc = jf_fail(m, JF_E_IO, "%s: cannot tell its size: %m", path);
		goto fail;
	}
	if (size > REGISTRY_FILE_MAX) {
		rc = jf_fail(m, JF_E_CONFIG, "%s: %ld bytes, over the limit of "
		    "%ld", path, size, REGISTRY_FILE_MAX);
		goto fail;
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	n = fread(buf, 1, (size_t)size + 1, f);
	if (ferror(f) || n != (size_t)size) {
		rc = jf_fail(m, JF_E_IO, "%s: read error or size changed", path);
		goto fail;
	}
	if ((rc = registry_parse(out, buf, n, &why)) != JF_OK)
		jf_fail(m, rc, "%s: %s", path, why.s);
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

void
registry_free(struct registry *reg)
{
	size_t i;
	int k;

	if (reg == NULL)
		return;
	for (i = 0; reg->svc != NULL && i < reg->nsvc; i++) {
		free(reg->svc[i].str);
		jwks_free(reg->svc[i].jwks);
		explicit_bzero(reg->svc[i].secret, sizeof(reg->svc[i].secret));
	}
	for (k = 0; k < K__N; k++)
		free(reg->map[k].slot);
	free(reg->ids.slot);
	free(reg->svc);
	free(reg->fps);
	json_object_put(reg->root);
	free(reg);
}
