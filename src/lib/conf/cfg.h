/* cfg.h - the authorizer's configuration: trusted issuers, their keys and
 * rules, and which claims become variables. Parsed and keys loaded once;
 * the request path only reads it. Format: see jwt-fcgi.conf(5).
 *
 *   realm = api
 *   leeway = 60
 *   max_token_bytes = 8192
 *   log_level = info
 *   cache_entries = 1024
 *   claim_var = email JWT_EMAIL
 *
 *   [issuer https://mint.example.test]
 *   jwks_file = /etc/jwt-fcgi/mint.jwks
 *   key_file = /etc/jwt-fcgi/old.pub.pem
 *   algorithms = ES256 RS256
 *   audience = https://api.example.test
 *   typ = at+jwt
 *   require_bound = no
 */
#ifndef JF_CFG_H
#define JF_CFG_H

#include <stddef.h>

#include "util/err.h"
#include "jose/token.h"
#include "net/fetch.h"

#define CFG_MAX_ISSUERS 64
#define CFG_MAX_MAPS 64
#define CFG_MAX_AUD 16
#define CFG_CACHE_DEFAULT 1024  /* verified tokens remembered per worker */
#define CFG_CACHE_MAX 65536

struct cfg;
struct jwks;

/* How the authorizer fetches remote keys: the global fetch_* and jwks_*
 * keys (conf/fetch.c has their defaults and bounds). */
struct cfg_fetch {
	struct fetch_opts opts; /* fetch_allow, fetch_ca_file, fetch_timeout,
	                         * fetch_http_for_tests */
	long refresh;           /* jwks_refresh: the longest time between two
	                         * looks at a jwks_uri, s (600) */
	long refresh_min;       /* jwks_refresh_min: the shortest, s (30) */
	long cooldown;          /* jwks_cooldown: at most one early look for
	                         * an unknown kid per this, s (30) */
	long max_stale;         /* jwks_max_stale: keys older than this are
	                         * dropped and the issuer's tokens refused, s */
	long cold_wait_ms;      /* jwks_cold_wait: what a request waits for
	                         * keys never fetched yet, ms (2000) */
	long status_refresh;    /* status_refresh: the longest time between
	                         * two looks at a status list, s (60) */
	long status_refresh_min; /* status_refresh_min: the shortest, s (5) */
	long status_max_stale;  /* status_max_stale: a list last fetched
	                         * longer ago is not used, s (600) */
};

/* An issuer's remote key source: jwks_uri, or metadata (RFC 8414) naming
 * its jwks_uri. */
struct cfg_remote {
	const char *iss;
	const char *url;
	int is_metadata;
	unsigned algs;          /* the issuer's JF_ALG_BIT mask */
};

#define CFG_MAX_CIMD 64
#define CFG_CIMD_CLAIMS 16

/* A [cimd URL] section: clients whose client ID is the https URL of a
 * client ID metadata document, signing their own tokens. */
struct cfg_cimd {
	const char *match;      /* one client ID, or a prefix ending in "/" */
	int prefix;
	unsigned algs;          /* JF_ALG_BIT mask */
	const char *const *aud; /* this API's identifiers; naud >= 1 */
	size_t naud;
	long max_lifetime;      /* exp - iat at most, s */
	const char *scope;      /* what they may do, or NULL */
	const char *typ;        /* required typ, or NULL */
	const char *const *claims;      /* name, value, name, value ... */
	size_t nclaims;
};

/* The global cimd_* keys. */
struct cfg_cimd_opts {
	size_t max_bytes;       /* cimd_max_bytes (5120) */
	long refresh;           /* cimd_refresh, s (300) */
	long max_stale;         /* cimd_max_stale, s (3600) */
	long idle;              /* cimd_idle, s (3600) */
};

#define CFG_MAX_RESOURCES 64
#define CFG_RES_SCOPES 64

/* A [resource ID] section: an API this authorizer protects, and its RFC
 * 9728 metadata. */
struct cfg_resource {
	const char *id;                 /* the resource identifier */
	const char *metadata_url;       /* where its metadata is published */
	const char *metadata_path;      /* that URL's path and query */
	const char *json;               /* the metadata document */
	const char *iss;                /* challenge_iss: the iss= value */
};

