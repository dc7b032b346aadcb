#!/usr/bin/env bats
# authz_lighttpd.bats - jwt-authz.fcgi as lighttpd's FastCGI authorizer,
# through the shipped conf/lighttpd/50-jwt-authz.conf: lighttpd spawns the
# authorizer (bin-path), protects /api, passes its Variable-* headers to
# the backend (fcgi-echo) and applies the /api/admin scope policy.
# Real server on loopback, HTTP and HTTPS.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd

setup_file() {
	need_lighttpd && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	export DIR=$BATS_FILE_TMPDIR
	local authz
	authz=$(jf_bin jwt-authz.fcgi)
	authz_fixture "$DIR"
	if ! lighttpd_start "$DIR" "$authz"; then
		lighttpd_stop "$DIR"
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
	lighttpd_stop "$BATS_FILE_TMPDIR"
}

@test "lighttpd -tt accepts the shipped snippet with test settings" {
	run -0 lighttpd -tt -f "$DIR/lighttpd.conf"
	# jwt-authz.local.conf, next to lighttpd.conf, overrode the defaults.
	run -0 lighttpd -p -f "$DIR/lighttpd.conf"
	[[ $output == *"\"socket\""*"=> \"$DIR/authz.sock\""* ]]
	[[ $output == *"jwt-authz.fcgi -c $DIR/authz.conf --workers 2\""* ]]
}

@test "lighttpd -tt accepts the shipped snippet with its own defaults" {
	local d=$BATS_TEST_TMPDIR
	printf '%s\n' 'server.document-root = "/tmp"' 'server.port = 1' \
		'server.modules = ( "mod_setenv", "mod_fastcgi" )' \
		"include \"$JF_SRCDIR/conf/lighttpd/50-jwt-authz.conf\"" \
		>"$d/lighttpd.conf"
	# No jwt-authz.local.conf here: every setting keeps its default.
	run --separate-stderr lighttpd -p -f "$d/lighttpd.conf"
	[ "$status" -eq 0 ]
	[[ $output == *'"/api" =>'* ]]
	[[ $output == *'/usr/local/bin/jwt-authz.fcgi -c /etc/jwt-fcgi/authz.conf --workers 4'* ]]
	[[ $output == *'"JWT_REQUIRE_SCOPE" => "admin"'* ]]
}

@test "a URL outside the prefix needs no token" {
	http "$BASE/public.txt"
	assert_status 200
	assert_body_contains public
}

@test "the prefix is a plain string prefix: /api-old.txt is protected too" {
	http "$BASE/api-old.txt"
	assert_status 401
	assert_bearer_challenge
}

@test "no token: 401 with a Bearer challenge, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
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
	assert_json .REQUEST_URI "/api/echo/x?y=1"
	assert_no_variable_headers
	assert_backend_reached "$BACKEND_LOG"
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

@test "lighttpd passes the authorizer's JSON error body to the client" {
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	assert_header_contains Content-Type application/json
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
	# The policy itself reaches the backend too, from mod_setenv.
	assert_json .JWT_REQUIRE_SCOPE admin
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
	# The raw body, since JSON with a repeated key shows only one.
	assert_body_lacks '"JWT_SUB":"evil'
	# lighttpd maps both JWT_SUB and JWT-SUB to HTTP_JWT_SUB.
	assert_body_contains '"HTTP_JWT_SUB":"evil1"'
	assert_body_contains '"HTTP_VARIABLE_JWT_SUB":"evil3"'
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

@test "lighttpd respawns the authorizer when it dies" {
	local master
	master=$(pgrep -P "$(cat "$DIR/lighttpd.pid")" -f -- "-c $DIR/authz.conf")
	[ -n "$master" ]
	kill -TERM "$master"
	wait_gone "$master"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
	http "$BASE/api/echo"
	assert_status 401
}

# Last: it stops the server that the other tests use.
@test "stopping lighttpd stops the authorizer it spawned, workers too" {
	local pids
	pids=$(pgrep -f -- "-c $DIR/authz.conf")
	[ -n "$pids" ]   # with --workers 2: a master and its workers
	stop_daemon "$DIR/lighttpd.pid"
	wait_gone $pids
}
