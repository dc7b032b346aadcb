/* metrics.h - counters, gauges and histograms every process of a program
 * shares, written in the Prometheus text exposition format (0.0.4).
 *
 * The families and their label sets are fixed when the program starts
 * (met_new, before the supervisor forks): no label value ever comes from
 * a request, so none can hold a token, a secret or an unbounded string.
 * The values live in one anonymous shared mapping, so a scrape answered
 * by any worker sees every worker's requests, the fetcher's fetches and
 * those of workers re-forked since. Recording is one relaxed atomic add:
 * no lock, no allocation, no formatting on the request path. Writing the
 * exposition reads each value once; a scrape racing requests may see a
 * histogram's buckets one request ahead of its sum, which Prometheus
 * tolerates (counts are derived from the buckets, so they always agree).
 */
#ifndef JF_METRICS_H
#define JF_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum met_type {
	MET_COUNTER,            /* written NAME_total */
	MET_GAUGE,              /* set, not added to */
	MET_HISTOGRAM           /* observations in microseconds, written in
	                         * seconds: NAME_bucket, NAME_sum, NAME_count */
};

/* The labels of series i of a family, as the text inside the braces
 * (`outcome="deny",reason="expired"`, values escaped by the caller), into
 * buf; 0 when the family has no series i (it is then never written). */
typedef int (*met_label_fn)(size_t i, char *buf, size_t cap);

#define MET_LABELS_MAX 256      /* bytes of one series' labels */
#define MET_BUCKETS_MAX 24

struct met_family {
	const char *name;       /* [a-z_]+, without _total */
	const char *help;       /* one line; '\\' and newlines not allowed */
	enum met_type type;
	size_t n;               /* series; 1 and label NULL: no labels */
	met_label_fn label;
	const uint64_t *le_us;  /* histograms: ascending upper bounds, in
	                         * microseconds, without +Inf */
	size_t nle;
};

struct met;

/* Checks the families (names, help, bucket bounds) and maps room for their
 * values, all zero. fam must outlive the registry. */
enum jf_err met_new(struct met **out, const struct met_family *fam,
	size_t nfam, struct jf_msg *m);
/* Unmaps this process's view; the others keep theirs. */
void met_free(struct met *g);

/* Counters: adds v to series i of family f. NULL g or a bad f, i: ignored
 * (a metric is never worth a crash). */
void met_add(struct met *g, size_t f, size_t i, uint64_t v);
/* Gauges: sets series i of family f. */
void met_set(struct met *g, size_t f, size_t i, int64_t v);
/* Histograms: one observation of us microseconds. */
void met_observe(struct met *g, size_t f, size_t i, uint64_t us);
/* Microseconds of CLOCK_MONOTONIC, for latencies. */
uint64_t met_now_us(void);

/* The exposition into buf (cap bytes, NUL-terminated). Returns its length,
 * or 0 when cap is too small. */
size_t met_write(const struct met *g, char *buf, size_t cap);

/* A label value made safe for the exposition (\\, \" and \n escaped,
 * bytes outside printable ASCII as '?'), into out of room bytes. */
void met_escape(const char *s, char *out, size_t room);

#endif
