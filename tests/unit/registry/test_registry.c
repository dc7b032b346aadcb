/* test_registry.c - registry.c: schema errors with their JSON paths,
 * matching against the certificates of tests/unit/certs/, and 100k
 * services built in memory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "x509/cert.h"
#include "registry/registry.h"
#include "tap.h"

#define T2027 1798761600        /* 2027-01-01T00:00:00Z */
#define NOW 1767225600          /* 2026-01-01T00:00:00Z */

static char *
srcpath(char *buf, size_t cap, const char *rel)
{
	const char *src = getenv("JF_SRCDIR");
	char dir[4096];

	if (src != NULL)
		snprintf(dir, sizeof(dir), "%s", src);
	else {
		/* By hand from the build tree: this file's path names the
		 * source tree (tests/unit/test_registry.c, two levels). */
		snprintf(dir, sizeof(dir), "%s", __FILE__);
		*strrchr(dir, '/') = '\0';
		*strrchr(dir, '/') = '\0';
		*strrchr(dir, '/') = '\0';
	}
	snprintf(buf, cap, "%s/%s", dir, rel);
	return buf;
}

static char *
slurp(const char *rel)
{
	char path[4300];
	FILE *f = fopen(srcpath(path, sizeof(path), rel), "rb");
	char *buf = malloc(1 << 20);
	size_t n;

	if (f == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static char *
line(const char *rel)
{
	char *s = slurp(rel);

	s[strcspn(s, "\n")] = '\0';
	return s;
}

static struct cert *
load_cert(const char *name)
{
	char rel[200], *pem;
	struct cert *c = NULL;
	struct jf_msg m;

	snprintf(rel, sizeof(rel), "tests/unit/certs/%s", name);
	pem = slurp(rel);
	if (cert_parse(&c, pem, strlen(pem), &m) != JF_OK) {
		printf("Bail out! %s: %s\n", name, m.s);
		exit(1);
	}
	free(pem);
	return c;
}

static void
test_good(void)
{
	struct registry *reg = NULL;
	const struct reg_service *s;
	struct json_object *team;
	struct jf_msg m = { "" };
	char path[4300];

	is(registry_load(&reg, srcpath(path, sizeof(path),
	    "tests/unit/registry/good.json"), &m), JF_OK, "good.json loads");
	if (reg == NULL) {
		diag("%s", m.s);
		return;
	}
	is(registry_count(reg), 3, "three services");
	s = registry_service(reg, 0);
	is_str(registry_svc_id(s), "billing", "first id");
	is(registry_svc_enabled(s), 1, "enabled");
	is(registry_svc_not_after(s), T2027, "not_after parsed as UTC");
	is(registry_svc_scope_count(s), 3, "3 scopes");
	is_str(registry_svc_scope(s, 1), "invoices:write", "scope 1");
	ok(registry_svc_scope(s, 3) == NULL, "scope out of range");
	ok(registry_svc_has_scope(s, "invoices:read extra", 13), "has_scope "
	    "with a length");
	ok(!registry_svc_has_scope(s, "invoices:rea", 12), "prefix is no scope");
	is(registry_svc_default_scope_count(s), 1, "1 default scope");
	is_str(registry_svc_default_scope(s, 0), "invoices:read", "default scope");
	is(registry_svc_audience_count(s), 2, "2 audiences");
	is_str(registry_svc_audience(s, 1), "https://other.example.test", "aud 1");
	is_str(registry_svc_default_audience(s), "https://api.example.test",
	    "default audience");
	ok(registry_svc_has_audience(s, "https://other.example.test"), "has aud");
	ok(!registry_svc_has_audience(s, "https://api.example.tes"), "not aud");
	is(registry_svc_lifetime(s), 600, "lifetime");
	ok(registry_svc_secret_sha256(s) != NULL &&
	    registry_svc_secret_sha256(s)[0] == 0x9f &&
	    registry_svc_secret_sha256(s)[31] == 0x08, "secret hash decoded");
	ok(registry_svc_claims(s) != NULL && json_object_object_get_ex(
	    (struct json_object *)registry_svc_claims(s), "team", &team) &&
	    strcmp(json_object_get_string(team), "payments") == 0, "claims kept");
	s = registry_service(reg, 1);
	ok(registry_svc_claims(s) == NULL && registry_svc_lifetime(s) == 0 &&
	    registry_svc_default_audience(s) == NULL &&
	    registry_svc_secret_sha256(s) == NULL &&
	    registry_svc_not_after(s) == 0 && registry_svc_enabled(s) &&
	    registry_svc_scope_count(s) == 0, "minimal service: defaults");
	ok(registry_service(reg, 3) == NULL, "service out of range");
	is(registry_find_id(reg, "minimal", NOW, &s, &m), JF_OK, "find_id");
	ok(s == registry_service(reg, 1), "find_id: that service");
	is(registry_find_id(reg, "nobody", NOW, &s, &m), JF_E_INVALID_CLIENT,
	    "find_id: unknown");
	is_str(m.s, "unknown client_id \"nobody\"", "find_id: unknown reason");
	is(registry_find_id(reg, "off", NOW, &s, &m), JF_E_INVALID_CLIENT,
	    "find_id: disabled");
	is_str(m.s, "service off is disabled", "find_id: disabled reason");
	ok(s == NULL, "find_id: no service on failure");
	is(registry_find_id(reg, "billing", T2027, &s, &m), JF_E_INVALID_CLIENT,
	    "find_id: expired at not_after");
	is_str(m.s, "service billing expired on 2027-01-01T00:00:00Z",
	    "find_id: expired reason");
	registry_free(reg);
	registry_free(NULL);

	reg = NULL;
	is(registry_load(&reg, srcpath(path, sizeof(path),
	    "conf/registry.example.json"), &m), JF_OK,
	    "conf/registry.example.json loads");
	if (reg == NULL)
		diag("%s", m.s);
	registry_free(reg);

	is(registry_load(&reg, "/nonexistent/reg.json", &m), JF_E_IO,
	    "missing file: JF_E_IO");
	ok(strncmp(m.s, "/nonexistent/reg.json: ", 23) == 0, "reason names it");
}

#define SVC(x) "{\"services\":[{\"id\":\"a\",\"match\":{\"subject_cn\":\"a\"}}," x "]}"
#define ONE(x) "{\"services\":[{\"id\":\"b\",\"match\":{\"subject_cn\":\"b\"}," x "}]}"
#define MATCH(x) "{\"services\":[{\"id\":\"b\",\"match\":{" x "}}]}"
#define ZERO "0000000000000000000000000000000000000000000000000000000000000000"
#define FP "a05f9ca57243848e5e3a64f08f30d9f054cf37d918fabfdc41036269d4d109d9"

static const struct { const char *json; const char *msg; } bads[] = {
	{ "[]", "registry: expected a JSON object" },
	{ "{}", "services: expected an array" },
	{ "{\"services\":{}}", "services: expected an array" },
	{ "{\"services\":[],\"version\":1}", "registry: unknown member \"version\"" },
	{ SVC("1"), "services[1]: expected an object" },
	{ ONE("\"scope\":[]"), "services[0]: unknown member \"scope\"" },
	{ "{\"services\":[{\"match\":{\"subject_cn\":\"a\"}}]}",
	    "services[0]: missing member \"id\"" },
	{ "{\"services\":[{\"id\":1}]}", "services[0].id: expected a string" },
	{ "{\"services\":[{\"id\":\"\"}]}",
	    "services[0].id: expected a non-empty string" },
	{ "{\"services\":[{\"id\":\"a b\"}]}",
	    "services[0].id: expected printable ASCII without spaces" },
	{ SVC("{\"id\":\"a\"}"), "services[1].id: duplicate id \"a\" (also "
	    "services[0])" },
	{ ONE("\"enabled\":1"), "services[0].enabled: expected true or false" },
	{ ONE("\"description\":[]"), "services[0].description: expected a string" },
	{ ONE("\"not_after\":\"2027-01-01\""), "services[0].not_after: expected "
	    "a UTC time like 2027-01-01T00:00:00Z" },
	{ ONE("\"not_after\":\"2027-02-29T00:00:00Z\""), "services[0].not_after: "
	    "expected a UTC time like 2027-01-01T00:00:00Z" },
	{ ONE("\"not_after\":\"2027-01-01T00:00:00+01:00\""), "services[0]."
	    "not_after: expected a UTC time like 2027-01-01T00:00:00Z" },
	{ "{\"services\":[{\"id\":\"b\"}]}", "services[0]: missing member \"match\"" },
	{ "{\"services\":[{\"id\":\"b\",\"match\":[]}]}",
	    "services[0].match: expected an object" },
	{ MATCH(""), "services[0].match: needs at least one of san_uri, "
	    "san_dns, subject_cn, fingerprint" },
	{ MATCH("\"issuer\":\"CN=x\""), "services[0].match: needs at least one "
	    "of san_uri, san_dns, subject_cn, fingerprint" },
	{ MATCH("\"san_url\":[]"), "services[0].match: unknown member "
	    "\"san_url\"" },
	{ MATCH("\"san_uri\":[1]"), "services[0].match.san_uri[0]: expected "
	    "a string" },
	{ MATCH("\"san_uri\":[]"), "services[0].match.san_uri: expected at "
	    "least one value" },
	{ MATCH("\"san_uri\":\"billing\""), "services[0].match.san_uri: "
	    "expected an absolute URI (scheme:...)" },
	{ MATCH("\"san_uri\":[\"a:b\",\"a:b c\"]"), "services[0].match.san_uri[1]: "
	    "URI contains byte 0x20" },
	{ MATCH("\"san_uri\":[\"a:b\",\"a:b\"]"), "services[0].match.san_uri[1]: "
	    "listed twice" },
	{ MATCH("\"san_dns\":[\"Billing.svc\"]"), "services[0].match.san_dns[0]: "
	    "write DNS names in lower case (they match case-insensitively)" },
	{ MATCH("\"san_dns\":[\"*.svc\"]"), "services[0].match.san_dns[0]: "
	    "expected a DNS name, got byte 0x2a" },
	{ MATCH("\"subject_cn\":\"a\\u0001\""), "services[0].match.subject_cn: "
	    "control character in string" },
	{ MATCH("\"fingerprint\":\"abc\""), "services[0].match.fingerprint: "
	    "expected a SHA-256 fingerprint: 64 hex digits, AB:CD:... or 43 "
	    "base64url characters" },
	{ MATCH("\"fingerprint\":[\"" FP "\",\"oF-cpXJDhI5eOmTwjzDZ8FTPN9kY-r_"
	    "cQQNiadTRCdk\"]"), "services[0].match.fingerprint[1]: listed twice" },
	{ MATCH("\"subject_cn\":\"b\",\"issuer\":\"Service CA\""),
	    "services[0].match.issuer: expected an RFC 4514 DN such as "
	    "CN=Service CA,O=Example" },
	{ MATCH("\"subject_cn\":\"b\",\"issuer\":\"CN=Service CA, O=Example\""),
	    "services[0].match.issuer: write the DN as certtool -i prints it: "
	    "no spaces around ',' and '='" },
	{ MATCH("\"subject_cn\":\"b\",\"issuer\":\"O = Example, CN = CA\""),
	    "services[0].match.issuer: write the DN as certtool -i prints it: "
	    "no spaces around ',' and '='" },
	{ MATCH("\"subject_cn\":\"b\",\"issuer_key_id\":\"E4:50\""),
	    "services[0].match.issuer_key_id: expected lower-case hex without "
	    "colons, as certtool -i prints it" },
	{ ONE("\"claims\":[]"), "services[0].claims: expected an object" },
	{ ONE("\"claims\":{\"team\":1,\"sub\":\"x\"}"), "services[0].claims: "
	    "\"sub\" is a reserved claim: the mint sets it" },
	{ ONE("\"scopes\":\"read\""), "services[0].scopes: expected an array "
	    "of strings" },
	{ ONE("\"scopes\":[\"a\",\"a b\"]"), "services[0].scopes[1]: not an "
	    "RFC 6749 scope-token: byte 0x20" },
	{ ONE("\"scopes\":[\"a\\\"\"]"), "services[0].scopes[0]: not an "
	    "RFC 6749 scope-token: byte 0x22" },
	{ ONE("\"scopes\":[\"a\\\\\"]"), "services[0].scopes[0]: not an "
	    "RFC 6749 scope-token: byte 0x5c" },
	{ ONE("\"scopes\":[\"caf\\u00e9\"]"), "services[0].scopes[0]: not an "
	    "RFC 6749 scope-token: byte 0xc3" },
	{ ONE("\"scopes\":[\"\"]"), "services[0].scopes[0]: expected a "
	    "non-empty string" },
	{ ONE("\"scopes\":[\"r\",\"r\"]"), "services[0].scopes[1]: \"r\" listed "
	    "twice" },
	{ ONE("\"scopes\":[\"r\"],\"default_scope\":[\"w\"]"),
	    "services[0].default_scope: \"w\" is not in scopes" },
	{ ONE("\"default_scope\":\"r\""), "services[0].default_scope: expected "
	    "an array of strings" },
	/* Mistyped or empty lists and no other list: found by fuzz_registry
	 * (NULL pointer plus offset in parse_lists, seen by -fsanitize=undefined). */
	{ ONE("\"audiences\":\"x\""), "services[0].audiences: expected an "
	    "array of strings" },
	{ ONE("\"scopes\":[],\"default_scope\":{}"), "services[0]."
	    "default_scope: expected an array of strings" },
	/* null is a wrong type, not an absent list (as for every other
	 * member) */
	{ ONE("\"scopes\":null"), "services[0].scopes: expected an array of "
	    "strings" },
	{ ONE("\"audiences\":null"), "services[0].audiences: expected an array "
	    "of strings" },
	{ ONE("\"audiences\":[\"x\",\"x\"]"), "services[0].audiences[1]: \"x\" "
	    "listed twice" },
	{ ONE("\"audiences\":[\"x\"],\"default_audience\":\"y\""),
	    "services[0].default_audience: \"y\" is not in audiences" },
	{ ONE("\"default_audience\":\"y\""), "services[0].default_audience: "
	    "\"y\" is not in audiences" },
	{ ONE("\"token_lifetime\":0"), "services[0].token_lifetime: expected "
	    "1..86400 seconds, got 0" },
	{ ONE("\"token_lifetime\":86401"), "services[0].token_lifetime: "
	    "expected 1..86400 seconds, got 86401" },
	{ ONE("\"token_lifetime\":\"600\""), "services[0].token_lifetime: "
	    "expected an integer" },
	{ ONE("\"token_lifetime\":600.0"), "services[0].token_lifetime: "
	    "expected an integer" },
	{ ONE("\"client_secret_sha256\":\"abc\""), "services[0]."
	    "client_secret_sha256: expected 64 hex digits (sha256sum)" },
	{ ONE("\"bind_certificate\":\"yes\""), "services[0].bind_certificate: "
	    "expected true or false" },
	{ ONE("\"bind_certificate\":1"), "services[0].bind_certificate: "
	    "expected true or false" },
	{ "{\"services\":[{\"id\":\"s\",\"client_secret_sha256\":\"" ZERO
	    "\",\"bind_certificate\":true}]}", "services[0].bind_certificate: "
	    "true needs \"match\": only a client certificate binds a token" },
	/* the same value claimed by two services */
	{ SVC("{\"id\":\"b\",\"match\":{\"subject_cn\":\"a\"}}"),
	    "services[1].match.subject_cn: subject_cn \"a\" already claimed by "
	    "service \"a\" (services[0])" },
	{ "{\"services\":[{\"id\":\"a\",\"match\":{\"san_uri\":\"s:x\"}},{\"id\":"
	    "\"b\",\"match\":{\"san_uri\":[\"s:y\",\"s:x\"]}}]}",
	    "services[1].match.san_uri[1]: san_uri \"s:x\" already claimed by "
	    "service \"a\" (services[0])" },
	{ "{\"services\":[{\"id\":\"a\",\"match\":{\"san_dns\":\"a.svc\"}},"
	    "{\"id\":\"b\",\"match\":{\"san_dns\":[\"a.svc\"]}}]}",
	    "services[1].match.san_dns[0]: san_dns \"a.svc\" already claimed by "
	    "service \"a\" (services[0])" },
	/* one fingerprint spelled two ways is still one value */
	{ "{\"services\":[{\"id\":\"a\",\"match\":{\"fingerprint\":\"" FP "\"}},"
	    "{\"id\":\"b\",\"match\":{\"fingerprint\":\"oF-cpXJDhI5eOmTwjzDZ8FTPN9"
	    "kY-r_cQQNiadTRCdk\"}}]}", "services[1].match.fingerprint: fingerprint "
	    "\"oF-cpXJDhI5eOmTwjzDZ8FTPN9kY-r_cQQNiadTRCdk\" already claimed by "
	    "service \"a\" (services[0])" },
};

static void
test_bad(void)
{
	static const char *const reserved[] = { "iss", "sub", "aud", "exp",
	    "iat", "nbf", "jti", "client_id", "scope", "cnf", "typ", "azp",
	    "auth_time", "acr", "amr" };
	struct registry *reg;
	struct jf_msg m;
	char buf[512], want[200], name[64];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		reg = (struct registry *)1;
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "bad registry %zu: JF_E_CONFIG", i);
		is(registry_parse(&reg, bads[i].json, strlen(bads[i].json), &m),
		    JF_E_CONFIG, name);
		ok(reg == NULL, "no registry returned");
		is_str(m.s, bads[i].msg, "reason with its JSON path");
	}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		snprintf(buf, sizeof(buf), ONE("\"claims\":{\"%s\":1}"),
		    reserved[i]);
		snprintf(want, sizeof(want), "services[0].claims: \"%s\" is a "
		    "reserved claim: the mint sets it", reserved[i]);
		is(registry_parse(&reg, buf, strlen(buf), &m), JF_E_CONFIG,
		    reserved[i]);
		is_str(m.s, want, "reserved claim refused");
	}
	/* the parser's own refusals become configuration errors */
	static const char *const syntax[] = { "{", "{\"services\":[]}x",
	    "{\"services\":[],\"services\":[]}",
	    ONE("\"claims\":{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]}") };
	for (i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		m.s[0] = '\0';
		is(registry_parse(&reg, syntax[i], strlen(syntax[i]), &m),
		    JF_E_CONFIG, "JSON syntax, duplicate or depth: JF_E_CONFIG");
		ok(m.s[0] != '\0', "with a reason");
	}
	f = fopen("test_registry.tmp.json", "w");
	fputs(ONE("\"token_lifetime\":0"), f);
	fclose(f);
	is(registry_load(&reg, "test_registry.tmp.json", &m), JF_E_CONFIG,
	    "load: bad file");
	is_str(m.s, "test_registry.tmp.json: services[0].token_lifetime: "
	    "expected 1..86400 seconds, got 0", "load: reason starts with the file");
	remove("test_registry.tmp.json");
	snprintf(buf, sizeof(buf), ONE("\"token_lifetime\":86400"));
	is(registry_parse(&reg, buf, strlen(buf), &m), JF_OK, "lifetime 86400 ok");
	registry_free(reg);
}

