/* fuzz_authz.c - the whole bearer decision of jwt-authz.fcgi and the
 * answer it writes, under tests/fuzz/keys/authz.conf.
 *
 * Input: HTTP_AUTHORIZATION NUL JWT_REQUIRE_SCOPE NUL JWT_REQUIRE_CLAIMS
 * NUL offset. A part the input does not reach is an unset parameter. NUL
 * is the separator because no CGI variable can hold one. offset (decimal
 * seconds, default 0) moves "now" for the second decision below.
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
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "../../src/lib/fcgi/req.c"

#include "../../src/authz/authz.h"
#include "conf/cfg.h"
#include "fuzz.h"
#include "jose/tcache.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg *conf;
static struct req *rq;
static struct authz_verdict verdict, cached;
static int verbose;

struct params {
	const char *v[4];
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
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jf_msg m = { .s = "" };
	char path[4096];

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), "keys/authz.conf");
	if (cfg_load(&conf, path, &m) != JF_OK)
		fuzz_die("cfg_load", &m);
	if ((rq = req_new(NULL)) == NULL)
		fuzz_die("req_new", NULL);
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

/* The cache against no cache, at FUZZ_NOW and at now + offset. */
static void
with_cache(const struct params *p)
{
	struct tcache *tc = tcache_new(4);
	long off = 0;

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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params p = { { NULL, NULL, NULL, NULL } };
	struct authz_verdict *v = &verdict;
	char *s = fuzz_strndup(data, size), *q = s, *end = s + size;
	size_t i, nmaps;
	int status;

	for (i = 0; i < 4 && q <= end; i++) {
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
		    (p.v[1] != NULL || p.v[2] != NULL));
	if (v->err == JF_OK) {
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
