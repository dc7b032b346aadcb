/* test_keyset.c - the key set (keyset.c) and its schedule (schedule.c):
 * every refusal of the state file with its exact message, the states at
 * each boundary, the signer among overlapping active keys, the next
 * boundary, why nothing signs, the operator warnings, a rotation, and
 * loading the keys (mode, thumbprint, public key).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/keyset.h"
#include "tap.h"

#define KA "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define KB "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define KC "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define T0 "2026-01-01T00:00:00Z"   /* 1767225600 */
#define T1 "2026-01-01T00:20:00Z"   /* T0 + 1200 */
#define T2 "2026-04-01T00:00:00Z"   /* 1775001600 */
#define T3 "2026-04-01T01:01:00Z"   /* T2 + 3660 */
#define U0 1767225600LL
#define U1 (U0 + 1200)
#define U2 1775001600LL
#define U3 (U2 + 3660)

/* One key object with the given members (already JSON text). */
#define KEY(members) "{" members "}"
#define SET(keys) "{\"keys\":[" keys "]}"
#define GOOD_A "\"file\":\"a.pem\",\"kid\":\"" KA "\",\"published\":\"" T0 \
	"\",\"activates\":\"" T0 "\""

static enum jf_err
parse(struct keyset **ks, const char *json, struct jf_msg *m)
{
	*ks = keyset_new();
	m->s[0] = '\0';
	return keyset_parse(*ks, json, strlen(json), m);
}

