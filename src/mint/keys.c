/* keys.c - the mint's keys over time: which key signs now, the JWKS
 * document of now with a Cache-Control that does not outlive it, and
 * what an operator should hear about the schedule.
 *
 * The published keys change only at a key's published or removed date,
 * so at load the mint writes one JWKS document per span between two such
 * dates (at most 2 * KEYSET_KEYS_MAX + 1, each a few KiB) and a request
 * only picks one: no file, no key parsing, no allocation on the request
 * path, and a state that stays read-only, as mint.h promises. The signer
 * is a loop over at most KEYSET_KEYS_MAX entries (keyset_signer).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/keyset.h"
#include "mint.h"

static int keys_cmp(const void *a, const void *b);
static enum jf_err keys_doc(const struct keyset *ks, int64_t t,
	struct mint_jwks_doc *d);

static int
keys_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* {"keys":[...]} of the keys published at t, in the set's order. */
static enum jf_err
keys_doc(const struct keyset *ks, int64_t t, struct mint_jwks_doc *d)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *jwk;
	enum keyset_state st;
	const char *text;
	size_t i;
	enum jf_err rc = JF_E_NOMEM;

	if (doc == NULL || arr == NULL ||
	    json_object_object_add(doc, "keys", arr) != 0) {
		json_object_put(arr);
		goto fail;
	}
	for (i = 0; i < keyset_count(ks); i++) {
		st = keyset_state_at(keyset_get(ks, i), t);
		if (st != KEYSET_PENDING && st != KEYSET_ACTIVE &&
		    st != KEYSET_RETIRED)
			continue;
		if ((jwk = key_to_jwk(keyset_key(ks, i))) == NULL)
			goto fail;
		if (json_object_array_add(arr, jwk) != 0) {
			json_object_put(jwk);
			goto fail;
		}
	}
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL || (d->json = strdup(text)) == NULL)
		goto fail;
	d->len = strlen(d->json);
	d->from = t;
	rc = d->len > REQ_BODY_MAX ? JF_E_CONFIG : JF_OK;
fail:
	json_object_put(doc);
	return rc;
}

enum jf_err
mint_keys_build(struct mint_state *s, struct jf_msg *m)
{
	const struct keyset *ks = s->conf->keyset;
	int64_t b[2 * KEYSET_KEYS_MAX], v;
	size_t nb = 0, i, k;
	enum jf_err rc = JF_E_NOMEM;

	for (i = 0; i < keyset_count(ks); i++) {
		if ((v = keyset_get(ks, i)->at[KEYSET_PUBLISHED]) != KEYSET_NEVER)
			b[nb++] = v;
		if ((v = keyset_get(ks, i)->at[KEYSET_REMOVED]) != KEYSET_NEVER)
			b[nb++] = v;
	}
	qsort(b, nb, sizeof(b[0]), keys_cmp);
	for (i = k = 0; i < nb; i++)
		if (k == 0 || b[i] != b[k - 1])
			b[k++] = b[i];
	nb = k;
	/* Before the first date, then from each date on. */
	if ((s->jwks = calloc(nb + 1, sizeof(*s->jwks))) == NULL)
		goto fail;
	for (i = 0; i <= nb; i++) {
		if ((rc = keys_doc(ks, i == 0 ? INT64_MIN : b[i - 1],
		    &s->jwks[i])) != JF_OK) {
			s->njwks = i + 1;
			goto fail;
		}
	}
	s->njwks = nb + 1;
	return JF_OK;
fail:
	if (rc == JF_E_CONFIG)
		return jf_fail(m, rc, "%s: JWKS larger than the %d bytes a "
		    "response may hold", s->conf->path, REQ_BODY_MAX);
	return jf_fail(m, rc, "out of memory");
}

void
mint_keys_free(struct mint_state *s)
{
	size_t i;

	for (i = 0; i < s->njwks; i++)
		free(s->jwks[i].json);
	free(s->jwks);
	s->jwks = NULL;
	s->njwks = 0;
}

/* max-age: jwks_max_age, but never past the next published or removed
 * date, so that no cache (a proxy's, a verifier's) keeps a JWKS after a
 * key appears in it or leaves it. */
const struct mint_jwks_doc *
mint_jwks_at(const struct mint_state *s, time_t now, long *max_age)
{
	size_t i = s->njwks;
	int64_t left;

	while (i > 1 && s->jwks[i - 1].from > (int64_t)now)
		i--;
	*max_age = s->conf->jwks_max_age;
	if (i < s->njwks) {
		left = s->jwks[i].from - (int64_t)now;
		if (left < *max_age)
			*max_age = (long)left;
	}
	return &s->jwks[i - 1];
}

void
mint_jwks(const struct mint_state *s, struct req *r, int head)
{
	const struct mint_jwks_doc *d;
	long age;

	d = mint_jwks_at(s, time(NULL), &age);
	req_header(r, "Content-Type", "application/jwk-set+json");
	req_header(r, "Cache-Control", "public, max-age=%ld", age);
	if (!head)
		req_body(r, d->json, d->len);
}

const struct jf_key *
mint_signer(const struct mint_state *s, time_t now, struct jf_msg *why,
	long *retry_after)
{
	const struct keyset *ks = s->conf->keyset;
	long i = keyset_signer(ks, (int64_t)now);
	int64_t next;

	if (i >= 0)
		return keyset_key(ks, (size_t)i);
	next = keyset_idle(ks, (int64_t)now, why);
	/* Retry-After only for a wait the schedule knows. */
	if (retry_after != NULL && next != KEYSET_NEVER)
		*retry_after = next - (int64_t)now > 86400 ? 86400 :
		    (long)(next - (int64_t)now);
	return NULL;
}

void
mint_keys_lint(const struct mint_state *s, time_t now, keyset_warn_fn warn,
	void *arg)
{
	const struct mint_conf *c = s->conf;

	keyset_lint(c->keyset, (int64_t)now, c->max_token_lifetime +
	    c->leeway, c->jwks_max_age, warn, arg);
}
