/* fetch.c - the global keys that say how the authorizer fetches remote
 * keys (jwt-fcgi.conf(5) "REMOTE KEYS"):
 *
 *   fetch_allow = none             RFC 6890 classes a fetch may connect
 *                                  to: loopback private link-local special
 *   fetch_ca_file = FILE           CAs for the servers (default: system)
 *   fetch_timeout = 5              seconds for a whole fetch (connect: 2)
 *   fetch_http_for_tests = no      "yes": plain http:// too (tests only)
 *   jwks_refresh = 600             longest time between two looks
 *   jwks_refresh_min = 30          shortest (Cache-Control max-age is
 *                                  honoured between the two)
 *   jwks_cooldown = 30             one early look per unknown kid burst
 *   jwks_max_stale = 86400         then the issuer's tokens are refused
 *   jwks_cold_wait = 2             a request waits this long for keys
 *                                  never fetched yet, then gets a 401
 *                                  (and for a status list)
 *   status_refresh = 60            longest time between two looks at a
 *                                  status list (its ttl and max-age
 *                                  shorten it, down to...)
 *   status_refresh_min = 5         ...this
 *   status_max_stale = 600         a list older is not used
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf/cfg.h"
#include "conf/cfg-int.h"
#include "conf/ini.h"
#include "util/num.h"

/* Numeric keys: name, bounds, where the value goes, its unit. */
struct fnum {
	const char *key;
	int which;              /* CFG_F_* */
	long lo, hi;
};

static const struct fnum fnums[] = {
	{ "fetch_timeout", CFG_F_TIMEOUT, 1, 60 },
	{ "jwks_refresh", CFG_F_REFRESH, 1, 86400 },
	{ "jwks_refresh_min", CFG_F_REFRESH_MIN, 1, 86400 },
	{ "jwks_cooldown", CFG_F_COOLDOWN, 1, 3600 },
	{ "jwks_max_stale", CFG_F_STALE, 1, 30 * 86400 },
	{ "jwks_cold_wait", CFG_F_COLD, 0, 10 },
	{ "status_refresh", CFG_F_S_REFRESH, 1, 86400 },
	{ "status_refresh_min", CFG_F_S_REFRESH_MIN, 1, 86400 },
	{ "status_max_stale", CFG_F_S_STALE, 1, 30 * 86400 },
};

void
cfg_fetch_defaults(struct cfg *c)
{
	c->fetch.opts.connect_ms = 2000;
	c->fetch.opts.total_ms = 5000;
	c->fetch.opts.max_bytes = 256 * 1024;
	c->fetch.opts.allow_nets = 0;
	c->fetch.opts.allow_http = 0;
	c->fetch.opts.ca_file = NULL;
	c->fetch.opts.accept = NULL;
	c->fetch.refresh = 600;
	c->fetch.refresh_min = 30;
	c->fetch.cooldown = 30;
	c->fetch.max_stale = 86400;
	c->fetch.cold_wait_ms = 2000;
	c->fetch.status_refresh = 60;
	c->fetch.status_refresh_min = 5;
	c->fetch.status_max_stale = 600;
}

static void
fetch_store(struct cfg *c, int which, long v)
{
	switch (which) {
	case CFG_F_TIMEOUT:
		c->fetch.opts.total_ms = v * 1000;
		if (c->fetch.opts.connect_ms > v * 1000)
			c->fetch.opts.connect_ms = v * 1000;
		break;
	case CFG_F_REFRESH: c->fetch.refresh = v; break;
	case CFG_F_REFRESH_MIN: c->fetch.refresh_min = v; break;
	case CFG_F_COOLDOWN: c->fetch.cooldown = v; break;
	case CFG_F_STALE: c->fetch.max_stale = v; break;
	case CFG_F_COLD: c->fetch.cold_wait_ms = v * 1000; break;
	case CFG_F_S_REFRESH: c->fetch.status_refresh = v; break;
	case CFG_F_S_REFRESH_MIN: c->fetch.status_refresh_min = v; break;
	case CFG_F_S_STALE: c->fetch.status_max_stale = v; break;
	default: break;
	}
}

