/* jwks.c - a bounded set of keys (RFC 7517 §5), parsed once.
 *
 * A JWKS document is all or nothing: if any member is not a usable public
 * signing key, none of its keys is added, and the message names the
 * member's index. Silently skipping a bad key would leave an operator
 * wondering why tokens signed with it fail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "util/json.h"
#include "util/file.h"
#include "jose/jwks.h"

/* {"keys":[{...}]}: the array and a key object are all the nesting a
 * JWKS needs; a little room for members such as "x5c" arrays. */
#define JWKS_JSON_DEPTH 4

struct jwks {
	struct jf_key *keys[JWKS_MAX_KEYS];
	size_t n;
};

struct jwks *
jwks_new(void)
{
	return calloc(1, sizeof(struct jwks));
}

void
jwks_free(struct jwks *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		key_free(s->keys[i]);
	free(s);
}

size_t
jwks_count(const struct jwks *s)
{
	return s->n;
}

const struct jf_key *
jwks_get(const struct jwks *s, size_t i)
{
	return i < s->n ? s->keys[i] : NULL;
}

/* Linear: at most JWKS_MAX_KEYS short strings, cheaper than hashing. */
const struct jf_key *
jwks_find(const struct jwks *s, const char *kid)
{
	size_t i;

	if (kid == NULL)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (strcmp(key_kid(s->keys[i]), kid) == 0)
			return s->keys[i];
	return NULL;
}

enum jf_err
jwks_add(struct jwks *s, struct jf_key *k, struct jf_msg *m)
{
	enum jf_err rc = JF_E_CONFIG;

	if (s->n >= JWKS_MAX_KEYS) {
		jf_fail(m, rc, "more than %d keys", JWKS_MAX_KEYS);
		goto fail;
	}
	/* kid picks the key; two keys with one kid would make that a guess. */
	if (jwks_find(s, key_kid(k)) != NULL) {
		jf_fail(m, rc, "duplicate kid \"%.64s\"", key_kid(k));
		goto fail;
	}
	s->keys[s->n++] = k;
	k = NULL;
	rc = JF_OK;
fail:
	key_free(k);
	return rc;
}

/* The strict and the lenient parse share everything but what happens to
 * a member that is not a usable key: strict refuses the document, lenient
 * (skip != NULL) reports and drops the member. */
