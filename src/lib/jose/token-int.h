/* token-int.h - what token.c (shape, header, signature), claims.c
 * (times, audience, scopes) and report.c (messages) share of
 * verification. token.c -> claims.c -> report.c, never back.
 *
 * struct tok and the per-call reporting context stay opaque to every other
 * module: only the halves of the token module include this header.
 */
#ifndef JF_TOKEN_INT_H
#define JF_TOKEN_INT_H

#include <stddef.h>

#include <json-c/json.h>

#include "util/err.h"
#include "jose/token.h"

#define TOK_ECHO_MAX 64         /* attacker bytes echoed into a message */
#define TOK_ECHO_BUF (TOK_ECHO_MAX * 4 + 4)

struct tok {
	struct json_object *header;
	struct json_object *claims;
	const struct tok_issuer *iss;
	const struct jf_key *key;       /* owned by iss->keys */
};

/* Per-call reporting: where messages go and who is told. */
struct vctx {
	struct jf_msg *m;
	tok_explain_fn ex;
	void *arg;
};

/* report.c: formats a failed check into c->m, tells c->ex; returns e. */
enum jf_err tok_vfail(struct vctx *c, enum jf_err e, const char *check,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#ifdef __clang_analyzer__
/* The analyzer does not follow variadic calls: tell it vfail returns e. */
#define tok_vfail(c, e, ...) (tok_vfail((c), (e), __VA_ARGS__), (e))
#endif
/* report.c: tells c->ex, if any, that a check passed. */
void tok_vpass(struct vctx *c, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* report.c: n attacker bytes at s, escaped and cut, into dst of
 * TOK_ECHO_BUF bytes; returns dst. */
const char *tok_echo(char *dst, const char *s, size_t n);

/* claims.c: exp (required), nbf and iat against r->now. */
enum jf_err tok_check_times(struct vctx *c, const struct tok_rules *r,
	const struct json_object *cl);
/* claims.c: aud (required) names one of is->aud. */
enum jf_err tok_check_aud(struct vctx *c, const struct tok_issuer *is,
	const struct json_object *cl);

#endif
