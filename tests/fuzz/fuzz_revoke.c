/* fuzz_revoke.c - what POST .../revoke and GET .../statuslist parse of
 * outside input (src/mint/revparse.c): the revocation form's token and
 * token_type_hint, the unverified aud of the presented token, and the
 * Accept header.
 *
 * Input: a mode byte, then the bytes. Mode 0: a form body; an accepted
 * one gives a non-empty token, and a hint only when the form has one.
 * Mode 1: a token; an aud found is NUL-terminated, fits, and is no
 * longer than the token. Mode 2: an Accept value; the list is acceptable
 * only when a media range can cover it (the type itself, its top type
 * with a wildcard, or any type), or when the value is blank.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/slist.h"
#include "util/form.h"
#include "mint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, needle, n) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form *f = NULL;
	struct jf_msg m = { .s = "" };
	const char *tok, *hint;
	char *s, aud[1025];
	int r;

	if (size < 1 || size > 70000)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (form_parse(&f, s, size - 1, &m) != JF_OK)
			break;
		if (mint_revoke_form(f, &tok, &hint, &m) == JF_OK) {
			assert(tok != NULL && *tok != '\0');
			assert((hint != NULL) == (form_get(f, "token_type_hint") !=
			    NULL));
		} else {
			assert(m.s[0] != '\0');
			assert(form_get(f, "token") == NULL ||
			    *form_get(f, "token") == '\0');
		}
		form_free(f);
		break;
	case 1:
		memset(aud, 'x', sizeof(aud));
		if (mint_revoke_peek_aud(s, strlen(s), aud, sizeof(aud)) == 0) {
			assert(memchr(aud, '\0', sizeof(aud)) != NULL);
			assert(strlen(aud) <= strlen(s));
		}
		break;
	case 2:
		r = mint_status_accepts(s);
		assert(r == 0 || r == 1);
		if (r == 1 && strspn(s, " \t") != strlen(s))
			assert(has_ci(s, SLIST_MEDIA) ||
			    has_ci(s, "application/*") || has_ci(s, "*/*"));
		break;
	}
	free(s);
	return 0;
}
