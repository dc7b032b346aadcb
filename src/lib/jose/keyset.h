/* keyset.h - the mint's key set: its private signing keys, each with a
 * schedule, in a JSON state file that `jwt-fcgi rotate` writes and
 * jwt-mint.fcgi reads (keyset = FILE in mint.conf):
 *
 *   {"keys": [
 *     {"file": "key-20260101T000000Z-AbCdEfGh.pem",   in the set's directory
 *      "kid": "<RFC 7638 SHA-256 thumbprint>",   checked against the file
 *      "alg": "ES256",                           optional: the type's default
 *      "published": "2026-01-01T00:00:00Z",      in the JWKS from
 *      "activates": "2026-01-01T00:20:00Z",      may sign from
 *      "retires": "2026-04-01T00:20:00Z",        optional: signs no more from
 *      "removed": "2026-04-01T01:21:00Z"}        optional: leaves the JWKS
 *   ]}
 *
 * published <= activates <= retires <= removed, and removed needs
 * retires: a key that may sign stays published. At time t a key is
 * future (t < published), pending (published <= t < activates: in the
 * JWKS, never signs), active (activates <= t < retires), retired
 * (retires <= t < removed: in the JWKS, never signs) or gone (removed
 * <= t). Of the active keys the newest signs: the latest activates, and
 * on a tie the later in the file.
 *
 * keyset.c reads, checks and writes the file; schedule.c answers what
 * time changes (states, the signer, the next boundary, a rotation).
 * schedule.c calls keyset.c, never the other way.
 */
#ifndef JF_KEYSET_H
#define JF_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "jose/key.h"
#include "jose/jwks.h"

/* A mint needs two or three keys at a time (the signer, the next one,
 * the one leaving); rotate drops gone keys. 16 leaves room for keys kept
 * on purpose and keeps every JWKS document small. */
#define KEYSET_KEYS_MAX 16
#define KEYSET_BYTES_MAX (64 * 1024)    /* the state file */
#define KEYSET_FILE_MAX 128             /* bytes of a key's file name */
#define KEYSET_KID_LEN 43               /* base64url of a SHA-256 digest */
#define KEYSET_NEVER INT64_MAX          /* retires / removed not set */
/* Dates a file may hold: 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
 * An entry made in memory may use 0 ("since ever", keyset_time_fmt
 * writes "-"): how the mint schedules its signing_key lines. */
#define KEYSET_TIME_MIN 946684800LL
#define KEYSET_TIME_MAX 253402300799LL
#define KEYSET_TIME_ROOM 21             /* "2026-01-01T00:00:00Z" + NUL */

enum keyset_date {
	KEYSET_PUBLISHED,
	KEYSET_ACTIVATES,
	KEYSET_RETIRES,
	KEYSET_REMOVED,
	KEYSET__DATES
};
#define KEYSET_BIT(d) (1u << (d))

enum keyset_state {
	KEYSET_FUTURE,
	KEYSET_PENDING,
	KEYSET_ACTIVE,
	KEYSET_RETIRED,
	KEYSET_GONE
};

/* One key of a set. keyset_get's strings belong to the set. */
struct keyset_entry {
	const char *file;       /* a plain name in the set's directory */
	const char *kid;        /* NULL for keyset_add: the key's thumbprint */
	enum jf_alg alg;        /* JF_ALG_NONE: the key type's default */
	int64_t at[KEYSET__DATES];      /* unix seconds; KEYSET_NEVER */
};

struct keyset;

struct keyset *keyset_new(void);
/* Frees the set and its keys (NULL does nothing). */
void keyset_free(struct keyset *ks);

/* Appends a copy of e, with its private key k (owned from here, freed on
 * failure too; NULL: not loaded). Refuses, with "keys[N].member: why",
 * dates out of order, a kid or file already in the set, a kid that is
 * not k's thumbprint, an alg k cannot do, more than KEYSET_KEYS_MAX
 * keys. A set holds keys for every entry or for none. */
enum jf_err keyset_add(struct keyset *ks, const struct keyset_entry *e,
	struct jf_key *k, struct jf_msg *m);
