#!/usr/bin/env bats
# mint_lighttpd.bats - jwt-mint.fcgi behind a real lighttpd doing mutual
# TLS through the shipped conf/lighttpd/50-jwt-mint.conf: a client
# certificate, a client secret (HTTP Basic or form) or a private_key_jwt
# assertion buys an RFC 9068 access token, which then opens an API
# protected by jwt-authz.fcgi (50-jwt-authz.conf) on the same lighttpd.
# The test makes its own CAs and certificates with certtool.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/bind

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl || return 0
	export DIR=$BATS_FILE_TMPDIR
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
	export MTLS=https://127.0.0.1:$MTLS_PORT
	export LAX=https://127.0.0.1:$LAX_PORT
	export TLS=https://127.0.0.1:$TLS_PORT
}

setup() {
	skip_if_file_skipped
	BIND_MTLS=$MTLS BIND_TLS=$TLS BIND_PLAIN=http://127.0.0.1:$PORT
}

teardown_file() {
	mint_lighttpd_stop "$BATS_FILE_TMPDIR"
}

# assert_oauth_error STATUS ERROR: an RFC 6749 §5.2 error, and no token.
assert_oauth_error() {
	assert_status "$1" &&
	assert_json .error "$2" &&
	assert_json '.access_token // "none"' none &&
	assert_header_contains Content-Type application/json &&
	assert_header_contains Cache-Control no-store
}

@test "lighttpd -tt accepts the shipped mint snippet with test settings" {
	run -0 lighttpd -tt -f "$DIR/lighttpd.conf"
	run -0 lighttpd -p -f "$DIR/lighttpd.conf"
	[[ $output == *"\"127.0.0.1:$MTLS_PORT\""*'ssl.verifyclient.activate'*'"enable"'* ]]
	[[ $output == *'ssl.verifyclient.exportcert'*'"enable"'* ]]
	[[ $output == *"jwt-mint.fcgi -c $DIR/mint.conf --workers 2 --watch-interval 1"* ]]
	[[ $output == *'"^/\.well-known/oauth-authorization-server/mint$" => "/mint/.well-known/oauth-authorization-server"'* ]]
}

@test "lighttpd -p accepts the shipped mint snippet with its own defaults" {
	local d=$BATS_TEST_TMPDIR
	printf '%s\n' 'server.document-root = "/tmp"' 'server.port = 1' \
		'server.modules = ( "mod_setenv", "mod_rewrite", "mod_fastcgi", "mod_openssl" )' \
		"include \"$JF_SRCDIR/conf/lighttpd/50-jwt-mint.conf\"" \
		>"$d/lighttpd.conf"
	run --separate-stderr lighttpd -p -f "$d/lighttpd.conf"
	[ "$status" -eq 0 ]
	[[ $output == *'"0.0.0.0:8443"'* ]]
	[[ $output == *'/usr/local/bin/jwt-mint.fcgi -c /etc/jwt-fcgi/mint.conf --workers 2'* ]]
	[[ $output == *'ssl.verifyclient.enforce'*'"enable"'* ]]
}

@test "jwt-mint.fcgi -t loads config, keys and registry; refuses a bad registry" {
	local mint d=$BATS_TEST_TMPDIR
	mint=$(jf_bin jwt-mint.fcgi)
	run -0 "$mint" -t "$DIR/mint.conf"
	[[ $output == "$DIR/mint.conf: OK (2 signing keys, 7 services in $DIR/registry.json)" ]]
	printf '{"services":[{"id":"x","bogus":1}]}' >"$d/bad.json"
	sed "s|^registry = .*|registry = $d/bad.json|" "$DIR/mint.conf" >"$d/mint.conf"
	run -1 --separate-stderr "$mint" -t "$d/mint.conf"
	[[ $stderr == *"$d/bad.json"*bogus* ]]
	run -1 --separate-stderr "$mint" -c "$d/nonexistent.conf" -t
	[[ $stderr == *nonexistent.conf* ]]
}

