/* test_authz.c - the bearer decision of src/authz/authz.c, driven through
 * its parameter callback: a table of Authorization headers, policies and
 * claims, each with the exact error code (and variables) expected; and
 * tokens bound to a client certificate (RFC 8705 cnf x5t#S256) against
 * the certificates of tests/unit/certs/, as the web server passes them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../../src/authz/authz.h"
#include "conf/cfg.h"
#include "jose/key.h"
#include "fixture.h"
#include "tap.h"
#include "jose/scache.h"
#include "jose/tcache.h"
#include "jose/token.h"

#define NOW 1700000000L

struct params {
	const char *authorization;
	const char *scope;
	const char *claims;
	const char *cert;       /* SSL_CLIENT_CERT */
	const char *bound;      /* JWT_REQUIRE_BOUND */
};

static const char *
param(void *arg, const char *name)
{
	const struct params *p = arg;

	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->authorization;
	if (strcmp(name, "JWT_REQUIRE_SCOPE") == 0)
		return p->scope;
	if (strcmp(name, "JWT_REQUIRE_CLAIMS") == 0)
		return p->claims;
	if (strcmp(name, "SSL_CLIENT_CERT") == 0)
		return p->cert;
	if (strcmp(name, "JWT_REQUIRE_BOUND") == 0)
		return p->bound;
	return NULL;
}

/* tmpl with every '@' replaced by tok (no printf: the templates are data). */
static void
expand(char *out, size_t room, const char *tmpl, const char *tok)
{
	size_t o = 0, n = strlen(tok);

	for (; *tmpl != '\0'; tmpl++) {
		if (*tmpl == '@' && o + n < room) {
			memcpy(out + o, tok, n);
			o += n;
		} else if (*tmpl != '@' && o + 1 < room) {
			out[o++] = *tmpl;
		}
	}
	out[o] = '\0';
}

static char *
sign(const struct jf_key *k, const char *claims)
{
	struct json_object *o = json_tokener_parse(claims);
	struct jf_msg m;
	char *tok = NULL;

	if (o == NULL || tok_sign(k, NULL, o, &tok, &m) != JF_OK)
		tok = NULL;
	json_object_put(o);
	return tok;
}

static const char *
var(const struct authz_verdict *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nvars; i++)
		if (strcmp(v->vars[i].name, name) == 0)
			return v->vars[i].value;
	return NULL;
}

