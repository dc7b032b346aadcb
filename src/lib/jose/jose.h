/* jose.h - jose: JOSE and JWT: base64url (b64), one key in GnuTLS objects
 * with its JWK form and RFC 7638 thumbprint (key, jwk, thumbprint), key
 * sets (jwks), verifying (token, claims, report) and signing (sign)
 * compact JWS JWTs, and the verified-token cache (tcache).
 * Dependencies run one way: token -> claims -> report; jwk -> key ->
 * thumbprint.
 */
#ifndef JF_JOSE_H
#define JF_JOSE_H

#include "jose/b64.h"
#include "jose/key.h"
#include "jose/jwks.h"
#include "jose/token.h"
#include "jose/tcache.h"

#endif
