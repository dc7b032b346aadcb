#!/usr/bin/env bats
# authz_caddy.bats - jwt-authz.fcgi behind Caddy's forward_auth (FastCGI
# transport), through the shipped conf/caddy/jwt-authz.caddy snippets: a
# private Caddy protects /api, passes the claims to the backends
# (fcgi-echo, over FastCGI and behind an HTTP proxy) and applies
# per-route policies. The authorizer runs with --listen, as Caddy does not
# spawn it. Real server on loopback, HTTP and HTTPS.
#
# The scenarios every server shares (no, bad, expired token; scopes;
# claims; forged claim headers; TLS; authorizer down) run in
# tests/matrix.bats; this file keeps what only Caddy does.

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
	[[ $output == *'"JWT_SELF_ISSUED":"exchange"'* ]]
}

@test "the shipped snippet file is formatted as caddy fmt wants" {
	run -0 caddy fmt "$JF_SRCDIR/conf/caddy/jwt-authz.caddy"
	assert_equal "$output" "$(cat "$JF_SRCDIR/conf/caddy/jwt-authz.caddy")"
}

@test "no CGI Status header reaches the client" {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 200
	assert_equal "$(header_value Status)" ""
	http "$BASE/api/echo"
	assert_status 401
	assert_equal "$(header_value Status)" ""
}

