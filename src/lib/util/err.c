/* err.c - one switch per mapping and no default: -Wswitch flags a new code
 * that was not mapped everywhere. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/err.h"

const char *
jf_strerror(enum jf_err e)
{
	switch (e) {
	case JF_OK: return "success";
	case JF_E_NOMEM: return "out of memory";
	case JF_E_INTERNAL: return "internal error";
	case JF_E_CONFIG: return "configuration error";
	case JF_E_IO: return "I/O error";
	case JF_E_NO_TOKEN: return "no bearer token";
	case JF_E_BAD_REQUEST: return "malformed Authorization header";
	case JF_E_TOKEN_MALFORMED: return "malformed token";
	case JF_E_TOKEN_TOO_BIG: return "token too large";
	case JF_E_ALG: return "algorithm not allowed";
	case JF_E_HEADER: return "token header refused";
	case JF_E_NO_KEY: return "no matching key";
	case JF_E_SIGNATURE: return "signature invalid";
	case JF_E_EXPIRED: return "token expired";
	case JF_E_NOT_YET_VALID: return "token not yet valid";
	case JF_E_ISSUER: return "issuer not trusted";
	case JF_E_AUDIENCE: return "audience not accepted";
	case JF_E_CLAIM: return "claim missing or invalid";
	case JF_E_SCOPE: return "insufficient scope";
	case JF_E_FORBIDDEN: return "claim policy not met";
	case JF_E_INVALID_REQUEST: return "invalid request";
	case JF_E_INVALID_CLIENT: return "client authentication failed";
	case JF_E_INVALID_GRANT: return "invalid grant";
	case JF_E_UNAUTHORIZED_CLIENT: return "client not authorized for this grant";
	case JF_E_UNSUPPORTED_GRANT: return "unsupported grant type";
	case JF_E_INVALID_SCOPE: return "invalid scope";
	case JF_E_INVALID_TARGET: return "invalid target";
	case JF_E_NOT_FOUND: return "not found";
	case JF_E_METHOD: return "method not allowed";
	case JF_E_TOO_LARGE: return "request too large";
	case JF_E_UNAVAILABLE: return "temporarily unavailable";
	case JF_E_RATE_LIMITED: return "too many requests";
	case JF_E__LAST: break;
	}
	return "unknown error";
}

/* The code's name for metrics labels and logs: "expired", "no_key"; "ok". */
const char *
jf_err_name(enum jf_err e)
{
	switch (e) {
	case JF_OK: return "ok";
	case JF_E_NOMEM: return "nomem";
	case JF_E_INTERNAL: return "internal";
	case JF_E_CONFIG: return "config";
	case JF_E_IO: return "io";
	case JF_E_NO_TOKEN: return "no_token";
	case JF_E_BAD_REQUEST: return "bad_request";
	case JF_E_TOKEN_MALFORMED: return "token_malformed";
	case JF_E_TOKEN_TOO_BIG: return "token_too_big";
	case JF_E_ALG: return "alg";
	case JF_E_HEADER: return "header";
	case JF_E_NO_KEY: return "no_key";
	case JF_E_SIGNATURE: return "signature";
	case JF_E_EXPIRED: return "expired";
	case JF_E_NOT_YET_VALID: return "not_yet_valid";
	case JF_E_ISSUER: return "issuer";
	case JF_E_AUDIENCE: return "audience";
	case JF_E_CLAIM: return "claim";
	case JF_E_SCOPE: return "scope";
	case JF_E_FORBIDDEN: return "forbidden";
	case JF_E_INVALID_REQUEST: return "invalid_request";
	case JF_E_INVALID_CLIENT: return "invalid_client";
	case JF_E_INVALID_GRANT: return "invalid_grant";
	case JF_E_UNAUTHORIZED_CLIENT: return "unauthorized_client";
	case JF_E_UNSUPPORTED_GRANT: return "unsupported_grant";
	case JF_E_INVALID_SCOPE: return "invalid_scope";
	case JF_E_INVALID_TARGET: return "invalid_target";
	case JF_E_NOT_FOUND: return "not_found";
	case JF_E_METHOD: return "method";
	case JF_E_TOO_LARGE: return "too_large";
	case JF_E_UNAVAILABLE: return "unavailable";
	case JF_E_RATE_LIMITED: return "rate_limited";
	case JF_E__LAST: break;
	}
	return "unknown";
}

