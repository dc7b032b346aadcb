/* fuzz_authz.c - the whole bearer decision of jwt-authz.fcgi and the
 * answer it writes, under tests/fuzz/keys/authz.conf.
 *
 * Input: HTTP_AUTHORIZATION NUL JWT_REQUIRE_SCOPE NUL JWT_REQUIRE_CLAIMS
 * NUL offset NUL SSL_CLIENT_CERT NUL JWT_REQUIRE_BOUND. A part the input
 * does not reach is an unset parameter. NUL is the separator because no
 * CGI variable can hold one. offset (decimal seconds, default 0) moves
 * "now" for the second decision below.
 *
 * req.c is compiled into this harness so the response buffers can be
 * read back. Properties: only a malformed policy variable gives a 500
 * (authz.c's promise: nothing a client sends does); the answer always
 * fits its buffers; every header line is "Name: value" CRLF with no
 * other CR, LF or NUL (no header injection from claims); on success
 * every standard variable is set. And the token cache changes nothing:
 * with a fresh cache filled by a decision at FUZZ_NOW, a decision at
 * FUZZ_NOW + offset must equal the one made without a cache (a cache
 * that kept an expired token, or lost a policy check, shows here).
 *
 * RFC 8705 §3, "a bound token is never allowed without the matching
 * certificate": whenever a token is allowed, the token verified again
 * here either has no cnf, or a cnf whose only member x5t#S256 equals
 * the SHA-256 thumbprint of the SSL_CLIENT_CERT given; and it has one
 * when JWT_REQUIRE_BOUND is "1" or its issuer says require_bound (the
 * configuration's https://bound.fuzz.test). A cache filled on this
 * request decides the same as no cache on the same token without a
 * certificate and with another one (tests/unit/certs' impostor).
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "../../src/lib/fcgi/req.c"

#include "../../src/authz/authz.h"
#include "conf/cfg.h"
#include "fuzz.h"
#include "jose/tcache.h"
#include "jose/token.h"
#include "x509/cert.h"

#define FUZZ_NPARAMS 6

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg *conf;
static struct req *rq;
static struct authz_verdict verdict, cached;
static int verbose;
static char *impostor;          /* another certificate's PEM */

struct params {
	const char *v[FUZZ_NPARAMS];
};

static const char *
param(void *arg, const char *name)
{
	const struct params *p = arg;

	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->v[0];
	if (strcmp(name, "JWT_REQUIRE_SCOPE") == 0)
		return p->v[1];
	if (strcmp(name, "JWT_REQUIRE_CLAIMS") == 0)
		return p->v[2];
	if (strcmp(name, "SSL_CLIENT_CERT") == 0)
		return p->v[4];
	if (strcmp(name, "JWT_REQUIRE_BOUND") == 0)
		return p->v[5];
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jf_msg m = { .s = "" };
	char path[4096];
	FILE *f;

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), "keys/authz.conf");
	if (cfg_load(&conf, path, &m) != JF_OK)
		fuzz_die("cfg_load", &m);
	if ((rq = req_new(NULL)) == NULL)
		fuzz_die("req_new", NULL);
	fuzz_path(path, sizeof(path), "../unit/certs/impostor.pem");
	if ((f = fopen(path, "r")) == NULL ||
	    (impostor = calloc(1, 8192)) == NULL ||
	    fread(impostor, 1, 8191, f) == 0)
		fuzz_die(path, NULL);
	fclose(f);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

/* The header block req.c built: lines of "Name: value\r\n" only. */
static void
headers_ok(const struct req *r)
{
	const char *p = r->hdr, *end = r->hdr + r->hlen, *eol, *c;

	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		assert(eol != NULL && eol + 1 < end && eol[1] == '\n');
		c = memchr(p, ':', (size_t)(eol - p));
		assert(c != NULL && c > p && c[1] == ' ');
		for (; p < eol; p++)
			assert(*p != '\n' && *p != '\0');
		p = eol + 2;
	}
}

/* Same decision, as far as anyone outside can tell. */
static void
same(const struct authz_verdict *a, const struct authz_verdict *b)
{
	size_t i;

	assert(a->err == b->err);
	assert(a->nvars == b->nvars);
	assert((a->scope == NULL) == (b->scope == NULL));
	assert(a->scope == NULL || strcmp(a->scope, b->scope) == 0);
	for (i = 0; i < a->nvars; i++) {
		assert(strcmp(a->vars[i].name, b->vars[i].name) == 0);
		assert(strcmp(a->vars[i].value, b->vars[i].value) == 0);
	}
}

/* The token of an allowed request, verified again: no cnf, or one that
 * names exactly the certificate of the request; and a cnf wherever one
 * was required. */