/* Replaces @FP@, @X5T@ and @SKI@ with the fixtures' values (the
 * certificates are regenerated with new keys by mkcerts.sh). */
static char *
subst(const char *tmpl)
{
	static const char *const names[] = { "@FP@", "@X5T@", "@SKI@" };
	static const char *const files[] = { "tests/unit/certs/billing.fp",
	    "tests/unit/certs/billing.x5t", "tests/unit/certs/ca.ski" };
	char *out = malloc(strlen(tmpl) + 1024), *o = out, *v;
	const char *p = tmpl;
	size_t k;

	while (*p != '\0') {
		for (k = 0; k < 3; k++)
			if (strncmp(p, names[k], strlen(names[k])) == 0)
				break;
		if (k == 3) {
			*o++ = *p++;
			continue;
		}
		v = line(files[k]);
		o += sprintf(o, "%s", v);
		free(v);
		p += strlen(names[k]);
	}
	*o = '\0';
	return out;
}

#define R(x) "{\"services\":[" x "]}"
#define URI "\"san_uri\":\"spiffe://example.test/billing\""
static const struct {
	const char *name, *json, *cert;
	time_t now;
	enum jf_err rc;
	const char *want;       /* service id on success, else the reason */
} matches[] = {
	{ "SAN URI", R("{\"id\":\"billing\",\"match\":{" URI "}}"), "billing.pem",
	    NOW, JF_OK, "billing" },
	{ "SAN DNS, case-insensitive", R("{\"id\":\"b\",\"match\":{\"san_dns\":"
	    "\"billing.example.test\"}}"), "billing.pem", NOW, JF_OK, "b" },
	{ "subject CN", R("{\"id\":\"r\",\"match\":{\"subject_cn\":\"reports\"}}"),
	    "cnonly.pem", NOW, JF_OK, "r" },
	{ "fingerprint, hex with colons", R("{\"id\":\"f\",\"match\":"
	    "{\"fingerprint\":\"@FP@\"}}"), "billing.pem", NOW, JF_OK, "f" },
	{ "fingerprint, x5t#S256", R("{\"id\":\"f\",\"match\":"
	    "{\"fingerprint\":[\"@X5T@\"]}}"), "billing.pem", NOW, JF_OK, "f" },
	{ "any value of a list", R("{\"id\":\"l\",\"match\":{\"san_uri\":"
	    "[\"spiffe://example.test/x\",\"spiffe://example.test/billing\"]}}"),
	    "billing.pem", NOW, JF_OK, "l" },
	{ "every rule kind at once", R("{\"id\":\"all\",\"match\":{" URI ","
	    "\"san_dns\":\"billing.svc\",\"subject_cn\":\"billing\",\"fingerprint\":"
	    "\"@X5T@\",\"issuer\":\"CN=Service CA,O=Example\",\"issuer_key_id\":"
	    "\"@SKI@\"}}"), "billing.pem", NOW, JF_OK, "all" },
	{ "AND: CN differs", R("{\"id\":\"billing\",\"match\":{" URI ","
	    "\"subject_cn\":\"payroll\"}}"), "billing.pem", NOW, JF_E_INVALID_CLIENT,
	    "certificate CN=billing,O=Example does not match the subject_cn rule "
	    "of service billing" },
	{ "AND: fingerprint differs", R("{\"id\":\"billing\",\"match\":{" URI ","
	    "\"fingerprint\":\"" ZERO "\"}}"), "billing.pem", NOW,
	    JF_E_INVALID_CLIENT, "certificate CN=billing,O=Example does not match "
	    "the fingerprint rule of service billing" },
	{ "issuer differs (look-alike CA)", R("{\"id\":\"billing\",\"match\":{"
	    URI ",\"issuer\":\"CN=Service CA,O=Example\"}}"), "impostor.pem", NOW,
	    JF_E_INVALID_CLIENT, "certificate CN=billing,O=Example: issuer "
	    "CN=Service CA,O=Other is not the one service billing names" },
	{ "issuer key id differs", R("{\"id\":\"billing\",\"match\":{" URI ","
	    "\"issuer_key_id\":\"@SKI@\"}}"), "impostor.pem", NOW,
	    JF_E_INVALID_CLIENT, "certificate CN=billing,O=Example: issuer key "
	    "id differs from the one service billing names" },
	{ "unknown certificate", R("{\"id\":\"r\",\"match\":{\"subject_cn\":"
	    "\"reports\"}}"), "billing.pem", NOW, JF_E_INVALID_CLIENT,
	    "no service is registered for certificate CN=billing,O=Example" },
	{ "ambiguous: two services", R("{\"id\":\"audit\",\"match\":{\"san_uri\":"
	    "\"spiffe://example.test/audit\"}},{\"id\":\"search\",\"match\":"
	    "{\"san_dns\":\"search.svc\"}}"), "twosvc.pem", NOW,
	    JF_E_INVALID_CLIENT, "certificate CN=two matches services audit and "
	    "search: ambiguous" },
	{ "AND settles it", R("{\"id\":\"audit\",\"match\":{\"san_uri\":"
	    "\"spiffe://example.test/audit\"}},{\"id\":\"search\",\"match\":"
	    "{\"san_dns\":\"search.svc\",\"subject_cn\":\"other\"}}"), "twosvc.pem",
	    NOW, JF_OK, "audit" },
	{ "disabled", R("{\"id\":\"billing\",\"enabled\":false,\"match\":{" URI
	    "}}"), "billing.pem", NOW, JF_E_INVALID_CLIENT,
	    "service billing is disabled" },
	{ "expired", R("{\"id\":\"billing\",\"not_after\":\"2027-01-01T00:00:00Z\","
	    "\"match\":{" URI "}}"), "billing.pem", T2027, JF_E_INVALID_CLIENT,
	    "service billing expired on 2027-01-01T00:00:00Z" },
	{ "one second before not_after", R("{\"id\":\"billing\",\"not_after\":"
	    "\"2027-01-01T00:00:00Z\",\"match\":{" URI "}}"), "billing.pem",
	    T2027 - 1, JF_OK, "billing" },
};

