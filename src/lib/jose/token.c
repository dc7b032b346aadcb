/* token.c - compact JWS JWTs: verify against pinned issuers (tok_sign is
 * in sign.c, the claim checks in claims.c, the messages in report.c).
 *
 * Nothing in a token chooses how it is checked (RFC 8725 §2.1, §3.1): the
 * issuer named by "iss" selects a configured key set and algorithm list,
 * and "kid" is only ever an exact lookup in that set. Keys the token
 * carries or points at (jwk, jku, x5u, x5c) are refused outright rather
 * than ignored: a token that asks to be checked with a key of its own
 * choosing is an attack (CVE-2018-0114), and refusing it says so in the
 * log instead of failing later as a plain bad signature.
 *
 * Verification decodes into one stack buffer bounded by
 * TOK_MAX_BYTES_LIMIT (a larger Status List Token, up to
 * TOK_MAX_BYTES_SLIST, into a heap one); the other heap use is json-c's
 * trees and the struct tok handed to the caller.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "util/json.h"
#include "jose/token.h"
#include "jose/token-int.h"

#define TOK_KID_MAX 256         /* bytes of a "kid" we are willing to look up */
/* Sum of the decoded segments of a TOK_MAX_BYTES_LIMIT token. */
#define TOK_DEC_BUF (B64URL_DEC_MAX(TOK_MAX_BYTES_LIMIT) + 8)

struct seg {
	const char *p;
	size_t n;
};

/* What the header asked for, after it passed check_header(). */
struct hdr {
	enum jf_alg alg;
	const char *kid;                /* NULL: absent */
	const char *typ;                /* NULL: absent */
};

static const char *jstr(const struct json_object *o, const char *key,
	size_t *len, int *present);
static enum jf_err check_shape(struct vctx *c, const char *s, size_t n,
	size_t max, struct seg sg[3]);
static enum jf_err parse_obj(struct vctx *c, const char *what,
	const unsigned char *p, size_t n, struct json_object **out);
static enum jf_err check_header(struct vctx *c, const struct json_object *h,
	struct hdr *out);
static enum jf_err find_issuer(struct vctx *c, const struct tok_rules *r,
	const struct json_object *cl, const struct tok_issuer **out);
static int lower(int ch);
static int ascii_ieq(const char *a, const char *b, size_t n);
static int typ_equal(const char *a, const char *b);
static size_t sig_len_want(enum jf_alg a);
static enum jf_err check_sig(struct vctx *c, const struct tok_issuer *is,
	const struct hdr *h, const char *in, size_t inlen,
	const unsigned char *sig, size_t siglen, const struct jf_key **used);

/* The string member key of o with its length; NULL if absent, not a
 * string, or holding a NUL (which would let "ES256\u0000x" compare equal
 * to "ES256" in C). *present says whether the member exists at all. */
static const char *
jstr(const struct json_object *o, const char *key, size_t *len, int *present)
{
	struct json_object *v;
	const char *s;
	int n;

	*present = json_object_object_get_ex(o, key, &v);
	if (!*present || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (s == NULL || n < 0 || strlen(s) != (size_t)n)
		return NULL;
	*len = (size_t)n;
	return s;
}

static enum jf_err
check_shape(struct vctx *c, const char *s, size_t n, size_t max,
	struct seg sg[3])
{
	size_t i, dots = 0, start = 0;

	if (n > max)
		return tok_vfail(c, JF_E_TOKEN_TOO_BIG, "size",
		    "token is %zu bytes, over the limit of %zu", n, max);
	tok_vpass(c, "size", "%zu bytes (limit %zu)", n, max);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			dots++;
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return tok_vfail(c, JF_E_TOKEN_MALFORMED, "shape",
			    "byte %zu of the token is outside the base64url "
			    "alphabet (no padding or whitespace allowed)", i);
	}
	if (dots != 2)
		return tok_vfail(c, JF_E_TOKEN_MALFORMED, "shape", "token has %zu "
		    "segment%s, a compact JWS has 3", dots + 1, dots ? "s" : "");
	for (i = 0, dots = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		sg[dots].p = s + start;
		sg[dots].n = i - start;
		start = i + 1;
		dots++;
	}
	if (sg[0].n == 0 || sg[1].n == 0)
		return tok_vfail(c, JF_E_TOKEN_MALFORMED, "shape",
		    "empty %s segment", sg[0].n == 0 ? "header" : "payload");
	if (sg[2].n == 0)
		return tok_vfail(c, JF_E_TOKEN_MALFORMED, "shape",
		    "empty signature: unsecured JWTs are never accepted");
	return JF_OK;
}

