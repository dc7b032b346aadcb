/* register.c - jwt-fcgi register: a client certificate from the service
 * CA (ca.c), and its entry in the mint's registry (registry.c).
 *
 * register changes the registry the mint reads while the mint may be
 * reading it, and while another register may run:
 *   - an flock on FILE.lock (never removed: removing it would let two
 *     runs lock two different files) serialises read-modify-write;
 *   - the new text is checked with registry_parse, the mint's own loader,
 *     and the new certificate must select this service through
 *     registry_match; an invalid registry is never written;
 *   - it goes to a temp file beside FILE with FILE's mode and owner,
 *     synced, then rename()d over FILE: a reader sees the old file or
 *     the new one, and a full disk leaves FILE as it was.
 * The key and certificate are written the same way, before the registry.
 * Nothing is written until everything has been checked.
 *
 * --client-secret also gives the service a fresh 256-bit client secret
 * (client_secret_basic/_post): given once, only its SHA-256 stored. The
 * mint stores secrets unsalted, which is sound only for secrets like
 * these; operators never choose one. The secret is the only thing on
 * stdout, so that sec=$(jwt-fcgi register ...) captures it alone (every
 * message goes to stderr), or it goes to a new file (--secret-file). It
 * is handed over before the registry is replaced: if it cannot be, the
 * service keeps its old secret instead of getting one nobody knows.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>

#include "jose/b64.h"
#include "x509/cert.h"
#include "cli.h"
#include "util/json.h"
#include "registry/registry.h"

#define REG_ID_MAX 64           /* the ID is the certificate's CN */
#define REG_CLAIMS_MAX 64       /* --claim options */
#define REG_DAYS_MAX 36500LL
#define REG_MODE 0644           /* a new registry: the mint must read it */
#define REG_SECRET_BYTES 32
#define REG_SECRET_LEN B64URL_ENC_LEN(REG_SECRET_BYTES)

static int list_add(const struct cli_cmd *cmd, struct cli_strlist *l,
	const char *opt, size_t max, const char *v);
static int check_id(const struct cli_cmd *cmd, const char *id);
static char *path_join(const char *dir, const char *name, const char *ext);
static int set_secret(struct json_object *doc, const char *id, char *secret);
static int write_all(int fd, const char *p, size_t n);

