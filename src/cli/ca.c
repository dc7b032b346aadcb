/* ca.c - jwt-fcgi ca init, and the service CA that `register` issues
 * client certificates with.
 *
 * Certificates are built with GnuTLS's own calls (gnutls_x509_crt_*), not
 * by driving certtool, so the tool needs no template files and every
 * field is set on purpose:
 *   CA:     CN, basicConstraints CA:TRUE pathlen 0 (critical: it signs
 *           client certificates, never another CA), keyUsage keyCertSign
 *           and cRLSign (critical), subject key id, and the SAN URI
 *           "spiffe://TD" naming its SPIFFE trust domain;
 *   client: CN, SAN URIs and DNS names, CA:FALSE, keyUsage
 *           digitalSignature, extKeyUsage clientAuth, subject and
 *           authority key ids.
 * Both start 5 minutes in the past so a peer whose clock is slightly
 * behind accepts them at once. Serials are 16 random bytes (RFC 5280
 * allows 20), positive.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cli.h"
#include "jose/key.h"

#define CA_DAYS_MAX 36500L
#define CA_BACKDATE 300                 /* seconds: clock skew */
#define CA_FILE_MAX (64 * 1024)         /* ca.crt, ca.key */
#define CA_TD_MAX 255                   /* SPIFFE trust domain */
#define CA_KEYID_MAX 64
#define CA_RSA_BITS 3072                /* the CA outlives its clients */
#define CA_DEFAULT_CN "jwt-fcgi service CA"
#define SPIFFE "spiffe://"

struct cli_ca {
	gnutls_x509_crt_t crt;
	gnutls_privkey_t key;
	unsigned char ski[CA_KEYID_MAX];
	size_t skilen;                  /* 0: the CA has no subject key id */
	char td[CA_TD_MAX + 1];         /* "" when it names none */
};

static int gen_key(enum jf_alg alg, unsigned bits, gnutls_privkey_t *priv,
	gnutls_pubkey_t *pub, char **pem, size_t *pemlen);
static int import_key(gnutls_privkey_t *out, const char *pem, size_t len);
static int crt_base(gnutls_x509_crt_t crt, gnutls_pubkey_t pub,
	const char *cn, time_t not_after);
static int crt_sign(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
	gnutls_privkey_t key, char **pem, size_t *len);
static int gt_fail(const char *what, int rc);
static int check_alg(const struct cli_cmd *cmd, const char *s,
	enum jf_alg *alg);
static void td_from_cn(char *td, size_t cap, const char *cn);
static char *path_join(const char *dir, const char *name);
static void hex(char *dst, const unsigned char *p, size_t n);

