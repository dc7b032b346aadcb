/* test_status.c - revocation at the authorizer (src/authz/status.c) and
 * its configuration keys: Status List Tokens put in the shared table as
 * the fetcher would, then the verdict for tokens pointing into them:
 * valid, revoked, suspended, 3, out of range, malformed claims, a list
 * signed by another key (refused, the last good one kept), stale and
 * expired lists under required and optional, status = off. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../../src/authz/status.h"
#include "conf/cfg.h"
#include "jose/key.h"
#include "jose/token.h"
#include "net/docs.h"
#include "oauth/slist.h"
#include "tap.h"

#define SL "https://mint.test/sl/1"

static struct jf_key *key, *other;
static struct cfg *cfg;
static struct docs *docs;
static struct status *st;
static int64_t now;

static int
write_pem(const char *dir, const char *name, const struct jf_key *k)
{
	char path[512], *pem = NULL;
	size_t n;
	FILE *f;

	if (key_public_pem(k, &pem, &n) != JF_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fwrite(pem, 1, n, f);
	fclose(f);
	free(pem);
	return 0;
}

static enum jf_err
load(const char *dir, const char *text, struct cfg **c, struct jf_msg *m)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/authz.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return JF_E_IO;
	fputs(text, f);
	fclose(f);
	m->s[0] = '\0';
	return cfg_load(c, path, m);
}

/* A Status List Token for uri holding n statuses of `bits`, with
 * statuses set[i] at idx[i]; exp 0: none (it is RECOMMENDED only). */
static char *
list_token(const struct jf_key *k, const char *iss, const char *uri,
	int bits, size_t n, const uint32_t *idx, const int *val, size_t nset,
	int64_t iat, int64_t exp, const char *typ)
{
	unsigned char *b = calloc(1, n * (size_t)bits / 8);
	struct json_object *sl = NULL, *cl;
	struct jf_msg m;
	char *tok = NULL;
	size_t i;

	for (i = 0; i < nset; i++)
		b[idx[i] * (uint32_t)bits / 8] |= (unsigned char)(val[i] <<
		    (idx[i] * (uint32_t)bits % 8));
	if (slist_encode(b, n * (size_t)bits / 8, bits, &sl, &m) != JF_OK)
		return NULL;
	free(b);
	cl = slist_claims(uri, iat, exp - iat, 60, sl);
	json_object_object_add(cl, "iss", json_object_new_string(iss));
	if (exp == 0)
		json_object_object_del(cl, "exp");
	if (tok_sign(k, typ, cl, &tok, &m) != JF_OK)
		tok = NULL;
	json_object_put(cl);
	return tok;
}

/* The fetcher's part: body stored for url, fetched at `at`. */
static void
put(const char *url, const char *body, int64_t at)
{
	int slot = docs_claim(docs, url, STATUS_KIND, at, 0);

	docs_put(docs, slot, url, body, strlen(body), at, at + 60);
}

/* A token of iss with claims extra ("" or ",\"status\":...") verified
 * against cfg, then status_check; returns the code, msg in m. */
static enum jf_err
check(const char *iss, const char *extra, struct jf_msg *m)
{
	char claims[1024], *s = NULL;
	struct json_object *o;
	struct tok_rules r;
	struct tok *t = NULL;
	enum jf_err rc;

	snprintf(claims, sizeof(claims), "{\"iss\":\"%s\",\"aud\":"
	    "\"https://api.test\",\"sub\":\"a\",\"iat\":%lld,\"exp\":%lld%s}",
	    iss, (long long)now, (long long)now + 300, extra);
	o = json_tokener_parse(claims);
	if (o == NULL || tok_sign(key, "at+jwt", o, &s, m) != JF_OK) {
		json_object_put(o);
		return JF_E_INTERNAL;
	}
	json_object_put(o);
	memset(&r, 0, sizeof(r));
	cfg_rules(cfg, &r);
	r.now = (time_t)now;
	if ((rc = tok_verify(&r, s, strlen(s), &t, m, NULL, NULL)) != JF_OK) {
		diag("verify: %s", m->s);
		free(s);
		return JF_E_INTERNAL;
	}
	free(s);
	m->s[0] = '\0';
	rc = status_check(st, cfg, t, (time_t)now, m);
	tok_free(t);
	return rc;
}

#define ST(idx, uri) ",\"status\":{\"status_list\":{\"idx\":" #idx \
	",\"uri\":\"" uri "\"}}"

