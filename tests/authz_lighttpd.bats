#!/usr/bin/env bats
# authz_lighttpd.bats - jwt-authz.fcgi as lighttpd's FastCGI authorizer,
# through the shipped conf/lighttpd/50-jwt-authz.conf: lighttpd spawns the
# authorizer (bin-path), protects /api, passes its Variable-* headers to
# the backend (fcgi-echo) and applies the /api/admin scope policy.
# Real server on loopback, HTTP and HTTPS.
#
# The scenarios every server shares (no, bad, expired token; scopes;
# claims; forged claim headers; TLS; authorizer down) run in
# tests/matrix.bats; this file keeps what only lighttpd does.

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
	# lighttpd -p aligns the keys of a block: spaces before "=>".
	[[ $output =~ \"/api\"\ +=\> ]]
	[[ $output == *'/usr/local/bin/jwt-authz.fcgi -c /etc/jwt-fcgi/authz.conf --workers 4'* ]]
	[[ $output == *'"socket"      => "/run/lighttpd/jwt-authz.sock-0"'* ]]
	[[ $output == *'"JWT_SERVE" => "resource-metadata"'* ]]
	[[ $output == *'"JWT_REQUIRE_SCOPE" => "admin"'* ]]
}

@test "lighttpd -tt accepts the exchange snippet with its own defaults" {
	local d=$BATS_TEST_TMPDIR
	need_magnet
	printf '%s\n' 'server.document-root = "/tmp"' 'server.port = 1' \
		'server.modules = ( "mod_setenv", "mod_fastcgi", "mod_magnet" )' \
		"include \"$JF_SRCDIR/conf/lighttpd/50-jwt-authz.conf\"" \
		"include \"$JF_SRCDIR/conf/lighttpd/51-jwt-authz-exchange.conf\"" \
		>"$d/lighttpd.conf"
	run --separate-stderr lighttpd -p -f "$d/lighttpd.conf"
	[ "$status" -eq 0 ]
	[[ $output == *'$HTTP["url"] =^ "/api/exchange"'* ]]
	[[ $output == *'"JWT_SELF_ISSUED" => "exchange"'* ]]
	[[ $output == *'magnet.attract-physical-path-to = ("/usr/local/share/jwt-fcgi/lighttpd/jwt-authz-exchange.lua")'* ]]
}

@test "the prefix is a plain string prefix: /api-old.txt is protected too" {
	http "$BASE/api-old.txt"
	assert_status 401
	assert_bearer_challenge
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
