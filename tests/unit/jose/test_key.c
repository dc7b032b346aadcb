/* test_key.c - keys: RFC vectors, sign/verify round trips, the ECDSA
 * signature attacks, the alg matrix, PEM and JWK import and refusals. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/b64.h"
#include "util/json.h"
#include "jose/key.h"
#include "tap.h"

/* RFC 7515 A.2 (RS256) and A.3 (ES256): the same payload, public keys. */
#define RFC_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6" \
	"Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
static const char a2_jwk[] = "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\""
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP"
	"CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47s"
	"oMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2"
	"R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
	"F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\"}";
static const char a2_input[] = "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD;
static const char a2_sig[] =
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4B"
	"h-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZ"
	"LgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_d"
	"O--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
	"LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
static const char a3_jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char a3_input[] = "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD;
static const char a3_sig[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXF"
	"CgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/* RFC 7638 §3.1 */
static const char t_jwk[] = "{\"kty\":\"RSA\",\"n\":\""
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP"
	"FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9"
	"3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
	"ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
	"XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\","
	"\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}";
static const char t_thumb[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* RFC 8037 A.4 (Ed25519) and A.3 (its thumbprint). */
static const char ed_jwk[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
static const char ed_input[] =
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
static const char ed_sig[] = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6d"
	"WbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
/* PS256 made by node 20 crypto.sign (RSA_PKCS1_PSS_PADDING) with salt 32
 * (what RFC 7518 §3.5 and npm jose use) and with salt 0, which we refuse. */
static const char ps_jwk[] = "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\""
	"48v0oazx-93z8hevhGeXiY4inmgc60aOM29kkbElWQcbB4r8pW6F5TXAa6DmoyYtv7jA"
	"cB_yjUhcvMn8sNFPhS5DQS8Pyw9QIxECAr84PC3gxHNr2IIUmde9jyS_0njHQNX-cTQ0"
	"0EeRsYGpJ-iSC5JbDYc_fut1GrxzrnOi4qFrnDv4ZF8r6bgnwkOUaNZsBTmGnkCI1ymi"
	"AW7OkAnJ9-2lZmV5llJwgGTZLU2EahtzrpokOCJxtynuwT3aWUqQpXj59Yx5ocVubjII"
	"sK1LZ-AtHx48bZ_4y0dwjFUKGK6OFCg8VuKVGEDG4jgSRz9kVxlU0FhUCTenzYrVmXto"
	"Gw"
	"\"}";
static const char ps_input[] = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJzYWx0In0";
static const char ps_sig32[] =
	"BHtMeFWtzFYN6YTYgi_8DFwKlc27_FfVX_co_0477XjLWX8QpoHMFw-641ATOse7JLXi"
	"27txLY4btzQNvLEflk5VIlfmeBnyyhEIwQQtC5Eh2uyf7jqtei2fYtw2CDIV-oOIOD7q"
	"VofI6krYPnwHAD78-KbMSpRl4yaaieP6OXaZC3E24LNhRSIqbJyzOqomSctIfx3Rfkhz"
	"J3o86FHSKhRJM5mcB63RNvRJJ7DOK95FI3Hp8032HPCXfTa52H8KFTLqtziYv5wjJS5a"
	"A8zNJsOQ3b9o-uCsoNbusCUg5D6oQzEx2Vn4-TKADtXKRZHw7YF7Pk1Nl-jBWJ2lMKrE"
	"kg";
static const char ps_sig0[] =
	"Df95gB2ODyA5brO74xhB1IvW6kKnK_RIvZ3-nyp9BvXeTWeSxuwnWxD4IqsD5O3d3fnX"
	"iOgCMUTsy4269bqZjBPM1KhniQIEWexQysITUm_zgghNcd-WG7FRj24f8wUbondRPjlb"
	"0gArSLKHNwint14_hG37P1k71iH5JUIco4Fp5wSA3AaBkDB0he96kfdbCAZgVYeH-mBV"
	"9TQRa1I209W5SugZYbxNzt0UTqfPq6gO5oHrzmp9WsGA9MzylgopTpVlJXeYO_omGIg2"
	"zjcD1Q3EG0Jfp21OHgeN9nE6BmI_6QwXuJTLOLsySuDq5nbWVR1yjX7x-0-sFRDiOv2x"
	"Ig";

static enum jf_err
jwk_load(struct jf_key **k, const char *json, struct jf_msg *m)
{
	struct json_object *o = NULL;
	enum jf_err rc;

	*k = NULL;
	if ((rc = json_parse(&o, json, strlen(json), 8, m)) != JF_OK)
		return rc;
	rc = key_from_jwk(k, o, m);
	json_object_put(o);
	return rc;
}

static size_t
unb64(unsigned char *out, const char *s)
{
	size_t len = 0;

	if (b64url_decode(out, &len, s, strlen(s)) != 0)
		return 0;
	return len;
}

/* tests/vectors/keys/<name>: from $JF_SRCDIR, else next to this file. */
static char *
slurp(const char *name, size_t *len)
{
	char path[1024], *buf;
	const char *src = getenv("JF_SRCDIR");
	FILE *f;

	if (src != NULL && *src != '\0')
		snprintf(path, sizeof(path), "%s/tests/vectors/keys/%s", src, name);
	else
		snprintf(path, sizeof(path), "%.*s/../vectors/keys/%s",
		    (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__, name);
	if ((f = fopen(path, "rb")) == NULL || (buf = malloc(65536)) == NULL) {
		diag("cannot open %s", path);
		exit(1);
	}
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void
test_alg_names(void)
{
	static const char *const bad[] = { "none", "None", "NONE", "HS256",
	    "es256", "RS512", "ES512", "EDDSA", "Ed25519", "", "ES256 " };
	size_t i;
	int a;

	for (a = JF_ALG_NONE + 1; a < JF_ALG__LAST; a++)
		is(jf_alg_from_name(jf_alg_name((enum jf_alg)a)), a,
		    "alg name round trip");
	is_str(jf_alg_name(JF_ALG_EDDSA), "EdDSA", "EdDSA spelling");
	is_str(jf_alg_name(JF_ALG_NONE), NULL, "no name for NONE");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is(jf_alg_from_name(bad[i]), JF_ALG_NONE, bad[i]);
	is(jf_alg_from_name(NULL), JF_ALG_NONE, "NULL alg name");
}

static void
test_rfc_vectors(void)
{
	unsigned char sig[JF_ALG_SIG_MAX], data[512];
	struct jf_key *k;
	struct jf_msg m;
	size_t n;

	/* A.2: RS256 */
	is(jwk_load(&k, a2_jwk, &m), JF_OK, "RFC 7515 A.2 key loads");
	n = unb64(sig, a2_sig);
	is(n, 256, "A.2 signature is 256 bytes");
	is(key_verify(k, JF_ALG_RS256, a2_input, strlen(a2_input), sig, n),
	    JF_OK, "RFC 7515 A.2 RS256 verifies");
	is(key_verify(k, JF_ALG_PS256, a2_input, strlen(a2_input), sig, n),
	    JF_E_SIGNATURE, "A.2 signature is not a PS256 signature");
	sig[100] ^= 0x01;
	is(key_verify(k, JF_ALG_RS256, a2_input, strlen(a2_input), sig, n),
	    JF_E_SIGNATURE, "A.2 with one signature bit flipped");
	sig[100] ^= 0x01;
	memcpy(data, a2_input, strlen(a2_input));
	data[5] ^= 0x20;
	is(key_verify(k, JF_ALG_RS256, data, strlen(a2_input), sig, n),
	    JF_E_SIGNATURE, "A.2 with one input bit flipped");
	is(key_verify(k, JF_ALG_ES256, a2_input, strlen(a2_input), sig, n),
	    JF_E_ALG, "RSA key refuses ES256");
	key_free(k);

	/* A.3: ES256 */
	is(jwk_load(&k, a3_jwk, &m), JF_OK, "RFC 7515 A.3 key loads");
	n = unb64(sig, a3_sig);
	is(n, 64, "A.3 signature is R||S, 64 bytes");
	is(key_verify(k, JF_ALG_ES256, a3_input, strlen(a3_input), sig, n),
	    JF_OK, "RFC 7515 A.3 ES256 verifies");
	sig[63] ^= 0x01;
	is(key_verify(k, JF_ALG_ES256, a3_input, strlen(a3_input), sig, n),
	    JF_E_SIGNATURE, "A.3 with one signature bit flipped");
	sig[63] ^= 0x01;
	memcpy(data, a3_input, strlen(a3_input));
	data[30] ^= 0x01;
	is(key_verify(k, JF_ALG_ES256, data, strlen(a3_input), sig, n),
	    JF_E_SIGNATURE, "A.3 with one input bit flipped");
	key_free(k);

	/* RFC 7638 §3.1 */
	is(jwk_load(&k, t_jwk, &m), JF_OK, "RFC 7638 key loads");
	is_str(key_thumbprint(k), t_thumb, "RFC 7638 §3.1 thumbprint");
	is_str(key_kid(k), "2011-04-29", "kid from the JWK wins");
	ok(key_allows(k, JF_ALG_RS256) && !key_allows(k, JF_ALG_PS256),
	    "JWK alg RS256 pins the key");
	key_free(k);

	/* RFC 8037 A.4: EdDSA */
	is(jwk_load(&k, ed_jwk, &m), JF_OK, "RFC 8037 key loads");
	is_str(key_thumbprint(k), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
	    "RFC 8037 A.3 thumbprint");
	n = unb64(sig, ed_sig);
	is(key_verify(k, JF_ALG_EDDSA, ed_input, strlen(ed_input), sig, n),
	    JF_OK, "RFC 8037 A.4 EdDSA verifies");
	sig[0] ^= 0x80;
	is(key_verify(k, JF_ALG_EDDSA, ed_input, strlen(ed_input), sig, n),
	    JF_E_SIGNATURE, "A.4 with one signature bit flipped");
	key_free(k);

	/* PS256 from node: salt 32 verifies, salt 0 does not. */
	is(jwk_load(&k, ps_jwk, &m), JF_OK, "node PS256 key loads");
	n = unb64(sig, ps_sig32);
	is(key_verify(k, JF_ALG_PS256, ps_input, strlen(ps_input), sig, n),
	    JF_OK, "node PS256 (salt 32) verifies");
	is(key_verify(k, JF_ALG_RS256, ps_input, strlen(ps_input), sig, n),
	    JF_E_SIGNATURE, "the same bytes are no RS256 signature");
	n = unb64(sig, ps_sig0);
	is(key_verify(k, JF_ALG_PS256, ps_input, strlen(ps_input), sig, n),
	    JF_E_SIGNATURE, "PS256 with salt 0 refused (RFC 7518 §3.5)");
	key_free(k);
}


/* The psychic-signature family against the A.3 key. */
static void
test_ecdsa_attacks(void)
{
	static const unsigned char n256[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
		0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
	};
	unsigned char good[64], sig[80];
	size_t len = strlen(a3_input), n, dn;
	struct jf_key *k;
	struct jf_msg m;

	is(jwk_load(&k, a3_jwk, &m), JF_OK, "A.3 key for attacks");
	unb64(good, a3_sig);

	memset(sig, 0, sizeof(sig));
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "all-zero R||S refused (CVE-2022-21449)");
	memcpy(sig, good, 64);
	memset(sig, 0, 32);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "R = 0 refused");
	memcpy(sig, good, 64);
	memset(sig + 32, 0, 32);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "S = 0 refused");
	memcpy(sig, n256, 32);
	memcpy(sig + 32, good + 32, 32);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "R = n refused");
	memcpy(sig, good, 32);
	memcpy(sig + 32, n256, 32);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "S = n refused");
	sig[63] = 0x52;         /* n + 1 */
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "S = n + 1 refused");
	memset(sig, 0xff, 64);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 64),
	    JF_E_SIGNATURE, "R = S = 2^256 - 1 refused");

	/* The same signature in DER, as OpenSSL and libjwt write it. */
	dn = 0;
	sig[dn++] = 0x30;
	sig[dn++] = 0;
	for (n = 0; n < 2; n++) {
		int pad = good[n * 32] & 0x80 ? 1 : 0;

		sig[dn++] = 0x02;
		sig[dn++] = (unsigned char)(32 + pad);
		if (pad)
			sig[dn++] = 0;
		memcpy(sig + dn, good + n * 32, 32);
		dn += 32;
	}
	sig[1] = (unsigned char)(dn - 2);
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, dn),
	    JF_E_SIGNATURE, "DER-encoded ECDSA signature refused");
	is(key_verify(k, JF_ALG_ES256, a3_input, len, good, 63),
	    JF_E_SIGNATURE, "63-byte signature refused");
	memcpy(sig, good, 64);
	sig[64] = 0;
	is(key_verify(k, JF_ALG_ES256, a3_input, len, sig, 65),
	    JF_E_SIGNATURE, "65-byte signature refused");
	is(key_verify(k, JF_ALG_ES256, a3_input, len, good, 0),
	    JF_E_SIGNATURE, "empty signature refused");
	is(key_verify(k, JF_ALG_ES384, a3_input, len, good, 64),
	    JF_E_ALG, "P-256 key refuses ES384");
	is(key_verify(k, JF_ALG_NONE, a3_input, len, good, 64),
	    JF_E_ALG, "alg none refused");
	key_free(k);
}

