/* test_slist.c - Token Status Lists (oauth/slist.c): the draft's own
 * examples, round trips at 1 and 2 bits, and every refusal a reader
 * needs (bad base64url, bad zlib, trailing data, a zlib bomb). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "jose/b64.h"
#include "oauth/slist.h"
#include "tap.h"

static struct slist *
parse_str(const char *doc, enum jf_err want, const char *name)
{
	struct json_object *o = json_tokener_parse(doc);
	struct slist *l = NULL;
	struct jf_msg m = { "" };
	enum jf_err rc;

	rc = slist_parse(&l, o, &m);
	ok(rc == want, name);
	if (rc != want)
		diag("got %d (%s)", (int)rc, m.s);
	ok(rc == JF_OK || (l == NULL && m.s[0] != '\0'),
	    "... a refusal has a reason and no list");
	json_object_put(o);
	return l;
}

/* A status_list object whose lst is the base64url of z. */
static char *
doc_of(int bits, const unsigned char *z, size_t zn)
{
	char *s = malloc(B64URL_ENC_LEN(zn) + 1), *d;

	b64url_encode(s, z, zn);
	d = malloc(strlen(s) + 64);
	sprintf(d, "{\"bits\":%d,\"lst\":\"%s\"}", bits, s);
	free(s);
	return d;
}

static void
test_draft(void)
{
	/* §4.1: 16 statuses at 1 bit, bytes 0xB9 0xA3; 12 at 2 bits,
	 * bytes 0xC9 0x44 0xF9. */
	static const int one[16] = { 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0,
		1, 0, 1 };
	static const int two[12] = { 1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3 };
	static const unsigned char b1[] = { 0xb9, 0xa3 };
	static const unsigned char b2[] = { 0xc9, 0x44, 0xf9 };
	struct json_object *o;
	struct jf_msg m;
	struct slist *l;
	int i, good;

	l = parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_OK,
	    "draft 1-bit example parses");
	if (l != NULL) {
		is(slist_bits(l), 1, "... 1 bit");
		is((int)slist_len(l), 16, "... 16 statuses");
		for (good = 1, i = 0; i < 16; i++)
			good &= slist_get(l, (uint32_t)i) == one[i];
		ok(good, "... each status as the draft lists it");
		is(slist_get(l, 16), -1, "... idx 16 is out of range");
		is(slist_get(l, 0xffffffffu), -1, "... idx 2^32-1 too");
	}
	slist_free(l);
	l = parse_str("{\"bits\":2,\"lst\":\"eNo76fITAAPfAgc\"}", JF_OK,
	    "draft 2-bit example parses");
	if (l != NULL) {
		is(slist_bits(l), 2, "... 2 bits");
		is((int)slist_len(l), 12, "... 12 statuses");
		for (good = 1, i = 0; i < 12; i++)
			good &= slist_get(l, (uint32_t)i) == two[i];
		ok(good, "... each status as the draft lists it");
		is(slist_get(l, 12), -1, "... idx 12 is out of range");
	}
	slist_free(l);

	ok(slist_encode(b1, sizeof(b1), 1, &o, &m) == JF_OK, "encode 1-bit");
	is_str(json_object_get_string(json_object_object_get(o, "lst")),
	    "eNrbuRgAAhcBXQ", "... the draft's lst byte for byte");
	is(json_object_get_int(json_object_object_get(o, "bits")), 1,
	    "... bits 1");
	json_object_put(o);
	ok(slist_encode(b2, sizeof(b2), 2, &o, &m) == JF_OK, "encode 2-bit");
	is_str(json_object_get_string(json_object_object_get(o, "lst")),
	    "eNo76fITAAPfAgc", "... the draft's lst byte for byte");
	json_object_put(o);
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = { 1, 3, 1000, 1u << 16 };
	struct json_object *o;
	struct slist *l;
	struct jf_msg m;
	unsigned char *b;
	size_t si, i;
	uint32_t n, k;
	int bits, good, v, want;
	char name[96];

	for (bits = 1; bits <= 2; bits++)
		for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			b = malloc(sizes[si]);
			for (i = 0; i < sizes[si]; i++)
				b[i] = (unsigned char)(i * 37u + 11u);
			snprintf(name, sizeof(name), "round trip, %d bit(s), "
			    "%zu bytes", bits, sizes[si]);
			l = NULL;
			ok(slist_encode(b, sizes[si], bits, &o, &m) == JF_OK &&
			    slist_parse(&l, o, &m) == JF_OK, name);
			json_object_put(o);
			if (l == NULL) {
				free(b);
				continue;
			}
			n = slist_len(l);
			is((int)n, (int)(sizes[si] * 8 / (size_t)bits),
			    "... length");
			for (good = 1, k = 0; k < n; k++) {
				want = (b[k * (uint32_t)bits / 8] >>
				    (k * (uint32_t)bits % 8)) &
				    ((1 << bits) - 1);
				v = slist_get(l, k);
				good &= v == want;
			}
			ok(good, "... every status back");
			is(slist_get(l, n), -1, "... idx = len out of range");
			slist_free(l);
			free(b);
		}
	/* Setting one status at 2 bits touches only its two bits. */
	b = calloc(1, 4);
	b[5 * 2 / 8] |= (unsigned char)(SLIST_SUSPENDED << (5 * 2 % 8));
	b[13 * 2 / 8] |= (unsigned char)(SLIST_INVALID << (13 * 2 % 8));
	l = NULL;
	ok(slist_encode(b, 4, 2, &o, &m) == JF_OK && slist_parse(&l, o, &m)
	    == JF_OK, "2-bit list with two statuses set");
	json_object_put(o);
	if (l != NULL) {
		is(slist_get(l, 5), SLIST_SUSPENDED, "... idx 5 suspended");
		is(slist_get(l, 13), SLIST_INVALID, "... idx 13 invalid");
		is(slist_get(l, 4), SLIST_VALID, "... idx 4 valid");
		is(slist_get(l, 6), SLIST_VALID, "... idx 6 valid");
	}
	slist_free(l);
	free(b);
	ok(slist_encode((const unsigned char *)"x", 1, 4, &o, &m) ==
	    JF_E_INTERNAL && o == NULL, "encode refuses bits 4");
	ok(slist_encode((const unsigned char *)"x", 0, 1, &o, &m) ==
	    JF_E_INTERNAL && o == NULL, "encode refuses an empty list");
}

