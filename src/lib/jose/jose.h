/* jose.h - jose: JOSE and JWT: base64url (b64), one key in GnuTLS objects
 * with its JWK form and RFC 7638 thumbprint (key, jwk, thumbprint), key
 * sets (jwks), verifying (token, claims, report) and signing (sign)
 * compact JWS JWTs, the verified-token cache (tcache), and the mint's
 * key set with its schedule (keyset, schedule).
 * Dependencies run one way: token -> claims -> report; jwk -> key ->
 * thumbprint; schedule -> keyset -> jwks, key.
 */
#ifndef JF_JOSE_H
#define JF_JOSE_H

#include "jose/b64.h"
#include "jose/key.h"
#include "jose/jwks.h"
#include "jose/token.h"
#include "jose/tcache.h"
#include "jose/keyset.h"

#endif
