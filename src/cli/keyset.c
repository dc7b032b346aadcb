/* keyset.c - jwt-fcgi keys and keyset init, and what they share with
 * rotate (rotate.c): mint.conf's key lines, a key set loaded as the mint
 * loads it, and crash-safe writes of keys and key sets.
 *
 * The mint's own configuration reader lives in jwt-mint.fcgi, which this
 * program does not link; only the lines a key set needs are read here
 * (keyset, signing_key, max_token_lifetime, leeway, jwks_max_age), as
 * strictly as the mint reads them, and the rest is left to
 * jwt-mint.fcgi -t. Standard output carries data only (a kid, a path, the
 * key list); what was done and every warning go to standard error.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "conf/ini.h"
#include "jose/keyset.h"
#include "util/num.h"

#define CLI_LIFETIME_MAX 86400          /* as the mint's max_token_lifetime */

static enum jf_err mc_item(void *arg, const struct ini_item *it,
	struct jf_msg *m);
static int keys_print_json(const struct keyset *ks, const char *path,
	int64_t now);
static void keys_print_text(const struct keyset *ks, int64_t now);
static void keys_warn(void *arg, const char *msg);
static int init_convert(const struct cli_mintconf *mc, const char *target,
	int64_t now, struct keyset *ks, uid_t *uid, gid_t *gid);
static int init_fresh(const struct cli_mintconf *mc, enum jf_alg alg,
	unsigned bits, int64_t now, struct keyset *ks, char **keyfile,
	uid_t *uid, gid_t *gid);

/* ---- shared with rotate -------------------------------------------- */

