/* test_scache.c - the shared answer cache: hits, windows, generations,
 * bounds, and four processes writing and reading the same sets at once
 * without ever seeing a torn entry. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "jose/scache.h"

#define PROCS 4
#define ROUNDS 20000

static void
key_of(unsigned i, unsigned char k[SCACHE_KEY_LEN])
{
	memset(k, 0, SCACHE_KEY_LEN);
	memcpy(k, &i, sizeof(i));
	k[SCACHE_KEY_LEN - 1] = (unsigned char)(i * 7 + 1);
}

/* An entry whose every byte says which key it belongs to and how long it
 * is, so a torn copy shows. */
static size_t
fill(unsigned i, unsigned char *d)
{
	size_t n = 16 + (i * 37) % 1000, j;

	for (j = 0; j < n; j++)
		d[j] = (unsigned char)(i + n);
	return n;
}

static int
check(unsigned i, const unsigned char *d, long n)
{
	unsigned char want[SCACHE_DATA_MAX];
	size_t w = fill(i, want);

	return n == (long)w && memcmp(d, want, w) == 0;
}

/* One process: puts and gets keys of a small range (so the processes
 * collide on the same sets); exits 1 on a torn or foreign entry. */
static int
hammer(struct scache *sc, unsigned seed)
{
	unsigned char k[SCACHE_KEY_LEN], d[SCACHE_DATA_MAX], got[SCACHE_DATA_MAX];
	unsigned r, i, hits = 0;
	long n;

	for (r = 0; r < ROUNDS; r++) {
		i = (seed * 7919u + r * 31u) % 64u;
		key_of(i, k);
		n = scache_get(sc, k, scache_gen(sc), 100.0, got, sizeof(got));
		if (n >= 0) {
			if (!check(i, got, n))
				return 1;
			hits++;
		} else {
			scache_put(sc, k, scache_gen(sc), 0.0, 1000.0, d,
			    fill(i, d));
		}
	}
	return hits > 0 ? 0 : 2;
}

int
main(void)
{
	struct scache *sc;
	unsigned char k[SCACHE_KEY_LEN], k2[SCACHE_KEY_LEN];
	unsigned char d[SCACHE_DATA_MAX + 8], got[SCACHE_DATA_MAX];
	uint64_t g, hits, misses, puts;
	pid_t pid[PROCS];
	int i, st, bad = 0;
	unsigned u, found;

	ok(scache_new(0) == NULL, "0 slots: no cache");
	sc = scache_new(64);
	ok(sc != NULL, "a cache of 64 slots");
	g = scache_gen(sc);
	key_of(1, k);
	key_of(2, k2);
	memset(d, 'a', sizeof(d));

	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), -1, "empty: miss");
	scache_put(sc, k, g, 5.0, 20.0, "hello", 5);
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), 5, "hit: 5 bytes");
	ok(memcmp(got, "hello", 5) == 0, "... the bytes stored");
	is(scache_get(sc, k2, g, 10.0, got, sizeof(got)), -1,
	    "another key: miss");
	is(scache_get(sc, k, g, 4.0, got, sizeof(got)), -1,
	    "before the window: miss");
	is(scache_get(sc, k, g, 21.0, got, sizeof(got)), -1,
	    "after the window: miss");
	is(scache_get(sc, k, g, 20.0, got, sizeof(got)), 5,
	    "at the window's end: hit");
	is(scache_get(sc, k, g, 10.0, got, 4), -1,
	    "no room for the entry: miss");

	/* Flushes: a key change, and a reload published by the supervisor. */
	scache_flush(sc);
	ok(scache_gen(sc) == g + 1, "flush: a new generation");
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), -1,
	    "flushed: the old generation misses");
	is(scache_get(sc, k, g + 1, 10.0, got, sizeof(got)), -1,
	    "flushed: nothing under the new one");
	scache_put(sc, k, g, 5.0, 20.0, "stale", 5);
	is(scache_get(sc, k, g + 1, 10.0, got, sizeof(got)), -1,
	    "a put under a generation read before the flush is dropped");
	g = scache_gen(sc);
	scache_put(sc, k, g, 5.0, 20.0, "fresh", 5);
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), 5,
	    "a put under the current generation counts");
	u = (unsigned)scache_cfg_gen(sc);
	scache_cfg_bump(sc);
	ok(scache_cfg_gen(sc) == u + 1, "reload: a new configuration generation");
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), -1,
	    "reload: everything before it is gone");
	g = scache_gen(sc);

	/* Bounds. */
	scache_put(sc, k, g, 0.0, 20.0, d, SCACHE_DATA_MAX + 1);
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), -1,
	    "too large an entry is not stored");
	scache_put(sc, k, g, 0.0, 20.0, d, SCACHE_DATA_MAX);
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), SCACHE_DATA_MAX,
	    "the largest entry is");
	/* 4-way sets: 48 keys in 16 sets of 4 mostly stay. */
	for (u = 100; u < 148; u++) {
		key_of(u, k);
		scache_put(sc, k, g, 0.0, 20.0, d, fill(u, d));
	}
	for (u = 100, found = 0; u < 148; u++) {
		long n;

		key_of(u, k);
		n = scache_get(sc, k, g, 10.0, got, sizeof(got));
		found += n >= 0 && check(u, got, n);
	}
	ok(found >= 36, "most of 48 keys found in 64 slots");
	diag("%u of 48 found", found);

	/* Four processes on the same sets. */
	scache_flush(sc);
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(hammer(sc, (unsigned)i + 1));
	}
	for (i = 0; i < PROCS; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &st, 0) != pid[i] ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	is(bad, 0, "4 processes: no torn or foreign entry, and each hit");
	scache_stats(sc, &hits, &misses, &puts);
	ok(hits > 0 && puts > 0, "the counters are shared");
	diag("hits %llu, misses %llu, puts %llu", (unsigned long long)hits,
	    (unsigned long long)misses, (unsigned long long)puts);
	/* What one process stored, another finds. */
	g = scache_gen(sc);
	key_of(999, k);
	pid[0] = fork();
	if (pid[0] == 0) {
		scache_put(sc, k, g, 0.0, 20.0, "child", 5);
		_exit(0);
	}
	waitpid(pid[0], &st, 0);
	is(scache_get(sc, k, g, 10.0, got, sizeof(got)), 5,
	    "an entry another process stored is found");
	scache_free(sc);
	return done_testing();
}