@test "certificate -> token: RFC 6749 5.1 response, no-store" {
	mint_post billing -d grant_type=client_credentials
	assert_status 200
	assert_header_contains Content-Type application/json
	assert_header_contains Cache-Control no-store
	assert_header_contains Pragma no-cache
	assert_json .token_type Bearer
	# billing asks for 900 s; max_token_lifetime caps it at 600.
	assert_json .expires_in 600
	assert_json .scope invoices:read
}

@test "the token's header and claims are right; not bound (the mint's default)" {
	local tok hdr claims
	mint_post billing -d grant_type=client_credentials
	assert_status 200
	tok=$(jq -r .access_token "$JF_BODY")
	hdr=$(jwt_header "$tok")
	claims=$(jwt_payload "$tok")
	assert_equal "$(jq -r .typ <<<"$hdr")" at+jwt
	assert_equal "$(jq -r .alg <<<"$hdr")" ES256
	# The first signing_key signs.
	assert_equal "$(jq -r .kid <<<"$hdr")" "$(cat "$DIR/mint.kid")"
	assert_equal "$(jq -r .iss <<<"$claims")" "$ISSUER"
	assert_equal "$(jq -r .sub <<<"$claims")" billing
	assert_equal "$(jq -r .client_id <<<"$claims")" billing
	assert_equal "$(jq -r .aud <<<"$claims")" "$MINT_AUD"
	assert_equal "$(jq -r .scope <<<"$claims")" invoices:read
	assert_equal "$(jq -r '.cnf // "unbound"' <<<"$claims")" unbound
	assert_equal "$(jq -r .team <<<"$claims")" payments
	assert_equal "$(jq -c .roles <<<"$claims")" '["reader"]'
	assert_equal "$(jq '.exp - .iat' <<<"$claims")" 600
	assert_equal "$(jq '.nbf == .iat' <<<"$claims")" true
	assert_equal "$(jq -r '.jti | test("^[A-Za-z0-9_-]{22}$")' <<<"$claims")" true
	[ $(($(jq .iat <<<"$claims") - $(date +%s))) -le 5 ]
}

@test "end to end: the minted token opens the API behind jwt-authz.fcgi" {
	local tok
	mint_post billing -d grant_type=client_credentials
	tok=$(jq -r .access_token "$JF_BODY")
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
	assert_status 200
	assert_json .JWT_SUB billing
	assert_json .JWT_ISS "$ISSUER"
	assert_json .JWT_SCOPE invoices:read
	assert_json .JWT_CLIENT_ID billing
	http "http://127.0.0.1:$PORT/api/echo"
	assert_status 401
}

@test "end to end: a token for another audience does not open the API" {
	local tok
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode "resource=$MINT_AUD2"
	assert_status 200
	tok=$(jq -r .access_token "$JF_BODY")
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
	assert_status 401
	assert_header_contains WWW-Authenticate 'error="invalid_token"'
}

# --- certificate-bound tokens at the proxy (RFC 8705 §3) -------------------
# ssl.verifyclient.exportcert on the socket (50-jwt-mint.conf's) puts
# SSL_CLIENT_CERT in the authorizer's FastCGI environment too.

@test "binding: search's token is bound to its certificate, billing's and worker's are not" {
	bind_check_minted
}

@test "binding: the bound token with its certificate opens the API (exportcert)" {
	bind_check_right
}

@test "binding: another certificate of the same CA, or none: 401 invalid_token, why" {
	bind_check_wrong
}

@test "binding: a client header named like the certificate variable changes nothing" {
	bind_check_headers
}

@test "binding: an unbound token opens the API with or without a certificate" {
	bind_check_unbound
}

@test "binding: a route with JWT_REQUIRE_BOUND=1 takes bound tokens only" {
	bind_check_route
}

@test "a bare POST with only the certificate gets the default scope" {
	mint_post billing -d ''
	assert_status 200
	assert_json .scope invoices:read
	assert_json .token_type Bearer
}

@test "scope: a subset of the service's scopes, duplicates dropped" {
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode 'scope=invoices:write admin invoices:write'
	assert_status 200
	assert_json .scope 'invoices:write admin'
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r .scope)" 'invoices:write admin'
}

@test "scope: one not granted to the service is 400 invalid_scope" {
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode 'scope=invoices:read index:read'
	assert_oauth_error 400 invalid_scope
	assert_json .error_description "scope 'index:read' is not granted to service billing"
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode 'scope=invoices:read  admin'
	assert_oauth_error 400 invalid_scope
	assert_body_contains 'empty scope token'
}

