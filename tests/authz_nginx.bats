#!/usr/bin/env bats
# authz_nginx.bats - jwt-authz.fcgi behind nginx's auth_request, through
# the shipped conf/nginx/conf.d and conf/nginx/snippets files: a private
# nginx instance protects /api, passes the authorizer's Variable-*
# headers to the backends (fcgi-echo, over FastCGI and behind an HTTP
# proxy) and applies per-route policies. The authorizer runs with
# --listen, as nginx does not spawn it. Real server on loopback, HTTP and
# HTTPS.
#
# The scenarios every server shares (no, bad, expired token; scopes;
# claims; forged claim headers; TLS; authorizer down) run in
# tests/matrix.bats; this file keeps what only nginx does.

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

@test "the auth locations are internal: a client gets 404" {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/_jwt_authz"
	assert_status 404
	http "$BASE/_jwt_authz_admin"
	assert_status 404
	http -H "Authorization: Bearer $TOK_OK" "$BASE/_jwt_authz_exchange"
	assert_status 404
	assert_backend_untouched "$BACKEND_LOG"
}

@test "the access log can record the token's sub" {
	http -H "Authorization: Bearer $TOK_ADMIN" "$BASE/api/admin/echo?log=1"
	assert_status 200
	grep -q '"GET /api/admin/echo?log=1 HTTP/1.1" 200 sub=svc-admin' \
		"$DIR/nginx-access.log"
}

