/* state-drive.c - drives src/lib/state/ from a shell, for the Bats tests
 * (tests/state_redis.bats): several processes at once, a server killed
 * and restarted under a running one.
 *
 *   state-drive URL PREFIX issue N     N tokens; prints each index
 *   state-drive URL PREFIX loop SECS   one token every 50 ms for SECS s
 *                                      on one handle; prints "ok IDX" or
 *                                      "err HTTP-STATUS MESSAGE"
 *   state-drive URL PREFIX idle SECS   a token, SECS s idle, a token
 *   state-drive URL PREFIX revoke JTI  prints how many changed
 *   state-drive URL PREFIX count       prints "live N range N"
 *
 * Token k's jti is drive-$DRIVE_JTI-k (default: the PID for DRIVE_JTI).
 * URL "" is the embedded file $STATE_FILE. 2 status bits, 65536 live
 * tokens at most. Exit 0, or 3 on JF_E_UNAVAILABLE, 4 on JF_E_CONFIG, 1
 * otherwise, with "err HTTP-STATUS MESSAGE" on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oauth/slist.h"
#include "state/state.h"

static int
fail(enum jf_err rc, const struct jf_msg *m)
{
	fprintf(stderr, "err %d %s\n", jf_http_status(rc), m->s);
	return rc == JF_E_UNAVAILABLE ? 3 : rc == JF_E_CONFIG ? 4 : 1;
}

static enum jf_err
issue(struct st *s, long k, uint32_t *idx, struct jf_msg *m)
{
	char jti[64];
	int64_t now = (int64_t)time(NULL);
	struct st_token t = { jti, "drive", "drive-client", now + 300,
		now + 310, now + 305 };

	if (getenv("DRIVE_JTI") != NULL)
		snprintf(jti, sizeof(jti), "drive-%.20s-%ld",
		    getenv("DRIVE_JTI"), k);
	else
		snprintf(jti, sizeof(jti), "drive-%ld-%ld", (long)getpid(), k);
	return st_issue(s, &t, now, idx, m);
}

int
main(int argc, char **argv)
{
	struct st_opts o = { 0 };
	struct st *s = NULL;
	struct jf_msg m = { { 0 } };
	struct timespec pause = { 0, 50 * 1000000L };
	enum jf_err rc;
	uint32_t idx, live, range;
	size_t n;
	long k, count;
	time_t end;

	if (argc < 4) {
		fprintf(stderr, "usage: state-drive URL PREFIX "
		    "issue N|loop SECS|idle SECS|revoke JTI|count\n");
		return 2;
	}
	o.url = argv[1];
	o.prefix = argv[2];
	o.path = getenv("STATE_FILE");
	o.max_live = 65536;
	o.bits = 2;
	o.timeout_ms = 2000;
	if ((rc = st_open(&s, &o, &m)) != JF_OK)
		return fail(rc, &m);
	count = argc > 4 ? strtol(argv[4], NULL, 10) : 0;
	rc = JF_OK;
	if (strcmp(argv[3], "issue") == 0) {
		for (k = 0; k < count; k++) {
			if ((rc = issue(s, k, &idx, &m)) != JF_OK)
				break;
			printf("%u\n", idx);
		}
	} else if (strcmp(argv[3], "loop") == 0) {
		end = time(NULL) + count;
		for (k = 0; time(NULL) < end; k++) {
			if ((rc = issue(s, k, &idx, &m)) == JF_OK)
				printf("ok %u\n", idx);
			else
				printf("err %d %s\n", jf_http_status(rc), m.s);
			fflush(stdout);
			nanosleep(&pause, NULL);
		}
		rc = JF_OK;
	} else if (strcmp(argv[3], "idle") == 0) {
		if ((rc = issue(s, 0, &idx, &m)) == JF_OK) {
			printf("%u\n", idx);
			fflush(stdout);
			sleep((unsigned)count);
			if ((rc = issue(s, 1, &idx, &m)) == JF_OK)
				printf("%u\n", idx);
		}
	} else if (strcmp(argv[3], "revoke") == 0 && argc > 4) {
		rc = st_set_status(s, ST_BY_JTI, argv[4], NULL, SLIST_INVALID,
		    (int64_t)time(NULL), &n, &m);
		if (rc == JF_OK)
			printf("%zu\n", n);
	} else if (strcmp(argv[3], "count") == 0) {
		rc = st_count(s, (int64_t)time(NULL), &live, &range, &m);
		if (rc == JF_OK)
			printf("live %u range %u\n", live, range);
	} else {
		fprintf(stderr, "state-drive: unknown command %s\n", argv[3]);
		st_free(s);
		return 2;
	}
	st_free(s);
	return rc == JF_OK ? 0 : fail(rc, &m);
}