@test "audience: resource (RFC 8707) or audience picks one of the service's" {
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode "resource=$MINT_AUD2"
	assert_status 200
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r .aud)" "$MINT_AUD2"
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode "audience=$MINT_AUD2"
	assert_status 200
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r .aud)" "$MINT_AUD2"
	# search has one audience and no default: that one.
	mint_post search -d ''
	assert_status 200
	assert_json '.scope // "none"' none
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" |
		jq -r '.aud, .scope // "none"' | tr '\n' ' ')" "$MINT_AUD none "
}

@test "audience: one not the service's is 400 invalid_target" {
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode 'resource=https://elsewhere.test'
	assert_oauth_error 400 invalid_target
	assert_json .error_description "resource 'https://elsewhere.test' is not an audience of service billing"
	mint_post billing -d grant_type=client_credentials \
		--data-urlencode "resource=$MINT_AUD" --data-urlencode "audience=$MINT_AUD2"
	assert_oauth_error 400 invalid_request
	assert_json .error_description 'give resource or audience, not both'
}

@test "a repeated form parameter is 400 invalid_request" {
	mint_post billing -d 'grant_type=client_credentials&scope=admin&scope=invoices:read'
	assert_oauth_error 400 invalid_request
	assert_body_contains "form field 'scope' repeated"
}

@test "grant_type, client_id and Content-Type are checked" {
	mint_post billing -d grant_type=password
	assert_oauth_error 400 unsupported_grant_type
	assert_body_contains "grant_type 'password' not supported"
	mint_post billing -d scope=admin
	assert_oauth_error 400 invalid_request
	assert_json .error_description 'grant_type missing'
	# Once the certificate matched, its holder may learn the mismatch.
	mint_post billing -d 'grant_type=client_credentials&client_id=search'
	assert_oauth_error 401 invalid_client
	assert_json .error_description "client_id 'search' is not the certificate's service"
	mint_post billing -d 'grant_type=client_credentials&client_id=billing'
	assert_status 200
	mint_post billing -H 'Content-Type: text/plain' -d grant_type=client_credentials
	assert_oauth_error 400 invalid_request
	assert_body_contains 'Content-Type must be application/x-www-form-urlencoded'
	mint_post billing -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' \
		-d grant_type=client_credentials
	assert_status 200
}

@test "a body over 16 KiB is 413" {
	head -c 17000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	mint_post billing --data-binary "@$BATS_TEST_TMPDIR/big"
	assert_oauth_error 413 invalid_request
	assert_json .error_description 'body larger than 16384 bytes'
}

@test "no certificate: the enforcing socket fails the handshake" {
	run curl -sS --max-time 10 --cacert "$DIR/pki/ca.pem" -d '' "$MTLS/mint/token"
	[ "$status" -ne 0 ]
	[[ $output != *access_token* ]]
	# refused for that reason: lighttpd's TLS alert, as curl reports it
	assert_output_contains 'alert certificate required'
}

@test "no certificate: the mint itself refuses (socket not enforcing, plain HTTP)" {
	local want='no client authentication: send a client certificate'
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials "$LAX/mint/token"
	assert_oauth_error 401 invalid_client
	assert_body_contains "$want"
	http -d grant_type=client_credentials "http://127.0.0.1:$PORT/mint/token"
	assert_oauth_error 400 invalid_request
	assert_json '.error_description | contains("over TLS only")' true
}

@test "a certificate from another CA: handshake failure, or 401 when not enforced" {
	local o=$DIR/pki-other
	# Same CN as a registered service: only the verified chain counts.
	run curl -sS --max-time 10 --cacert "$DIR/pki/ca.pem" \
		--cert "$o/billing.pem" --key "$o/billing.key" -d '' "$MTLS/mint/token"
	[ "$status" -ne 0 ]
	[[ $output != *access_token* ]]
	assert_output_contains 'alert unknown ca'
	# lighttpd passes SSL_CLIENT_VERIFY=FAILED:... and the certificate.
	http --cacert "$DIR/pki/ca.pem" --cert "$o/billing.pem" \
		--key "$o/billing.key" -d '' "$LAX/mint/token"
	assert_oauth_error 401 invalid_client
	assert_body_contains 'the web server could not verify the client certificate: FAILED'
}

