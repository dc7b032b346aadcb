/* claims.c - the claim checks of tok_verify: the NumericDates exp,
 * nbf and iat against the caller's clock and leeway, the audience against
 * the issuer's list, and tok_has_scopes over "scope" and "scp".
 *
 * Each check runs only after token.c has verified the signature, so the
 * claims are the issuer's; they are still bounded and type-checked here
 * because an issuer's bug must not become ours.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "jose/token.h"
#include "jose/token-int.h"

/* NumericDates beyond year 9999 are refused: nothing legitimate needs
 * them and a consumer converting 1e300 to an integer would hit UB. */
#define TOK_DATE_MAX 253402300799.0

static const char *secs(char *b, size_t n, double d);
static int numeric_date(const struct json_object *cl, const char *name,
	double *out);
static int has_word(const char *list, const char *w, size_t n);

/* Seconds for a message: whole numbers as such, fractions to 0.1 s. */
static const char *
secs(char *b, size_t n, double d)
{
	if (d > -1e15 && d < 1e15 && d != (double)(long long)d)
		snprintf(b, n, "%.1f", d);
	else
		snprintf(b, n, "%.0f", d);
	return b;
}

/* A NumericDate (RFC 7519 §2): a JSON number, integral or not, within
 * ±TOK_DATE_MAX. Returns 1 and sets *out, 0 if absent, -1 if unusable.
 * Everything is compared as double: exact for every value in range. */
static int
numeric_date(const struct json_object *cl, const char *name, double *out)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(cl, name, &v))
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		/* json-c clamps integers beyond int64 to INT64_MAX/MIN. */
		d = (double)json_object_get_int64(v);
		break;
	case json_type_double:
		d = json_object_get_double(v);
		break;
	case json_type_null:
	case json_type_boolean:
	case json_type_object:
	case json_type_array:
	case json_type_string:
	default:
		return -1;
	}
	if (!isfinite(d) || d > TOK_DATE_MAX || d < -TOK_DATE_MAX)
		return -1;
	*out = d;
	return 1;
}

enum jf_err
tok_check_times(struct vctx *c, const struct tok_rules *r,
	const struct json_object *cl)
{
	static const char *const names[] = { "exp", "nbf", "iat" };
	double v[3], now = (double)r->now;
	char b[48];
	/* Negative leeway makes no sense; huge leeway is still exact in
	 * double arithmetic and cannot overflow. */
	long lw = r->leeway > 0 ? r->leeway : 0;
	int have[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		have[i] = numeric_date(cl, names[i], &v[i]);
		if (have[i] < 0)
			return tok_vfail(c, JF_E_CLAIM, names[i], "claim \"%s\" is "
			    "not a NumericDate (a number within +-%.0f)",
			    names[i], TOK_DATE_MAX);
	}
	if (!have[0] && r->exp_optional)
		tok_vpass(c, "exp", "no exp (optional here)");
	else if (!have[0])
		return tok_vfail(c, JF_E_CLAIM, "exp", "claim \"exp\" is required");
	else if (now > v[0] + (double)lw)
		return tok_vfail(c, JF_E_EXPIRED, "exp", "token expired %s s ago "
		    "(leeway %ld s)", secs(b, sizeof(b), now - v[0]), lw);
	/* The report's numbers are formatted only when someone asked for a
	 * report (jwt-fcgi verify): never on the authorizer's path. */
	if (have[0] && c->ex != NULL)
		tok_vpass(c, "exp", "expires in %s s (leeway %ld s)",
		    secs(b, sizeof(b), v[0] - now), lw);
	if (have[1]) {
		if (now + (double)lw < v[1])
			return tok_vfail(c, JF_E_NOT_YET_VALID, "nbf", "token not "
			    "valid for another %s s (nbf, leeway %ld s)",
			    secs(b, sizeof(b), v[1] - now), lw);
		if (c->ex != NULL)
			tok_vpass(c, "nbf", "valid since %s s", secs(b,
			    sizeof(b), now - v[1]));
	}
	if (have[2]) {
		if (v[2] > now + (double)lw)
			return tok_vfail(c, JF_E_NOT_YET_VALID, "iat", "token issued "
			    "%s s in the future (iat, leeway %ld s)",
			    secs(b, sizeof(b), v[2] - now), lw);
		if (c->ex != NULL)
			tok_vpass(c, "iat", "issued %s s ago", secs(b,
			    sizeof(b), now - v[2]));
	}
	return JF_OK;
}

