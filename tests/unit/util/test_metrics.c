/* test_metrics.c - the shared metrics registry: exact Prometheus text
 * (HELP, TYPE, _total, cumulative buckets, +Inf, sum in seconds), values
 * shared with a forked child, refused definitions, a buffer too small. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/metrics.h"
#include "tap.h"

static int
labels(size_t i, char *buf, size_t cap)
{
	static const char *const v[] = { "ok", "expired", "skip" };

	if (i == 2)
		return 0;       /* never written */
	return snprintf(buf, cap, "outcome=\"%s\",reason=\"%s\"",
	    i == 0 ? "allow" : "deny", v[i]) > 0;
}

static const uint64_t le[] = { 250, 1000, 1500000 };
static const uint64_t down[] = { 10, 5 };

static const struct met_family fam[] = {
	{ "t_decisions", "Decisions.", MET_COUNTER, 3, labels, NULL, 0 },
	{ "t_hits", "Hits.", MET_COUNTER, 1, NULL, NULL, 0 },
	{ "t_age_seconds", "Age.", MET_GAUGE, 1, NULL, NULL, 0 },
	{ "t_duration_seconds", "Latency.", MET_HISTOGRAM, 1, NULL, le, 3 },
};

static const char want[] =
    "# HELP t_decisions_total Decisions.\n"
    "# TYPE t_decisions_total counter\n"
    "t_decisions_total{outcome=\"allow\",reason=\"ok\"} 3\n"
    "t_decisions_total{outcome=\"deny\",reason=\"expired\"} 1\n"
    "# HELP t_hits_total Hits.\n"
    "# TYPE t_hits_total counter\n"
    "t_hits_total 0\n"
    "# HELP t_age_seconds Age.\n"
    "# TYPE t_age_seconds gauge\n"
    "t_age_seconds -5\n"
    "# HELP t_duration_seconds Latency.\n"
    "# TYPE t_duration_seconds histogram\n"
    "t_duration_seconds_bucket{le=\"0.00025\"} 2\n"
    "t_duration_seconds_bucket{le=\"0.001\"} 3\n"
    "t_duration_seconds_bucket{le=\"1.5\"} 3\n"
    "t_duration_seconds_bucket{le=\"+Inf\"} 4\n"
    "t_duration_seconds_sum 2.0012\n"
    "t_duration_seconds_count 4\n";

int
main(void)
{
	struct met *g = NULL;
	struct jf_msg m;
	char buf[4096], esc[16];
	size_t n;
	pid_t pid;
	int st;
	static const struct met_family bad[] = {
		{ "Bad-Name", "x", MET_COUNTER, 1, NULL, NULL, 0 },
		{ "t_two", "no label function", MET_COUNTER, 2, NULL, NULL, 0 },
		{ "t_h", "back\\slash", MET_COUNTER, 1, NULL, NULL, 0 },
		{ "t_h", "descending", MET_HISTOGRAM, 1, NULL,
		    down, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.s[0] = '\0';
		is(met_new(&g, &bad[i], 1, &m), JF_E_INTERNAL, bad[i].help);
		ok(g == NULL, "nothing made");
	}
	is(met_new(&g, fam, 4, &m), JF_OK, "met_new");
	met_add(g, 0, 0, 2);
	met_add(g, 0, 1, 1);
	met_add(g, 0, 9, 1);            /* no such series: ignored */
	met_add(g, 3, 0, 1);            /* not a counter: ignored */
	met_set(g, 2, 0, -5);
	met_observe(g, 3, 0, 100);
	met_observe(g, 3, 0, 250);      /* le is inclusive */
	met_observe(g, 3, 0, 850);
	met_observe(g, 3, 0, 2000000);  /* over the last bound: +Inf only */
	/* A forked worker's add lands in the same slots. */
	pid = fork();
	if (pid == 0) {
		met_add(g, 0, 0, 1);
		_exit(0);
	}
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st),
	    "child ran");
	n = met_write(g, buf, sizeof(buf));
	is(n, strlen(want), "length");
	is_str(buf, want, "exposition");
	is(met_write(g, buf, 100), 0, "too small: 0");
	is_str(buf, "", "too small: empty");
	met_add(NULL, 0, 0, 1);         /* NULL registry: ignored */
	met_free(g);
	met_free(NULL);
	met_escape("a\"b\\c\nd\x01", esc, sizeof(esc));
	is_str(esc, "a\\\"b\\\\c\\nd?", "escape");
	met_escape("abcdef\"", esc, 8);
	is_str(esc, "abcdef", "escape: bounded, never half an escape");
	ok(met_now_us() > 0, "monotonic clock");
	return done_testing();
}