static enum jf_err
parse_obj(struct vctx *c, const char *what, const unsigned char *p,
	size_t n, struct json_object **out)
{
	struct jf_msg jm = { "" };
	enum jf_err rc;

	rc = json_parse(out, (const char *)p, n, TOK_JSON_DEPTH, &jm);
	if (rc == JF_E_NOMEM)
		return tok_vfail(c, rc, what, "out of memory parsing the %s", what);
	if (rc != JF_OK)
		return tok_vfail(c, JF_E_TOKEN_MALFORMED, what,
		    "%s is not acceptable JSON: %s", what, jm.s);
	if (!json_object_is_type(*out, json_type_object)) {
		enum json_type t = json_object_get_type(*out);

		json_object_put(*out);
		*out = NULL;
		return tok_vfail(c, JF_E_TOKEN_MALFORMED, what,
		    "%s is a JSON %s, not an object", what,
		    json_type_to_name(t));
	}
	return JF_OK;
}

static enum jf_err
check_header(struct vctx *c, const struct json_object *h, struct hdr *out)
{
	/* Keys named or carried by the token: never used, so refused. */
	static const char *const never[] = { "jwk", "jku", "x5u", "x5c" };
	char e[TOK_ECHO_BUF];
	struct json_object *v;
	const char *s;
	size_t i, len = 0;
	int present;

	memset(out, 0, sizeof(*out));
	if ((s = jstr(h, "alg", &len, &present)) == NULL)
		return tok_vfail(c, JF_E_ALG, "alg", present ?
		    "header \"alg\" is not a plain string" :
		    "header has no \"alg\"");
	out->alg = jf_alg_from_name(s);
	if (out->alg == JF_ALG_NONE)
		return tok_vfail(c, JF_E_ALG, "alg", "alg \"%s\" is never accepted "
		    "(only ES256, ES384, RS256, PS256, EdDSA)", tok_echo(e, s, len));
	tok_vpass(c, "alg", "%s is a supported algorithm", s);

	/* RFC 7515 §4.1.11: we implement no extension, so any crit is
	 * refused; a malformed one as well. */
	if (json_object_object_get_ex(h, "crit", &v)) {
		struct json_object *x;

		if (!json_object_is_type(v, json_type_array) ||
		    json_object_array_length(v) == 0)
			return tok_vfail(c, JF_E_HEADER, "crit",
			    "header \"crit\" is not a non-empty array");
		x = json_object_array_get_idx(v, 0);
		if (!json_object_is_type(x, json_type_string))
			return tok_vfail(c, JF_E_HEADER, "crit",
			    "header \"crit\" holds a non-string");
		return tok_vfail(c, JF_E_HEADER, "crit", "crit extension \"%s\" is "
		    "not understood", tok_echo(e, json_object_get_string(x),
		    (size_t)json_object_get_string_len(x)));
	}
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (json_object_object_get_ex(h, never[i], NULL))
			return tok_vfail(c, JF_E_HEADER, "header", "header carries "
			    "\"%s\": a key named by the token is never trusted",
			    never[i]);
	/* RFC 7797: only the default b64=true is meaningful to us. */
	if (json_object_object_get_ex(h, "b64", &v) &&
	    !(json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v)))
		return tok_vfail(c, JF_E_HEADER, "header",
		    "unencoded payload (RFC 7797 b64) is not supported");

	out->kid = jstr(h, "kid", &len, &present);
	if (present && (out->kid == NULL || len > TOK_KID_MAX))
		return tok_vfail(c, JF_E_HEADER, "kid", "header \"kid\" must be a "
		    "string of at most %d bytes", TOK_KID_MAX);
	out->typ = jstr(h, "typ", &len, &present);
	if (present && out->typ == NULL)
		return tok_vfail(c, JF_E_HEADER, "typ",
		    "header \"typ\" is not a plain string");
	tok_vpass(c, "header", "no crit, no embedded or remote keys");
	return JF_OK;
}

