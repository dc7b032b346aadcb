/* registry-int.h - what registry.c (load), check.c (value checks) and
 * index.c (lookups) share of struct registry.
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

#include "jose/jwks.h"
#include "registry/registry.h"

enum { K_URI, K_DNS, K_CN, K_FP, K__N };
/* The registry member of each kind, for parsing and for messages. */
extern const char *const registry_kind_name[K__N];

#define NONE UINT32_MAX
#define STR_MAX 1024

/* Where a value sits, formatted only when there is an error to report:
 * base, then ".member" if any, then "[idx]" if idx >= 0. */
struct jpath {
	const char *base;
	const char *member;
	long idx;
};
#define AT(b, mem, i) (&(const struct jpath){ (b), (mem), (i) })

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
	int bind;               /* bind_certificate: 1, 0, or -1 when absent */
	int has_secret;
	unsigned char secret[32];
	struct jwks *jwks;      /* private_key_jwt keys, or NULL */
	int cimd;               /* 1: its id is the URL of its client ID
	                         * metadata document, whose keys it signs
	                         * with; no credential here */
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

/* index.c: grows h to hold n keys at most half full. -1 without
 * memory. */
int registry_rmap_reserve(struct rmap *h, size_t n);
/* index.c: inserts key -> svc. Returns 1 and sets *old if the key is
 * taken, 0 if inserted. */
int registry_rmap_put(struct rmap *h, const void *key, size_t len, uint32_t svc,
	uint32_t *old);
/* index.c: the service index of key, or NONE. */
uint32_t registry_rmap_get(const struct rmap *h, const void *key, size_t len);

/* check.c: JF_E_CONFIG with "path: why" in m, path from p. */
enum jf_err registry_bad(struct jf_msg *m, const struct jpath *p,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#ifdef __clang_analyzer__
/* The analyzer does not follow variadic calls: tell it the result is
 * JF_E_CONFIG, never JF_OK. */
#define registry_bad(m, ...) (registry_bad((m), __VA_ARGS__), JF_E_CONFIG)
#endif
/* check.c: is s one of the NULL-terminated list? */
int registry_in_list(const char *s, const char *const *list);
/* check.c: refuses a member of object o not in allowed. */
enum jf_err registry_check_members(struct json_object *o, const char *path,
	const char *const *allowed, struct jf_msg *m);
/* check.c: a string of 1..max bytes without control characters. */
enum jf_err registry_get_str(struct json_object *o, const struct jpath *p,
	size_t max, const char **out, struct jf_msg *m);
/* check.c: RFC 3339 UTC to the second; -1 if not exactly that. */
int registry_parse_time(const char *s, time_t *t);
/* check.c: n bytes from 2n hex digits, colon-separated if asked. */
int registry_hex_bytes(unsigned char *dst, size_t n, const char *s,
	int colons);
/* check.c: checks one identity value of kind and gives its index key
 * (fingerprints are decoded into reg->fps). */
enum jf_err registry_check_value(struct registry *reg, int kind,
	const char *s, const struct jpath *p, const void **key, size_t *klen,
	struct jf_msg *m);
/* check.c: an array of at most max distinct strings into dst;
 * scope-tokens unless member is "audiences". */
enum jf_err registry_parse_strlist(struct json_object *v, const char *base,
	const char *member, size_t max, const char **dst, size_t *n,
	struct jf_msg *m);

#endif
