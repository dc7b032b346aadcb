/* authz.h - the bearer-token decision of jwt-authz.fcgi, apart from I/O.
 *
 * authz_decide() reads request parameters only through a callback and
 * writes nothing, so a unit test can drive it with a table of
 * parameters; authz_answer() turns its verdict into the HTTP answer and
 * authz_handle() does both for a live request.
 */
#ifndef JF_AUTHZ_H
#define JF_AUTHZ_H

#include <stddef.h>
#include <time.h>

#include "conf/cfg.h"
#include "util/err.h"
#include "fcgi/req.h"

/* The variables always set on success (JWT_SUB ... JWT_EXP). */
#define AUTHZ_STD_VARS 7
#define AUTHZ_VARS_MAX (AUTHZ_STD_VARS + CFG_MAX_MAPS)
/* Room for variable values: the response header buffer less what the
 * names (71 x "Variable-" + 64 + ": " + CRLF, 5.5 KiB at most) and the
 * other headers take. */
#define AUTHZ_VALUES_MAX (REQ_HEADERS_MAX - 6144)
#define AUTHZ_SCOPE_MAX 1024    /* JWT_REQUIRE_SCOPE, normalised */
#define AUTHZ_AT_MAX 4096       /* an access token the authorizer issues */

/* A request parameter (CGI variable) or NULL. */
typedef const char *(*authz_param_fn)(void *arg, const char *name);

struct authz_var {
	const char *name;       /* "JWT_SUB"; sent as Variable-JWT_SUB */
	const char *value;      /* never NULL; "" when the claim is absent */
};

struct authz_verdict {
	enum jf_err err;        /* JF_OK: allow */
	struct jf_msg msg;      /* why not: error_description and the log */
	const char *scope;      /* the scope required, on JF_E_SCOPE */
	size_t nvars;           /* on JF_OK */
	struct authz_var vars[AUTHZ_VARS_MAX];
	size_t used;
	char values[AUTHZ_VALUES_MAX];
	char scopebuf[AUTHZ_SCOPE_MAX];
	const struct cfg_resource *res; /* named in challenges, or NULL */
	char at[AUTHZ_AT_MAX];  /* exchange routes: the access token issued,
	                         * "" otherwise */
	long at_life;
};

struct tcache;

struct cimdk;
struct status;

/* Called when a token of issuer iss found no key: 1 if the keys were
 * brought up to date and the token should be verified again. */
typedef int (*authz_retry_fn)(void *arg, const char *iss);

/* What a decision may call on besides the configuration. */
struct authz_hooks {
	authz_retry_fn retry;   /* NULL: no remote keys to bring up to date */
	void *rarg;
	struct cimdk *self;     /* self-issued tokens' keys; NULL: none */
	struct status *status;  /* status lists (status.h); NULL: none */
};

/* Decides on the request whose parameters param() returns, at time now,
 * remembering verified tokens in tc (NULL: no cache). h (may be NULL):
 * retry gets one chance after a "no key" refusal; self resolves the keys
 * of [cimd] clients. JF_E_CONFIG means the web server's policy
 * variables are malformed (an operator error, answered 500); every other
 * refusal is the client's. */
void authz_decide(const struct cfg *c, struct tcache *tc, time_t now,
	authz_param_fn param, void *arg, const struct authz_hooks *h,
	struct authz_verdict *v);

/* Writes the verdict as the response: status, WWW-Authenticate (RFC
 * 6750 §3), Variable-* headers, JSON error body. */
void authz_answer(const struct cfg *c, const struct authz_verdict *v,
	struct req *r);

/* A responder request with JWT_SERVE = resource-metadata: the RFC 9728
 * document of the [resource] whose metadata path is the request's URI
 * (meta.c). */
void authz_metadata(const struct cfg *c, struct req *r);

/* One request: decide, answer, log (or authz_metadata). */
void authz_handle(const struct cfg *c, struct tcache *tc,
	const struct authz_hooks *h, struct req *r);

#endif