static enum jf_err
find_issuer(struct vctx *c, const struct tok_rules *r,
	const struct json_object *cl, const struct tok_issuer **out)
{
	char e[TOK_ECHO_BUF];
	const char *s;
	size_t i, len = 0;
	int present;

	if ((s = jstr(cl, "iss", &len, &present)) == NULL)
		return tok_vfail(c, JF_E_ISSUER, "iss", present ?
		    "claim \"iss\" is not a plain string" :
		    "claim \"iss\" is missing");
	for (i = 0; i < r->nissuers; i++) {
		const char *want = r->issuers[i].iss;

		if (want && strlen(want) == len && memcmp(want, s, len) == 0) {
			*out = &r->issuers[i];
			tok_vpass(c, "iss", "issuer %s is trusted", want);
			return JF_OK;
		}
	}
	return tok_vfail(c, JF_E_ISSUER, "iss", "issuer \"%s\" is not trusted",
	    tok_echo(e, s, len));
}

/* ASCII case folding; strcasecmp would follow the locale. */
static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

static int
ascii_ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
		if (a[i] == '\0')
			return 1;
	}
	return 1;
}

/* RFC 7515 §4.1.9: media types compare case-insensitively, and a value
 * without '/' means "application/" + value, so "at+jwt" equals
 * "application/AT+JWT" but not "text/at+jwt". */
static int
typ_equal(const char *a, const char *b)
{
	static const char app[] = "application/";
	const size_t alen = sizeof(app) - 1;

	if (ascii_ieq(a, app, alen))
		a += alen;
	if (ascii_ieq(b, app, alen))
		b += alen;
	return ascii_ieq(a, b, (size_t)-1);
}

/* Expected JOSE signature length, or 0 where it depends on the key. */
static size_t
sig_len_want(enum jf_alg a)
{
	switch (a) {
	case JF_ALG_ES256: return 64;
	case JF_ALG_ES384: return 96;
	case JF_ALG_EDDSA: return 64;
	case JF_ALG_NONE:
	case JF_ALG_RS256:
	case JF_ALG_PS256:
	case JF_ALG__LAST: break;
	}
	return 0;
}