static int
setup(char *dir, struct jf_key **k, struct cfg **c)
{
	char path[512], *pem = NULL;
	struct jf_msg m;
	size_t n;
	FILE *f;

	if (mkdtemp(dir) == NULL ||
	    key_generate(k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_public_pem(*k, &pem, &n) != JF_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fwrite(pem, 1, n, f);
	fclose(f);
	free(pem);
	snprintf(path, sizeof(path), "%s/authz.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "realm = api\nleeway = 30\n"
	    "claim_var = roles JWT_ROLES\nclaim_var = meta JWT_META\n"
	    "[issuer https://mint.test]\nkey_file = pub.pem\n"
	    "algorithms = ES256\naudience = https://api.test\n"
	    "[issuer https://bound.test]\nkey_file = pub.pem\n"
	    "audience = https://api.test\nrequire_bound = yes\n");
	fclose(f);
	if (cfg_load(c, path, &m) != JF_OK) {
		diag("cfg_load: %s", m.s);
		return -1;
	}
	return 0;
}

/* Percent-encodes every byte but unreserved ones, as nginx's
 * $ssl_client_escaped_cert does with the PEM. */
static char *
escape(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL)
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

#define BOUND_CLAIMS "\"aud\":\"https://api.test\",\"sub\":\"svc-b\"," \
	"\"exp\":1700000300,\"scope\":\"read\""
#define BOUND_PREFIX "token is bound to a client certificate (cnf x5t#S256) " \
	"and "

/* RFC 8705 §3: cnf x5t#S256 against SSL_CLIENT_CERT, the route's
 * JWT_REQUIRE_BOUND and the issuer's require_bound; and the cache,
 * which must not carry a binding from one request to the next. */
static void
test_binding(const struct cfg *c, const struct jf_key *k,
	struct authz_verdict *v)
{
	char *x5t = fixture_line("billing.x5t"), *pem = fixture("billing.pem",
	    NULL), *other = fixture("impostor.pem", NULL), *two = fixture(
	    "two-certs.pem", NULL), *esc = escape(pem), claims[1024],
	    hdr[4096], crlf[8192];
	char *bound, *req_unbound, *req_bound, *unbound, *bad[8];
	const char *badname[8];
	size_t i, o, nbad = 0;

	for (i = o = 0; pem[i] != '\0' && o + 2 < sizeof(crlf); i++) {
		if (pem[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = pem[i];
	}
	crlf[o] = '\0';
	snprintf(claims, sizeof(claims), "{\"iss\":\"https://mint.test\","
	    BOUND_CLAIMS ",\"cnf\":{\"x5t#S256\":\"%s\"}}", x5t);
	bound = sign(k, claims);
	unbound = sign(k, "{\"iss\":\"https://mint.test\"," BOUND_CLAIMS "}");
	snprintf(claims, sizeof(claims), "{\"iss\":\"https://bound.test\","
	    BOUND_CLAIMS ",\"cnf\":{\"x5t#S256\":\"%s\"}}", x5t);
	req_bound = sign(k, claims);
	req_unbound = sign(k, "{\"iss\":\"https://bound.test\"," BOUND_CLAIMS
	    "}");
#define BAD(name, cnf) do { \
	snprintf(claims, sizeof(claims), "{\"iss\":\"https://mint.test\"," \
	    BOUND_CLAIMS ",\"cnf\":" cnf "}", x5t); \
	badname[nbad] = name; \
	bad[nbad++] = sign(k, claims); \
} while (0)
	BAD("cnf a string", "\"%s\"");
	BAD("cnf an empty object", "{}%.0s");
	BAD("x5t#S256 of 42 characters", "{\"x5t#S256\":\"%.42s\"}");
	BAD("x5t#S256 of 44 characters", "{\"x5t#S256\":\"%s=\"}");
	BAD("x5t#S256 with '+' (base64, not base64url)",
	    "{\"x5t#S256\":\"+%.42s\"}");
	BAD("x5t#S256 a number", "{\"x5t#S256\":1%.0s}");
	BAD("jkt only (DPoP)", "{\"jkt\":\"%s\"}");
	BAD("x5t#S256 and jkt", "{\"x5t#S256\":\"%1$s\",\"jkt\":\"%1$s\"}");
#undef BAD
	ok(bound && unbound && req_bound && req_unbound, "binding: tokens signed");
	for (i = 0; i < nbad; i++)
		ok(bad[i] != NULL, badname[i]);

	{
		struct {
			char *const *tok;
			const char *cert, *route;
			enum jf_err want;
			const char *msg;        /* the exact reason, or NULL */
			const char *name;
		} t[] = {
			{ &unbound, NULL, NULL, JF_OK, NULL,
			    "unbound, no certificate: allowed" },
			{ &unbound, other, NULL, JF_OK, NULL,
			    "unbound, some certificate: allowed" },
			{ &unbound, "garbage", NULL, JF_OK, NULL,
			    "unbound: the certificate is not even read" },
			{ &unbound, pem, "0", JF_OK, NULL,
			    "unbound, JWT_REQUIRE_BOUND=0: allowed" },
			{ &unbound, NULL, "", JF_OK, NULL,
			    "unbound, JWT_REQUIRE_BOUND empty: allowed" },
			{ &unbound, pem, "1", JF_E_CLAIM, "token is not bound "
			    "to a client certificate (no cnf claim); this "
			    "resource requires bound tokens",
			    "unbound, JWT_REQUIRE_BOUND=1: refused" },
			{ &unbound, NULL, "yes", JF_E_CONFIG, "JWT_REQUIRE_BOUND: "
			    "expected 1 or 0, got \"yes\"",
			    "JWT_REQUIRE_BOUND=yes is an operator error" },
			{ NULL, NULL, "2", JF_E_CONFIG, NULL,
			    "bad JWT_REQUIRE_BOUND, even without a token" },
			{ &bound, pem, NULL, JF_OK, NULL,
			    "bound, its certificate: allowed" },
			{ &bound, crlf, NULL, JF_OK, NULL,
			    "bound, its certificate with CRLF (Apache): allowed" },
			{ &bound, esc, NULL, JF_OK, NULL,
			    "bound, its certificate percent-encoded (nginx): "
			    "allowed" },
			{ &bound, pem, "1", JF_OK, NULL,
			    "bound, its certificate, JWT_REQUIRE_BOUND=1: allowed" },
			{ &bound, other, NULL, JF_E_CLAIM, BOUND_PREFIX "this "
			    "request's client certificate is another one",
			    "bound, another certificate: refused" },
			{ &bound, NULL, NULL, JF_E_CLAIM, BOUND_PREFIX "the "
			    "request came without one (SSL_CLIENT_CERT is unset "
			    "or empty)", "bound, no certificate: refused" },
			{ &bound, "", NULL, JF_E_CLAIM, NULL,
			    "bound, empty SSL_CLIENT_CERT: refused" },
			{ &bound, "garbage", NULL, JF_E_CLAIM, NULL,
			    "bound, unreadable certificate: refused" },
			{ &bound, two, NULL, JF_E_CLAIM, NULL,
			    "bound, two certificates: refused" },
			{ &bound, x5t, NULL, JF_E_CLAIM, NULL,
			    "bound, SSL_CLIENT_CERT holding the thumbprint "
			    "itself: refused" },
			{ &req_unbound, pem, NULL, JF_E_CLAIM, "token is not "
			    "bound to a client certificate (no cnf claim); "
			    "tokens of its issuer must be bound here",
			    "require_bound issuer, unbound: refused" },
			{ &req_unbound, pem, "0", JF_E_CLAIM, "token is not "
			    "bound to a client certificate (no cnf claim); "
			    "tokens of its issuer must be bound here",
			    "require_bound issuer: JWT_REQUIRE_BOUND=0 does not "
			    "relax it" },
			{ &req_bound, pem, NULL, JF_OK, NULL,
			    "require_bound issuer, bound, its certificate: "
			    "allowed" },
			{ &req_bound, other, NULL, JF_E_CLAIM, NULL,
			    "require_bound issuer, bound, another certificate: "
			    "refused" },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct params p = { NULL, NULL, NULL, t[i].cert,
				t[i].route };

			if (t[i].tok != NULL) {
				expand(hdr, sizeof(hdr), "Bearer @", *t[i].tok);
				p.authorization = hdr;
			}
			authz_decide(c, NULL, NOW, param, &p, NULL, v);
			is(v->err, t[i].want, t[i].name);
			if (t[i].msg != NULL)
				is_str(v->msg.s, t[i].msg, "  its reason");
			else if (t[i].want == JF_E_CLAIM)
				ok(strncmp(v->msg.s, BOUND_PREFIX,
				    strlen(BOUND_PREFIX)) == 0,
				    "  its reason starts with the binding");
		}
	}

	for (i = 0; i < nbad; i++) {
		struct params p = { hdr, NULL, NULL, pem, NULL };

		expand(hdr, sizeof(hdr), "Bearer @", bad[i]);
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is(v->err, JF_E_CLAIM, badname[i]);
		ok(strncmp(v->msg.s, "cnf claim: ", 11) == 0,
		    "  its reason names the cnf claim");
	}

	{
		/* The verified-token cache keeps the token, never the
		 * connection: a hit is checked against this request's
		 * certificate. */
		struct params p = { hdr, NULL, NULL, pem, NULL };
		struct tcache *tc = tcache_new(8);
		unsigned long hits, misses;

		expand(hdr, sizeof(hdr), "Bearer @", bound);
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: bound token with its certificate");
		p.cert = other;
		authz_decide(c, tc, NOW + 1, param, &p, NULL, v);
		is(v->err, JF_E_CLAIM, "cache: hit with another certificate: "
		    "refused");
		p.cert = NULL;
		authz_decide(c, tc, NOW + 2, param, &p, NULL, v);
		is(v->err, JF_E_CLAIM, "cache: hit without a certificate: "
		    "refused");
		p.cert = pem;
		authz_decide(c, tc, NOW + 3, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: hit with its certificate: allowed");
		tcache_stats(tc, &hits, &misses);
		is(hits, 3, "cache: the three later uses were hits");
		is(misses, 1, "cache: only the first use missed");

		expand(hdr, sizeof(hdr), "Bearer @", unbound);
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: unbound token cached");
		p.bound = "1";
		authz_decide(c, tc, NOW + 1, param, &p, NULL, v);
		is(v->err, JF_E_CLAIM, "cache: hit on a route requiring bound "
		    "tokens: refused");
		tcache_free(tc);
	}

	{
		/* The shared cache keys the whole decision with the
		 * certificate: another one, or none, is another key. */
		struct params p = { hdr, NULL, NULL, pem, NULL };
		struct scache *sc = scache_new(8);
		struct authz_hooks h = { NULL, NULL, NULL, NULL, NULL, sc, 0 };
		uint64_t hits, misses, puts;

		h.gen = scache_gen(sc);
		expand(hdr, sizeof(hdr), "Bearer @", bound);
		authz_decide(c, NULL, NOW, param, &p, &h, v);
		is(v->err, JF_OK, "shared: bound token with its certificate");
		p.cert = other;
		authz_decide(c, NULL, NOW + 1, param, &p, &h, v);
		is(v->err, JF_E_CLAIM, "shared: another certificate: refused");
		p.cert = NULL;
		authz_decide(c, NULL, NOW + 2, param, &p, &h, v);
		is(v->err, JF_E_CLAIM, "shared: no certificate: refused");
		p.cert = pem;
		authz_decide(c, NULL, NOW + 3, param, &p, &h, v);
		is(v->err, JF_OK, "shared: its certificate again: allowed");
		scache_stats(sc, &hits, &misses, &puts);
		is(hits, 1, "shared: only the same certificate hit");
		is(puts, 1, "shared: only the allowed decision was stored");

		expand(hdr, sizeof(hdr), "Bearer @", unbound);
		authz_decide(c, NULL, NOW, param, &p, &h, v);
		is(v->err, JF_OK, "shared: unbound token stored");
		p.bound = "1";
		authz_decide(c, NULL, NOW + 1, param, &p, &h, v);
		is(v->err, JF_E_CLAIM, "shared: a route requiring bound tokens "
		    "is another key: refused");
		scache_free(sc);
	}

	for (i = 0; i < nbad; i++)
		free(bad[i]);
	free(bound);
	free(unbound);
	free(req_bound);
	free(req_unbound);
	free(x5t);
	free(pem);
	free(other);
	free(two);
	free(esc);
}

int
main(void)
{
	char dir[] = "/tmp/test_authz.XXXXXX", path[512], hdr[4096];
	struct jf_key *k = NULL;
	struct cfg *c = NULL;
	struct authz_verdict *v;
	char *good, *ctl, *expired, *num;
	size_t i;

	if (!ok(setup(dir, &k, &c) == 0, "setup: key and configuration")) {
		return done_testing();
	}
	v = calloc(1, sizeof(*v));
	good = sign(k, "{\"iss\":\"https://mint.test\",\"aud\":[\"https://api.test\","
	    "\"x\"],\"sub\":\"svc-a\",\"exp\":1700000300,\"scope\":\"read write\","
	    "\"roles\":[\"r1\",\"r2\"],\"meta\":{\"a\":1},\"admin\":true,"
	    "\"tier\":2}");
	ctl = sign(k, "{\"iss\":\"https://mint.test\",\"aud\":\"https://api.test\","
	    "\"sub\":\"a\\r\\nX-Evil: 1\",\"exp\":1700000300}");
	expired = sign(k, "{\"iss\":\"https://mint.test\",\"aud\":\"https://api.test\","
	    "\"exp\":1699999000}");
	num = sign(k, "{\"iss\":\"https://mint.test\",\"aud\":\"https://api.test\","
	    "\"exp\":1700000300,\"scp\":[\"a\",\"b\"]}");
	ok(good && ctl && expired && num, "tokens signed");

	{
		struct {
			const char *fmt;        /* each @ is the good token */
			const char *scope, *claims;
			enum jf_err want;
			const char *name;
		} t[] = {
			{ NULL, NULL, NULL, JF_E_NO_TOKEN, "no header" },
			{ "", NULL, NULL, JF_E_NO_TOKEN, "empty header" },
			{ "Basic YWxhZGRpbjpvcGVu", NULL, NULL, JF_E_NO_TOKEN,
			    "other scheme" },
			{ "Bearer", NULL, NULL, JF_E_BAD_REQUEST, "no token" },
			{ "Bearer ", NULL, NULL, JF_E_BAD_REQUEST, "empty token" },
			{ "Bearer\t@", NULL, NULL, JF_E_BAD_REQUEST, "tab" },
			{ "Bearer @, Bearer @", NULL, NULL, JF_E_BAD_REQUEST,
			    "two credentials (comma)" },
			{ "Bearer @ junk", NULL, NULL, JF_E_BAD_REQUEST,
			    "trailing junk" },
			{ " Bearer @", NULL, NULL, JF_E_BAD_REQUEST,
			    "leading space" },
			{ "Bearer a.b.c", NULL, NULL, JF_E_TOKEN_MALFORMED,
			    "not a JWS" },
			{ "bEaReR   @", NULL, NULL, JF_OK,
			    "scheme any case, several spaces" },
			{ "Bearer @", "read", "sub=svc-a roles=r2 admin=true tier=2",
			    JF_OK, "policy met" },
			{ "Bearer @", " write  read ", NULL, JF_OK,
			    "scopes, extra spaces" },
			{ "Bearer @", "admin", NULL, JF_E_SCOPE, "scope missing" },
			{ "Bearer @", NULL, "sub=svc-b", JF_E_FORBIDDEN,
			    "claim differs" },
			{ "Bearer @", NULL, "roles=r3", JF_E_FORBIDDEN,
			    "array lacks value" },
			{ "Bearer @", NULL, "nosuch=1", JF_E_FORBIDDEN,
			    "claim absent" },
			{ "Bearer @", NULL, "meta={\"a\":1}", JF_E_FORBIDDEN,
			    "object never matches" },
			{ "Bearer @", NULL, "sub", JF_E_CONFIG,
			    "policy without =" },
			{ NULL, "a\"b", NULL, JF_E_CONFIG,
			    "bad scope policy, even without a token" },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct params p = { NULL, t[i].scope, t[i].claims, NULL,
			    NULL };

			if (t[i].fmt != NULL) {
				expand(hdr, sizeof(hdr), t[i].fmt, good);
				p.authorization = hdr;
			}
			authz_decide(c, NULL, NOW, param, &p, NULL, v);
			is(v->err, t[i].want, t[i].name);
		}
	}

	{
		struct params p = { hdr, NULL, NULL, NULL, NULL };

		expand(hdr, sizeof(hdr), "Bearer @", good);
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is(v->nvars, AUTHZ_STD_VARS + 2, "all variables set");
		is_str(var(v, "JWT_SUB"), "svc-a", "JWT_SUB");
		is_str(var(v, "JWT_ISS"), "https://mint.test", "JWT_ISS");
		is_str(var(v, "JWT_AUD"), "https://api.test x", "JWT_AUD joined");
		is_str(var(v, "JWT_SCOPE"), "read write", "JWT_SCOPE");
		is_str(var(v, "JWT_CLIENT_ID"), "", "absent claim is empty");
		is_str(var(v, "JWT_JTI"), "", "JWT_JTI empty");
		is_str(var(v, "JWT_EXP"), "1700000300", "JWT_EXP as text");
		is_str(var(v, "JWT_ROLES"), "r1,r2", "mapped array joined by ,");
		is_str(var(v, "JWT_META"), "{\"a\":1}", "mapped object as JSON");

		p.scope = "admin";
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is_str(v->scope, "admin", "scope attribute on insufficient_scope");
		is(v->nvars, 0, "no variables on refusal");

		p.scope = NULL;
		expand(hdr, sizeof(hdr), "Bearer @", num);
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is_str(var(v, "JWT_SCOPE"), "a b", "scp array as JWT_SCOPE");

		expand(hdr, sizeof(hdr), "Bearer @", ctl);
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is(v->err, JF_E_CLAIM, "CR LF in a claim refuses the token");

		expand(hdr, sizeof(hdr), "Bearer @", expired);
		authz_decide(c, NULL, NOW, param, &p, NULL, v);
		is(v->err, JF_E_EXPIRED, "expired");
	}

	{
		/* The verified-token cache changes speed, never a verdict. */
		struct params p = { hdr, NULL, NULL, NULL, NULL };
		struct tcache *tc = tcache_new(8);
		unsigned long hits, misses;

		expand(hdr, sizeof(hdr), "Bearer @", good);
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: first use verifies");
		authz_decide(c, tc, NOW + 10, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: second use allowed");
		is_str(var(v, "JWT_SUB"), "svc-a", "cache: claims of the cached token");
		tcache_stats(tc, &hits, &misses);
		is(hits, 1, "cache: second use was a hit");
		is(misses, 1, "cache: first use was a miss");
		p.scope = "admin";
		authz_decide(c, tc, NOW + 10, param, &p, NULL, v);
		is(v->err, JF_E_SCOPE, "cache: route policy still applies on a hit");
		p.scope = NULL;
		authz_decide(c, tc, NOW + 300 + 30, param, &p, NULL, v);
		is(v->err, JF_OK, "cache: valid up to exp + leeway");
		authz_decide(c, tc, NOW + 300 + 31, param, &p, NULL, v);
		is(v->err, JF_E_EXPIRED, "cache: a cached token still expires");
		authz_decide(c, tc, NOW + 300 + 31, param, &p, NULL, v);
		is(v->err, JF_E_EXPIRED, "cache: and stays expired");

		expand(hdr, sizeof(hdr), "Bearer @", expired);
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_E_EXPIRED, "cache: refusals are not cached");
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_E_EXPIRED, "cache: ... and stay refusals");
		tcache_free(tc);
	}

	{
		/* One byte changed: a different hash, a full check, refused,
		 * while the good token sits in the very slot the tampered one
		 * maps to (one slot: every token maps there), so a lookup that
		 * ignored the hash would return the good token's verdict. */
		struct params p = { hdr, NULL, NULL, NULL, NULL };
		struct tcache *tc = tcache_new(1);
		unsigned long hits, misses;
		size_t len;

		expand(hdr, sizeof(hdr), "Bearer @", good);
		authz_decide(c, tc, NOW, param, &p, NULL, v);
		is(v->err, JF_OK, "cache(1): the good token verifies");
		authz_decide(c, tc, NOW + 1, param, &p, NULL, v);
		is(v->err, JF_OK, "cache(1): and is cached");
		len = strlen(hdr);
		hdr[len - 5] = hdr[len - 5] == 'A' ? 'B' : 'A';
		authz_decide(c, tc, NOW + 2, param, &p, NULL, v);
		is(v->err, JF_E_SIGNATURE, "cache: a tampered token is verified");
		is(v->nvars, 0, "cache: the tampered token gets no claims");
		expand(hdr, sizeof(hdr), "Bearer @", good);
		authz_decide(c, tc, NOW + 3, param, &p, NULL, v);
		is(v->err, JF_OK, "cache(1): the good token still passes");
		tcache_stats(tc, &hits, &misses);
		is(hits, 2, "cache(1): the good token was a hit both times");
		is(misses, 2, "cache(1): first use and the tampered token missed");
		tcache_free(tc);
	}

	{
		/* The shared cache: a whole decision for this token and
		 * route, valid only in the token's window and generation. */
		struct params p = { hdr, NULL, NULL, NULL, NULL };
		struct scache *sc = scache_new(8);
		struct authz_hooks h = { NULL, NULL, NULL, NULL, NULL, sc, 0 };
		uint64_t hits, misses, puts, old, stored;
		size_t len, nvars;
		char roles[64];

		h.gen = scache_gen(sc);
		expand(hdr, sizeof(hdr), "Bearer @", good);
		authz_decide(c, NULL, NOW, param, &p, &h, v);
		is(v->err, JF_OK, "shared: first use verifies");
		nvars = v->nvars;
		memcpy(roles, var(v, "JWT_ROLES"), strlen(var(v, "JWT_ROLES")) + 1);
		authz_decide(c, NULL, NOW + 10, param, &p, &h, v);
		is(v->err, JF_OK, "shared: second use allowed");
		is_str(var(v, "JWT_SUB"), "svc-a", "shared: the stored claims");
		is(v->nvars, nvars, "shared: every variable");
		is_str(var(v, "JWT_ROLES"), roles, "shared: a mapped one too");
		scache_stats(sc, &hits, &misses, &puts);
		is(hits, 1, "shared: second use was a hit");
		is(puts, 1, "shared: one store");
		p.scope = "admin";
		authz_decide(c, NULL, NOW + 10, param, &p, &h, v);
		is(v->err, JF_E_SCOPE, "shared: another route's policy applies");
		p.scope = NULL;
		authz_decide(c, NULL, NOW + 300 + 30, param, &p, &h, v);
		is(v->err, JF_OK, "shared: valid up to exp + leeway");
		authz_decide(c, NULL, NOW + 300 + 31, param, &p, &h, v);
		is(v->err, JF_E_EXPIRED, "shared: a stored decision expires");
		len = strlen(hdr);
		hdr[len - 5] = hdr[len - 5] == 'A' ? 'B' : 'A';
		authz_decide(c, NULL, NOW + 2, param, &p, &h, v);
		is(v->err, JF_E_SIGNATURE, "shared: a tampered token is verified");
		is(v->nvars, 0, "shared: ... and gets no claims");
		expand(hdr, sizeof(hdr), "Bearer @", expired);
		authz_decide(c, NULL, NOW, param, &p, &h, v);
		authz_decide(c, NULL, NOW, param, &p, &h, v);
		is(v->err, JF_E_EXPIRED, "shared: refusals are not stored");

		/* A key change elsewhere: what this request stores under the
		 * generation it read before is dropped, nothing old counts. */
		expand(hdr, sizeof(hdr), "Bearer @", good);
		old = h.gen;
		scache_flush(sc);
		scache_stats(sc, &hits, &misses, &puts);
		authz_decide(c, NULL, NOW + 20, param, &p, &h, v);
		is(v->err, JF_OK, "shared: after a flush the token verifies");
		authz_decide(c, NULL, NOW + 21, param, &p, &h, v);
		scache_stats(sc, &old, &misses, &puts);
		is(old, hits, "shared: no hit under the old generation");
		h.gen = scache_gen(sc);
		authz_decide(c, NULL, NOW + 22, param, &p, &h, v);
		authz_decide(c, NULL, NOW + 23, param, &p, &h, v);
		is(v->err, JF_OK, "shared: under the new one");
		scache_stats(sc, &old, &misses, &puts);
		is(old, hits + 1, "shared: stored and hit again");

		/* A token with a status list entry is shared with the entry,
		 * which every hit looks up in its list. */
		{
			char *st = sign(k, "{\"iss\":\"https://mint.test\","
			    "\"aud\":\"https://api.test\",\"sub\":\"s\","
			    "\"exp\":1700000300,\"status\":{\"status_list\":"
			    "{\"idx\":3,\"uri\":\"https://mint.test/sl\"}}}");

			ok(st != NULL, "a token with a status claim");
			expand(hdr, sizeof(hdr), "Bearer @", st);
			scache_stats(sc, &hits, &misses, &puts);
			authz_decide(c, NULL, NOW + 30, param, &p, &h, v);
			authz_decide(c, NULL, NOW + 31, param, &p, &h, v);
			is(v->err, JF_OK, "shared: a status token is allowed");
			scache_stats(sc, &old, &misses, &stored);
			is(stored, puts + 1, "shared: ... stored with its "
			    "status list entry");
			is(old, hits + 1, "shared: ... and hit (the entry is "
			    "looked up on the hit: status_authz.bats)");
			free(st);
		}
		scache_free(sc);
	}

	test_binding(c, k, v);

	free(good);
	free(ctl);
	free(expired);
	free(num);
	free(v);
	cfg_free(c);
	key_free(k);
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/authz.conf", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