static enum jf_err
mc_item(void *arg, const struct ini_item *it, struct jf_msg *m)
{
	struct cli_mintconf *c = arg;
	long *num = NULL, max = 0, min = 0;

	if (it->key == NULL || it->section != NULL)
		return JF_OK;   /* the mint refuses sections; -t says so */
	if (strcmp(it->key, "keyset") == 0) {
		if (c->keyset != NULL)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: keyset: given "
			    "twice", it->file, it->line);
		if (*it->value == '\0')
			return jf_fail(m, JF_E_CONFIG, "%s:%u: keyset: expected "
			    "a file name", it->file, it->line);
		if ((c->keyset = strdup(it->value)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		return JF_OK;
	}
	if (strcmp(it->key, "signing_key") == 0) {
		if (c->nsigning == CLI_SIGNING_KEYS_MAX)
			return jf_fail(m, JF_E_CONFIG, "%s:%u: signing_key: at "
			    "most %d keys", it->file, it->line,
			    CLI_SIGNING_KEYS_MAX);
		if ((c->signing[c->nsigning] = strdup(it->value)) == NULL)
			return jf_fail(m, JF_E_NOMEM, "out of memory");
		c->nsigning++;
		return JF_OK;
	}
	if (strcmp(it->key, "max_token_lifetime") == 0) {
		num = &c->max_token_lifetime;
		min = 1;
		max = CLI_LIFETIME_MAX;
	} else if (strcmp(it->key, "leeway") == 0) {
		num = &c->leeway;
		max = 3600;
	} else if (strcmp(it->key, "jwks_max_age") == 0) {
		num = &c->jwks_max_age;
		max = CLI_LIFETIME_MAX;
	}
	if (num != NULL && num_parse(it->value, min, max, num) != 0)
		return jf_fail(m, JF_E_CONFIG, "%s:%u: %s: expected seconds "
		    "%ld..%ld, got \"%.64s\"", it->file, it->line, it->key, min,
		    max, it->value);
	return JF_OK;
}

int
cli_mintconf_read(const char *path, struct cli_mintconf *c)
{
	struct jf_msg m = { "" };

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->max_token_lifetime = 3600;
	c->leeway = 60;
	c->jwks_max_age = 300;
	if (ini_parse_file(path, mc_item, c, &m) != JF_OK) {
		cli_err("%s", m.s);
		cli_mintconf_free(c);
		return -1;
	}
	if (c->keyset != NULL && c->nsigning > 0) {
		cli_err("%s: keyset excludes signing_key lines", path);
		cli_mintconf_free(c);
		return -1;
	}
	return 0;
}

void
cli_mintconf_free(struct cli_mintconf *c)
{
	size_t i;

	free(c->keyset);
	c->keyset = NULL;
	for (i = 0; i < c->nsigning; i++)
		free(c->signing[i]);
	c->nsigning = 0;
}

int
cli_keyset_load(const struct cli_mintconf *c, struct keyset **out)
{
	struct keyset *ks = NULL;
	struct keyset_entry e;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	size_t i;

	*out = NULL;
	if (c->keyset != NULL) {
		if (keyset_load(out, c->keyset, &m) != JF_OK) {
			cli_err("%s", m.s);
			return -1;
		}
		return 0;
	}
	if (c->nsigning == 0) {
		cli_err("%s: neither keyset nor signing_key", c->path);
		return -1;
	}
	/* As the mint schedules signing_key lines: the first active since
	 * ever, the others published and retired since ever. */
	if ((ks = keyset_new()) == NULL) {
		cli_err("out of memory");
		return -1;
	}
	for (i = 0; i < c->nsigning; i++) {
		if (key_load_file(&k, c->signing[i], &m) != JF_OK) {
			cli_err("%s", m.s);
			goto fail;
		}
		memset(&e, 0, sizeof(e));
		e.file = c->signing[i];
		e.at[KEYSET_RETIRES] = i == 0 ? KEYSET_NEVER : 0;
		e.at[KEYSET_REMOVED] = KEYSET_NEVER;
		if (keyset_add(ks, &e, k, &m) != JF_OK) {
			cli_err("%s: signing_key %s: %s", c->path, c->signing[i],
			    m.s);
			goto fail;
		}
	}
	*out = ks;
	return 0;
fail:
	keyset_free(ks);
	return -1;
}

int
cli_key_write(const char *path, const struct jf_key *k, uid_t uid, gid_t gid)
{
	char *pem = NULL, *tmp;
	size_t len = 0;

	if (key_private_pem(k, &pem, &len) != JF_OK) {
		cli_err("cannot encode the private key");
		return -1;
	}
	tmp = cli_tmp_write(path, pem, len, 0600, uid, gid);
	key_pem_free(pem, len);
	if (tmp == NULL)
		return -1;
	return cli_tmp_commit(tmp, path, 0);
}

int
cli_keyset_write(const char *path, const struct keyset *ks, mode_t mode,
	uid_t uid, gid_t gid, int replace)
{
	struct keyset *check = keyset_new();
	struct jf_msg m = { "" };
	char *text = keyset_to_json(ks), *tmp;
	int rc = -1;

	if (text == NULL || check == NULL) {
		cli_err("out of memory");
		goto out;
	}
	/* What the mint will read back, checked before it can. */
	if (keyset_parse(check, text, strlen(text), &m) != JF_OK) {
		cli_err("%s: the new key set would be refused: %s", path, m.s);
		goto out;
	}
	if ((tmp = cli_tmp_write(path, text, strlen(text), mode, uid,
	    gid)) == NULL)
		goto out;
	rc = cli_tmp_commit(tmp, path, replace);
out:
	free(text);
	keyset_free(check);
	return rc;
}

const char *
cli_mint_conf(void)
{
	const char *env = getenv("JWT_MINT_CONFIG");

	return env != NULL && *env != '\0' ? env :
	    SYSCONFDIR "/jwt-fcgi/mint.conf";
}

int
cli_parse_now(const struct cli_cmd *cmd, const char *s, int64_t *now)
{
	long long v;

	if (cli_parse_num(cmd, "--now", s, KEYSET_TIME_MIN, KEYSET_TIME_MAX,
	    &v) != 0)
		return -1;
	*now = (int64_t)v;
	return 0;
}

char *
cli_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		d = strdup(".");
	else if (slash == path)
		d = strdup("/");
	else
		d = strndup(path, (size_t)(slash - path));
	if (d == NULL)
		cli_err("out of memory");
	return d;
}