int
cli_register(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_URI = 256, O_DNS, O_TD, O_SCOPE, O_DSCOPE, O_AUD, O_DAUD,
		O_LIFE, O_CLAIM, O_DAYS, O_PIN, O_DISABLE, O_DESC, O_SECRET,
		O_SECRET_FILE };
	static const struct option lo[] = {
		{ "registry", required_argument, NULL, 'r' },
		{ "ca-dir", required_argument, NULL, 'C' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "alg", required_argument, NULL, 'a' },
		{ "san-uri", required_argument, NULL, O_URI },
		{ "san-dns", required_argument, NULL, O_DNS },
		{ "trust-domain", required_argument, NULL, O_TD },
		{ "scope", required_argument, NULL, O_SCOPE },
		{ "default-scope", required_argument, NULL, O_DSCOPE },
		{ "audience", required_argument, NULL, O_AUD },
		{ "default-audience", required_argument, NULL, O_DAUD },
		{ "lifetime", required_argument, NULL, O_LIFE },
		{ "claim", required_argument, NULL, O_CLAIM },
		{ "days", required_argument, NULL, O_DAYS },
		{ "description", required_argument, NULL, O_DESC },
		{ "pin", no_argument, NULL, O_PIN },
		{ "disable", no_argument, NULL, O_DISABLE },
		{ "client-secret", no_argument, NULL, O_SECRET },
		{ "secret-file", required_argument, NULL, O_SECRET_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_reg_opts o;
	struct cli_ca *ca = NULL;
	struct cli_leaf leaf;
	struct cert *crt = NULL;
	struct registry *reg = NULL;
	struct json_object *doc = NULL;
	struct jf_msg m = { "" };
	struct stat st, sb;
	char *keypem = NULL, *crtpem = NULL, *defuri = NULL;
	char *keyp = NULL, *crtp = NULL, *tk = NULL, *tc = NULL, *tr = NULL;
	char *ts = NULL, *real = NULL, *out = NULL;
	char secret[REG_SECRET_LEN + 2] = "";   /* and a newline */
	const char *text, *regpath, *td, *secret_file = NULL;
	size_t keylen = 0, crtlen = 0, textlen, i;
	int c, lockfd = -1, exists = 0, added = 0, rc, ret = CLI_EXIT_FAIL;
	int want_secret = 0, secret_linked = 0;

	memset(&o, 0, sizeof(o));
	o.ca_dir = ".";
	o.out_dir = ".";
	o.days = 365;
	o.alg = JF_ALG_ES256;
	while ((c = cli_getopt(cmd, argc, argv, ":r:C:o:a:h", lo)) != -1) {
		switch (c) {
		case 'r': o.registry = optarg; break;
		case 'C': o.ca_dir = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'a':
			if (cli_parse_alg(cmd, optarg, &o.alg) != 0)
				return CLI_EXIT_USAGE;
			if (o.alg == JF_ALG_PS256)
				return cli_usage_err(cmd, "--alg: PS256 keys "
				    "are RSA keys: use RS256");
			break;
		case O_URI:
			if (list_add(cmd, &o.uri, "--san-uri", CERT_SAN_MAX,
			    optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DNS:
			for (i = 0; optarg[i] != '\0'; i++)
				optarg[i] = (char)tolower(
				    (unsigned char)optarg[i]);
			if (list_add(cmd, &o.dns, "--san-dns", CERT_SAN_MAX,
			    optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_TD: o.td = optarg; break;
		case O_SCOPE:
			if (list_add(cmd, &o.scope, "--scope",
			    REGISTRY_SCOPES_MAX, optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DSCOPE:
			if (list_add(cmd, &o.def_scope, "--default-scope",
			    REGISTRY_SCOPES_MAX, optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_AUD:
			if (list_add(cmd, &o.aud, "--audience",
			    REGISTRY_LIST_MAX, optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DAUD: o.def_aud = optarg; break;
		case O_LIFE:
			if (cli_parse_num(cmd, "--lifetime", optarg, 1,
			    REGISTRY_LIFETIME_MAX, &o.lifetime) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_CLAIM:
			if (list_add(cmd, &o.claim, "--claim", REG_CLAIMS_MAX,
			    optarg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DAYS:
			if (cli_parse_num(cmd, "--days", optarg, 1,
			    REG_DAYS_MAX, &o.days) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_DESC: o.desc = optarg; break;
		case O_PIN: o.pin = 1; break;
		case O_DISABLE: o.disable = 1; break;
		case O_SECRET: want_secret = 1; break;
		case O_SECRET_FILE:
			secret_file = optarg;
			want_secret = 1;
			break;
		default: return cli_opt_exit(c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_err(cmd, "expected one service ID");
	o.id = argv[optind];
	if (o.registry == NULL)
		return cli_usage_err(cmd, "--registry is required");
	if (check_id(cmd, o.id) != 0)
		return CLI_EXIT_USAGE;
	if (o.td != NULL && !cli_trust_domain_ok(o.td))
		return cli_usage_err(cmd, "--trust-domain: expected 1 to 255 "
		    "of a-z 0-9 . - _, got '%s'", o.td);
	if (o.uri.n == 0 && strspn(o.id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789.-_") != strlen(o.id))
		return cli_usage_err(cmd, "ID '%s' is not a SPIFFE path "
		    "segment (A-Z a-z 0-9 . - _); give --san-uri", o.id);
	/* Early, to issue nothing in vain; the link() below is what
	 * guarantees it. A secret file is never replaced. */
	if (secret_file != NULL && lstat(secret_file, &sb) == 0) {
		cli_err("%s: exists; not replacing it (--secret-file makes a "
		    "new file)", secret_file);
		return CLI_EXIT_FAIL;
	}

	if (cli_ca_load(&ca, o.ca_dir) != 0)
		goto fail;
	if (o.uri.n == 0) {
		/* The default identity: spiffe://TRUST-DOMAIN/ID. */
		if ((td = o.td != NULL ? o.td : cli_ca_trust_domain(ca)) ==
		    NULL) {
			cli_err("the CA names no trust domain; give "
			    "--trust-domain or --san-uri");
			ret = CLI_EXIT_USAGE;
			goto fail;
		}
		if ((defuri = malloc(strlen(td) + strlen(o.id) + 12)) == NULL)
			goto nomem;
		sprintf(defuri, "spiffe://%s/%s", td, o.id);
		o.uri.v[o.uri.n++] = defuri;
	}

	/* A registry reached through a symlink is replaced at its target. */
	regpath = o.registry;
	if ((real = realpath(o.registry, NULL)) != NULL)
		regpath = real;
	if ((lockfd = cli_reg_lock(regpath)) < 0)
		goto fail;
	if ((rc = cli_reg_read(regpath, &doc, &st, &exists)) != 0) {
		ret = rc;
		goto fail;
	}
	memset(&leaf, 0, sizeof(leaf));
	leaf.cn = o.id;
	leaf.uri = o.uri.v;
	leaf.nuri = o.uri.n;
	leaf.dns = o.dns.v;
	leaf.ndns = o.dns.n;
	leaf.days = (long)o.days;
	leaf.alg = o.alg;
	if (cli_ca_issue(ca, &leaf, &keypem, &keylen, &crtpem, &crtlen) != 0)
		goto fail;
	/* Read the identities back the way the mint will. */
	if (cert_parse(&crt, crtpem, crtlen, &m) != JF_OK) {
		cli_err("the new certificate: %s", m.s);
		goto fail;
	}

	if ((rc = cli_reg_apply(&o, doc, crt, &added)) != 0) {
		ret = rc;
		goto fail;
	}
	if (want_secret && set_secret(doc, o.id, secret) != 0)
		goto fail;
	text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &textlen);
	/* The bytes checked are the bytes written, newline included. */
	if (text == NULL || (out = malloc(textlen + 2)) == NULL)
		goto nomem;
	memcpy(out, text, textlen);
	out[textlen++] = '\n';
	out[textlen] = '\0';
	text = out;
	if (registry_parse(&reg, text, textlen, &m) != JF_OK) {
		cli_err("refused, the registry would be invalid: %s",
		    m.s);
		ret = CLI_EXIT_USAGE;
		goto fail;
	}
	/* A disabled service never matches; there is nothing to see. */
	if (!o.disable && cli_reg_selects(reg, crt, o.id) != 0) {
		ret = CLI_EXIT_USAGE;
		goto fail;
	}

	/* It will hold a private key: new directories are the owner's. */
	if (cli_mkdirs(o.out_dir, 0700) != 0)
		goto fail;
	if ((keyp = path_join(o.out_dir, o.id, ".key")) == NULL ||
	    (crtp = path_join(o.out_dir, o.id, ".crt")) == NULL)
		goto nomem;
	if ((tk = cli_tmp_write(keyp, keypem, keylen, 0600, (uid_t)-1,
	    (gid_t)-1)) == NULL ||
	    (tc = cli_tmp_write(crtp, crtpem, crtlen, 0644, (uid_t)-1,
	    (gid_t)-1)) == NULL)
		goto fail;
	/* The registry keeps its mode and owner (the mint may run as
	 * another user); chown only what differs, so non-root works. */
	if ((tr = cli_tmp_write(regpath, text, textlen, exists ?
	    st.st_mode & 07777 : REG_MODE,
	    exists && st.st_uid != geteuid() ? st.st_uid : (uid_t)-1,
	    exists && st.st_gid != getegid() ? st.st_gid : (gid_t)-1)) ==
	    NULL)
		goto fail;
	if (secret[0] != '\0') {
		secret[REG_SECRET_LEN] = '\n';
		secret[REG_SECRET_LEN + 1] = '\0';
		if (secret_file != NULL &&
		    (ts = cli_tmp_write(secret_file, secret, strlen(secret),
		    0600, (uid_t)-1, (gid_t)-1)) == NULL)
			goto fail;
	}

	/* The secret first: if it cannot be handed over, nothing changes.
	 * link() (replace 0) refuses an existing file, even one made since
	 * the check above. A closed stdout is EPIPE, not a death by SIGPIPE
	 * that would leave the temp files behind. */
	if (secret_file != NULL) {
		rc = cli_tmp_commit(ts, secret_file, 0);
		ts = NULL;
		if (rc != 0)
			goto fail;
		secret_linked = 1;
	} else if (secret[0] != '\0' &&
	    (signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    write_all(STDOUT_FILENO, secret, strlen(secret)) != 0)) {
		cli_err("cannot write the client secret to standard output "
		    "(%s); nothing was changed", strerror(errno));
		goto fail;
	}
	rc = cli_tmp_commit(tk, keyp, 1);
	tk = NULL;
	if (rc == 0) {
		rc = cli_tmp_commit(tc, crtp, 1);
		tc = NULL;
	}
	if (rc == 0) {
		rc = cli_tmp_commit(tr, regpath, 1);
		tr = NULL;
	}
	if (rc != 0)
		goto fail;
	cli_err("%s: %s service %s (%zu service%s); key %s, certificate %s, "
	    "SAN URI %s", o.registry, added ? "added" : "updated", o.id,
	    registry_count(reg), registry_count(reg) == 1 ? "" : "s", keyp,
	    crtp, cert_san_uri(crt, 0));
	if (secret_file != NULL)
		cli_err("client secret written to %s (mode 0600): only its "
		    "SHA-256 is kept in the registry", secret_file);
	else if (secret[0] != '\0')
		cli_err("client secret on standard output: store it now, only "
		    "its SHA-256 is kept in the registry");
	secret_linked = 0;
	ret = CLI_EXIT_OK;
	goto fail;
nomem:
	cli_err("out of memory");
fail:
	/* A secret the registry does not hold opens nothing: remove it. */
	if (secret_linked)
		unlink(secret_file);
	cli_tmp_discard(ts);
	cli_tmp_discard(tk);
	cli_tmp_discard(tc);
	cli_tmp_discard(tr);
	if (lockfd >= 0)
		close(lockfd);
	if (keypem != NULL)
		key_pem_free(keypem, keylen);
	free(crtpem);
	free(defuri);
	free(keyp);
	free(crtp);
	free(real);
	free(out);
	gnutls_memset(secret, 0, sizeof(secret));
	json_object_put(doc);
	registry_free(reg);
	cert_free(crt);
	cli_ca_free(ca);
	return ret;
}

static int
list_add(const struct cli_cmd *cmd, struct cli_strlist *l, const char *opt,
    size_t max, const char *v)
{
	if (l->n >= max) {
		cli_usage_err(cmd, "%s: at most %zu", opt, max);
		return -1;
	}
	l->v[l->n++] = v;
	return 0;
}

/* The ID names files (ID.key) and is the certificate's CN. */
static int
check_id(const struct cli_cmd *cmd, const char *id)
{
	const unsigned char *p;

	if (id[0] == '\0' || id[0] == '.' || id[0] == '-' ||
	    strlen(id) > REG_ID_MAX || strchr(id, '/') != NULL) {
		cli_usage_err(cmd, "ID: expected 1 to %d bytes, no '/', not "
		    "starting with '.' or '-', got '%s'", REG_ID_MAX, id);
		return -1;
	}
	for (p = (const unsigned char *)id; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f) {
			cli_usage_err(cmd, "ID: expected printable ASCII "
			    "without spaces, got '%s'", id);
			return -1;
		}
	return 0;
}

/* "dir/name.ext", or "name.ext" when dir is NULL. */
static char *
path_join(const char *dir, const char *name, const char *ext)
{
	size_t n = (dir != NULL ? strlen(dir) + 1 : 0) + strlen(name) +
	    strlen(ext) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s%s", dir != NULL ? dir : "",
		    dir != NULL ? "/" : "", name, ext);
	return p;
}

/* A fresh secret: REG_SECRET_BYTES random bytes as base64url (nothing to
 * escape in a form or in Basic credentials); service id gets its SHA-256
 * as client_secret_sha256. secret has at least REG_SECRET_LEN + 1
 * bytes. */
static int
set_secret(struct json_object *doc, const char *id, char *secret)
{
	unsigned char rnd[REG_SECRET_BYTES], d[32];
	struct json_object *svcs = NULL, *svc;
	char hex[65];
	const char *s;
	size_t i, n;

	json_object_object_get_ex(doc, "services", &svcs);
	n = json_object_array_length(svcs);
	for (i = 0, svc = NULL; i < n && svc == NULL; i++) {
		s = json_str(json_object_array_get_idx(svcs, i), "id");
		if (s != NULL && strcmp(s, id) == 0)
			svc = json_object_array_get_idx(svcs, i);
	}
	if (svc == NULL || gnutls_rnd(GNUTLS_RND_KEY, rnd, sizeof(rnd)) != 0) {
		cli_err("no random bytes for the client secret");
		return -1;
	}
	b64url_encode(secret, rnd, sizeof(rnd));
	gnutls_memset(rnd, 0, sizeof(rnd));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret),
	    d) != 0) {
		cli_err("SHA-256 failed");
		return -1;
	}
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	if (json_object_object_add(svc, "client_secret_sha256",
	    json_object_new_string(hex)) != 0) {
		cli_err("out of memory");
		return -1;
	}
	return 0;
}

/* n bytes to fd, without stdio: the secret stays in no buffer of ours.
 * 0, or -1 with errno set. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