/* Another issuer's 4- and 8-bit lists are read (draft §4.2). */
static void
test_wide(void)
{
	static const unsigned char four[2] = { 0x21, 0x03 };
	static const unsigned char eight[4] = { 0, 1, 2, 255 };
	unsigned char z[64];
	char lst[128], doc[256];
	struct json_object *o;
	struct slist *l = NULL;
	struct jf_msg m;
	uLongf zn = sizeof(z);

	compress2(z, &zn, four, sizeof(four), 9);
	lst[b64url_encode(lst, z, zn)] = '\0';
	snprintf(doc, sizeof(doc), "{\"bits\":4,\"lst\":\"%s\"}", lst);
	o = json_tokener_parse(doc);
	ok(slist_parse(&l, o, &m) == JF_OK, "a 4-bit list is read");
	ok(l != NULL && slist_bits(l) == 4 && slist_len(l) == 4 &&
	    slist_get(l, 0) == 1 && slist_get(l, 1) == 2 &&
	    slist_get(l, 2) == 3 && slist_get(l, 3) == 0 &&
	    slist_get(l, 4) == -1, "... low nibble first");
	slist_free(l);
	json_object_put(o);
	zn = sizeof(z);
	compress2(z, &zn, eight, sizeof(eight), 9);
	lst[b64url_encode(lst, z, zn)] = '\0';
	snprintf(doc, sizeof(doc), "{\"bits\":8,\"lst\":\"%s\"}", lst);
	o = json_tokener_parse(doc);
	l = NULL;
	ok(slist_parse(&l, o, &m) == JF_OK, "an 8-bit list is read");
	ok(l != NULL && slist_len(l) == 4 && slist_get(l, 2) == 2 &&
	    slist_get(l, 3) == 255, "... one byte a status");
	slist_free(l);
	json_object_put(o);
	ok(slist_encode(four, sizeof(four), 4, &o, &m) == JF_E_INTERNAL,
	    "... but only 1 and 2 bits are written");
}

