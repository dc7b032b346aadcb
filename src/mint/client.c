/* client.c - who is asking for a token: OAuth 2.0 client authentication
 * at the token endpoint, by exactly one of
 *
 *   tls_client_auth      RFC 8705 §2.1: the certificate the web server
 *                        verified, matched against the registry;
 *   client_secret_basic  RFC 6749 §2.3.1: HTTP Basic with client_id and
 *                        client_secret, each form-urlencoded first;
 *   client_secret_post   the same two as form parameters;
 *   private_key_jwt      RFC 7523 §2.2, OIDC Core §9: a JWT the client
 *                        signed with a key of its registry "jwks"
 *                        (assert.c).
 *
 * RFC 6749 §2.3: a client MUST NOT use more than one method in a request,
 * so a request carrying two (Basic and client_secret, or a secret and a
 * certificate) is refused whole rather than one of them picked.
 *
 * Secrets are stored as an unsalted SHA-256, which is only sound for
 * high-entropy secrets: `jwt-fcgi register --client-secret` makes 256-bit
 * ones, and a presented secret shorter than CL_SECRET_MIN is refused
 * before it is hashed.
 *
 * Assertion replay (RFC 7523 §3 item 7): the jti of every assertion
 * accepted is remembered until the assertion expires, in one table all
 * workers share (replay.c), so an assertion is used once, whichever
 * worker gets it; each client may hold at most replay_quota entries.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "x509/cert.h"
#include "util/form.h"
#include "util/json.h"
#include "util/log.h"
#include "mint.h"
#include "x509/certmemo.h"
#include "jose/token.h"
#include "x509/trust.h"

#define CL_JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define CL_AUTHZ_MAX 1024       /* bytes of an Authorization header */
#define CL_SECRET_MIN 32        /* jwt-fcgi makes 43 characters */
#define CL_SECRET_MAX 512

static int cl_has_ctl(const char *s, size_t n);
static int cl_b64val(unsigned char ch);
static long cl_b64_decode(unsigned char *dst, const char *s, size_t n);
static enum jf_err cl_secret(const struct mint_state *s, time_t now,
	const char *id, const char *secret, struct mint_grant *g,
	const struct reg_service **svc);
static enum jf_err cl_basic(const struct mint_state *s, time_t now,
	const char *authz, const char *cid, struct mint_grant *g,
	const struct reg_service **svc);
static enum jf_err cl_post(const struct mint_state *s, time_t now,
	const struct form *f, struct mint_grant *g,
	const struct reg_service **svc);
static enum jf_err cl_jwt(const struct mint_state *s, time_t now,
	const struct form *f, struct mint_grant *g,
	const struct reg_service **svc);
static enum jf_err cl_tls(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const char *cid, struct mint_grant *g,
	const struct reg_service **svc);

const char *
mint_auth_name(enum mint_auth a)
{
	switch (a) {
	case MINT_AUTH_TLS: return "tls_client_auth";
	case MINT_AUTH_BASIC: return "client_secret_basic";
	case MINT_AUTH_POST: return "client_secret_post";
	case MINT_AUTH_JWT: return "private_key_jwt";
	case MINT_AUTH_BEARER: return "jwt-bearer";
	case MINT_AUTH_NONE:
	case MINT_AUTH__LAST: break;
	}
	return NULL;
}

/* --- client secrets ---------------------------------------------------- */

