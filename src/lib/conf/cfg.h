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
 */
#ifndef JF_CFG_H
#define JF_CFG_H

#include <stddef.h>

#include "util/err.h"
#include "jose/token.h"

#define CFG_MAX_ISSUERS 64
#define CFG_MAX_MAPS 64
#define CFG_MAX_AUD 16
#define CFG_CACHE_DEFAULT 1024  /* verified tokens remembered per worker */
#define CFG_CACHE_MAX 65536

struct cfg;

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
/* Verified tokens each worker remembers (0: none). */
size_t cfg_cache_entries(const struct cfg *c);
const struct cfg_map *cfg_maps(const struct cfg *c, size_t *n);

#endif
