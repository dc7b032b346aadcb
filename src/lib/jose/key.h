/* key.h - one asymmetric JOSE key, parsed once into GnuTLS objects.
 *
 * Signing and verification use GnuTLS directly, never libjwt: libjwt
 * 1.10.2 re-parses the PEM on every call, accepts HMAC with a public key,
 * and writes non-standard ECDSA signatures (see shared facts). Signatures
 * in and out of this module are in JOSE form: ECDSA is the fixed-length
 * R||S of RFC 7515 §3.4 (64 bytes for ES256, 96 for ES384), never DER.
 *
 * A key is pinned to the algorithms its type allows: P-256 -> ES256,
 * P-384 -> ES384, Ed25519 -> EdDSA, RSA (>= 2048 bits) -> RS256 and/or
 * PS256. A JWK "alg" member, or key_pin_alg(), narrows that further.
 */
#ifndef JF_KEY_H
#define JF_KEY_H

#include <stddef.h>

#include "util/err.h"

struct json_object;

enum jf_alg {
	JF_ALG_NONE = 0,        /* not a usable algorithm ("none", HS*, unknown) */
	JF_ALG_ES256,
	JF_ALG_ES384,
	JF_ALG_RS256,
	JF_ALG_PS256,
	JF_ALG_EDDSA,
	JF_ALG__LAST
};
#define JF_ALG_BIT(a) (1u << (a))
#define JF_ALG_SIG_MAX 512      /* bytes: RSA-4096 */

/* "ES256" etc.; NULL for JF_ALG_NONE. */
const char *jf_alg_name(enum jf_alg a);
/* Exact, case-sensitive (RFC 7515 §4.1.1): "none", "None", "HS256" and
 * anything unknown give JF_ALG_NONE. */
enum jf_alg jf_alg_from_name(const char *s);

enum jf_kty { JF_KTY_EC, JF_KTY_RSA, JF_KTY_OKP };

struct jf_key;

/* PEM: "PUBLIC KEY" (SPKI), "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY",
 * "RSA PRIVATE KEY". A private key also carries its public half.
 * Bounded input (64 KiB). */
enum jf_err key_from_pem(struct jf_key **out, const char *pem, size_t len,
	struct jf_msg *m);
/* Reads a PEM file (bounded, 64 KiB). */
enum jf_err key_load_file(struct jf_key **out, const char *path,
	struct jf_msg *m);
/* A public JWK (RFC 7517/7518/8037): kty EC (P-256, P-384), RSA, OKP
 * (Ed25519). Refuses kty "oct" and any private member ("d", "p", ...).
 * Honours "alg", "kid" and "use" (only "sig" accepted). */
enum jf_err key_from_jwk(struct jf_key **out, const struct json_object *jwk,
	struct jf_msg *m);
/* A fresh private key: ES256 (P-256), ES384, RS256/PS256 (bits, default
 * 2048 when 0), EdDSA (Ed25519). */
enum jf_err key_generate(struct jf_key **out, enum jf_alg alg, unsigned bits,
	struct jf_msg *m);
void key_free(struct jf_key *k);

enum jf_kty key_kty(const struct jf_key *k);
int key_is_private(const struct jf_key *k);
/* Does this key accept tokens of alg a? (type and pin both agree) */
int key_allows(const struct jf_key *k, enum jf_alg a);
/* The one algorithm this key signs with: its pin, else ES256 for P-256,
 * ES384 for P-384, RS256 for RSA, EdDSA for Ed25519. */
enum jf_alg key_sign_alg(const struct jf_key *k);
/* Narrows the key to one algorithm; JF_E_CONFIG if the type cannot do it. */
enum jf_err key_pin_alg(struct jf_key *k, enum jf_alg a, struct jf_msg *m);
/* The key id: the JWK's "kid" when it had one, else the RFC 7638
 * SHA-256 thumbprint (43 base64url characters). Never NULL. */
const char *key_kid(const struct jf_key *k);
/* The RFC 7638 thumbprint, whatever the kid. */
const char *key_thumbprint(const struct jf_key *k);

/* Public JWK with kty, crv/x/y or n/e, kid, use "sig", alg. New ref. */
struct json_object *key_to_jwk(const struct jf_key *k);
/* PEM text of the public key (SPKI) or the private key (PKCS#8). Caller
 * frees; the private form is zeroed by key_pem_free(). */
enum jf_err key_public_pem(const struct jf_key *k, char **pem, size_t *len);
enum jf_err key_private_pem(const struct jf_key *k, char **pem, size_t *len);
void key_pem_free(char *pem, size_t len);

/* Signs data with key_sign_alg(k); writes the JOSE-form signature.
 * *siglen is the room in sig on entry (JF_ALG_SIG_MAX is enough). */
enum jf_err key_sign(const struct jf_key *k, const void *data, size_t n,
	unsigned char *sig, size_t *siglen);
/* Verifies a JOSE-form signature made with alg a. JF_E_ALG if the key does
 * not allow a; JF_E_SIGNATURE for a wrong length, an out-of-range or zero
 * ECDSA R or S (CVE-2022-21449) or a bad signature. */
enum jf_err key_verify(const struct jf_key *k, enum jf_alg a,
	const void *data, size_t n, const unsigned char *sig, size_t siglen);

#endif
