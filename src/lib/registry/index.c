/* index.c - the registry's hash indexes and the lookups over them:
 * registry_match, registry_find_id and the registry_svc_* accessors.
 *
 * The hash is unseeded FNV-1a: keys come from the operator's file, and a
 * client picks only lookup keys, each costing one probe run in a table
 * kept at most half full. registry.c fills the tables at load (registry_rmap_put);
 * the lookups allocate nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert.h"
#include "registry/registry.h"
#include "registry/registry-int.h"

/* The match rule names, also the registry's JSON member names. Here, not
 * in registry.c, so that the parser depends on the index and not back. */
const char *const registry_kind_name[K__N] = {
	"san_uri", "san_dns", "subject_cn", "fingerprint"
};

static uint64_t rhash(const void *key, size_t len);
static enum jf_err usable(const struct reg_service *s, time_t now,
	struct jf_msg *m);
static enum jf_err explain(const struct reg_service *s, unsigned hit,
	const struct cert *c, struct jf_msg *m);

/* --- hash index ------------------------------------------------------ */

static uint64_t
rhash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* Grows h to hold n keys at most half full. -1 without memory. */
int
registry_rmap_reserve(struct rmap *h, size_t n)
{
	struct rslot *ns;
	size_t i, j, ncap = h->cap ? h->cap : 64;

	while (ncap < 2 * n)
		ncap *= 2;
	if (ncap == h->cap)
		return 0;
	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < h->cap; i++) {
		if (h->slot[i].key == NULL)
			continue;
		j = rhash(h->slot[i].key, h->slot[i].len) & (ncap - 1);
		while (ns[j].key != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = h->slot[i];
	}
	free(h->slot);
	h->slot = ns;
	h->cap = ncap;
	return 0;
}

/* Inserts key -> svc. Returns 1 and sets *old if the key is taken, 0 if
 * inserted, -1 without memory. */
int
registry_rmap_put(struct rmap *h, const void *key, size_t len, uint32_t svc,
    uint32_t *old)
{
	struct rslot *s;
	size_t i;

	if (registry_rmap_reserve(h, h->n + 1) != 0)
		return -1;
	for (i = rhash(key, len) & (h->cap - 1); (s = &h->slot[i])->key != NULL;
	    i = (i + 1) & (h->cap - 1)) {
		if (s->len == len && memcmp(s->key, key, len) == 0) {
			*old = s->svc;
			return 1;
		}
	}
	s->key = key;
	s->len = (uint32_t)len;
	s->svc = svc;
	h->n++;
	return 0;
}

uint32_t
registry_rmap_get(const struct rmap *h, const void *key, size_t len)
{
	size_t i;

	if (h->cap == 0)
		return NONE;
	for (i = rhash(key, len) & (h->cap - 1); h->slot[i].key != NULL;
	    i = (i + 1) & (h->cap - 1))
		if (h->slot[i].len == len && memcmp(h->slot[i].key, key, len) == 0)
			return h->slot[i].svc;
	return NONE;
}

/* --- lookups --------------------------------------------------------- */
/* --- lookups --------------------------------------------------------- */

static enum jf_err
usable(const struct reg_service *s, time_t now, struct jf_msg *m)
{
	if (!s->enabled)
		return jf_fail(m, JF_E_INVALID_CLIENT, "service %s is disabled",
		    s->id);
	if (s->not_after_s != NULL && now >= s->not_after)
		return jf_fail(m, JF_E_INVALID_CLIENT, "service %s expired on "
		    "%s", s->id, s->not_after_s);
	return JF_OK;
}

/* Why candidate s, hit by some of the certificate's values, still fails. */
static enum jf_err
explain(const struct reg_service *s, unsigned hit, const struct cert *c,
    struct jf_msg *m)
{
	int k;

	for (k = 0; k < K__N; k++)
		if ((s->rules & ~hit) & (1u << k))
			return jf_fail(m, JF_E_INVALID_CLIENT, "certificate %.80s "
			    "does not match the %s rule of service %s",
			    cert_subject_dn(c), registry_kind_name[k], s->id);
	if (s->issuer != NULL && strcmp(s->issuer, cert_issuer_dn(c)) != 0)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate %.80s: "
		    "issuer %.60s is not the one service %s names",
		    cert_subject_dn(c), cert_issuer_dn(c), s->id);
	return jf_fail(m, JF_E_INVALID_CLIENT, "certificate %.80s: issuer key "
	    "id differs from the one service %s names", cert_subject_dn(c),
	    s->id);
}

