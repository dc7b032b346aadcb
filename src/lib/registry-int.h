/* registry-int.h - what registry.c (load) and regindex.c (lookups) share
 * of struct registry.
 *
 * The structs stay opaque to every other module: only the two halves of
 * the registry module include this header.
 */
#ifndef JF_REGISTRY_INT_H
#define JF_REGISTRY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "jwks.h"
#include "registry.h"

enum { K_URI, K_DNS, K_CN, K_FP, K__N };
/* The registry member of each kind, for parsing and for messages. */
extern const char *const registry_kind_name[K__N];

#define NONE UINT32_MAX

struct rslot {
	const void *key;        /* NULL: empty */
	uint32_t len;
	uint32_t svc;
};

struct rmap {
	struct rslot *slot;
	size_t cap;             /* a power of two, or 0 */
	size_t n;
};

struct reg_service {
	const char *id;
	const char *not_after_s;
	time_t not_after;
	int enabled;
	unsigned rules;         /* bit (1 << K_x) per identity rule listed */
	const char *issuer;
	const char *issuer_key_id;
	struct json_object *claims;
	const char **str;       /* scopes, then default scopes, then audiences */
	size_t nscope, ndef, naud;
	const char *default_aud;
	int lifetime;
	int has_secret;
	unsigned char secret[32];
	struct jwks *jwks;      /* private_key_jwt keys, or NULL */
};

struct registry {
	struct json_object *root;
	struct reg_service *svc;
	size_t nsvc;
	struct rmap ids;
	struct rmap map[K__N];
	unsigned char *fps;     /* 32 bytes per fingerprint value listed */
	size_t nfps, fpused;
};

/* regindex.c: grows h to hold n keys at most half full. -1 without
 * memory. */
int registry_rmap_reserve(struct rmap *h, size_t n);
/* regindex.c: inserts key -> svc. Returns 1 and sets *old if the key is
 * taken, 0 if inserted. */
int registry_rmap_put(struct rmap *h, const void *key, size_t len, uint32_t svc,
	uint32_t *old);
/* regindex.c: the service index of key, or NONE. */
uint32_t registry_rmap_get(const struct rmap *h, const void *key, size_t len);

#endif