/* Generate, sign, verify, export and re-import for every algorithm. */
static void
test_round_trips(void)
{
	static const struct {
		enum jf_alg alg;
		size_t siglen;
		enum jf_kty kty;
	} t[] = {
		{ JF_ALG_ES256, 64, JF_KTY_EC },
		{ JF_ALG_ES384, 96, JF_KTY_EC },
		{ JF_ALG_RS256, 256, JF_KTY_RSA },
		{ JF_ALG_PS256, 256, JF_KTY_RSA },
		{ JF_ALG_EDDSA, 64, JF_KTY_OKP },
	};
	static const char data[] = "header.payload";
	unsigned char sig[JF_ALG_SIG_MAX];
	size_t i, sl;
	int a;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct jf_key *k = NULL, *pub = NULL, *back = NULL;
		struct json_object *jwk;
		const char *name = jf_alg_name(t[i].alg);
		char *pem = NULL, *ppem = NULL;
		size_t plen = 0, pplen = 0;
		struct jf_msg m;

		diag("%s", name);
		is(key_generate(&k, t[i].alg, 0, &m), JF_OK, "generate");
		is(key_kty(k), t[i].kty, "kty");
		ok(key_is_private(k), "generated key is private");
		is(key_sign_alg(k), t[i].alg, "signs with the requested alg");
		for (a = JF_ALG_NONE; a < JF_ALG__LAST; a++)
			is(key_allows(k, (enum jf_alg)a), a == (int)t[i].alg,
			    "allows exactly its own alg");
		sl = sizeof(sig);
		is(key_sign(k, data, strlen(data), sig, &sl), JF_OK, "sign");
		is(sl, t[i].siglen, "JOSE signature length");
		is(key_verify(k, t[i].alg, data, strlen(data), sig, sl), JF_OK,
		    "verify own signature");
		sig[sl / 2] ^= 0x10;
		is(key_verify(k, t[i].alg, data, strlen(data), sig, sl),
		    JF_E_SIGNATURE, "flipped bit refused");
		sig[sl / 2] ^= 0x10;
		sl--;
		is(key_verify(k, t[i].alg, data, strlen(data), sig, sl),
		    JF_E_SIGNATURE, "short signature refused");
		sl++;
		{
			unsigned char again[JF_ALG_SIG_MAX];
			size_t al = sizeof(again);
			int same;

			is(key_sign(k, data, strlen(data), again, &al), JF_OK,
			    "sign again");
			same = al == sl && memcmp(again, sig, sl) == 0;
			/* RFC 6979 ECDSA, Ed25519 and PKCS#1 v1.5 repeat; PSS
			 * draws a fresh salt. */
			is(same, t[i].alg != JF_ALG_PS256, "deterministic "
			    "unless PS256");
		}
		sl = 8;
		is(key_sign(k, data, strlen(data), sig, &sl), JF_E_INTERNAL,
		    "sign refuses a small buffer");
		sl = t[i].siglen;

		/* JWK export and import: same thumbprint, verifies. */
		jwk = key_to_jwk(k);
		ok(jwk != NULL, "key_to_jwk");
		is_str(json_str(jwk, "alg"), name, "JWK alg");
		is_str(json_str(jwk, "use"), "sig", "JWK use");
		is_str(json_str(jwk, "kid"), key_thumbprint(k), "JWK kid");
		ok(!json_object_object_get_ex(jwk, "d", NULL), "no d exported");
		is(key_from_jwk(&pub, jwk, &m), JF_OK, "JWK re-imports");
		json_object_put(jwk);
		is_str(key_thumbprint(pub), key_thumbprint(k), "same thumbprint");
		ok(!key_is_private(pub), "JWK import is public");
		is(key_verify(pub, t[i].alg, data, strlen(data), sig, sl), JF_OK,
		    "JWK public key verifies");
		sl = sizeof(sig);
		is(key_sign(pub, data, strlen(data), sig, &sl), JF_E_CONFIG,
		    "public key cannot sign");
		key_free(pub);

		/* PEM: private round trip signs for the original. */
		is(key_private_pem(k, &pem, &plen), JF_OK, "private PEM");
		ok(plen > 0 && strncmp(pem, "-----BEGIN PRIVATE KEY-----\n",
		    28) == 0, "PKCS#8 PEM");
		is(strlen(pem), plen, "PEM length");
		is(key_from_pem(&back, pem, plen, &m), JF_OK, "private PEM reads");
		key_pem_free(pem, plen);
		ok(key_is_private(back), "still private");
		is_str(key_thumbprint(back), key_thumbprint(k), "same key");
		if (t[i].alg == JF_ALG_PS256)
			is(key_pin_alg(back, JF_ALG_PS256, &m), JF_OK, "re-pin PS256");
		sl = sizeof(sig);
		is(key_sign(back, data, strlen(data), sig, &sl), JF_OK,
		    "re-read key signs");
		is(key_verify(k, t[i].alg, data, strlen(data), sig, sl), JF_OK,
		    "and the original verifies it");
		is(key_public_pem(back, &ppem, &pplen), JF_OK, "public PEM");
		key_free(back);
		is(key_from_pem(&back, ppem, pplen, &m), JF_OK, "public PEM reads");
		ok(!key_is_private(back), "public PEM is public");
		is(key_private_pem(back, &pem, &plen), JF_E_CONFIG,
		    "no private PEM of a public key");
		is_str(key_thumbprint(back), key_thumbprint(k), "same public key");
		is(key_verify(back, t[i].alg, data, strlen(data), sig, sl), JF_OK,
		    "public PEM verifies");
		key_pem_free(ppem, pplen);
		key_free(back);
		key_free(k);
	}
}

