/* cfg-int.h - what cfg.c (globals, load, accessors), issuer.c (the
 * [issuer] sections and their keys) and common.c (helpers) share of
 * struct cfg. cfg.c -> issuer.c -> common.c, never back.
 *
 * The structs stay opaque to every other module: only the cfg module's
 * files include this header.
 */
#ifndef JF_CFG_INT_H
#define JF_CFG_INT_H

#include <stddef.h>

#include "conf/cfg.h"
#include "util/err.h"
#include "conf/ini.h"
#include "jose/jwks.h"
#include "jose/token.h"

#define CFG_MAX_SOURCES JWKS_MAX_KEYS   /* key_file + jwks_file lines */

/* A key_file or jwks_file line, loaded once the whole file is read. */
struct cfg_src {
	int is_jwks;
	unsigned line;
	char *path;
};

struct cfg_iss {
	char *iss;
	unsigned line;
	struct jwks *keys;
	struct cfg_src src[CFG_MAX_SOURCES];
	size_t nsrc;
	unsigned algs;
	unsigned algs_line;     /* 0: not set, ES256 */
	char *aud[CFG_MAX_AUD];
	size_t naud;
	char *typ;
	unsigned typ_line;
	char *remote;           /* jwks_uri or metadata URL, or NULL */
	int remote_is_meta;
	unsigned remote_line;
	struct jwks *rkeys;     /* what the remote source brought, or NULL */
	struct jf_msg rnote;    /* why rkeys is NULL */
	int require_bound;      /* require_bound = yes: tokens need cnf */
	unsigned bound_line;
};

/* The fetch_* and jwks_* keys, each settable once. */
enum { CFG_F_ALLOW, CFG_F_CA, CFG_F_TIMEOUT, CFG_F_HTTP, CFG_F_REFRESH,
	CFG_F_REFRESH_MIN, CFG_F_COOLDOWN, CFG_F_STALE, CFG_F_COLD,
	CFG_F__N };

struct cfg {
	char *path;
	char *dir;              /* relative key paths are resolved here */
	char *realm;
	long leeway;
	size_t max_bytes;
	int log_level;
	size_t cache_entries;
	/* Line each global key was set on (0: default), to refuse repeats. */
	unsigned realm_line, leeway_line, max_line, level_line, cache_line;
	struct cfg_map maps[CFG_MAX_MAPS];
	unsigned map_line[CFG_MAX_MAPS];
	size_t nmaps;
	struct cfg_iss *iss[CFG_MAX_ISSUERS];
	size_t niss;
	struct tok_issuer ti[CFG_MAX_ISSUERS];  /* the view token.c reads */
	struct cfg_fetch fetch;
	char *fetch_ca;
	unsigned fetch_line[CFG_F__N];
	struct cfg_remote remote[CFG_MAX_ISSUERS];
	size_t remote_iss[CFG_MAX_ISSUERS];     /* index into iss */
	size_t nremote;
};

/* common.c: JF_E_NOMEM with the usual message. */
enum jf_err cfg_nomem(struct jf_msg *m);
/* common.c: the next word separated by spaces or tabs, or NULL at the end;
 * advances *p. */
const char *cfg_next_word(const char **p, size_t *len);
/* common.c: refuses a second setting of a key, remembering the first line. */
enum jf_err cfg_once(const struct ini_item *it, unsigned *line,
	struct jf_msg *m);

/* fetch.c: the defaults of c->fetch. */
void cfg_fetch_defaults(struct cfg *c);
/* fetch.c: a fetch_* or jwks_* line; JF_E_NOT_FOUND if it is neither. */
enum jf_err cfg_set_fetch_key(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
/* fetch.c: checks the bounds against each other once the file is read. */
enum jf_err cfg_fetch_finish(struct cfg *c, struct jf_msg *m);

/* issuer.c: a [issuer ISS] header: a new, empty issuer in c. */
enum jf_err cfg_new_issuer(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
/* issuer.c: one key = value line inside [issuer ...]. */
enum jf_err cfg_set_issuer_key(struct cfg *c, struct cfg_iss *is,
	const struct ini_item *it, struct jf_msg *m);
/* issuer.c: loads one key_file or jwks_file line into is->keys,
 * each key checked against is->algs. */
enum jf_err cfg_load_src(const struct cfg *c, struct cfg_iss *is,
	const struct cfg_src *src, struct jf_msg *m);
/* issuer.c: frees is and all it owns; NULL is a no-op. */
void cfg_iss_free(struct cfg_iss *is);

#endif
