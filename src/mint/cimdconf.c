/* cimdconf.c - the mint.conf keys of client ID metadata document clients
 * (jwt-mint.fcgi(8) "CLIENT ID METADATA DOCUMENTS"): which client IDs
 * the mint fetches documents for, how, and what an unlisted one gets.
 *
 * The allowlist entries are the authorizer's [cimd] rules
 * (cimd_pattern_check, cimd_match): a client ID exactly, or every
 * client ID under a path ending in "/"; never "any URL". Without
 * cimd_allow every other key here is refused, so that a key set for a
 * feature that is off never passes for one that works.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "conf.h"
#include "conf/ini.h"
#include "mint.h"
#include "oauth/cimd.h"
#include "util/num.h"

#define CC_WORD_MAX 1024        /* an allowlist entry, scope or audience */

/* Where each key was set (mint_cimd_conf.line). */
enum { CC_ALLOW, CC_UNREG, CC_SCOPES, CC_AUDS, CC_API, CC_FALLOW, CC_FCA,
	CC_FTIMEOUT, CC_BYTES, CC_REFRESH, CC_STALE, CC_IDLE, CC_COOLDOWN,
	CC_COLD, CC__N };

/* Numeric keys, as the authorizer bounds them. */
static const struct {
	const char *key;
	int which;
	long lo, hi;
} cc_nums[] = {
	{ "cimd_max_bytes", CC_BYTES, 512, CIMD_BYTES_MAX },
	{ "cimd_refresh", CC_REFRESH, 1, 86400 },
	{ "cimd_max_stale", CC_STALE, 1, 30 * 86400 },
	{ "cimd_idle", CC_IDLE, 60, 30 * 86400 },
	{ "cimd_cooldown", CC_COOLDOWN, 1, 3600 },
	{ "cimd_cold_wait", CC_COLD, 0, 10 },
	{ "fetch_timeout", CC_FTIMEOUT, 1, 60 },
};

static enum jf_err cc_once(struct mint_cimd_conf *c, int which,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err cc_words(const struct ini_item *it, char **out,
	size_t *n, size_t max, struct jf_msg *m);
static enum jf_err cc_allow(struct mint_cimd_conf *c,
	const struct ini_item *it, struct jf_msg *m);
static enum jf_err cc_yesno(const struct ini_item *it, const char *no,
	const char *yes, int *out, struct jf_msg *m);
static void cc_store(struct mint_cimd_conf *c, int which, long v);
static struct json_object *cc_policy_json(const struct mint_cimd_conf *c);

void
mint_cimd_defaults(struct mint_cimd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->fetch.connect_ms = 2000;
	c->fetch.total_ms = 5000;
	c->max_bytes = CIMD_BYTES_DEFAULT;
	c->refresh = 300;
	c->max_stale = 3600;
	c->idle = 3600;
	c->cooldown = 30;
	c->cold_wait_ms = 2000;
}

static enum jf_err
cc_once(struct mint_cimd_conf *c, int which, const struct ini_item *it,
	struct jf_msg *m)
{
	if (c->line[which] != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: given twice (first on "
		    "line %u)", it->file, it->line, it->key, c->line[which]);
	c->line[which] = it->line;
	return JF_OK;
}

/* Space-separated words added to out[*n]; a repeat is refused. */
static enum jf_err
cc_words(const struct ini_item *it, char **out, size_t *n, size_t max,
	struct jf_msg *m)
{
	const char *p = it->value;
	size_t len, i;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		if (len > CC_WORD_MAX)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: a value is over "
			    "%d bytes", it->file, it->line, it->key, CC_WORD_MAX);
		for (i = 0; i < *n; i++)
			if (strlen(out[i]) == len && memcmp(out[i], p, len) == 0)
				return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: \"%.*s\" "
				    "given twice", it->file, it->line, it->key,
				    (int)(len > 64 ? 64 : len), p);
		if (*n == max)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: at most %zu "
			    "values", it->file, it->line, it->key, max);
		if ((out[*n] = strndup(p, len)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		(*n)++;
		p += len;
	}
	return JF_OK;
}

/* cimd_allow: each entry as the authorizer's [cimd] takes it. */
static enum jf_err
cc_allow(struct mint_cimd_conf *c, const struct ini_item *it,
	struct jf_msg *m)
{
	struct jf_msg why;
	size_t i = c->nallow;
	enum jf_err rc;

	if ((rc = cc_words(it, c->allow, &c->nallow, MINT_CIMD_ALLOW_MAX, m)) !=
	    JF_OK)
		return rc;
	if (c->nallow == i)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: cimd_allow: expected "
		    "client ID URLs, or prefixes ending in \"/\"", it->file,
		    it->line);
	for (; i < c->nallow; i++) {
		why.s[0] = '\0';
		if (cimd_pattern_check(c->allow[i], &c->prefix[i], &why) != JF_OK)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: cimd_allow "
			    "%.64s: %s", it->file, it->line, c->allow[i], why.s);
	}
	return JF_OK;
}