static void
test_refusals(void)
{
	static const struct {
		const char *json;
		const char *msg;        /* the whole message, exactly */
	} t[] = {
		{ "[]", "expected a key set {\"keys\": [...]}" },
		{ "{\"keys\":[],\"x\":1}", "unknown member \"x\"" },
		{ "{}", "keys: expected an array of keys" },
		{ "{\"keys\":{}}", "keys: expected an array of keys" },
		{ "{\"keys\":[]}", "keys: empty" },
		{ "{\"keys\":[1]}", "keys[0]: expected an object" },
		{ "{\"keys\":[[]]}", "keys[0]: expected an object" },
		{ "{\"keys\":[{\"a\":{}}]}", "JSON: nesting deeper than 3" },
		{ "{\"keys\":[{},{}", "JSON: byte 14: unexpected end" },
		{ SET(KEY(GOOD_A ",\"use\":\"sig\"")),
		  "keys[0]: unknown member \"use\"" },
		{ SET(KEY(GOOD_A ",\"Retires\":\"" T2 "\"")),
		  "keys[0]: unknown member \"Retires\"" },
		{ SET(KEY(GOOD_A ",\"retires\":1")),
		  "keys[0].retires: expected a string" },
		{ SET(KEY(GOOD_A ",\"retires\":null")),
		  "keys[0].retires: expected a string" },
		{ SET(KEY("\"kid\":\"" KA "\",\"published\":\"" T0 "\","
		  "\"activates\":\"" T0 "\"")), "keys[0].file: required" },
		{ SET(KEY("\"file\":\"a.pem\",\"published\":\"" T0 "\","
		  "\"activates\":\"" T0 "\"")), "keys[0].kid: required" },
		{ SET(KEY("\"file\":\"a.pem\",\"kid\":\"" KA "\","
		  "\"activates\":\"" T0 "\"")), "keys[0].published: required" },
		{ SET(KEY("\"file\":\"a.pem\",\"kid\":\"" KA "\","
		  "\"published\":\"" T0 "\"")), "keys[0].activates: required" },
		{ SET(KEY("\"file\":\"../a.pem\",\"kid\":\"" KA "\"")),
		  "keys[0].file: expected a file name in the key set's directory "
		  "(1 to 128 of A-Z a-z 0-9 . _ -, not starting with '.'), got "
		  "\"../a.pem\"" },
		{ SET(KEY("\"file\":\"keys/a.pem\"")), "keys[0].file: expected a "
		  "file name in the key set's directory (1 to 128 of A-Z a-z 0-9 "
		  ". _ -, not starting with '.'), got \"keys/a.pem\"" },
		{ SET(KEY("\"file\":\".a.pem\"")), "keys[0].file: expected a "
		  "file name in the key set's directory (1 to 128 of A-Z a-z 0-9 "
		  ". _ -, not starting with '.'), got \".a.pem\"" },
		{ SET(KEY("\"file\":\"\"")), "keys[0].file: expected a "
		  "file name in the key set's directory (1 to 128 of A-Z a-z 0-9 "
		  ". _ -, not starting with '.'), got \"\"" },
		{ SET(KEY("\"file\":\"a\\\"b\\n\"")), "keys[0].file: expected a "
		  "file name in the key set's directory (1 to 128 of A-Z a-z 0-9 "
		  ". _ -, not starting with '.'), got \"a?b?\"" },
		{ SET(KEY("\"file\":\"a.pem\",\"kid\":\"short\",\"published\":\""
		  T0 "\",\"activates\":\"" T0 "\"")), "keys[0].kid: expected the "
		  "key's RFC 7638 thumbprint (43 base64url characters), got "
		  "\"short\"" },
		{ SET(KEY("\"file\":\"a.pem\",\"kid\":\"" KA "=\",\"published\":"
		  "\"" T0 "\",\"activates\":\"" T0 "\"")), "keys[0].kid: expected "
		  "the key's RFC 7638 thumbprint (43 base64url characters), got "
		  "\"" KA "=\"" },
		{ SET(KEY(GOOD_A ",\"alg\":\"HS256\"")), "keys[0].alg: expected "
		  "ES256, ES384, RS256, PS256 or EdDSA, got \"HS256\"" },
		{ SET(KEY(GOOD_A ",\"alg\":\"none\"")), "keys[0].alg: expected "
		  "ES256, ES384, RS256, PS256 or EdDSA, got \"none\"" },
		{ SET(KEY("\"published\":\"2026-01-01T00:00:00+00:00\"")),
		  "keys[0].published: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"2026-01-01T00:00:00+00:00\"" },
		{ SET(KEY("\"published\":\"2026-01-01t00:00:00z\"")),
		  "keys[0].published: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"2026-01-01t00:00:00z\"" },
		{ SET(KEY("\"activates\":\"2026-01-01T00:00:00.5Z\"")),
		  "keys[0].activates: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"2026-01-01T00:00:00.5Z\"" },
		{ SET(KEY("\"retires\":\"2026-02-30T00:00:00Z\"")),
		  "keys[0].retires: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"2026-02-30T00:00:00Z\"" },
		{ SET(KEY("\"removed\":\"2026-01-01T23:59:60Z\"")),
		  "keys[0].removed: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"2026-01-01T23:59:60Z\"" },
		{ SET(KEY("\"published\":\"1999-12-31T23:59:59Z\"")),
		  "keys[0].published: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got "
		  "\"1999-12-31T23:59:59Z\"" },
		{ SET(KEY("\"published\":\"\"")),
		  "keys[0].published: expected an RFC 3339 UTC time from 2000 to "
		  "9999 such as 2026-01-01T00:00:00Z, got \"\"" },
		{ SET(KEY("\"file\":\"a.pem\",\"kid\":\"" KA "\",\"published\":\""
		  T1 "\",\"activates\":\"" T0 "\"")), "keys[0].activates: "
		  T0 " is before published " T1 },
		{ SET(KEY(GOOD_A ",\"retires\":\"2025-12-31T23:59:59Z\"")),
		  "keys[0].retires: 2025-12-31T23:59:59Z is before activates "
		  T0 },
		{ SET(KEY(GOOD_A ",\"retires\":\"" T2 "\",\"removed\":\"" T1
		  "\"")), "keys[0].removed: " T1 " is before retires " T2 },
		{ SET(KEY(GOOD_A ",\"removed\":\"" T2 "\"")), "keys[0].removed: "
		  "set without retires: a key that may sign must stay "
		  "published" },
		{ SET(KEY(GOOD_A) "," KEY("\"file\":\"b.pem\",\"kid\":\"" KA
		  "\",\"published\":\"" T0 "\",\"activates\":\"" T1 "\"")),
		  "keys[1].kid: \"" KA "\" is keys[0]'s too" },
		{ SET(KEY(GOOD_A) "," KEY("\"file\":\"a.pem\",\"kid\":\"" KB
		  "\",\"published\":\"" T0 "\",\"activates\":\"" T1 "\"")),
		  "keys[1].file: \"a.pem\" is keys[0]'s too" },
		{ SET(KEY(GOOD_A ",\"file\":\"b.pem\"")),
		  "JSON: duplicate member name" },
	};
	struct keyset *ks;
	struct jf_msg m;
	char name[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(name, sizeof(name), "refused: %.140s", t[i].msg);
		is(parse(&ks, t[i].json, &m), JF_E_CONFIG, name);
		is_str(m.s, t[i].msg, "  exact message");
		is(keyset_count(ks), 0, "  nothing kept");
		keyset_free(ks);
	}
	{
		/* 17 keys: one over the bound. */
		char big[8192];
		size_t n = 0, k;

		n += (size_t)snprintf(big + n, sizeof(big) - n, "{\"keys\":[");
		for (k = 0; k <= KEYSET_KEYS_MAX; k++)
			n += (size_t)snprintf(big + n, sizeof(big) - n,
			    "%s{}", k ? "," : "");
		snprintf(big + n, sizeof(big) - n, "]}");
		is(parse(&ks, big, &m), JF_E_CONFIG, "17 keys refused");
		is_str(m.s, "keys: 17 keys, at most 16", "  exact message");
		keyset_free(ks);
	}
	{
		char *big = calloc(1, KEYSET_BYTES_MAX + 2);

		memset(big, ' ', KEYSET_BYTES_MAX + 1);
		ks = keyset_new();
		is(keyset_parse(ks, big, KEYSET_BYTES_MAX + 1, &m), JF_E_CONFIG,
		    "a file over 64 KiB refused");
		is_str(m.s, "over 65536 bytes", "  exact message");
		keyset_free(ks);
		free(big);
	}
}

