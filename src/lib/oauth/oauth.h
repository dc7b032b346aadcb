/* oauth.h - oauth: OAuth documents jwt-fcgi reads from elsewhere: RFC 8414
 * authorization server metadata (asmeta), client ID metadata documents
 * and their keys (cimd). Fetching goes through net; keys through jose. */
#ifndef JF_OAUTH_H
#define JF_OAUTH_H

#include "oauth/asmeta.h"
#include "oauth/cimd.h"

#endif