int
cli_ca_init(const struct cli_cmd *cmd, int argc, char **argv)
{
	enum { O_TD = 256 };
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "cn", required_argument, NULL, 'n' },
		{ "days", required_argument, NULL, 'D' },
		{ "alg", required_argument, NULL, 'a' },
		{ "trust-domain", required_argument, NULL, O_TD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = ".", *cn = CA_DEFAULT_CN, *td_opt = NULL;
	enum jf_alg alg = JF_ALG_ES256;
	long long days = 3650;
	char td[CA_TD_MAX + 1], *uri = NULL, *keyp = NULL, *crtp = NULL;
	char *pem = NULL, *crtpem = NULL, *tmpk = NULL, *tmpc = NULL;
	char skihex[2 * CA_KEYID_MAX + 1];
	unsigned char ski[CA_KEYID_MAX];
	size_t pemlen = 0, crtlen = 0, skilen = sizeof(ski);
	gnutls_privkey_t priv = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t crt = NULL;
	struct stat st;
	int c, rc, ret = CLI_EXIT_FAIL;

	while ((c = cli_getopt(cmd, argc, argv, ":d:n:D:a:h", lo)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': cn = optarg; break;
		case 'D':
			if (cli_parse_num(cmd, "--days", optarg, 1,
			    CA_DAYS_MAX, &days) != 0)
				return CLI_EXIT_USAGE;
			break;
		case 'a':
			if (check_alg(cmd, optarg, &alg) != 0)
				return CLI_EXIT_USAGE;
			break;
		case O_TD: td_opt = optarg; break;
		default: return cli_opt_exit(c);
		}
	}
	if (optind != argc)
		return cli_usage_err(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (cn[0] == '\0' || strlen(cn) > 64)
		return cli_usage_err(cmd, "--cn: expected 1 to 64 bytes");
	if (td_opt != NULL) {
		if (!cli_trust_domain_ok(td_opt))
			return cli_usage_err(cmd, "--trust-domain: expected "
			    "1 to 255 of a-z 0-9 . - _, got '%s'", td_opt);
		snprintf(td, sizeof(td), "%s", td_opt);
	} else {
		td_from_cn(td, sizeof(td), cn);
		if (td[0] == '\0')
			return cli_usage_err(cmd, "cannot derive a trust "
			    "domain from --cn '%s'; give --trust-domain", cn);
	}

	/* The CA key lives here: a new directory is the owner's alone. */
	if (cli_mkdirs(dir, 0700) != 0)
		return CLI_EXIT_FAIL;
	if ((keyp = path_join(dir, "ca.key")) == NULL ||
	    (crtp = path_join(dir, "ca.crt")) == NULL ||
	    (uri = malloc(sizeof(SPIFFE) + strlen(td))) == NULL)
		goto nomem;
	sprintf(uri, SPIFFE "%s", td);
	if (lstat(keyp, &st) == 0 || lstat(crtp, &st) == 0) {
		cli_err("%s: a CA exists already (ca.key or ca.crt); not "
		    "replacing it", dir);
		goto fail;
	}

	if (gen_key(alg, CA_RSA_BITS, &priv, &pub, &pem, &pemlen) != 0)
		goto fail;
	if ((rc = gnutls_x509_crt_init(&crt)) < 0) {
		gt_fail("certificate", rc);
		goto fail;
	}
	if (crt_base(crt, pub, cn, time(NULL) + (time_t)days * 86400) != 0)
		goto fail;
	if ((rc = gnutls_x509_crt_set_basic_constraints(crt, 1, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_URI,
	    uri, (unsigned)strlen(uri), GNUTLS_FSAN_SET)) < 0) {
		gt_fail("CA extensions", rc);
		goto fail;
	}
	if (crt_sign(crt, crt, priv, &crtpem, &crtlen) != 0)
		goto fail;
	if ((rc = gnutls_x509_crt_get_subject_key_id(crt, ski, &skilen,
	    NULL)) < 0) {
		gt_fail("subject key id", rc);
		goto fail;
	}
	hex(skihex, ski, skilen);

	if ((tmpk = cli_tmp_write(keyp, pem, pemlen, 0600, (uid_t)-1,
	    (gid_t)-1)) == NULL ||
	    (tmpc = cli_tmp_write(crtp, crtpem, crtlen, 0644, (uid_t)-1,
	    (gid_t)-1)) == NULL)
		goto fail;
	rc = cli_tmp_commit(tmpk, keyp, 0);
	tmpk = NULL;
	if (rc != 0)
		goto fail;
	rc = cli_tmp_commit(tmpc, crtp, 0);
	tmpc = NULL;
	if (rc != 0) {
		/* A key without its certificate is no CA: take it back. */
		unlink(keyp);
		goto fail;
	}
	printf("%s: CN=%s, trust domain %s, key id %s, %s, %lld days\n",
	    crtp, cn, td, skihex, jf_alg_name(alg), days);
	/* The one file both the web server and the mint must trust. */
	{
		char abs[PATH_MAX];

		cli_err("next: the web server's client CA file, and mint.conf's "
		    "\"client_ca = %s\"", realpath(crtp, abs) != NULL ? abs :
		    crtp);
	}
	ret = CLI_EXIT_OK;
	goto fail;
nomem:
	cli_err("out of memory");
fail:
	cli_tmp_discard(tmpk);
	cli_tmp_discard(tmpc);
	if (pem != NULL)
		key_pem_free(pem, pemlen);
	free(crtpem);
	free(uri);
	free(keyp);
	free(crtp);
	gnutls_x509_crt_deinit(crt);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(priv);
	return ret;
}

int
cli_ca_load(struct cli_ca **out, const char *dir)
{
	struct cli_ca *ca = NULL;
	struct jf_msg m = { "" };
	char *keyp = NULL, *crtp = NULL, *buf = NULL, san[CA_TD_MAX + 16];
	unsigned char id1[CA_KEYID_MAX], id2[CA_KEYID_MAX];
	size_t len = 0, n1 = sizeof(id1), n2 = sizeof(id2), sl;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d;
	unsigned ca_flag = 0, crit = 0, i;
	int rc, ret = -1, pathlen = 0;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (keyp = path_join(dir, "ca.key")) == NULL ||
	    (crtp = path_join(dir, "ca.crt")) == NULL) {
		cli_err("out of memory");
		goto fail;
	}
	if (cli_read_file(crtp, CA_FILE_MAX, &buf, &len, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	d.data = (unsigned char *)buf;
	d.size = (unsigned)len;
	if ((rc = gnutls_x509_crt_init(&ca->crt)) < 0 ||
	    (rc = gnutls_x509_crt_import(ca->crt, &d,
	    GNUTLS_X509_FMT_PEM)) < 0) {
		cli_err("%s: not a PEM certificate: %s", crtp,
		    gnutls_strerror(rc));
		goto fail;
	}
	rc = gnutls_x509_crt_get_basic_constraints(ca->crt, &crit, &ca_flag,
	    &pathlen);
	if (rc < 0 || !ca_flag) {
		cli_err("%s: not a CA certificate (no basicConstraints "
		    "CA:TRUE)", crtp);
		goto fail;
	}
	if (gnutls_x509_crt_get_expiration_time(ca->crt) <= time(NULL)) {
		cli_err("%s: the CA certificate has expired", crtp);
		goto fail;
	}
	free(buf);
	buf = NULL;
	if (cli_read_file(keyp, CA_FILE_MAX, &buf, &len, &m) != JF_OK) {
		cli_err("%s", m.s);
		goto fail;
	}
	rc = import_key(&ca->key, buf, len);
	explicit_bzero(buf, len);
	if (rc != 0) {
		cli_err("%s: not a usable private key", keyp);
		goto fail;
	}
	if ((rc = gnutls_pubkey_init(&pub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(pub, ca->key, 0, 0)) < 0 ||
	    (rc = gnutls_pubkey_get_key_id(pub, 0, id1, &n1)) < 0 ||
	    (rc = gnutls_x509_crt_get_key_id(ca->crt, 0, id2, &n2)) < 0) {
		gt_fail(keyp, rc);
		goto fail;
	}
	if (n1 != n2 || memcmp(id1, id2, n1) != 0) {
		cli_err("%s: not the key of %s", keyp, crtp);
		goto fail;
	}
	ca->skilen = sizeof(ca->ski);
	if (gnutls_x509_crt_get_subject_key_id(ca->crt, ca->ski, &ca->skilen,
	    NULL) < 0)
		ca->skilen = 0;
	/* The trust domain is the SAN URI "spiffe://TD" without a path. */
	for (i = 0;; i++) {
		unsigned type = 0;

		sl = sizeof(san) - 1;
		rc = gnutls_x509_crt_get_subject_alt_name2(ca->crt, i, san,
		    &sl, &type, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (rc < 0 || type != GNUTLS_SAN_URI)
			continue;
		san[sl] = '\0';
		if (strncmp(san, SPIFFE, strlen(SPIFFE)) == 0 &&
		    cli_trust_domain_ok(san + strlen(SPIFFE))) {
			snprintf(ca->td, sizeof(ca->td), "%s",
			    san + strlen(SPIFFE));
			break;
		}
	}
	*out = ca;
	ca = NULL;
	ret = 0;
fail:
	free(buf);
	free(keyp);
	free(crtp);
	gnutls_pubkey_deinit(pub);
	cli_ca_free(ca);
	return ret;
}

void
cli_ca_free(struct cli_ca *ca)
{
	if (ca == NULL)
		return;
	gnutls_x509_crt_deinit(ca->crt);
	gnutls_privkey_deinit(ca->key);
	free(ca);
}

const char *
cli_ca_trust_domain(const struct cli_ca *ca)
{
	return ca->td[0] != '\0' ? ca->td : NULL;
}

int
cli_trust_domain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CA_TD_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

int
cli_ca_issue(const struct cli_ca *ca, const struct cli_leaf *req,
    char **key_pem, size_t *key_len, char **crt_pem, size_t *crt_len)
{
	gnutls_privkey_t priv = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_x509_crt_t crt = NULL;
	char *pem = NULL;
	size_t pemlen = 0, i;
	time_t until = time(NULL) + (time_t)req->days * 86400;
	time_t ca_until = gnutls_x509_crt_get_expiration_time(ca->crt);
	int rc, ret = -1;

	/* A client certificate that outlives its CA only fails later. */
	if (until > ca_until) {
		cli_err("note: validity cut to the CA's (%ld days)",
		    (long)((ca_until - time(NULL)) / 86400));
		until = ca_until;
	}
	if (gen_key(req->alg, 0, &priv, &pub, &pem, &pemlen) != 0)
		goto fail;
	if ((rc = gnutls_x509_crt_init(&crt)) < 0) {
		gt_fail("certificate", rc);
		goto fail;
	}
	if (crt_base(crt, pub, req->cn, until) != 0)
		goto fail;
	for (i = 0; i < req->nuri; i++)
		if ((rc = gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_URI, req->uri[i], (unsigned)strlen(req->uri[i]),
		    GNUTLS_FSAN_APPEND)) < 0)
			goto ext_fail;
	for (i = 0; i < req->ndns; i++)
		if ((rc = gnutls_x509_crt_set_subject_alt_name(crt,
		    GNUTLS_SAN_DNSNAME, req->dns[i],
		    (unsigned)strlen(req->dns[i]), GNUTLS_FSAN_APPEND)) < 0)
			goto ext_fail;
	if ((rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt,
	    GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt,
	    GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
		goto ext_fail;
	/* The registry's issuer_key_id rule matches on this. */
	if (ca->skilen > 0 && (rc = gnutls_x509_crt_set_authority_key_id(crt,
	    ca->ski, ca->skilen)) < 0)
		goto ext_fail;
	if (crt_sign(crt, ca->crt, ca->key, crt_pem, crt_len) != 0)
		goto fail;
	*key_pem = pem;
	*key_len = pemlen;
	pem = NULL;
	ret = 0;
	goto fail;
ext_fail:
	gt_fail("certificate extensions", rc);
fail:
	if (pem != NULL)
		key_pem_free(pem, pemlen);
	gnutls_x509_crt_deinit(crt);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(priv);
	return ret;
}

/* A fresh key through key_generate (the same keys keygen makes), as
 * PKCS#8 PEM and as GnuTLS objects. */
static int
gen_key(enum jf_alg alg, unsigned bits, gnutls_privkey_t *priv,
    gnutls_pubkey_t *pub, char **pem, size_t *pemlen)
{
	struct jf_key *k = NULL;
	struct jf_msg m = { "" };
	int rc = 0, ret = -1;

	if (alg != JF_ALG_RS256)
		bits = 0;
	if (key_generate(&k, alg, bits, &m) != JF_OK) {
		cli_err("key generation: %s", m.s);
		goto fail;
	}
	if (key_private_pem(k, pem, pemlen) != JF_OK) {
		cli_err("cannot encode the private key");
		goto fail;
	}
	if (import_key(priv, *pem, *pemlen) != 0 ||
	    (rc = gnutls_pubkey_init(pub)) < 0 ||
	    (rc = gnutls_pubkey_import_privkey(*pub, *priv, 0, 0)) < 0) {
		cli_err("cannot load the new key: %s",
		    rc < 0 ? gnutls_strerror(rc) : "import failed");
		goto fail;
	}
	ret = 0;
fail:
	key_free(k);
	return ret;
}

static int
import_key(gnutls_privkey_t *out, const char *pem, size_t len)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)len };

	if (gnutls_privkey_init(out) < 0)
		return -1;
	if (gnutls_privkey_import_x509_raw(*out, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) < 0) {
		gnutls_privkey_deinit(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Version, serial, validity, subject CN, public key, subject key id. */
static int
crt_base(gnutls_x509_crt_t crt, gnutls_pubkey_t pub, const char *cn,
    time_t not_after)
{
	unsigned char serial[16], id[CA_KEYID_MAX];
	size_t idlen = sizeof(id);
	int rc;

	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		return gt_fail("serial", rc);
	/* Positive and 16 bytes long in DER: top bit clear, next one set. */
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial,
	    sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt,
	    time(NULL) - CA_BACKDATE)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, not_after)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_pubkey(crt, pub)) < 0 ||
	    (rc = gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA1, id,
	    &idlen)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, id, idlen)) < 0)
		return gt_fail("certificate", rc);
	return 0;
}

