/* scache.c - a shared, set-associative cache of verified answers under
 * a seqlock per slot. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include <json-c/json.h>

#include "jose/scache.h"
#include "jose/token.h"

struct sc_slot {
	uint64_t seq;           /* odd: being written */
	uint64_t gen;           /* 0: never written */
	double from, until;
	uint32_t len;
	unsigned char key[SCACHE_KEY_LEN];
	unsigned char data[SCACHE_DATA_MAX];
};

struct scache {
	size_t sets;
	size_t map_bytes;
	uint64_t gen;           /* starts at 1, so 0 marks an empty slot */
	uint64_t cfg_gen;
	uint64_t hits, misses, puts;
	struct sc_slot slot[];
};

static struct sc_slot *sc_set(struct scache *sc,
	const unsigned char key[SCACHE_KEY_LEN]);

struct scache *
scache_new(size_t slots)
{
	struct scache *sc;
	size_t sets, bytes;

	if (slots == 0)
		return NULL;
	sets = (slots + SCACHE_WAYS - 1) / SCACHE_WAYS;
	bytes = sizeof(*sc) + sets * SCACHE_WAYS * sizeof(sc->slot[0]);
	/* Anonymous pages are zero and only touched when used. */
	sc = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sc == MAP_FAILED)
		return NULL;
	sc->sets = sets;
	sc->map_bytes = bytes;
	sc->gen = 1;
	return sc;
}

void
scache_free(struct scache *sc)
{
	if (sc != NULL)
		munmap(sc, sc->map_bytes);
}

uint64_t
scache_gen(const struct scache *sc)
{
	return __atomic_load_n(&sc->gen, __ATOMIC_ACQUIRE);
}

void
scache_flush(struct scache *sc)
{
	__atomic_add_fetch(&sc->gen, 1, __ATOMIC_ACQ_REL);
}

uint64_t
scache_cfg_gen(const struct scache *sc)
{
	return __atomic_load_n(&sc->cfg_gen, __ATOMIC_ACQUIRE);
}

void
scache_cfg_bump(struct scache *sc)
{
	__atomic_add_fetch(&sc->cfg_gen, 1, __ATOMIC_ACQ_REL);
	scache_flush(sc);
}

/* The key is uniform: its first bytes pick the set. */
static struct sc_slot *
sc_set(struct scache *sc, const unsigned char key[SCACHE_KEY_LEN])
{
	uint64_t i;

	memcpy(&i, key, sizeof(i));
	return &sc->slot[(i % sc->sets) * SCACHE_WAYS];
}

long
scache_get(struct scache *sc, const unsigned char key[SCACHE_KEY_LEN],
	uint64_t gen, double now, void *out, size_t room)
{
	struct sc_slot *s = sc_set(sc, key);
	uint64_t q;
	double from, until;
	uint32_t len;
	size_t w;

	if (gen != scache_gen(sc))
		goto miss;
	for (w = 0; w < SCACHE_WAYS; w++, s++) {
		q = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if ((q & 1) != 0 ||
		    __atomic_load_n(&s->gen, __ATOMIC_RELAXED) != gen ||
		    memcmp(s->key, key, SCACHE_KEY_LEN) != 0)
			continue;
		from = s->from;
		until = s->until;
		len = s->len;
		if (len > room || len > SCACHE_DATA_MAX)
			goto miss;
		memcpy(out, s->data, len);
		/* Everything read above is good only if no writer started
		 * meanwhile: then the number is still the same even one. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != q ||
		    memcmp(s->key, key, SCACHE_KEY_LEN) != 0)
			goto miss;
		if (now > until || now < from)
			goto miss;
		__atomic_add_fetch(&sc->hits, 1, __ATOMIC_RELAXED);
		return (long)len;
	}
miss:
	__atomic_add_fetch(&sc->misses, 1, __ATOMIC_RELAXED);
	return -1;
}

void
scache_put(struct scache *sc, const unsigned char key[SCACHE_KEY_LEN],
	uint64_t gen, double from, double until, const void *data, size_t n)
{
	struct sc_slot *set = sc_set(sc, key), *s = NULL;
	uint64_t q, cur = scache_gen(sc);
	size_t w;

	if (n > SCACHE_DATA_MAX || gen != cur)
		return;
	/* The slot this key already has, else one of another generation
	 * (flushed or never used), else the one that expires first. */
	for (w = 0; w < SCACHE_WAYS && s == NULL; w++)
		if (memcmp(set[w].key, key, SCACHE_KEY_LEN) == 0)
			s = &set[w];
	for (w = 0; w < SCACHE_WAYS && s == NULL; w++)
		if (__atomic_load_n(&set[w].gen, __ATOMIC_RELAXED) != cur)
			s = &set[w];
	if (s == NULL) {
		s = &set[0];
		for (w = 1; w < SCACHE_WAYS; w++)
			if (set[w].until < s->until)
				s = &set[w];
	}
	q = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if ((q & 1) != 0 || !__atomic_compare_exchange_n(&s->seq, &q, q + 1,
	    0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;         /* another writer has it */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(s->key, key, SCACHE_KEY_LEN);
	s->from = from;
	s->until = until;
	s->len = (uint32_t)n;
	memcpy(s->data, data, n);
	__atomic_store_n(&s->gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, q + 2, __ATOMIC_RELEASE);
	__atomic_add_fetch(&sc->puts, 1, __ATOMIC_RELAXED);
}

/* A numeric claim, or def when absent (tok_verify already refused a
 * present one that is not a number). */
static double
sc_num(const struct tok *t, const char *name, double def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(tok_claims(t), name, &v))
		return def;
	return json_object_get_double(v);
}

void
scache_window(const struct tok *t, long leeway, double *from, double *until)
{
	double nbf = sc_num(t, "nbf", -INFINITY), iat = sc_num(t, "iat",
	    -INFINITY);

	*until = sc_num(t, "exp", -INFINITY) + (double)leeway;
	*from = (nbf > iat ? nbf : iat) - (double)leeway;
}

void
scache_stats(const struct scache *sc, uint64_t *hits, uint64_t *misses,
	uint64_t *puts)
{
	*hits = sc != NULL ? __atomic_load_n(&sc->hits, __ATOMIC_RELAXED) : 0;
	*misses = sc != NULL ?
	    __atomic_load_n(&sc->misses, __ATOMIC_RELAXED) : 0;
	*puts = sc != NULL ? __atomic_load_n(&sc->puts, __ATOMIC_RELAXED) : 0;
}
