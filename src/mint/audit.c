/* audit.c - one JSON line per token decision, after the fixed prefix
 * "audit: " so that a log shipper can pick them out:
 *
 *   audit: {"time":"2026-01-02T03:04:05Z","event":"token_issued",
 *     "service":"billing","grant_type":"client_credentials",
 *     "auth_method":"tls_client_auth","cimd":false,
 *     "cert_sha256":"<x5t#S256>","scope":"a b",
 *     "aud":"https://api","jti":"...","idx":1234,"outcome":"issued",
 *     "reason":null}
 * (idx: the token's status list index, status.c).
 *
 * service is the client: a registry id, or a client ID metadata
 * document's URL (cimd true: its keys came from that document).
 * On refusal event is "token_refused", outcome the OAuth error code and
 * reason the description; auth_method is null when the request was
 * refused before its method was known. Never the token or a secret.
 * json-c escapes every string;
 * each is cut to AUDIT_FIELD_MAX bytes (on a UTF-8 boundary) so the line
 * stays whole within the log's 2 KiB line limit.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "util/log.h"
#include "mint.h"
#include "fcgi/server.h"

#define AUDIT_FIELD_MAX 256

static struct json_object *audit_str(const char *s);
static void audit_time(struct json_object *o, time_t now);
static void audit_emit(struct json_object *o, enum log_level lvl);

/* A JSON string of at most AUDIT_FIELD_MAX bytes of s, or null. */
static struct json_object *
audit_str(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return NULL;
	n = strlen(s);
	if (n <= AUDIT_FIELD_MAX)
		return json_object_new_string(s);
	n = AUDIT_FIELD_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return json_object_new_string_len(s, (int)n);
}

static void
audit_time(struct json_object *o, time_t now)
{
	char when[32];
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	json_object_object_add(o, "time", json_object_new_string(when));
}

static void
audit_emit(struct json_object *o, enum log_level lvl)
{
	const char *t = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (t == NULL)
		log_error("audit: out of memory");
	else
		log_msg(lvl, "audit: %s", t);
}

void
mint_audit_peer(const struct srv_peer *p, time_t now)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL) {
		log_error("audit: out of memory");
		return;
	}
	audit_time(o, now);
	json_object_object_add(o, "event", json_object_new_string(
	    "peer_refused"));
	json_object_object_add(o, "peer_uid", json_object_new_int64(p->uid));
	json_object_object_add(o, "peer_gid", json_object_new_int64(p->gid));
	json_object_object_add(o, "peer_pid", json_object_new_int64(p->pid));
	json_object_object_add(o, "outcome", json_object_new_string(
	    "refused"));
	json_object_object_add(o, "reason", json_object_new_string(
	    "this uid and its groups may not use the mint's socket (only "
	    "its own uid, root, peer_users and peer_groups)"));
	audit_emit(o, LOG_LVL_WARN);
	json_object_put(o);
}

/* audit: {"time":...,"event":"revocation","client":"worker",
 *   "auth_method":"client_secret_basic","token_type_hint":null,
 *   "jti":"...","owner":"worker","effect":"revoked","changed":1,
 *   "outcome":"ok","reason":null}
 * effect: revoked, unchanged (already), expired, not_owner, unknown (not
 * the mint's, or unverifiable), malformed; null when refused. */
void
mint_audit_revoke(const struct mint_revocation *v, time_t now)
{
	struct json_object *o = json_object_new_object();
	const struct mint_grant *g = &v->g;
	const char *oauth = jf_oauth_error(g->err);

	if (o == NULL) {
		log_error("audit: out of memory");
		return;
	}
	audit_time(o, now);
	json_object_object_add(o, "event", json_object_new_string(
	    "revocation"));
	json_object_object_add(o, "client", audit_str(g->service));
	json_object_object_add(o, "auth_method",
	    audit_str(mint_auth_name(g->method)));
	json_object_object_add(o, "token_type_hint", audit_str(v->hint));
	json_object_object_add(o, "jti", audit_str(v->jti));
	json_object_object_add(o, "owner", audit_str(v->owner));
	/* not_owner is a refusal (RFC 7009 §2.1) that still has an effect
	 * worth naming: none. */
	json_object_object_add(o, "effect", g->err == JF_OK ||
	    (v->effect != NULL && strcmp(v->effect, "not_owner") == 0) ?
	    audit_str(v->effect) : NULL);
	json_object_object_add(o, "changed", json_object_new_int64(
	    (int64_t)v->changed));
	json_object_object_add(o, "outcome", json_object_new_string(
	    g->err == JF_OK ? "ok" : oauth != NULL ? oauth : "server_error"));
	json_object_object_add(o, "reason", g->err == JF_OK ? NULL :
	    audit_str(g->msg.s));
	audit_emit(o, LOG_LVL_INFO);
	if (jf_http_status(g->err) >= 500)
		log_error("revocation endpoint: %s", g->msg.s);
	json_object_put(o);
}

void
mint_audit(const struct mint_grant *g, time_t now)
{
	struct json_object *o = json_object_new_object();
	const char *oauth = jf_oauth_error(g->err);

	if (o == NULL) {
		log_error("audit: out of memory");
		return;
	}
	audit_time(o, now);
	json_object_object_add(o, "event", json_object_new_string(
	    g->err == JF_OK ? "token_issued" : "token_refused"));
	json_object_object_add(o, "service", audit_str(g->service));
	json_object_object_add(o, "grant_type", audit_str(g->grant));
	json_object_object_add(o, "auth_method",
	    audit_str(mint_auth_name(g->method)));
	json_object_object_add(o, "cimd", json_object_new_boolean(g->cimd));
	json_object_object_add(o, "cert_sha256", audit_str(g->x5t));
	json_object_object_add(o, "scope", audit_str(g->scope));
	json_object_object_add(o, "aud", audit_str(g->aud));
	json_object_object_add(o, "jti", g->err == JF_OK ?
	    audit_str(g->jti) : NULL);
	json_object_object_add(o, "idx", g->err == JF_OK ?
	    json_object_new_int64(g->idx) : NULL);
	json_object_object_add(o, "outcome", json_object_new_string(
	    g->err == JF_OK ? "issued" : oauth != NULL ? oauth :
	    "server_error"));
	json_object_object_add(o, "reason", g->err == JF_OK ? NULL :
	    audit_str(g->msg.s));
	audit_emit(o, LOG_LVL_INFO);
	/* A refusal the server caused is the operator's to see even when
	 * info lines are off. */
	if (jf_http_status(g->err) >= 500)
		log_error("token endpoint: %s", g->msg.s);
	json_object_put(o);
}