static int
crt_sign(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, char **pem, size_t *len)
{
	gnutls_datum_t d = { NULL, 0 };
	gnutls_digest_algorithm_t dig = GNUTLS_DIG_SHA256;
	gnutls_pubkey_t pub = NULL;
	int rc;

	/* SHA-384 for a P-384 CA; Ed25519 hashes internally (SHA-512). */
	if (gnutls_pubkey_init(&pub) >= 0 &&
	    gnutls_pubkey_import_privkey(pub, key, 0, 0) >= 0)
		gnutls_pubkey_get_preferred_hash_algorithm(pub, &dig, NULL);
	gnutls_pubkey_deinit(pub);
	if ((rc = gnutls_x509_crt_privkey_sign(crt, issuer, key, dig, 0)) < 0)
		return gt_fail("signing the certificate", rc);
	if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d)) < 0)
		return gt_fail("encoding the certificate", rc);
	if ((*pem = malloc(d.size + 1)) == NULL) {
		gnutls_free(d.data);
		cli_err("out of memory");
		return -1;
	}
	memcpy(*pem, d.data, d.size);
	(*pem)[d.size] = '\0';
	*len = d.size;
	gnutls_free(d.data);
	return 0;
}

static int
gt_fail(const char *what, int rc)
{
	cli_err("%s: %s", what, gnutls_strerror(rc));
	return -1;
}

