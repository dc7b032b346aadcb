/* fetcher.h - the background fetcher's loop, for every program that
 * fetches: it looks at each claimed slot of a docs table when the slot is
 * due or a worker asked, resolves it through the program's callback for
 * the slot's kind, and stores the result (or the failure, keeping the
 * last good body). Failures are retried within seconds, backing off to
 * the kind's refresh_min; successes are looked at again after the
 * server's Cache-Control max-age, clamped to the kind's bounds. A slot of
 * a kind with an idle bound that no request used for that long is left
 * alone (the table gives it to another URL when it fills).
 */
#ifndef JF_NET_FETCHER_H
#define JF_NET_FETCHER_H

#include "net/docs.h"
#include "util/err.h"

/* How often to look at the slots of one kind. refresh 0: the program
 * does not know the kind (leave its slots alone). */
struct fetcher_timing {
	long refresh;           /* longest time between looks, s */
	long refresh_min;       /* shortest, s */
	long idle;              /* 0, or: skip a slot unused this long, s */
};

struct fetcher_ops {
	void *arg;
	/* 1 when the program's configuration changed since the last call
	 * (it then claimed its own slots): every slot is looked at anew. */
	int (*rebind)(void *arg);
	void (*timing)(void *arg, int kind, struct fetcher_timing *t);
	/* Fetches and checks url; on JF_OK, *out (malloc'd) is what to
	 * store and *max_age the server's, -1 if none. JF_E_NOT_FOUND:
	 * the configuration no longer names this URL (not a failure). */
	enum jf_err (*resolve)(void *arg, int kind, const char *url,
	    char **out, long *max_age, struct jf_msg *m);
	/* Waits up to ms for fd or a signal: -1 stop, 0 time up or a
	 * reload handled, 1 fd readable. */
	int (*wait)(void *arg, int fd, long ms);
	/* The kind's name in audit lines ("jwks", ...); NULL: "kind-N". */
	const char *(*kind_name)(int kind);
};

/* Runs until ops->wait says stop. */
void fetcher_run(struct docs *d, const struct fetcher_ops *ops);

#endif
