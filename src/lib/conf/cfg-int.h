/* cfg-int.h - what cfg.c (globals, load, accessors), issuer.c (the
 * [issuer] sections and their keys), cimd.c (the [cimd] sections),
 * resource.c (the [resource] sections),
 * fetch.c and common.c (helpers) share of struct cfg. cfg.c -> the
 * section files -> common.c, never back.
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
#include "jose/key.h"
#include "jose/token.h"
#include "oauth/prm.h"

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
	int status;             /* CFG_STATUS_* (optional) */
	unsigned status_line;
	char *status_uris[CFG_MAX_STATUS_URIS]; /* URLs or prefixes ("/") */
	size_t nstatus_uris;
};

/* A [cimd ...] section: pub is what cfg.h shows. */
struct cfg_cimd_sec {
	struct cfg_cimd pub;
	unsigned line, algs_line, life_line, typ_line;
	char *match;
	char *aud[CFG_MAX_AUD];
	char *scope;
	char *typ;
	char *claims[2 * CFG_CIMD_CLAIMS];
};

/* A [resource ID] section: pub is what cfg.h shows. */
struct cfg_res_sec {
	struct cfg_resource pub;
	unsigned line, name_line, doc_line, bound_line, iss_line;
	char *id;
	char murl[PRM_URL_MAX + 1];
	char *as[PRM_MAX_AS];
	size_t nas;
	char *scopes[CFG_RES_SCOPES];
	size_t nscopes;
	char *name;
	char *doc;
	int bound;
	int challenge_iss;
	char *json;
};

/* The fetch_* and jwks_* keys, each settable once. */
enum { CFG_F_ALLOW, CFG_F_CA, CFG_F_TIMEOUT, CFG_F_HTTP, CFG_F_REFRESH,
	CFG_F_REFRESH_MIN, CFG_F_COOLDOWN, CFG_F_STALE, CFG_F_COLD,
	CFG_F_S_REFRESH, CFG_F_S_REFRESH_MIN, CFG_F_S_STALE, CFG_F__N };

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
	/* The view token.c reads: the issuers, then the authorizer's own
	 * access-token issuer when there is one (nti = niss + 1). */
	struct tok_issuer ti[CFG_MAX_ISSUERS + 1];
	size_t nti;
	int section;            /* the section being read: CFG_SEC_* */
	struct cfg_fetch fetch;
	char *fetch_ca;
	unsigned fetch_line[CFG_F__N];
	struct cfg_remote remote[CFG_MAX_ISSUERS];
	size_t remote_iss[CFG_MAX_ISSUERS];     /* index into iss */
	size_t nremote;
	struct cfg_cimd_sec *cimd[CFG_MAX_CIMD];
	size_t ncimd;
	struct cfg_cimd_opts cimd_opts;
	unsigned cimd_line[5];
	char *at_iss;
	char *at_key_path;
	unsigned at_iss_line, at_key_line;
	long at_life;
	struct jf_key *at_key;
	struct jwks *at_keys;
	char *at_aud[CFG_MAX_CIMD * CFG_MAX_AUD];      /* borrowed */
	size_t nat_aud;
	struct cfg_res_sec *res[CFG_MAX_RESOURCES];
	size_t nres;
};

enum { CFG_SEC_NONE, CFG_SEC_ISSUER, CFG_SEC_CIMD, CFG_SEC_RESOURCE };

/* common.c: JF_E_NOMEM with the usual message. */
enum jf_err cfg_nomem(struct jf_msg *m);
/* common.c: the next word separated by spaces or tabs, or NULL at the end;
 * advances *p. */
const char *cfg_next_word(const char **p, size_t *len);
/* common.c: refuses a second setting of a key, remembering the first line. */
enum jf_err cfg_once(const struct ini_item *it, unsigned *line,
	struct jf_msg *m);

/* common.c: algorithms = ...: the JF_ALG_BIT mask; none and HS* refused. */
enum jf_err cfg_algs(const struct ini_item *it, unsigned *algs,
	struct jf_msg *m);
/* common.c: words of a repeatable key added to out[*n], repeats merged. */
enum jf_err cfg_words(const struct ini_item *it, char **out, size_t *n,
	size_t max, struct jf_msg *m);
/* common.c: yes or no. */
enum jf_err cfg_yesno(const struct ini_item *it, int *out,
	struct jf_msg *m);

/* common.c: a file name from the configuration, relative to its
 * directory (malloc'd, NULL: out of memory). */
char *cfg_path_join(const struct cfg *c, const char *v);

/* cimd.c: the defaults of the cimd_* and access_token_* keys. */
void cfg_cimd_defaults(struct cfg *c);
/* cimd.c: a cimd_* or access_token_* line; JF_E_NOT_FOUND if neither. */
enum jf_err cfg_set_cimd_global(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
/* cimd.c: a [cimd URL] header, and a key = value line inside one. */
enum jf_err cfg_new_cimd(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
enum jf_err cfg_set_cimd_key(struct cfg *c, struct cfg_cimd_sec *s,
	const struct ini_item *it, struct jf_msg *m);
/* cimd.c: after the issuers are finished: defaults, overlaps, and the
 * access-token key and issuer (sets nti). */
enum jf_err cfg_cimd_finish(struct cfg *c, struct jf_msg *m);
void cfg_cimd_free(struct cfg_cimd_sec *s);

/* resource.c: a [resource ID] header, a key = value line inside one,
 * and building each document once the file is read. */
enum jf_err cfg_new_resource(struct cfg *c, const struct ini_item *it,
	struct jf_msg *m);
enum jf_err cfg_set_resource_key(struct cfg *c, struct cfg_res_sec *s,
	const struct ini_item *it, struct jf_msg *m);
enum jf_err cfg_resource_finish(struct cfg *c, struct jf_msg *m);
void cfg_resource_free(struct cfg_res_sec *s);

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
