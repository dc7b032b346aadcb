/* test_b64.c - strict base64url: RFC 4648 §10 vectors and every refusal. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jose/b64.h"
#include "tap.h"

/* RFC 4648 §10 test vectors, in the unpadded base64url form. */
static const struct {
	const char *plain, *enc;
} vec[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
};

/* Inputs a canonical encoder never writes. */
static const struct {
	const char *in;
	const char *why;
} bad[] = {
	{ "Z", "length 1 mod 4" },
	{ "Zm9vY", "length 1 mod 4 after a block" },
	{ "Zg==", "padding" },
	{ "Zm8=", "one pad character" },
	{ "Zg=", "pad in a 3-char tail" },
	{ "Zm9v\n", "trailing newline" },
	{ "Zm 9v", "inner space" },
	{ " Zm9v", "leading space" },
	{ "Zm9v+A", "standard-alphabet '+'" },
	{ "Zm9v/A", "standard-alphabet '/'" },
	{ "Zm9v.A", "'.'" },
	{ "Zh", "non-zero unused bits (2-char tail)" },
	{ "Zm9", "non-zero unused bits (3-char tail)" },
	{ "QR", "\"QR\" is not the spelling of \"A\"" },
	{ "Zm\xc3\xa9v", "non-ASCII" },
};

int
main(void)
{
	char enc[64];
	unsigned char dec[64], all[256];
	char bigenc[B64URL_ENC_LEN(256) + 1];
	size_t i, n, len;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char name[96];

		n = b64url_encode(enc, (const unsigned char *)vec[i].plain,
		    strlen(vec[i].plain));
		snprintf(name, sizeof(name), "encode \"%s\"", vec[i].plain);
		is_str(enc, vec[i].enc, name);
		is(n, strlen(vec[i].enc), "encode returns the length");
		is(n, B64URL_ENC_LEN(strlen(vec[i].plain)), "B64URL_ENC_LEN agrees");
		memset(dec, 0xaa, sizeof(dec));
		len = 999;
		snprintf(name, sizeof(name), "decode \"%s\"", vec[i].enc);
		is(b64url_decode(dec, &len, vec[i].enc, strlen(vec[i].enc)), 0,
		    name);
		is(len, strlen(vec[i].plain), "decoded length");
		ok(memcmp(dec, vec[i].plain, len) == 0, "decoded bytes");
		ok(len <= B64URL_DEC_MAX(strlen(vec[i].enc)), "B64URL_DEC_MAX bound");
	}

	/* Both URL-safe characters, and a "QQ" that is the one spelling of "A". */
	is(b64url_decode(dec, &len, "-_8", 3), 0, "decode \"-_8\"");
	ok(len == 2 && dec[0] == 0xfb && dec[1] == 0xff, "\"-_8\" is fb ff");
	n = b64url_encode(enc, dec, 2);
	is(n, 3, "encode fb ff: 3 characters");
	is_str(enc, "-_8", "encode fb ff uses - and _");
	is(b64url_decode(dec, &len, "QQ", 2), 0, "decode \"QQ\"");
	ok(len == 1 && dec[0] == 'A', "\"QQ\" is \"A\"");

	/* Every byte value round-trips. */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	n = b64url_encode(bigenc, all, sizeof(all));
	is(n, B64URL_ENC_LEN(256), "encode 256 bytes");
	{
		unsigned char back[B64URL_DEC_MAX(sizeof(bigenc))];

		is(b64url_decode(back, &len, bigenc, n), 0, "decode 256 bytes");
		ok(len == 256 && memcmp(back, all, 256) == 0,
		    "256 bytes round trip");
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[96];

		snprintf(name, sizeof(name), "refuses %s", bad[i].why);
		is(b64url_decode(dec, &len, bad[i].in, strlen(bad[i].in)), -1,
		    name);
	}
	/* An embedded NUL is just another character outside the alphabet. */
	is(b64url_decode(dec, &len, "Zm\0v", 4), -1, "refuses a NUL byte");
	return done_testing();
}