/* A claim passed to the backend as Variable-<var>. */
struct cfg_map {
	const char *claim;
	const char *var;        /* [A-Z][A-Z0-9_]*, not a reserved JWT_ name */
};

/* Loads and validates path, loading every key it names. On failure m
 * reads "file:line: key: expected X, got Y" and nothing is returned. */
enum jf_err cfg_load(struct cfg **out, const char *path, struct jf_msg *m);
/* The same from len bytes of buf (for tests and fuzzing): name stands
 * for the file in messages, and relative key paths are resolved against
 * its directory. The key files named are still read. */
enum jf_err cfg_parse_buf(struct cfg **out, const char *name,
	const char *buf, size_t len, struct jf_msg *m);
void cfg_free(struct cfg *c);

const char *cfg_path(const struct cfg *c);
const char *cfg_realm(const struct cfg *c);
int cfg_log_level(const struct cfg *c);    /* enum log_level */
/* Fills r's issuers, leeway and max_bytes (r->now is the caller's). */
void cfg_rules(const struct cfg *c, struct tok_rules *r);
/* 1 when the [issuer] section of ti (one of the issuers cfg_rules
 * gave) says require_bound = yes: its tokens must be bound to a client
 * certificate (RFC 8705 cnf x5t#S256). 0 otherwise, and for a ti that
 * is not c's. */
int cfg_issuer_require_bound(const struct cfg *c,
	const struct tok_issuer *ti);
/* An [issuer]'s status key: what its tokens' Token Status List
 * (draft-ietf-oauth-status-list) claims mean here. */
enum { CFG_STATUS_OFF, CFG_STATUS_OPTIONAL, CFG_STATUS_REQUIRED };
#define CFG_MAX_STATUS_URIS 16
/* CFG_STATUS_* of ti (OFF for a ti that is not one of c's issuers). */
int cfg_issuer_status(const struct cfg *c, const struct tok_issuer *ti);
/* 1 when a status list at uri may be fetched for ti's tokens: uri is an
 * https URL (http with fetch_http_for_tests) equal to or under one of
 * the issuer's status_list_uris, or, when it lists none, on the origin of
 * its jwks_uri or metadata, or else of its iss. */
int cfg_status_allowed(const struct cfg *c, const struct tok_issuer *ti,
	const char *uri);
/* The k-th status list URL the configuration names exactly (an entry of
 * status_list_uris not ending in "/"), of an issuer whose status is not
 * off, to fetch from start; NULL past the end. */
const char *cfg_status_fixed(const struct cfg *c, size_t k);
/* 1 when an issuer asks for status lists itself (a status key other
 * than off, or status_list_uris): a fetcher must run even with no
 * remote keys. */
int cfg_status_any(const struct cfg *c);
/* Verified tokens each worker remembers (0: none). */
size_t cfg_cache_entries(const struct cfg *c);
const struct cfg_map *cfg_maps(const struct cfg *c, size_t *n);

const struct cfg_fetch *cfg_fetch(const struct cfg *c);
size_t cfg_remote_count(const struct cfg *c);
const struct cfg_remote *cfg_remote(const struct cfg *c, size_t i);
/* Hands remote source i's keys to its issuer (c owns keys from now on,
 * NULL for none) with, when there are none, why: that reason ends the
 * "no key" refusals of the issuer's tokens. */
void cfg_remote_keys(struct cfg *c, size_t i, struct jwks *keys,
	const char *why);

/* The [cimd] section whose client IDs include url (exact, else the
 * longest prefix), or NULL. url must have passed cimd_url_check. */
const struct cfg_cimd *cfg_cimd_find(const struct cfg *c, const char *url);
size_t cfg_cimd_count(const struct cfg *c);
const struct cfg_cimd_opts *cfg_cimd_opts(const struct cfg *c);
/* The [resource] section of identifier id (NULL: the first one), or
 * NULL. */
const struct cfg_resource *cfg_resource(const struct cfg *c, const char *id);
/* The [resource] whose metadata path (and query) is path, or NULL. */
const struct cfg_resource *cfg_resource_at(const struct cfg *c,
	const char *path);

/* The key the authorizer signs access tokens with on exchange routes
 * (NULL: none configured), their iss and lifetime. */
struct jf_key;
const struct jf_key *cfg_at_key(const struct cfg *c, const char **iss,
	long *lifetime);

#endif
