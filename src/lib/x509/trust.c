/* trust.c - a GnuTLS trust list of client-certificate CAs, and the check
 * of one client certificate against it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "x509/cert.h"
#include "util/file.h"
#include "x509/trust.h"

/* Certificates whose chain already passed, by x5t#S256: a service shows
 * the same certificate on every request, and the chain check (parse,
 * issuer lookup, one signature verify per link) costs more than the
 * rest of minting a token. The outcome depends only on the certificate's
 * bytes and this trust list (GnuTLS is told to leave times alone, the
 * validity is checked on every call), and a reload loads a new list, so
 * remembering it skips nothing. */
#define TRUST_MEMO 32

struct trust {
	gnutls_x509_trust_list_t tl;
	size_t n;
	size_t memo_next;
	char memo[TRUST_MEMO][CERT_X5T_LEN];
};

static const char *trust_status(unsigned st);

enum jf_err
trust_load_mem(struct trust **out, const char *pem, size_t n,
	struct jf_msg *m)
{
	gnutls_x509_crt_t *list = NULL;
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)n };
	struct trust *t = NULL;
	unsigned count = 0, i, ca = 0;
	enum jf_err rc = JF_E_CONFIG;
	int r;

	*out = NULL;
	if (n == 0 || n > TRUST_FILE_MAX)
		return jf_fail(m, rc, "expected 1 to %d bytes of PEM",
		    TRUST_FILE_MAX);
	r = gnutls_x509_crt_list_import2(&list, &count, &d,
	    GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || count == 0)
		return jf_fail(m, rc, "no PEM certificate: %s",
		    r < 0 ? gnutls_strerror(r) : "empty");
	if (count > TRUST_CAS_MAX) {
		jf_fail(m, rc, "%u certificates, at most %d", count,
		    TRUST_CAS_MAX);
		goto fail;
	}
	for (i = 0; i < count; i++) {
		if (gnutls_x509_crt_get_basic_constraints(list[i], NULL, &ca,
		    NULL) < 0 || !ca) {
			jf_fail(m, rc, "certificate %u is not a CA certificate "
			    "(basicConstraints CA:TRUE): give the CA that "
			    "issues the client certificates", i + 1);
			goto fail;
		}
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    gnutls_x509_trust_list_init(&t->tl, 0) < 0) {
		free(t);
		t = NULL;
		rc = jf_fail(m, JF_E_NOMEM, "out of memory");
		goto fail;
	}
	/* The list owns the certificates from here (freed by deinit). */
	if ((r = gnutls_x509_trust_list_add_cas(t->tl, list, count, 0)) < 0 ||
	    (unsigned)r != count) {
		gnutls_x509_trust_list_deinit(t->tl, 1);
		free(t);
		t = NULL;
		/* add_cas may have taken some: do not free them twice. */
		gnutls_free(list);
		return jf_fail(m, rc, "cannot add the CA certificates%s%s",
		    r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
	}
	gnutls_free(list);
	t->n = count;
	*out = t;
	return JF_OK;
fail:
	for (i = 0; i < count; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	return rc;
}

enum jf_err
trust_load_file(struct trust **out, const char *path, struct jf_msg *m)
{
	struct jf_msg why;
	char *buf = NULL;
	size_t len = 0;
	enum jf_err rc;

	*out = NULL;
	why.s[0] = '\0';
	if ((rc = file_read(path, TRUST_FILE_MAX, &buf, &len, &why)) != JF_OK)
		return jf_fail(m, rc, "%s", why.s);
	rc = trust_load_mem(out, buf, len, &why);
	free(buf);
	if (rc != JF_OK)
		return jf_fail(m, rc, "%s: %s", path, why.s);
	return JF_OK;
}

void
trust_free(struct trust *t)
{
	if (t == NULL)
		return;
	gnutls_x509_trust_list_deinit(t->tl, 1);
	free(t);
}

size_t
trust_count(const struct trust *t)
{
	return t != NULL ? t->n : 0;
}

/* The first reason GnuTLS gave, in our words. */
static const char *
trust_status(unsigned st)
{
	if (st & GNUTLS_CERT_SIGNER_NOT_FOUND)
		return "it was not issued by a CA in client_ca";
	if (st & GNUTLS_CERT_PURPOSE_MISMATCH)
		return "its extKeyUsage does not allow TLS client "
		    "authentication (clientAuth)";
	if (st & GNUTLS_CERT_SIGNATURE_FAILURE)
		return "its signature does not verify";
	if (st & GNUTLS_CERT_SIGNER_NOT_CA)
		return "its issuer is not a CA";
	if (st & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
		return "its issuer's constraints forbid it";
	if (st & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "it is signed with an insecure algorithm";
	if (st & GNUTLS_CERT_REVOKED)
		return "it is revoked";
	return "GnuTLS refused the chain";
}

enum jf_err
trust_check_client(struct trust *t, const struct cert *c, time_t now,
	struct jf_msg *m)
{
	gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID,
		(unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	unsigned st = 0;
	size_t len;
	enum jf_err rc = JF_E_INVALID_CLIENT;
	int r;

	/* The validity is checked here, at the caller's now (the tests'
	 * clock), so GnuTLS is told to leave times alone. */
	if (now < cert_not_before(c))
		return jf_fail(m, rc, "the client certificate is not valid "
		    "yet");
	if (now > cert_not_after(c))
		return jf_fail(m, rc, "the client certificate has expired");
	for (len = 0; len < TRUST_MEMO; len++)
		if (memcmp(t->memo[len], cert_x5t_s256(c), CERT_X5T_LEN) == 0)
			return JF_OK;
	d.data = (unsigned char *)cert_der(c, &len);
	d.size = (unsigned)len;
	if (gnutls_x509_crt_init(&crt) < 0)
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	if ((r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
		jf_fail(m, rc, "the client certificate: %s", gnutls_strerror(r));
		goto out;
	}
	r = gnutls_x509_trust_list_verify_crt2(t->tl, &crt, 1, &purpose, 1,
	    GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
	    GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS, &st, NULL);
	if (r < 0) {
		jf_fail(m, rc, "the client certificate could not be checked: "
		    "%s", gnutls_strerror(r));
		goto out;
	}
	if (st != 0) {
		jf_fail(m, rc, "the client certificate fails the mint's own "
		    "check against client_ca: %s", trust_status(st));
		goto out;
	}
	rc = JF_OK;
	memcpy(t->memo[t->memo_next], cert_x5t_s256(c), CERT_X5T_LEN);
	t->memo_next = (t->memo_next + 1) % TRUST_MEMO;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}
