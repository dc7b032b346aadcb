#!/usr/bin/env bats
# authz_nginx.bats - jwt-authz.fcgi behind nginx's auth_request, through
# the shipped conf/nginx/conf.d and conf/nginx/snippets files: a private
# nginx instance protects /api, passes the authorizer's Variable-*
# headers to the backends (fcgi-echo, over FastCGI and behind an HTTP
# proxy) and applies per-route policies. The authorizer runs with
# --listen, as nginx does not spawn it. Real server on loopback, HTTP and
# HTTPS.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/nginx

setup_file() {
	need_nginx && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	export DIR=$BATS_FILE_TMPDIR
	local authz
	authz=$(jf_bin jwt-authz.fcgi)
	authz_fixture "$DIR"
	if ! nginx_start "$DIR" "$authz"; then
		nginx_stop "$DIR"
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
	nginx_stop "$BATS_FILE_TMPDIR"
}

@test "nginx -t accepts the shipped snippets with test settings" {
	run -0 nginx -t -p "$DIR" -c "$DIR/nginx.conf"
	# The snippets are the shipped files, not copies.
	[ "$(readlink "$DIR/snippets")" = "$JF_SRCDIR/conf/nginx/snippets" ]
}

@test "nginx -t accepts the example server block" {
	local d=$BATS_TEST_TMPDIR t
	nginx_prefix "$d"
	{
		printf 'pid %s/run/nginx.pid;\nerror_log %s/error.log;\n' "$d" "$d"
		printf 'events {}\nhttp {\n\taccess_log off;\n'
		# Temp dirs of the test's own, for a non-root run.
		for t in client_body fastcgi proxy uwsgi scgi; do
			printf '\t%s_temp_path %s/tmp/%s;\n' "$t" "$d" "$t"
		done
		printf '\tinclude conf.d/jwt-authz.conf;\n'
		printf '\tinclude %s/conf/nginx/jwt-authz.example.conf;\n}\n' \
			"$JF_SRCDIR"
	} >"$d/nginx.conf"
	nginx_test_config "$d/nginx.conf"
}

@test "a URL outside the protected locations needs no token" {
	http "$BASE/public.txt"
	assert_status 200
	assert_body_contains public
}

@test "the auth locations are internal: a client gets 404" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/_jwt_authz"
	assert_status 404
	http "$BASE/_jwt_authz_admin"
	assert_status 404
	assert_backend_untouched "$BACKEND_LOG"
}

@test "no token: 401 with one Bearer challenge, backend not reached" {
	backend_mark "$BACKEND_LOG"
	http "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	# nginx copies a 401's challenge itself; the snippet must not add a
	# second copy.
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
	assert_json .REQUEST_URI "/api/echo/x?y=1"
	assert_no_variable_headers
	assert_no_header_contains WWW-Authenticate Bearer
	assert_backend_reached "$BACKEND_LOG"
	# The subrequest carries the original URI: the authorizer logs it.
	http "$BASE/api/echo/logged?z=2"
	assert_status 401
	grep -q 'uri /api/echo/logged?z=2)' "$DIR/authz.log"
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
	assert_equal "$(header_value WWW-Authenticate | wc -l)" 1
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

@test "nginx replaces the authorizer's JSON body with its own HTML page" {
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	assert_header_contains Content-Type text/html
	assert_body_contains "401 Authorization Required"
	assert_body_lacks invalid_token
}

@test "Basic credentials: 401 challenge without an error code" {
	backend_mark "$BACKEND_LOG"
	http -u alice:secret "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
}

@test "malformed Authorization: 401 invalid_request (nginx cannot send 400)" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer a b" "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge invalid_request
	assert_equal "$(header_value WWW-Authenticate | wc -l)" 1
	assert_backend_untouched "$BACKEND_LOG"
	# The authorizer did answer 400; jwt-authz-endpoint.conf mapped it.
	grep -q 'refused: 400 invalid_request' "$DIR/authz.log"
	# ... on a policy route too, and it is no "unexpected status" error.
	http -H "Authorization: Bearer a b" "$BASE/api/admin/echo"
	assert_status 401
	assert_bearer_challenge invalid_request
	run ! grep -q 'auth request unexpected status' "$DIR/nginx-error.log"
}

@test "route policy: a token without the scope gets 403 insufficient_scope" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/admin/echo"
	assert_status 403
	# nginx drops a 403's headers; jwt-authz-vars.conf adds it back.
	assert_header_contains WWW-Authenticate 'error="insufficient_scope"'
	assert_header_contains WWW-Authenticate 'scope="admin"'
	assert_equal "$(header_value WWW-Authenticate | wc -l)" 1
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
		-H "Variable-Jwt-Sub: evil4" "$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_body_lacks '"JWT_SUB":"evil'
	# nginx drops header names with "_" (underscores_in_headers off) and
	# passes the others as HTTP_*, which cannot collide with JWT_*.
	assert_body_lacks evil1
	assert_body_lacks evil3
	assert_body_contains '"HTTP_JWT_SUB":"evil2"'
	assert_body_contains '"HTTP_VARIABLE_JWT_SUB":"evil4"'
}

@test "HTTP backend: the claims arrive as X-Jwt-* headers, not forgeable" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" -H "X-Jwt-Sub: evil1" \
		-H "X_Jwt_Sub: evil2" -H "X-Jwt-Client-Id: evil3" \
		"$BASE/api/proxied/x"
	assert_status 200
	assert_json .HTTP_X_JWT_SUB svc-a
	assert_json .HTTP_X_JWT_SCOPE "read write"
	assert_json .REQUEST_URI /x
	# TOK_OK has no client_id: no header at all, and not the client's.
	assert_json .HTTP_X_JWT_CLIENT_ID null
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
	assert_json .HTTP_X_JWT_SUB svc-a
	# Only the backend server keeps bodies in files.
	grep -rqF 'a=1&b=2' "$DIR/tmp/body"
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

@test "the access log can record the token's sub" {
	http -H "Authorization: Bearer $TOK_ADMIN" "$BASE/api/admin/echo?log=1"
	assert_status 200
	grep -q '"GET /api/admin/echo?log=1 HTTP/1.1" 200 sub=svc-admin' \
		"$DIR/nginx-access.log"
}

# Last: it stops the authorizer that the other tests use.
@test "authorizer down: nginx fails closed with 500, backend not reached" {
	stop_daemon "$DIR/authz.pid"
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 500
	assert_body_lacks svc-a
	assert_backend_untouched "$BACKEND_LOG"
	http "$BASE/api/echo"
	assert_status 500
}