static void
test_match(void)
{
	const struct reg_service *s;
	struct registry *reg;
	struct cert *c;
	struct jf_msg m;
	char *json, name[120];
	size_t i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		json = subst(matches[i].json);
		reg = NULL;
		if (registry_parse(&reg, json, strlen(json), &m) != JF_OK) {
			ok(0, matches[i].name);
			diag("registry: %s", m.s);
			free(json);
			continue;
		}
		c = load_cert(matches[i].cert);
		s = (const struct reg_service *)1;
		m.s[0] = '\0';
		snprintf(name, sizeof(name), "match %s: code", matches[i].name);
		is(registry_match(reg, c, matches[i].now, &s, &m), matches[i].rc,
		    name);
		snprintf(name, sizeof(name), "match %s: %s", matches[i].name,
		    matches[i].rc == JF_OK ? "service" : "reason");
		if (matches[i].rc == JF_OK)
			is_str(s ? registry_svc_id(s) : m.s, matches[i].want, name);
		else {
			ok(s == NULL, "no service on failure");
			is_str(m.s, matches[i].want, name);
		}
		cert_free(c);
		registry_free(reg);
		free(json);
	}
}

/* 100k services as an operator would write them, plus one the billing
 * certificate matches by fingerprint. */
/* bind_certificate: the service's own switch, else the mint's default;
 * never for a service without match. */