/* a: since T0, retires T2, removed T3. b: published T0, activates T1,
 * never retires. The schedule of one rotation. */
#define ROTATED SET(KEY(GOOD_A ",\"alg\":\"ES256\",\"retires\":\"" T2 \
	"\",\"removed\":\"" T3 "\"") "," KEY("\"file\":\"b.pem\",\"kid\":\"" KB \
	"\",\"published\":\"" T0 "\",\"activates\":\"" T2 "\""))

static void
test_parse_and_write(void)
{
	struct keyset *ks, *again;
	const struct keyset_entry *e;
	struct jf_msg m;
	char *text;

	is(parse(&ks, ROTATED, &m), JF_OK, "a rotated set parses");
	if (keyset_count(ks) != 2) {
		diag("%s", m.s);
		keyset_free(ks);
		return;
	}
	e = keyset_get(ks, 0);
	is_str(e->file, "a.pem", "  file");
	is_str(e->kid, KA, "  kid");
	is(e->alg, JF_ALG_ES256, "  alg");
	is(e->at[KEYSET_PUBLISHED], U0, "  published");
	is(e->at[KEYSET_ACTIVATES], U0, "  activates");
	is(e->at[KEYSET_RETIRES], U2, "  retires");
	is(e->at[KEYSET_REMOVED], U3, "  removed");
	e = keyset_get(ks, 1);
	is(e->alg, JF_ALG_NONE, "  no alg: the type's default");
	ok(e->at[KEYSET_RETIRES] == KEYSET_NEVER &&
	    e->at[KEYSET_REMOVED] == KEYSET_NEVER, "  absent dates: never");
	ok(keyset_key(ks, 0) == NULL, "  parse loads no key");
	ok(keyset_get(ks, 2) == NULL, "  out of range: NULL");
	text = keyset_to_json(ks);
	ok(text != NULL && text[strlen(text) - 1] == '\n',
	    "written with a final newline");
	ok(text != NULL && strstr(strstr(text, KB), "retires") == NULL,
	    "  never-dates are left out");
	is(parse(&again, text != NULL ? text : "", &m), JF_OK,
	    "  and parse back");
	if (keyset_count(again) == 2) {
		char *twice = keyset_to_json(again);

		is_str(twice, text, "  to the same text");
		free(twice);
	}
	free(text);
	keyset_free(again);
	keyset_free(ks);
}