static enum jf_err
cc_yesno(const struct ini_item *it, const char *no, const char *yes,
	int *out, struct jf_msg *m)
{
	if (strcmp(it->value, no) == 0)
		*out = 0;
	else if (strcmp(it->value, yes) == 0)
		*out = 1;
	else
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected %s or %s, "
		    "got \"%.64s\"", it->file, it->line, it->key, no, yes,
		    it->value);
	return JF_OK;
}

static void
cc_store(struct mint_cimd_conf *c, int which, long v)
{
	switch (which) {
	case CC_BYTES: c->max_bytes = (size_t)v; break;
	case CC_REFRESH: c->refresh = v; break;
	case CC_STALE: c->max_stale = v; break;
	case CC_IDLE: c->idle = v; break;
	case CC_COOLDOWN: c->cooldown = v; break;
	case CC_COLD: c->cold_wait_ms = v * 1000; break;
	case CC_FTIMEOUT:
		c->fetch.total_ms = v * 1000;
		if (c->fetch.connect_ms > v * 1000)
			c->fetch.connect_ms = v * 1000;
		break;
	default: break;
	}
}

enum jf_err
mint_cimd_key(struct mint_cimd_conf *c, const struct ini_item *it,
	struct jf_msg *m)
{
	struct jf_msg why;
	struct stat st;
	enum jf_err rc;
	size_t i;
	long v;

	for (i = 0; i < sizeof(cc_nums) / sizeof(cc_nums[0]); i++) {
		if (strcmp(it->key, cc_nums[i].key) != 0)
			continue;
		if ((rc = cc_once(c, cc_nums[i].which, it, m)) != JF_OK)
			return rc;
		if (num_parse(it->value, cc_nums[i].lo, cc_nums[i].hi, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected %s "
			    "%ld..%ld, got \"%.64s\"", it->file, it->line,
			    it->key, cc_nums[i].which == CC_BYTES ? "bytes" :
			    "seconds", cc_nums[i].lo, cc_nums[i].hi, it->value);
		cc_store(c, cc_nums[i].which, v);
		return JF_OK;
	}
	if (strcmp(it->key, "cimd_allow") == 0) {
		c->line[CC_ALLOW] = c->line[CC_ALLOW] ? c->line[CC_ALLOW] :
		    it->line;
		return cc_allow(c, it, m);
	}
	if (strcmp(it->key, "cimd_default_scopes") == 0 ||
	    strcmp(it->key, "cimd_default_audiences") == 0) {
		i = strcmp(it->key, "cimd_default_scopes") == 0 ? CC_SCOPES :
		    CC_AUDS;
		c->line[i] = c->line[i] ? c->line[i] : it->line;
		return i == CC_SCOPES ? cc_words(it, c->scopes, &c->nscopes,
		    MINT_CIMD_DEFAULTS_MAX, m) : cc_words(it, c->auds,
		    &c->nauds, MINT_CIMD_DEFAULTS_MAX, m);
	}
	if (strcmp(it->key, "cimd_unregistered") == 0)
		return (rc = cc_once(c, CC_UNREG, it, m)) != JF_OK ? rc :
		    cc_yesno(it, "refuse", "default", &c->unregistered, m);
	if (strcmp(it->key, "jwt_bearer_api_audience") == 0)
		return (rc = cc_once(c, CC_API, it, m)) != JF_OK ? rc :
		    cc_yesno(it, "no", "yes", &c->api_audience, m);
	if (strcmp(it->key, "fetch_allow") == 0) {
		if ((rc = cc_once(c, CC_FALLOW, it, m)) != JF_OK)
			return rc;
		why.s[0] = '\0';
		if (fetch_classes_parse(it->value, &c->fetch.allow_nets,
		    &why) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: fetch_allow: %s",
			    it->file, it->line, why.s);
		return JF_OK;
	}
	if (strcmp(it->key, "fetch_ca_file") == 0) {
		if ((rc = cc_once(c, CC_FCA, it, m)) != JF_OK)
			return rc;
		/* Checked now: the fetcher would only fail later, quietly. */
		if (stat(it->value, &st) != 0 || !S_ISREG(st.st_mode))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: fetch_ca_file: %s "
			    "is not a readable file", it->file, it->line,
			    it->value);
		if ((c->fetch_ca = strdup(it->value)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		c->fetch.ca_file = c->fetch_ca;
		return JF_OK;
	}
	return JF_E_NOT_FOUND;
}

enum jf_err
mint_cimd_finish(struct mint_cimd_conf *c, const char *path,
	struct jf_msg *m)
{
	static const char *const names[CC__N] = { "cimd_allow",
		"cimd_unregistered", "cimd_default_scopes",
		"cimd_default_audiences", "jwt_bearer_api_audience",
		"fetch_allow", "fetch_ca_file", "fetch_timeout",
		"cimd_max_bytes", "cimd_refresh", "cimd_max_stale", "cimd_idle",
		"cimd_cooldown", "cimd_cold_wait" };
	int i;

	if (c->nallow == 0) {
		for (i = 0; i < CC__N; i++)
			if (c->line[i] != 0)
				return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: client "
				    "ID metadata documents are off: no "
				    "cimd_allow", path, c->line[i], names[i]);
		return JF_OK;
	}
	if (!c->unregistered && (c->nscopes > 0 || c->nauds > 0))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: only with "
		    "cimd_unregistered = default", path,
		    c->line[c->nscopes > 0 ? CC_SCOPES : CC_AUDS],
		    c->nscopes > 0 ? names[CC_SCOPES] : names[CC_AUDS]);
	if (c->unregistered && c->nauds == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: cimd_unregistered = "
		    "default needs cimd_default_audiences: the APIs an "
		    "unregistered client may get tokens for", path,
		    c->line[CC_UNREG]);
	if (c->max_stale < c->refresh)
		return jf_fail(m, JF_E_CONFIG, "%s: cimd_max_stale (%ld s) is "
		    "under cimd_refresh (%ld s): keys would go stale between "
		    "two looks", path, c->max_stale, c->refresh);
	return JF_OK;
}