static void
test_bind(void)
{
	static const char json[] = R(
	    "{\"id\":\"on\",\"match\":{\"subject_cn\":\"a\"},"
	    "\"bind_certificate\":true},"
	    "{\"id\":\"off\",\"match\":{\"subject_cn\":\"b\"},"
	    "\"bind_certificate\":false},"
	    "{\"id\":\"dflt\",\"match\":{\"subject_cn\":\"c\"}},"
	    "{\"id\":\"secret\",\"client_secret_sha256\":\"" ZERO "\","
	    "\"bind_certificate\":false},"
	    "{\"id\":\"secret2\",\"client_secret_sha256\":\"" ZERO "\"}");
	const struct reg_service *on, *off, *dflt, *sec, *sec2;
	struct registry *reg = NULL;
	struct jf_msg m = { "" };

	if (!ok(registry_parse(&reg, json, strlen(json), &m) == JF_OK,
	    "bind_certificate: registry loads")) {
		diag("%s", m.s);
		return;
	}
	on = registry_service(reg, 0);
	off = registry_service(reg, 1);
	dflt = registry_service(reg, 2);
	sec = registry_service(reg, 3);
	sec2 = registry_service(reg, 4);
	is(registry_svc_bind(on, 0), 1, "true binds, mint default no");
	is(registry_svc_bind(on, 1), 1, "true binds, mint default yes");
	is(registry_svc_bind(off, 0), 0, "false does not, mint default no");
	is(registry_svc_bind(off, 1), 0, "false does not, mint default yes");
	is(registry_svc_bind(dflt, 0), 0, "absent: the mint's no");
	is(registry_svc_bind(dflt, 1), 1, "absent: the mint's yes");
	is(registry_svc_bind(sec, 1), 0, "no match: never");
	is(registry_svc_bind(sec2, 1), 0, "no match, absent: never");
	registry_free(reg);
}