static void
test_times(void)
{
	char buf[KEYSET_TIME_ROOM];
	int64_t t = 0;

	is(keyset_time_parse("2000-01-01T00:00:00Z", &t), 0, "2000: first");
	is(t, KEYSET_TIME_MIN, "  = KEYSET_TIME_MIN");
	is(keyset_time_parse("9999-12-31T23:59:59Z", &t), 0, "9999: last");
	is(t, KEYSET_TIME_MAX, "  = KEYSET_TIME_MAX");
	is(keyset_time_parse("2024-02-29T12:00:00Z", &t), 0, "a leap day");
	is(keyset_time_parse("2023-02-29T12:00:00Z", &t), -1, "no leap day");
	is(keyset_time_parse("2026-13-01T00:00:00Z", &t), -1, "month 13");
	is(keyset_time_parse("2026-01-01T24:00:00Z", &t), -1, "hour 24");
	is(keyset_time_parse("2026-01-01T00:00:00Z ", &t), -1, "a blank");
	is(keyset_time_parse("+026-01-01T00:00:00Z", &t), -1, "a sign");
	is_str(keyset_time_fmt(U0, buf, sizeof(buf)), T0, "format");
	is_str(keyset_time_fmt(KEYSET_NEVER, buf, sizeof(buf)), "never",
	    "format: never");
	is_str(keyset_time_fmt(0, buf, sizeof(buf)), "-", "format: since ever");
}

static void
test_states(void)
{
	struct keyset *ks;
	const struct keyset_entry *a, *b;
	struct jf_msg m;

	parse(&ks, ROTATED, &m);
	a = keyset_get(ks, 0);
	b = keyset_get(ks, 1);
	is(keyset_state_at(a, U0 - 1), KEYSET_FUTURE, "a at published - 1: "
	    "future");
	is(keyset_state_at(a, U0), KEYSET_ACTIVE, "a at published = "
	    "activates: active");
	is(keyset_state_at(a, U2 - 1), KEYSET_ACTIVE, "a at retires - 1: "
	    "active");
	is(keyset_state_at(a, U2), KEYSET_RETIRED, "a at retires: retired");
	is(keyset_state_at(a, U3 - 1), KEYSET_RETIRED, "a at removed - 1: "
	    "retired");
	is(keyset_state_at(a, U3), KEYSET_GONE, "a at removed: gone");
	is(keyset_state_at(b, U0), KEYSET_PENDING, "b at published: pending");
	is(keyset_state_at(b, U2 - 1), KEYSET_PENDING, "b at activates - 1: "
	    "pending");
	is(keyset_state_at(b, U2), KEYSET_ACTIVE, "b at activates: active");
	is(keyset_state_at(b, KEYSET_TIME_MAX), KEYSET_ACTIVE, "b in 9999: "
	    "active");
	is_str(keyset_state_name(KEYSET_PENDING), "pending", "state name");
	is_str(keyset_state_name(KEYSET_GONE), "gone", "state name");

	is(keyset_signer(ks, U0 - 1), -1, "signer before anything: none");
	is(keyset_signer(ks, U0), 0, "signer at T0: a");
	is(keyset_signer(ks, U2 - 1), 0, "signer at b's activates - 1: a");
	is(keyset_signer(ks, U2), 1, "signer at b's activates: b");

	is(keyset_next(ks, U0, KEYSET_BIT(KEYSET_PUBLISHED) |
	    KEYSET_BIT(KEYSET_REMOVED)), U3, "next publish/remove after T0: "
	    "a's removal");
	is(keyset_next(ks, U0 - 1, KEYSET_BIT(KEYSET_PUBLISHED)), U0,
	    "next publish before T0: T0");
	is(keyset_next(ks, U0, KEYSET_BIT(KEYSET_ACTIVATES) |
	    KEYSET_BIT(KEYSET_RETIRES)), U2, "next activate/retire: T2");
	ok(keyset_next(ks, U3, 0xf) == KEYSET_NEVER, "nothing after T3");
	ok(keyset_gap(ks, U0) == KEYSET_NEVER, "no gap from T0");
	is(keyset_gap(ks, U0 - 5), U0 - 5, "a gap before T0");
	keyset_free(ks);
}

/* Three keys active at once: the latest activates signs, and of two
 * with the same activates the later in the file. */
