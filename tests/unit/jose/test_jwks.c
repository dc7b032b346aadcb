/* test_jwks.c - key sets: parse, lookup, bounds, messages, export. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jose/jwks.h"
#include "jose/key.h"
#include "tap.h"

/* RFC 7515 A.3 (P-256) and RFC 7638 §3.1 (RSA) public keys. */
#define EC_KEY "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec1\"," \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
#define EC_NOKID "{\"kty\":\"EC\",\"crv\":\"P-256\"," \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
#define RSA_KEY "{\"kty\":\"RSA\",\"kid\":\"2011-04-29\",\"alg\":\"RS256\"," \
	"\"use\":\"sig\",\"e\":\"AQAB\",\"n\":\"" \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP" \
	"FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9" \
	"3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA" \
	"ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3" \
	"XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}"
#define OCT_KEY "{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}"

static enum jf_err
parse(struct jwks *s, const char *json, struct jf_msg *m)
{
	m->s[0] = '\0';
	return jwks_parse(s, json, strlen(json), m);
}

static void
test_bad_documents(void)
{
	static const struct {
		const char *json;
		const char *msg;        /* the whole message, exactly */
	} t[] = {
		{ "{\"keys\":[" EC_KEY "," RSA_KEY "," OCT_KEY "]}",
		  "keys[2]: kty \"oct\" refused: only asymmetric keys" },
		{ "{\"keys\":[" EC_KEY ",{\"kty\":\"EC\",\"crv\":\"P-256\",\"d\":"
		  "\"AA\"}]}", "keys[1]: private member \"d\" refused: publish "
		  "the public key only" },
		{ "{\"keys\":[" EC_KEY "," EC_KEY "]}",
		  "keys[1]: duplicate kid \"ec1\"" },
		{ "{\"keys\":[" EC_NOKID "," EC_NOKID "]}",
		  "keys[1]: duplicate kid \"oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE"
		  "19ECD-U\"" },
		{ "{\"keys\":[42]}", "keys[0]: not a JSON object" },
		{ "{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
		  "keys[0]: member \"n\" missing" },
		{ "{\"keys\":[]}", "keys: empty" },
		{ "{\"keys\":{}}", "not a JWKS: want {\"keys\":[...]}" },
		{ "[" EC_KEY "]", "not a JWKS: want {\"keys\":[...]}" },
		{ EC_KEY, "not a JWKS: want {\"keys\":[...]}" },
		{ "{\"keys\":[" EC_KEY "],\"keys\":[]}",
		  "JSON: duplicate member name" },
		{ "{\"keys\":[" EC_KEY "]} x", "JSON: byte 150: trailing bytes "
		  "after the value" },
		{ "{\"keys\":[{\"kty\":\"EC\",\"a\":[[[1]]]}]}",
		  "JSON: nesting deeper than 4" },
	};
	struct jwks *s = jwks_new();
	struct jf_msg m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		is(parse(s, t[i].json, &m), JF_E_CONFIG, t[i].msg);
		is_str(m.s, t[i].msg, "message");
		is(jwks_count(s), 0, "nothing added on failure");
	}
	jwks_free(s);
}

