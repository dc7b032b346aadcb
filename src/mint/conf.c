/* conf.c - reads the mint's configuration with the shared ini reader. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "conf/ini.h"
#include "jose/key.h"
#include "oauth/slist.h"
#include "util/log.h"
#include "x509/trust.h"

#define LIFETIME_MAX 86400

struct loader {
	struct mint_conf *c;
	unsigned nkeys;
	unsigned keyset_line;   /* where keyset = was, for its messages */
	unsigned seen;          /* bit per scalar key: refuse repeats */
	int peer_users_set;
};

enum { S_ISSUER, S_REGISTRY, S_LIFE, S_MAXLIFE, S_MAXAGE, S_TOKEP,
	S_JWKSURI, S_LOGLEVEL, S_ASSERTLIFE, S_QUOTA, S_CLIENTCA, S_PEERUSERS,
	S_PEERGROUPS, S_PLAINHTTP, S_KEYSET, S_LEEWAY, S_BIND, S_ASSERTAUD,
	S_SLURI, S_SLBITS, S_SLTTL, S_SLLIFE, S_STATE, S_STATEDIR, S_LIVE,
	S_REVEP };

/* Who may connect when mint.conf says nothing: the users Debian's web
 * servers run as (Apache, nginx and lighttpd: www-data; Caddy: caddy),
 * where they exist. Our own uid and root are always allowed. */
static const char *const peer_default_users[] = { "www-data", "caddy" };

static enum jf_err
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? JF_OK : JF_E_NOMEM;
}

static int
parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* An absolute http(s) URL without query or fragment (RFC 8414 §2 for the
 * issuer; the same shape is wanted of the endpoints). */
static int
url_ok(const char *v)
{
	const char *host;

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		return 0;
	return *host && *host != '/' && strpbrk(v, "?# \t\"\\") == NULL;
}

/* A signing key file: private, not readable by group or others. In
 * the key set the mint schedules, the first line's key is active since
 * ever and the others published and retired since ever: all published,
 * the first signs, as signing_key always meant. */
static enum jf_err
add_key(struct loader *l, const struct ini_item *it, struct jf_msg *m)
{
	struct jf_key *k = NULL;
	struct keyset_entry e;
	struct stat st;
	struct jf_msg km;
	enum jf_err rc;

	if (l->nkeys == MINT_KEYS_MAX)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: at most %d keys",
		    it->file, it->line, MINT_KEYS_MAX);
	if (stat(it->value, &st) != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: %s: %s",
		    it->file, it->line, it->value, strerror(errno));
	if (st.st_mode & 077)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: %s is readable "
		    "by group or others (chmod 600 it)", it->file, it->line,
		    it->value);
	rc = key_load_file(&k, it->value, &km);
	if (rc != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: %s",
		    it->file, it->line, km.s);
	if (!key_is_private(k)) {
		key_free(k);
		return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: %s holds a "
		    "public key; the mint needs the private key", it->file,
		    it->line, it->value);
	}
	if (jwks_find(keyset_jwks(l->c->keyset), key_kid(k)) != NULL) {
		rc = jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: duplicate kid "
		    "\"%.64s\"", it->file, it->line, key_kid(k));
		key_free(k);
		return rc;
	}
	memset(&e, 0, sizeof(e));
	e.file = it->value;
	e.at[KEYSET_RETIRES] = l->nkeys == 0 ? KEYSET_NEVER : 0;
	e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	/* keyset_add owns k from here. */
	rc = keyset_add(l->c->keyset, &e, k, &km);
	if (rc != JF_OK)
		return jf_fail(m, rc, "%s:%u: signing_key: %s",
		    it->file, it->line, km.s);
	l->nkeys++;
	return JF_OK;
}

/* client_ca: the CA(s) whose client certificates the mint accepts,
 * loaded once into a trust list (trust.h). */
static enum jf_err
load_ca(struct mint_conf *c, const struct ini_item *it, struct jf_msg *m)
{
	struct jf_msg tm;

	if (*it->value == '\0')
		return jf_fail(m, JF_E_CONFIG, "%s:%u: client_ca: expected a "
		    "file of PEM CA certificates", it->file, it->line);
	tm.s[0] = '\0';
	if (trust_load_file(&c->trust, it->value, &tm) != JF_OK)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: client_ca: %s",
		    it->file, it->line, tm.s);
	return set_str(&c->client_ca, it->value);
}