void
mint_cimd_conf_free(struct mint_cimd_conf *c)
{
	size_t i;

	for (i = 0; i < c->nallow; i++)
		free(c->allow[i]);
	for (i = 0; i < c->nscopes; i++)
		free(c->scopes[i]);
	for (i = 0; i < c->nauds; i++)
		free(c->auds[i]);
	free(c->fetch_ca);
}

int
mint_cimd_admits(const struct mint_cimd_conf *c, const char *url)
{
	size_t i;

	for (i = 0; i < c->nallow; i++)
		if (cimd_match(c->allow[i], c->prefix[i], url) > 0)
			return 1;
	return 0;
}

/* {"scopes": S, "default_scope": S, "audiences": A}: all scopes unless
 * a request narrows them; the only audience, or the one asked for. */
static struct json_object *
cc_policy_json(const struct mint_cimd_conf *c)
{
	struct json_object *o = json_object_new_object(), *a[3];
	size_t i, k;
	int bad = o == NULL;

	for (k = 0; k < 3; k++) {
		a[k] = json_object_new_array();
		bad |= a[k] == NULL;
		for (i = 0; !bad && i < (k < 2 ? c->nscopes : c->nauds); i++)
			bad |= json_object_array_add(a[k], json_object_new_string(
			    k < 2 ? c->scopes[i] : c->auds[i])) != 0;
	}
	if (!bad) {
		bad |= json_object_object_add(o, "scopes", a[0]) != 0;
		a[0] = NULL;
		bad |= json_object_object_add(o, "default_scope", a[1]) != 0;
		a[1] = NULL;
		bad |= json_object_object_add(o, "audiences", a[2]) != 0;
		a[2] = NULL;
	}
	for (k = 0; k < 3; k++)
		json_object_put(a[k]);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum jf_err
mint_cimd_state(struct mint_state *s, struct jf_msg *m)
{
	const struct mint_cimd_conf *c = &s->conf->cimd;
	const struct reg_service *svc;
	struct json_object *o;
	struct jf_msg why;
	const char *t;
	enum jf_err rc;
	size_t i;

	for (i = 0; (svc = registry_service(s->reg, i)) != NULL; i++) {
		if (!registry_svc_cimd(svc))
			continue;
		why.s[0] = '\0';
		if (cimd_url_check(registry_svc_id(svc), &why) != JF_OK)
			return jf_fail(m, JF_E_CONFIG, "%s: registry: services[%zu] "
			    "%.100s: %s", s->conf->path, i, registry_svc_id(svc),
			    why.s);
		if (!mint_cimd_admits(c, registry_svc_id(svc)))
			return jf_fail(m, JF_E_CONFIG, "%s: registry: services[%zu] "
			    "%.100s is a client ID metadata document client (no "
			    "match, secret or jwks) and no cimd_allow admits it",
			    s->conf->path, i, registry_svc_id(svc));
	}
	if (!c->unregistered)
		return JF_OK;
	if ((o = cc_policy_json(c)) == NULL ||
	    (t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) ==
	    NULL) {
		json_object_put(o);
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	}
	why.s[0] = '\0';
	rc = registry_policy_parse(&s->cimd_default, "cimd_default", t,
	    strlen(t), &why);
	json_object_put(o);
	if (rc != JF_OK)
		return jf_fail(m, rc == JF_E_NOMEM ? rc : JF_E_CONFIG, "%s: "
		    "cimd_default_scopes, cimd_default_audiences: %s",
		    s->conf->path, why.s);
	return JF_OK;
}