static void
test_overlap(void)
{
	struct keyset *ks;
	struct jf_msg m;

	parse(&ks, SET(KEY("\"file\":\"a.pem\",\"kid\":\"" KA "\","
	    "\"published\":\"" T0 "\",\"activates\":\"" T1 "\"") ","
	    KEY("\"file\":\"b.pem\",\"kid\":\"" KB "\",\"published\":\"" T0
	    "\",\"activates\":\"" T0 "\",\"retires\":\"" T3 "\"") ","
	    KEY("\"file\":\"c.pem\",\"kid\":\"" KC "\",\"published\":\"" T0
	    "\",\"activates\":\"" T1 "\",\"retires\":\"" T2 "\"")), &m);
	is(keyset_count(ks), 3, "three overlapping keys");
	is(keyset_signer(ks, U0), 1, "at T0 only b is active: b");
	is(keyset_signer(ks, U1), 2, "at T1 a and c activate together: c, "
	    "the later in the file");
	is(keyset_signer(ks, U2), 0, "at T2 c retires: a (newer than b)");
	is(keyset_signer(ks, U3), 0, "at T3 b retires: a");
	keyset_free(ks);
}

static void
warn_collect(void *arg, const char *msg)
{
	char *buf = arg;

	strncat(buf, msg, 4095 - strlen(buf));
	strncat(buf, "|", 4095 - strlen(buf));
}

static void
test_idle_and_lint(void)
{
	struct keyset *ks;
	struct jf_msg m;
	char w[4096];

	parse(&ks, ROTATED, &m);
	m.s[0] = '\0';
	is(keyset_idle(ks, U0 - 1, &m), U0, "idle before T0: a activates "
	    "at T0");
	is_str(m.s, "no signing key is active: key " KA " activates at " T0,
	    "  says which key and when");
	keyset_free(ks);

	parse(&ks, SET(KEY(GOOD_A ",\"retires\":\"" T2 "\",\"removed\":\""
	    T3 "\"")), &m);
	ok(keyset_idle(ks, U2, &m) == KEYSET_NEVER, "idle after the last "
	    "retires: no next key");
	is_str(m.s, "no signing key is active: key " KA ", the last to sign, "
	    "retired at " T2 " and none follows it", "  says so");
	w[0] = '\0';
	keyset_lint(ks, U0, 3660, 300, warn_collect, w);
	is_str(w, "no key signs from " T2 ": key " KA " retires then and no "
	    "other key is active (run jwt-fcgi rotate before)|",
	    "lint: a gap ahead");
	w[0] = '\0';
	keyset_lint(ks, U0, 3661, 300, warn_collect, w);
	ok(strstr(w, "key " KA " leaves the JWKS at " T3 ", 3660 s after it "
	    "stops signing: its tokens live up to 3661 s (max_token_lifetime "
	    "+ leeway), so verifiers may refuse some before they expire|") !=
	    NULL, "lint: removed too soon after retiring");
	w[0] = '\0';
	keyset_lint(ks, U2, 3660, 300, warn_collect, w);
	is_str(w, "no signing key is active: key " KA ", the last to sign, "
	    "retired at " T2 " and none follows it; until then the token "
	    "endpoint answers 503|", "lint: nothing signs now");
	keyset_free(ks);

	parse(&ks, ROTATED, &m);
	w[0] = '\0';
	keyset_lint(ks, U0 + 10, 3660, 300, warn_collect, w);
	is_str(w, "", "lint: a good rotation says nothing");
	w[0] = '\0';
	keyset_lint(ks, U0 + 10, 3660, U2 - U0 + 1, warn_collect, w);
	is_str(w, "key " KB " signs from " T2 ", 7776000 s after it is "
	    "published at " T0 ": sooner than jwks_max_age (7776001 s), so a "
	    "verifier may still hold a JWKS without it|",
	    "lint: pre-publication shorter than jwks_max_age");
	keyset_free(ks);
}

