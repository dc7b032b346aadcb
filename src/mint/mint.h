/* mint.h - jwt-mint.fcgi: one loaded state (configuration, keys,
 * registry and the documents computed from them) and the endpoints.
 *
 * A state is built whole by mint_state_load() or not at all, and is
 * read-only afterwards. Workers are single-threaded and reload only
 * between requests, so swapping the state pointer is all it takes for a
 * request never to see a half-loaded registry.
 */
#ifndef JF_MINT_H
#define JF_MINT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "util/err.h"
#include "registry/registry.h"
#include "fcgi/req.h"

#define MINT_STATUS_PATH "/statuslist"  /* also status_list_uri's path */
#define MINT_RETRY_AFTER 5      /* seconds, on a 503 for want of the state */
#define MINT_META_PATH "/.well-known/oauth-authorization-server"
#define MINT_PATH_MAX 2048              /* bytes of request path routed */
#define MINT_SCOPE_MAX 4096             /* the granted scope string */
#define MINT_JTI_BYTES 16
/* A client_id: a registry id, or a client ID metadata document's URL. */
#define MINT_CLIENT_ID_MAX REGISTRY_URL_ID_MAX
/* The one error_description of every invalid_client refusal whose
 * reason would reveal the registry (mint_grant.hide), and of every such
 * invalid_grant refusal of a jwt-bearer assertion. */
#define MINT_AUTH_FAILED "client authentication failed"
#define MINT_GRANT_FAILED "assertion not accepted"
#define MINT_GRANT_CC "client_credentials"
#define MINT_GRANT_JWT "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define MINT_CIMD_KIND 2        /* the docs table's kind for documents */
/* MINT_REPLAY_MAX (conf.h): assertion jti values the workers remember
 * together until they expire. */

/* client.c: how the client of a token request authenticated. */
enum mint_auth {
	MINT_AUTH_NONE = 0,             /* not (yet) known */
	MINT_AUTH_TLS,                  /* RFC 8705 tls_client_auth */
	MINT_AUTH_BASIC,                /* RFC 6749 client_secret_basic */
	MINT_AUTH_POST,                 /* RFC 6749 client_secret_post */
	MINT_AUTH_JWT,                  /* RFC 7523 private_key_jwt */
	MINT_AUTH_BEARER,               /* RFC 7523 §2.1: the grant's own
	                                 * assertion (jwt-bearer) */
	MINT_AUTH__LAST
};

struct mint_replay;
struct mint_stats;
struct mint_status;
struct mint_cimd;
struct jwks;
struct docs;
struct srv_bg;

/* GET .../jwks from `from` (unix seconds; INT64_MIN: since ever) until
 * the next document's from: the keys published then (keys.c). */
struct mint_jwks_doc {
	int64_t from;
	char *json;
	size_t len;
};

struct mint_state {
	struct mint_conf *conf;
	struct registry *reg;
	struct mint_jwks_doc *jwks;     /* by from, computed at load */
	size_t njwks;
	char *meta_json;                /* RFC 8414 metadata, at load */
	size_t meta_len;
	char *iss_path;                 /* the issuer URL's path, no final '/' */
	/* The default policy of document clients the registry does not
	 * list (cimd_unregistered = default), or NULL. */
	struct registry *cimd_default;
	/* The only mutable part: the private_key_jwt jti table, in memory
	 * shared by all workers (replay.c), carried across reloads. */
	struct mint_replay *replay;
	/* Token status (status.c): this process's handle on the state and
	 * its signed list, mutable like replay, rebuilt at each load. */
	struct mint_status *status;
	/* Borrowed, set by main.c after each load: the client documents'
	 * table and this process's view of it; NULL when no fetcher runs. */
	struct mint_cimd *cimd;
	/* Borrowed, set by main.c: the metrics all processes share (NULL:
	 * none); and when this state was loaded. */
	struct mint_stats *stats;
	time_t loaded;
	/* This process's last parsed client certificates (x509/certmemo.h):
	 * mutable through the pointer, never shared. */
	struct cert_memo *certs;
};

/* Loads the configuration at path, its keys and its registry, and builds
 * the JWKS and metadata documents. m says precisely what failed. */
enum jf_err mint_state_load(struct mint_state **out, const char *path,
	struct jf_msg *m);
