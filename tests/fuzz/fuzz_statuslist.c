/* fuzz_statuslist.c - the Status List Token as the authorizer's fetcher
 * checks it before storing it (src/authz/status.c status_doc_verify).
 *
 * Input: a mode byte, then either (mode & 1) a claims object the harness
 * signs with the issuer's key (typ statuslist+jwt), so libFuzzer reaches
 * the claim checks past the signature, or the fetched body as is.
 * Properties: an accepted list is the configured issuer's, holds
 * 1..SLIST_MAX_STATUSES statuses, its ttl is positive and bounded, and
 * the same body is judged the same way twice.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../src/authz/status.h"
#include "conf/cfg.h"
#include "fuzz.h"
#include "jose/key.h"
#include "jose/token.h"
#include "oauth/slist.h"

#define FUZZ_URL "https://mint.fuzz.test/sl"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg *conf;
static struct jf_key *signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jf_msg m = { .s = "" };
	char path[4096];

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), "keys/status.conf");
	if (cfg_load(&conf, path, &m) != JF_OK)
		fuzz_die("cfg_load", &m);
	fuzz_path(path, sizeof(path), "keys/es256.key.pem");
	if (key_load_file(&signer, path, &m) != JF_OK)
		fuzz_die("key_load_file", &m);
	return 0;
}

static enum jf_err
judge(const char *body, size_t len)
{
	struct jf_msg m = { .s = "" };
	struct slist *l = NULL;
	const char *iss = NULL;
	int64_t exp;
	long ttl;
	enum jf_err rc;

	rc = status_doc_verify(conf, FUZZ_URL, body, len, FUZZ_NOW, &iss, &l,
	    &exp, &ttl, &m);
	if (rc == JF_OK) {
		assert(iss != NULL && strcmp(iss, "https://mint.fuzz.test") == 0);
		assert(l != NULL);
		assert(slist_len(l) > 0 && slist_len(l) <= SLIST_MAX_STATUSES);
		assert(ttl == -1 || (ttl >= 1 && ttl <= 30 * 86400));
	} else {
		assert(l == NULL && m.s[0] != '\0');
	}
	slist_free(l);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct json_object *claims;
	struct json_tokener *tk;
	char *body = NULL;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		assert(judge((const char *)data + 1, size - 1) ==
		    judge((const char *)data + 1, size - 1));
		return 0;
	}
	if ((tk = json_tokener_new_ex(16)) == NULL)
		return 0;
	claims = json_tokener_parse_ex(tk, (const char *)data + 1,
	    (int)(size - 1));
	json_tokener_free(tk);
	if (claims == NULL)
		return 0;
	if (tok_sign(signer, SLIST_TYP, claims, &body, &m) == JF_OK) {
		enum jf_err a = judge(body, strlen(body));

		assert(a == judge(body, strlen(body)));
	}
	free(body);
	json_object_put(claims);
	return 0;
}