static void
test_rotate(void)
{
	struct keyset *ks, *out = NULL;
	struct keyset_entry e;
	struct jf_msg m;
	int64_t now = U0 + 100;

	/* One key, active since T0, never retiring: the first rotation. */
	parse(&ks, SET(KEY(GOOD_A)), &m);
	memset(&e, 0, sizeof(e));
	e.file = "b.pem";
	e.kid = KB;
	e.alg = JF_ALG_ES256;
	e.at[KEYSET_PUBLISHED] = now;
	e.at[KEYSET_ACTIVATES] = now + 1200;
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	is(keyset_rotate(ks, &e, now, 3660, &out, &m), JF_OK, "rotate");
	if (out == NULL) {
		diag("%s", m.s);
		keyset_free(ks);
		return;
	}
	is(keyset_count(out), 2, "  two keys");
	is(keyset_get(out, 0)->at[KEYSET_RETIRES], now + 1200, "  a retires "
	    "when b activates");
	is(keyset_get(out, 0)->at[KEYSET_REMOVED], now + 1200 + 3660,
	    "  and leaves max_token_lifetime + leeway later");
	is(keyset_signer(out, now), 0, "  a signs now");
	is(keyset_signer(out, now + 1199), 0, "  a signs until b activates");
	is(keyset_signer(out, now + 1200), 1, "  b signs from then");
	is(keyset_state_at(keyset_get(out, 1), now), KEYSET_PENDING,
	    "  b is published now");
	keyset_free(ks);
	ks = out;
	out = NULL;

	e.file = "c.pem";
	e.kid = KC;
	is(keyset_rotate(ks, &e, now + 10, 3660, &out, &m),
	    JF_E_INVALID_REQUEST, "rotate again while b is pending: refused");
	ok(strncmp(m.s, "a rotation is under way: key " KB " activates at ",
	    strlen("a rotation is under way: key " KB " activates at ")) ==
	    0 && out == NULL, "  says why");

	/* After a is gone: it is dropped; b retires when c activates. */
	now += 1200 + 3660;
	e.at[KEYSET_PUBLISHED] = now;
	e.at[KEYSET_ACTIVATES] = now + 60;
	is(keyset_rotate(ks, &e, now, 100, &out, &m), JF_OK,
	    "rotate once a is gone");
	if (out != NULL) {
		is(keyset_count(out), 2, "  a dropped");
		is_str(keyset_get(out, 0)->kid, KB, "  b first");
		is(keyset_get(out, 0)->at[KEYSET_RETIRES], now + 60,
		    "  b retires when c activates");
		is(keyset_get(out, 0)->at[KEYSET_REMOVED], now + 160,
		    "  removed overlap later");
	}
	keyset_free(out);
	keyset_free(ks);
}