@test "the same registered certificate works on the non-enforcing socket" {
	http --cacert "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" -d '' "$LAX/mint/token"
	assert_status 200
}

@test "an unregistered certificate is 401 invalid_client, the reason audited only" {
	mint_post stranger -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'no service is registered for certificate CN=stranger'
}

@test "a disabled service is 401 invalid_client, the reason audited only" {
	mint_post retired -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'service retired is disabled'
	assert_body_lacks retired
}

@test "a service past its not_after is 401 invalid_client, the reason audited only" {
	mint_post expired -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'service expired expired on 2020-01-01T00:00:00Z'
}

@test "wrong method: 405 with Allow; unknown path: 404 JSON" {
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/token"
	assert_status 405
	assert_header_contains Allow POST
	assert_json .error invalid_request
	http --cacert "$DIR/pki/ca.pem" -d x=1 "$TLS/mint/jwks"
	assert_status 405
	assert_header_contains Allow 'GET, HEAD'
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/nope"
	assert_status 404
	assert_header_contains Content-Type application/json
	assert_json .error invalid_request
}

@test "JWKS: every configured key, cacheable, holds the token's kid" {
	local kid
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/jwks"
	assert_status 200
	assert_header_contains Content-Type application/jwk-set+json
	assert_header_contains Cache-Control 'public, max-age=120'
	assert_json '.keys | length' 2
	assert_json '[.keys[].kid] | sort | join(" ")' \
		"$(jq -r '[.keys[].kid] | sort | join(" ")' "$DIR/mint.jwks")"
	assert_json '[.keys[] | has("d")] | any' false
	cp "$JF_BODY" "$BATS_TEST_TMPDIR/jwks.json"
	mint_post billing -d ''
	kid=$(jwt_header "$(jq -r .access_token "$JF_BODY")" | jq -r .kid)
	assert_equal "$(jq --arg k "$kid" '[.keys[].kid] | index($k) != null' \
		"$BATS_TEST_TMPDIR/jwks.json")" true
}

@test "RFC 8414 metadata at both locations, issuer as configured" {
	local url
	for url in "$TLS/.well-known/oauth-authorization-server/mint" \
		"$TLS/mint/.well-known/oauth-authorization-server"; do
		http --cacert "$DIR/pki/ca.pem" "$url"
		assert_status 200
		assert_header_contains Content-Type application/json
		assert_json .issuer "$ISSUER"
		assert_json .token_endpoint "$ISSUER/token"
		assert_json .jwks_uri "$ISSUER/jwks"
		assert_json '.grant_types_supported | join(" ")' client_credentials
		assert_json '.token_endpoint_auth_methods_supported | join(" ")' \
			'tls_client_auth client_secret_basic client_secret_post private_key_jwt'
		assert_json '.token_endpoint_auth_signing_alg_values_supported | join(" ")' \
			'ES256 ES384 RS256 PS256 EdDSA'
		assert_json .tls_client_certificate_bound_access_tokens true
		assert_json '.response_types_supported | length' 0
	done
}

@test "audit: one JSON line per issuance and refusal, never the token" {
	local tok n0 lines
	n0=$(grep -c 'audit: ' "$LOG" || true)
	mint_post billing -d ''
	tok=$(jq -r .access_token "$JF_BODY")
	mint_post stranger -d ''
	wait_for_log "$LOG" '"outcome":"invalid_client"'
	lines=$(grep 'audit: ' "$LOG" | tail -n +"$((n0 + 1))" | sed 's/.*audit: //')
	[ "$(printf '%s\n' "$lines" | wc -l)" -eq 2 ]
	printf '%s\n' "$lines" | jq -e . >/dev/null
	assert_equal "$(printf '%s\n' "$lines" | head -n 1 |
		jq -r '[.event, .service, .cert_sha256, .scope, .aud, .outcome] | join(" ")')" \
		"token_issued billing $(cert_x5t "$DIR/pki/billing.pem") invoices:read $MINT_AUD issued"
	assert_equal "$(printf '%s\n' "$lines" | head -n 1 | jq -r .jti)" \
		"$(jwt_payload "$tok" | jq -r .jti)"
	assert_equal "$(printf '%s\n' "$lines" | tail -n 1 |
		jq -r '[.event, .service, .outcome, (.reason | length > 0)] | map(tostring) | join(" ")')" \
		"token_refused null invalid_client true"
	run ! grep -qF "$tok" "$LOG"
	run ! grep -qF "${tok##*.}" "$LOG"
}

