/* thumbprint.c - a key's public numbers in base64url, and its RFC 7638
 * SHA-256 thumbprint, computed once when a key is made (key.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "jose/b64.h"
#include "jose/key.h"
#include "jose/key-int.h"

/* base64url of d, left-padded with zeros to width bytes (0: as is). */
char *
key_b64(const gnutls_datum_t *d, size_t width)
{
	unsigned char buf[KEY_RSA_MAX_BITS / 8];
	size_t n = width ? width : d->size;
	char *s;

	if (d->size > n || n > sizeof(buf) || n == 0)
		return NULL;
	memset(buf, 0, n - d->size);
	memcpy(buf + (n - d->size), d->data, d->size);
	if ((s = malloc(B64URL_ENC_LEN(n) + 1)) != NULL)
		b64url_encode(s, buf, n);
	return s;
}

/* RFC 7638 §3.2: the required members only, lexicographic order, no
 * whitespace. Values are base64url or fixed names: nothing to escape. */
int
key_compute_thumbprint(struct jf_key *k)
{
	char json[2 * KEY_B64_MAX + 64];
	unsigned char dig[32];
	int n = -1;

	switch (k->kty) {
	case JF_KTY_EC:
		n = snprintf(json, sizeof(json),
		    "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		    k->len == 32 ? "P-256" : "P-384", k->m1, k->m2);
		break;
	case JF_KTY_RSA:
		n = snprintf(json, sizeof(json),
		    "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", k->m2, k->m1);
		break;
	case JF_KTY_OKP:
		n = snprintf(json, sizeof(json),
		    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", k->m1);
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(json) ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, json, (size_t)n, dig) < 0)
		return -1;
	b64url_encode(k->thumb, dig, sizeof(dig));
	return 0;
}

