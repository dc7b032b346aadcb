/* certmemo.c - a small round-robin memo of parsed certificates. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "x509/cert.h"
#include "x509/certmemo.h"

struct cm_entry {
	char *pem;              /* the exact text parsed; NULL: empty */
	size_t n;
	struct cert *c;
};

struct cert_memo {
	size_t next;
	struct cm_entry e[CERT_MEMO_N];
};

struct cert_memo *
cert_memo_new(void)
{
	return calloc(1, sizeof(struct cert_memo));
}

void
cert_memo_free(struct cert_memo *cm)
{
	size_t i;

	if (cm == NULL)
		return;
	for (i = 0; i < CERT_MEMO_N; i++) {
		free(cm->e[i].pem);
		cert_free(cm->e[i].c);
	}
	free(cm);
}

enum jf_err
cert_memo_parse(struct cert_memo *cm, const struct cert **out, const char *s,
	size_t n, struct jf_msg *m)
{
	struct cm_entry *e;
	struct cert *c = NULL;
	char *copy;
	enum jf_err rc;
	size_t i;

	*out = NULL;
	for (i = 0; s != NULL && i < CERT_MEMO_N; i++) {
		e = &cm->e[i];
		if (e->pem != NULL && e->n == n && memcmp(e->pem, s, n) == 0) {
			*out = e->c;
			return JF_OK;
		}
	}
	if ((rc = cert_parse(&c, s, n, m)) != JF_OK)
		return rc;
	if ((copy = malloc(n + 1)) == NULL) {
		cert_free(c);
		return jf_fail(m, JF_E_NOMEM, "out of memory");
	}
	memcpy(copy, s, n);
	copy[n] = '\0';
	e = &cm->e[cm->next];
	cm->next = (cm->next + 1) % CERT_MEMO_N;
	free(e->pem);
	cert_free(e->c);
	e->pem = copy;
	e->n = n;
	e->c = c;
	*out = c;
	return JF_OK;
}
