/* schedule.c - what time does to a key set: each key's state, the key
 * that signs, the next date that changes something, and a rotation.
 *
 * Pure functions of the entries and a time: no file, no key, no clock of
 * their own, so the mint can ask them on the request path and a test can
 * ask them at any second.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jose/keyset.h"

static const char *const keyset_states[] = {
	[KEYSET_FUTURE] = "future", [KEYSET_PENDING] = "pending",
	[KEYSET_ACTIVE] = "active", [KEYSET_RETIRED] = "retired",
	[KEYSET_GONE] = "gone",
};

static void keyset_warnf(keyset_warn_fn warn, void *arg, const char *fmt,
	...) __attribute__((format(printf, 3, 4)));

enum keyset_state
keyset_state_at(const struct keyset_entry *e, int64_t t)
{
	if (t < e->at[KEYSET_PUBLISHED])
		return KEYSET_FUTURE;
	if (t < e->at[KEYSET_ACTIVATES])
		return KEYSET_PENDING;
	if (t < e->at[KEYSET_RETIRES])
		return KEYSET_ACTIVE;
	if (t < e->at[KEYSET_REMOVED])
		return KEYSET_RETIRED;
	return KEYSET_GONE;
}

const char *
keyset_state_name(enum keyset_state s)
{
	return s <= KEYSET_GONE ? keyset_states[s] : "?";
}

/* The newest active key: a rotation adds keys at the end, so on a tie
 * the later one is the newer. */
long
keyset_signer(const struct keyset *ks, int64_t t)
{
	const struct keyset_entry *e, *best = NULL;
	long found = -1;
	size_t i;

	for (i = 0; i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		if (keyset_state_at(e, t) != KEYSET_ACTIVE)
			continue;
		if (best == NULL ||
		    e->at[KEYSET_ACTIVATES] >= best->at[KEYSET_ACTIVATES]) {
			best = e;
			found = (long)i;
		}
	}
	return found;
}

int64_t
keyset_next(const struct keyset *ks, int64_t t, unsigned mask)
{
	int64_t next = KEYSET_NEVER, v;
	size_t i;
	int d;

	for (i = 0; i < keyset_count(ks); i++)
		for (d = 0; d < KEYSET__DATES; d++) {
			v = keyset_get(ks, i)->at[d];
			if ((mask & KEYSET_BIT(d)) && v > t && v < next)
				next = v;
		}
	return next;
}

int64_t
keyset_idle(const struct keyset *ks, int64_t t, struct jf_msg *m)
{
	const struct keyset_entry *e, *next = NULL, *last = NULL;
	char when[KEYSET_TIME_ROOM];
	size_t i;

	for (i = 0; i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		if (e->at[KEYSET_ACTIVATES] > t && (next == NULL ||
		    e->at[KEYSET_ACTIVATES] < next->at[KEYSET_ACTIVATES]))
			next = e;
		if (e->at[KEYSET_RETIRES] <= t && (last == NULL ||
		    e->at[KEYSET_RETIRES] >= last->at[KEYSET_RETIRES]))
			last = e;
	}
	if (next != NULL) {
		jf_fail(m, JF_E_UNAVAILABLE, "no signing key is active: key %s "
		    "activates at %s", next->kid, keyset_time_fmt(
		    next->at[KEYSET_ACTIVATES], when, sizeof(when)));
		return next->at[KEYSET_ACTIVATES];
	}
	if (last != NULL)
		jf_fail(m, JF_E_UNAVAILABLE, "no signing key is active: key %s, "
		    "the last to sign, retired at %s and none follows it",
		    last->kid, keyset_time_fmt(last->at[KEYSET_RETIRES], when,
		    sizeof(when)));
	else
		jf_fail(m, JF_E_UNAVAILABLE, "no signing key is active: the key "
		    "set holds none");
	return KEYSET_NEVER;
}

/* Only activations and retirements change who signs. */
int64_t
keyset_gap(const struct keyset *ks, int64_t t)
{
	const unsigned mask = KEYSET_BIT(KEYSET_ACTIVATES) |
	    KEYSET_BIT(KEYSET_RETIRES);

	while (t != KEYSET_NEVER) {
		if (keyset_signer(ks, t) < 0)
			return t;
		t = keyset_next(ks, t, mask);
	}
	return KEYSET_NEVER;
}

static void
keyset_warnf(keyset_warn_fn warn, void *arg, const char *fmt, ...)
{
	struct jf_msg m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.s, sizeof(m.s), fmt, ap);
	va_end(ap);
	warn(arg, m.s);
}

