#!/usr/bin/env bats
# mint_caddy.bats - jwt-mint.fcgi and jwt-authz.fcgi behind one real
# Caddy, through the shipped conf/caddy/jwt-mint.caddy (client_auth
# require_and_verify, FastCGI transport) and conf/caddy/jwt-authz.caddy
# (forward_auth): a client certificate buys a token, which opens the API
# on the same Caddy. The mint, the authorizer and the backend run with
# --listen, as Caddy does not spawn FastCGI programs.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/caddy
load helpers/mintsrv
load helpers/bind

setup_file() {
	need_caddy && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	export DIR=$BATS_FILE_TMPDIR
	if ! msrv_start "$DIR" mint_caddy_server; then
		msrv_stop "$DIR"
		return 1
	fi
}

# mint_caddy_server DIR: render, check and start Caddy (see msrv_start).
mint_caddy_server() {
	local dir=$1
	mkdir -p "$dir/caddy-home" || return 1
	render_template "$JF_SRCDIR/tests/helpers/conf/mint-Caddyfile.in" \
		"$dir/Caddyfile" &&
	caddy_check "$dir/Caddyfile" "$dir" || return 1
	caddy_env "$dir"
	start_daemon "$dir" server "${CADDY_ENV[@]}" caddy run \
		--adapter caddyfile --config "$dir/Caddyfile"
}

setup() {
	skip_if_file_skipped
	BIND_MTLS=$MTLS BIND_TLS=$TLS BIND_PLAIN=$PLAIN BIND_HTTP=msrv_http
}

teardown_file() {
	msrv_stop "$BATS_FILE_TMPDIR"
}

@test "caddy adapt: SUCCESS is claimed only where client_auth is require_and_verify" {
	caddy_env "$DIR"
	run -0 --separate-stderr "${CADDY_ENV[@]}" caddy adapt \
		--adapter caddyfile --config "$DIR/Caddyfile"
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/caddy.json"
	# One connection policy with client authentication, and its mode.
	assert_equal "$(jq -c '[.. | objects | select(has("client_authentication"))
		| .client_authentication.mode] | sort' "$BATS_TEST_TMPDIR/caddy.json")" \
		'["request","require_and_verify"]'
	# One FastCGI transport sets SSL_CLIENT_VERIFY, in the mTLS site.
	assert_equal "$(jq '[.. | objects | select(.protocol? == "fastcgi")
		| select(.env.SSL_CLIENT_VERIFY?)] | length' "$BATS_TEST_TMPDIR/caddy.json")" 1
	assert_equal "$(jq -r --arg h "localhost" --arg p ":$MTLS_PORT" '
		.apps.http.servers[] | select(.listen | index("127.0.0.1" + $p))
		| [.. | objects | .env?.SSL_CLIENT_VERIFY? // empty] | join(" ")' \
		"$BATS_TEST_TMPDIR/caddy.json")" SUCCESS
}

@test "the shipped jwt-mint.caddy is formatted as caddy fmt wants" {
	caddy_env "$DIR"
	run -0 --separate-stderr "${CADDY_ENV[@]}" caddy fmt \
		"$JF_SRCDIR/conf/caddy/jwt-mint.caddy"
	assert_equal "$output" "$(cat "$JF_SRCDIR/conf/caddy/jwt-mint.caddy")"
}

@test "certificate -> token (not bound: the mint's default), audited" {
	msrv_check_token_audited
}

@test "the token opens the API behind jwt-authz.fcgi on the same Caddy" {
	msrv_check_api "$PLAIN/api/echo"
	msrv_check_api "$TLS/api/echo"
}

# --- certificate-bound tokens at the proxy (RFC 8705 §3) -------------------
# jwt_authz passes {http.request.tls.client.certificate_pem} as
# SSL_CLIENT_CERT to forward_auth's FastCGI transport; the test's mTLS
# site serves the API too.

@test "binding: search's token is bound to its certificate, billing's and worker's are not" {
	bind_check_minted
}

@test "binding: the bound token with its certificate opens the API (certificate_pem placeholder)" {
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

@test "no client certificate: the TLS handshake fails, the mint is not asked" {
	local n0
	n0=$(msrv_audit_count)
	run msrv_curl -d grant_type=client_credentials "$MTLS/mint/token"
	assert_handshake_refused
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "a certificate from another CA: the TLS handshake fails" {
	local n0
	n0=$(msrv_audit_count)
	# Same CN as a registered service: only the verified chain counts.
	run msrv_curl $(msrv_cert other) -d '' "$MTLS/mint/token"
	# Usually a "bad certificate" alert; Caddy may reset the connection
	# before curl reads it.
	assert_handshake_refused
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "no SNI, Host naming the mTLS site: 421 (strict SNI), the mint is not asked" {
	local n0
	n0=$(msrv_audit_count)
	# Without SNI Caddy completes the handshake with no client
	# authentication; the Host header must not lead to the mTLS routes.
	http --http1.1 --cacert "$DIR/pki/ca.pem" -H "Host: localhost:$MTLS_PORT" \
		-d grant_type=client_credentials "https://127.0.0.1:$MTLS_PORT/mint/token"
	assert_status 421
	assert_body_lacks access_token
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "a site that takes unverified certificates (mode request): the mint refuses" {
	# Caddy accepts the other CA's certificate here; jwt_mint_public
	# claims no verification, so the mint does not trust it.
	msrv_check_refused_by_mint "$LAX" "$MSRV_NO_AUTH"
	msrv_post other "$LAX" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json ".error_description | startswith(\"$MSRV_NO_AUTH\")" true
}

# Not tested here, as Caddy cannot do it: pass an unverified or absent
# certificate on as SSL_CLIENT_VERIFY=NONE or FAILED:... for the mint to
# refuse (msrv_check_lax, as Apache and nginx do with optional_no_ca).
# Caddy has no placeholder for the verification result, so
# jwt-mint.caddy sets SSL_CLIENT_VERIFY=SUCCESS only on a site with
# client_auth require_and_verify, where an unverified certificate ends the
# handshake instead ("a certificate from another CA" above), and sets
# nothing elsewhere, where the mint refuses any certificate ("a site that
# takes unverified certificates" above).

@test "sites that do not verify certificates: the mint refuses (no SSL_CLIENT_VERIFY)" {
	msrv_check_refused_by_mint "$TLS" "$MSRV_NO_AUTH"
	msrv_check_plain_refused "$PLAIN"
}

@test "JWKS and RFC 8414 metadata: on every site, with or without a certificate" {
	msrv_check_public "$MTLS" billing
	msrv_check_public "$TLS"
	msrv_check_public "$PLAIN"
	msrv_check_public "$LAX"
}

@test "status list and RFC 7009 revocation: routed by the shipped config" {
	msrv_check_revoke "$TLS"
}

@test "client_secret_basic without a certificate: the Authorization header reaches the mint" {
	msrv_check_secret "$TLS"
	msrv_check_plain_refused "$PLAIN"
}

@test "a local user who is not the web server cannot reach the mint's socket" {
	[ "$(id -u)" = 0 ] || skip "needs root, to act as another local user"
	mint_check_local_user "$MINT_SOCK" "$DIR/pki/billing.pem" "$DIR/mint.log"
}

@test "metrics: both programs' at the shipped routes for this host (promtool accepts them), 404 (mint) and 403 for another address" {
	need_cmd promtool "apt-get install prometheus" || return 1
	msrv_check_metrics 404 403
}
