/* fuzz.h - what the libFuzzer harnesses share: the fixture directory, the
 * fixed keys and the token rules they are checked against.
 *
 * The keys are committed (tests/fuzz/keys/) rather than generated at
 * start, so that the signed tokens in the seed corpora verify and the
 * fuzzer starts from inside the signature check, not in front of it.
 * Header-only: each harness is one translation unit plus the library.
 */
#ifndef JF_FUZZ_H
#define JF_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "jose/jwks.h"
#include "jose/token.h"

/* tools/fuzz.sh passes the source tree's tests/fuzz; $JF_FUZZ_DIR wins. */
#ifndef JF_FUZZ_DIR
#define JF_FUZZ_DIR "tests/fuzz"
#endif

/* Every seed token was signed for this instant; "now" never moves, so a
 * corpus stays meaningful for ever. */
#define FUZZ_NOW 1700000000L
#define FUZZ_ISS "https://mint.fuzz.test"
#define FUZZ_ISS_AT "https://at.fuzz.test"      /* requires typ at+jwt */
#define FUZZ_AUD "https://api.fuzz.test"

/* A harness whose fixtures are missing must not fuzz nothing quietly. */
static inline void
fuzz_die(const char *what, const struct jf_msg *m)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, m != NULL ? m->s : "");
	exit(2);
}

static inline void
fuzz_path(char *out, size_t room, const char *rel)
{
	const char *d = getenv("JF_FUZZ_DIR");

	if (d == NULL || *d == '\0')
		d = JF_FUZZ_DIR;
	if ((size_t)snprintf(out, room, "%s/%s", d, rel) >= room)
		fuzz_die("path too long", NULL);
}

/* The ES256, RS256 and EdDSA public keys of tests/fuzz/keys/fuzz.jwks. */
static inline struct jwks *
fuzz_keys(void)
{
	struct jwks *ks;
	struct jf_msg m = { .s = "" };
	char path[4096];

	fuzz_path(path, sizeof(path), "keys/fuzz.jwks");
	if ((ks = jwks_new()) == NULL)
		fuzz_die("jwks_new", NULL);
	if (jwks_load_file(ks, path, &m) != JF_OK || jwks_count(ks) != 3)
		fuzz_die(path, &m);
	return ks;
}

/* Two issuers over the same keys: one takes every algorithm we know and
 * any typ, the other only ES256 with typ at+jwt (RFC 9068). */
static inline void
fuzz_rules(struct tok_rules *r, const struct jwks *ks)
{
	static const char *const aud[] = { FUZZ_AUD, "https://other.fuzz.test" };
	static struct tok_issuer is[2];

	is[0].iss = FUZZ_ISS;
	is[0].keys = ks;
	is[0].algs = JF_ALG_BIT(JF_ALG_ES256) | JF_ALG_BIT(JF_ALG_ES384) |
	    JF_ALG_BIT(JF_ALG_RS256) | JF_ALG_BIT(JF_ALG_PS256) |
	    JF_ALG_BIT(JF_ALG_EDDSA);
	is[0].aud = aud;
	is[0].naud = 2;
	is[0].typ = NULL;
	is[1].iss = FUZZ_ISS_AT;
	is[1].keys = ks;
	is[1].algs = JF_ALG_BIT(JF_ALG_ES256);
	is[1].aud = aud;
	is[1].naud = 1;
	is[1].typ = "at+jwt";
	memset(r, 0, sizeof(*r));
	r->issuers = is;
	r->nissuers = 2;
	r->leeway = 30;
	r->max_bytes = 16384;
	r->now = FUZZ_NOW;
}

/* A NUL-terminated copy of the input: the parsers under test take
 * lengths, but a harness must not let them read past size unnoticed,
 * and some APIs (C-string parameters) need the NUL. */
static inline char *
fuzz_strndup(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
