/* test_mint_keys.c - the mint's keys over time (src/mint/keys.c), loaded
 * the way jwt-mint.fcgi loads them: a mint.conf naming a key set of two
 * fresh ES256 keys in one rotation (a signs until T2, b is published at
 * T1 and signs from T2, a leaves at T3). Checked: the JWKS document and
 * its max-age at each boundary and a second before, the token signed by
 * the right key on either side of T2, the 503 with its reason and
 * Retry-After when no key is active, the warnings, the configuration's
 * refusals, and signing_key lines scheduled as before.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "jose/key.h"
#include "util/log.h"
#include "mint.h"
#include "tap.h"

/* 2026-01-01T00:00:00Z and the rotation's dates after it. */
#define T0 1767225600LL
#define T1 (T0 + 100)           /* b published */
#define T2 (T0 + 1300)          /* b activates, a retires */
#define T3 (T2 + 660)           /* a removed: max_token_lifetime + leeway */
#define SECRET "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
#define BODY "grant_type=client_credentials&client_id=w&client_secret=" SECRET

static char dir[] = "/tmp/test_mint_keys.XXXXXX";
static char kid_a[64], kid_b[64];

static void
put(const char *name, const char *text, size_t n, mode_t mode)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(text, 1, n, f) != n ||
	    fclose(f) != 0 || chmod(path, mode) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static void
puts_file(const char *name, const char *text)
{
	put(name, text, strlen(text), 0644);
}

static void
new_key(const char *name, char *kid)
{
	struct jf_key *k = NULL;
	struct jf_msg m;
	char *pem;
	size_t len;

	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK) {
		printf("Bail out! key: %s\n", m.s);
		exit(1);
	}
	put(name, pem, len, 0600);
	strcpy(kid, key_thumbprint(k));
	key_pem_free(pem, len);
	key_free(k);
}

/* mint.conf with extra lines, and the registry: service w with SECRET. */
static enum jf_err
load(struct mint_state **s, const char *extra, struct jf_msg *m)
{
	unsigned char d[32];
	char text[2048], hex[65], path[600];
	size_t i;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, SECRET, strlen(SECRET), d);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	snprintf(text, sizeof(text), "{\"services\":[{\"id\":\"w\","
	    "\"client_secret_sha256\":\"%s\",\"scopes\":[\"read\"],"
	    "\"audiences\":[\"https://a.test\"]}]}", hex);
	puts_file("registry.json", text);
	snprintf(text, sizeof(text), "issuer = https://mint.test\n"
	    "registry = %s/registry.json\nmax_token_lifetime = 600\n"
	    "jwks_max_age = 300\n%s\nstate_dir = %s\n", dir, extra, dir);
	puts_file("mint.conf", text);
	snprintf(path, sizeof(path), "%s/mint.conf", dir);
	m->s[0] = '\0';
	return mint_state_load(s, path, m);
}

static const char *
param(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "HTTPS") == 0)
		return "on";
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return "application/x-www-form-urlencoded";
	return NULL;
}

/* The kid in the header of g's token, or "" */
static void
token_kid(const struct mint_grant *g, char *out, size_t room)
{
	unsigned char hdr[512];
	struct json_object *o = NULL;
	const char *dot;
	size_t n = 0;

	out[0] = '\0';
	if (g->token == NULL || (dot = strchr(g->token, '.')) == NULL ||
	    dot - g->token > 400 || b64url_decode(hdr, &n, g->token,
	    (size_t)(dot - g->token)) != 0)
		return;
	hdr[n] = '\0';
	o = json_tokener_parse((const char *)hdr);
	if (o != NULL && json_object_object_get_ex(o, "kid", NULL))
		snprintf(out, room, "%s", json_object_get_string(
		    json_object_object_get(o, "kid")));
	json_object_put(o);
}

static void
decide(const struct mint_state *s, time_t now, struct mint_grant *g)
{
	memset(g, 0, sizeof(*g));
	mint_token_decide(s, now, param, NULL, BODY, strlen(BODY), g);
}

