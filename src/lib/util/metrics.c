/* metrics.c - the shared values and their exposition (metrics.h).
 *
 * Slots are uint64_t in one MAP_SHARED mapping: a counter or a gauge
 * takes one per series; a histogram takes nle + 1 bucket counts (the
 * last one is +Inf, counted apart, made cumulative when written) and its
 * sum in microseconds, so that no float is ever added atomically.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "util/metrics.h"

#define MET_FAMILIES_MAX 64
#define MET_SERIES_MAX 256

struct met {
	const struct met_family *fam;
	size_t nfam;
	size_t off[MET_FAMILIES_MAX];   /* first slot of each family */
	uint64_t *v;                    /* the shared slots */
	size_t bytes;
};

/* An output buffer that remembers running out of room. */
struct met_out {
	char *p;
	size_t cap, len;
	int full;
};

static size_t met_width(const struct met_family *f);
static int met_name_ok(const char *s);
static void met_put(struct met_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void met_seconds(struct met_out *o, uint64_t us);
static void met_series(struct met_out *o, const struct met_family *f,
	const char *suffix, const char *labels, const char *le);
static void met_write_family(const struct met *g, size_t k,
	struct met_out *o);

/* Slots per series. */
static size_t
met_width(const struct met_family *f)
{
	return f->type == MET_HISTOGRAM ? f->nle + 2 : 1;
}

static int
met_name_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' ||
		    (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

enum jf_err
met_new(struct met **out, const struct met_family *fam, size_t nfam,
	struct jf_msg *m)
{
	struct met *g;
	size_t k, j, slots = 0;
	void *p;

	*out = NULL;
	if (nfam > MET_FAMILIES_MAX)
		return jf_fail(m, JF_E_INTERNAL, "metrics: %zu families, at "
		    "most %d", nfam, MET_FAMILIES_MAX);
	for (k = 0; k < nfam; k++) {
		const struct met_family *f = &fam[k];

		if (!met_name_ok(f->name) || f->help == NULL ||
		    strpbrk(f->help, "\\\n") != NULL || f->n == 0 ||
		    f->n > MET_SERIES_MAX || (f->n > 1 && f->label == NULL))
			return jf_fail(m, JF_E_INTERNAL, "metrics: family %zu "
			    "(%s): bad name, help or series", k,
			    f->name != NULL ? f->name : "?");
		if (f->type == MET_HISTOGRAM &&
		    (f->nle == 0 || f->nle > MET_BUCKETS_MAX))
			return jf_fail(m, JF_E_INTERNAL, "metrics: %s: 1 to %d "
			    "buckets", f->name, MET_BUCKETS_MAX);
		for (j = 1; f->type == MET_HISTOGRAM && j < f->nle; j++)
			if (f->le_us[j] <= f->le_us[j - 1])
				return jf_fail(m, JF_E_INTERNAL, "metrics: %s: "
				    "bucket bounds not ascending", f->name);
		slots += f->n * met_width(f);
	}
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	g->fam = fam;
	g->nfam = nfam;
	for (k = 0, slots = 0; k < nfam; k++) {
		g->off[k] = slots;
		slots += fam[k].n * met_width(&fam[k]);
	}
	g->bytes = (slots > 0 ? slots : 1) * sizeof(uint64_t);
	p = mmap(NULL, g->bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(g);
		return jf_fail(m, JF_E_NOMEM, "metrics: cannot map %zu bytes",
		    slots * sizeof(uint64_t));
	}
	g->v = p;
	*out = g;
	return JF_OK;
}

void
met_free(struct met *g)
{
	if (g == NULL)
		return;
	munmap(g->v, g->bytes);
	free(g);
}

void
met_add(struct met *g, size_t f, size_t i, uint64_t v)
{
	if (g == NULL || f >= g->nfam || i >= g->fam[f].n ||
	    g->fam[f].type != MET_COUNTER)
		return;
	__atomic_fetch_add(&g->v[g->off[f] + i], v, __ATOMIC_RELAXED);
}

void
met_set(struct met *g, size_t f, size_t i, int64_t v)
{
	if (g == NULL || f >= g->nfam || i >= g->fam[f].n ||
	    g->fam[f].type != MET_GAUGE)
		return;
	__atomic_store_n(&g->v[g->off[f] + i], (uint64_t)v, __ATOMIC_RELAXED);
}

void
met_observe(struct met *g, size_t f, size_t i, uint64_t us)
{
	const struct met_family *fam;
	uint64_t *s;
	size_t b;

	if (g == NULL || f >= g->nfam || i >= g->fam[f].n ||
	    g->fam[f].type != MET_HISTOGRAM)
		return;
	fam = &g->fam[f];
	s = &g->v[g->off[f] + i * met_width(fam)];
	for (b = 0; b < fam->nle && us > fam->le_us[b]; b++)
		;
	__atomic_fetch_add(&s[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s[fam->nle + 1], us, __ATOMIC_RELAXED);
}

uint64_t
met_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
met_put(struct met_out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->len) {
		o->full = 1;
		return;
	}
	o->len += (size_t)k;
}

/* us as decimal seconds, exactly: "0.00025", "1", "12.5". */
static void
met_seconds(struct met_out *o, uint64_t us)
{
	char frac[8];
	size_t n;

	if (us % 1000000u == 0) {
		met_put(o, "%" PRIu64, us / 1000000u);
		return;
	}
	snprintf(frac, sizeof(frac), "%06" PRIu64, us % 1000000u);
	for (n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	met_put(o, "%" PRIu64 ".%s", us / 1000000u, frac);
}

/* NAME+suffix{labels,le="..."} without the value. */
static void
met_series(struct met_out *o, const struct met_family *f, const char *suffix,
	const char *labels, const char *le)
{
	met_put(o, "%s%s", f->name, suffix);
	if (*labels == '\0' && le == NULL)
		return;
	met_put(o, "{%s%s", labels, *labels != '\0' && le != NULL ? "," : "");
	if (le != NULL)
		met_put(o, "le=\"%s\"", le);
	met_put(o, "}");
}

static void
met_write_family(const struct met *g, size_t k, struct met_out *o)
{
	const struct met_family *f = &g->fam[k];
	const char *suffix = f->type == MET_COUNTER ? "_total" : "";
	char labels[MET_LABELS_MAX], le[32];
	const uint64_t *s;
	uint64_t cum, sum;
	size_t i, b;

	met_put(o, "# HELP %s%s %s\n# TYPE %s%s %s\n", f->name, suffix,
	    f->help, f->name, suffix, f->type == MET_COUNTER ? "counter" :
	    f->type == MET_GAUGE ? "gauge" : "histogram");
	for (i = 0; i < f->n; i++) {
		labels[0] = '\0';
		if (f->label != NULL && !f->label(i, labels, sizeof(labels)))
			continue;
		s = &g->v[g->off[k] + i * met_width(f)];
		if (f->type == MET_COUNTER || f->type == MET_GAUGE) {
			met_series(o, f, suffix, labels, NULL);
			if (f->type == MET_COUNTER)
				met_put(o, " %" PRIu64 "\n",
				    __atomic_load_n(s, __ATOMIC_RELAXED));
			else
				met_put(o, " %" PRId64 "\n", (int64_t)
				    __atomic_load_n(s, __ATOMIC_RELAXED));
			continue;
		}
		for (b = 0, cum = 0; b <= f->nle; b++) {
			struct met_out lo = { le, sizeof(le), 0, 0 };

			cum += __atomic_load_n(&s[b], __ATOMIC_RELAXED);
			if (b < f->nle)
				met_seconds(&lo, f->le_us[b]);
			else
				met_put(&lo, "+Inf");
			met_series(o, f, "_bucket", labels, le);
			met_put(o, " %" PRIu64 "\n", cum);
		}
		sum = __atomic_load_n(&s[f->nle + 1], __ATOMIC_RELAXED);
		met_series(o, f, "_sum", labels, NULL);
		met_put(o, " ");
		met_seconds(o, sum);
		met_put(o, "\n");
		met_series(o, f, "_count", labels, NULL);
		met_put(o, " %" PRIu64 "\n", cum);
	}
}

size_t
met_write(const struct met *g, char *buf, size_t cap)
{
	struct met_out o = { buf, cap, 0, 0 };
	size_t k;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	for (k = 0; g != NULL && k < g->nfam; k++)
		met_write_family(g, k, &o);
	if (o.full) {
		buf[0] = '\0';
		return 0;
	}
	return o.len;
}

void
met_escape(const char *s, char *out, size_t room)
{
	size_t o = 0;

	if (room == 0)
		return;
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = c == '\\' ? "\\\\" : c == '"' ? "\\\"" :
		    c == '\n' ? "\\n" : NULL;

		if (e != NULL) {
			if (o + 3 > room)
				break;
			out[o++] = e[0];
			out[o++] = e[1];
			continue;
		}
		if (o + 2 > room)
			break;
		out[o++] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	out[o] = '\0';
}