static void
bound_ok(const struct params *p)
{
	struct tok_rules r;
	struct tok *t = NULL;
	struct cert *c = NULL;
	struct json_object *cnf, *x5t;
	struct jf_msg m = { .s = "" };
	const char *tok;
	int required;

	memset(&r, 0, sizeof(r));
	cfg_rules(conf, &r);
	r.now = FUZZ_NOW;
	/* Allowed: "Bearer", spaces, the token. */
	tok = strchr(p->v[0], ' ');
	assert(tok != NULL);
	tok += strspn(tok, " ");
	assert(tok_verify(&r, tok, strlen(tok), &t, &m, NULL, NULL) == JF_OK);
	required = (p->v[5] != NULL && strcmp(p->v[5], "1") == 0) ||
	    cfg_issuer_require_bound(conf, tok_issuer(t));
	if (!json_object_object_get_ex((struct json_object *)tok_claims(t),
	    "cnf", &cnf)) {
		assert(!required);
		tok_free(t);
		return;
	}
	assert(json_object_is_type(cnf, json_type_object));
	assert(json_object_object_length(cnf) == 1);
	assert(json_object_object_get_ex(cnf, "x5t#S256", &x5t));
	assert(p->v[4] != NULL);
	assert(cert_parse(&c, p->v[4], strlen(p->v[4]), &m) == JF_OK);
	assert(strcmp(cert_x5t_s256(c), json_object_get_string(x5t)) == 0);
	cert_free(c);
	tok_free(t);
}

/* The cache against no cache, at FUZZ_NOW and at now + offset; and a
 * token cached on this request's certificate, then shown with none and
 * with another one. */
static void
with_cache(const struct params *p)
{
	struct tcache *tc = tcache_new(4);
	long off = 0;
	int i;

	assert(tc != NULL);
	if (p->v[3] != NULL) {
		off = strtol(p->v[3], NULL, 10);
		if (off < -1000000 || off > 1000000)
			off = 0;
	}
	authz_decide(conf, tc, FUZZ_NOW, param, (void *)p, NULL, &cached);
	same(&verdict, &cached);
	authz_decide(conf, NULL, FUZZ_NOW + off, param, (void *)p, NULL, &verdict);
	authz_decide(conf, tc, FUZZ_NOW + off, param, (void *)p, NULL, &cached);
	same(&verdict, &cached);
	tcache_free(tc);
	for (i = 0; i < 2; i++) {
		struct params q = *p;

		q.v[4] = i == 0 ? NULL : impostor;
		tc = tcache_new(4);
		assert(tc != NULL);
		authz_decide(conf, tc, FUZZ_NOW, param, (void *)p, NULL,
		    &cached);
		authz_decide(conf, NULL, FUZZ_NOW, param, &q, NULL,
		    &verdict);
		authz_decide(conf, tc, FUZZ_NOW, param, &q, NULL,
		    &cached);
		same(&verdict, &cached);
		if (verdict.err == JF_OK)
			bound_ok(&q);
		tcache_free(tc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p = { { NULL } };
	struct authz_verdict *v = &verdict;
	char *s = fuzz_strndup(data, size), *q = s, *end = s + size;
	size_t i, nmaps;
	int status;

	for (i = 0; i < FUZZ_NPARAMS && q <= end; i++) {
		p.v[i] = q;
		q += strlen(q) + 1;
	}
	authz_decide(conf, NULL, FUZZ_NOW, param, &p, NULL, v);
	status = jf_http_status(v->err);
	if (verbose)
		fprintf(stderr, "authz: %d %s: %s\n", status,
		    jf_strerror(v->err), v->msg.s);
	if (status >= 500)
		assert(v->err == JF_E_CONFIG &&
		    (p.v[1] != NULL || p.v[2] != NULL || p.v[5] != NULL));
	if (v->err == JF_OK) {
		bound_ok(&p);
		(void)cfg_maps(conf, &nmaps);
		assert(v->nvars == AUTHZ_STD_VARS + nmaps);
		for (i = 0; i < v->nvars; i++) {
			const char *c;

			assert(v->vars[i].name != NULL &&
			    v->vars[i].value != NULL);
			for (c = v->vars[i].value; *c != '\0'; c++)
				assert((unsigned char)*c >= 0x20 && *c != 0x7f);
		}
	} else {
		assert(v->nvars == 0 && v->msg.s[0] != '\0');
	}
	req_reset(rq);
	authz_answer(conf, v, rq);
	assert(!rq->overflow);
	assert(rq->status == (v->err == JF_OK ? 200 : status));
	headers_ok(rq);
	with_cache(&p);
	free(s);
	return 0;
}
