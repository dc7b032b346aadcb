/* err.h - the one error enum of jwt-fcgi, mapped once to HTTP and RFC codes.
 *
 * Every fallible function returns enum jf_err and, where the caller needs
 * to tell a client or an operator why, fills a struct jf_msg with a precise,
 * secret-free description ("token expired 120 s ago", "line 4: ...").
 */
#ifndef JF_ERR_H
#define JF_ERR_H

#include <stddef.h>

enum jf_err {
	JF_OK = 0,
	/* server side: never caused by what a client sent */
	JF_E_NOMEM,
	JF_E_INTERNAL,
	JF_E_CONFIG,            /* bad configuration, registry or key file */
	JF_E_IO,                /* file or socket error */
	/* RFC 6750: bearer token requests */
	JF_E_NO_TOKEN,          /* 401, no error code (RFC 6750 §3.1) */
	JF_E_BAD_REQUEST,       /* 400 invalid_request: malformed Authorization */
	JF_E_TOKEN_MALFORMED,   /* 401 invalid_token: not a compact JWS */
	JF_E_TOKEN_TOO_BIG,     /* 401 invalid_token: over the size cap */
	JF_E_ALG,               /* 401 invalid_token: alg not allowed */
	JF_E_HEADER,            /* 401 invalid_token: typ, crit, jwk, ... */
	JF_E_NO_KEY,            /* 401 invalid_token: no key for iss/kid */
	JF_E_SIGNATURE,         /* 401 invalid_token: signature invalid */
	JF_E_EXPIRED,           /* 401 invalid_token */
	JF_E_NOT_YET_VALID,     /* 401 invalid_token: nbf or iat in future */
	JF_E_ISSUER,            /* 401 invalid_token: unknown iss */
	JF_E_AUDIENCE,          /* 401 invalid_token: aud not accepted */
	JF_E_CLAIM,             /* 401 invalid_token: claim missing or mistyped */
	JF_E_SCOPE,             /* 403 insufficient_scope */
	JF_E_FORBIDDEN,         /* 403 insufficient_scope: claim policy */
	/* RFC 6749 §5.2: token endpoint */
	JF_E_INVALID_REQUEST,   /* 400 invalid_request */
	JF_E_INVALID_CLIENT,    /* 401 invalid_client */
	JF_E_INVALID_GRANT,     /* 400 invalid_grant */
	JF_E_UNAUTHORIZED_CLIENT, /* 400 unauthorized_client */
	JF_E_UNSUPPORTED_GRANT, /* 400 unsupported_grant_type */
	JF_E_INVALID_SCOPE,     /* 400 invalid_scope */
	JF_E_INVALID_TARGET,    /* 400 invalid_target (RFC 8707) */
	/* plain HTTP */
	JF_E_NOT_FOUND,         /* 404 */
	JF_E_METHOD,            /* 405 */
	JF_E_TOO_LARGE,         /* 413 */
	JF_E_UNAVAILABLE,       /* 503: e.g. remote keys not fetched yet */
	JF_E_RATE_LIMITED,      /* 429: one client over its share */
	JF_E__LAST
};

/* Short human text for the code itself ("token expired"). */
const char *jf_strerror(enum jf_err e);
/* The code's own name, lower case without JF_E_ ("expired", "ok"): a
 * bounded label value for metrics. */
const char *jf_err_name(enum jf_err e);
/* HTTP status a front end answers with. */
int jf_http_status(enum jf_err e);
/* RFC 6749/6750/8707 error= value, or NULL where the RFC wants none. */
const char *jf_oauth_error(enum jf_err e);

/* A precise reason. Bounded; never holds a secret or a token. */
#define JF_MSG_MAX 512
struct jf_msg {
	char s[JF_MSG_MAX];
};

/* printf into m (NULL-safe); returns e so callers can `return jf_fail(...)`. */
enum jf_err jf_fail(struct jf_msg *m, enum jf_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* clang's analyzer (tools/scan-build.sh) does not follow variadic calls,
 * so it would take jf_fail() to return anything, JF_OK included, and
 * report paths that cannot happen. Tell it the value. */
#define jf_fail(m, e, ...) (jf_fail((m), (e), __VA_ARGS__), (e))
#endif

#endif
