/* fuzz_registry.c - registry_parse of a service registry, and
 * registry_policy_parse of the same bytes as a default policy.
 *
 * An accepted registry must answer for every service it lists: found by
 * its id (or refused as disabled / expired, never "unknown"), with
 * bounded lists; a client ID metadata document client has an https id
 * and no credential. Matching a fixed client certificate
 * (tests/unit/certs/billing.pem) runs the index lookups against the
 * fuzzed rules. An accepted policy is one credential-less service that
 * no lookup finds.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert.h"
#include "fuzz.h"
#include "registry/registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cert *crt;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jf_msg m = { .s = "" };
	char path[4096], buf[CERT_INPUT_MAX];
	size_t n;
	FILE *f;

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), "../unit/certs/billing.pem");
	if ((f = fopen(path, "rb")) == NULL)
		fuzz_die(path, NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (cert_parse(&crt, buf, n, &m) != JF_OK)
		fuzz_die(path, &m);
	return 0;
}

static void
service(const struct registry *reg, const struct reg_service *s)
{
	struct jf_msg m = { .s = "" };
	const struct reg_service *found = NULL;
	enum jf_err rc;
	size_t i;

	assert(registry_svc_id(s) != NULL);
	rc = registry_find_id(reg, registry_svc_id(s), FUZZ_NOW, &found, &m);
	if (rc == JF_OK)
		assert(found == s);
	else
		assert(rc == JF_E_INVALID_CLIENT && (!registry_svc_enabled(s) ||
		    (registry_svc_not_after(s) != 0 &&
		    registry_svc_not_after(s) <= FUZZ_NOW + 1)));
	assert(registry_svc_scope_count(s) <= REGISTRY_SCOPES_MAX);
	for (i = 0; i < registry_svc_scope_count(s); i++) {
		const char *sc = registry_svc_scope(s, i);

		assert(registry_svc_has_scope(s, sc, strlen(sc)));
	}
	for (i = 0; i < registry_svc_default_scope_count(s); i++)
		(void)registry_svc_default_scope(s, i);
	assert(registry_svc_audience_count(s) <= REGISTRY_LIST_MAX);
	for (i = 0; i < registry_svc_audience_count(s); i++)
		assert(registry_svc_has_audience(s, registry_svc_audience(s,
		    i)));
	(void)registry_svc_default_audience(s);
	assert(registry_svc_lifetime(s) >= 0 &&
	    registry_svc_lifetime(s) <= REGISTRY_LIFETIME_MAX);
	(void)registry_svc_claims(s);
	(void)registry_svc_secret_sha256(s);
	if (registry_svc_cimd(s))
		assert(strncmp(registry_svc_id(s), "https://", 8) == 0 &&
		    registry_svc_secret_sha256(s) == NULL &&
		    registry_svc_jwks(s) == NULL &&
		    registry_svc_bind(s, 1) == 0);
	assert(strlen(registry_svc_id(s)) <= REGISTRY_URL_ID_MAX);
	assert(strlen(registry_svc_id(s)) <= REGISTRY_ID_MAX ||
	    strncmp(registry_svc_id(s), "https://", 8) == 0);
}

/* The same bytes as the mint's default policy. */
static void
policy(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct registry *reg = NULL;
	const struct reg_service *s;
	enum jf_err rc;

	rc = registry_policy_parse(&reg, "cimd_default", (const char *)data,
	    size, &m);
	if (rc != JF_OK) {
		assert(reg == NULL && m.s[0] != '\0');
		assert(rc == JF_E_CONFIG || rc == JF_E_NOMEM);
		return;
	}
	assert(registry_count(reg) == 1);
	s = registry_service(reg, 0);
	assert(strcmp(registry_svc_id(s), "cimd_default") == 0);
	assert(registry_svc_cimd(s) && registry_svc_jwks(s) == NULL &&
	    registry_svc_secret_sha256(s) == NULL);
	assert(!registry_has_id(reg, "cimd_default"));
	assert(registry_svc_scope_count(s) <= REGISTRY_SCOPES_MAX &&
	    registry_svc_audience_count(s) <= REGISTRY_LIST_MAX);
	registry_free(reg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct registry *reg = NULL;
	const struct reg_service *s = NULL;
	enum jf_err rc;
	size_t i;

	policy(data, size);
	rc = registry_parse(&reg, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(reg == NULL);
		assert(rc == JF_E_CONFIG || rc == JF_E_NOMEM);
		assert(m.s[0] != '\0');
		return 0;
	}
	assert(registry_count(reg) <= REGISTRY_SERVICES_MAX);
	for (i = 0; i < registry_count(reg); i++)
		service(reg, registry_service(reg, i));
	assert(registry_service(reg, registry_count(reg)) == NULL);
	rc = registry_match(reg, crt, FUZZ_NOW, &s, &m);
	assert(rc == JF_OK ? s != NULL : rc == JF_E_INVALID_CLIENT);
	registry_free(reg);
	return 0;
}