/* One user or group name, or a number, to its id; -1 if unknown. The
 * lookup happens here, at load: the request path compares numbers. */
static int
peer_id(const char *name, int group, unsigned *out)
{
	const char *p;
	unsigned long v;
	struct passwd *pw;
	struct group *gr;

	for (p = name; *p >= '0' && *p <= '9'; p++)
		continue;
	if (*p == '\0' && p != name && p - name <= 9) {
		v = strtoul(name, NULL, 10);
		*out = (unsigned)v;
		return 0;
	}
	if (group) {
		if ((gr = getgrnam(name)) == NULL)
			return -1;
		*out = (unsigned)gr->gr_gid;
	} else {
		if ((pw = getpwnam(name)) == NULL)
			return -1;
		*out = (unsigned)pw->pw_uid;
	}
	return 0;
}

/* peer_users / peer_groups: names or numbers separated by spaces, or
 * "none". */
static enum jf_err
set_peers(struct mint_conf *c, const struct ini_item *it, int group,
	struct jf_msg *m)
{
	char name[256];
	const char *p = it->value;
	size_t n, *count = group ? &c->npeer_gid : &c->npeer_uid;
	unsigned id;

	*count = 0;
	if (strcmp(p, "none") == 0)
		return JF_OK;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (n >= sizeof(name))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: name too long",
			    it->file, it->line, it->key);
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if (strcmp(name, "none") == 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: \"none\" must "
			    "stand alone", it->file, it->line, it->key);
		if (peer_id(name, group, &id) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: no such %s "
			    "\"%.64s\"", it->file, it->line, it->key,
			    group ? "group" : "user", name);
		if (*count == MINT_PEERS_MAX)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: at most %d",
			    it->file, it->line, it->key, MINT_PEERS_MAX);
		if (group)
			c->peer_gid[(*count)++] = (gid_t)id;
		else
			c->peer_uid[(*count)++] = (uid_t)id;
	}
	if (*count == 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected names, or "
		    "none", it->file, it->line, it->key);
	return JF_OK;
}

/* The token status keys (jwt-mint.fcgi(8) TOKEN STATUS). */
static enum jf_err
status_key(struct mint_conf *c, const struct ini_item *it, int bit,
	struct jf_msg *m)
{
	long v;

	switch (bit) {
	case S_SLURI:
		if (!url_ok(it->value))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: status_list_uri: "
			    "expected an https:// URL without query or fragment, "
			    "got \"%.200s\"", it->file, it->line, it->value);
		return set_str(&c->status_list_uri, it->value);
	case S_SLBITS:
		if (strcmp(it->value, "1") != 0 && strcmp(it->value, "2") != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: status_bits: "
			    "expected 1 or 2 (2: suspension too), got \"%.64s\"",
			    it->file, it->line, it->value);
		c->status_bits = it->value[0] - '0';
		return JF_OK;
	case S_SLTTL:
	case S_SLLIFE:
		if (parse_long(it->value, 1, MINT_STATUS_TTL_MAX, &v) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected "
			    "seconds 1..%d, got \"%.64s\"", it->file, it->line,
			    it->key, MINT_STATUS_TTL_MAX, it->value);
		*(bit == S_SLTTL ? &c->status_ttl : &c->status_lifetime) = v;
		return JF_OK;
	case S_STATE:
		/* Empty: the embedded state, as without the line. */
		if (*it->value == '\0')
			return JF_OK;
		if (strncmp(it->value, "redis://", 8) != 0 &&
		    strncmp(it->value, "unix:", 5) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: state: expected "
			    "redis://[user:password@]host[:port][/db], "
			    "unix:/path[?db=N] or nothing (embedded)", it->file,
			    it->line);
		return set_str(&c->state_url, it->value);
	case S_STATEDIR:
		if (it->value[0] != '/')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: state_dir: expected "
			    "an absolute directory, got \"%.200s\"", it->file,
			    it->line, it->value);
		return set_str(&c->state_dir, it->value);
	case S_LIVE:
		if (parse_long(it->value, 1, (long)SLIST_MAX_STATUSES / 2,
		    &c->max_live) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: max_live_tokens: "
			    "expected 1..%u, got \"%.64s\"", it->file, it->line,
			    SLIST_MAX_STATUSES / 2, it->value);
		return JF_OK;
	}
	return JF_E_INTERNAL;
}