enum jf_err
registry_match(const struct registry *reg, const struct cert *c, time_t now,
    const struct reg_service **svc, struct jf_msg *m)
{
	/* At most one hit per certificate value: 2 * CERT_SAN_MAX + 2. */
	struct { uint32_t svc; unsigned kinds; } hit[2 * CERT_SAN_MAX + 2];
	char lower[CERT_VALUE_MAX + 1];
	const struct reg_service *s, *found = NULL, *other = NULL;
	const char *v;
	size_t nhit = 0, i, j, len;
	uint32_t idx;
	int k;

	*svc = NULL;
	for (k = 0; k < K__N; k++) {
		for (i = 0;; i++) {
			v = k == K_URI ? cert_san_uri(c, i) : k == K_DNS ?
			    cert_san_dns(c, i) : i > 0 ? NULL : k == K_CN ?
			    cert_subject_cn(c) : (const char *)cert_sha256(c);
			if (v == NULL)
				break;
			len = k == K_FP ? 32 : strlen(v);
			if (k == K_DNS) {
				for (j = 0; j < len; j++)
					lower[j] = (v[j] >= 'A' && v[j] <= 'Z') ?
					    (char)(v[j] | 0x20) : v[j];
				v = lower;
			}
			if ((idx = registry_rmap_get(&reg->map[k], v, len)) == NONE)
				continue;
			for (j = 0; j < nhit && hit[j].svc != idx; j++)
				;
			if (j == nhit) {
				hit[nhit].svc = idx;
				hit[nhit++].kinds = 0;
			}
			hit[j].kinds |= 1u << k;
		}
	}
	for (j = 0; j < nhit; j++) {
		s = &reg->svc[hit[j].svc];
		if ((s->rules & ~hit[j].kinds) != 0 ||
		    (s->issuer != NULL && strcmp(s->issuer, cert_issuer_dn(c))) ||
		    (s->issuer_key_id != NULL && (cert_issuer_key_id(c) == NULL ||
		    strcmp(s->issuer_key_id, cert_issuer_key_id(c)) != 0)))
			continue;
		if (found == NULL)
			found = s;
		else
			other = s;
	}
	if (other != NULL)
		return jf_fail(m, JF_E_INVALID_CLIENT, "certificate %.80s matches "
		    "services %s and %s: ambiguous", cert_subject_dn(c),
		    found->id, other->id);
	if (found == NULL && nhit > 0)
		return explain(&reg->svc[hit[0].svc], hit[0].kinds, c, m);
	if (found == NULL)
		return jf_fail(m, JF_E_INVALID_CLIENT, "no service is registered "
		    "for certificate %.80s", cert_subject_dn(c));
	if (usable(found, now, m) != JF_OK)
		return JF_E_INVALID_CLIENT;
	*svc = found;
	return JF_OK;
}

enum jf_err
registry_find_id(const struct registry *reg, const char *id, time_t now,
    const struct reg_service **svc, struct jf_msg *m)
{
	uint32_t idx;

	*svc = NULL;
	if ((idx = registry_rmap_get(&reg->ids, id, strlen(id))) == NONE)
		return jf_fail(m, JF_E_INVALID_CLIENT, "unknown client_id "
		    "\"%.64s\"", id);
	if (usable(&reg->svc[idx], now, m) != JF_OK)
		return JF_E_INVALID_CLIENT;
	*svc = &reg->svc[idx];
	return JF_OK;
}

int
registry_has_id(const struct registry *reg, const char *id)
{
	return registry_rmap_get(&reg->ids, id, strlen(id)) != NONE;
}

/* --- accessors ------------------------------------------------------- */

size_t registry_count(const struct registry *r) { return r->nsvc; }

size_t
registry_cert_count(const struct registry *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nsvc; i++)
		n += r->svc[i].rules != 0;
	return n;
}

const struct reg_service *
registry_service(const struct registry *r, size_t i)
{
	return i < r->nsvc ? &r->svc[i] : NULL;
}

const char *registry_svc_id(const struct reg_service *s) { return s->id; }
int registry_svc_enabled(const struct reg_service *s) { return s->enabled; }
int registry_svc_lifetime(const struct reg_service *s) { return s->lifetime; }

int
registry_svc_bind(const struct reg_service *s, int dflt)
{
	if (s->rules == 0)
		return 0;
	return s->bind >= 0 ? s->bind : dflt != 0;
}

time_t
registry_svc_not_after(const struct reg_service *s)
{
	return s->not_after_s != NULL ? s->not_after : 0;
}

const struct json_object *
registry_svc_claims(const struct reg_service *s)
{
	return s->claims;
}

size_t
registry_svc_scope_count(const struct reg_service *s)
{
	return s->nscope;
}

const char *
registry_svc_scope(const struct reg_service *s, size_t i)
{
	return i < s->nscope ? s->str[i] : NULL;
}

size_t
registry_svc_default_scope_count(const struct reg_service *s)
{
	return s->ndef;
}

const char *
registry_svc_default_scope(const struct reg_service *s, size_t i)
{
	return i < s->ndef ? s->str[s->nscope + i] : NULL;
}

int
registry_svc_has_scope(const struct reg_service *s, const char *tok, size_t n)
{
	size_t i;

	for (i = 0; i < s->nscope; i++)
		if (strlen(s->str[i]) == n && memcmp(s->str[i], tok, n) == 0)
			return 1;
	return 0;
}

size_t
registry_svc_audience_count(const struct reg_service *s)
{
	return s->naud;
}

const char *
registry_svc_audience(const struct reg_service *s, size_t i)
{
	return i < s->naud ? s->str[s->nscope + s->ndef + i] : NULL;
}

const char *
registry_svc_default_audience(const struct reg_service *s)
{
	return s->default_aud;
}

int
registry_svc_has_audience(const struct reg_service *s, const char *aud)
{
	size_t i;

	for (i = 0; i < s->naud; i++)
		if (strcmp(s->str[s->nscope + s->ndef + i], aud) == 0)
			return 1;
	return 0;
}

const unsigned char *
registry_svc_secret_sha256(const struct reg_service *s)
{
	return s->has_secret ? s->secret : NULL;
}

const struct jwks *
registry_svc_jwks(const struct reg_service *s)
{
	return s->jwks;
}

int
registry_svc_cimd(const struct reg_service *s)
{
	return s->cimd;
}
