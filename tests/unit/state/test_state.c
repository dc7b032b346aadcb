/* test_state.c - the mint's shared state (src/lib/state/): issue and
 * revoke by jti, sub and client (with the RFC 7009 owner filter), suspend
 * and resume, INVALID final, blocked clients, replay, unique indexes,
 * reuse only after reuse_at, range growth, the list's LSB-first bytes,
 * processes sharing it (fork), a holder killed mid-run.
 *
 * Embedded always: a file in a temporary directory; reopening it sees the
 * same state, a file of another layout is refused. Redis too when
 * JF_TEST_REDIS holds a URL (tests/state_redis.bats starts a server and
 * sets it); each run uses its own key prefix.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oauth/slist.h"
#include "state/state.h"
#include "tap.h"

#define MANY 3000u

static char dir[64];
static const char *redis_url;
static char prefix[64];
static int64_t T0;
static struct jf_msg last;      /* issue()'s reason */

static int
opn(struct st **s, const char *name, uint32_t max, int bits,
	struct jf_msg *m)
{
	static char pfx[128];
	char path[128];
	struct st_opts o = { 0 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.url = redis_url;
	o.path = path;
	/* One prefix per store name: stores of a run never share keys. */
	snprintf(pfx, sizeof(pfx), "%s%s:", prefix, name);
	o.prefix = pfx;
	o.max_live = max;
	o.bits = bits;
	o.timeout_ms = 3000;
	memset(m, 0, sizeof(*m));
	return st_open(s, &o, m);
}

static int
issue(struct st *s, const char *jti, const char *sub, const char *client,
	int64_t now, int64_t life, uint32_t *idx)
{
	struct st_token t = { jti, sub, client, now + life, now + life + 5,
		now + life + 2 };

	memset(&last, 0, sizeof(last));
	return st_issue(s, &t, now, idx, &last);
}

/* Status idx as the draft reads the bytes published at now. */
static int
status_at(struct st *s, int bits, uint32_t idx, int64_t now)
{
	unsigned char *b = NULL;
	size_t nb;
	uint32_t n;
	uint64_t gen;
	struct jf_msg m;
	int v;

	if (st_list(s, now, &b, &nb, &n, &gen, &m) != JF_OK || idx >= n)
		return -1;
	v = (b[idx * bits / 8] >> ((idx * bits) % 8)) & ((1 << bits) - 1);
	free(b);
	return v;
}

static int
status_of(struct st *s, int bits, uint32_t idx)
{
	return status_at(s, bits, idx, T0);
}

/* st_list's gen at now, checked against st_gen's (0 when they differ). */
static uint64_t
gen_at(struct st *s, int64_t now)
{
	unsigned char *b = NULL;
	size_t nb;
	uint32_t n;
	uint64_t gen = 0, g2 = 1;
	struct jf_msg m;

	if (st_list(s, now, &b, &nb, &n, &gen, &m) == JF_OK)
		free(b);
	if (st_gen(s, now, &g2, &m) != JF_OK || g2 != gen) {
		diag("st_gen %llu, st_list %llu", (unsigned long long)g2,
		    (unsigned long long)gen);
		return 0;
	}
	return gen;
}

static uint64_t
gen_of(struct st *s)
{
	return gen_at(s, T0);
}

static void
t_revoke(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t a, b, c, d;
	size_t n = 9;
	uint64_t g;

	is(opn(&s, "rv", 4096, 2, &m), JF_OK, "open");
	if (s == NULL)
		return;
	is_str(st_kind(s), redis_url ? "redis" : "embedded", "kind");
	is(issue(s, "j-a", "alice", "c1", T0, 300, &a), JF_OK, "issue a");
	is(issue(s, "j-b", "alice", "c1", T0, 300, &b), JF_OK, "issue b");
	is(issue(s, "j-c", "alice", "c2", T0, 300, &c), JF_OK, "issue c");
	is(issue(s, "j-d", "bob", "c2", T0, 300, &d), JF_OK, "issue d");
	is(status_of(s, 2, a), SLIST_VALID, "new token VALID");
	g = gen_of(s);
	ok(g != 0, "st_gen and st_list give one gen");
	is(st_set_status(s, ST_BY_JTI, "j-a", NULL, SLIST_INVALID, T0, &n, &m),
	    JF_OK, "revoke by jti");
	is(n, 1, "one changed");
	is(status_of(s, 2, a), SLIST_INVALID, "a INVALID");
	is(status_of(s, 2, b), SLIST_VALID, "b untouched");
	ok(gen_of(s) != g && gen_of(s) != 0, "gen changed (st_gen agrees)");
	g = gen_of(s);
	is(st_set_status(s, ST_BY_JTI, "j-a", NULL, SLIST_INVALID, T0, &n, &m),
	    JF_OK, "revoke again");
	is(n, 0, "nothing changed");
	ok(gen_of(s) == g, "gen unchanged by a no-op");
	is(st_set_status(s, ST_BY_JTI, "nope", NULL, SLIST_INVALID, T0, &n, &m),
	    JF_OK, "unknown jti is not an error");
	is(n, 0, "unknown jti changes nothing");
	/* RFC 7009: c2 revoking alice's tokens reaches only its own. */
	is(st_set_status(s, ST_BY_SUB, "alice", "c2", SLIST_INVALID, T0, &n,
	    &m), JF_OK, "revoke by sub, owner c2");
	is(n, 1, "only c2's token of alice");
	is(status_of(s, 2, b), SLIST_VALID, "c1's token of alice untouched");
	is(status_of(s, 2, c), SLIST_INVALID, "c2's token of alice revoked");
	is(st_set_status(s, ST_BY_JTI, "j-b", "c2", SLIST_INVALID, T0, &n, &m),
	    JF_OK, "c2 revoking c1's jti");
	is(n, 0, "refused silently (RFC 7009 §2.1)");
	is(status_of(s, 2, b), SLIST_VALID, "b still VALID");
	/* Suspend, resume, and INVALID final. */
	is(st_set_status(s, ST_BY_CLIENT, "c1", NULL, SLIST_SUSPENDED, T0, &n,
	    &m), JF_OK, "suspend c1");
	is(n, 1, "only the VALID one suspended (a is INVALID)");
	is(status_of(s, 2, b), SLIST_SUSPENDED, "b SUSPENDED");
	is(status_of(s, 2, a), SLIST_INVALID, "a stays INVALID");
	is(st_set_status(s, ST_BY_CLIENT, "c1", NULL, SLIST_VALID, T0, &n, &m),
	    JF_OK, "resume c1");
	is(n, 1, "b resumed");
	is(status_of(s, 2, b), SLIST_VALID, "b VALID again");
	is(status_of(s, 2, a), SLIST_INVALID, "INVALID is final");
	is(st_set_status(s, ST_BY_CLIENT, "c2", NULL, SLIST_INVALID, T0, &n,
	    &m), JF_OK, "revoke client c2");
	is(n, 1, "d revoked (c already was)");
	is(status_of(s, 2, d), SLIST_INVALID, "d INVALID");
	/* An expired, not yet reusable token is no longer live. */
	is(st_set_status(s, ST_BY_JTI, "j-b", NULL, SLIST_INVALID, T0 + 1000,
	    &n, &m), JF_OK, "revoke after reuse_at");
	is(n, 0, "a token past reuse_at is not live");
	is(st_set_status(s, 7, "x", NULL, 5, T0, &n, &m), JF_E_INTERNAL,
	    "status 5 refused");
	st_free(s);
}

/* A revoked token's bit is published until its expires_at only: a list
 * cached after that must not refuse the index's next holder. The index
 * stays taken until reuse_at. issue(): exp T0+100, expires_at T0+102,
 * reuse_at T0+105. */
static void
t_expiry(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t a = 0, b = 0, live = 0, range = 0;
	size_t n = 9;
	uint64_t g, g2;

	is(opn(&s, "ex", 1, 2, &m), JF_OK, "open max_live 1");
	if (s == NULL)
		return;
	is(issue(s, "x-a", "s", "c", T0, 100, &a), JF_OK, "issue");
	is(st_set_status(s, ST_BY_JTI, "x-a", NULL, SLIST_INVALID, T0, &n,
	    &m), JF_OK, "revoke");
	is(status_at(s, 2, a, T0 + 101), SLIST_INVALID,
	    "INVALID before expires_at");
	g = gen_at(s, T0 + 101);
	ok(g != 0, "gen (st_gen agrees)");
	is(gen_at(s, T0 + 101), g, "gen steady before expires_at");
	g2 = gen_at(s, T0 + 102);
	ok(g2 != g && g2 != 0, "gen changed at expires_at (st_gen agrees)");
	is(status_at(s, 2, a, T0 + 102), SLIST_VALID,
	    "published VALID from expires_at on");
	is(gen_at(s, T0 + 103), g2, "gen steady after");
	is(st_count(s, T0 + 103, &live, &range, &m), JF_OK, "count");
	is(live, 1, "the index is still taken");
	is(issue(s, "x-b", "s", "c", T0 + 103, 100, &b), JF_E_UNAVAILABLE,
	    "not reusable before reuse_at");
	is(st_set_status(s, ST_BY_JTI, "x-a", NULL, SLIST_INVALID, T0 + 103,
	    &n, &m), JF_OK, "revoke the expired token");
	is(n, 0, "an expired token changes nothing");
	is(status_at(s, 2, a, T0 + 103), SLIST_VALID, "still VALID");
	is(issue(s, "x-b", "s", "c", T0 + 105, 100, &b), JF_OK,
	    "reused at reuse_at");
	is(b, a, "the same index");
	is(status_at(s, 2, b, T0 + 105), SLIST_VALID, "its new token VALID");
	/* Suspended, then resumed: no clearing left pending that touches
	 * the next status. */
	is(st_set_status(s, ST_BY_JTI, "x-b", NULL, SLIST_SUSPENDED, T0 + 106,
	    &n, &m), JF_OK, "suspend");
	is(st_set_status(s, ST_BY_JTI, "x-b", NULL, SLIST_VALID, T0 + 106,
	    &n, &m), JF_OK, "resume");
	is(st_set_status(s, ST_BY_JTI, "x-b", NULL, SLIST_INVALID, T0 + 150,
	    &n, &m), JF_OK, "revoke");
	is(status_at(s, 2, b, T0 + 150), SLIST_INVALID, "INVALID until "
	    "its expires_at");
	is(status_at(s, 2, b, T0 + 207), SLIST_VALID, "VALID after");
	st_free(s);
}

static void
t_bits1(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t i;
	size_t n;

	is(opn(&s, "b1", 64, 1, &m), JF_OK, "open 1-bit");
	if (s == NULL)
		return;
	is(issue(s, "j1", "s", "c", T0, 60, &i), JF_OK, "issue");
	is(st_set_status(s, ST_BY_JTI, "j1", NULL, SLIST_SUSPENDED, T0, &n, &m),
	    JF_E_INVALID_REQUEST, "no suspension in a 1-bit list");
	ok(strstr(m.s, "status_bits = 2") != NULL, "says why");
	is(st_set_status(s, ST_BY_JTI, "j1", NULL, SLIST_INVALID, T0, &n, &m),
	    JF_OK, "revoke");
	is(status_of(s, 1, i), SLIST_INVALID, "bit set");
	st_free(s);
}

static void
t_layout(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	unsigned char *b = NULL, want[2048];
	size_t nb, n, k;
	uint32_t idx[40], cnt, i;
	uint64_t gen;
	char j[32];

	is(opn(&s, "lay", 8192, 2, &m), JF_OK, "open");
	if (s == NULL)
		return;
	memset(want, 0, sizeof(want));
	for (k = 0; k < 40; k++) {
		snprintf(j, sizeof(j), "lay-%zu", k);
		if (issue(s, j, "s", "c", T0, 60, &idx[k]) != JF_OK)
			break;
		if (k % 3 == 0 && st_set_status(s, ST_BY_JTI, j, NULL,
		    SLIST_INVALID, T0, &n, &m) == JF_OK)
			want[idx[k] / 4] |= (unsigned char)(1 << (idx[k] % 4 * 2));
		if (k % 3 == 1 && st_set_status(s, ST_BY_JTI, j, NULL,
		    SLIST_SUSPENDED, T0, &n, &m) == JF_OK)
			want[idx[k] / 4] |= (unsigned char)(2 << (idx[k] % 4 * 2));
	}
	is(k, 40, "40 issued");
	is(st_list(s, T0, &b, &nb, &cnt, &gen, &m), JF_OK, "list");
	is(cnt, ST_LIST_MIN, "range starts at ST_LIST_MIN");
	is(nb, ST_LIST_MIN * 2 / 8, "ceil(n * bits / 8) bytes");
	ok(b != NULL && memcmp(b, want, nb) == 0,
	    "bytes: status i at bits [2i, 2i+2) from the LSB of byte 0");
	for (i = 0; b != NULL && i < nb && memcmp(b, want, nb) != 0; i++)
		if (b[i] != want[i])
			diag("byte %u: got %02x want %02x", i, b[i], want[i]);
	free(b);
	st_free(s);
}

static void
t_many(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	unsigned char *seen;
	uint32_t i, k, live, range, dup = 0, out = 0, bad = 0, hi = 0;
	char j[32];

	is(opn(&s, "many", 1u << 14, 1, &m), JF_OK, "open");
	if (s == NULL)
		return;
	seen = calloc(1u << 14, 1);
	for (k = 0; k < MANY; k++) {
		snprintf(j, sizeof(j), "many-%u", k);
		if (issue(s, j, "s", "c", T0, 600, &i) != JF_OK) {
			bad++;
			continue;
		}
		if (i >= (1u << 14)) {
			out++;
			continue;
		}
		dup += seen[i];
		seen[i] = 1;
		if (i > hi)
			hi = i;
		if (k == 511 || k == 512) {
			st_count(s, T0, &live, &range, &m);
			diag("after %u issues: live %u, range %u", k + 1,
			    live, range);
		}
	}
	is(bad, 0, "every issue succeeded");
	is(dup, 0, "no index handed out twice");
	is(out, 0, "every index within max_live");
	is(st_count(s, T0, &live, &range, &m), JF_OK, "count");
	is(live, MANY, "live = issued");
	/* 1024 -> 2048 at 513, 4096 at 1025, 8192 at 2049: doubling while
	 * more than half full. */
	is(range, 8192, "range doubled to 8192 for 3000 live");
	ok(hi < range, "every index within the range");
	ok(hi >= range / 2, "indexes spread over the range");
	free(seen);
	st_free(s);
}

static void
t_reuse(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t idx[8], i, live, range, n_ok = 0;
	size_t n, k;
	char j[32];
	int all_valid = 1;

	is(opn(&s, "reuse", 4, 2, &m), JF_OK, "open max_live 4");
	if (s == NULL)
		return;
	for (k = 0; k < 4; k++) {
		snprintf(j, sizeof(j), "r-%zu", k);
		n_ok += issue(s, j, "s", "c", T0, 10, &idx[k]) == JF_OK;
	}
	is(n_ok, 4, "4 issued");
	is(st_count(s, T0, &live, &range, &m), JF_OK, "count");
	is(range, 4, "range capped at max_live");
	is(st_set_status(s, ST_BY_SUB, "s", NULL, SLIST_INVALID, T0, &n, &m),
	    JF_OK, "revoke all");
	is(n, 4, "4 revoked");
	is(issue(s, "r-x", "s", "c", T0 + 14, 10, &i), JF_E_UNAVAILABLE,
	    "full until reuse_at (exp + 5)");
	ok(strstr(last.s, "max_live_tokens") != NULL, "with a reason");
	diag("%s", last.s);
	n_ok = 0;
	for (k = 4; k < 8; k++) {
		snprintf(j, sizeof(j), "r-%zu", k);
		n_ok += issue(s, j, "s2", "c", T0 + 15, 10, &idx[k]) == JF_OK;
	}
	is(n_ok, 4, "4 reused at reuse_at");
	for (k = 4; k < 8; k++)
		if (status_of(s, 2, idx[k]) != SLIST_VALID)
			all_valid = 0;
	ok(all_valid, "reused indexes are VALID again");
	is(st_set_status(s, ST_BY_SUB, "s", NULL, SLIST_INVALID, T0 + 15, &n,
	    &m), JF_OK, "revoke the old subject");
	is(n, 0, "its tokens are gone with their indexes");
	st_free(s);
}

static void
t_block_replay(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	int b = -1;

	is(opn(&s, "blk", 64, 2, &m), JF_OK, "open");
	if (s == NULL)
		return;
	is(st_blocked(s, "c1", &b, &m), JF_OK, "blocked?");
	is(b, 0, "not blocked");
	is(st_block(s, "c1", 1, &m), JF_OK, "block c1");
	is(st_block(s, "c1", 1, &m), JF_OK, "block c1 again");
	st_blocked(s, "c1", &b, &m);
	is(b, 1, "c1 blocked");
	st_blocked(s, "c2", &b, &m);
	is(b, 0, "c2 not blocked");
	is(st_block(s, "c1", 0, &m), JF_OK, "unblock c1");
	st_blocked(s, "c1", &b, &m);
	is(b, 0, "c1 unblocked");
	is(st_block(s, "c1", 1, &m), JF_OK, "block c1 once more");
	st_blocked(s, "c1", &b, &m);
	is(b, 1, "c1 blocked again");
	is(st_block(s, "", 1, &m), JF_E_INVALID_REQUEST, "empty client");

	is(st_replay(s, "c1", "a-1", T0 + 60, T0, &m), JF_OK, "first use");
	is(st_replay(s, "c1", "a-1", T0 + 60, T0 + 1, &m), JF_E_INVALID_CLIENT,
	    "second use refused");
	ok(strstr(m.s, "single-use") != NULL, "says why");
	is(st_replay(s, "c2", "a-1", T0 + 60, T0 + 1, &m), JF_OK,
	    "same jti, other client");
	is(st_replay(s, "c", "1a-1", T0 + 60, T0 + 1, &m), JF_OK,
	    "client c, jti 1a-1 is another pair than c1, a-1");
	is(st_replay(s, "c1", "a-1", T0 + 120, T0 + 61, &m), JF_OK,
	    "usable again once expired");
	is(st_replay(s, "c1", "a-1", T0 + 120, T0 + 62, &m),
	    JF_E_INVALID_CLIENT, "and remembered again");
	st_free(s);
}

/* Two processes issuing at once never get the same index. */
static void
t_fork(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	int p[2][2], st, c, dup = 0, got = 0;
	unsigned char *seen;
	pid_t pid[2];
	uint32_t i;
	char j[32];
	FILE *f;

	is(opn(&s, "fork", 1u << 14, 1, &m), JF_OK, "open");
	if (s == NULL)
		return;
	for (c = 0; c < 2; c++) {
		if (pipe(p[c]) != 0 || (pid[c] = fork()) < 0)
			return;
		if (pid[c] == 0) {
			close(p[c][0]);
			f = fdopen(p[c][1], "w");
			if (st_reopen(s, &m) != JF_OK)
				_exit(2);
			for (i = 0; i < 1000; i++) {
				uint32_t x;
				snprintf(j, sizeof(j), "f%d-%u", c, i);
				if (issue(s, j, "s", "c", T0, 600, &x) != JF_OK)
					_exit(3);
				fprintf(f, "%u\n", x);
			}
			fclose(f);
			st_free(s);     /* closes the child's connection */
			_exit(0);
		}
		close(p[c][1]);
	}
	seen = calloc(1u << 14, 1);
	for (c = 0; c < 2; c++) {
		f = fdopen(p[c][0], "r");
		while (fscanf(f, "%u", &i) == 1 && i < (1u << 14)) {
			dup += seen[i];
			seen[i] = 1;
			got++;
		}
		fclose(f);
		waitpid(pid[c], &st, 0);
		ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child issued 1000");
	}
	is(got, 2000, "2000 indexes");
	is(dup, 0, "no index given to both processes");
	free(seen);
	st_free(s);
}

/* A process killed while it may hold the lock leaves it usable. */
static void
t_killed(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	struct timespec ts = { 0, 50 * 1000000L };
	uint32_t i, k;
	size_t n;
	pid_t pid;
	char j[32];

	is(opn(&s, "kill", 1u << 14, 1, &m), JF_OK, "open");
	if (s == NULL)
		return;
	if ((pid = fork()) == 0) {
		if (st_reopen(s, &m) != JF_OK)
			_exit(2);
		for (k = 0; k < 10000000u; k++) {
			snprintf(j, sizeof(j), "k-%u", k);
			if (issue(s, j, "s", "c", T0, 1, &i) != JF_OK)
				_exit(0);
			st_set_status(s, ST_BY_SUB, "nobody", NULL,
			    SLIST_INVALID, T0, &n, &m);
		}
		_exit(0);
	}
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	is(issue(s, "after-kill", "s", "c", T0 + 10, 60, &i), JF_OK,
	    "issue after a holder was killed");
	st_free(s);
}

/* Redis: mints with different max_live_tokens share one range. */
static void
t_two_max(void)
{
	struct st *a = NULL, *b = NULL;
	struct jf_msg m;
	uint32_t i, k, live, range, bad = 0, hi = 0;
	char j[32];

	is(opn(&a, "mx", 1024, 2, &m), JF_OK, "mint A, max 1024");
	is(opn(&b, "mx", 8192, 2, &m), JF_OK, "mint B, max 8192");
	if (a == NULL || b == NULL)
		goto out;
	for (k = 0; k < 3000; k++) {
		snprintf(j, sizeof(j), "mx-b-%u", k);
		bad += issue(b, j, "s", "c", T0, 600, &i) != JF_OK;
	}
	is(bad, 0, "B issues 3000");
	is(st_count(a, T0, &live, &range, &m), JF_OK, "A counts");
	is(range, 8192, "A sees B's range");
	is(issue(a, "mx-a", "s", "c", T0, 600, &i), JF_E_UNAVAILABLE,
	    "A refuses: more than its max_live live");
	for (k = 0; k < 200; k++) {
		snprintf(j, sizeof(j), "mx-a-%u", k);
		if (issue(a, j, "s", "c", T0 + 700, 600, &i) != JF_OK)
			bad++;
		else if (i > hi)
			hi = i;
	}
	is(bad, 0, "A issues once they expired");
	ok(hi >= 1024, "A draws in the whole shared range");
	is(status_of(a, 2, hi), SLIST_VALID, "A's list covers it");
out:
	st_free(a);
	st_free(b);
}

static void
t_reopen(void)
{
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t i, j2, live, range;
	uint64_t g;
	size_t n;
	char path[128];
	int fd;
	struct stat sb;

	is(opn(&s, "ro", 2048, 2, &m), JF_OK, "open");
	if (s == NULL)
		return;
	issue(s, "ro-1", "s", "c", T0, 600, &i);
	issue(s, "ro-2", "s", "c", T0, 600, &j2);
	st_set_status(s, ST_BY_JTI, "ro-1", NULL, SLIST_INVALID, T0, &n, &m);
	st_block(s, "bad", 1, &m);
	st_replay(s, "c", "once", T0 + 60, T0, &m);
	g = gen_of(s);
	st_free(s);
	s = NULL;
	is(opn(&s, "ro", 2048, 2, &m), JF_OK, "reopen");
	if (s == NULL)
		return;
	{
		/* A second opener while the first holds its mapping (the
		 * CLI beside a running mint): no flock left behind. */
		struct st *s2 = NULL;

		alarm(20);
		is(opn(&s2, "ro", 2048, 2, &m), JF_OK, "open it twice at once");
		alarm(0);
		if (s2 != NULL)
			is(status_of(s2, 2, i), SLIST_INVALID,
			    "the second handle sees the same list");
		st_free(s2);
	}
	is(status_of(s, 2, i), SLIST_INVALID, "revocation kept");
	is(status_of(s, 2, j2), SLIST_VALID, "valid kept");
	ok(g != 0 && gen_of(s) == g, "gen kept");
	st_count(s, T0, &live, &range, &m);
	is(live, 2, "live tokens kept");
	{
		int b = 0;
		st_blocked(s, "bad", &b, &m);
		is(b, 1, "block kept");
	}
	is(st_replay(s, "c", "once", T0 + 60, T0 + 1, &m), JF_E_INVALID_CLIENT,
	    "replay kept");
	st_free(s);
	if (redis_url != NULL) {
		s = NULL;
		is(opn(&s, "ro", 2048, 1, &m), JF_E_CONFIG,
		    "other status_bits refused");
		ok(strstr(m.s, "status_bits") != NULL, "says which");
		st_free(s);
		t_two_max();
		return;
	}
	snprintf(path, sizeof(path), "%s/ro", dir);
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "file 0600");
	s = NULL;
	is(opn(&s, "ro", 4096, 2, &m), JF_E_CONFIG, "other max_live refused");
	ok(strstr(m.s, "max_live_tokens = 2048") != NULL, "says which");
	diag("%s", m.s);
	is(opn(&s, "ro", 2048, 1, &m), JF_E_CONFIG, "other bits refused");
	ok(strstr(m.s, "status_bits = 2") != NULL, "says which");
	/* A file of the layout before expires_at (version 1) is refused. */
	{
		char from[128];
		FILE *in, *out;
		uint32_t one = 1;
		int c;

		snprintf(from, sizeof(from), "%s/ro", dir);
		snprintf(path, sizeof(path), "%s/v1", dir);
		in = fopen(from, "rb");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		out = fd >= 0 ? fdopen(fd, "wb") : NULL;
		while (in != NULL && out != NULL && (c = getc(in)) != EOF)
			putc(c, out);
		if (out != NULL && fseek(out, 8, SEEK_SET) == 0)
			fwrite(&one, sizeof(one), 1, out);
		if (in != NULL)
			fclose(in);
		if (out != NULL)
			fclose(out);
		is(opn(&s, "v1", 2048, 2, &m), JF_E_CONFIG,
		    "a version 1 file refused");
		ok(strstr(m.s, "version 2") != NULL, "says which");
		diag("%s", m.s);
	}
	snprintf(path, sizeof(path), "%s/junk", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (i = 0; fd >= 0 && i < 2000; i++)
		(void)!write(fd, "junkjunk", 8);
	if (fd >= 0)
		close(fd);
	is(opn(&s, "junk", 2048, 2, &m), JF_E_CONFIG, "not a state file");
	diag("%s", m.s);
	chmod(path, 0644);
	is(opn(&s, "junk", 2048, 2, &m), JF_E_CONFIG, "mode 0644 refused");
	ok(strstr(m.s, "0600") != NULL, "says why");
	is(opn(&s, "ro", 0, 2, &m), JF_E_CONFIG, "max_live 0 refused");
	is(opn(&s, "ro", 2048, 3, &m), JF_E_CONFIG, "bits 3 refused");
}

/* Redis URLs: what is refused before any connection, and a good URL
 * whose server does not answer: open succeeds, calls say 503, and no
 * message shows the password. */
static void
t_urls(void)
{
	static const char *const bad[] = {
		"http://127.0.0.1/", "rediss://127.0.0.1", "redis://",
		"redis://127.0.0.1:0", "redis://127.0.0.1:99999",
		"redis://127.0.0.1:x", "redis://127.0.0.1/abc",
		"redis://127.0.0.1/1?x=y", "redis://user@127.0.0.1",
		"redis://:p%zz@127.0.0.1", "redis://:p%00@127.0.0.1",
		"redis://[::1", "unix:relative.sock", "unix:/x.sock?db=a",
		"unix:/x.sock?dbx=1", "redis://127.0.0.1:6379junk",
	};
	struct st_opts o = { 0 };
	struct st *s = NULL;
	struct jf_msg m;
	uint32_t live, range;
	size_t i;

	o.max_live = 64;
	o.bits = 2;
	o.timeout_ms = 2000;
	o.path = "/nonexistent/unused";
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.url = bad[i];
		memset(&m, 0, sizeof(m));
		s = NULL;
		if (!ok(st_open(&s, &o, &m) == JF_E_CONFIG && s == NULL,
		    bad[i]))
			st_free(s);
		else
			diag("%s: %s", bad[i], m.s);
	}
	/* Port 1 on loopback: refused at once. */
	o.url = "redis://app:s3cr%40t@127.0.0.1:1/2";
	is(st_open(&s, &o, &m), JF_OK, "an unreachable server: open anyway");
	if (s == NULL)
		return;
	is_str(st_kind(s), "redis", "kind");
	is(st_count(s, T0, &live, &range, &m), JF_E_UNAVAILABLE,
	    "a call: 503");
	ok(strstr(m.s, "redis at 127.0.0.1:1") != NULL, "says where");
	ok(strstr(m.s, "s3cr") == NULL, "never the password");
	diag("%s", m.s);
	st_free(s);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_state.XXXXXX";

	T0 = (int64_t)time(NULL);
	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	redis_url = getenv("JF_TEST_REDIS");
	if (redis_url != NULL && redis_url[0] == '\0')
		redis_url = NULL;
	snprintf(prefix, sizeof(prefix), "jftest:%ld:%ld:", (long)getpid(),
	    (long)T0);
	diag("back end: %s", redis_url ? "redis" : "embedded");
	t_revoke();
	t_expiry();
	t_bits1();
	t_layout();
	t_many();
	t_reuse();
	t_block_replay();
	t_fork();
	t_killed();
	t_reopen();
	t_urls();
	{
		char cmd[96];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("could not remove %s", dir);
	}
	return done_testing();
}