@test "registry reload: a good edit is served, a bad file keeps the last good one" {
	local i team
	mint_registry "$DIR/registry.json" '"tier": "gold"'
	for i in $(seq 1 50); do
		mint_post billing -d ''
		team=$(jwt_payload "$(jq -r .access_token "$JF_BODY")" | jq -r '.tier // ""')
		[ "$team" = gold ] && break
		sleep 0.1
	done
	assert_equal "$team" gold
	printf '{"services": [' >"$DIR/registry.json.tmp"
	mv -f "$DIR/registry.json.tmp" "$DIR/registry.json"
	wait_for_log "$LOG" "reload failed, keeping the previous configuration and registry: $DIR/mint.conf: registry: $DIR/registry.json"
	mint_post billing -d ''
	assert_status 200
	assert_equal "$(jwt_payload "$(jq -r .access_token "$JF_BODY")" | jq -r .tier)" gold
	mint_registry "$DIR/registry.json"
}

@test "SIGHUP reloads the configuration (not watched) and keeps a bad one out" {
	local pid i life
	# The mint lighttpd spawned: its supervisor is lighttpd's child.
	pid=$(pgrep -P "$(cat "$DIR/lighttpd.pid")" -f jwt-mint.fcgi)
	[ -n "$pid" ]
	cp "$DIR/mint.conf" "$BATS_TEST_TMPDIR/mint.conf.good"
	sed -i 's/^max_token_lifetime = .*/max_token_lifetime = 450/' "$DIR/mint.conf"
	kill -HUP "$pid"
	for i in $(seq 1 50); do
		mint_post billing -d ''
		life=$(jq -r .expires_in "$JF_BODY")
		[ "$life" = 450 ] && break
		sleep 0.1
	done
	assert_equal "$life" 450
	printf 'bogus_key = 1\n' >>"$DIR/mint.conf"
	kill -HUP "$pid"
	wait_for_log "$LOG" "$DIR/mint.conf:$(wc -l <"$DIR/mint.conf"): unknown key \"bogus_key\""
	mint_post billing -d ''
	assert_json .expires_in 450
	cp "$BATS_TEST_TMPDIR/mint.conf.good" "$DIR/mint.conf"
	kill -HUP "$pid"
	for i in $(seq 1 50); do
		mint_post billing -d ''
		[ "$(jq -r .expires_in "$JF_BODY")" = 600 ] && break
		sleep 0.1
	done
	assert_json .expires_in 600
}

@test "interop: oauth4webapi discovery + client_credentials over mTLS, jose verifies; bound where configured" {
	local why out
	why=$(mint_npm_setup) || jf_missing "$why"
	run --separate-stderr node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/oauth.mjs" \
		"$ISSUER" --ca "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" --client-id billing --aud "$MINT_AUD" \
		--scope 'invoices:read admin'
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
	out=$output
	assert_equal "$(jq -r .metadata.issuer <<<"$out")" "$ISSUER"
	# oauth4webapi lower-cases token_type.
	assert_equal "$(jq -r .response.token_type <<<"$out")" bearer
	assert_equal "$(jq -r .response.scope <<<"$out")" 'invoices:read admin'
	assert_equal "$(jq -r .header.typ <<<"$out")" at+jwt
	assert_equal "$(jq -r .payload.sub <<<"$out")" billing
	assert_equal "$(jq -r '.payload.cnf // "unbound"' <<<"$out")" unbound
	# search's registry entry says bind_certificate: its token is bound.
	run --separate-stderr node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/oauth.mjs" \
		"$ISSUER" --ca "$DIR/pki/ca.pem" --cert "$DIR/pki/search.pem" \
		--key "$DIR/pki/search.key" --client-id search --aud "$MINT_AUD"
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
	assert_equal "$(jq -r .metadata.tls_client_certificate_bound_access_tokens <<<"$output")" true
	assert_equal "$(jq -r '.payload.cnf["x5t#S256"]' <<<"$output")" \
		"$(cert_x5t "$DIR/pki/search.pem")"
}

