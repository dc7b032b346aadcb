/* test_mint_status.c - token status at the mint (src/mint/status.c,
 * revoke.c, revparse.c), on a state loaded as jwt-mint.fcgi loads it
 * (embedded state in a temp dir): the status claim and the audit's idx,
 * RFC 7009 by the owner and by another client, an expired token, a
 * blocked client, the configuration's keys and refusals, Accept, the
 * revocation form and the aud peek.
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
#include "oauth/slist.h"
#include "state/state.h"
#include "util/form.h"
#include "util/log.h"
#include "mint.h"
#include "tap.h"

#define SECRET "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
#define NOW 1767225600LL

static char dir[] = "/tmp/test_mint_status.XXXXXX";

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0 || chmod(path, mode) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/* Services w and v, both with SECRET; mint.conf with extra lines. */
static enum jf_err
load(struct mint_state **s, const char *extra, struct jf_msg *m)
{
	unsigned char d[32];
	char text[2048], hex[65], path[600];
	size_t i;

	gnutls_hash_fast(GNUTLS_DIG_SHA256, SECRET, strlen(SECRET), d);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	snprintf(text, sizeof(text), "{\"services\":["
	    "{\"id\":\"w\",\"client_secret_sha256\":\"%s\","
	    "\"audiences\":[\"https://a.test\"]},"
	    "{\"id\":\"v\",\"client_secret_sha256\":\"%s\","
	    "\"audiences\":[\"https://a.test\"]}]}", hex, hex);
	put("registry.json", text, 0644);
	snprintf(text, sizeof(text), "issuer = https://mint.test\n"
	    "signing_key = %s/k.pem\nregistry = %s/registry.json\n"
	    "%s%s%sleeway = 0\n%s", dir, dir,
	    strstr(extra, "state_dir") ? "" : "state_dir = ",
	    strstr(extra, "state_dir") ? "" : dir,
	    strstr(extra, "state_dir") ? "" : "/state\n", extra);
	put("mint.conf", text, 0644);
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

static void
issue(const struct mint_state *s, const char *id, time_t now,
	struct mint_grant *g)
{
	char body[256];

	snprintf(body, sizeof(body), "grant_type=client_credentials&"
	    "client_id=%s&client_secret=" SECRET, id);
	memset(g, 0, sizeof(*g));
	mint_token_decide(s, now, param, NULL, body, strlen(body), g);
}

static void
do_revoke(const struct mint_state *s, const char *id, const char *token,
	time_t now, struct mint_revocation *v)
{
	char body[4096];

	snprintf(body, sizeof(body), "token=%s&token_type_hint=bogus&"
	    "client_id=%s&client_secret=" SECRET, token, id);
	memset(v, 0, sizeof(*v));
	mint_revoke_decide(s, now, param, NULL, body, strlen(body), v);
}

/* The status claim's idx of g's token, or -1. */
static long
claim_idx(const struct mint_grant *g, char *uri, size_t room)
{
	unsigned char p[4096];
	const char *a, *b;
	struct json_object *o, *v;
	size_t n;
	long idx = -1;

	if (g->token == NULL || (a = strchr(g->token, '.')) == NULL ||
	    (b = strchr(a + 1, '.')) == NULL || b - a > 4000 ||
	    b64url_decode(p, &n, a + 1, (size_t)(b - a - 1)) != 0)
		return -1;
	p[n] = '\0';
	if ((o = json_tokener_parse((const char *)p)) == NULL)
		return -1;
	if (json_object_object_get_ex(o, "status", &v) &&
	    json_object_object_get_ex(v, "status_list", &v)) {
		idx = (long)json_object_get_int64(json_object_object_get(v,
		    "idx"));
		snprintf(uri, room, "%s", json_object_get_string(
		    json_object_object_get(v, "uri")));
	}
	json_object_put(o);
	return idx;
}

static void
test_flow(void)
{
	struct mint_state *s = NULL;
	struct mint_grant g, h;
	struct mint_revocation v;
	struct jf_msg m;
	char uri[256] = "";
	long a, b;
	size_t n;

	if (load(&s, "status_bits = 2\ntoken_lifetime = 60\n", &m) != JF_OK) {
		printf("Bail out! load: %s\n", m.s);
		exit(1);
	}
	issue(s, "w", NOW, &g);
	is(g.err, JF_OK, "w gets a token");
	a = claim_idx(&g, uri, sizeof(uri));
	ok(a >= 0 && a == g.idx, "  its status claim names its index");
	is_str(uri, "https://mint.test/statuslist", "  uri: issuer/statuslist");
	issue(s, "v", NOW, &h);
	b = claim_idx(&h, uri, sizeof(uri));
	ok(b >= 0 && b != a, "v's token: another index");

	do_revoke(s, "v", g.token, NOW, &v);
	is(v.g.err, JF_E_INVALID_GRANT, "v revokes w's token: refused, "
	    "400 invalid_grant (RFC 7009 §2.1)");
	is_str(v.effect, "not_owner", "  no effect: not the owner");
	is((long)v.changed, 0, "  nothing changed");
	is_str(v.hint, "other", "  an unknown hint is ignored");
	do_revoke(s, "w", g.token, NOW, &v);
	is(v.g.err, JF_OK, "w revokes its token");
	is_str(v.effect, "revoked", "  revoked");
	is((long)v.changed, 1, "  one status changed");
	is_str(v.owner, "w", "  owner from client_id");
	do_revoke(s, "w", g.token, NOW, &v);
	is_str(v.effect, "unchanged", "again: unchanged");
	do_revoke(s, "w", g.token, NOW + 3600, &v);
	is(v.g.err, JF_OK, "an expired token: 200");
	is_str(v.effect, "expired", "  nothing to do");
	do_revoke(s, "w", "a.b.c", NOW, &v);
	is(v.g.err, JF_OK, "a malformed token: 200");
	is_str(v.effect, "malformed", "  malformed");
	do_revoke(s, "w", "", NOW, &v);
	is(v.g.err, JF_E_INVALID_REQUEST, "no token: invalid_request");
	mint_grant_clear(&h);

	is(mint_status_set(s, ST_BY_CLIENT, "v", NULL, SLIST_SUSPENDED, NOW,
	    &n, &m), JF_OK, "suspend v's tokens");
	is((long)n, 1, "  one");
	{
		struct st *st = NULL;
		struct st_opts o = { NULL, NULL, NULL, 0, 2, 0 };
		unsigned char *bytes = NULL;
		size_t nb = 0;
		uint32_t cnt = 0;
		uint64_t gen = 0;
		char path[600];

		snprintf(path, sizeof(path), "%s/state/" MINT_STATE_FILE, dir);
		o.path = path;
		o.max_live = (uint32_t)MINT_LIVE_DEFAULT;
		if (st_open(&st, &o, &m) == JF_OK &&
		    st_list(st, NOW, &bytes, &nb, &cnt, &gen, &m) == JF_OK) {
			ok(((bytes[(a * 2) / 8] >> ((a * 2) % 8)) & 3) ==
			    SLIST_INVALID, "the list: w's token revoked");
			ok(((bytes[(b * 2) / 8] >> ((b * 2) % 8)) & 3) ==
			    SLIST_SUSPENDED, "the list: v's token suspended");
		} else {
			diag("st_open/st_list: %s", m.s);
			ok(0, "the list: w's token revoked");
			ok(0, "the list: v's token suspended");
		}
		free(bytes);
		st_free(st);
	}

	{
		struct st *st = NULL;
		struct st_opts o = { NULL, NULL, NULL, 0, 2, 0 };
		char path[600];

		snprintf(path, sizeof(path), "%s/state/" MINT_STATE_FILE, dir);
		o.path = path;
		o.max_live = (uint32_t)MINT_LIVE_DEFAULT;
		if (st_open(&st, &o, &m) != JF_OK ||
		    st_block(st, "w", 1, &m) != JF_OK)
			printf("Bail out! block: %s\n", m.s);
		issue(s, "w", NOW, &h);
		is(h.err, JF_E_UNAUTHORIZED_CLIENT, "a blocked client: "
		    "unauthorized_client");
		ok(strstr(h.msg.s, "blocked") != NULL, "  says so");
		mint_grant_clear(&h);
		issue(s, "v", NOW, &h);
		is(h.err, JF_OK, "  another client is not");
		mint_grant_clear(&h);
		st_block(st, "w", 0, &m);
		issue(s, "w", NOW, &h);
		is(h.err, JF_OK, "unblocked: served");
		mint_grant_clear(&h);
		st_free(st);
	}
	mint_grant_clear(&g);
	mint_state_free(s);
}

static void
test_conf(void)
{
	static const struct {
		const char *line, *want;
	} bad[] = {
		{ "status_bits = 3", "status_bits: expected 1 or 2" },
		{ "status_list_ttl = 0", "status_list_ttl: expected seconds" },
		{ "status_list_ttl = 100\nstatus_list_lifetime = 50",
		  "status_list_ttl 100 exceeds status_list_lifetime 50" },
		{ "state = memcached://x", "state: expected redis://" },
		{ "state_dir = relative", "state_dir: expected an absolute" },
		{ "max_live_tokens = 0", "max_live_tokens: expected 1..8388608" },
		{ "status_list_uri = ftp://x", "status_list_uri: expected an" },
		{ "revocation_endpoint = /revoke", "revocation_endpoint: expected" },
	};
	struct mint_state *s = NULL;
	struct jf_msg m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is(load(&s, bad[i].line, &m), JF_E_CONFIG, bad[i].line);
		if (!ok(strstr(m.s, bad[i].want) != NULL, bad[i].want))
			diag("got %s", m.s);
		mint_state_free(s);
		s = NULL;
	}
	if (load(&s, "state = \nstatus_list_uri = https://lists.test/sl\n",
	    &m) != JF_OK) {
		diag("load: %s", m.s);
		ok(0, "a good status configuration loads");
		return;
	}
	ok(s->conf->state_url == NULL, "state = (empty): embedded");
	is_str(s->conf->status_list_uri, "https://lists.test/sl",
	    "status_list_uri as given");
	is_str(s->conf->revocation_endpoint, "https://mint.test/revoke",
	    "revocation_endpoint: issuer/revoke");
	is_str(s->conf->state_prefix, "jf:https://mint.test:", "redis prefix");
	ok(strstr(s->meta_json, "\"revocation_endpoint\":"
	    "\"https://mint.test/revoke\"") != NULL &&
	    strstr(s->meta_json, "\"revocation_endpoint_auth_methods_supported"
	    "\":[\"tls_client_auth\",\"client_secret_basic\",\"client_secret_"
	    "post\",\"private_key_jwt\"]") != NULL, "metadata: RFC 7009");
	mint_state_free(s);
}