/* What each key type may verify, and pinning. */
static void
test_alg_matrix(void)
{
	struct jf_key *ec, *rsa;
	struct jf_msg m;
	unsigned char sig[JF_ALG_SIG_MAX];
	size_t sl = sizeof(sig);
	int a;

	is(jwk_load(&ec, a3_jwk, &m), JF_OK, "P-256 JWK");
	for (a = JF_ALG_NONE; a <= JF_ALG__LAST; a++)
		is(key_allows(ec, (enum jf_alg)a), a == JF_ALG_ES256,
		    "P-256 allows ES256 only");
	ok(!key_allows(ec, jf_alg_from_name("HS256")), "P-256: no HS256");
	ok(!key_allows(ec, jf_alg_from_name("none")), "P-256: no none");
	is(key_pin_alg(ec, JF_ALG_RS256, &m), JF_E_CONFIG, "cannot pin RS256 "
	    "on P-256");
	ok(strstr(m.s, "RS256") != NULL, "pin message names the alg");
	is(key_pin_alg(ec, JF_ALG_ES256, &m), JF_OK, "pin ES256 on P-256");
	key_free(ec);

	/* An RSA JWK without alg may verify RS256 and PS256, no more. */
	is(jwk_load(&rsa, a2_jwk, &m), JF_OK, "RSA JWK without alg");
	for (a = JF_ALG_NONE; a <= JF_ALG__LAST; a++)
		is(key_allows(rsa, (enum jf_alg)a),
		    a == JF_ALG_RS256 || a == JF_ALG_PS256, "RSA allows RS/PS256");
	is(key_sign_alg(rsa), JF_ALG_RS256, "unpinned RSA signs RS256");
	is(key_sign(rsa, "x", 1, sig, &sl), JF_E_CONFIG, "public RSA cannot sign");
	is(key_pin_alg(rsa, JF_ALG_PS256, &m), JF_OK, "pin PS256");
	ok(!key_allows(rsa, JF_ALG_RS256), "pinned PS256 refuses RS256");
	is(key_sign_alg(rsa), JF_ALG_PS256, "pinned alg signs");
	is(key_pin_alg(rsa, JF_ALG_RS256, &m), JF_E_CONFIG, "cannot re-widen");
	is(key_verify(rsa, JF_ALG_RS256, a2_input, strlen(a2_input), sig, 256),
	    JF_E_ALG, "RS256 token on a PS256 pin: JF_E_ALG");
	key_free(rsa);
	is(key_generate(&rsa, JF_ALG_RS256, 1024, &m), JF_E_CONFIG,
	    "RSA-1024 generation refused");
	is(key_generate(&rsa, JF_ALG_RS256, 2049, &m), JF_E_CONFIG,
	    "odd RSA size refused");
	is(key_generate(&rsa, JF_ALG_NONE, 0, &m), JF_E_CONFIG,
	    "cannot generate for none");
	ok(rsa == NULL, "no key on failure");
}