/* Certificates are signed with ECDSA, RSA PKCS#1 v1.5 or Ed25519. */
static int
check_alg(const struct cli_cmd *cmd, const char *s, enum jf_alg *alg)
{
	enum jf_alg a = jf_alg_from_name(s);

	if (a != JF_ALG_ES256 && a != JF_ALG_ES384 && a != JF_ALG_RS256 &&
	    a != JF_ALG_EDDSA) {
		cli_usage_err(cmd, "--alg: expected ES256, ES384, RS256 or "
		    "EdDSA, got '%s'", s);
		return -1;
	}
	*alg = a;
	return 0;
}

/* "Example Service CA" -> "example-service-ca": lower case, every run of
 * other bytes one '-', none at either end. */
static void
td_from_cn(char *td, size_t cap, const char *cn)
{
	size_t n = 0;
	int dash = 0;

	for (; *cn != '\0' && n + 1 < cap; cn++) {
		unsigned char ch = (unsigned char)*cn;

		if (isascii(ch) && (isalnum(ch) || ch == '.' || ch == '_')) {
			if (dash && n > 0)
				td[n++] = '-';
			if (n + 1 < cap)
				td[n++] = (char)tolower(ch);
			dash = 0;
		} else {
			dash = 1;
		}
	}
	td[n] = '\0';
}

static char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void
hex(char *dst, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[p[i] >> 4];
		dst[2 * i + 1] = digits[p[i] & 15];
	}
	dst[2 * n] = '\0';
}