/* A control character (a captured line break, most often). */
static int
cl_has_ctl(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

static int
cl_b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* RFC 4648 §4 base64 as RFC 7617 uses it: padded, canonical (unused bits
 * zero). Returns the decoded length, or -1. dst has room for n / 4 * 3. */
static long
cl_b64_decode(unsigned char *dst, const char *s, size_t n)
{
	size_t i, o = 0, pad = 0;
	uint32_t acc = 0;
	int v;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++) {
		if ((v = cl_b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			dst[o++] = (unsigned char)(acc >> 16);
			dst[o++] = (unsigned char)(acc >> 8);
			dst[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (pad == 2) {
		if (acc & 0xf)
			return -1;
		dst[o++] = (unsigned char)(acc >> 4);
	} else if (pad == 1) {
		if (acc & 0x3)
			return -1;
		dst[o++] = (unsigned char)(acc >> 10);
		dst[o++] = (unsigned char)(acc >> 2);
	}
	return (long)o;
}

/* Refuses with detail for the audit only (mint_grant.hide): what the
 * registry holds is nobody's business but the operator's. */
enum jf_err
mint_hidden(struct mint_grant *g, enum jf_err e)
{
	if (e == JF_E_INVALID_CLIENT)
		g->hide = 1;
	return e;
}

/* id's SHA-256 secret hash against SHA-256(secret), in constant time.
 * An unknown, disabled or secret-less id costs the same hash and compare
 * (against zeros, which no SHA-256 output is in practice), so the time
 * of a refusal does not tell a stranger which ids exist. */
static enum jf_err
cl_secret(const struct mint_state *s, time_t now, const char *id,
	const char *secret, struct mint_grant *g, const struct reg_service **svc)
{
	static const unsigned char none[32];
	const unsigned char *want = NULL;
	unsigned char d[32];
	size_t n = strlen(secret);
	enum jf_err found, rc;
	int same;

	/* The shape of a secret is the caller's own business: say it. */
	if (n < CL_SECRET_MIN || n > CL_SECRET_MAX)
		return jf_fail(&g->msg, JF_E_INVALID_CLIENT, "client secret of "
		    "%zu bytes: only secrets made by jwt-fcgi register "
		    "--client-secret (43 characters) are accepted", n);
	found = registry_find_id(s->reg, id, now, svc, &g->msg);
	if (found == JF_OK) {
		g->service = registry_svc_id(*svc);
		want = registry_svc_secret_sha256(*svc);
	}
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, n, d) != 0)
		return jf_fail(&g->msg, JF_E_INTERNAL, "SHA-256 failed");
	same = gnutls_memcmp(d, want != NULL ? want : none, sizeof(d)) == 0;
	gnutls_memset(d, 0, sizeof(d));
	if (found != JF_OK)
		rc = found;
	else if (want == NULL)
		rc = jf_fail(&g->msg, JF_E_INVALID_CLIENT, "service %s has no "
		    "client secret", g->service);
	else if (!same)
		rc = jf_fail(&g->msg, JF_E_INVALID_CLIENT, "wrong client secret "
		    "for service %s", g->service);
	else
		rc = JF_OK;
	return mint_hidden(g, rc);
}

/* Authorization: Basic base64(urlencode(id) ":" urlencode(secret)). */
static enum jf_err
cl_basic(const struct mint_state *s, time_t now, const char *authz,
	const char *cid, struct mint_grant *g, const struct reg_service **svc)
{
	unsigned char raw[CL_AUTHZ_MAX / 4 * 3 + 1];
	char user[CL_AUTHZ_MAX], pass[CL_AUTHZ_MAX];
	const char *p = authz, *colon;
	size_t n;
	long len, un = -1, pn = -1;
	enum jf_err rc = JF_E_INVALID_CLIENT;

	if (strncasecmp(p, "Basic", 5) != 0 || (p[5] != ' ' && p[5] != '\t')) {
		jf_fail(&g->msg, rc, "Authorization: only the Basic scheme is "
		    "accepted at the token endpoint");
		goto out;
	}
	if (strlen(authz) > CL_AUTHZ_MAX) {
		jf_fail(&g->msg, rc, "Authorization: longer than %d bytes",
		    CL_AUTHZ_MAX);
		goto out;
	}
	for (p += 5; *p == ' ' || *p == '\t'; p++)
		continue;
	for (n = strlen(p); n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'); n--)
		continue;
	if ((len = cl_b64_decode(raw, p, n)) < 0) {
		jf_fail(&g->msg, rc, "Authorization: Basic credentials are not "
		    "canonical padded base64 (RFC 7617)");
		goto out;
	}
	raw[len] = '\0';
	/* RFC 7617: the user-id ends at the first ':'; a ':' in client_id
	 * arrives as %3A (RFC 6749 §2.3.1). */
	if ((colon = memchr(raw, ':', (size_t)len)) == NULL) {
		jf_fail(&g->msg, rc, "Authorization: Basic credentials have no "
		    "':' between client_id and client_secret");
		goto out;
	}
	un = form_unescape(user, (const char *)raw,
	    (size_t)(colon - (const char *)raw), 1);
	pn = form_unescape(pass, colon + 1,
	    (size_t)len - (size_t)(colon + 1 - (const char *)raw), 1);
	if (un <= 0 || pn <= 0) {
		jf_fail(&g->msg, rc, "Authorization: Basic %s is %s",
		    un <= 0 ? "client_id" : "client_secret",
		    (un <= 0 ? un : pn) == 0 ? "empty" :
		    cl_has_ctl(un <= 0 ? (const char *)raw : colon + 1,
		    un <= 0 ? (size_t)(colon - (const char *)raw) :
		    (size_t)len - (size_t)(colon + 1 - (const char *)raw)) ?
		    "holding a line break or another control character: send "
		    "the secret alone (jwt-fcgi register prints nothing else "
		    "on stdout)" : "not valid form-urlencoding");
		goto out;
	}
	if (cid != NULL && strcmp(cid, user) != 0) {
		jf_fail(&g->msg, rc, "client_id differs from the client_id of "
		    "the Authorization header");
		goto out;
	}
	rc = cl_secret(s, now, user, pass, g, svc);
out:
	gnutls_memset(raw, 0, sizeof(raw));
	if (pn > 0)
		gnutls_memset(pass, 0, (size_t)pn);
	return rc;
}

static enum jf_err
cl_post(const struct mint_state *s, time_t now, const struct form *f,
	struct mint_grant *g, const struct reg_service **svc)
{
	const char *cid = form_get(f, "client_id");

	if (cid == NULL)
		return jf_fail(&g->msg, JF_E_INVALID_REQUEST, "client_secret "
		    "without client_id");
	return cl_secret(s, now, cid, form_get(f, "client_secret"), g, svc);
}

/* --- private_key_jwt --------------------------------------------------- */

/* The assertion itself is assert.c's. */
static enum jf_err
cl_jwt(const struct mint_state *s, time_t now, const struct form *f,
	struct mint_grant *g, const struct reg_service **svc)
{
	const char *type = form_get(f, "client_assertion_type");
	const char *a = form_get(f, "client_assertion");

	if (type == NULL || a == NULL)
		return jf_fail(&g->msg, JF_E_INVALID_REQUEST, "%s without %s",
		    type == NULL ? "client_assertion" : "client_assertion_type",
		    type == NULL ? "client_assertion_type" : "client_assertion");
	if (strcmp(type, CL_JWT_BEARER) != 0)
		return jf_fail(&g->msg, JF_E_INVALID_CLIENT, "client_assertion_"
		    "type \"%.80s\" not supported: use " CL_JWT_BEARER, type);
	return mint_assertion(s, now, a, form_get(f, "client_id"),
	    MINT_ASSERT_CLIENT, g, svc);
}

/* --- tls_client_auth --------------------------------------------------- */

static enum jf_err
cl_tls(const struct mint_state *s, time_t now, mint_param_fn param,
	void *arg, const char *cid, struct mint_grant *g,
	const struct reg_service **svc)
{
	const char *pem = param(arg, "SSL_CLIENT_CERT");
	const struct cert *c = NULL;
	struct cert *own = NULL;     /* without a memo (unit tests) */
	enum jf_err rc;

	if ((rc = cert_check_verify(param(arg, "SSL_CLIENT_VERIFY"),
	    &g->msg)) != JF_OK)
		return rc;
	if (pem == NULL || *pem == '\0')
		return jf_fail(&g->msg, JF_E_INVALID_CLIENT, "the web server "
		    "verified a certificate but did not export it "
		    "(SSL_CLIENT_CERT)");
	/* The same text parses the same way: the memo skips no check. */
	if (s->certs != NULL)
		rc = cert_memo_parse(s->certs, &c, pem, strlen(pem), &g->msg);
	else if ((rc = cert_parse(&own, pem, strlen(pem), &g->msg)) == JF_OK)
		c = own;
	if (rc != JF_OK)
		return rc;
	snprintf(g->x5t, sizeof(g->x5t), "%s", cert_x5t_s256(c));
	/* Defence in depth: a front end that calls an unverified
	 * certificate SUCCESS (optional_no_ca, a constant) is caught here. */
	if (s->conf->trust != NULL &&
	    (rc = trust_check_client(s->conf->trust, c, now, &g->msg)) !=
	    JF_OK) {
		log_warn("the web server said it verified a client certificate "
		    "that client_ca refuses (%s): check its TLS "
		    "configuration", g->msg.s);
		cert_free(own);
		return rc;
	}
	/* Which rule of which service failed is for the audit only. Once a
	 * service matched, the caller holds its certificate and may learn
	 * that it named another client_id. */
	if ((rc = registry_match(s->reg, c, now, svc, &g->msg)) != JF_OK) {
		rc = mint_hidden(g, rc);
	} else {
		g->service = registry_svc_id(*svc);
		if (cid != NULL && strcmp(cid, g->service) != 0)
			rc = jf_fail(&g->msg, JF_E_INVALID_CLIENT, "client_id "
			    "\"%.60s\" is not the certificate's service", cid);
	}
	cert_free(own);
	return rc;
}

enum jf_err
mint_client_auth(const struct mint_state *s, time_t now, mint_param_fn param,
	void *arg, const struct form *f, struct mint_grant *g,
	const struct reg_service **svc)
{
	const char *verify = param(arg, "SSL_CLIENT_VERIFY");
	const char *authz = param(arg, "HTTP_AUTHORIZATION");
	const char *cid = form_get(f, "client_id");
	/* "NONE": the web server asked and no certificate came. */
	int tls = verify != NULL && *verify != '\0' &&
	    strcmp(verify, "NONE") != 0;
	int basic = authz != NULL && *authz != '\0';
	int post = form_get(f, "client_secret") != NULL;
	int jwt = form_get(f, "client_assertion") != NULL ||
	    form_get(f, "client_assertion_type") != NULL;
	enum jf_err rc;

	*svc = NULL;
	if (tls + basic + post + jwt > 1)
		return jf_fail(&g->msg, JF_E_INVALID_REQUEST, "more than one "
		    "client authentication method:%s%s%s%s (RFC 6749 section "
		    "2.3: use one)", tls ? " certificate" : "",
		    basic ? " Authorization" : "", post ? " client_secret" : "",
		    jwt ? " client_assertion" : "");
	if (basic) {
		g->method = MINT_AUTH_BASIC;
		rc = cl_basic(s, now, authz, cid, g, svc);
	} else if (post) {
		g->method = MINT_AUTH_POST;
		rc = cl_post(s, now, f, g, svc);
	} else if (jwt) {
		g->method = MINT_AUTH_JWT;
		rc = cl_jwt(s, now, f, g, svc);
	} else if (tls) {
		g->method = MINT_AUTH_TLS;
		rc = cl_tls(s, now, param, arg, cid, g, svc);
	} else {
		return jf_fail(&g->msg, JF_E_INVALID_CLIENT, "no client "
		    "authentication: send a client certificate, HTTP Basic "
		    "client_id:client_secret, client_secret or a "
		    "client_assertion");
	}
	if (rc != JF_OK)
		*svc = NULL;
	return rc;
}
