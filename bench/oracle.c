/* oracle.c - does the token endpoint's refusal take longer for a client_id
 * the registry holds than for one it does not? (a timing oracle would
 * tell a stranger which ids exist).
 *
 * The mint's own decision code (mint_token_decide), on a state loaded as
 * jwt-mint.fcgi loads it, timed with CLOCK_MONOTONIC around each call:
 *   known    client_secret_basic, a registered id, a wrong secret
 *   unknown  the same with an id the registry does not hold
 *   nosecret a registered id that has no client secret
 * All three answer 401 "client authentication failed". The classes are
 * interleaved call by call (so drift and other load hit all alike), and
 * the median and the 10th/90th percentiles of each are printed, with the
 * ratio of the medians. In-process, so what is measured is the code
 * path, not the network's noise on top of it.
 *
 *   bench/oracle [ROUNDS]        (default 20000 calls per class)
 *
 * Output: one "class median_ns p10_ns p90_ns" line per class, then
 * "ratio unknown/known X" and "ratio nosecret/known X".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "jose/key.h"
#include "util/log.h"
#include "mint.h"

#define SECRET "Yq3vX0cE1mN4bR7tK9wL2pS5dF8gH6jZ0aB3cD4eF5g"
/* base64("app:" SECRET "x"), ("nobody:" ...), ("plain:" ...) */
#define GRANT "grant_type=client_credentials"

struct oparams {
	const char *authz;
};

static const char *
param(void *arg, const char *name)
{
	const struct oparams *p = arg;

	if (strcmp(name, "HTTPS") == 0)
		return "on";
	if (strcmp(name, "HTTP_AUTHORIZATION") == 0)
		return p->authz;
	if (strcmp(name, "CONTENT_TYPE") == 0)
		return "application/x-www-form-urlencoded";
	return NULL;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "oracle: %s: %s\n", what, why);
	exit(1);
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
	    chmod(path, mode) != 0)
		die("cannot write", path);
}

/* "Basic " + base64(user ":" pass), into out. */
static void
basic(char *out, size_t room, const char *user, const char *pass)
{
	char raw[256];
	gnutls_datum_t in, b64 = { NULL, 0 };

	snprintf(raw, sizeof(raw), "%s:%s", user, pass);
	in.data = (unsigned char *)raw;
	in.size = (unsigned)strlen(raw);
	if (gnutls_base64_encode2(&in, &b64) != 0)
		die("base64", "failed");
	snprintf(out, room, "Basic %.*s", (int)b64.size, b64.data);
	gnutls_free(b64.data);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static const char *const name[3] = { "known", "unknown", "nosecret" };
	char dir[] = "/tmp/jf-oracle.XXXXXX", path[600], text[2048];
	char authz[3][512], hash[65], cmd[640];
	unsigned char d[32];
	struct mint_state *s = NULL;
	struct jf_key *k = NULL;
	struct jf_msg m;
	long long *t[3], t0;
	char *pem;
	size_t len, i;
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	int c;

	if (rounds < 100 || rounds > 10000000)
		die("ROUNDS", "expected 100 to 10000000");
	log_init("oracle", LOG_LVL_ERROR, 0);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", dir);
	if (key_generate(&k, JF_ALG_ES256, 0, &m) != JF_OK ||
	    key_private_pem(k, &pem, &len) != JF_OK)
		die("key", m.s);
	snprintf(path, sizeof(path), "%s/mint.pem", dir);
	put(path, pem, 0600);
	key_pem_free(pem, len);
	key_free(k);
	gnutls_hash_fast(GNUTLS_DIG_SHA256, SECRET, strlen(SECRET), d);
	for (i = 0; i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02x", d[i]);
	snprintf(text, sizeof(text), "{\"services\":["
	    "{\"id\":\"app\",\"client_secret_sha256\":\"%s\","
	    "\"audiences\":[\"https://a.test\"]},"
	    "{\"id\":\"plain\",\"match\":{\"subject_cn\":\"plain\"},"
	    "\"audiences\":[\"https://a.test\"]}]}", hash);
	snprintf(path, sizeof(path), "%s/registry.json", dir);
	put(path, text, 0644);
	snprintf(text, sizeof(text), "issuer = https://mint.test\n"
	    "signing_key = %s/mint.pem\nregistry = %s/registry.json\n",
	    dir, dir);
	snprintf(path, sizeof(path), "%s/mint.conf", dir);
	put(path, text, 0644);
	if (mint_state_load(&s, path, &m) != JF_OK)
		die("mint_state_load", m.s);
	basic(authz[0], sizeof(authz[0]), "app", SECRET "x");
	basic(authz[1], sizeof(authz[1]), "nobody", SECRET "x");
	basic(authz[2], sizeof(authz[2]), "plain", SECRET "x");
	for (c = 0; c < 3; c++)
		if ((t[c] = calloc((size_t)rounds, sizeof(long long))) == NULL)
			die("calloc", "out of memory");
	for (i = 0; i < (size_t)rounds + 1000; i++) {
		for (c = 0; c < 3; c++) {
			struct oparams p = { authz[(i + (size_t)c) % 3] };
			int cls = (int)((i + (size_t)c) % 3);
			struct mint_grant g;

			memset(&g, 0, sizeof(g));
			t0 = now_ns();
			mint_token_decide(s, time(NULL), param, &p, GRANT,
			    strlen(GRANT), &g);
			t0 = now_ns() - t0;
			if (g.err != JF_E_INVALID_CLIENT || !g.hide)
				die(name[cls], "not a hidden invalid_client");
			mint_grant_clear(&g);
			if (i >= 1000)          /* the first 1000: warm-up */
				t[cls][i - 1000] = t0;
		}
	}
	for (c = 0; c < 3; c++) {
		qsort(t[c], (size_t)rounds, sizeof(long long), cmp_ll);
		printf("%s %lld %lld %lld\n", name[c], t[c][rounds / 2],
		    t[c][rounds / 10], t[c][rounds * 9 / 10]);
	}
	printf("ratio unknown/known %.3f\n",
	    (double)t[1][rounds / 2] / (double)t[0][rounds / 2]);
	printf("ratio nosecret/known %.3f\n",
	    (double)t[2][rounds / 2] / (double)t[0][rounds / 2]);
	mint_state_free(s);
	for (c = 0; c < 3; c++)
		free(t[c]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "oracle: could not remove %s\n", dir);
	return 0;
}