static void
is_check(const char *iss, const char *extra, enum jf_err want,
	const char *text, const char *name)
{
	struct jf_msg m = { "" };
	enum jf_err rc = check(iss, extra, &m);

	ok(rc == want && (text == NULL || strstr(m.s, text) != NULL), name);
	if (rc != want || (text != NULL && strstr(m.s, text) == NULL))
		diag("got %d: %s", (int)rc, m.s);
}

static void
test_config(const char *dir)
{
	static const struct { const char *text, *err; } bad[] = {
		{ "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n"
		  "status = maybe\n", "expected off, optional or required" },
		{ "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n"
		  "status = off\nstatus = required\n", "status" },
		{ "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n"
		  "status_list_uris = http://a.test/sl/\n", "status_list_uris" },
		{ "status_refresh = 10\nstatus_refresh_min = 20\n"
		  "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n",
		  "status_refresh_min" },
		{ "status_refresh = 100\nstatus_max_stale = 50\n"
		  "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n",
		  "status_max_stale" },
		{ "status_refresh = 0\n[issuer https://a.test]\n"
		  "key_file = pub.pem\naudience = x\n", "status_refresh" },
		{ "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n"
		  "status_refresh = 5\n", "global keys go before" },
	};
	struct tok_rules r;
	struct cfg *c = NULL;
	struct jf_msg m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(load(dir, bad[i].text, &c, &m) == JF_E_CONFIG &&
		    strstr(m.s, bad[i].err) != NULL, bad[i].err);
		if (strstr(m.s, bad[i].err) == NULL)
			diag("got: %s", m.s);
		cfg_free(c);
		c = NULL;
	}
	ok(load(dir, "fetch_allow = loopback\n"
	    "[issuer https://a.test]\nkey_file = pub.pem\naudience = x\n"
	    "[issuer https://b.test]\nkey_file = pub.pem\naudience = x\n"
	    "jwks_uri = https://keys.test:8443/jwks\nstatus = required\n"
	    "[issuer https://c.test]\nkey_file = pub.pem\naudience = x\n"
	    "status_list_uris = https://lists.test/sl/ https://one.test/x\n"
	    "[issuer https://d.test]\nkey_file = pub.pem\naudience = x\n"
	    "status = off\nstatus_list_uris = https://off.test/y\n", &c, &m)
	    == JF_OK, "status keys load");
	if (c == NULL) {
		diag("%s", m.s);
		return;
	}
	memset(&r, 0, sizeof(r));
	cfg_rules(c, &r);
	is(cfg_issuer_status(c, &r.issuers[0]), CFG_STATUS_OPTIONAL,
	    "default status is optional");
	is(cfg_issuer_status(c, &r.issuers[1]), CFG_STATUS_REQUIRED,
	    "status = required");
	is(cfg_issuer_status(c, &r.issuers[3]), CFG_STATUS_OFF,
	    "status = off");
	ok(cfg_status_allowed(c, &r.issuers[0], "https://a.test/sl/1"),
	    "no uris, no remote keys: the iss origin");
	ok(!cfg_status_allowed(c, &r.issuers[0], "https://a.test.evil/sl"),
	    "... not a longer host");
	ok(!cfg_status_allowed(c, &r.issuers[0], "http://a.test/sl/1"),
	    "... not http");
	ok(cfg_status_allowed(c, &r.issuers[1], "https://keys.test:8443/s/2"),
	    "jwks_uri's origin");
	ok(!cfg_status_allowed(c, &r.issuers[1], "https://keys.test/s/2"),
	    "... port included");
	ok(!cfg_status_allowed(c, &r.issuers[1], "https://b.test/s/2"),
	    "... not the iss then");
	ok(cfg_status_allowed(c, &r.issuers[2], "https://lists.test/sl/9"),
	    "under a listed prefix");
	ok(!cfg_status_allowed(c, &r.issuers[2], "https://lists.test/other"),
	    "... not beside it");
	ok(cfg_status_allowed(c, &r.issuers[2], "https://one.test/x"),
	    "a listed URL");
	ok(!cfg_status_allowed(c, &r.issuers[2], "https://one.test/xy"),
	    "... exactly");
	ok(!cfg_status_allowed(c, &r.issuers[2], "https://c.test/sl/1"),
	    "listed uris replace the default");
	is_str(cfg_status_fixed(c, 0), "https://one.test/x",
	    "the one fixed list is fetched from start");
	ok(cfg_status_fixed(c, 1) == NULL, "... an off issuer's is not");
	ok(cfg_status_any(c), "a fetcher is needed");
	cfg_free(c);
	c = NULL;
	ok(load(dir, "[issuer https://a.test]\nkey_file = pub.pem\n"
	    "audience = x\n", &c, &m) == JF_OK && !cfg_status_any(c),
	    "no status keys, no remote keys: no fetcher for lists");
	cfg_free(c);
}