/* Client ID metadata document clients: an https id and no credential;
 * and the default policy of the ones the registry does not list. */
static void
test_cimd(void)
{
	static const char json[] = R(
	    "{\"id\":\"https://a.test/cimd/one.json\",\"scopes\":[\"r\"],"
	    "\"audiences\":[\"https://api.test\"]},"
	    "{\"id\":\"https://a.test/signer.json\",\"client_secret_sha256\":"
	    "\"" ZERO "\"},"
	    "{\"id\":\"plain\",\"client_secret_sha256\":\"" ZERO "\"}");
	static const struct { const char *json, *msg; } bad[] = {
		{ R("{\"id\":\"http://a.test/x.json\"}"),
		  "services[0]: missing member \"match\"" },
		{ R("{\"id\":\"https://a.test/x.json\",\"bind_certificate\":"
		  "true}"), "services[0].bind_certificate: true needs \"match\"" },
	};
	static const struct { const char *json, *msg; } pbad[] = {
		{ "[]", "cimd_default: expected a JSON object" },
		{ "{\"jwks\":{}}", "cimd_default: unknown member \"jwks\"" },
		{ "{\"match\":{}}", "cimd_default: unknown member \"match\"" },
		{ "{\"scopes\":[\"a b\"]}", "cimd_default.scopes[0]: " },
		{ "{\"scopes\":[\"a\"],\"default_scope\":[\"b\"]}",
		  "cimd_default.default_scope: \"b\" is not in scopes" },
		{ "{\"claims\":{\"sub\":1}}", "cimd_default.claims: \"sub\" is "
		  "a reserved claim" },
	};
	const struct reg_service *s;
	struct registry *reg = NULL;
	struct jf_msg m = { "" };
	char buf[1024], id[260];
	size_t i;

	if (!ok(registry_parse(&reg, json, strlen(json), &m) == JF_OK,
	    "cimd: an https id without credential loads")) {
		diag("%s", m.s);
		return;
	}
	is(registry_svc_cimd(registry_service(reg, 0)), 1, "  a document "
	    "client");
	is(registry_svc_cimd(registry_service(reg, 1)), 0, "  an https id "
	    "with a secret is not");
	is(registry_svc_cimd(registry_service(reg, 2)), 0, "  nor a plain id");
	is(registry_svc_bind(registry_service(reg, 0), 1), 0, "  never bound");
	ok(registry_has_id(reg, "https://a.test/cimd/one.json") &&
	    !registry_has_id(reg, "https://a.test/cimd/two.json"),
	    "registry_has_id");
	registry_free(reg);
	reg = NULL;
	/* A URL id may be longer than other ids. */
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	memcpy(id, "https://a.test/", 15);
	snprintf(buf, sizeof(buf), R("{\"id\":\"%s\"}"), id);
	is(registry_parse(&reg, buf, strlen(buf), &m), JF_OK, "a 259-byte URL "
	    "id loads");
	registry_free(reg);
	reg = NULL;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.s[0] = '\0';
		is(registry_parse(&reg, bad[i].json, strlen(bad[i].json), &m),
		    JF_E_CONFIG, bad[i].msg);
		ok(strncmp(m.s, bad[i].msg, strlen(bad[i].msg)) == 0,
		    "  message");
	}
	/* Any other id stays within 128 bytes. */
	memset(id, 'x', 200);
	id[200] = '\0';
	snprintf(buf, sizeof(buf), R("{\"id\":\"%s\",\"client_secret_sha256\":"
	    "\"" ZERO "\"}"), id);
	is(registry_parse(&reg, buf, strlen(buf), &m), JF_E_CONFIG,
	    "a 200-byte plain id is refused");
	is_str(m.s, "services[0].id: longer than 128 bytes", "  message");

	snprintf(buf, sizeof(buf), "{\"scopes\":[\"r\",\"w\"],"
	    "\"default_scope\":[\"r\"],\"audiences\":[\"https://api.test\"],"
	    "\"claims\":{\"tier\":\"free\"},\"token_lifetime\":60}");
	if (!ok(registry_policy_parse(&reg, "cimd_default", buf, strlen(buf),
	    &m) == JF_OK, "policy: loads")) {
		diag("%s", m.s);
		return;
	}
	s = registry_service(reg, 0);
	ok(s != NULL && registry_svc_has_scope(s, "w", 1) &&
	    registry_svc_default_scope_count(s) == 1 &&
	    registry_svc_has_audience(s, "https://api.test") &&
	    registry_svc_lifetime(s) == 60 && registry_svc_cimd(s) &&
	    registry_svc_claims(s) != NULL, "policy: its members");
	is_str(registry_svc_id(s), "cimd_default", "policy: its name");
	ok(!registry_has_id(reg, "cimd_default"), "policy: no lookup finds it");
	registry_free(reg);
	for (i = 0; i < sizeof(pbad) / sizeof(pbad[0]); i++) {
		reg = NULL;
		m.s[0] = '\0';
		is(registry_policy_parse(&reg, "cimd_default", pbad[i].json,
		    strlen(pbad[i].json), &m), JF_E_CONFIG, pbad[i].msg);
		ok(reg == NULL && strncmp(m.s, pbad[i].msg,
		    strlen(pbad[i].msg)) == 0, "  message");
		if (strncmp(m.s, pbad[i].msg, strlen(pbad[i].msg)) != 0)
			diag("got \"%s\"", m.s);
	}
}