void mint_state_free(struct mint_state *s);
/* Moves old's jti cache into s (a reload must not forget which
 * assertions were used). */
void mint_state_carry(struct mint_state *s, struct mint_state *old);

/* Routes one request by the suffix of its path (main.c). */
void mint_handle(const struct mint_state *s, struct req *r);

/* A request parameter (CGI variable) or NULL: lets a unit test drive the
 * token endpoint with a table. */
typedef const char *(*mint_param_fn)(void *arg, const char *name);

/* What POST .../token decided. */
struct mint_grant {
	enum jf_err err;                /* JF_OK: issued */
	struct jf_msg msg;              /* why not: error_description, and
	                                 * the audit's reason */
	/* 1: msg would tell a stranger what the registry holds (unknown
	 * client, wrong secret, no matching certificate, ...). The answer
	 * then says only MINT_AUTH_FAILED; msg goes to the audit line. */
	int hide;
	const char *service;            /* the client: the matched registry
	                                 * id, client, or NULL */
	const char *grant;              /* grant_type, once known */
	enum mint_auth method;          /* how the client authenticated */
	int cimd;                       /* 1: keys from its metadata document */
	int aud_asserted;               /* 1: aud is the API the jwt-bearer
	                                 * assertion named (seed 001 form) */
	char client[MINT_CLIENT_ID_MAX + 1];    /* an unlisted client's id */
	char x5t[64];                   /* the certificate's x5t#S256, or "" */
	char scope[MINT_SCOPE_MAX];     /* granted, or requested on refusal */
	char aud[1024 + 1];             /* registry strings: <= 1024 bytes */
	char jti[32];
	long lifetime;
	long idx;                       /* status list index; -1: none */
	long retry_after;               /* > 0: a Retry-After on refusal */
	char *token;                    /* on JF_OK; mint_grant_clear frees */
};

/* token.c: decides on a token request whose body (len bytes, already
 * read and bounded) and parameters param() returns, at time now. */
void mint_token_decide(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const char *body, size_t len,
	struct mint_grant *g);
void mint_grant_clear(struct mint_grant *g);
/* token.c, for every endpoint a client authenticates at: TLS (or
 * plain_http = loopback), and the form's Content-Type. */
enum jf_err mint_tls_check(const struct mint_state *s, mint_param_fn param,
	void *arg, struct jf_msg *m);
enum jf_err mint_form_type(const char *ct, struct jf_msg *m);
/* POST .../token on a live request: read, decide, answer, audit. */
void mint_token(const struct mint_state *s, struct req *r);

/* client.c: authenticates the client of a token request whose form is
 * f, by exactly one method: a certificate the web server verified, HTTP
 * Basic or form client_secret, or a client_assertion. Sets g->method
 * (even on refusal, when known), g->x5t for a certificate, g->service
 * and *svc on success. Uses and updates s->replay. */
struct form;
enum jf_err mint_client_auth(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const struct form *f,
	struct mint_grant *g, const struct reg_service **svc);
/* "tls_client_auth", ...; NULL for MINT_AUTH_NONE. */
const char *mint_auth_name(enum mint_auth a);
/* Refuses with e, and when e is JF_E_INVALID_CLIENT sets g->hide: the
 * reason in g->msg is for the audit line only. Returns e. */
enum jf_err mint_hidden(struct mint_grant *g, enum jf_err e);

/* assert.c: what a client's own JWT is for. */
enum mint_assert_use {
	MINT_ASSERT_CLIENT,             /* client authentication, §2.2 */
	MINT_ASSERT_GRANT               /* the jwt-bearer grant, §2.1 */
};
/* Verifies a, a JWT the client cid (NULL: the JWT's own iss) signed, for
 * use (assert.c has the rules). On success g->service names the client
 * and *svc is the registry entry whose policy it gets. On refusal
 * JF_E_INVALID_CLIENT (g->hide set where the reason would tell a
 * stranger what the registry holds), or a server-side code. */
enum jf_err mint_assertion(const struct mint_state *s, time_t now,
	const char *a, const char *cid, enum mint_assert_use use,
	struct mint_grant *g, const struct reg_service **svc);