static void
test_doc(void)
{
	const char *iss;
	struct slist *l = NULL;
	struct jf_msg m;
	int64_t exp;
	long ttl;
	char *t;

	t = list_token(key, "https://mint.test", SL, 1, 16, NULL, NULL, 0,
	    now, now + 600, SLIST_TYP);
	ok(status_doc_verify(cfg, SL, t, strlen(t), (time_t)now, &iss, &l,
	    &exp, &ttl, &m) == JF_OK, "a good Status List Token");
	is_str(iss, "https://mint.test", "... its issuer");
	ok(exp == now + 600 && ttl == 60, "... its exp and ttl");
	ok(l != NULL && slist_len(l) == 16, "... its list");
	slist_free(l);
	ok(status_doc_verify(cfg, "https://mint.test/sl/2", t, strlen(t),
	    (time_t)now, &iss, NULL, &exp, &ttl, &m) == JF_E_CLAIM &&
	    strstr(m.s, "sub") != NULL, "sub is another URL: refused");
	ok(status_doc_verify(cfg, "https://elsewhere.test/sl/1", t, strlen(t),
	    (time_t)now, &iss, NULL, &exp, &ttl, &m) == JF_E_NOT_FOUND,
	    "a URL no issuer takes lists from");
	ok(status_doc_verify(cfg, SL, t, strlen(t), (time_t)now + 700, &iss,
	    NULL, &exp, &ttl, &m) == JF_E_SIGNATURE && strstr(m.s, "expired"),
	    "expired: refused");
	free(t);
	t = list_token(key, "https://mint.test", SL, 1, 16, NULL, NULL, 0,
	    now, now + 600, "JWT");
	ok(status_doc_verify(cfg, SL, t, strlen(t), (time_t)now, &iss, NULL,
	    &exp, &ttl, &m) == JF_E_SIGNATURE && strstr(m.s, "typ") != NULL,
	    "typ JWT: refused");
	free(t);
	t = list_token(other, "https://mint.test", SL, 1, 16, NULL, NULL, 0,
	    now, now + 600, SLIST_TYP);
	ok(status_doc_verify(cfg, SL, t, strlen(t), (time_t)now, &iss, NULL,
	    &exp, &ttl, &m) == JF_E_SIGNATURE, "signed by another key");
	free(t);
	ok(status_doc_verify(cfg, SL, "a.b.c", 5, (time_t)now, &iss, NULL,
	    &exp, &ttl, &m) == JF_E_SIGNATURE, "not a JWS");
	{
		struct json_object *cl = json_tokener_parse("{\"sub\":\"" SL
		    "\",\"iat\":1,\"status_list\":{\"bits\":1,"
		    "\"lst\":\"eNrbuRgAAhcBXQ\"}}");
		char *s = NULL, *nl;

		ok(tok_sign(key, SLIST_TYP, cl, &s, &m) == JF_OK &&
		    status_doc_verify(cfg, SL, s, strlen(s), (time_t)now, &iss,
		    NULL, &exp, &ttl, &m) == JF_E_SIGNATURE,
		    "a list without iss: refused");
		json_object_put(cl);
		free(s);
		t = list_token(key, "https://mint.test", SL, 1, 16, NULL, NULL,
		    0, now, now + 600, SLIST_TYP);
		nl = malloc(strlen(t) + 3);
		sprintf(nl, "%s\r\n", t);
		ok(status_doc_verify(cfg, SL, nl, strlen(nl), (time_t)now, &iss,
		    NULL, &exp, &ttl, &m) == JF_OK,
		    "a trailing newline is not part of the JWS");
		free(nl);
		free(t);
	}
	/* exp is RECOMMENDED (§5.1): a list without one is taken. */
	t = list_token(key, "https://mint.test", SL, 1, 16, NULL, NULL, 0,
	    now, 0, SLIST_TYP);
	exp = -1;
	ok(status_doc_verify(cfg, SL, t, strlen(t), (time_t)now + 7200, &iss,
	    NULL, &exp, &ttl, &m) == JF_OK && exp == 0,
	    "a list without exp: taken, exp 0 (none)");
	diag("%s", m.s);
	free(t);
	/* Larger than a bearer token may be (64 KiB): 560000 statuses that
	 * do not compress, as the mint publishes for many live tokens. */
	{
		size_t nb = 70000, i;
		unsigned char *b = malloc(nb);
		struct json_object *sl = NULL, *cl = NULL;
		char *s = NULL;

		srand(7);
		for (i = 0; b != NULL && i < nb; i++)
			b[i] = (unsigned char)(rand() & 0xff);
		if (b != NULL && slist_encode(b, nb, 1, &sl, &m) == JF_OK &&
		    (cl = slist_claims(SL, now, 600, 60, sl)) != NULL) {
			json_object_object_add(cl, "iss",
			    json_object_new_string("https://mint.test"));
			if (tok_sign(key, SLIST_TYP, cl, &s, &m) != JF_OK)
				diag("tok_sign: %s", m.s);
		}
		ok(s != NULL && strlen(s) > TOK_MAX_BYTES_LIMIT,
		    "a Status List Token over 64 KiB signed");
		l = NULL;
		ok(s != NULL && status_doc_verify(cfg, SL, s, strlen(s),
		    (time_t)now, &iss, &l, &exp, &ttl, &m) == JF_OK &&
		    l != NULL && slist_len(l) == nb * 8,
		    "... and taken, whole");
		diag("a list token of %zu bytes", s ? strlen(s) : 0);
		slist_free(l);
		json_object_put(cl);
		free(s);
		free(b);
	}
}

