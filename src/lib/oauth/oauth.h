/* oauth.h - oauth: OAuth documents jwt-fcgi reads or publishes: RFC 8414
 * authorization server metadata (asmeta), client ID metadata documents
 * and their keys (cimd, cimdkeys), RFC 9728 protected resource metadata
 * (prm), Token Status Lists (slist: draft-ietf-oauth-status-list's
 * bit array, zlib and base64url). Fetching goes through net; keys
 * through jose. */
#ifndef JF_OAUTH_H
#define JF_OAUTH_H

#include "oauth/asmeta.h"
#include "oauth/cimd.h"
#include "oauth/cimdkeys.h"
#include "oauth/prm.h"
#include "oauth/slist.h"

#endif