static enum jf_err
jwks_parse_any(struct jwks *s, const char *json, size_t len, unsigned algs,
	jwks_skip_fn skip, void *arg, struct jf_msg *m)
{
	struct jwks tmp = { { NULL }, 0 };
	struct json_object *doc = NULL, *arr = NULL;
	struct jf_key *k = NULL;
	struct jf_msg km = { "" };
	size_t i, count;
	unsigned a;
	enum jf_err rc = JF_E_CONFIG;

	if (len > JWKS_MAX_BYTES) {
		jf_fail(m, rc, "JWKS over %d bytes", JWKS_MAX_BYTES);
		goto fail;
	}
	if ((rc = json_parse(&doc, json, len, JWKS_JSON_DEPTH, &km)) != JF_OK) {
		rc = rc == JF_E_NOMEM ? rc : JF_E_CONFIG;
		jf_fail(m, rc, "%s", km.s);
		goto fail;
	}
	rc = JF_E_CONFIG;
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "keys", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		jf_fail(m, rc, "not a JWKS: want {\"keys\":[...]}");
		goto fail;
	}
	count = json_object_array_length(arr);
	if (count == 0) {
		jf_fail(m, rc, "keys: empty");
		goto fail;
	}
	if (skip == NULL && count > JWKS_MAX_KEYS - s->n) {
		jf_fail(m, rc, "keys: %zu keys, room for %zu (at most %d)", count,
		    JWKS_MAX_KEYS - s->n, JWKS_MAX_KEYS);
		goto fail;
	}
	for (i = 0; i < count; i++) {
		if (skip != NULL && s->n + tmp.n == JWKS_MAX_KEYS) {
			skip(arg, i, "no room: a key set holds at most "
			    "JWKS_MAX_KEYS keys");
			continue;
		}
		if ((rc = key_from_jwk(&k, json_object_array_get_idx(arr, i),
		    &km)) != JF_OK) {
			if (skip != NULL && rc != JF_E_NOMEM) {
				skip(arg, i, km.s);
				continue;
			}
			jf_fail(m, rc, "keys[%zu]: %s", i, km.s);
			goto fail;
		}
		for (a = 1; a < JF_ALG__LAST; a++)
			if ((algs & JF_ALG_BIT(a)) && key_allows(k, (enum jf_alg)a))
				break;
		if (skip != NULL && a == JF_ALG__LAST) {
			skip(arg, i, "its algorithm is not one the issuer allows");
			key_free(k);
			k = NULL;
			continue;
		}
		if (jwks_find(s, key_kid(k)) != NULL ||
		    jwks_find(&tmp, key_kid(k)) != NULL) {
			if (skip != NULL) {
				skip(arg, i, "duplicate kid");
				key_free(k);
				k = NULL;
				continue;
			}
			rc = jf_fail(m, JF_E_CONFIG, "keys[%zu]: duplicate kid "
			    "\"%.64s\"", i, key_kid(k));
			goto fail;
		}
		if ((rc = jwks_add(&tmp, k, &km)) != JF_OK) {
			k = NULL;       /* jwks_add freed it */
			jf_fail(m, rc, "keys[%zu]: %s", i, km.s);
			goto fail;
		}
		k = NULL;
	}
	if (tmp.n == 0) {
		rc = jf_fail(m, JF_E_CONFIG, "no usable key among the %zu "
		    "members", count);
		goto fail;
	}
	/* All checked: move them over; nothing below can fail. */
	for (i = 0; i < tmp.n; i++)
		s->keys[s->n++] = tmp.keys[i];
	tmp.n = 0;
	rc = JF_OK;
fail:
	key_free(k);
	for (i = 0; i < tmp.n; i++)
		key_free(tmp.keys[i]);
	json_object_put(doc);
	return rc;
}

enum jf_err
jwks_parse(struct jwks *s, const char *json, size_t len, struct jf_msg *m)
{
	return jwks_parse_any(s, json, len, ~0u, NULL, NULL, m);
}

enum jf_err
jwks_parse_lenient(struct jwks *s, const char *json, size_t len,
	unsigned algs, jwks_skip_fn skip, void *arg, struct jf_msg *m)
{
	return jwks_parse_any(s, json, len, algs, skip, arg, m);
}

enum jf_err
jwks_load_file(struct jwks *s, const char *path, struct jf_msg *m)
{
	char *buf = NULL;
	size_t len = 0;
	enum jf_err rc;

	if ((rc = file_read(path, JWKS_MAX_BYTES, &buf, &len, m)) != JF_OK)
		goto fail;
	if ((rc = jwks_parse(s, buf, len, m)) != JF_OK && m != NULL) {
		char why[JF_MSG_MAX];

		snprintf(why, sizeof(why), "%s", m->s);
		jf_fail(m, rc, "%s: %s", path, why);
	}
fail:
	free(buf);
	return rc;
}

char *
jwks_to_json(const struct jwks *s)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *jwk;
	char *out = NULL;
	size_t i;

	if (doc == NULL || arr == NULL) {
		json_object_put(arr);
		goto fail;
	}
	if (json_object_object_add(doc, "keys", arr) != 0) {
		json_object_put(arr);
		goto fail;
	}
	for (i = 0; i < s->n; i++) {
		if ((jwk = key_to_jwk(s->keys[i])) == NULL)
			goto fail;
		if (json_object_array_add(arr, jwk) != 0) {
			json_object_put(jwk);
			goto fail;
		}
	}
	out = strdup(json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
fail:
	json_object_put(doc);
	return out;
}
