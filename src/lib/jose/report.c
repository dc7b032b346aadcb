/* report.c - how verification says what it found: the message of a
 * refusal, and each check for `jwt-fcgi verify --explain` (token-int.h's
 * struct vctx). Shared by token.c and claims.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jose/token-int.h"

/* The name is parenthesised so that token-int.h's analyzer wrapper
 * macro does not expand here. */
enum jf_err
(tok_vfail)(struct vctx *c, enum jf_err e, const char *check, const char *fmt, ...)
{
	struct jf_msg local;
	struct jf_msg *m = c->m ? c->m : &local;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->s, sizeof(m->s), fmt, ap);
	va_end(ap);
	if (c->ex)
		c->ex(c->arg, 0, check, m->s);
	return e;
}

void
tok_vpass(struct vctx *c, const char *check, const char *fmt, ...)
{
	char buf[JF_MSG_MAX];
	va_list ap;

	if (c->ex == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->ex(c->arg, 1, check, buf);
}

/* Attacker-controlled text for a message: at most TOK_ECHO_MAX bytes,
 * quotes, backslashes and non-printables escaped, "..." when cut. dst
 * has TOK_ECHO_BUF bytes. */
const char *
tok_echo(char *dst, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < TOK_ECHO_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(dst + o, 5, "\\x%02x", ch);
		} else {
			dst[o++] = (char)ch;
		}
	}
	if (i < n) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