static void
test_refusals(void)
{
	unsigned char raw[64], z[256], *big, *zb;
	uLongf zn;
	char *d;
	size_t bn;

	parse_str("[1]", JF_E_CLAIM, "not an object");
	parse_str("{\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_E_CLAIM, "no bits");
	parse_str("{\"bits\":\"1\",\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_E_CLAIM,
	    "bits as a string");
	parse_str("{\"bits\":3,\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_E_CLAIM,
	    "bits 3 (1, 2, 4 or 8 only)");
	parse_str("{\"bits\":16,\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_E_CLAIM,
	    "bits 16");
	parse_str("{\"bits\":0,\"lst\":\"eNrbuRgAAhcBXQ\"}", JF_E_CLAIM,
	    "bits 0");
	parse_str("{\"bits\":1}", JF_E_CLAIM, "no lst");
	parse_str("{\"bits\":1,\"lst\":7}", JF_E_CLAIM, "lst a number");
	parse_str("{\"bits\":1,\"lst\":\"\"}", JF_E_CLAIM, "lst empty");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ==\"}", JF_E_CLAIM,
	    "bad base64url: padding");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcB+Q\"}", JF_E_CLAIM,
	    "bad base64url: '+'");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBX\"}", JF_E_CLAIM,
	    "bad base64url: a length of 1 mod 4... or truncated zlib");
	parse_str("{\"bits\":1,\"lst\":\"AAAAAAAA\"}", JF_E_CLAIM,
	    "bad zlib header");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXg\"}", JF_E_CLAIM,
	    "bad adler32");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgA\"}", JF_E_CLAIM,
	    "truncated zlib stream");
	parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQAA\"}", JF_E_CLAIM,
	    "data after the zlib stream");
	/* raw deflate (no zlib header), gzip: not RFC 1950 */
	parse_str("{\"bits\":1,\"lst\":\"27kYAA\"}", JF_E_CLAIM,
	    "raw deflate refused");
	/* an empty list */
	zn = sizeof(z);
	compress2(z, &zn, raw, 0, 9);
	d = doc_of(1, z, zn);
	parse_str(d, JF_E_CLAIM, "a list of no statuses");
	free(d);
	slist_free(parse_str("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\","
	    "\"aggregation_uri\":\"https://x\"}", JF_OK,
	    "aggregation_uri ignored"));

	/* A zlib bomb: zeros one byte past the 1-bit maximum (2 MiB) from
	 * a few KiB; and the 2-bit maximum (4 MiB) exactly is fine. */
	bn = SLIST_MAX_STATUSES / 8 + 1;
	big = calloc(1, SLIST_MAX_STATUSES / 4 + 1);
	zn = compressBound((uLong)(SLIST_MAX_STATUSES / 4 + 1));
	zb = malloc(zn);
	compress2(zb, &zn, big, (uLong)bn, 9);
	ok(zn < 16384, "the bomb is small");
	d = doc_of(1, zb, zn);
	parse_str(d, JF_E_CLAIM, "bomb over SLIST_MAX_STATUSES at 1 bit");
	free(d);
	zn = compressBound((uLong)(SLIST_MAX_STATUSES / 4 + 1));
	compress2(zb, &zn, big, (uLong)(bn - 1), 9);
	d = doc_of(1, zb, zn);
	slist_free(parse_str(d, JF_OK, "exactly SLIST_MAX_STATUSES at 1 bit"));
	free(d);
	d = doc_of(2, zb, zn);
	slist_free(parse_str(d, JF_OK, "the same bytes at 2 bits"));
	free(d);
	zn = compressBound((uLong)(SLIST_MAX_STATUSES / 4 + 1));
	compress2(zb, &zn, big, (uLong)(SLIST_MAX_STATUSES / 4 + 1), 9);
	d = doc_of(2, zb, zn);
	parse_str(d, JF_E_CLAIM, "bomb over SLIST_MAX_STATUSES at 2 bits");
	free(d);
	free(zb);
	free(big);
}

static void
test_claims(void)
{
	struct json_object *sl, *c;
	struct jf_msg m;

	sl = json_tokener_parse("{\"bits\":1,\"lst\":\"eNrbuRgAAhcBXQ\"}");
	c = slist_claims("https://m.example/statuslists/1", 1000, 3600, 300,
	    sl);
	ok(c != NULL, "claims built");
	is_str(json_object_get_string(json_object_object_get(c, "sub")),
	    "https://m.example/statuslists/1", "... sub is the uri");
	is((int)json_object_get_int64(json_object_object_get(c, "iat")), 1000,
	    "... iat");
	is((int)json_object_get_int64(json_object_object_get(c, "exp")), 4600,
	    "... exp = iat + lifetime");
	is((int)json_object_get_int64(json_object_object_get(c, "ttl")), 300,
	    "... ttl");
	{
		struct slist *l = NULL;

		ok(slist_parse(&l, json_object_object_get(c, "status_list"),
		    &m) == JF_OK, "... its status_list parses");
		slist_free(l);
	}
	json_object_put(c);
}

int
main(void)
{
	test_draft();
	test_roundtrip();
	test_wide();
	test_refusals();
	test_claims();
	return done_testing();
}