/* The unverified "iss" of assertion a into out (room bytes), only to
 * pick the keys that then verify it. JF_E_INVALID_CLIENT, why in m. */
enum jf_err mint_assertion_iss(const char *a, char *out, size_t room,
	struct jf_msg *m);
/* The cache of assertion jti values all workers share (made before the
 * supervisor forks), at most max entries. */
enum jf_err mint_replay_new(struct mint_replay **out, size_t max);
void mint_replay_free(struct mint_replay *c);
/* Remembers (id, jti) until `until` in the table all workers share;
 * JF_E_INVALID_CLIENT if it is there and unexpired (a replay),
 * JF_E_RATE_LIMITED if id already holds `quota` unexpired entries
 * (*retry_after: seconds until one expires), JF_E_UNAVAILABLE if the
 * table has no room left. */
enum jf_err mint_replay_add(struct mint_replay *c, const char *id,
	const char *jti, int64_t until, int64_t now, long quota,
	long *retry_after, struct jf_msg *m);

/* The table's unexpired entries at now, and in *max its capacity (for
 * the metrics; takes the lock once). */
size_t mint_replay_live(struct mint_replay *c, int64_t now, size_t *max);
/* stats.c: the metrics (util/metrics.h), made before the supervisor
 * forks; jwt-mint.fcgi(8) METRICS lists them. */
enum jf_err mint_stats_new(struct mint_stats **out, struct jf_msg *m);
void mint_stats_free(struct mint_stats *s);
/* One token request's outcome and its time since t0 (met_now_us). */
void mint_stats_grant(struct mint_stats *s, const struct mint_grant *g,
	uint64_t t0_us);
/* One fetch of a client metadata document by the fetcher. */
void mint_stats_fetch(struct mint_stats *s, enum jf_err e);
/* GET/HEAD on a route with JWT_SERVE = metrics: the exposition. */
void mint_stats_serve(const struct mint_state *s, struct req *r, int head);
/* status.c: token status (draft-ietf-oauth-status-list-21) through the
 * state (state/state.h), opened on first use in each process. */
enum jf_err mint_status_new(struct mint_status **out);
void mint_status_free(struct mint_status *ms);
/* An index for the token g is about to get (g->jti, g->service,
 * g->lifetime set), into g->idx and as claims' "status". JF_E_UNAVAILABLE
 * (the token is not issued) when the state is down or the list full. */
enum jf_err mint_status_issue(const struct mint_state *s, time_t now,
	struct mint_grant *g, struct json_object *claims);
/* JF_E_UNAUTHORIZED_CLIENT when the operator blocked g->service. */
enum jf_err mint_status_blocked(const struct mint_state *s,
	struct mint_grant *g);
/* The single-use check of an assertion: the state's (shared by every
 * mint) with state = redis, else mint_replay_add with replay_quota. */
enum jf_err mint_status_replay(const struct mint_state *s, const char *id,
	const char *jti, int64_t until, int64_t now, long *retry_after,
	struct jf_msg *m);
/* st_set_status through this process's state; by is enum st_by. */
enum jf_err mint_status_set(const struct mint_state *s, int by,
	const char *value, const char *owner, int status, time_t now,
	size_t *n, struct jf_msg *m);
/* 1 when an Accept header (NULL: none) takes application/statuslist+jwt. */
int mint_status_accepts(const char *accept);
/* GET/HEAD of status_list_uri: the signed Status List Token. */
void mint_statuslist(const struct mint_state *s, struct req *r, int head);

/* revoke.c: POST .../revoke (RFC 7009). */
struct mint_revocation {
	struct mint_grant g;            /* the client's authentication */
	const char *hint;               /* token_type_hint, or NULL */
	char jti[64];                   /* the token's, once verified */
	char owner[MINT_CLIENT_ID_MAX + 1];     /* its client_id */
	size_t changed;                 /* statuses set */
	const char *effect;             /* "revoked", "expired",
	                                 * "not_owner", "unknown", ... */
};
void mint_revoke_decide(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const char *body, size_t len,
	struct mint_revocation *v);
void mint_revoke(const struct mint_state *s, struct req *r);
/* The token and the hint of a revocation form; JF_E_INVALID_REQUEST
 * without a token. Pointers into f. */
enum jf_err mint_revoke_form(const struct form *f, const char **token,
	const char **hint, struct jf_msg *m);
