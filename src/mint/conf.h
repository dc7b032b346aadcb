/* conf.h - the mint's configuration (jwt-fcgi.conf(5), mint keys).
 *
 *   issuer = https://mint.example.test
 *   signing_key = /etc/jwt-fcgi/mint.pem       (repeatable: first signs,
 *                                               all are published)
 *   registry = /etc/jwt-fcgi/registry.json
 *   token_lifetime = 300                        default lifetime, seconds
 *   max_token_lifetime = 3600                   cap for every service
 *   jwks_max_age = 300                          Cache-Control of /jwks
 *   token_endpoint = https://mint.example.test/token   (default issuer/token)
 *   jwks_uri = https://mint.example.test/jwks          (default issuer/jwks)
 *   assertion_max_lifetime = 300      private_key_jwt: longest exp - iat
 *                                     and exp - now accepted, seconds
 *   log_level = info
 *
 * Loaded whole, keys included, or not at all.
 */
#ifndef JF_MINT_CONF_H
#define JF_MINT_CONF_H

#include "err.h"
#include "jwks.h"

#define MINT_KEYS_MAX 8
#define MINT_ASSERTION_LIFETIME_MAX 3600

struct mint_conf {
	char *path;
	char *issuer;
	char *token_endpoint;
	char *jwks_uri;
	char *registry;
	struct jwks *keys;              /* private keys, in file order */
	const struct jf_key *signer;    /* the first of them */
	long token_lifetime;
	long max_token_lifetime;
	long jwks_max_age;
	long assertion_max_lifetime;
	int log_level;                  /* enum log_level */
};

/* On failure m reads "file:line: key: expected X, got Y". */
enum jf_err mint_conf_load(struct mint_conf **out, const char *path,
	struct jf_msg *m);
void mint_conf_free(struct mint_conf *c);

#endif
