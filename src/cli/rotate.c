/* rotate.c - jwt-fcgi rotate: a new signing key into the mint's key set.
 *
 * The new key is published now and signs only after the pre-publication
 * delay, so that every verifier has fetched a JWKS holding it before the
 * first token it signs arrives: the default, 20 minutes, is twice
 * jwt-authz.fcgi's default JWKS refresh of 10 minutes. The key that
 * signs now stops when the new one starts, and stays published for
 * max_token_lifetime + leeway more, until the last token it signed has
 * expired everywhere; then a later rotate drops it.
 *
 * Order of writes, so that the running mint (which reloads when the key
 * set changes) never reads a set naming a missing key: the key file
 * (new name, never replacing), then the set (temp file, fsync, rename),
 * then, with --delete-gone, the files of keys no longer in it. One rotate
 * at a time: KEYSET.lock.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "jose/keyset.h"
#include "util/audit.h"

#define ROT_PREPUBLISH 1200             /* seconds: see above */
#define ROT_REFRESH 600                 /* jwt-authz.fcgi's default */
#define ROT_PREPUBLISH_MAX (30 * 86400)

struct rot_opts {
	const char *conf;
	long long prepublish, leeway, bits;
	enum jf_alg alg;
	int delete_gone;
	int64_t now;
};

static int rot_parse(const struct cli_cmd *cmd, int argc, char **argv,
	struct rot_opts *o);
static int rot_busy(const struct keyset *ks, int64_t now);
static enum jf_alg rot_alg(const struct keyset *ks, int64_t now);
static void rot_report(const struct keyset *cur, const struct keyset *next,
	const char *dir, int delete_gone);
static void rot_warn(void *arg, const char *msg);

