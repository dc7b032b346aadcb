/* registry.h - registry: the services the mint issues tokens to, and how
 * a client certificate names one (registry: load; check: value checks;
 * index: hash indexes and lookups; registry -> index, check). Schema and matching rules: doc/registry.md.
 *
 * The whole file is validated at load: unknown members, wrong types,
 * reserved claim names, bad scope tokens and values two services both
 * claim are JF_E_CONFIG with the JSON path of the offending value
 * ("services[3].match.san_uri[0]: expected a string"). Lookups go through
 * hash indexes built at load, never a scan.
 *
 * A loaded registry is read-only: share it between requests freely.
 */
#ifndef JF_REGISTRY_H
#define JF_REGISTRY_H

#include <stddef.h>
#include <time.h>

#include "util/err.h"

struct registry;
struct reg_service;
struct cert;
struct json_object;
struct jwks;

/* Arbitrary limits; 64 MiB holds a few hundred thousand services. */
#define REGISTRY_ID_MAX 128             /* an id, but a URL id: */
#define REGISTRY_URL_ID_MAX 1024        /* a client ID metadata document's */
#define REGISTRY_FILE_MAX (64L * 1024 * 1024)
#define REGISTRY_SERVICES_MAX 1000000
#define REGISTRY_LIST_MAX 64            /* values of one rule, audiences */
#define REGISTRY_SCOPES_MAX 256
#define REGISTRY_DEPTH 16               /* JSON nesting, claims included */
#define REGISTRY_LIFETIME_MAX 86400

/* Reads and validates path (at most REGISTRY_FILE_MAX bytes). Messages
 * start with the path: "reg.json: services[0].id: expected a string".
 * JF_E_IO if unreadable, JF_E_CONFIG if invalid. */
enum jf_err registry_load(struct registry **out, const char *path,
	struct jf_msg *m);
/* The same from n bytes of JSON; messages start with the JSON path. */
enum jf_err registry_parse(struct registry **out, const char *buf, size_t n,
	struct jf_msg *m);
void registry_free(struct registry *reg);

/* A policy no listed service has: the members scopes, default_scope,
 * audiences, default_audience, token_lifetime and claims of the JSON
 * object in buf (n bytes), checked as a service's are, as a registry of
 * one service named id that no lookup finds and that has no credential:
 * the mint's default for client ID metadata document clients it does
 * not list. Messages start with id: "cimd_default.scopes[0]: ...". */
enum jf_err registry_policy_parse(struct registry **out, const char *id,
	const char *buf, size_t n, struct jf_msg *m);

size_t registry_count(const struct registry *reg);
/* Services identified by a certificate ("match" rules): the ones
 * tls_client_auth serves. */
size_t registry_cert_count(const struct registry *reg);
/* The i-th service in file order (NULL past the end), e.g. to list them. */
const struct reg_service *registry_service(const struct registry *reg,
	size_t i);

/* The one service whose rules all match c. JF_E_INVALID_CLIENT with a
 * reason when none does, when two do (ambiguous), or when it is disabled
 * ("service billing is disabled") or past its not_after at now. */
enum jf_err registry_match(const struct registry *reg, const struct cert *c,
	time_t now, const struct reg_service **svc, struct jf_msg *m);
/* The service with this id (an OAuth client_id); JF_E_INVALID_CLIENT when
 * unknown, disabled or expired, as for registry_match. */
enum jf_err registry_find_id(const struct registry *reg, const char *id,
	time_t now, const struct reg_service **svc, struct jf_msg *m);
/* 1 when a service has this id, usable or not (to tell a client that is
 * not listed from one that is listed and refused). */
int registry_has_id(const struct registry *reg, const char *id);

const char *registry_svc_id(const struct reg_service *s);
int registry_svc_enabled(const struct reg_service *s);
/* 0 when the service has no not_after. */
time_t registry_svc_not_after(const struct reg_service *s);
/* Extra claims for its tokens (a JSON object owned by the registry), or
 * NULL when none. Never holds a reserved claim name. */
const struct json_object *registry_svc_claims(const struct reg_service *s);

/* Scopes it may request, and the ones a request without scope gets. */
size_t registry_svc_scope_count(const struct reg_service *s);
const char *registry_svc_scope(const struct reg_service *s, size_t i);
size_t registry_svc_default_scope_count(const struct reg_service *s);
const char *registry_svc_default_scope(const struct reg_service *s, size_t i);
/* 1 if the n bytes at tok are one of its scopes. */
int registry_svc_has_scope(const struct reg_service *s, const char *tok,
	size_t n);

size_t registry_svc_audience_count(const struct reg_service *s);
const char *registry_svc_audience(const struct reg_service *s, size_t i);
/* NULL when it has none. */
const char *registry_svc_default_audience(const struct reg_service *s);
int registry_svc_has_audience(const struct reg_service *s, const char *aud);

/* Token lifetime in seconds (1..86400), or 0 for the mint's default. */
int registry_svc_lifetime(const struct reg_service *s);

/* 1 when its tokens issued on a client certificate (tls_client_auth)
 * are bound to it (RFC 8705 cnf x5t#S256): its bind_certificate, or
 * dflt (the mint's bind_certificate) when it has none. 0 for a service
 * without match, which never authenticates with a certificate. */
int registry_svc_bind(const struct reg_service *s, int dflt);

/* SHA-256 of its client secret (32 bytes), or NULL when it has none.
 * Compare in constant time. */
const unsigned char *registry_svc_secret_sha256(const struct reg_service *s);

/* The public keys it signs private_key_jwt client assertions with (the
 * registry's inline "jwks"), or NULL when it has none. */
const struct jwks *registry_svc_jwks(const struct reg_service *s);

/* 1 for a client ID metadata document client: an id that is an https
 * URL, and no match, client_secret_sha256 or jwks. Its keys are those
 * of the document at that URL, which the mint fetches. */
int registry_svc_cimd(const struct reg_service *s);

#endif