/* {"keys":[...]} holds exactly the kids listed, in order. */
static void
jwks_is(const struct mint_state *s, time_t now, const char *want_kids,
	long want_age, const char *name)
{
	const struct mint_jwks_doc *d;
	struct json_object *o, *keys;
	char got[256] = "";
	long age = -1;
	size_t i;

	d = mint_jwks_at(s, now, &age);
	o = json_tokener_parse(d->json);
	if (o != NULL && json_object_object_get_ex(o, "keys", &keys))
		for (i = 0; i < json_object_array_length(keys); i++) {
			const char *k = json_object_get_string(
			    json_object_object_get(json_object_array_get_idx(keys,
			    i), "kid"));

			strncat(got, i ? " " : "", sizeof(got) - strlen(got) - 1);
			strncat(got, k == NULL ? "?" : strcmp(k, kid_a) == 0 ?
			    "a" : strcmp(k, kid_b) == 0 ? "b" : "?",
			    sizeof(got) - strlen(got) - 1);
		}
	json_object_put(o);
	is_str(got, want_kids, name);
	is(age, want_age, "  max-age");
}

static void
warn_collect(void *arg, const char *msg)
{
	char *buf = arg;

	strncat(buf, msg, 4095 - strlen(buf));
	strncat(buf, "|", 4095 - strlen(buf));
}

static void
test_rotation(void)
{
	struct mint_state *s = NULL;
	struct mint_grant g;
	struct jf_msg m;
	char ks[2048], kid[64], want[512], w[4096];

	snprintf(ks, sizeof(ks), "{\"keys\":["
	    "{\"file\":\"a.pem\",\"kid\":\"%s\",\"published\":"
	    "\"2026-01-01T00:00:00Z\",\"activates\":\"2026-01-01T00:00:00Z\","
	    "\"retires\":\"2026-01-01T00:21:40Z\",\"removed\":"
	    "\"2026-01-01T00:32:40Z\"},"
	    "{\"file\":\"b.pem\",\"kid\":\"%s\",\"alg\":\"ES256\","
	    "\"published\":\"2026-01-01T00:01:40Z\",\"activates\":"
	    "\"2026-01-01T00:21:40Z\"}]}", kid_a, kid_b);
	puts_file("keyset.json", ks);
	snprintf(ks, sizeof(ks), "keyset = %s/keyset.json\nleeway = 60\n", dir);
	is(load(&s, ks, &m), JF_OK, "a mint.conf with a key set loads");
	if (s == NULL) {
		diag("%s", m.s);
		return;
	}
	is(jwks_count(s->conf->keys), 2, "  both keys loaded");
	is(s->conf->leeway, 60, "  leeway");

	/* JWKS: a alone, then a and b from T1, then b alone from T3. */
	jwks_is(s, T0 - 1, "", 1, "JWKS before T0: empty, until T0");
	jwks_is(s, T0, "a", 100, "JWKS at T0: a; max-age until b appears");
	jwks_is(s, T1 - 10, "a", 10, "JWKS at T1 - 10: max-age 10");
	jwks_is(s, T1 - 1, "a", 1, "JWKS at T1 - 1: max-age 1");
	jwks_is(s, T1, "a b", 300, "JWKS at T1: b published; jwks_max_age");
	jwks_is(s, T2, "a b", 300, "JWKS at T2: a retired, still published");
	jwks_is(s, T3 - 299, "a b", 299, "JWKS at T3 - 299: max-age until a "
	    "leaves");
	jwks_is(s, T3 - 1, "a b", 1, "JWKS at T3 - 1: max-age 1");
	jwks_is(s, T3, "b", 300, "JWKS at T3: a gone");
	jwks_is(s, T3 + 86400 * 365, "b", 300, "JWKS a year later: b");

	/* Tokens: a signs until T2, b from T2. */
	decide(s, T2 - 1, &g);
	is(g.err, JF_OK, "token at T2 - 1");
	token_kid(&g, kid, sizeof(kid));
	is_str(kid, kid_a, "  signed by a");
	mint_grant_clear(&g);
	decide(s, T2, &g);
	is(g.err, JF_OK, "token at T2");
	token_kid(&g, kid, sizeof(kid));
	is_str(kid, kid_b, "  signed by b");
	mint_grant_clear(&g);

	/* Before a activates: nothing signs, and the client hears why. */
	decide(s, T0 - 30, &g);
	is(g.err, JF_E_UNAVAILABLE, "token before any key is active: 503");
	is(jf_http_status(g.err), 503, "  status 503");
	is_str(jf_oauth_error(g.err), "temporarily_unavailable", "  error");
	snprintf(want, sizeof(want), "no signing key is active: key %s "
	    "activates at 2026-01-01T00:00:00Z", kid_a);
	is_str(g.msg.s, want, "  error_description says which key and when");
	is(g.retry_after, 30, "  Retry-After: until it activates");
	ok(g.token == NULL && !g.hide, "  no token; the reason is shown");
	mint_grant_clear(&g);
	ok(mint_signer(s, T2, &m, NULL) == keyset_key(s->conf->keyset, 1),
	    "mint_signer at T2: b");

	w[0] = '\0';
	mint_keys_lint(s, T0 - 30, warn_collect, w);
	snprintf(want, sizeof(want), "no signing key is active: key %s "
	    "activates at 2026-01-01T00:00:00Z; until then the token endpoint "
	    "answers 503|", kid_a);
	ok(strncmp(w, want, strlen(want)) == 0, "warning at start: no key is "
	    "active");
	if (strncmp(w, want, strlen(want)) != 0)
		diag("%s", w);
	w[0] = '\0';
	mint_keys_lint(s, T1 + 5, warn_collect, w);
	is_str(w, "", "no warning during a good rotation");
	mint_state_free(s);

	/* removed too soon after retires: max_token_lifetime 600 + 60. */
	snprintf(ks, sizeof(ks), "keyset = %s/keyset.json\nleeway = 61\n", dir);
	load(&s, ks, &m);
	w[0] = '\0';
	if (s != NULL)
		mint_keys_lint(s, T1, warn_collect, w);
	snprintf(want, sizeof(want), "key %s leaves the JWKS at "
	    "2026-01-01T00:32:40Z, 660 s after it stops signing: its tokens "
	    "live up to 661 s (max_token_lifetime + leeway), so verifiers may "
	    "refuse some before they expire|", kid_a);
	is_str(w, want, "warning: a key removed before its tokens expire");
	mint_state_free(s);
}