static void
test_check(void)
{
	static const uint32_t idx[] = { 1, 2, 3 };
	static const int val[] = { SLIST_INVALID, SLIST_SUSPENDED, 3 };
	struct jf_msg m;
	char *good, *revoked2, *bad;
	static const uint32_t i2[] = { 0 };
	static const int v2[] = { SLIST_INVALID };

	good = list_token(key, "https://mint.test", SL, 2, 16, idx, val, 3,
	    now, now + 600, SLIST_TYP);
	put(SL, good, now);
	is_check("https://mint.test", ST(0, SL), JF_OK, NULL, "idx 0 valid");
	is_check("https://mint.test", ST(1, SL), JF_E_CLAIM, "token revoked",
	    "idx 1 revoked");
	is_check("https://mint.test", ST(2, SL), JF_E_CLAIM,
	    "token suspended", "idx 2 suspended");
	is_check("https://mint.test", ST(3, SL), JF_E_CLAIM, "status 3",
	    "idx 3: status 3 is not valid");
	is_check("https://mint.test", ST(16, SL), JF_E_CLAIM,
	    "status index out of range", "idx 16 out of range");
	is_check("https://mint.test", ST(4294967295, SL), JF_E_CLAIM,
	    "status index out of range", "idx 2^32-1 out of range");
	is_check("https://mint.test", "", JF_E_CLAIM, "no status list entry",
	    "required: no status claim refused");
	is_check("https://mint.test", ",\"status\":7", JF_E_CLAIM,
	    "expected an object", "status not an object");
	is_check("https://mint.test", ",\"status\":{\"status_list\":[]}",
	    JF_E_CLAIM, "status_list: expected an object",
	    "status_list not an object");
	is_check("https://mint.test", ",\"status\":{\"status_list\":{\"idx\":"
	    "-1,\"uri\":\"" SL "\"}}", JF_E_CLAIM, "idx", "idx negative");
	is_check("https://mint.test", ",\"status\":{\"status_list\":{\"idx\":"
	    "\"1\",\"uri\":\"" SL "\"}}", JF_E_CLAIM, "idx", "idx a string");
	is_check("https://mint.test", ",\"status\":{\"status_list\":{\"idx\":"
	    "1.5,\"uri\":\"" SL "\"}}", JF_E_CLAIM, "idx", "idx 1.5");
	is_check("https://mint.test", ",\"status\":{\"status_list\":{\"idx\":"
	    "1}}", JF_E_CLAIM, "uri", "uri missing");
	is_check("https://mint.test", ST(0, "https://evil.test/sl/1"),
	    JF_E_CLAIM, "may come from", "uri elsewhere refused");
	is_check("https://mint.test", ST(0, "http://mint.test/sl/1"),
	    JF_E_CLAIM, "may come from", "uri over http refused");
	is_check("https://mint.test", ",\"status\":{\"other\":{}}",
	    JF_E_CLAIM, "no status list entry",
	    "required: another mechanism only is refused");
	is_check("https://opt.test", ",\"status\":{\"other\":{}}", JF_OK,
	    NULL, "optional: another mechanism only passes");
	is_check("https://opt.test", "", JF_OK, NULL,
	    "optional: no status claim passes");
	is_check("https://opt.test", ST(1, "https://evil.test/sl/1"), JF_OK,
	    NULL, "optional: a list it may not fetch is not looked at");
	is_check("https://off.test", ST(1, "https://anywhere.test/x"), JF_OK,
	    NULL, "off: never looked at");
	is_check("https://opt.test", ST(1, SL), JF_E_CLAIM, "another issuer",
	    "a list signed for another issuer is not this one's");

	/* A list signed by another key: the fetcher would refuse it; a
	 * worker finding it refuses it too and keeps the last good one. */
	bad = list_token(other, "https://mint.test", SL, 2, 16, NULL, NULL, 0,
	    now, now + 600, SLIST_TYP);
	put(SL, bad, now);
	is_check("https://mint.test", ST(1, SL), JF_E_CLAIM, "token revoked",
	    "a wrongly signed list: the last good one kept");
	free(bad);
	/* A new good list: idx 1 valid again, idx 0 revoked. */
	revoked2 = list_token(key, "https://mint.test", SL, 2, 16, i2, v2, 1,
	    now, now + 600, SLIST_TYP);
	put(SL, revoked2, now);
	is_check("https://mint.test", ST(1, SL), JF_OK, NULL,
	    "a new generation: idx 1 valid again");
	is_check("https://mint.test", ST(0, SL), JF_E_CLAIM, "token revoked",
	    "... idx 0 revoked");

	/* A list without exp is used while fresh (no expiry of its own). */
	{
		char *noexp = list_token(key, "https://mint.test", SL, 2, 16,
		    i2, v2, 1, now - 500, 0, SLIST_TYP);

		put(SL, noexp, now - 500);
		is_check("https://mint.test", ST(0, SL), JF_E_CLAIM,
		    "token revoked", "a list without exp is used");
		is_check("https://mint.test", ST(1, SL), JF_OK, NULL,
		    "... idx 1 valid");
		free(noexp);
	}

	/* Stale: last good fetch older than status_max_stale (600). */
	put(SL, revoked2, now - 700);
	is_check("https://mint.test", ST(1, SL), JF_E_UNAVAILABLE,
	    "is stale", "required: a stale list refuses (503)");
	now += 700;
	is_check("https://mint.test", ST(1, SL), JF_E_UNAVAILABLE,
	    "expired", "required: an expired list refuses, saying so");
	now -= 700;
	(void)m;
	free(good);
	free(revoked2);
}

