/* key-int.h - what key.c and jwk.c share of struct jf_key.
 *
 * The struct stays opaque to every other module: only the two halves of
 * the key module include this header.
 */
#ifndef JF_KEY_INT_H
#define JF_KEY_INT_H

#include <stddef.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#include "jose/b64.h"
#include "util/err.h"
#include "jose/key.h"

#define KEY_KID_MAX 128
#define KEY_RSA_MIN_BITS 2048
#define KEY_RSA_MAX_BITS 4096   /* JF_ALG_SIG_MAX bytes of signature */
#define KEY_B64_MAX B64URL_ENC_LEN(KEY_RSA_MAX_BITS / 8)
#define KEY_THUMB_LEN 43        /* base64url of a SHA-256 digest */

struct jf_key {
	gnutls_pubkey_t pub;
	gnutls_privkey_t priv;          /* NULL for a public key */
	enum jf_kty kty;
	gnutls_ecc_curve_t curve;       /* EC and OKP */
	size_t len;                     /* EC coordinate or RSA modulus bytes */
	unsigned algs;                  /* JF_ALG_BIT mask: type, then pin */
	enum jf_alg pin;
	char *kid;                      /* the JWK's kid, or NULL */
	char *m1, *m2;                  /* base64url x/y, n/e, or x/NULL */
	char thumb[KEY_THUMB_LEN + 1];
};

/* key.c: a zeroed key with an initialised k->pub, or NULL. */
struct jf_key *key_alloc(void);
/* key.c: classifies k->pub, refuses what JOSE or our bounds do not
 * allow, and caches the JWK members and the thumbprint. */
enum jf_err key_finish(struct jf_key *k, struct jf_msg *m);

/* thumbprint.c: base64url of d, left-padded with zeros to width bytes (0: as
 * is); malloc'd, NULL on error. */
char *key_b64(const gnutls_datum_t *d, size_t width);
/* thumbprint.c: fills k->thumb from k->kty, k->m1 and k->m2 (RFC 7638). */
int key_compute_thumbprint(struct jf_key *k);

#endif