/* Adds every entry of a state file's text to an empty set, strictly:
 * unknown members, a missing or mistyped one, a file name with a '/',
 * a kid that is no thumbprint, a date not exactly RFC 3339 UTC to the
 * second ("2026-01-01T00:00:00Z") are refused, whole, with
 * "keys[2].activates: ..." in m. Loads no key. */
enum jf_err keyset_parse(struct keyset *ks, const char *json, size_t len,
	struct jf_msg *m);
/* Reads path (bounded, KEYSET_BYTES_MAX), parses it and loads each key
 * from path's directory: a private key, in a file that group and others
 * cannot read (as signing_key), whose thumbprint is its kid. m reads
 * "path: keys[1].kid: ...". */
enum jf_err keyset_load(struct keyset **out, const char *path,
	struct jf_msg *m);
/* The state file's text for ks: members in a fixed order, retires and
 * removed only when set, a final newline. Caller frees; NULL if out of
 * memory or an entry holds a date a file cannot (0). */
char *keyset_to_json(const struct keyset *ks);

size_t keyset_count(const struct keyset *ks);
const struct keyset_entry *keyset_get(const struct keyset *ks, size_t i);
/* Entry i's private key, or NULL when the set holds none. */
const struct jf_key *keyset_key(const struct keyset *ks, size_t i);
/* Every key of the set, in file order (empty when none are loaded). */
const struct jwks *keyset_jwks(const struct keyset *ks);

/* "published", "activates", "retires", "removed". */
const char *keyset_date_name(enum keyset_date d);
/* Exactly "YYYY-MM-DDTHH:MM:SSZ", a real date, within KEYSET_TIME_MIN
 * and KEYSET_TIME_MAX; 0 or -1. */
int keyset_time_parse(const char *s, int64_t *t);
/* t as RFC 3339 UTC into buf (KEYSET_TIME_ROOM bytes); "never" for
 * KEYSET_NEVER, "-" for 0. Returns buf. */
const char *keyset_time_fmt(int64_t t, char *buf, size_t room);

/* schedule.c: entry e's state at t. */
enum keyset_state keyset_state_at(const struct keyset_entry *e, int64_t t);
/* "future", "pending", "active", "retired", "gone". */
const char *keyset_state_name(enum keyset_state s);
/* The entry that signs at t, or -1 when no key is active. */
long keyset_signer(const struct keyset *ks, int64_t t);
/* The earliest date after t of the kinds in mask (KEYSET_BIT of
 * KEYSET_PUBLISHED etc.), or KEYSET_NEVER. */
int64_t keyset_next(const struct keyset *ks, int64_t t, unsigned mask);
/* When no key signs at t: m says why ("no signing key is active: key K
 * activates at T"), and the time the next key activates is returned, or
 * KEYSET_NEVER. */
int64_t keyset_idle(const struct keyset *ks, int64_t t, struct jf_msg *m);
/* The first time from t on at which no key signs, or KEYSET_NEVER. */
int64_t keyset_gap(const struct keyset *ks, int64_t t);

/* What an operator should hear about a set at now: no key signs now or
 * later, a key removed sooner than overlap seconds after it retires (a
 * token it signed, valid up to max_token_lifetime plus the verifiers'
 * leeway, would be refused early), a key that signs sooner than max_age
 * seconds (jwks_max_age) after it is published. One call of warn per
 * finding. */
typedef void (*keyset_warn_fn)(void *arg, const char *msg);
void keyset_lint(const struct keyset *ks, int64_t now, long overlap,
	long max_age, keyset_warn_fn warn, void *arg);

/* A rotation at now, as `jwt-fcgi rotate` does it: a new set (no keys
 * loaded) of cur's entries without the gone ones, each active key that
 * would sign past e's activates retired then and removed overlap seconds
 * later, and e appended. JF_E_INVALID_REQUEST while a key of cur is
 * still future or pending (a rotation is under way). */
enum jf_err keyset_rotate(const struct keyset *cur,
	const struct keyset_entry *e, int64_t now, long overlap,
	struct keyset **out, struct jf_msg *m);

#endif
