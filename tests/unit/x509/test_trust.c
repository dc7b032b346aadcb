/* test_trust.c - trust.c: the mint's own chain check of a client
 * certificate, and that remembering the certificates that passed changes
 * no outcome: another CA's certificate, a time outside the validity, and
 * a new trust list are each still refused. And the parsed-certificate
 * memo: the same text gives the same certificate, another text another
 * one, and what does not parse is refused every time. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "x509/cert.h"
#include "x509/certmemo.h"
#include "x509/trust.h"
#include "fixture.h"
#include "tap.h"

static struct cert *
load(const char *name)
{
	struct cert *c = NULL;
	struct jf_msg m;
	size_t n;
	char *pem = fixture(name, &n);

	if (cert_parse(&c, pem, n, &m) != JF_OK) {
		printf("Bail out! %s: %s\n", name, m.s);
		exit(1);
	}
	free(pem);
	return c;
}

int
main(void)
{
	struct trust *t = NULL, *other = NULL;
	struct cert *billing = load("billing.pem");
	struct cert *impostor = load("impostor.pem");
	struct jf_msg m;
	char *ca, *oca;
	size_t n, on;
	time_t now;
	int i, wrong;

	ca = fixture("ca.pem", &n);
	oca = fixture("otherca.pem", &on);
	ok(trust_load_mem(&t, ca, n, &m) == JF_OK, "client_ca: ca.pem");
	ok(trust_load_mem(&other, oca, on, &m) == JF_OK,
	    "client_ca: otherca.pem");
	now = cert_not_before(billing) + 86400;

	is(trust_check_client(t, billing, now, &m), JF_OK,
	    "billing chains to ca.pem");
	is(trust_check_client(t, billing, now, &m), JF_OK,
	    "... again (remembered)");
	is(trust_check_client(t, impostor, now, &m), JF_E_INVALID_CLIENT,
	    "impostor (otherca) is refused after billing passed");
	is(trust_check_client(t, impostor, now, &m), JF_E_INVALID_CLIENT,
	    "... and again: refusals are not remembered");
	is(trust_check_client(t, billing, cert_not_after(billing) + 1, &m),
	    JF_E_INVALID_CLIENT, "a remembered certificate still expires");
	is(trust_check_client(t, billing, cert_not_before(billing) - 1, &m),
	    JF_E_INVALID_CLIENT, "... and is not valid before its time");
	is(trust_check_client(other, billing, now, &m), JF_E_INVALID_CLIENT,
	    "another trust list (a reload) does not know it");
	is(trust_check_client(other, impostor, now, &m), JF_OK,
	    "impostor chains to otherca.pem");
	/* More certificates than the memo holds: still correct. */
	for (i = 0, wrong = 0; i < 100; i++)
		wrong += trust_check_client(t, i % 2 ? billing : impostor, now,
		    &m) != (i % 2 ? JF_OK : JF_E_INVALID_CLIENT);
	is(wrong, 0, "100 checks alternating: each outcome right");
	{
		struct cert_memo *cm = cert_memo_new();
		const struct cert *c1 = NULL, *c2 = NULL, *c3 = NULL;
		char *bp = fixture("billing.pem", &n), *ip;
		size_t in;

		ip = fixture("impostor.pem", &in);
		ok(cm != NULL, "a memo");
		is(cert_memo_parse(cm, &c1, bp, n, &m), JF_OK, "memo: billing");
		is(cert_memo_parse(cm, &c2, bp, n, &m), JF_OK, "memo: again");
		ok(c1 == c2, "memo: the same text, the same certificate");
		is_str(cert_x5t_s256(c2), cert_x5t_s256(billing),
		    "memo: its x5t is billing's");
		is(cert_memo_parse(cm, &c3, ip, in, &m), JF_OK, "memo: impostor");
		is_str(cert_x5t_s256(c3), cert_x5t_s256(impostor),
		    "memo: another text, another certificate");
		bp[n / 2] = bp[n / 2] == 'A' ? 'B' : 'A';
		ok(cert_memo_parse(cm, &c1, bp, n, &m) != JF_OK ||
		    strcmp(cert_x5t_s256(c1), cert_x5t_s256(billing)) != 0,
		    "memo: one byte changed is parsed anew");
		is(cert_memo_parse(cm, &c1, "garbage", 7, &m),
		    JF_E_INVALID_CLIENT, "memo: garbage refused");
		is(cert_memo_parse(cm, &c1, "garbage", 7, &m),
		    JF_E_INVALID_CLIENT, "memo: ... every time");
		ok(c1 == NULL, "memo: and gives no certificate");
		cert_memo_free(cm);
		free(bp);
		free(ip);
	}
	trust_free(t);
	trust_free(other);
	cert_free(billing);
	cert_free(impostor);
	free(ca);
	free(oca);
	return done_testing();
}