/* The unverified "aud" (a string) of a compact JWS, only to verify it
 * with the mint's own keys whatever API it was for; -1 when none. */
int mint_revoke_peek_aud(const char *t, size_t n, char *out, size_t room);

/* bearer.c: POST .../token with grant_type jwt-bearer (RFC 7523 §2.1):
 * the client's own assertion is its grant and its authentication, and
 * no other client authentication may come with it. Sets g->method and,
 * as mint_client_auth does, g->service and *svc. Refusals are
 * invalid_grant (hidden where mint_assertion hides them). */
enum jf_err mint_bearer(const struct mint_state *s, time_t now,
	mint_param_fn param, void *arg, const struct form *f,
	struct mint_grant *g, const struct reg_service **svc);

/* cimd.c: the client documents' shared table (made before the workers
 * fork) with this process's parsed keys. */
enum jf_err mint_cimd_new(struct mint_cimd **out, struct jf_msg *m);
void mint_cimd_free(struct mint_cimd *c);
struct docs *mint_cimd_docs(struct mint_cimd *c);
/* 1 when the fetcher may fetch url's document under s: cimd_allow
 * admits it, and the registry lists it as a document client or the
 * default policy covers it. */
int mint_cimd_may_fetch(const struct mint_state *s, const char *url);
/* The keys of document client url (borrowed until the next call), after
 * at most cimd_cold_wait on first use. JF_E_NO_KEY saying why. */
enum jf_err mint_cimd_keys(const struct mint_state *s, const char *url,
	int64_t now, const struct jwks **keys, struct jf_msg *m);
/* After a kid url's keys lack: 1 when a fresh look changed them. */
int mint_cimd_retry(const struct mint_state *s, const char *url);
/* The fetcher process (srv_ops.background); *sp is the process's
 * current state, replaced by its reloads. */
void mint_cimd_fetcher(struct mint_cimd *c, struct mint_state **sp,
	struct srv_bg *bg);
/* cimdconf.c, at load: checks that every document client of s's
 * registry is a client ID that cimd_allow admits, and builds the default
 * policy. */
enum jf_err mint_cimd_state(struct mint_state *s, struct jf_msg *m);

/* meta.c: the documents, built once at load; and their endpoints. */
enum jf_err mint_meta_build(struct mint_state *s, struct jf_msg *m);
void mint_meta(const struct mint_state *s, struct req *r, int head);
/* A JSON error body {"error":..., "error_description":...} with the
 * status of e; description may be NULL. */
void mint_error(struct req *r, enum jf_err e, const char *description);

/* keys.c: the JWKS documents of every span between two published or
 * removed dates (mint_meta_build calls it), freed by mint_keys_free. */
enum jf_err mint_keys_build(struct mint_state *s, struct jf_msg *m);
void mint_keys_free(struct mint_state *s);
/* The JWKS document of now, and the max-age to serve it with:
 * jwks_max_age, or less when a key appears or leaves sooner. */
const struct mint_jwks_doc *mint_jwks_at(const struct mint_state *s,
	time_t now, long *max_age);
/* GET/HEAD .../jwks. */
void mint_jwks(const struct mint_state *s, struct req *r, int head);
/* The key that signs at now, or NULL with why (JF_E_UNAVAILABLE: "no
 * signing key is active: key K activates at T") and, when a key will
 * activate, the seconds until then in *retry_after (at most a day). */
const struct jf_key *mint_signer(const struct mint_state *s, time_t now,
	struct jf_msg *why, long *retry_after);
/* keyset_lint of the state's keys at now, with max_token_lifetime +
 * leeway and jwks_max_age. */
void mint_keys_lint(const struct mint_state *s, time_t now,
	keyset_warn_fn warn, void *arg);

/* audit.c: one "audit: {json}" line at info level per token decision. */
void mint_audit(const struct mint_grant *g, time_t now);
/* audit.c: one line per revocation request (mint_revoke). */
void mint_audit_revoke(const struct mint_revocation *v, time_t now);
/* audit.c: the same (at warn level) for a FastCGI peer refused before
 * any request of its was read. */
struct srv_peer;
void mint_audit_peer(const struct srv_peer *p, time_t now);

#endif