static void
test_large(void)
{
	enum { N = 100000 };
	size_t cap = (size_t)N * 200 + 4096, n = 0, i, bad = 0;
	char *buf = malloc(cap), id[32], uri[64], *x5t = line(
	    "tests/unit/certs/billing.x5t");
	struct registry *reg = NULL;
	const struct reg_service *s;
	struct timespec t0, t1, c0, c1;
	struct cert *c;
	struct jf_msg m = { "" };
	double secs, cpu;

	n += (size_t)sprintf(buf + n, "{\"services\":[");
	for (i = 0; i < N; i++)
		n += (size_t)sprintf(buf + n, "{\"id\":\"svc-%zu\",\"match\":"
		    "{\"san_uri\":[\"spiffe://example.test/svc-%zu\"],\"san_dns\":"
		    "[\"svc-%zu.svc\"]},\"scopes\":[\"read\",\"write\"],"
		    "\"token_lifetime\":%zu},\n", i, i, i, 1 + i % 86400);
	n += (size_t)sprintf(buf + n, "{\"id\":\"billing\",\"match\":"
	    "{\"fingerprint\":\"%s\"}}]}", x5t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	is(registry_parse(&reg, buf, n, &m), JF_OK, "100k services load");
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
	diag("100001 services, %.1f MB: loaded in %.3f s (%.3f s CPU)",
	    n / 1e6, secs, cpu);
	/* A guard against quadratic work, not a benchmark: loose enough for
	 * a busy machine or a sanitizer build. */
	ok(cpu < 5.0, "loaded in under 5 s of CPU");
	if (reg == NULL) {
		diag("%s", m.s);
		goto out;
	}
	is(registry_count(reg), N + 1, "count");
	for (i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "svc-%zu", i);
		if (registry_find_id(reg, id, NOW, &s, &m) != JF_OK ||
		    registry_svc_lifetime(s) != (int)(1 + i % 86400) ||
		    strcmp(registry_svc_id(s), id) != 0)
			bad++;
	}
	is(bad, 0, "every id found, with its own lifetime");
	snprintf(uri, sizeof(uri), "svc-%d", N);
	is(registry_find_id(reg, uri, NOW, &s, &m), JF_E_INVALID_CLIENT,
	    "svc-100000 is not there");
	c = load_cert("billing.pem");
	is(registry_match(reg, c, NOW, &s, &m), JF_OK, "billing cert matches "
	    "among 100k");
	is_str(s ? registry_svc_id(s) : m.s, "billing", "by its fingerprint");
	cert_free(c);
	c = load_cert("cnonly.pem");
	is(registry_match(reg, c, NOW, &s, &m), JF_E_INVALID_CLIENT,
	    "unregistered cert among 100k");
	cert_free(c);
out:
	registry_free(reg);
	free(buf);
	free(x5t);
}

int
main(void)
{
	test_good();
	test_bad();
	test_match();
	test_bind();
	test_cimd();
	test_large();
	return done_testing();
}
