/* conf.h - the mint's configuration (jwt-fcgi.conf(5), mint keys).
 *
 *   issuer = https://mint.example.test
 *   signing_key = /etc/jwt-fcgi/mint.pem       (repeatable: first signs,
 *                                               all are published)
 *   keyset = /etc/jwt-fcgi/keys/keyset.json    instead of signing_key: keys
 *                                     with a schedule (jose/keyset.h),
 *                                     kept by jwt-fcgi rotate
 *   leeway = 60                       the verifiers' clock leeway, seconds:
 *                                     a retired key stays published at least
 *                                     max_token_lifetime + leeway
 *   registry = /etc/jwt-fcgi/registry.json
 *   token_lifetime = 300                        default lifetime, seconds
 *   max_token_lifetime = 3600                   cap for every service
 *   jwks_max_age = 300                          Cache-Control of /jwks
 *   token_endpoint = https://mint.example.test/token   (default issuer/token)
 *   jwks_uri = https://mint.example.test/jwks          (default issuer/jwks)
 *   revocation_endpoint = https://mint.example.test/revoke (issuer/revoke)
 *   assertion_max_lifetime = 300      private_key_jwt: longest exp - iat
 *                                     and exp - now accepted, seconds
 *   assertion_audience = issuer       the aud of an assertion: the issuer
 *                                     alone (RFC 10070), or rfc7523: the
 *                                     issuer or the token endpoint
 *   replay_quota = 10000              private_key_jwt: unexpired assertions
 *                                     one client may hold in the jti table
 *   client_ca = /etc/jwt-fcgi/ca/ca.crt   tls_client_auth: the mint checks
 *                                     the chain itself too
 *   bind_certificate = no             tls_client_auth: bind the token to
 *                                     the certificate (RFC 8705 cnf), for
 *                                     services whose registry entry does
 *                                     not say
 *   peer_users = www-data caddy       who may connect to the mint's unix
 *   peer_groups = www-data            socket, besides its own uid and root
 *   plain_http = no                   "loopback": token requests without
 *                                     TLS from 127.0.0.0/8 or ::1
 *   log_level = info
 *
 * Token status (status.c; draft-ietf-oauth-status-list-21, RFC 7009):
 *
 *   status_list_uri = https://mint.example.test/statuslist  (default
 *                                     issuer/statuslist): where the list is
 *   status_bits = 1                   1, or 2: suspension too
 *   status_list_ttl = 60              the list's ttl and max-age, seconds
 *   status_list_lifetime = 900        exp - iat of the list, seconds
 *   state =                           redis://... or unix:...; empty:
 *                                     embedded, a file in state_dir
 *   state_dir = /var/lib/jwt-fcgi     the embedded state's directory
 *   max_live_tokens = 1000000         tokens holding an index at once
 *
 * Client ID metadata documents (cimdconf.c; off without cimd_allow):
 *
 *   cimd_allow = https://svc.example/.well-known/   client IDs, or prefixes
 *                                     ending in "/", whose documents the
 *                                     mint fetches (repeatable)
 *   cimd_unregistered = refuse        or default: clients the registry
 *                                     does not list get the policy below
 *   cimd_default_scopes = a b         their scopes (all by default)
 *   cimd_default_audiences = URL ...  the APIs they may get tokens for
 *   jwt_bearer_api_audience = no      yes: a jwt-bearer assertion's aud
 *                                     may be the API (seed 001), which
 *                                     the token is then for
 *   cimd_max_bytes = 5120  cimd_refresh = 300  cimd_max_stale = 3600
 *   cimd_idle = 3600  cimd_cooldown = 30  cimd_cold_wait = 2
 *   fetch_allow = none  fetch_ca_file = FILE  fetch_timeout = 5
 *
 * Loaded whole, keys included, or not at all.
 */
#ifndef JF_MINT_CONF_H
#define JF_MINT_CONF_H

#include <sys/types.h>

#include "util/err.h"
#include "jose/jwks.h"
#include "jose/keyset.h"
#include "net/fetch.h"

#define MINT_KEYS_MAX 8                 /* signing_key lines */
#define MINT_LEEWAY_MAX 3600            /* as jwt-authz.fcgi's leeway */
#define MINT_ASSERTION_LIFETIME_MAX 3600
#define MINT_PEERS_MAX 32               /* peer_users, and peer_groups */
/* Assertion jti values all workers remember together until they
 * expire: at the default assertion_max_lifetime of 300 s, 333 new
 * assertions a second. Arbitrary; the table (24 bytes a slot, at most
 * half full) then takes at most 6 MiB. One client may hold at most
 * replay_quota of them (default a tenth), so it cannot lock out the
 * others by flooding. */
