/* form.h - application/x-www-form-urlencoded bodies (token endpoint).
 *
 * RFC 6749 §3.2: a parameter sent without a value is treated as omitted,
 * and no parameter may appear twice; a repeated one is refused so that two
 * parsers can never read different grant types or scopes from one body.
 * Bounded: FORM_MAX_FIELDS fields, names and values within the body size.
 */
#ifndef JF_FORM_H
#define JF_FORM_H

#include <stddef.h>

#include "util/err.h"

#define FORM_MAX_FIELDS 32
#define FORM_MAX_BYTES (16 * 1024)

struct form;

/* Decodes len bytes of body ('+' is a space, %XX strict hex; a decoded
 * control character, NUL included, is refused). JF_E_INVALID_REQUEST
 * with a reason naming the field on failure. */
enum jf_err form_parse(struct form **out, const char *body, size_t len,
	struct jf_msg *m);
void form_free(struct form *f);

/* The decoded value of name, or NULL if absent (or sent empty). */
const char *form_get(const struct form *f, const char *name);
size_t form_count(const struct form *f);
/* Field i (0 <= i < form_count) for iteration; returns its name. */
const char *form_name(const struct form *f, size_t i);

/* Percent-decodes n bytes of s into dst (room for n + 1) in place-safe
 * fashion; plus_is_space for forms. Returns decoded length or -1 on a bad
 * escape or a decoded byte < 0x20 or 0x7f. */
long form_unescape(char *dst, const char *s, size_t n, int plus_is_space);

#endif