static void
test_conf(void)
{
	struct mint_state *s = NULL;
	struct jf_msg m;
	char text[1024], want[1024];

	snprintf(text, sizeof(text), "signing_key = %s/a.pem\n"
	    "keyset = %s/keyset.json\n", dir, dir);
	is(load(&s, text, &m), JF_E_CONFIG, "keyset and signing_key: refused");
	snprintf(want, sizeof(want), "%s/mint.conf:6: keyset: excludes "
	    "signing_key lines: the key set names its keys", dir);
	is_str(m.s, want, "  exact message");

	snprintf(text, sizeof(text), "keyset = %s/keyset.json\nleeway = 3601\n",
	    dir);
	is(load(&s, text, &m), JF_E_CONFIG, "leeway over an hour: refused");
	snprintf(want, sizeof(want), "%s/mint.conf:6: leeway: expected seconds "
	    "0..3600, got \"3601\"", dir);
	is_str(m.s, want, "  exact message");

	puts_file("bad.json", "{\"keys\":[{\"file\":\"a.pem\",\"kid\":\"x\","
	    "\"published\":\"2026-01-01T00:00:00Z\",\"activates\":"
	    "\"2026-01-01T00:00:00Z\"}]}");
	snprintf(text, sizeof(text), "keyset = %s/bad.json\n", dir);
	is(load(&s, text, &m), JF_E_CONFIG, "a bad key set: refused");
	snprintf(want, sizeof(want), "%s/mint.conf:5: keyset: %s/bad.json: "
	    "keys[0].kid: expected the key's RFC 7638 thumbprint (43 "
	    "base64url characters), got \"x\"", dir, dir);
	is_str(m.s, want, "  names mint.conf's line, the file and the member");

	is(load(&s, "", &m), JF_E_CONFIG, "no key at all: refused");
	snprintf(want, sizeof(want), "%s/mint.conf: signing_key: at least one "
	    "is required (or a keyset)", dir);
	is_str(m.s, want, "  exact message");
	ok(s == NULL, "  no state");
}

/* signing_key lines: all published since ever, the first signs. */
static void
test_signing_key(void)
{
	struct mint_state *s = NULL;
	struct mint_grant g;
	struct jf_msg m;
	char text[1024], kid[64];

	snprintf(text, sizeof(text), "signing_key = %s/b.pem\n"
	    "signing_key = %s/a.pem\n", dir, dir);
	is(load(&s, text, &m), JF_OK, "two signing_key lines");
	if (s == NULL) {
		diag("%s", m.s);
		return;
	}
	jwks_is(s, T0, "b a", 300, "  both published, jwks_max_age");
	jwks_is(s, 1, "b a", 300, "  since ever");
	decide(s, T0, &g);
	token_kid(&g, kid, sizeof(kid));
	is_str(kid, kid_b, "  the first signs");
	mint_grant_clear(&g);
	mint_state_free(s);
}

int
main(void)
{
	char cmd[128];

	log_init("test_mint_keys", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	new_key("a.pem", kid_a);
	new_key("b.pem", kid_b);
	test_rotation();
	test_conf();
	test_signing_key();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