/* PEM forms we read, and every refusal, with the exact code. */
static void
test_pem(void)
{
	static const struct {
		const char *file;
		enum jf_err want;
		int priv;
		enum jf_kty kty;
		const char *msg;
	} t[] = {
		{ "ec-p256-sec1.pem", JF_OK, 1, JF_KTY_EC, NULL },
		{ "rsa2048-pkcs1.pem", JF_OK, 1, JF_KTY_RSA, NULL },
		{ "ed25519-pkcs8.pem", JF_OK, 1, JF_KTY_OKP, NULL },
		{ "rsa1024-spki.pem", JF_E_CONFIG, 0, 0, "1024 bits" },
		{ "ec-p521-sec1.pem", JF_E_CONFIG, 0, 0, "SECP521R1" },
		{ "ed448-pkcs8.pem", JF_E_CONFIG, 0, 0, "refused" },
		{ "rsa-pss-pkcs8.pem", JF_E_CONFIG, 0, 0, "RSA-PSS" },
		{ "ec-p256-encrypted.pem", JF_E_CONFIG, 0, 0, "encrypted" },
		{ "cert.pem", JF_E_CONFIG, 0, 0, "\"CERTIFICATE\" is not a key" },
	};
	struct jf_key *k;
	struct jf_msg m;
	char *pem, *two;
	size_t i, len;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		pem = slurp(t[i].file, &len);
		is(key_from_pem(&k, pem, len, &m), t[i].want, t[i].file);
		if (t[i].want == JF_OK) {
			is(key_is_private(k), t[i].priv, "private");
			is(key_kty(k), t[i].kty, "kty");
			is(strlen(key_kid(k)), 43, "kid is the thumbprint");
		} else {
			ok(k == NULL, "no key");
			if (!ok(strstr(m.s, t[i].msg) != NULL, "reason"))
				diag("got \"%s\", want \"%s\"", m.s, t[i].msg);
		}
		key_free(k);
		free(pem);
	}

	pem = slurp("ec-p256-sec1.pem", &len);
	is(key_from_pem(&k, pem, len / 2, &m), JF_E_CONFIG, "truncated PEM");
	ok(strstr(m.s, "truncated") != NULL, "says truncated");
	is(key_from_pem(&k, pem, 0, &m), JF_E_CONFIG, "empty PEM");
	pem[40] = pem[40] == 'A' ? 'B' : 'A';
	is(key_from_pem(&k, pem, len, &m), JF_E_CONFIG, "corrupt PEM body");
	free(pem);
	pem = slurp("ec-p256-sec1.pem", &len);
	two = malloc(2 * len + 16);
	memcpy(two, pem, len);
	memcpy(two + len, pem, len);
	is(key_from_pem(&k, two, 2 * len, &m), JF_E_CONFIG,
	    "two PEM blocks refused");
	ok(strstr(m.s, "more than one block") != NULL, "says two blocks");
	memcpy(two + len, "trailing\n", 9);
	is(key_from_pem(&k, two, len + 9, &m), JF_E_CONFIG, "trailing text");
	memcpy(two, "junk\n", 5);
	memcpy(two + 5, pem, len);
	is(key_from_pem(&k, two, len + 5, &m), JF_E_CONFIG, "leading text");
	memcpy(two, "\n  \n", 4);
	memcpy(two + 4, pem, len);
	memcpy(two + 4 + len, "\n\n", 2);
	is(key_from_pem(&k, two, len + 6, &m), JF_OK, "whitespace around ok");
	key_free(k);
	free(two);
	free(pem);

	is(key_load_file(&k, "/nonexistent/key.pem", &m), JF_E_IO,
	    "missing file: JF_E_IO");
	ok(strstr(m.s, "/nonexistent/key.pem") != NULL, "message names it");
}