int
jf_http_status(enum jf_err e)
{
	switch (e) {
	case JF_OK: return 200;
	case JF_E_NOMEM:
	case JF_E_INTERNAL:
	case JF_E_CONFIG:
	case JF_E_IO: return 500;
	case JF_E_NO_TOKEN:
	case JF_E_TOKEN_MALFORMED:
	case JF_E_TOKEN_TOO_BIG:
	case JF_E_ALG:
	case JF_E_HEADER:
	case JF_E_NO_KEY:
	case JF_E_SIGNATURE:
	case JF_E_EXPIRED:
	case JF_E_NOT_YET_VALID:
	case JF_E_ISSUER:
	case JF_E_AUDIENCE:
	case JF_E_CLAIM:
	case JF_E_INVALID_CLIENT: return 401;
	case JF_E_SCOPE:
	case JF_E_FORBIDDEN: return 403;
	case JF_E_BAD_REQUEST:
	case JF_E_INVALID_REQUEST:
	case JF_E_INVALID_GRANT:
	case JF_E_UNAUTHORIZED_CLIENT:
	case JF_E_UNSUPPORTED_GRANT:
	case JF_E_INVALID_SCOPE:
	case JF_E_INVALID_TARGET: return 400;
	case JF_E_NOT_FOUND: return 404;
	case JF_E_METHOD: return 405;
	case JF_E_TOO_LARGE: return 413;
	case JF_E_UNAVAILABLE: return 503;
	case JF_E_RATE_LIMITED: return 429;
	case JF_E__LAST: break;
	}
	return 500;
}

const char *
jf_oauth_error(enum jf_err e)
{
	switch (e) {
	case JF_OK:
	case JF_E_NO_TOKEN: return NULL;
	case JF_E_NOMEM:
	case JF_E_INTERNAL:
	case JF_E_CONFIG:
	case JF_E_IO: return "server_error";
	/* RFC 6749 §5.2 has no code for "later": the authorization
	 * endpoint's temporarily_unavailable (§4.1.2.1) says it best. */
	case JF_E_UNAVAILABLE:
	case JF_E_RATE_LIMITED: return "temporarily_unavailable";
	case JF_E_BAD_REQUEST:
	case JF_E_INVALID_REQUEST:
	case JF_E_NOT_FOUND:
	case JF_E_METHOD:
	case JF_E_TOO_LARGE: return "invalid_request";
	case JF_E_TOKEN_MALFORMED:
	case JF_E_TOKEN_TOO_BIG:
	case JF_E_ALG:
	case JF_E_HEADER:
	case JF_E_NO_KEY:
	case JF_E_SIGNATURE:
	case JF_E_EXPIRED:
	case JF_E_NOT_YET_VALID:
	case JF_E_ISSUER:
	case JF_E_AUDIENCE:
	case JF_E_CLAIM: return "invalid_token";
	case JF_E_SCOPE:
	case JF_E_FORBIDDEN: return "insufficient_scope";
	case JF_E_INVALID_CLIENT: return "invalid_client";
	case JF_E_INVALID_GRANT: return "invalid_grant";
	case JF_E_UNAUTHORIZED_CLIENT: return "unauthorized_client";
	case JF_E_UNSUPPORTED_GRANT: return "unsupported_grant_type";
	case JF_E_INVALID_SCOPE: return "invalid_scope";
	case JF_E_INVALID_TARGET: return "invalid_target";
	case JF_E__LAST: break;
	}
	return "server_error";
}

enum jf_err
(jf_fail)(struct jf_msg *m, enum jf_err e, const char *fmt, ...)
{
	va_list ap;

	if (m == NULL)
		return e;
	va_start(ap, fmt);
	vsnprintf(m->s, sizeof(m->s), fmt, ap);
	va_end(ap);
	return e;
}
