#!/usr/bin/env bats
# authz_caddy.bats - jwt-authz.fcgi behind Caddy's forward_auth (FastCGI
# transport), through the shipped conf/caddy/jwt-authz.caddy snippets: a
# private Caddy protects /api, passes the claims to the backends
# (fcgi-echo, over FastCGI and behind an HTTP proxy) and applies
# per-route policies. The authorizer runs with --listen, as Caddy does not
# spawn it. Real server on loopback, HTTP and HTTPS.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/caddy

setup_file() {
	need_caddy && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	export DIR=$BATS_FILE_TMPDIR
	local authz
	authz=$(jf_bin jwt-authz.fcgi)
	authz_fixture "$DIR"
	if ! caddy_start "$DIR" "$authz"; then
		caddy_stop "$DIR"
		return 1
	fi
	export BASE=http://127.0.0.1:$PORT
	export TLS_BASE=https://localhost:$TLS_PORT
	export BACKEND_LOG=$DIR/backend.log
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	caddy_stop "$BATS_FILE_TMPDIR"
}

@test "caddy validate accepts the shipped snippets with test settings" {
	caddy_env "$DIR"
	run -0 "${CADDY_ENV[@]}" caddy validate --adapter caddyfile \
		--config "$DIR/Caddyfile"
	# The policy arguments reached the authorizer's environment.
	run -0 "${CADDY_ENV[@]}" caddy adapt --config "$DIR/Caddyfile"
	[[ $output == *'"JWT_REQUIRE_SCOPE":"admin"'* ]]
	[[ $output == *'"JWT_REQUIRE_CLAIMS":"client_id=team-a"'* ]]
}

@test "the shipped snippet file is formatted as caddy fmt wants" {
	run -0 caddy fmt "$JF_SRCDIR/conf/caddy/jwt-authz.caddy"
	assert_equal "$output" "$(cat "$JF_SRCDIR/conf/caddy/jwt-authz.caddy")"
}

@test "a URL outside the protected routes needs no token" {
	http "$BASE/public.txt"
	assert_status 200
	assert_body_contains public
}

@test "no token: 401 with a Bearer challenge, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_equal "$(header_value WWW-Authenticate | wc -l)" 1
	assert_backend_untouched "$BACKEND_LOG"
}

@test "valid token: 200 and the backend sees the token's claims" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo/x?y=1"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_json .JWT_ISS "$JF_ISS"
	assert_json .JWT_AUD "$JF_AUD"
	assert_json .JWT_SCOPE "read write"
	assert_json .JWT_CLIENT_ID ""
	assert_json .HTTP_X_JWT_SUB svc-a
	assert_json .REQUEST_URI "/api/echo/x?y=1"
	assert_no_variable_headers
	assert_backend_reached "$BACKEND_LOG"
	# The authorizer logs the URI the client asked for.
	http "$BASE/api/echo/logged?z=2"
	assert_status 401
	grep -q 'uri /api/echo/logged?z=2)' "$DIR/authz.log"
}

@test "no CGI Status header reaches the client" {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 200
	assert_equal "$(header_value Status)" ""
	http "$BASE/api/echo"
	assert_status 401
	assert_equal "$(header_value Status)" ""
}

@test "valid token: a static file under the prefix is served" {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
	assert_body_contains "static file behind the authorizer"
	http "$BASE/api/static.txt"
	assert_status 401
	assert_body_lacks "static file"
}

@test "bad signature: 401 invalid_token, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_BADSIG" "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_backend_untouched "$BACKEND_LOG"
}

@test "unknown signing key: 401 invalid_token" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OTHERKEY" "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_backend_untouched "$BACKEND_LOG"
}

@test "expired token: 401 invalid_token, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_backend_untouched "$BACKEND_LOG"
}

@test "Caddy passes the authorizer's JSON error body to the client" {
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	assert_header_contains Content-Type application/json
	assert_header_contains Cache-Control no-store
	assert_json .error invalid_token
}