/* ---- keys ------------------------------------------------------------ */

static void
keys_warn(void *arg, const char *msg)
{
	(void)arg;
	cli_err("warning: %s", msg);
}

/* The state shown: "signing" for the active key that signs. */
static const char *
keys_state(const struct keyset *ks, size_t i, int64_t now)
{
	if ((long)i == keyset_signer(ks, now))
		return "signing";
	return keyset_state_name(keyset_state_at(keyset_get(ks, i), now));
}

static void
keys_print_text(const struct keyset *ks, int64_t now)
{
	const struct keyset_entry *e;
	char t[KEYSET__DATES][KEYSET_TIME_ROOM];
	size_t i;
	int d;

	for (i = 0; i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		for (d = 0; d < KEYSET__DATES; d++)
			keyset_time_fmt(e->at[d], t[d], sizeof(t[d]));
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e->kid,
		    keys_state(ks, i, now),
		    jf_alg_name(key_sign_alg(keyset_key(ks, i))),
		    t[0], t[1], t[2], t[3], e->file);
	}
}

/* A date, or null for "never" and "since ever". */
static struct json_object *
keys_date(int64_t t)
{
	char buf[KEYSET_TIME_ROOM];

	if (t == KEYSET_NEVER || t == 0)
		return NULL;
	return json_object_new_string(keyset_time_fmt(t, buf, sizeof(buf)));
}

