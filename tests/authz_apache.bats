#!/usr/bin/env bats
# authz_apache.bats - jwt-authz.fcgi behind Apache's mod_authnz_fcgi,
# through the shipped conf/apache/jwt-authz.conf: a private Apache
# instance protects /api, passes the authorizer's Variable-* headers to
# the backend (fcgi-echo over mod_proxy_fcgi) and applies the /api/admin
# scope policy. The authorizer runs with --listen, as Apache does not
# spawn it. Real server on loopback, HTTP and HTTPS.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/apache

setup_file() {
	need_apache && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	local authz
	authz=$(jf_bin jwt-authz.fcgi)
	DIR=$(apache_dir)
	export DIR
	echo "$DIR" >"$BATS_FILE_TMPDIR/apache.dir"
	authz_fixture "$DIR"
	if ! apache_start "$DIR" "$authz"; then
		apache_stop "$DIR"
		return 1
	fi
	export BASE=http://127.0.0.1:$PORT
	export TLS_BASE=https://127.0.0.1:$TLS_PORT
	export BACKEND_LOG=$DIR/backend.log
}

setup() {
	skip_if_file_skipped
}

teardown_file() {
	local dir
	dir=$(cat "$BATS_FILE_TMPDIR/apache.dir" 2>/dev/null) || return 0
	apache_stop "$dir"
}

@test "apache2 -t accepts the shipped conf with test settings" {
	run -0 apache2 -t -f "$DIR/apache2.conf"
	# The test's Define won over the conf's default.
	run -0 apache2 -t -D DUMP_RUN_CFG -f "$DIR/apache2.conf"
	[[ $output == *"JWT_AUTHZ_ADDR=127.0.0.1:$AUTHZ_PORT"* ]]
	[[ $output == *"JWT_AUTHZ_PREFIX=/api"* ]]
}

# mini_conf DIR [MODULES...]: a minimal main config that includes the
# shipped conf with no Define of its own.
mini_conf() {
	local d=$1 m
	shift
	mkdir -p "$d/run"
	{
		printf 'ServerRoot "%s"\nDefaultRuntimeDir "%s/run"\n' "$d" "$d"
		printf 'ErrorLog "%s/error.log"\nListen 127.0.0.1:1\n' "$d"
		printf 'ServerName 127.0.0.1\n'
		for m in mpm_event authn_core authz_core authz_user "$@"; do
			printf 'LoadModule %s_module %s/mod_%s.so\n' \
				"$m" "$APACHE_MODDIR" "$m"
		done
		printf 'Include "%s/conf/apache/jwt-authz.conf"\n' "$JF_SRCDIR"
	} >"$d/apache2.conf"
}

@test "apache2 -t accepts the shipped conf with its own defaults" {
	mini_conf "$BATS_TEST_TMPDIR" authnz_fcgi setenvif
	run -0 apache2 -t -D DUMP_RUN_CFG -f "$BATS_TEST_TMPDIR/apache2.conf"
	[[ $output == *"JWT_AUTHZ_ADDR=127.0.0.1:9100"* ]]
	[[ $output == *"JWT_AUTHZ_ADMIN_SCOPE=admin"* ]]
}

@test "the shipped conf names the module it misses" {
	mini_conf "$BATS_TEST_TMPDIR" setenvif
	run -1 apache2 -t -f "$BATS_TEST_TMPDIR/apache2.conf"
	[[ $output == *"a2enmod authnz_fcgi"* ]]
}

@test "a URL outside the prefix needs no token" {
	http "$BASE/public.txt"
	assert_status 200
	assert_body_contains public
}

@test "the prefix is a <Location>: /api-old.txt is not under /api" {
	http "$BASE/api-old.txt"
	assert_status 200
	assert_body_contains "next to the prefix"
}

@test "no token: 401 with a Bearer challenge, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
}

@test "valid token: 200, the backend sees the claims, REMOTE_USER is sub" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo/x?y=1"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_json .JWT_ISS "$JF_ISS"
	assert_json .JWT_AUD "$JF_AUD"
	assert_json .JWT_SCOPE "read write"
	assert_json .REMOTE_USER svc-a
	assert_json .REQUEST_URI "/api/echo/x?y=1"
	assert_no_variable_headers
	assert_backend_reached "$BACKEND_LOG"
	# Apache logs the token's sub as the user.
	grep -q '127.0.0.1 svc-a "GET /api/echo/x?y=1' "$DIR/apache-access.log"
}

@test "valid token: no Cache-Control from the authorizer leaks into the answer" {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
	run header_value Cache-Control
	assert_equal "$output" ""
}

@test "valid token without sub: 200 as DefaultUser, not a 500" {
	local tok
	tok=$("$(jf_bin jwt-fcgi)" sign -k "$DIR/mint.key" --iss "$JF_ISS" \
		--aud "$JF_AUD" --scope read)
	http -H "Authorization: Bearer $tok" "$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB ""
	assert_json .REMOTE_USER jwt-no-sub
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

@test "Apache relays the JSON error body, but as text/html" {
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	assert_header_contains Content-Type text/html
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

@test "client headers cannot forge JWT_SUB" {
	http -H "Authorization: Bearer $TOK_OK" -H "JWT_SUB: evil1" \
		-H "JWT-SUB: evil2" -H "Variable-JWT_SUB: evil3" \
		"$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_json .REMOTE_USER svc-a
	assert_body_lacks '"JWT_SUB":"evil'
	# Apache leaves header names with "_" (JWT_SUB, Variable-JWT_SUB) out
	# of the environment and maps JWT-SUB to HTTP_JWT_SUB.
	assert_body_lacks evil1
	assert_body_lacks evil3
	assert_body_contains '"HTTP_JWT_SUB":"evil2"'
}

@test "HTTPS: the same protection over TLS" {
	backend_mark "$BACKEND_LOG"
	http --cacert "$DIR/pki/ca.pem" "$TLS_BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
	http --cacert "$DIR/pki/ca.pem" -H "Authorization: Bearer $TOK_OK" \
		"$TLS_BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
}

# Last: it stops the authorizer that the other tests use.
@test "authorizer down: Apache fails closed with 500, backend not reached" {
	stop_daemon "$DIR/authz.pid"
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 500
	assert_body_lacks svc-a
	assert_backend_untouched "$BACKEND_LOG"
}
