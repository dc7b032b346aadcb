/* fuzz_cfg.c - the authorizer's configuration, through cfg_parse_buf.
 *
 * The buffer is named tests/fuzz/keys/fuzz.conf, so relative key_file and
 * jwks_file lines find the fixture keys and the key-loading half of cfg.c
 * runs too. Inputs that mention device or process files are skipped:
 * the configuration is the operator's, and reading /dev/stdin would only
 * hang the fuzzer (see README.md).
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "conf/cfg.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char name[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(name, sizeof(name), "keys/fuzz.conf");
	return 0;
}

static int
risky(const uint8_t *data, size_t size)
{
	static const char *const bad[] = { "/dev", "/proc", "/sys", "/run",
	    "fd/", "..", "/tmp" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(data, size, bad[i], strlen(bad[i])) != NULL)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct tok_rules r;
	struct cfg *c = NULL;
	const struct cfg_map *maps;
	enum jf_err rc;
	size_t i, n;

	if (risky(data, size))
		return 0;
	rc = cfg_parse_buf(&c, name, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(c == NULL);
		assert(rc == JF_E_CONFIG || rc == JF_E_NOMEM);
		assert(strncmp(m.s, name, strlen(name)) == 0);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	cfg_rules(c, &r);
	/* Issuers, or self-issuing clients; one more issuer when the
	 * authorizer issues access tokens itself. */
	assert(r.nissuers + cfg_cimd_count(c) >= 1);
	assert(r.nissuers <= CFG_MAX_ISSUERS + 1);
	if (cfg_at_key(c, NULL, NULL) != NULL) {
		const struct tok_issuer *own = &r.issuers[r.nissuers - 1];

		assert(cfg_cimd_count(c) > 0 && own->typ != NULL &&
		    strcmp(own->typ, "at+jwt") == 0 && jwks_count(own->keys) == 1);
	}
	assert(r.max_bytes >= 256 && r.max_bytes <= TOK_MAX_BYTES_LIMIT);
	for (i = 0; i < r.nissuers; i++) {
		const struct tok_issuer *is = &r.issuers[i];

		assert(is->iss != NULL && is->algs != 0);
		assert(!(is->algs & JF_ALG_BIT(JF_ALG_NONE)));
		assert(is->naud >= 1 && is->naud <= CFG_MAX_CIMD * CFG_MAX_AUD);
		assert(jwks_count(is->keys) >= 1 || is->rnote != NULL);
	}
	maps = cfg_maps(c, &n);
	assert(n <= CFG_MAX_MAPS);
	for (i = 0; i < n; i++)
		assert(maps[i].var[0] >= 'A' && maps[i].var[0] <= 'Z' &&
		    strncmp(maps[i].var, "JWT_REQUIRE_", 12) != 0);
	assert(cfg_realm(c)[0] != '\0');
	assert(strcmp(cfg_path(c), name) == 0);
	cfg_free(c);
	return 0;
}