static void
test_parse_and_find(void)
{
	struct jwks *s = jwks_new();
	const struct jf_key *k;
	struct jf_key *extra = NULL;
	struct jf_msg m;

	is(parse(s, "{\"keys\":[" EC_KEY "," RSA_KEY "],\"other\":1}", &m),
	    JF_OK, "two keys parse, unknown top-level member ignored");
	is(jwks_count(s), 2, "count 2");
	k = jwks_find(s, "ec1");
	ok(k != NULL && key_kty(k) == JF_KTY_EC, "find ec1");
	k = jwks_find(s, "2011-04-29");
	ok(k != NULL && key_kty(k) == JF_KTY_RSA, "find the RSA kid");
	is_str(key_thumbprint(k), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
	    "its thumbprint");
	ok(jwks_find(s, "EC1") == NULL, "kid lookup is case-sensitive");
	ok(jwks_find(s, "") == NULL, "empty kid finds nothing");
	ok(jwks_find(s, NULL) == NULL, "NULL kid finds nothing");
	ok(jwks_get(s, 0) == jwks_find(s, "ec1"), "get keeps document order");
	ok(jwks_get(s, 2) == NULL, "get past the end is NULL");

	/* A second document adds; a kid already present is refused whole. */
	is(parse(s, "{\"keys\":[" EC_NOKID "]}", &m), JF_OK, "add a third");
	is(jwks_count(s), 3, "count 3");
	ok(jwks_find(s, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U") != NULL,
	    "kid-less key found by thumbprint");
	is(parse(s, "{\"keys\":[" RSA_KEY "]}", &m), JF_E_CONFIG,
	    "kid already in the set");
	is_str(m.s, "keys[0]: duplicate kid \"2011-04-29\"", "message");
	is(jwks_count(s), 3, "still 3");

	/* jwks_add: takes ownership either way. */
	is(key_generate(&extra, JF_ALG_ES256, 0, &m), JF_OK, "generate");
	is(jwks_add(s, extra, &m), JF_OK, "add a generated key");
	is(jwks_count(s), 4, "count 4");
	is(key_generate(&extra, JF_ALG_EDDSA, 0, &m), JF_OK, "generate");
	is(parse(s, "{\"keys\":[" EC_KEY "]}", &m), JF_E_CONFIG, "dup again");
	jwks_free(s);

	s = jwks_new();
	is(jwks_add(s, extra, &m), JF_OK, "add to an empty set");
	is(key_generate(&extra, JF_ALG_EDDSA, 0, &m), JF_OK, "generate");
	/* Same kid as the first: a copy of its public JWK. */
	{
		struct json_object *j = key_to_jwk(jwks_get(s, 0));
		struct jf_key *dup = NULL;

		is(key_from_jwk(&dup, j, &m), JF_OK, "copy via JWK");
		json_object_put(j);
		is(jwks_add(s, dup, &m), JF_E_CONFIG, "jwks_add refuses dup kid");
		ok(strncmp(m.s, "duplicate kid \"", 15) == 0, "says duplicate kid");
	}
	key_free(extra);
	jwks_free(s);
	jwks_free(NULL);
}

static void
test_bounds(void)
{
	struct jwks *s = jwks_new();
	struct jf_key *k;
	struct jf_msg m;
	char *doc, *big;
	size_t i, off = 0, cut = 0;

	/* 65 keys in one document: refused before any key is parsed. */
	doc = malloc(65 * 300 + 64);
	off += (size_t)sprintf(doc + off, "{\"keys\":[");
	for (i = 0; i < 65; i++) {
		cut = off;
		off += (size_t)sprintf(doc + off, "%s{\"kty\":\"EC\",\"crv\":"
		    "\"P-256\",\"kid\":\"k%zu\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gH"
		    "MzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyS"
		    "tikYjKIWI5a0\"}", i ? "," : "", i);
	}
	sprintf(doc + off, "]}");
	is(parse(s, doc, &m), JF_E_CONFIG, "65 keys refused");
	is_str(m.s, "keys: 65 keys, room for 64 (at most 64)", "message");
	/* 64 fit exactly: cut the last one off. */
	strcpy(doc + cut, "]}");
	is(parse(s, doc, &m), JF_OK, "64 keys accepted");
	is(jwks_count(s), JWKS_MAX_KEYS, "count 64");
	is(key_generate(&k, JF_ALG_ES256, 0, &m), JF_OK, "generate");
	is(jwks_add(s, k, &m), JF_E_CONFIG, "65th jwks_add refused");
	is_str(m.s, "more than 64 keys", "message");
	is(parse(s, "{\"keys\":[" RSA_KEY "]}", &m), JF_E_CONFIG,
	    "full set refuses a document");
	free(doc);
	jwks_free(s);

	s = jwks_new();
	big = malloc(JWKS_MAX_BYTES + 2);
	memset(big, ' ', JWKS_MAX_BYTES + 1);
	memcpy(big, "{\"keys\":[" EC_KEY "]}", strlen("{\"keys\":[" EC_KEY "]}"));
	is(jwks_parse(s, big, JWKS_MAX_BYTES, &m), JF_OK,
	    "exactly JWKS_MAX_BYTES is fine");
	jwks_free(s);
	s = jwks_new();
	is(jwks_parse(s, big, JWKS_MAX_BYTES + 1, &m), JF_E_CONFIG,
	    "one byte more is refused");
	is_str(m.s, "JWKS over 262144 bytes", "message");
	free(big);
	jwks_free(s);
}

static void
test_export_and_files(void)
{
	struct jwks *s = jwks_new(), *back = jwks_new(), *f = jwks_new();
	char path[] = "/tmp/test_jwks.XXXXXX", *out, *out2;
	struct jf_key *k;
	struct jf_msg m;
	FILE *fp;
	int fd;

	is(parse(s, "{\"keys\":[" EC_KEY "," RSA_KEY "]}", &m), JF_OK, "parse");
	is(key_generate(&k, JF_ALG_PS256, 0, &m), JF_OK, "generate PS256");
	is(jwks_add(s, k, &m), JF_OK, "add it");
	out = jwks_to_json(s);
	ok(out != NULL && strncmp(out, "{\"keys\":[{\"kty\":\"EC\",\"crv\":"
	    "\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
	    "\"kid\":\"ec1\",\"use\":\"sig\",\"alg\":\"ES256\"},", 174) == 0,
	    "export: compact, public members only");
	ok(out != NULL && strstr(out, "\"d\"") == NULL, "no private member");
	is(parse(back, out, &m), JF_OK, "export parses back");
	is(jwks_count(back), 3, "three keys back");
	ok(key_allows(jwks_find(back, key_kid(k)), JF_ALG_PS256) &&
	    !key_allows(jwks_find(back, key_kid(k)), JF_ALG_RS256),
	    "PS256 pin survives export");
	out2 = jwks_to_json(back);
	is_str(out2, out, "export is stable");

	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs(out, fp);
	fclose(fp);
	is(jwks_load_file(f, path, &m), JF_OK, "load from file");
	is(jwks_count(f), 3, "three keys from file");
	is(jwks_load_file(f, path, &m), JF_E_CONFIG, "loading twice: dup kid");
	ok(strncmp(m.s, path, strlen(path)) == 0, "message starts with path");
	unlink(path);
	is(jwks_load_file(f, path, &m), JF_E_IO, "missing file: JF_E_IO");
	free(out);
	free(out2);
	jwks_free(s);
	jwks_free(back);
	jwks_free(f);
}

int
main(void)
{
	test_bad_documents();
	test_parse_and_find();
	test_bounds();
	test_export_and_files();
	{
		struct jwks *ds = jwks_new();
		struct jf_msg dm;

		is(jwks_load_file(ds, "/dev/zero", &dm), JF_E_IO,
		    "jwks_load_file: a device is refused, not read for ever");
		is(jwks_count(ds), 0, "... nothing added");
		jwks_free(ds);
	}
	return done_testing();
}