static void
test_accept(void)
{
	static const struct {
		const char *v;
		int want;
	} t[] = {
		{ NULL, 1 }, { "", 1 }, { "  ", 1 },
		{ "application/statuslist+jwt", 1 },
		{ "Application/StatusList+JWT", 1 },
		{ "*/*", 1 }, { "application/*", 1 },
		{ "text/html, */*;q=0.1", 1 },
		{ "application/json", 0 }, { "text/*", 0 },
		{ "application/statuslist+jwt;q=0", 0 },
		{ "application/statuslist+jwt;q=0, */*", 0 },
		{ "*/*;q=0", 0 },
		{ "application/statuslist+json", 0 },
		{ "application/statuslist+jwtx", 0 },
		{ "application/json, application/statuslist+jwt ; q=0.5", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is(mint_status_accepts(t[i].v), t[i].want, t[i].v != NULL ?
		    t[i].v : "(no Accept)");
}

static void
test_peek(void)
{
	char aud[64];
	char tok[256];
	char p[128];

	b64url_encode(p, (const unsigned char *)"{\"aud\":\"https://a\"}", 19);
	snprintf(tok, sizeof(tok), "e30.%s.c2ln", p);
	is(mint_revoke_peek_aud(tok, strlen(tok), aud, sizeof(aud)), 0,
	    "peek: a string aud");
	is_str(aud, "https://a", "  its value");
	b64url_encode(p, (const unsigned char *)"{\"aud\":[\"x\"]}", 13);
	snprintf(tok, sizeof(tok), "e30.%s.c2ln", p);
	is(mint_revoke_peek_aud(tok, strlen(tok), aud, sizeof(aud)), -1,
	    "peek: an array aud: none");
	is(mint_revoke_peek_aud("abc", 3, aud, sizeof(aud)), -1,
	    "peek: not a JWS");
	is(mint_revoke_peek_aud("a.!!.c", 6, aud, sizeof(aud)), -1,
	    "peek: bad base64url");
	b64url_encode(p, (const unsigned char *)"{\"aud\":\"https://a\"}", 19);
	snprintf(tok, sizeof(tok), "e30.%s.c2ln", p);
	is(mint_revoke_peek_aud(tok, strlen(tok), aud, 5), -1,
	    "peek: too long for the room");
}

int
main(void)
{
	struct jf_key *k = NULL;
	struct jf_msg m;
	char *pem, cmd[128];
	size_t len;

	log_init("test_mint_status", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK) {
		printf("Bail out! key: %s\n", m.s);
		return 1;
	}
	put("k.pem", pem, 0600);
	key_pem_free(pem, len);
	key_free(k);
	test_flow();
	test_conf();
	test_accept();
	test_peek();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