static void
put(const char *path, const char *text, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0 ||
	    chmod(path, mode) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/* Writes a fresh ES256 key to dir/name; its thumbprint into kid. */
static void
new_key(const char *dir, const char *name, mode_t mode, int public,
	char *kid)
{
	struct jf_key *k = NULL;
	struct jf_msg m;
	char path[512], *pem;
	size_t len;

	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    (public ? key_public_pem(k, &pem, &len) :
	    key_private_pem(k, &pem, &len)) != JF_OK) {
		printf("Bail out! key: %s\n", m.s);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put(path, pem, len, mode);
	strcpy(kid, key_thumbprint(k));
	key_pem_free(pem, len);
	key_free(k);
}

static void
test_load(void)
{
	char dir[] = "/tmp/test_keyset.XXXXXX", path[600], text[2048];
	char ka[64], kb[64], kp[64], want[1200], cmd[640];
	struct keyset *ks = NULL;
	struct jf_msg m;

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		exit(1);
	}
	new_key(dir, "a.pem", 0600, 0, ka);
	new_key(dir, "b.pem", 0644, 0, kb);
	new_key(dir, "p.pem", 0600, 1, kp);
	snprintf(path, sizeof(path), "%s/keyset.json", dir);

#define ONE(file, kid, extra) snprintf(text, sizeof(text), SET(KEY( \
	"\"file\":\"%s\",\"kid\":\"%s\",\"published\":\"" T0 "\"," \
	"\"activates\":\"" T0 "\"" extra)), file, kid)
	ONE("a.pem", ka, "");
	put(path, text, strlen(text), 0644);
	m.s[0] = '\0';
	is(keyset_load(&ks, path, &m), JF_OK, "load: a private key, 0600");
	if (ks != NULL) {
		ok(keyset_key(ks, 0) != NULL && strcmp(key_thumbprint(
		    keyset_key(ks, 0)), ka) == 0, "  its key, loaded");
		is(jwks_count(keyset_jwks(ks)), 1, "  in the set's JWKS");
		is(key_sign_alg(keyset_key(ks, 0)), JF_ALG_ES256, "  ES256");
	} else {
		diag("%s", m.s);
	}
	keyset_free(ks);

	ONE("b.pem", kb, "");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: a key mode 0644");
	snprintf(want, sizeof(want), "%s: keys[0].file: %s/b.pem is readable "
	    "by group or others (chmod 600 it)", path, dir);
	is_str(m.s, want, "  exact message");

	ONE("a.pem", kb, "");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: another key's kid");
	snprintf(want, sizeof(want), "%s: keys[0].kid: \"%s\" is not the "
	    "thumbprint of a.pem (%s)", path, kb, ka);
	is_str(m.s, want, "  exact message");

	ONE("p.pem", kp, "");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: a public key");
	snprintf(want, sizeof(want), "%s: keys[0].file: %s/p.pem holds a "
	    "public key; the mint needs the private key", path, dir);
	is_str(m.s, want, "  exact message");

	ONE("missing.pem", ka, "");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: no such file");
	snprintf(want, sizeof(want), "%s: keys[0].file: %s/missing.pem: No "
	    "such file or directory", path, dir);
	is_str(m.s, want, "  exact message");

	ONE("a.pem", ka, ",\"alg\":\"RS256\"");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: alg the key cannot "
	    "do");
	snprintf(want, sizeof(want), "%s: keys[0].alg: alg RS256 does not fit "
	    "this P-256 key", path);
	is_str(m.s, want, "  exact message");

	ONE("a.pem", ka, ",\"retires\":\"x\"");
	put(path, text, strlen(text), 0644);
	is(keyset_load(&ks, path, &m), JF_E_CONFIG, "load: a bad date");
	snprintf(want, sizeof(want), "%s: keys[0].retires: expected an RFC "
	    "3339 UTC time from 2000 to 9999 such as 2026-01-01T00:00:00Z, "
	    "got \"x\"", path);
	is_str(m.s, want, "  names the file first");

	snprintf(want, sizeof(want), "%s/none.json", dir);
	is(keyset_load(&ks, want, &m), JF_E_IO, "load: no key set file");
	ok(strstr(m.s, "none.json: No such file or directory") != NULL,
	    "  says so");
#undef ONE
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
}

/* keyset_add, as the mint uses it for signing_key lines and rotate for a
 * new key: kid from the key, dates checked, keys for all or none. */
static void
test_add(void)
{
	struct keyset *ks = keyset_new();
	struct keyset_entry e;
	struct jf_key *k = NULL;
	struct jf_msg m;

	memset(&e, 0, sizeof(e));
	e.file = "/etc/jwt-fcgi/mint.pem";
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	key_generate(&k, JF_ALG_EDDSA, 0, &m);
	is(keyset_add(ks, &e, k, &m), JF_OK, "add a key since ever");
	is_str(keyset_get(ks, 0)->kid, key_thumbprint(keyset_key(ks, 0)),
	    "  kid: its thumbprint");
	ok(keyset_to_json(ks) == NULL, "  \"since ever\" cannot be written");
	e.file = "b.pem";
	is(keyset_add(ks, &e, NULL, &m), JF_E_INTERNAL, "add without a key to "
	    "a set with keys: refused");
	is_str(m.s, "keys[1]: a set holds keys for every entry or for none",
	    "  exact message");
	key_generate(&k, JF_ALG_ES256, 0, &m);
	e.at[KEYSET_ACTIVATES] = 5;
	e.at[KEYSET_PUBLISHED] = 6;
	is(keyset_add(ks, &e, k, &m), JF_E_CONFIG, "dates out of order");
	is_str(m.s, "keys[1].activates: 1970-01-01T00:00:05Z is before "
	    "published 1970-01-01T00:00:06Z", "  exact message");
	is(keyset_count(ks), 1, "  not added");
	keyset_free(ks);
}

int
main(void)
{
	test_refusals();
	test_parse_and_write();
	test_times();
	test_states();
	test_overlap();
	test_idle_and_lint();
	test_rotate();
	test_load();
	test_add();
	return done_testing();
}