# --- client secrets (RFC 6749 2.3.1) and private_key_jwt (RFC 7523) ------

JWT_BEARER=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

# assert_bearer_token SUB: the response is a token for SUB with no
# certificate binding, and it opens the API.
assert_bearer_token() {
	local tok
	assert_status 200 &&
	assert_json .token_type Bearer || return 1
	tok=$(jq -r .access_token "$JF_BODY")
	assert_equal "$(jwt_payload "$tok" | jq -r '[.sub, .client_id,
		(.cnf // "no cnf")] | join(" ")')" "$1 $1 no cnf" || return 1
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
	assert_status 200 &&
	assert_json .JWT_SUB "$1"
}

@test "client_secret_basic: curl -u gets a bearer token that opens the API" {
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials
	assert_bearer_token worker
	# A bare POST is client_credentials here too.
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")" -d ''
	assert_status 200
	assert_json .scope invoices:read
}

@test "client_secret_post: client_id and client_secret in the form" {
	mint_post_plain -d grant_type=client_credentials -d client_id=worker \
		-d "client_secret=$(cat "$DIR/worker.secret")" \
		--data-urlencode 'scope=index:read'
	assert_bearer_token worker
	# On the socket that asks for a certificate (none sent: NONE) too.
	http --cacert "$DIR/pki/ca.pem" -d grant_type=client_credentials \
		-d client_id=worker -d "client_secret=$(cat "$DIR/worker.secret")" \
		"$LAX/mint/token"
	assert_status 200
}

@test "a wrong secret is 401 invalid_client; with Basic, WWW-Authenticate Basic" {
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")x" \
		-d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_header_contains WWW-Authenticate "Basic realm=\"$ISSUER\""
	assert_auth_failed "$LOG" 'wrong client secret for service worker'
	mint_post_plain -u "nobody:$(cat "$DIR/worker.secret")" -d ''
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'unknown client_id "nobody"'
	assert_header_contains WWW-Authenticate Basic
	mint_post_plain -H 'Authorization: Basic !!!!' -d ''
	assert_oauth_error 401 invalid_client
	assert_body_contains 'not canonical padded base64 (RFC 7617)'
	mint_post_plain -d grant_type=client_credentials -d client_id=worker \
		-d "client_secret=$(cat "$DIR/worker.secret")x"
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'wrong client secret for service worker'
	assert_no_header_contains WWW-Authenticate Basic
	# The secret of a service that has none.
	mint_post_plain -u "signer:$(cat "$DIR/worker.secret")" -d ''
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'service signer has no client secret'
}

@test "two authentication methods in one request are 400 invalid_request" {
	local s
	s=$(cat "$DIR/worker.secret")
	mint_post_plain -u "worker:$s" -d grant_type=client_credentials \
		-d client_id=worker -d "client_secret=$s"
	assert_oauth_error 400 invalid_request
	assert_body_contains 'more than one client authentication method'
	# A certificate and a secret.
	mint_post billing -u "worker:$s" -d grant_type=client_credentials
	assert_oauth_error 400 invalid_request
	assert_body_contains 'more than one client authentication method: certificate Authorization'
	mint_post billing -d grant_type=client_credentials -d client_id=worker \
		-d "client_secret=$s"
	assert_oauth_error 400 invalid_request
	assert_body_contains 'more than one client authentication method: certificate client_secret'
}

@test "private_key_jwt: an assertion made by jose gets a bearer token; aud the token endpoint is refused (RFC 10070)" {
	local why a
	why=$(mint_npm_setup) || jf_missing "$why"
	a=$(mint_assertion)
	mint_post_plain -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_bearer_token signer
	# client_id may be sent.
	a=$(mint_assertion)
	mint_post_plain -d grant_type=client_credentials -d client_id=signer \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_status 200
	# RFC 10070: the token endpoint is no longer an audience (the
	# compatibility switch is in cimd_mint.bats).
	a=$(node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/assertion.mjs" \
		"$DIR/signer.key" signer "$ISSUER/token")
	mint_post_plain -d grant_type=client_credentials -d client_id=signer \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_oauth_error 401 invalid_client
	assert_body_contains 'aud is the token endpoint URL; since RFC 10070 only the issuer'
}

# audit_pid N0: the PID of the worker that wrote audit line N0 + 1 of
# $LOG (jwt-mint.fcgi[PID]: ...), once it is there (5 s).
audit_pid() {
	local i line
	for i in $(seq 1 50); do
		line=$(grep 'jwt-mint\.fcgi\[[0-9]*\]: info: audit: ' "$LOG" |
			sed -n "$(($1 + 1))p")
		if [ -n "$line" ]; then
			line=${line#*jwt-mint.fcgi[}
			line=${line%%]*}
			[[ $line =~ ^[0-9]+$ ]] || return 1
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	echo "audit_pid: no audit line $(($1 + 1)) in $LOG" >&2
	return 1
}

@test "private_key_jwt: a replayed assertion is refused by every worker" {
	local why a i n0 pid first= other=
	why=$(mint_npm_setup) || jf_missing "$why"
	a=$(mint_assertion)
	# The mint runs 2 workers sharing one jti table: whichever workers
	# the uses of one assertion reach, exactly the first succeeds. The
	# replays go on until a worker other than the one that issued has
	# refused one (each audit line names its worker's PID).
	for i in $(seq 1 20); do
		n0=$(grep -c 'jwt-mint\.fcgi\[[0-9]*\]: info: audit: ' "$LOG" || true)
		mint_post_plain -d grant_type=client_credentials \
			-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
		pid=$(audit_pid "$n0")
		if [ "$i" = 1 ]; then
			assert_status 200
			first=$pid
			continue
		fi
		assert_oauth_error 401 invalid_client
		assert_body_contains 'jti already used'
		if [ "$pid" != "$first" ]; then
			other=$pid
			break
		fi
	done
	echo "issued by worker $first; refused by worker ${other:-none} at use $i" >&2
	[ -n "$first" ]
	[ -n "$other" ]
}

@test "private_key_jwt: wrong key, wrong aud, long life, iss != client_id are 401" {
	local why a n=$ISSUER
	why=$(mint_npm_setup) || jf_missing "$why"
	# Signed by a key that is not in signer's jwks.
	a=$(node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/assertion.mjs" \
		"$DIR/rogue.key" signer "$n" --kid "$(cat "$DIR/rogue.kid")")
	mint_post_plain -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'no key with kid'
	a=$(mint_assertion --lifetime 600)
	mint_post_plain -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_oauth_error 401 invalid_client
	assert_body_contains 'over assertion_max_lifetime (300 s)'
	a=$(node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/assertion.mjs" \
		"$DIR/signer.key" signer https://elsewhere.test/token)
	mint_post_plain -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_oauth_error 401 invalid_client
	assert_body_contains 'not accepted'
	a=$(mint_assertion)
	mint_post_plain -d grant_type=client_credentials -d client_id=worker \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_oauth_error 401 invalid_client
	assert_auth_failed "$LOG" 'service worker has no jwks'
	assert_no_header_contains WWW-Authenticate Basic
}

@test "audit: the line says how the client authenticated" {
	local n0 line
	n0=$(grep -c 'audit: ' "$LOG" || true)
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")" -d ''
	assert_status 200
	wait_for_log "$LOG" '"auth_method":"client_secret_basic"'
	line=$(grep 'audit: ' "$LOG" | tail -n +"$((n0 + 1))" | head -n 1 |
		sed 's/.*audit: //')
	assert_equal "$(jq -r '[.service, .auth_method, (.cert_sha256 // "null"),
		.outcome] | join(" ")' <<<"$line")" \
		"worker client_secret_basic null issued"
	run ! grep -qF "$(cat "$DIR/worker.secret")" "$LOG"
	mint_post billing -d ''
	wait_for_log "$LOG" '"auth_method":"tls_client_auth"'
}

@test "interop: oauth4webapi ClientSecretBasic and PrivateKeyJwt, unchanged" {
	local why out js=${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/oauth-secret.mjs
	why=$(mint_npm_setup) || jf_missing "$why"
	run --separate-stderr node "$js" "$ISSUER" --ca "$DIR/pki/ca.pem" \
		--token-endpoint "$TLS/mint/token" --client-id worker \
		--secret "$(cat "$DIR/worker.secret")" --aud "$MINT_AUD" \
		--scope 'invoices:read index:read'
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
	out=$output
	assert_equal "$(jq -r '[.response.token_type, .response.scope,
		.payload.sub, (.payload.cnf // "no cnf")] | join(" ")' <<<"$out")" \
		'bearer invoices:read index:read worker no cnf'
	run --separate-stderr node "$js" "$ISSUER" --ca "$DIR/pki/ca.pem" \
		--token-endpoint "$TLS/mint/token" --client-id signer \
		--key "$DIR/signer.key" --kid "$(cat "$DIR/signer.kid")" \
		--aud "$MINT_AUD"
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
	assert_equal "$(jq -r '[.response.scope // "none", .payload.sub,
		.payload.aud] | join(" ")' <<<"$output")" "none signer $MINT_AUD"
}

@test "jwt-fcgi register --client-secret: the printed secret works, once stored" {
	local cli d=$BATS_TEST_TMPDIR secret i
	cli=$(jf_bin jwt-fcgi)
	run -0 "$cli" ca init --dir "$d/ca" --cn "Secret Test CA"
	run -0 --separate-stderr "$cli" register newapp --registry "$DIR/registry.json" \
		--ca-dir "$d/ca" --out-dir "$d/out" --audience "$MINT_AUD" \
		--client-secret
	[[ $stderr == *'only its SHA-256 is kept in the registry'* ]]
	secret=$output
	[[ $secret =~ ^[A-Za-z0-9_-]{43}$ ]]
	assert_equal "$(jq -r '.services[] | select(.id == "newapp") |
		.client_secret_sha256' "$DIR/registry.json")" \
		"$(printf '%s' "$secret" | sha256sum | cut -d' ' -f1)"
	run ! grep -qF "$secret" "$DIR/registry.json"
	# The mint's watcher reloads the registry.
	for i in $(seq 1 50); do
		mint_post_plain -u "newapp:$secret" -d ''
		[ "$HTTP_CODE" = 200 ] && break
		sleep 0.1
	done
	assert_bearer_token newapp
	mint_registry "$DIR/registry.json"
}

@test "replay quota: one client flooding assertions is refused (429), another is still served" {
	local cli i a n_ok=0
	cli=$(jf_bin jwt-fcgi)
	# replay_quota = 10 (mint_confs): flooder's 11th unexpired assertion
	# finds no room of its own.
	for i in $(seq 1 11); do
		a=$("$cli" sign -k "$DIR/signer.key" --iss flooder --sub flooder \
			--aud "$ISSUER" --ttl 60)
		mint_post_plain -d grant_type=client_credentials \
			-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
		if [ "$HTTP_CODE" = 200 ]; then
			n_ok=$((n_ok + 1))
		fi
	done
	assert_equal "$n_ok" 10
	assert_status 429
	assert_json .error temporarily_unavailable
	assert_json '.error_description | contains("replay_quota")' true
	assert_header_contains Retry-After ''
	[ "$(header_value Retry-After)" -gt 0 ]
	wait_for_log "$LOG" 'client flooder holds 10 unexpired assertions'
	# Another client is served meanwhile.
	a=$("$cli" sign -k "$DIR/signer.key" --iss signer --sub signer \
		--aud "$ISSUER" --ttl 60)
	mint_post_plain -d grant_type=client_credentials \
		-d "client_assertion_type=$JWT_BEARER" -d "client_assertion=$a"
	assert_bearer_token signer
}

@test "a local user who is not the web server cannot reach the mint's socket" {
	[ "$(id -u)" = 0 ] || skip "needs root, to act as another local user"
	mint_check_local_user "$DIR/mint.sock" "$DIR/pki/billing.pem" "$LOG"
}