@test "Basic credentials: 401 challenge without an error code" {
	backend_mark "$BACKEND_LOG"
	http -u alice:secret "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
}

@test "malformed Authorization: 400 invalid_request" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer a b" "$BASE/api/echo"
	assert_status 400
	assert_header_contains WWW-Authenticate 'error="invalid_request"'
	assert_json .error invalid_request
	assert_backend_untouched "$BACKEND_LOG"
}

@test "route policy: a token without the scope gets 403 insufficient_scope" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/admin/echo"
	assert_status 403
	assert_header_contains WWW-Authenticate 'error="insufficient_scope"'
	assert_header_contains WWW-Authenticate 'scope="admin"'
	assert_backend_untouched "$BACKEND_LOG"
}

@test "route policy: a token with the scope gets through" {
	http -H "Authorization: Bearer $TOK_ADMIN" "$BASE/api/admin/echo"
	assert_status 200
	assert_json .JWT_SUB svc-admin
	assert_json .JWT_SCOPE "read admin"
}

@test "route policy: JWT_REQUIRE_CLAIMS refuses a token without the claim" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/team/echo"
	assert_status 403
	assert_backend_untouched "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_TEAM" "$BASE/api/team/echo"
	assert_status 200
	assert_json .JWT_SUB svc-team
	assert_json .JWT_CLIENT_ID team-a
}

# Caddy's FastCGI transport names a header H "HTTP_" + H upper-cased with
# "-" turned into "_", in a map: X-Jwt-Sub and X_Jwt_Sub would both be
# HTTP_X_JWT_SUB, the winner random. Hence several rounds.
@test "client headers cannot forge the claims, in any spelling" {
	local i
	for i in 1 2 3 4 5 6; do
		http -H "Authorization: Bearer $TOK_OK" \
			-H "X-Jwt-Sub: evil1" -H "X_Jwt_Sub: evil2" \
			-H "x-jwt_sub: evil3" -H "X_JWT-SUB: evil4" \
			-H "JWT_SUB: evil5" -H "Variable-JWT_SUB: evil6" \
			-H "X-Jwt-Client-Id: evil7" "$BASE/api/echo"
		assert_status 200
		assert_json .JWT_SUB svc-a
		assert_json .HTTP_X_JWT_SUB svc-a
		# TOK_OK has no client_id: empty, not the client's.
		assert_json .JWT_CLIENT_ID ""
		assert_body_lacks evil
	done
}

@test "HTTP backend: the claims arrive as X-Jwt-* headers, not forgeable" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" -H "X-Jwt-Sub: evil1" \
		-H "X_Jwt_Sub: evil2" "$BASE/api/proxied/x"
	assert_status 200
	assert_json .HTTP_X_JWT_SUB svc-a
	assert_json .HTTP_X_JWT_SCOPE "read write"
	assert_json .REQUEST_URI /x
	assert_body_lacks evil
	assert_backend_reached "$BACKEND_LOG"
	backend_mark "$BACKEND_LOG"
	http -H "X-Jwt-Sub: svc-a" "$BASE/api/proxied/x"
	assert_status 401
	assert_backend_untouched "$BACKEND_LOG"
}

@test "the request body still reaches the backend" {
	http -H "Authorization: Bearer $TOK_OK" --data-binary 'a=1&b=2' \
		"$BASE/api/proxied/body"
	assert_status 200
	assert_body_contains 'body=[a=1&b=2]'
}

@test "HTTPS: the same protection over TLS" {
	local tls=(--cacert "$DIR/pki/ca.pem" --resolve "localhost:$TLS_PORT:127.0.0.1")
	backend_mark "$BACKEND_LOG"
	http "${tls[@]}" "$TLS_BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
	http "${tls[@]}" -H "Authorization: Bearer $TOK_OK" "$TLS_BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
}

# Last: it stops the authorizer that the other tests use.
@test "authorizer down: Caddy fails closed with 502, backend not reached" {
	stop_daemon "$DIR/authz.pid"
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 502
	assert_body_lacks svc-a
	assert_backend_untouched "$BACKEND_LOG"
}
