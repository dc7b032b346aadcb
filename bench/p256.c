/* p256.c - what one raw GnuTLS P-256 (ES256) signature check costs.
 *
 * The floor under the authorizer's cold path: a key made here, one
 * signature over a message of an access token's size, then N checks
 * with gnutls_pubkey_verify_data2 (SHA-256 of the message and the ECDSA
 * verify, what libjwt calls for ES256). Prints the process CPU time per
 * check in microseconds; bench/run-perf.sh runs it in the same run as
 * the authorizer rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

static double
p256_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	gnutls_privkey_t priv = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t msg, sig = { NULL, 0 };
	static unsigned char buf[400];
	long i, n = argc > 1 ? atol(argv[1]) : 2000;
	double t0, t1;
	int rc = 1;

	if (n <= 0)
		n = 2000;
	memset(buf, 'e', sizeof(buf));
	msg.data = buf;
	msg.size = sizeof(buf);
	if (gnutls_privkey_init(&priv) < 0 ||
	    gnutls_privkey_generate(priv, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_privkey_sign_data(priv, GNUTLS_DIG_SHA256, 0, &msg,
	    &sig) < 0 ||
	    gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_privkey(pub, priv, 0, 0) < 0) {
		fprintf(stderr, "p256: cannot set up a key\n");
		goto out;
	}
	t0 = p256_cpu_s();
	for (i = 0; i < n; i++)
		if (gnutls_pubkey_verify_data2(pub,
		    GNUTLS_SIGN_ECDSA_SHA256, 0, &msg, &sig) < 0) {
			fprintf(stderr, "p256: verify failed\n");
			goto out;
		}
	t1 = p256_cpu_s();
	printf("%.1f\n", (t1 - t0) / (double)n * 1e6);
	rc = 0;
out:
	gnutls_free(sig.data);
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(priv);
	return rc;
}