enum jf_err
cfg_set_fetch_key(struct cfg *c, const struct ini_item *it, struct jf_msg *m)
{
	struct jf_msg why;
	struct stat st;
	enum jf_err rc;
	size_t i;
	long v;

	for (i = 0; i < sizeof(fnums) / sizeof(fnums[0]); i++) {
		if (strcmp(it->key, fnums[i].key) != 0)
			continue;
		if ((rc = cfg_once(it, &c->fetch_line[fnums[i].which], m)) !=
		    JF_OK)
			return rc;
		if (num_parse(it->value, fnums[i].lo, fnums[i].hi, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected "
			    "seconds %ld..%ld, got \"%.64s\"", it->file,
			    it->line, it->key, fnums[i].lo, fnums[i].hi,
			    it->value);
		fetch_store(c, fnums[i].which, v);
		return JF_OK;
	}
	if (strcmp(it->key, "fetch_allow") == 0) {
		if ((rc = cfg_once(it, &c->fetch_line[CFG_F_ALLOW], m)) != JF_OK)
			return rc;
		why.s[0] = '\0';
		if (fetch_classes_parse(it->value, &c->fetch.opts.allow_nets,
		    &why) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: fetch_allow: %s",
			    it->file, it->line, why.s);
		return JF_OK;
	}
	if (strcmp(it->key, "fetch_ca_file") == 0) {
		if ((rc = cfg_once(it, &c->fetch_line[CFG_F_CA], m)) != JF_OK)
			return rc;
		/* Checked now: the fetcher would only fail later, quietly. */
		if (stat(it->value, &st) != 0 || !S_ISREG(st.st_mode))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: fetch_ca_file: %s "
			    "is not a readable file", it->file, it->line,
			    it->value);
		free(c->fetch_ca);
		if ((c->fetch_ca = strdup(it->value)) == NULL)
			return cfg_nomem(m);
		c->fetch.opts.ca_file = c->fetch_ca;
		return JF_OK;
	}
	if (strcmp(it->key, "fetch_http_for_tests") == 0) {
		if ((rc = cfg_once(it, &c->fetch_line[CFG_F_HTTP], m)) != JF_OK)
			return rc;
		if (strcmp(it->value, "yes") != 0 && strcmp(it->value, "no") != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: fetch_http_for_tests:"
			    " expected yes or no, got \"%.64s\"", it->file,
			    it->line, it->value);
		c->fetch.opts.allow_http = strcmp(it->value, "yes") == 0;
		return JF_OK;
	}
	return JF_E_NOT_FOUND;
}

enum jf_err
cfg_fetch_finish(struct cfg *c, struct jf_msg *m)
{
	if (c->fetch.refresh_min > c->fetch.refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: jwks_refresh_min (%ld s) is "
		    "over jwks_refresh (%ld s)", c->path, c->fetch.refresh_min,
		    c->fetch.refresh);
	if (c->fetch.status_refresh_min > c->fetch.status_refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: status_refresh_min (%ld s) "
		    "is over status_refresh (%ld s)", c->path,
		    c->fetch.status_refresh_min, c->fetch.status_refresh);
	if (c->fetch.status_max_stale < c->fetch.status_refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: status_max_stale (%ld s) is "
		    "under status_refresh (%ld s): lists would go stale between "
		    "two looks", c->path, c->fetch.status_max_stale,
		    c->fetch.status_refresh);
	if (c->fetch.max_stale < c->fetch.refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: jwks_max_stale (%ld s) is "
		    "under jwks_refresh (%ld s): keys would go stale between "
		    "two looks", c->path, c->fetch.max_stale, c->fetch.refresh);
	return JF_OK;
}
