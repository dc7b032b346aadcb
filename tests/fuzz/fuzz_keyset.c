/* fuzz_keyset.c - keyset_parse of the mint's key-set state file, then
 * the schedule of what it accepted.
 *
 * An accepted set writes back (keyset_to_json) to text that parses to the
 * same entries, and writing that again gives the same text: rotate
 * rewrites the file, and a reload must read what it meant. At each date
 * of the set (and a second either side) the signer is an active key or
 * nobody, and when nobody signs the reason names a time or says none
 * follows. A rotation at each date either refuses (a key is pending) or
 * gives a set that checks again, whose new key is pending.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jose/keyset.h"

#define NEWKID "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct keyset *a, const struct keyset *b)
{
	const struct keyset_entry *x, *y;
	size_t i;
	int d;

	assert(keyset_count(a) == keyset_count(b));
	for (i = 0; i < keyset_count(a); i++) {
		x = keyset_get(a, i);
		y = keyset_get(b, i);
		assert(strcmp(x->file, y->file) == 0);
		assert(strcmp(x->kid, y->kid) == 0);
		assert(x->alg == y->alg);
		for (d = 0; d < KEYSET__DATES; d++)
			assert(x->at[d] == y->at[d]);
	}
}

static void
ignore(void *arg, const char *msg)
{
	(void)arg;
	assert(msg != NULL && msg[0] != '\0');
}

static void
at(const struct keyset *ks, int64_t t)
{
	struct keyset *out = NULL;
	struct keyset_entry e;
	struct jf_msg m = { .s = "" };
	long s = keyset_signer(ks, t);
	int64_t next, gap;
	enum jf_err rc;
	char *text;

	assert(s >= -1 && s < (long)keyset_count(ks));
	if (s >= 0) {
		assert(keyset_state_at(keyset_get(ks, (size_t)s), t) ==
		    KEYSET_ACTIVE);
	} else {
		next = keyset_idle(ks, t, &m);
		assert(strncmp(m.s, "no signing key is active: ", 26) == 0);
		assert(next == KEYSET_NEVER || next > t);
	}
	gap = keyset_gap(ks, t);
	assert(gap == KEYSET_NEVER || (gap >= t && keyset_signer(ks, gap) < 0));
	assert((s < 0) == (gap == t));
	next = keyset_next(ks, t, 0xf);
	assert(next == KEYSET_NEVER || next > t);
	keyset_lint(ks, t, 3660, 300, ignore, NULL);

	if (t < KEYSET_TIME_MIN || t > KEYSET_TIME_MAX - 3600)
		return;
	memset(&e, 0, sizeof(e));
	e.file = "new.pem";
	e.kid = NEWKID;
	e.at[KEYSET_PUBLISHED] = t;
	e.at[KEYSET_ACTIVATES] = t + 1200;
	e.at[KEYSET_RETIRES] = e.at[KEYSET_REMOVED] = KEYSET_NEVER;
	rc = keyset_rotate(ks, &e, t, 60, &out, &m);
	if (rc != JF_OK) {
		/* Under way, or the new key collides with one kept. */
		assert(rc == JF_E_INVALID_REQUEST || rc == JF_E_CONFIG);
		assert(out == NULL && m.s[0] != '\0');
		return;
	}
	assert(keyset_count(out) <= KEYSET_KEYS_MAX);
	assert(keyset_state_at(keyset_get(out, keyset_count(out) - 1), t) ==
	    KEYSET_PENDING);
	/* Who signs now does not change; the new key signs when due. */
	if (s >= 0)
		assert(keyset_signer(out, t) >= 0);
	assert(keyset_signer(out, t + 1200) ==
	    (long)keyset_count(out) - 1);
	text = keyset_to_json(out);
	assert(text != NULL);
	free(text);
	keyset_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_msg m = { .s = "" };
	struct keyset *a = keyset_new(), *b = keyset_new();
	char *text = NULL, *again = NULL;
	enum jf_err rc;
	size_t i;
	int d;

	assert(a != NULL && b != NULL);
	rc = keyset_parse(a, (const char *)data, size, &m);
	if (rc != JF_OK) {
		assert(rc == JF_E_CONFIG || rc == JF_E_NOMEM);
		assert(m.s[0] != '\0');
		assert(keyset_count(a) == 0);
		goto done;
	}
	assert(keyset_count(a) >= 1 && keyset_count(a) <= KEYSET_KEYS_MAX);
	text = keyset_to_json(a);
	assert(text != NULL);
	rc = keyset_parse(b, text, strlen(text), &m);
	assert(rc == JF_OK);
	same(a, b);
	again = keyset_to_json(b);
	assert(again != NULL && strcmp(text, again) == 0);
	for (i = 0; i < keyset_count(a); i++)
		for (d = 0; d < KEYSET__DATES; d++) {
			int64_t t = keyset_get(a, i)->at[d];

			if (t == KEYSET_NEVER)
				continue;
			at(a, t - 1);
			at(a, t);
			at(a, t + 1);
		}
done:
	free(text);
	free(again);
	keyset_free(a);
	keyset_free(b);
	return 0;
}