static enum jf_err
on_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct loader *l = arg;
	struct mint_conf *c = l->c;
	static const struct {
		const char *key;
		int bit;
	} scalars[] = {
		{ "issuer", S_ISSUER }, { "registry", S_REGISTRY },
		{ "token_lifetime", S_LIFE }, { "max_token_lifetime", S_MAXLIFE },
		{ "jwks_max_age", S_MAXAGE }, { "token_endpoint", S_TOKEP },
		{ "jwks_uri", S_JWKSURI }, { "log_level", S_LOGLEVEL },
		{ "assertion_max_lifetime", S_ASSERTLIFE },
		{ "replay_quota", S_QUOTA }, { "client_ca", S_CLIENTCA },
		{ "peer_users", S_PEERUSERS }, { "peer_groups", S_PEERGROUPS },
		{ "plain_http", S_PLAINHTTP }, { "keyset", S_KEYSET },
		{ "leeway", S_LEEWAY }, { "bind_certificate", S_BIND },
		{ "assertion_audience", S_ASSERTAUD },
		{ "status_list_uri", S_SLURI }, { "status_bits", S_SLBITS },
		{ "status_list_ttl", S_SLTTL },
		{ "status_list_lifetime", S_SLLIFE }, { "state", S_STATE },
		{ "state_dir", S_STATEDIR }, { "max_live_tokens", S_LIVE },
		{ "revocation_endpoint", S_REVEP },
	};
	size_t i;
	int bit = -1, lvl;
	enum jf_err rc;

	if (it->section != NULL)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown section [%s]",
		    it->file, it->line, it->section);
	if (strcmp(it->key, "signing_key") == 0)
		return add_key(l, it, m);
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (strcmp(it->key, scalars[i].key) == 0)
			bit = scalars[i].bit;
	if (bit < 0 && (rc = mint_cimd_key(&c->cimd, it, m)) != JF_E_NOT_FOUND)
		return rc;
	if (bit < 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: unknown key \"%s\"",
		    it->file, it->line, it->key);
	if (l->seen & (1u << bit))
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: given twice",
		    it->file, it->line, it->key);
	l->seen |= 1u << bit;

	switch (bit) {
	case S_REVEP:
		if (!url_ok(it->value))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected an "
			    "https:// URL without query or fragment, got \"%.200s\"",
			    it->file, it->line, it->key, it->value);
		return set_str(&c->revocation_endpoint, it->value);
	case S_ISSUER:
	case S_TOKEP:
	case S_JWKSURI:
		if (!url_ok(it->value))
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected an "
			    "https:// URL without query or fragment, got \"%.200s\"",
			    it->file, it->line, it->key, it->value);
		return set_str(bit == S_ISSUER ? &c->issuer :
		    bit == S_TOKEP ? &c->token_endpoint : &c->jwks_uri, it->value);
	case S_REGISTRY:
		if (*it->value == '\0')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: registry: expected "
			    "a file name", it->file, it->line);
		return set_str(&c->registry, it->value);
	case S_KEYSET:
		/* Loaded after the whole file: it may not mix with
		 * signing_key, in whichever order the lines come. */
		if (*it->value == '\0')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: keyset: expected "
			    "a file name", it->file, it->line);
		l->keyset_line = it->line;
		return set_str(&c->keyset_path, it->value);
	case S_LEEWAY:
		if (parse_long(it->value, 0, MINT_LEEWAY_MAX, &c->leeway) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: leeway: expected "
			    "seconds 0..%d, got \"%.64s\"", it->file, it->line,
			    MINT_LEEWAY_MAX, it->value);
		return JF_OK;
	case S_LIFE:
	case S_MAXLIFE:
		if (parse_long(it->value, 1, LIFETIME_MAX, bit == S_LIFE ?
		    &c->token_lifetime : &c->max_token_lifetime) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected seconds "
			    "1..%d, got \"%.64s\"", it->file, it->line, it->key,
			    LIFETIME_MAX, it->value);
		return JF_OK;
	case S_MAXAGE:
		if (parse_long(it->value, 0, LIFETIME_MAX, &c->jwks_max_age) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: jwks_max_age: expected "
			    "seconds 0..%d, got \"%.64s\"", it->file, it->line,
			    LIFETIME_MAX, it->value);
		return JF_OK;
	case S_ASSERTLIFE:
		if (parse_long(it->value, 1, MINT_ASSERTION_LIFETIME_MAX,
		    &c->assertion_max_lifetime) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: assertion_max_lifetime: "
			    "expected seconds 1..%d, got \"%.64s\"", it->file,
			    it->line, MINT_ASSERTION_LIFETIME_MAX, it->value);
		return JF_OK;
	case S_QUOTA:
		if (parse_long(it->value, 1, MINT_REPLAY_MAX,
		    &c->replay_quota) != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: replay_quota: "
			    "expected 1..%d, got \"%.64s\"", it->file, it->line,
			    MINT_REPLAY_MAX, it->value);
		return JF_OK;
	case S_CLIENTCA:
		return load_ca(c, it, m);
	case S_PEERUSERS:
	case S_PEERGROUPS:
		if (bit == S_PEERUSERS)
			l->peer_users_set = 1;
		return set_peers(c, it, bit == S_PEERGROUPS, m);
	case S_PLAINHTTP:
		if (strcmp(it->value, "no") == 0)
			c->plain_http_loopback = 0;
		else if (strcmp(it->value, "loopback") == 0)
			c->plain_http_loopback = 1;
		else
			return jf_fail(m, JF_E_CONFIG, "%s:%u: plain_http: "
			    "expected no or loopback, got \"%.64s\"", it->file,
			    it->line, it->value);
		return JF_OK;
	case S_BIND:
		/* No by default: a bound token works only at APIs that
		 * ask for the same certificate (jwt-mint.fcgi(8)). */
		if (strcmp(it->value, "yes") != 0 && strcmp(it->value, "no") != 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: bind_certificate: "
			    "expected yes or no, got \"%.64s\"", it->file,
			    it->line, it->value);
		c->bind_certificate = strcmp(it->value, "yes") == 0;
		return JF_OK;
	case S_ASSERTAUD:
		/* RFC 10070 by default: the token endpoint URL as an audience
		 * is a compatibility choice, made explicitly. */
		if (strcmp(it->value, "issuer") == 0)
			c->assertion_aud_rfc7523 = 0;
		else if (strcmp(it->value, "rfc7523") == 0)
			c->assertion_aud_rfc7523 = 1;
		else
			return jf_fail(m, JF_E_CONFIG, "%s:%u: assertion_audience: "
			    "expected issuer or rfc7523, got \"%.64s\"", it->file,
			    it->line, it->value);
		return JF_OK;
	case S_SLURI:
	case S_SLBITS:
	case S_SLTTL:
	case S_SLLIFE:
	case S_STATE:
	case S_STATEDIR:
	case S_LIVE:
		return status_key(c, it, bit, m);
	case S_LOGLEVEL:
		lvl = log_level_from_name(it->value);
		if (lvl < 0)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: log_level: expected "
			    "error, warn, info or debug, got \"%.64s\"", it->file,
			    it->line, it->value);
		c->log_level = lvl;
		return JF_OK;
	}
	return JF_E_INTERNAL;
}