static enum jf_err
check_sig(struct vctx *c, const struct tok_issuer *is, const struct hdr *h,
	const char *in, size_t inlen, const unsigned char *sig, size_t siglen,
	const struct jf_key **used)
{
	const struct jwks *sets[2] = { is->keys, is->rkeys };
	const char *an = jf_alg_name(h->alg);
	const struct jf_key *k = NULL, *any = NULL;
	char e[TOK_ECHO_BUF], note[JF_MSG_MAX];
	size_t i, j, tried = 0, want = sig_len_want(h->alg);
	enum jf_err rc;

	/* A remote source without keys says why, at the end of a refusal. */
	note[0] = '\0';
	if (is->rnote != NULL && *is->rnote != '\0')
		snprintf(note, sizeof(note), " (%.400s)", is->rnote);
	if (h->kid) {
		tok_echo(e, h->kid, strlen(h->kid));
		for (j = 0; j < 2 && k == NULL; j++)
			if (sets[j] != NULL)
				k = jwks_find(sets[j], h->kid);
		if (k == NULL)
			return tok_vfail(c, JF_E_NO_KEY, "key", "no key with kid "
			    "\"%s\" for issuer %s%s", e, is->iss, note);
		if (!key_allows(k, h->alg))
			return tok_vfail(c, JF_E_NO_KEY, "key", "key \"%s\" of issuer"
			    " %s does not allow %s", e, is->iss, an);
		tok_vpass(c, "key", "kid \"%s\" found", e);
	} else {
		for (j = 0; j < 2 && any == NULL; j++)
			for (i = 0; sets[j] != NULL && i < jwks_count(sets[j]);
			    i++)
				if (key_allows(jwks_get(sets[j], i), h->alg)) {
					any = jwks_get(sets[j], i);
					break;
				}
		if (any == NULL)
			return tok_vfail(c, JF_E_NO_KEY, "key", "issuer %s has no "
			    "%s key%s", is->iss, an, note);
		tok_vpass(c, "key", "no kid: trying the issuer's %s keys", an);
	}
	if (want && siglen != want)
		return tok_vfail(c, JF_E_SIGNATURE, "signature", "%s signature is "
		    "%zu bytes, want %zu (R||S, RFC 7518 section 3.4)", an, siglen,
		    want);
	if (k) {
		rc = key_verify(k, h->alg, in, inlen, sig, siglen);
		tried = 1;
	} else {
		rc = JF_E_SIGNATURE;
		for (j = 0; j < 2 && rc == JF_E_SIGNATURE; j++)
			for (i = 0; sets[j] != NULL && i < jwks_count(sets[j]) &&
			    tried < TOK_MAX_TRIES; i++) {
				k = jwks_get(sets[j], i);
				if (!key_allows(k, h->alg))
					continue;
				tried++;
				rc = key_verify(k, h->alg, in, inlen, sig,
				    siglen);
				if (rc != JF_E_SIGNATURE)
					break;
			}
	}
	if (rc == JF_OK) {
		*used = k;
		tok_vpass(c, "signature", "%s signature verified with key \"%s\"",
		    an, tok_echo(e, key_kid(k), strlen(key_kid(k))));
		return JF_OK;
	}
	if (rc != JF_E_SIGNATURE)
		return tok_vfail(c, rc, "signature", "verifying: %s",
		    jf_strerror(rc));
	if (h->kid)
		return tok_vfail(c, rc, "signature", "%s signature does not verify "
		    "with key \"%s\"", an, e);
	return tok_vfail(c, rc, "signature", "%s signature verifies with none of "
	    "the %zu key(s) of issuer %s tried", an, tried, is->iss);
}

enum jf_err
tok_verify(const struct tok_rules *r, const char *s, size_t n,
	struct tok **out, struct jf_msg *m, tok_explain_fn ex, void *arg)
{
	struct vctx c = { m, ex, arg };
	unsigned char stack[TOK_DEC_BUF], *buf = stack;
	unsigned char *dec[3];
	size_t declen[3], used = 0, max, i;
	struct seg sg[3];
	struct json_object *hdr = NULL, *cl = NULL;
	const struct tok_issuer *is = NULL;
	const struct jf_key *key = NULL;
	struct hdr h;
	struct tok *t;
	enum jf_err rc;