/* CVE-2020-26160: "aud" is a string or an array of strings, nothing else;
 * an array with any non-string member is refused whole. */
enum jf_err
tok_check_aud(struct vctx *c, const struct tok_issuer *is,
	const struct json_object *cl)
{
	struct json_object *v, *a;
	char e[TOK_ECHO_BUF];
	size_t i, j, n, len;
	int arr;

	if (is->no_aud) {
		tok_vpass(c, "aud", "no audience checked (a status list)");
		return JF_OK;
	}
	if (!json_object_object_get_ex(cl, "aud", &v))
		return tok_vfail(c, JF_E_AUDIENCE, "aud", "claim \"aud\" is required");
	arr = json_object_is_type(v, json_type_array);
	if (!arr && !json_object_is_type(v, json_type_string))
		return tok_vfail(c, JF_E_AUDIENCE, "aud", "claim \"aud\" is a JSON "
		    "%s, not a string or an array of strings",
		    json_type_to_name(json_object_get_type(v)));
	n = arr ? json_object_array_length(v) : 1;
	if (n == 0)
		return tok_vfail(c, JF_E_AUDIENCE, "aud",
		    "claim \"aud\" is an empty array");
	for (i = 0; arr && i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i),
		    json_type_string))
			return tok_vfail(c, JF_E_AUDIENCE, "aud",
			    "aud[%zu] is not a string", i);
	for (i = 0; i < n; i++) {
		a = arr ? json_object_array_get_idx(v, i) : v;
		len = (size_t)json_object_get_string_len(a);
		for (j = 0; j < is->naud; j++) {
			if (strlen(is->aud[j]) == len && memcmp(is->aud[j],
			    json_object_get_string(a), len) == 0) {
				tok_vpass(c, "aud", "audience %s accepted",
				    is->aud[j]);
				return JF_OK;
			}
		}
	}
	if (n > 1)
		return tok_vfail(c, JF_E_AUDIENCE, "aud", "none of the %zu audiences "
		    "is accepted by issuer %s", n, is->iss);
	a = arr ? json_object_array_get_idx(v, 0) : v;
	return tok_vfail(c, JF_E_AUDIENCE, "aud", "audience \"%s\" not accepted "
	    "by issuer %s", tok_echo(e, json_object_get_string(a),
	    (size_t)json_object_get_string_len(a)), is->iss);
}

/* Is the n bytes at w one of the space-separated words of list? */
static int
has_word(const char *list, const char *w, size_t n)
{
	const char *p = list;

	while (*p) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len == n && len > 0 && memcmp(p, w, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

int
tok_has_scopes(const struct tok *t, const char *required)
{
	struct json_object *scope = NULL, *scp = NULL;
	const char *p = required ? required : "";

	if (t == NULL)
		return 0;
	json_object_object_get_ex(t->claims, "scope", &scope);
	if (scope && !json_object_is_type(scope, json_type_string))
		scope = NULL;
	/* scp only when there is no scope string: the authorizer passes
	 * the one it reads on as JWT_SCOPE, so the backend sees exactly
	 * the scopes that were granted. */
	if (scope == NULL)
		json_object_object_get_ex(t->claims, "scp", &scp);
	if (scp && !json_object_is_type(scp, json_type_array))
		scp = NULL;
	while (*p) {
		size_t len, i, k;
		int found = 0;

		while (*p == ' ')
			p++;
		if ((len = strcspn(p, " ")) == 0)
			break;
		if (scope)
			found = has_word(json_object_get_string(scope), p, len);
		k = scp ? json_object_array_length(scp) : 0;
		for (i = 0; !found && i < k; i++) {
			struct json_object *e = json_object_array_get_idx(scp, i);

			found = json_object_is_type(e, json_type_string) &&
			    (size_t)json_object_get_string_len(e) == len &&
			    memcmp(json_object_get_string(e), p, len) == 0;
		}
		if (!found)
			return 0;
		p += len;
	}
	return 1;
}