/* keyset = FILE: the key set replaces the empty one signing_key lines
 * would have filled. Its messages name the file and the member. */
static enum jf_err
load_keyset(struct mint_conf *c, unsigned line, struct jf_msg *m)
{
	struct keyset *ks = NULL;
	struct jf_msg km = { "" };
	enum jf_err rc;

	if ((rc = keyset_load(&ks, c->keyset_path, &km)) != JF_OK)
		return jf_fail(m, rc == JF_E_NOMEM ? rc : JF_E_CONFIG,
		    "%s:%u: keyset: %s", c->path, line, km.s);
	keyset_free(c->keyset);
	c->keyset = ks;
	return JF_OK;
}

static enum jf_err
join_url(char **dst, const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (asprintf(dst, "%.*s%s", (int)n, base, path) < 0) {
		*dst = NULL;
		return JF_E_NOMEM;
	}
	return JF_OK;
}

enum jf_err
mint_conf_load(struct mint_conf **out, const char *path, struct jf_msg *m)
{
	struct loader l = { 0 };
	struct mint_conf *c;
	enum jf_err rc = JF_E_NOMEM;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return JF_E_NOMEM;
	c->token_lifetime = 300;
	c->max_token_lifetime = 3600;
	c->jwks_max_age = 300;
	c->assertion_max_lifetime = 300;
	c->replay_quota = MINT_REPLAY_QUOTA_DEFAULT;
	c->leeway = 60;
	c->log_level = LOG_LVL_INFO;
	c->status_bits = 1;
	c->status_ttl = 60;
	c->status_lifetime = 900;
	c->max_live = MINT_LIVE_DEFAULT;
	mint_cimd_defaults(&c->cimd);
	if ((c->path = strdup(path)) == NULL ||
	    (c->keyset = keyset_new()) == NULL)
		goto fail;
	l.c = c;
	rc = ini_parse_file(path, on_item, &l, m);
	if (rc != JF_OK)
		goto fail;
	rc = JF_E_CONFIG;
	if (c->issuer == NULL) {
		jf_fail(m, rc, "%s: issuer: required", path);
		goto fail;
	}
	if (c->keyset_path != NULL && l.nkeys > 0) {
		jf_fail(m, rc, "%s:%u: keyset: excludes signing_key lines: the "
		    "key set names its keys", path, l.keyset_line);
		goto fail;
	}
	if (c->keyset_path == NULL && l.nkeys == 0) {
		jf_fail(m, rc, "%s: signing_key: at least one is required (or a "
		    "keyset)", path);
		goto fail;
	}
	if (c->keyset_path != NULL && (rc = load_keyset(c, l.keyset_line,
	    m)) != JF_OK)
		goto fail;
	rc = JF_E_CONFIG;
	if (c->registry == NULL) {
		jf_fail(m, rc, "%s: registry: required", path);
		goto fail;
	}
	if (c->token_lifetime > c->max_token_lifetime) {
		jf_fail(m, rc, "%s: token_lifetime %ld exceeds max_token_lifetime "
		    "%ld", path, c->token_lifetime, c->max_token_lifetime);
		goto fail;
	}
	if (c->status_ttl > c->status_lifetime) {
		jf_fail(m, rc, "%s: status_list_ttl %ld exceeds "
		    "status_list_lifetime %ld: a verifier would refetch a list "
		    "it may no longer use", path, c->status_ttl,
		    c->status_lifetime);
		goto fail;
	}
	if ((rc = mint_cimd_finish(&c->cimd, path, m)) != JF_OK)
		goto fail;
	rc = JF_E_NOMEM;
	if ((c->token_endpoint == NULL &&
	    join_url(&c->token_endpoint, c->issuer, "/token") != JF_OK) ||
	    (c->jwks_uri == NULL &&
	    join_url(&c->jwks_uri, c->issuer, "/jwks") != JF_OK) ||
	    (c->revocation_endpoint == NULL &&
	    join_url(&c->revocation_endpoint, c->issuer, "/revoke") != JF_OK) ||
	    (c->status_list_uri == NULL &&
	    join_url(&c->status_list_uri, c->issuer, "/statuslist") != JF_OK) ||
	    (c->state_dir == NULL &&
	    (c->state_dir = strdup(MINT_STATE_DIR_DEFAULT)) == NULL) ||
	    join_url(&c->state_path, c->state_dir, "/" MINT_STATE_FILE) !=
	    JF_OK)
		goto fail;
	/* One issuer, one set of Redis keys (jwt-fcgi revoke builds the
	 * same prefix). */
	if (asprintf(&c->state_prefix, "jf:%s:", c->issuer) < 0) {
		c->state_prefix = NULL;
		goto fail;
	}
	if (!l.peer_users_set) {
		size_t i;
		unsigned id;

		for (i = 0; i < sizeof(peer_default_users) /
		    sizeof(peer_default_users[0]); i++)
			if (peer_id(peer_default_users[i], 0, &id) == 0)
				c->peer_uid[c->npeer_uid++] = (uid_t)id;
	}
	c->keys = keyset_jwks(c->keyset);
	*out = c;
	return JF_OK;
fail:
	mint_conf_free(c);
	return rc == JF_E_IO ? JF_E_CONFIG : rc;
}

void
mint_conf_free(struct mint_conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->issuer);
	free(c->token_endpoint);
	free(c->jwks_uri);
	free(c->registry);
	free(c->keyset_path);
	free(c->client_ca);
	trust_free(c->trust);
	keyset_free(c->keyset);
	mint_cimd_conf_free(&c->cimd);
	free(c->status_list_uri);
	free(c->revocation_endpoint);
	free(c->state_url);
	free(c->state_dir);
	free(c->state_path);
	free(c->state_prefix);
	free(c);
}