/* JWK refusals: each names the member. */
static void
test_jwk_refusals(void)
{
	static const struct {
		const char *jwk;
		const char *msg;
	} t[] = {
		{ "{\"kty\":\"oct\",\"k\":\"AAAA\"}", "kty \"oct\" refused" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"k\":\"AA\"}", "private member \"k\"" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gH"
		  "MzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCySt"
		  "ikYjKIWI5a0\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9"
		  "LI\"}", "private member \"d\"" },
		{ "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"p\":\"AQ\"}",
		  "private member \"p\"" },
		{ "{\"crv\":\"P-256\"}", "kty" },
		{ "{\"kty\":1}", "kty" },
		{ "{\"kty\":\"ec\"}", "kty \"ec\" not supported" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\"}",
		  "crv \"P-521\"" },
		{ "{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"AA\"}", "crv" },
		{ "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AA\"}", "crv" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gH"
		  "MzV76e8Tus9uPHvRVEU\"}", "\"y\" missing" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gH"
		  "MzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCySt"
		  "ikYjKIWI5a1\"}", "not base64url" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gH"
		  "MzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCySt"
		  "ikYjKIWI5a4\"}", "not on the curve" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
		  "must be 32 bytes" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":7,\"y\":\"AAAA\"}",
		  "\"x\" is not a string" },
		{ "{\"kty\":\"RSA\",\"n\":\"AKBf\",\"e\":\"AQAB\"}", "leading zero" },
		{ "{\"kty\":\"RSA\",\"n\":\"wAE\",\"e\":\"AQ\"}", "exponent" },
		{ "{\"kty\":\"RSA\",\"n\":\"wAE\",\"e\":\"AQAA\"}", "exponent" },
		{ "{\"kty\":\"RSA\",\"n\":\"wAE\",\"e\":\"AQAB\"}", "16 bits" },
		{ "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}",
		  "must be 32 bytes" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"HS256\"}",
		  "alg \"HS256\" not supported" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"none\"}",
		  "alg \"none\" not supported" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\"}", "use" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":3}", "kid" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"\"}", "kid" },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\\nb\"}", "kid" },
		{ "[]", "not a JSON object" },
	};
	struct jf_key *k;
	struct jf_msg m;
	size_t i;
	char buf[1024], nb[400];
	unsigned char n[512];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m.s[0] = '\0';
		is(jwk_load(&k, t[i].jwk, &m), JF_E_CONFIG, t[i].msg);
		ok(k == NULL, "no key");
		if (!ok(strstr(m.s, t[i].msg) != NULL, "reason"))
			diag("got \"%s\", want \"%s\"", m.s, t[i].msg);
	}

	/* The A.3 key with an alg that does not fit it. */
	snprintf(buf, sizeof(buf), "%.*s,\"alg\":\"ES384\"}",
	    (int)strlen(a3_jwk) - 1, a3_jwk);
	is(jwk_load(&k, buf, &m), JF_E_CONFIG, "P-256 JWK with alg ES384");
	ok(strstr(m.s, "ES384") != NULL, "names the alg");
	snprintf(buf, sizeof(buf), "%.*s,\"alg\":\"ES256\",\"use\":\"sig\","
	    "\"kid\":\"k1\",\"x5c\":[\"ignored\"]}", (int)strlen(a3_jwk) - 1,
	    a3_jwk);
	is(jwk_load(&k, buf, &m), JF_OK, "alg, use, kid and unknown members");
	is_str(key_kid(k), "k1", "kid kept");
	key_free(k);

	/* An RSA-1024 modulus: top bit set, odd. */
	memset(n, 0x5a, 128);
	n[0] = 0xc1;
	n[127] = 0x5b;
	b64url_encode(nb, n, 128);
	snprintf(buf, sizeof(buf), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}",
	    nb);
	is(jwk_load(&k, buf, &m), JF_E_CONFIG, "RSA-1024 JWK refused");
	ok(strstr(m.s, "1024 bits") != NULL, "says 1024 bits");
	/* RSA-8192 is past the signature buffer. */
	{
		char big[1500];

		memset(n, 0x5a, 512);
		b64url_encode(big, n, 512);
		strcpy(big + strlen(big), "AAAA");
		snprintf(buf, sizeof(buf), "{\"kty\":\"RSA\",\"n\":\"%.700s\","
		    "\"e\":\"AQAB\"}", big);
		is(jwk_load(&k, buf, &m), JF_E_CONFIG, "RSA over 4096 bits refused");
	}
}

int
main(void)
{
	test_alg_names();
	test_rfc_vectors();
	test_ecdsa_attacks();
	test_alg_matrix();
	test_round_trips();
	test_pem();
	test_jwk_refusals();
	{
		/* A device or FIFO named by mistake must not block start-up. */
		struct jf_key *dk = NULL;
		struct jf_msg dm;

		is(key_load_file(&dk, "/dev/null", &dm), JF_E_IO,
		    "key_load_file: a device is refused");
		ok(strstr(dm.s, "not a regular file") != NULL, "... and says why");
		ok(dk == NULL, "... nothing returned");
	}
	return done_testing();
}
