/* fetcher.c - the background fetcher's loop (fetcher.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/fetch.h"
#include "net/fetcher.h"
#include "util/audit.h"
#include "util/log.h"

#define FETCHER_RETRY_MIN 1     /* seconds after a first failure */
#define FETCHER_IDLE_LOOK 3600  /* nothing due: look again within this */

struct fslot {
	int64_t due;
	unsigned fails;
	int skip;               /* the program does not name it: leave it */
};

/* One audit line per fetch: what, where, how it went, whether the
 * document changed (never its body). */
static void
fetcher_audit(const struct fetcher_ops *ops, int kind, const char *url,
	enum jf_err rc, const char *why, int changed, long every)
{
	struct json_object *o = audit_new("remote_fetch", time(NULL));
	const char *name = ops->kind_name != NULL ? ops->kind_name(kind) :
	    NULL;
	char buf[16];

	if (o == NULL)
		return;
	if (name == NULL) {
		snprintf(buf, sizeof(buf), "kind-%d", kind);
		name = buf;
	}
	audit_str(o, "kind", name);
	audit_str(o, "url", url);
	audit_str(o, "outcome", rc == JF_OK ? "ok" : "error");
	audit_str(o, "reason", rc == JF_OK ? NULL : why);
	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	json_object_object_add(o, "next_s", json_object_new_int64(every));
	audit_emit(o, rc == JF_OK ? LOG_LVL_INFO : LOG_LVL_WARN);
}

/* One look at slot i: stored, or the failure; returns the next look. */
static int64_t
fetcher_look(struct docs *d, const struct fetcher_ops *ops, int i, int kind,
	const struct fetcher_timing *t, struct fslot *f, int64_t now)
{
	struct jf_msg m;
	struct docs_info before, after;
	char *out = NULL, url[FETCH_URL_MAX + 1];
	long age = -1, every;
	enum jf_err rc;

	m.s[0] = '\0';
	docs_url_copy(d, i, url, sizeof(url));
	rc = ops->resolve(ops->arg, kind, url, &out, &age, &m);
	if (rc == JF_E_NOT_FOUND) {
		f->skip = 1;
		free(out);
		return now + FETCHER_IDLE_LOOK;
	}
	if (rc == JF_OK) {
		f->fails = 0;
		every = age < 0 ? t->refresh : age;
		if (every < t->refresh_min)
			every = t->refresh_min;
		if (every > t->refresh)
			every = t->refresh;
		docs_info(d, i, &before);
		docs_put(d, i, url, out, strlen(out), now, now + every);
		docs_info(d, i, &after);
		fetcher_audit(ops, kind, url, rc, NULL,
		    after.gen != before.gen, every);
	} else {
		/* Errors are never cached: soon again, backing off. */
		every = (long)FETCHER_RETRY_MIN << (f->fails < 10 ? f->fails :
		    10);
		if (every > t->refresh_min)
			every = t->refresh_min;
		f->fails++;
		docs_fail(d, i, url, m.s, now, now + every);
		fetcher_audit(ops, kind, url, rc, m.s, 0, every);
	}
	free(out);
	return now + every;
}

void
fetcher_run(struct docs *d, const struct fetcher_ops *ops)
{
	struct fetcher_timing t;
	struct fslot *fs;
	size_t n = docs_slots(d), i;
	int64_t now, next, wait_ms;
	int kind, asked, w;

	if ((fs = calloc(n, sizeof(*fs))) == NULL) {
		log_error("fetcher: out of memory");
		return;
	}
	for (;;) {
		if (ops->rebind(ops->arg))
			memset(fs, 0, n * sizeof(*fs));
		now = (int64_t)time(NULL);
		next = now + FETCHER_IDLE_LOOK;
		for (i = 0; i < n; i++) {
			if ((kind = docs_kind(d, (int)i)) == 0)
				continue;
			memset(&t, 0, sizeof(t));
			ops->timing(ops->arg, kind, &t);
			if (t.refresh <= 0)
				continue;
			asked = docs_take_ask(d, (int)i);
			if (asked) {
				fs[i].due = now;
				fs[i].skip = 0;
			}
			if (fs[i].skip)
				continue;
			/* Nobody asked for this one for long: let it rest. */
			if (!asked && t.idle > 0 &&
			    now - docs_last_used(d, (int)i) > t.idle)
				continue;
			if (fs[i].due <= now)
				fs[i].due = fetcher_look(d, ops, (int)i, kind, &t,
				    &fs[i], now);
			if (fs[i].due < next)
				next = fs[i].due;
		}
		wait_ms = (next - (int64_t)time(NULL)) * 1000;
		w = ops->wait(ops->arg, docs_wake_fd(d), (long)(wait_ms > 0 ?
		    wait_ms : 0));
		if (w < 0)
			break;
		if (w > 0)
			docs_drain(d);
	}
	free(fs);
}
