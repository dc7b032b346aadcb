/* oauth.h - oauth: OAuth documents jwt-fcgi reads from elsewhere: RFC 8414
 * authorization server metadata (asmeta). Parsing only; fetching them is
 * net's job. */
#ifndef JF_OAUTH_H
#define JF_OAUTH_H

#include "oauth/asmeta.h"

#endif