static void
test_optional(void)
{
	/* The optional issuer's own list: stale lets its tokens through. */
	char *t = list_token(key, "https://opt.test", "https://opt.test/sl/1",
	    1, 8, (const uint32_t[]){ 0 }, (const int[]){ 1 }, 1, now,
	    now + 600, SLIST_TYP);

	is_check("https://opt.test", ST(0, "https://opt.test/sl/1"), JF_OK,
	    NULL, "optional: a list never fetched lets it through");
	put("https://opt.test/sl/1", t, now);
	is_check("https://opt.test", ST(0, "https://opt.test/sl/1"),
	    JF_E_CLAIM, "token revoked", "optional: a fetched list is used");
	put("https://opt.test/sl/1", t, now - 700);
	is_check("https://opt.test", ST(0, "https://opt.test/sl/1"), JF_OK,
	    NULL, "optional: a stale list is not used");
	free(t);
	is_check("https://mint.test", ST(0, "https://mint.test/sl/none"),
	    JF_E_UNAVAILABLE, "not fetched yet",
	    "required: a list never fetched refuses, saying so");
}

int
main(void)
{
	char dir[] = "/tmp/jf-test-status-XXXXXX", path[600];
	struct jf_msg m;

	now = (int64_t)time(NULL);
	if (mkdtemp(dir) == NULL ||
	    key_generate(&key, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_generate(&other, JF_ALG_ES256, 0, &m) != JF_OK ||
	    write_pem(dir, "pub.pem", key) != 0) {
		printf("Bail out! setup\n");
		return 1;
	}
	test_config(dir);
	if (load(dir, "jwks_cold_wait = 0\n"
	    "[issuer https://mint.test]\nkey_file = pub.pem\n"
	    "audience = https://api.test\nstatus = required\n"
	    "status_list_uris = https://mint.test/sl/\n"
	    "[issuer https://opt.test]\nkey_file = pub.pem\n"
	    "audience = https://api.test\n"
	    "status_list_uris = https://opt.test/sl/ https://mint.test/sl/\n"
	    "[issuer https://off.test]\nkey_file = pub.pem\n"
	    "audience = https://api.test\nstatus = off\n", &cfg, &m) != JF_OK ||
	    docs_new(&docs, 16, 65536, &m) != JF_OK ||
	    status_new(&st, docs, &m) != JF_OK) {
		printf("Bail out! %s\n", m.s);
		return 1;
	}
	test_doc();
	test_check();
	test_optional();
	status_free(st);
	docs_free(docs);
	cfg_free(cfg);
	key_free(key);
	key_free(other);
	snprintf(path, sizeof(path), "%s/authz.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