static int
keys_print_json(const struct keyset *ks, const char *path, int64_t now)
{
	struct json_object *doc = json_object_new_object(), *arr = NULL, *o;
	const struct keyset_entry *e;
	long s = keyset_signer(ks, now);
	size_t i;
	int d, bad = doc == NULL;

	if (!bad) {
		json_object_object_add(doc, "now", keys_date(now));
		json_object_object_add(doc, "keyset", path != NULL ?
		    json_object_new_string(path) : NULL);
		json_object_object_add(doc, "signer", s >= 0 ?
		    json_object_new_string(keyset_get(ks, (size_t)s)->kid) :
		    NULL);
		bad = (arr = json_object_new_array()) == NULL ||
		    json_object_object_add(doc, "keys", arr) != 0;
	}
	for (i = 0; !bad && i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		if ((o = json_object_new_object()) == NULL ||
		    json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			bad = 1;
			break;
		}
		json_object_object_add(o, "kid", json_object_new_string(e->kid));
		json_object_object_add(o, "state", json_object_new_string(
		    keys_state(ks, i, now)));
		json_object_object_add(o, "alg", json_object_new_string(
		    jf_alg_name(key_sign_alg(keyset_key(ks, i)))));
		json_object_object_add(o, "file", json_object_new_string(
		    e->file));
		for (d = 0; d < KEYSET__DATES; d++)
			json_object_object_add(o, keyset_date_name(d),
			    keys_date(e->at[d]));
	}
	if (bad) {
		json_object_put(doc);
		cli_err("out of memory");
		return CLI_EXIT_FAIL;
	}
	printf("%s\n", json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return CLI_EXIT_OK;
}

int
cli_keys(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = cli_mint_conf();
	struct cli_mintconf mc;
	struct keyset *ks = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, json = 0, ret;

	while ((c = cli_getopt(cmd, argc, argv, ":c:jn:h", lo)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'j': json = 1; break;
		case 'n':
			if (cli_parse_now(cmd, optarg, &now) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (cli_mintconf_read(conf, &mc) != 0)
		return CLI_EXIT_USAGE;
	if (cli_keyset_load(&mc, &ks) != 0) {
		cli_mintconf_free(&mc);
		return CLI_EXIT_USAGE;
	}
	if (json)
		ret = keys_print_json(ks, mc.keyset, now);
	else {
		keys_print_text(ks, now);
		ret = CLI_EXIT_OK;
	}
	keyset_lint(ks, now, mc.max_token_lifetime + mc.leeway,
	    mc.jwks_max_age, keys_warn, NULL);
	keyset_free(ks);
	cli_mintconf_free(&mc);
	return ret;
}

/* ---- keyset init ----------------------------------------------------- */

/* signing_key lines into ks: each file must be in target's directory
 * (the set names plain files). The first key signs from now; the others
 * stay published and never sign, as they did. */
static int
init_convert(const struct cli_mintconf *mc, const char *target, int64_t now,
	struct keyset *ks, uid_t *uid, gid_t *gid)
{
	char *tdir = cli_dirname(target), *kdir = NULL;
	char treal[PATH_MAX], kreal[PATH_MAX];
	struct keyset_entry e;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	struct stat st;
	size_t i;
	int rc = -1;

	if (tdir == NULL)
		return -1;
	if (realpath(tdir, treal) == NULL) {
		cli_err("%s: %s", tdir, strerror(errno));
		goto out;
	}
	for (i = 0; i < mc->nsigning; i++) {
		free(kdir);
		if ((kdir = cli_dirname(mc->signing[i])) == NULL)
			goto out;
		if (realpath(kdir, kreal) == NULL ||
		    strcmp(kreal, treal) != 0) {
			cli_err("%s: not in %s, the key set's directory: move "
			    "it there (a key set names the files beside it)",
			    mc->signing[i], treal);
			goto out;
		}
		if (key_load_file(&k, mc->signing[i], &m) != JF_OK) {
			cli_err("%s", m.s);
			goto out;
		}
		if (i == 0 && stat(mc->signing[i], &st) == 0 &&
		    geteuid() == 0) {
			*uid = st.st_uid;
			*gid = st.st_gid;
		}
		memset(&e, 0, sizeof(e));
		e.file = strrchr(mc->signing[i], '/') != NULL ?
		    strrchr(mc->signing[i], '/') + 1 : mc->signing[i];
		e.kid = key_thumbprint(k);
		e.at[KEYSET_PUBLISHED] = e.at[KEYSET_ACTIVATES] = now;
		e.at[KEYSET_RETIRES] = i == 0 ? KEYSET_NEVER : now;
		e.at[KEYSET_REMOVED] = KEYSET_NEVER;
		/* The key itself is checked when the written set loads. */
		if (keyset_add(ks, &e, NULL, &m) != JF_OK) {
			cli_err("%s: %s", mc->signing[i], m.s);
			goto out;
		}
		key_free(k);
		k = NULL;
	}
	rc = 0;
out:
	key_free(k);
	free(tdir);
	free(kdir);
	return rc;
}

/* A fresh key beside mc->keyset, signing from now. *keyfile: the file
 * written, for the caller to remove if the set cannot be. */
static int
init_fresh(const struct cli_mintconf *mc, enum jf_alg alg, unsigned bits,
	int64_t now, struct keyset *ks, char **keyfile, uid_t *uid, gid_t *gid)
{
	struct keyset_entry e;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	char *dir = cli_dirname(mc->keyset), name[KEYSET_FILE_MAX + 1];
	struct stat st;
	int rc = -1;

	if (dir == NULL)
		return -1;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_err("%s: no such directory: make it, owned by the mint's "
		    "user", dir);
		goto out;
	}
	if (geteuid() == 0) {
		*uid = st.st_uid;
		*gid = st.st_gid;
	}
	if (key_generate(&k, alg, bits, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto out;
	}
	cli_key_name(name, sizeof(name), key_thumbprint(k), now);
	if (asprintf(keyfile, "%s/%s", dir, name) < 0) {
		*keyfile = NULL;
		cli_err("out of memory");
		goto out;
	}
	if (cli_key_write(*keyfile, k, *uid, *gid) != 0) {
		free(*keyfile);
		*keyfile = NULL;
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.file = name;
	e.kid = key_thumbprint(k);
	e.alg = alg;
	e.at[KEYSET_PUBLISHED] = e.at[KEYSET_ACTIVATES] = now;
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	if (keyset_add(ks, &e, NULL, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto out;
	}
	rc = 0;
out:
	key_free(k);
	free(dir);
	return rc;
}

void
cli_key_name(char *out, size_t room, const char *kid, int64_t now)
{
	time_t t = (time_t)now;
	char when[32] = "";
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	/* The date sorts the files; the kid's start tells them apart. */
	snprintf(out, room, "key-%s-%.8s.pem", when, kid);
}

int
cli_keyset_init(const struct cli_cmd *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "keyset", required_argument, NULL, 'k' },
		{ "alg", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = cli_mint_conf(), *target = NULL;
	struct cli_mintconf mc;
	struct keyset *ks = NULL, *loaded = NULL;
	struct jf_msg m = { "" };
	enum jf_alg alg = JF_ALG_ES256;
	long long bits = 0;
	int64_t now = (int64_t)time(NULL);
	char *keyfile = NULL, *deflt = NULL, *dir = NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;
	int c, lock = -1, ret = CLI_EXIT_FAIL;

	while ((c = cli_getopt(cmd, argc, argv, ":c:k:a:b:n:h", lo)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'k': target = optarg; break;
		case 'a':
			if (cli_parse_alg(cmd, optarg, &alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'b':
			if (cli_parse_num(cmd, "--bits", optarg, 2048, 4096,
			    &bits) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'n':
			if (cli_parse_now(cmd, optarg, &now) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (bits != 0 && alg != JF_ALG_RS256 && alg != JF_ALG_PS256)
		return cli_usage_err(cmd, "--bits is only for RS256 and PS256");
	if (cli_mintconf_read(conf, &mc) != 0)
		return CLI_EXIT_USAGE;
	ret = CLI_EXIT_USAGE;
	if (mc.keyset != NULL && target != NULL &&
	    strcmp(mc.keyset, target) != 0) {
		cli_usage_err(cmd, "--keyset: %s names the key set already (%s)",
		    conf, mc.keyset);
		goto out;
	}
	if (mc.keyset == NULL && mc.nsigning == 0) {
		cli_err("%s: neither keyset nor signing_key: add keyset = FILE",
		    conf);
		goto out;
	}
	if (mc.keyset != NULL)
		target = mc.keyset;
	else if (target == NULL) {
		if ((dir = cli_dirname(mc.signing[0])) == NULL ||
		    asprintf(&deflt, "%s/keyset.json", dir) < 0) {
			deflt = NULL;
			cli_err("out of memory");
			goto out;
		}
		target = deflt;
	}
	ret = CLI_EXIT_FAIL;
	if (lstat(target, &st) == 0) {
		cli_err("%s: exists; not replacing a key set (jwt-fcgi rotate "
		    "changes one)", target);
		goto out;
	}
	if ((lock = cli_reg_lock(target)) < 0)
		goto out;
	if ((ks = keyset_new()) == NULL) {
		cli_err("out of memory");
		goto out;
	}
	if (mc.keyset != NULL ? init_fresh(&mc, alg, (unsigned)bits, now, ks,
	    &keyfile, &uid, &gid) : init_convert(&mc, target, now, ks, &uid,
	    &gid))
		goto out;
	if (cli_keyset_write(target, ks, 0644, uid, gid, 0) != 0)
		goto out;
	/* Loaded as the mint will: key files, modes, thumbprints. */
	if (keyset_load(&loaded, target, &m) != JF_OK) {
		cli_err("%s", m.s);
		cli_err("%s: removed again", target);
		unlink(target);
		goto out;
	}
	printf("%s\n", target);
	cli_err("%s: %zu key%s, %s signs from now", target,
	    keyset_count(ks), keyset_count(ks) == 1 ? "" : "s",
	    keyset_get(ks, 0)->kid);
	if (mc.keyset == NULL)
		cli_err("now replace the signing_key lines of %s with: "
		    "keyset = %s", conf, target);
	free(keyfile);
	keyfile = NULL;
	ret = CLI_EXIT_OK;
out:
	if (keyfile != NULL) {
		unlink(keyfile);        /* a key no set names */
		free(keyfile);
	}
	if (lock >= 0)
		close(lock);
	keyset_free(loaded);
	keyset_free(ks);
	free(deflt);
	free(dir);
	cli_mintconf_free(&mc);
	return ret;
}