#define MINT_REPLAY_MAX 100000
#define MINT_REPLAY_QUOTA_DEFAULT 10000

/* Token status: the list's bounds, and the embedded state's file in
 * state_dir (one mint, one issuer, one directory). */
#define MINT_STATE_DIR_DEFAULT "/var/lib/jwt-fcgi"
#define MINT_STATE_FILE "mint-status.state"
#define MINT_STATUS_TTL_MAX 86400
#define MINT_LIVE_DEFAULT 1000000L

#define MINT_CIMD_ALLOW_MAX 64        /* cimd_allow entries */
#define MINT_CIMD_DEFAULTS_MAX 64     /* default scopes, and audiences */

struct trust;
struct ini_item;

/* Client ID metadata document clients (cimdconf.c). */
struct mint_cimd_conf {
	char *allow[MINT_CIMD_ALLOW_MAX];       /* client IDs or prefixes */
	int prefix[MINT_CIMD_ALLOW_MAX];
	size_t nallow;                  /* 0: no document clients */
	int unregistered;               /* cimd_unregistered = default */
	char *scopes[MINT_CIMD_DEFAULTS_MAX];   /* cimd_default_scopes */
	size_t nscopes;
	char *auds[MINT_CIMD_DEFAULTS_MAX];     /* cimd_default_audiences */
	size_t nauds;
	int api_audience;               /* jwt_bearer_api_audience = yes */
	struct fetch_opts fetch;        /* fetch_allow, _ca_file, _timeout */
	char *fetch_ca;
	size_t max_bytes;               /* cimd_max_bytes */
	long refresh, max_stale, idle, cooldown;        /* seconds */
	long cold_wait_ms;              /* cimd_cold_wait */
	unsigned line[16];              /* where each key was set, 0: not */
};

struct mint_conf {
	char *path;
	char *issuer;
	char *token_endpoint;
	char *jwks_uri;
	char *registry;
	char *keyset_path;              /* keyset = ..., or NULL */
	/* The private keys and their schedule: the key set's, or the
	 * signing_key lines' (the first active since ever, the others
	 * published and retired since ever: never signing). */
	struct keyset *keyset;
	const struct jwks *keys;        /* keyset's keys, in file order */
	long leeway;
	long token_lifetime;
	long max_token_lifetime;
	long jwks_max_age;
	long assertion_max_lifetime;
	int assertion_aud_rfc7523;      /* assertion_audience = rfc7523 */
	long replay_quota;
	char *client_ca;                /* NULL: trust the web server alone */
	struct trust *trust;            /* client_ca, loaded */
	/* Who may connect to the unix socket, besides our uid and root. */
	uid_t peer_uid[MINT_PEERS_MAX];
	size_t npeer_uid;
	gid_t peer_gid[MINT_PEERS_MAX];
	size_t npeer_gid;
	int plain_http_loopback;        /* 1: plain_http = loopback */
	int bind_certificate;           /* 1: bind_certificate = yes */
	int log_level;                  /* enum log_level */
	struct mint_cimd_conf cimd;
	/* Token status (status.c). */
	char *revocation_endpoint;      /* RFC 7009, in the metadata */
	char *status_list_uri;
	int status_bits;                /* 1, or 2: suspension */
	long status_ttl;                /* the list's ttl and max-age */
	long status_lifetime;           /* the list's exp - iat */
	char *state_url;                /* NULL: embedded */
	char *state_dir;
	char *state_path;               /* state_dir/MINT_STATE_FILE */
	char *state_prefix;             /* redis: "jf:<issuer>:" */
	long max_live;
};

/* On failure m reads "file:line: key: expected X, got Y". */
enum jf_err mint_conf_load(struct mint_conf **out, const char *path,
	struct jf_msg *m);
void mint_conf_free(struct mint_conf *c);

/* cimdconf.c: the defaults; one cimd_*, fetch_* or jwt_bearer_* line
 * (JF_E_NOT_FOUND when it is none of them); the checks once the file is
 * read; freeing. */
void mint_cimd_defaults(struct mint_cimd_conf *c);
enum jf_err mint_cimd_key(struct mint_cimd_conf *c, const struct ini_item *it,
	struct jf_msg *m);
enum jf_err mint_cimd_finish(struct mint_cimd_conf *c, const char *path,
	struct jf_msg *m);
void mint_cimd_conf_free(struct mint_cimd_conf *c);
/* 1 when an entry of cimd_allow admits the client ID url (which must
 * have passed cimd_url_check). */
int mint_cimd_admits(const struct mint_cimd_conf *c, const char *url);

#endif