void
keyset_lint(const struct keyset *ks, int64_t now, long overlap,
	long max_age, keyset_warn_fn warn, void *arg)
{
	const struct keyset_entry *e;
	char a[KEYSET_TIME_ROOM], b[KEYSET_TIME_ROOM];
	struct jf_msg m;
	enum keyset_state st;
	int64_t gap;
	long s;
	size_t i;

	if (keyset_signer(ks, now) < 0) {
		keyset_idle(ks, now, &m);
		keyset_warnf(warn, arg, "%s; until then the token endpoint "
		    "answers 503", m.s);
	} else if ((gap = keyset_gap(ks, now)) != KEYSET_NEVER) {
		s = keyset_signer(ks, gap - 1);
		keyset_warnf(warn, arg, "no key signs from %s: key %s retires "
		    "then and no other key is active (run jwt-fcgi rotate "
		    "before)", keyset_time_fmt(gap, a, sizeof(a)),
		    s >= 0 ? keyset_get(ks, (size_t)s)->kid : "?");
	}
	for (i = 0; i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		st = keyset_state_at(e, now);
		if (st != KEYSET_GONE && e->at[KEYSET_RETIRES] != KEYSET_NEVER &&
		    e->at[KEYSET_REMOVED] != KEYSET_NEVER &&
		    e->at[KEYSET_REMOVED] - e->at[KEYSET_RETIRES] < overlap)
			keyset_warnf(warn, arg, "key %s leaves the JWKS at %s, "
			    "%lld s after it stops signing: its tokens live up "
			    "to %ld s (max_token_lifetime + leeway), so verifiers "
			    "may refuse some before they expire", e->kid,
			    keyset_time_fmt(e->at[KEYSET_REMOVED], a, sizeof(a)),
			    (long long)(e->at[KEYSET_REMOVED] -
			    e->at[KEYSET_RETIRES]), overlap);
		if ((st == KEYSET_FUTURE || st == KEYSET_PENDING) &&
		    e->at[KEYSET_ACTIVATES] - e->at[KEYSET_PUBLISHED] < max_age)
			keyset_warnf(warn, arg, "key %s signs from %s, %lld s "
			    "after it is published at %s: sooner than "
			    "jwks_max_age (%ld s), so a verifier may still hold "
			    "a JWKS without it", e->kid,
			    keyset_time_fmt(e->at[KEYSET_ACTIVATES], a, sizeof(a)),
			    (long long)(e->at[KEYSET_ACTIVATES] -
			    e->at[KEYSET_PUBLISHED]),
			    keyset_time_fmt(e->at[KEYSET_PUBLISHED], b, sizeof(b)),
			    max_age);
	}
}

enum jf_err
keyset_rotate(const struct keyset *cur, const struct keyset_entry *e,
	int64_t now, long overlap, struct keyset **out, struct jf_msg *m)
{
	struct keyset *ks = NULL;
	struct keyset_entry c;
	char when[KEYSET_TIME_ROOM];
	enum keyset_state st;
	size_t i;
	enum jf_err rc = JF_E_INVALID_REQUEST;

	*out = NULL;
	for (i = 0; i < keyset_count(cur); i++) {
		c = *keyset_get(cur, i);
		st = keyset_state_at(&c, now);
		if (st == KEYSET_FUTURE || st == KEYSET_PENDING) {
			jf_fail(m, rc, "a rotation is under way: key %s activates "
			    "at %s; rotate again after that", c.kid,
			    keyset_time_fmt(c.at[KEYSET_ACTIVATES], when,
			    sizeof(when)));
			goto fail;
		}
	}
	if ((ks = keyset_new()) == NULL) {
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < keyset_count(cur); i++) {
		c = *keyset_get(cur, i);
		st = keyset_state_at(&c, now);
		if (st == KEYSET_GONE)
			continue;
		/* It may sign until the new key does, and stays published
		 * while a token it signed can still be presented. */
		if (st == KEYSET_ACTIVE &&
		    c.at[KEYSET_RETIRES] > e->at[KEYSET_ACTIVATES]) {
			c.at[KEYSET_RETIRES] = e->at[KEYSET_ACTIVATES];
			c.at[KEYSET_REMOVED] = c.at[KEYSET_RETIRES] + overlap;
		}
		if ((rc = keyset_add(ks, &c, NULL, m)) != JF_OK)
			goto fail;
	}
	if ((rc = keyset_add(ks, e, NULL, m)) != JF_OK)
		goto fail;
	*out = ks;
	ks = NULL;
fail:
	keyset_free(ks);
	return rc;
}
