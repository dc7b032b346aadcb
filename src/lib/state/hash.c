/* hash.c - state: how both back ends name an id without keeping it:
 * SHA-256 truncated to ST_HASH bytes (no collision expected below 2^64
 * ids). The state holds no jti, subject or client id in clear, and a
 * Redis key built from a hash cannot be made to collide with another
 * key by a chosen subject or client id.
 */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "state/state-int.h"

/* SHA-256(s) or, with t, SHA-256(s NUL t): a client id holds no NUL, so
 * the pair is unambiguous. */
enum jf_err
st_hash(const char *s, const char *t, unsigned char d[ST_HASH],
	struct jf_msg *m)
{
	unsigned char full[32];
	gnutls_hash_hd_t h = NULL;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0)
		return jf_fail(m, JF_E_INTERNAL, "SHA-256 failed");
	if (gnutls_hash(h, s, strlen(s) + (t != NULL)) != 0 ||
	    (t != NULL && gnutls_hash(h, t, strlen(t)) != 0)) {
		gnutls_hash_deinit(h, NULL);
		return jf_fail(m, JF_E_INTERNAL, "SHA-256 failed");
	}
	gnutls_hash_deinit(h, full);
	memcpy(d, full, ST_HASH);
	return JF_OK;
}

/* The same, in lower-case hex (2 * ST_HASH characters and a NUL). */
enum jf_err
st_hash_hex(const char *s, const char *t, char out[2 * ST_HASH + 1],
	struct jf_msg *m)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[ST_HASH];
	enum jf_err rc;
	size_t i;

	if ((rc = st_hash(s, t, d, m)) != JF_OK)
		return rc;
	for (i = 0; i < ST_HASH; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * ST_HASH] = '\0';
	return JF_OK;
}
