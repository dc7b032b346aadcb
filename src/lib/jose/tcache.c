/* tcache.c - a direct-mapped cache of verified tokens. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <json-c/json.h>

#include "jose/tcache.h"
#include "jose/token.h"

struct tc_slot {
	unsigned char h[TCACHE_HASH_LEN];
	struct tok *t;          /* NULL: empty */
	double from, until;     /* the window in which t is valid */
};

struct tcache {
	size_t n;
	unsigned long hits, misses;
	struct tc_slot slot[];
};

struct tcache *
tcache_new(size_t slots)
{
	struct tcache *tc;

	if (slots == 0)
		return NULL;
	tc = calloc(1, sizeof(*tc) + slots * sizeof(tc->slot[0]));
	if (tc != NULL)
		tc->n = slots;
	return tc;
}

void
tcache_free(struct tcache *tc)
{
	size_t i;

	if (tc == NULL)
		return;
	for (i = 0; i < tc->n; i++)
		tok_free(tc->slot[i].t);
	free(tc);
}

void
tcache_hash(const char *s, size_t n, unsigned char h[TCACHE_HASH_LEN])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, s, n, h) != 0)
		memset(h, 0, TCACHE_HASH_LEN);  /* never matches a real entry */
}

static struct tc_slot *
tc_slot(struct tcache *tc, const unsigned char h[TCACHE_HASH_LEN])
{
	size_t i;

	/* The hash is uniform: its first bytes pick the slot. */
	memcpy(&i, h, sizeof(i));
	return &tc->slot[i % tc->n];
}

const struct tok *
tcache_get(struct tcache *tc, const unsigned char h[TCACHE_HASH_LEN],
	time_t now)
{
	struct tc_slot *s;
	static const unsigned char zero[TCACHE_HASH_LEN];

	if (tc == NULL)
		return NULL;
	s = tc_slot(tc, h);
	if (s->t == NULL || memcmp(s->h, h, TCACHE_HASH_LEN) != 0 ||
	    memcmp(h, zero, TCACHE_HASH_LEN) == 0) {
		tc->misses++;
		return NULL;
	}
	/* The same tests tok_verify makes, on the numbers it accepted:
	 * exp + leeway >= now, nbf and iat <= now + leeway. */
	if ((double)now > s->until || (double)now < s->from) {
		tok_free(s->t);
		s->t = NULL;
		tc->misses++;
		return NULL;
	}
	tc->hits++;
	return s->t;
}

/* A numeric claim, or def when absent (tok_verify already refused a
 * present one that is not a number). */
static double
tc_num(const struct tok *t, const char *name, double def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(tok_claims(t), name, &v))
		return def;
	return json_object_get_double(v);
}

void
tcache_put(struct tcache *tc, const unsigned char h[TCACHE_HASH_LEN],
	struct tok *t, long leeway)
{
	struct tc_slot *s;
	double nbf, iat;

	if (tc == NULL) {
		tok_free(t);
		return;
	}
	s = tc_slot(tc, h);
	tok_free(s->t);
	memcpy(s->h, h, TCACHE_HASH_LEN);
	s->t = t;
	s->until = tc_num(t, "exp", -INFINITY) + (double)leeway;
	nbf = tc_num(t, "nbf", -INFINITY);
	iat = tc_num(t, "iat", -INFINITY);
	s->from = (nbf > iat ? nbf : iat) - (double)leeway;
}

void
tcache_stats(const struct tcache *tc, unsigned long *hits,
	unsigned long *misses)
{
	*hits = tc != NULL ? tc->hits : 0;
	*misses = tc != NULL ? tc->misses : 0;
}