static int
rot_parse(const struct cli_cmd *cmd, int argc, char **argv,
	struct rot_opts *o)
{
	enum { O_DELETE = 256 };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "prepublish", required_argument, NULL, 'p' },
		{ "leeway", required_argument, NULL, 'l' },
		{ "alg", required_argument, NULL, 'a' },
		{ "bits", required_argument, NULL, 'b' },
		{ "delete-gone", no_argument, NULL, O_DELETE },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->conf = cli_mint_conf();
	o->prepublish = ROT_PREPUBLISH;
	o->leeway = -1;
	o->now = (int64_t)time(NULL);
	while ((c = cli_getopt(cmd, argc, argv, ":c:p:l:a:b:n:h", lo)) != -1) {
		switch (c) {
		case 'c': o->conf = optarg; break;
		case 'p':
			if (cli_parse_num(cmd, "--prepublish", optarg, 0,
			    ROT_PREPUBLISH_MAX, &o->prepublish) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'l':
			if (cli_parse_num(cmd, "--leeway", optarg, 0, 3600,
			    &o->leeway) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'a':
			if (cli_parse_alg(cmd, optarg, &o->alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'b':
			if (cli_parse_num(cmd, "--bits", optarg, 2048, 4096,
			    &o->bits) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DELETE: o->delete_gone = 1; break;
		case 'n':
			if (cli_parse_now(cmd, optarg, &o->now) != 0)
				return CLI_EXIT_USAGE;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (o->bits != 0 && o->alg != JF_ALG_RS256 && o->alg != JF_ALG_PS256)
		return cli_usage_err(cmd, "--bits needs --alg RS256 or PS256");
	return -1;
}

/* A key still to publish or to activate: a rotation under way. Refused
 * rather than stacked, so that two keys never wait at once and the
 * schedule stays one an operator can read. 1 after reporting, else 0. */
static int
rot_busy(const struct keyset *ks, int64_t now)
{
	const struct keyset_entry *e;
	char when[KEYSET_TIME_ROOM];
	enum keyset_state st;
	size_t i;

	for (i = 0; i < keyset_count(ks); i++) {
		e = keyset_get(ks, i);
		st = keyset_state_at(e, now);
		if (st != KEYSET_FUTURE && st != KEYSET_PENDING)
			continue;
		cli_err("a rotation is under way: key %s activates at %s; "
		    "rotate again after that", e->kid, keyset_time_fmt(
		    e->at[KEYSET_ACTIVATES], when, sizeof(when)));
		return 1;
	}
	return 0;
}

/* The signer's algorithm, else the newest key's, else ES256. */
static enum jf_alg
rot_alg(const struct keyset *ks, int64_t now)
{
	long s = keyset_signer(ks, now);

	if (s < 0 && keyset_count(ks) > 0)
		s = (long)keyset_count(ks) - 1;
	return s >= 0 ? key_sign_alg(keyset_key(ks, (size_t)s)) :
	    JF_ALG_ES256;
}

static void
rot_warn(void *arg, const char *msg)
{
	(void)arg;
	cli_err("warning: %s", msg);
}

/* What changed, on stderr: keys retired, keys dropped (and deleted). */
static void
rot_report(const struct keyset *cur, const struct keyset *next,
	const char *dir, int delete_gone)
{
	const struct keyset_entry *a, *b;
	char t1[KEYSET_TIME_ROOM], t2[KEYSET_TIME_ROOM], *path;
	size_t i, j;

	for (i = 0; i < keyset_count(cur); i++) {
		a = keyset_get(cur, i);
		for (j = 0, b = NULL; j < keyset_count(next); j++)
			if (strcmp(keyset_get(next, j)->kid, a->kid) == 0)
				b = keyset_get(next, j);
		if (b != NULL) {
			if (b->at[KEYSET_RETIRES] != a->at[KEYSET_RETIRES])
				cli_err("key %s signs until %s and leaves the "
				    "JWKS at %s", a->kid, keyset_time_fmt(
				    b->at[KEYSET_RETIRES], t1, sizeof(t1)),
				    keyset_time_fmt(b->at[KEYSET_REMOVED], t2,
				    sizeof(t2)));
			continue;
		}
		cli_err("key %s left the JWKS at %s: dropped from the key set%s",
		    a->kid, keyset_time_fmt(a->at[KEYSET_REMOVED], t1,
		    sizeof(t1)), delete_gone ? "" : " (its file stays)");
		if (!delete_gone)
			continue;
		if (asprintf(&path, "%s/%s", dir, a->file) < 0) {
			cli_err("out of memory");
			continue;
		}
		if (unlink(path) != 0 && errno != ENOENT)
			cli_err("%s: cannot delete: %s", path, strerror(errno));
		else
			cli_err("deleted %s", path);
		free(path);
	}
}

/* One audit line for the new key (its kid and times, never the key). */
static void
rot_audit(const struct keyset_entry *e, const char *alg, const char *activates)
{
	struct json_object *o = audit_new("key_added", time(NULL));
	struct passwd *pw = getpwuid(getuid());

	if (o == NULL)
		return;
	json_object_object_add(o, "actor", json_object_new_string("cli"));
	audit_str(o, "user", pw != NULL ? pw->pw_name : NULL);
	audit_str(o, "kid", e->kid);
	audit_str(o, "alg", alg);
	audit_str(o, "activates", activates);
	audit_emit_cli(o, "jwt-fcgi");
}

int
cli_rotate(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct rot_opts o;
	struct cli_mintconf mc;
	struct keyset *cur = NULL, *next = NULL;
	struct keyset_entry e;
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	char name[KEYSET_FILE_MAX + 1], t1[KEYSET_TIME_ROOM];
	char t2[KEYSET_TIME_ROOM], *dir = NULL, *keyfile = NULL;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	struct stat st;
	long overlap;
	int lock = -1, ret, rc;

	if ((ret = rot_parse(cmd, argc, argv, &o)) >= 0)
		return ret;
	if (cli_mintconf_read(o.conf, &mc) != 0)
		return CLI_EXIT_USAGE;
	ret = CLI_EXIT_USAGE;
	if (mc.keyset == NULL) {
		cli_err("%s: the keys are signing_key lines, not a key set: "
		    "convert them with 'jwt-fcgi keyset init -c %s' first",
		    o.conf, o.conf);
		goto out;
	}
	overlap = mc.max_token_lifetime + (o.leeway >= 0 ? o.leeway :
	    mc.leeway);
	if ((dir = cli_dirname(mc.keyset)) == NULL)
		goto out;
	if ((lock = cli_reg_lock(mc.keyset)) < 0)
		goto out;
	/* Under the lock: the set another rotate may just have written. */
	if (keyset_load(&cur, mc.keyset, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto out;
	}
	ret = CLI_EXIT_FAIL;
	if (stat(mc.keyset, &st) != 0) {
		cli_err("%s: %s", mc.keyset, strerror(errno));
		goto out;
	}
	/* As root, the new files belong to whoever owns the set (the
	 * mint's user), or the mint could not read its new key. */
	if (geteuid() == 0) {
		uid = st.st_uid;
		gid = st.st_gid;
	}
	if (rot_busy(cur, o.now))
		goto out;
	if (o.alg == JF_ALG_NONE)
		o.alg = rot_alg(cur, o.now);
	if (key_generate(&k, o.alg, (unsigned)o.bits, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto out;
	}
	cli_key_name(name, sizeof(name), key_thumbprint(k), o.now);
	if (asprintf(&keyfile, "%s/%s", dir, name) < 0) {
		keyfile = NULL;
		cli_err("out of memory");
		goto out;
	}
	if (cli_key_write(keyfile, k, uid, gid) != 0) {
		free(keyfile);
		keyfile = NULL;         /* not ours to remove */
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.file = name;
	e.kid = key_thumbprint(k);
	e.alg = o.alg;
	e.at[KEYSET_PUBLISHED] = o.now;
	e.at[KEYSET_ACTIVATES] = o.now + o.prepublish;
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	if ((rc = keyset_rotate(cur, &e, o.now, overlap, &next, &m)) !=
	    JF_OK) {
		cli_err("%s", m.s);
		ret = rc == JF_E_INVALID_REQUEST ? CLI_EXIT_FAIL :
		    CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_keyset_write(mc.keyset, next, st.st_mode & 0777, uid, gid,
	    1) != 0)
		goto out;
	free(keyfile);
	keyfile = NULL;         /* the set names it now: keep it */
	cli_err("added key %s (%s, %s): published now, signs from %s",
	    e.kid, name, jf_alg_name(o.alg), keyset_time_fmt(
	    e.at[KEYSET_ACTIVATES], t1, sizeof(t1)));
	rot_audit(&e, jf_alg_name(o.alg), t1);
	rot_report(cur, next, dir, o.delete_gone);
	if (o.prepublish < ROT_REFRESH)
		cli_err("warning: --prepublish %lld: a verifier that refreshes "
		    "its JWKS every %d s (jwt-authz.fcgi's default) may not know "
		    "key %s before %s", o.prepublish, ROT_REFRESH, e.kid,
		    keyset_time_fmt(o.now + ROT_REFRESH, t2, sizeof(t2)));
	keyset_lint(next, o.now, overlap, mc.jwks_max_age, rot_warn, NULL);
	printf("%s\n", e.kid);
	ret = CLI_EXIT_OK;
out:
	if (keyfile != NULL)
		unlink(keyfile);        /* a key no set names */
	free(keyfile);
	if (lock >= 0)
		close(lock);
	key_free(k);
	keyset_free(cur);
	keyset_free(next);
	free(dir);
	cli_mintconf_free(&mc);
	return ret;
}
