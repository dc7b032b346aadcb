/* jwks.h - a bounded set of keys (RFC 7517 §5), parsed once. */
#ifndef JF_JWKS_H
#define JF_JWKS_H

#include <stddef.h>

#include "util/err.h"
#include "jose/key.h"

#define JWKS_MAX_KEYS 64
#define JWKS_MAX_BYTES (256 * 1024)

struct jwks;

struct jwks *jwks_new(void);
void jwks_free(struct jwks *s);

/* Takes ownership of k (frees it on failure too). Refuses a duplicate
 * kid and more than JWKS_MAX_KEYS keys. */
enum jf_err jwks_add(struct jwks *s, struct jf_key *k, struct jf_msg *m);
/* Adds every key of a JWKS document {"keys":[...]}. Strict: a member that
 * is not a usable public signing key is an error naming its index
 * ("keys[2]: kty \"oct\" refused"). */
enum jf_err jwks_parse(struct jwks *s, const char *json, size_t len,
	struct jf_msg *m);
/* Told about each member jwks_parse_lenient drops: its index and why. */
typedef void (*jwks_skip_fn)(void *arg, size_t i, const char *why);
/* A JWKS from elsewhere (a remote jwks_uri): members that are not usable
 * public signing keys (kty oct, use other than "sig", a private member,
 * ...), whose key allows none of algs (JF_ALG_BIT mask), or that repeat
 * a kid are dropped and reported to skip, not fatal. Fails only on a
 * document that is not a JWKS at all, or holds no usable key. */
enum jf_err jwks_parse_lenient(struct jwks *s, const char *json, size_t len,
	unsigned algs, jwks_skip_fn skip, void *arg, struct jf_msg *m);
/* jwks_parse of a file (bounded, JWKS_MAX_BYTES). */
enum jf_err jwks_load_file(struct jwks *s, const char *path, struct jf_msg *m);

size_t jwks_count(const struct jwks *s);
const struct jf_key *jwks_get(const struct jwks *s, size_t i);
const struct jf_key *jwks_find(const struct jwks *s, const char *kid);

/* {"keys":[public JWKs]} as a new string; caller frees. */
char *jwks_to_json(const struct jwks *s);

#endif