	if (out)
		*out = NULL;
	if (r == NULL || s == NULL || out == NULL)
		return tok_vfail(&c, JF_E_INTERNAL, "args", "tok_verify: NULL");
	max = r->max_bytes ? r->max_bytes : TOK_MAX_BYTES_DEFAULT;
	if (max > TOK_MAX_BYTES_SLIST)
		max = TOK_MAX_BYTES_SLIST;
	if ((rc = check_shape(&c, s, n, max, sg)) != JF_OK)
		goto fail;
	if (n > TOK_MAX_BYTES_LIMIT &&
	    (buf = malloc(B64URL_DEC_MAX(n) + 8)) == NULL) {
		buf = stack;
		rc = tok_vfail(&c, JF_E_NOMEM, "size", "out of memory");
		goto fail;
	}
	for (i = 0; i < 3; i++) {
		dec[i] = buf + used;
		if (b64url_decode(dec[i], &declen[i], sg[i].p, sg[i].n) != 0) {
			static const char *const what[] = { "header", "payload",
			    "signature" };

			rc = tok_vfail(&c, JF_E_TOKEN_MALFORMED, "shape", "%s is not "
			    "canonical base64url", what[i]);
			goto fail;
		}
		used += declen[i];
	}
	tok_vpass(&c, "shape", "three canonical base64url segments");
	if ((rc = parse_obj(&c, "header", dec[0], declen[0], &hdr)) != JF_OK ||
	    (rc = check_header(&c, hdr, &h)) != JF_OK ||
	    (rc = parse_obj(&c, "payload", dec[1], declen[1], &cl)) != JF_OK ||
	    (rc = find_issuer(&c, r, cl, &is)) != JF_OK)
		goto fail;
	if (!(is->algs & JF_ALG_BIT(h.alg))) {
		rc = tok_vfail(&c, JF_E_ALG, "alg", "alg \"%s\" not allowed for "
		    "issuer %s", jf_alg_name(h.alg), is->iss);
		goto fail;
	}
	tok_vpass(&c, "alg", "%s allowed for issuer %s", jf_alg_name(h.alg),
	    is->iss);
	if (is->typ) {
		char e[TOK_ECHO_BUF];

		if (h.typ == NULL || !typ_equal(h.typ, is->typ)) {
			rc = tok_vfail(&c, JF_E_HEADER, "typ", "typ %s%s%s, issuer "
			    "%s requires \"%s\"", h.typ ? "\"" : "",
			    h.typ ? tok_echo(e, h.typ, strlen(h.typ)) : "missing",
			    h.typ ? "\"" : "", is->iss, is->typ);
			goto fail;
		}
		tok_vpass(&c, "typ", "typ %s", is->typ);
	}
	/* The signing input is the ASCII of header "." payload as received. */
	if ((rc = check_sig(&c, is, &h, s, (size_t)(sg[2].p - 1 - s), dec[2],
	    declen[2], &key)) != JF_OK ||
	    (rc = tok_check_times(&c, r, cl)) != JF_OK ||
	    (rc = tok_check_aud(&c, is, cl)) != JF_OK)
		goto fail;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = tok_vfail(&c, JF_E_NOMEM, "result", "out of memory");
		goto fail;
	}
	t->header = hdr;
	t->claims = cl;
	t->iss = is;
	t->key = key;
	hdr = cl = NULL;
	*out = t;
	rc = JF_OK;
fail:
	if (buf != stack)
		free(buf);
	json_object_put(hdr);
	json_object_put(cl);
	return rc;
}

void
tok_free(struct tok *t)
{
	if (t == NULL)
		return;
	json_object_put(t->header);
	json_object_put(t->claims);
	free(t);
}

const struct json_object *
tok_header(const struct tok *t)
{
	return t ? t->header : NULL;
}

const struct json_object *
tok_claims(const struct tok *t)
{
	return t ? t->claims : NULL;
}

void
tok_restrict(struct tok *t, struct json_object *claims)
{
	json_object_put(t->claims);
	t->claims = claims;
	t->iss = NULL;
	t->key = NULL;
}

int
tok_restricted(const struct tok *t)
{
	return t != NULL && t->iss == NULL;
}

const struct tok_issuer *
tok_issuer(const struct tok *t)
{
	return t ? t->iss : NULL;
}

const char *
tok_key_kid(const struct tok *t)
{
	return t && t->key ? key_kid(t->key) : NULL;
}

int
tok_peek_iss(const char *s, size_t n, char *out, size_t room)
{
	static const char *const what = "payload";
	struct vctx c = { NULL, NULL, NULL };
	struct json_object *o = NULL;
	unsigned char *buf;
	const char *p, *q, *iss;
	size_t len;
	int rc = -1;

	if (n > TOK_MAX_BYTES_LIMIT || (p = memchr(s, '.', n)) == NULL ||
	    (q = memchr(p + 1, '.', n - (size_t)(p + 1 - s))) == NULL)
		return -1;
	if ((buf = malloc(B64URL_DEC_MAX((size_t)(q - p - 1)) + 1)) == NULL)
		return -1;
	if (b64url_decode(buf, &len, p + 1, (size_t)(q - p - 1)) == 0 &&
	    parse_obj(&c, what, buf, len, &o) == JF_OK &&
	    (iss = json_str(o, "iss")) != NULL && strlen(iss) < room) {
		memcpy(out, iss, strlen(iss) + 1);
		rc = 0;
	}
	json_object_put(o);
	free(buf);
	return rc;
}
