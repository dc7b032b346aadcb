#!/usr/bin/env bats
# authz_apache.bats - jwt-authz.fcgi behind Apache's mod_authnz_fcgi,
# through the shipped conf/apache/jwt-authz.conf: a private Apache
# instance protects /api, passes the authorizer's Variable-* headers to
# the backend (fcgi-echo over mod_proxy_fcgi) and applies the /api/admin
# scope policy. The authorizer runs with --listen, as Apache does not
# spawn it. Real server on loopback, HTTP and HTTPS.
#
# The scenarios every server shares (no, bad, expired token; scopes;
# claims; forged claim headers; TLS; authorizer down) run in
# tests/matrix.bats; this file keeps what only Apache does.

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
	# the second instance, if its test stopped half-way
	if dir=$(cat "$BATS_FILE_TMPDIR/apache2.dir" 2>/dev/null); then
		apache_stop "$dir"
	fi
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
	mini_conf "$BATS_TEST_TMPDIR" authnz_fcgi setenvif headers
	run -0 apache2 -t -D DUMP_RUN_CFG -f "$BATS_TEST_TMPDIR/apache2.conf"
	[[ $output == *"JWT_AUTHZ_ADDR=127.0.0.1:9100"* ]]
	[[ $output == *"JWT_AUTHZ_ADMIN_SCOPE=admin"* ]]
	[[ $output == *"JWT_AUTHZ_EXCHANGE_PREFIX=/api/exchange"* ]]
}

@test "the shipped conf names the module it misses" {
	mini_conf "$BATS_TEST_TMPDIR" setenvif
	run -1 apache2 -t -f "$BATS_TEST_TMPDIR/apache2.conf"
	[[ $output == *"a2enmod authnz_fcgi"* ]]
}

@test "the shipped conf needs mod_headers, unless the token is passed on" {
	mini_conf "$BATS_TEST_TMPDIR" authnz_fcgi setenvif
	run -1 apache2 -t -f "$BATS_TEST_TMPDIR/apache2.conf"
	[[ $output == *"needs mod_headers to keep the bearer token from the backend: a2enmod headers"* ]]
	run -0 apache2 -t -D JWT_AUTHZ_PASS_TOKEN -f "$BATS_TEST_TMPDIR/apache2.conf"
}

# The backend's environment (fcgi-echo echoes HTTP_* and JWT_*) after a
# 200 for TOKEN: the claims, and HTTP_AUTHORIZATION only if WANT is set.
backend_sees_token() {
	local base=$1 tok=$2 want=$3
	http -H "Authorization: Bearer $tok" "$base/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_json .JWT_SCOPE "read write"
	if [ -n "$want" ]; then
		assert_json .HTTP_AUTHORIZATION "Bearer $tok"
	else
		assert_json 'has("HTTP_AUTHORIZATION")' false
		assert_body_lacks "$tok"
	fi
}

@test "the backend gets the claims, not the bearer token" {
	backend_sees_token "$BASE" "$TOK_OK" ""
	# over TLS too, and on a policy route
	http --cacert "$DIR/pki/ca.pem" -H "Authorization: Bearer $TOK_ADMIN" \
		"$TLS_BASE/api/admin/echo"
	assert_status 200
	assert_json .JWT_SUB svc-admin
	assert_json 'has("HTTP_AUTHORIZATION")' false
	# The authorizer still saw the token: without it, no 200.
	http "$BASE/api/echo"
	assert_status 401
}

@test "without the token, internal subrequests still pass (an index page)" {
	mkdir -p "$DIR/htdocs/api/dir"
	printf 'index under the prefix\n' >"$DIR/htdocs/api/dir/index.html"
	chmod -R a+rX "$DIR/htdocs/api/dir"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/dir/"
	assert_status 200
	assert_body_contains "index under the prefix"
	http "$BASE/api/dir/"
	assert_status 401
}

@test "Define JWT_AUTHZ_PASS_TOKEN: the backend sees the token as well" {
	local authz dir2
	authz=$(jf_bin jwt-authz.fcgi)
	dir2=$(apache_dir)
	echo "$dir2" >"$BATS_FILE_TMPDIR/apache2.dir"
	cp "$DIR/authz.conf" "$DIR/mint.jwks" "$dir2/"
	sed -i "s|$DIR/mint.jwks|$dir2/mint.jwks|" "$dir2/authz.conf"
	(
		JF_APACHE_DEFINES=JWT_AUTHZ_PASS_TOKEN
		apache_start "$dir2" "$authz" &&
			echo "http://127.0.0.1:$PORT" >"$dir2/base"
	)
	backend_sees_token "$(cat "$dir2/base")" "$TOK_OK" yes
	apache_stop "$dir2"
	rm -f "$BATS_FILE_TMPDIR/apache2.dir"
}

@test "the prefix is a <Location>: /api-old.txt is not under /api" {
	http "$BASE/api-old.txt"
	assert_status 200
	assert_body_contains "next to the prefix"
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

