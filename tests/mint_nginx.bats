#!/usr/bin/env bats
# mint_nginx.bats - jwt-mint.fcgi and jwt-authz.fcgi behind one real
# nginx, through the shipped conf/nginx snippets (jwt-mint*.conf for the
# mint with client certificates, jwt-authz*.conf for the API): a client
# certificate buys a token, which opens the API on the same nginx. The
# mint, the authorizer and the backend run with --listen, as nginx does
# not spawn FastCGI programs.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/nginx
load helpers/mintsrv
load helpers/bind

setup_file() {
	need_nginx && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	export DIR=$BATS_FILE_TMPDIR
	if ! msrv_start "$DIR" mint_nginx_server; then
		msrv_stop "$DIR"
		return 1
	fi
}

# mint_nginx_server DIR: render, check and start nginx (see msrv_start).
mint_nginx_server() {
	local dir=$1
	nginx_prefix "$dir" || return 1
	# As root the workers would run as "nobody", who cannot enter bats'
	# private temp dirs; this instance only listens on loopback.
	USER_LINE=
	[ "$(id -u)" = 0 ] && USER_LINE="user root;"
	render_template "$JF_SRCDIR/tests/helpers/conf/mint-nginx.conf.in" \
		"$dir/nginx.conf" &&
	nginx_test_config "$dir/nginx.conf" &&
	start_daemon "$dir" server nginx -p "$dir" -c "$dir/nginx.conf" \
		-g 'daemon off;'
}

setup() {
	skip_if_file_skipped
	BIND_MTLS=$MTLS BIND_TLS=$TLS BIND_PLAIN=$PLAIN BIND_HTTP=msrv_http
}

teardown_file() {
	msrv_stop "$BATS_FILE_TMPDIR"
}

@test "nginx -t accepts the example mint server block" {
	local d=$BATS_TEST_TMPDIR t
	nginx_prefix "$d"
	# Its certificate paths are the only change.
	sed -e "s|/etc/nginx/mint-tls.pem|$DIR/pki/server.pem|" \
		-e "s|/etc/nginx/mint-tls.key|$DIR/pki/server.key|" \
		-e "s|/etc/jwt-fcgi/ca/ca.crt|$DIR/pki/ca.pem|" \
		"$JF_SRCDIR/conf/nginx/jwt-mint.example.conf" >"$d/example.conf"
	[ "$(diff "$JF_SRCDIR/conf/nginx/jwt-mint.example.conf" "$d/example.conf" |
		grep -c '^>')" -eq 3 ]
	{
		printf 'pid %s/run/nginx.pid;\nerror_log %s/error.log;\n' "$d" "$d"
		printf 'events {}\nhttp {\n\taccess_log off;\n'
		for t in client_body fastcgi proxy uwsgi scgi; do
			printf '\t%s_temp_path %s/tmp/%s;\n' "$t" "$d" "$t"
		done
		printf '\tinclude %s;\n}\n' "$d/example.conf"
	} >"$d/nginx.conf"
	nginx_test_config "$d/nginx.conf"
}

@test "certificate -> token (not bound: the mint's default), audited" {
	msrv_check_token_audited
}

@test "the token opens the API behind jwt-authz.fcgi on the same nginx" {
	msrv_check_api "$PLAIN/api/echo"
	msrv_check_api "$TLS/api/echo"
}

# --- certificate-bound tokens at the proxy (RFC 8705 §3) -------------------
# The auth location passes $ssl_client_escaped_cert as SSL_CLIENT_CERT
# (snippets/jwt-authz-endpoint.conf); the test's mTLS server serves the
# API too.

@test "binding: search's token is bound to its certificate, billing's and worker's are not" {
	bind_check_minted
}

@test "binding: the bound token with its certificate opens the API (ssl_client_escaped_cert)" {
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

@test "no client certificate: 401 invalid_client from the snippet, the mint is not asked" {
	local n0
	n0=$(msrv_audit_count)
	msrv_post - "$MTLS" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json .error_description 'no client certificate was presented'
	# nginx checks before it picks a location: the JWKS too.
	msrv_http "$MTLS/mint/jwks"
	assert_oauth_error 401 invalid_client
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "a certificate from another CA: 401 invalid_client, the mint is not asked" {
	local n0
	n0=$(msrv_audit_count)
	# Same CN as a registered service: only the verified chain counts.
	msrv_post other "$MTLS" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json .error_description 'the client certificate could not be verified'
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "unverified or absent certificate let through (optional_no_ca): the mint refuses" {
	msrv_check_lax
}

@test "servers that do not verify certificates: the mint refuses" {
	msrv_check_refused_by_mint "$TLS" "$MSRV_NO_AUTH"
	# nginx says NONE on a TLS server that never asked for a
	# certificate, even when one is offered, and nothing ("-" in its access
	# log) on plain HTTP.
	[[ $(tail -n 1 "$DIR/nginx-access.log") == *'"POST /mint/token HTTP/'*' 401 verify=NONE' ]]
	msrv_check_plain_refused "$PLAIN"
	[[ $(tail -n 1 "$DIR/nginx-access.log") == *'"POST /mint/token HTTP/'*' 400 verify=-' ]]
}

@test "JWKS and RFC 8414 metadata: on every server, with or without a certificate" {
	msrv_check_public "$MTLS" billing
	msrv_check_public "$TLS"
	msrv_check_public "$PLAIN"
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

@test "a front end that calls every certificate verified: client_ca still refuses the wrong ones" {
	local base=https://localhost:$LIAR_PORT c
	# optional_no_ca with a constant SUCCESS: nginx checks nothing.
	msrv_post billing "$base" -d grant_type=client_credentials
	assert_status 200
	msrv_post other "$base" -d grant_type=client_credentials
	assert_oauth_error 401 invalid_client
	assert_json '.error_description | contains("not issued by a CA in client_ca")' true
	# An expired certificate, and one for servers only, nginx refuses by
	# itself even here (optional_no_ca forgives only an unknown CA):
	# tests/mint_peer.bats has the mint's own refusal of both.
	for c in billing-expired billing-server; do
		msrv_http --cert "$DIR/pki/$c.pem" --key "$DIR/pki/$c.key" \
			-d grant_type=client_credentials "$base/mint/token"
		assert_status 400
		assert_body_contains 'The SSL certificate error'
	done
	wait_for_log "$DIR/mint.log" 'the web server said it verified a client certificate that client_ca refuses'
}

@test "metrics: both programs' at the shipped routes for this host (promtool accepts them), 403 for another address" {
	need_cmd promtool "apt-get install prometheus" || return 1
	msrv_check_metrics 403 403
}
