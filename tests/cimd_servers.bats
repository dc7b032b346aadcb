#!/usr/bin/env bats
# cimd_servers.bats - self-issued tokens (doc/self-issued.md) end to end
# through lighttpd, Apache, nginx and Caddy, each started from its shipped
# conf/<server>/ files (tests/helpers/<server>.bash) with one authz.conf
# that trusts the documents under /cimd/ of a TLS key host on loopback:
#
#   flow 1  a service's own token opens /api/echo: the backend sees the
#           client's URL as JWT_SUB and the scope authz.conf grants; a
#           client no [cimd] section names gets the 401 challenge.
#   flow 2  on the exchange route, /api/exchange/, the same token also
#           gets the client an access token, in the response header
#           Authentication-Info (the backend never sees it); that token
#           opens /api/echo with the key host stopped: no fetch.
#
# The authorizer's rules for both flows, asked directly, are in
# tests/cimd.bats.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/jwkshost
load helpers/cimd
load helpers/lighttpd
load helpers/apache
load helpers/nginx
load helpers/caddy

CIMD_SERVERS="lighttpd apache nginx caddy"

# cimd_need SERVER: true when SERVER can run here. Otherwise the reason
# need_* recorded for the whole file concerns SERVER only: it moves to
# DIR/SERVER.skip (DIR/SERVER.missing with JF_REQUIRE_ALL=1), which that
# server's tests report.
cimd_need() {
	local rc=0 f
	case $1 in
	lighttpd) need_magnet || rc=1 ;;
	*) "need_$1" || rc=1 ;;
	esac
	for f in skip missing; do
		if [ -f "$DIR/$f-reason" ]; then
			mv "$DIR/$f-reason" "$DIR/$1.$f" || return 1
		fi
	done
	return "$rc"
}

# cimd_start SERVER: SERVER in a dir of its own with DIR/authz.conf;
# writes DIR/SERVER.env. In a subshell: the start helpers set DIR.
cimd_start() {
	local s=$1 d authz
	authz=$(jf_bin jwt-authz.fcgi) || return 1
	if [ "$s" = apache ]; then
		# Apache's children cannot enter bats' private dirs.
		d=$(apache_dir) || return 1
	else
		d=$DIR/$s
		mkdir -p "$d" || return 1
	fi
	echo "$d" >"$DIR/$s.dir"
	cp "$DIR/authz.conf" "$d/authz.conf" || return 1
	if [ "$s" = lighttpd ]; then
		# The exchange route's snippet, unmodified, and its module.
		printf '%s\n' 'server.modules += ( "mod_magnet" )' \
			"include \"$JF_SRCDIR/conf/lighttpd/51-jwt-authz-exchange.conf\"" \
			>"$d/lighttpd.extra.conf" || return 1
	fi
	(
		"${s}_start" "$d" "$authz" || exit 1
		printf 'SDIR=%q\nBASE=%q\n' "$d" "http://127.0.0.1:$PORT" \
			>"$BATS_FILE_TMPDIR/$s.env"
	)
}

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd" && need_certtool &&
		need_cmd jq && need_cmd curl || return 0
	local s
	export DIR=$BATS_FILE_TMPDIR
	cimd_fixture || return 1
	conf authz "access_token_issuer = https://service-b.example.com" \
		"access_token_key = $DIR/authz-at.key" "access_token_lifetime = 120" \
		"[resource $API]" "authorization_servers = https://mint.example.test/mint"
	# No look in the background: the fetches counted are the requests'.
	sed -i 's/^cimd_refresh = .*/cimd_refresh = 600/; s/^cimd_max_stale = .*/cimd_max_stale = 600/' \
		"$DIR/authz.conf"
	for s in $CIMD_SERVERS; do
		cimd_need "$s" || continue
		if ! cimd_start "$s" >"$DIR/$s.start.log" 2>&1; then
			echo "--- $s did not start:" >&2
			cat "$DIR/$s.start.log" >&2
			teardown_file
			return 1
		fi
	done
}

setup() {
	skip_if_file_skipped
}

# A test that failed with the key host stopped leaves it stopped.
teardown() {
	[ -n "${HOST:-}" ] || return 0
	[ -f "$DIR/kh/host.pid" ] || jwkshost_restart "$DIR/kh"
}

# In parallel: each server takes seconds to stop.
teardown_file() {
	local s d
	for s in $CIMD_SERVERS; do
		d=$(cat "$BATS_FILE_TMPDIR/$s.dir" 2>/dev/null) || continue
		"${s}_stop" "$d" &
	done
	wait
	jwkshost_stop "$BATS_FILE_TMPDIR/kh"
}

# cimd_server SERVER: the test runs on SERVER: BASE, SDIR, BACKEND_LOG.
# Skips when SERVER cannot run here (fails with JF_REQUIRE_ALL=1).
cimd_server() {
	if [ -f "$DIR/$1.missing" ]; then
		printf 'JF_REQUIRE_ALL=1, and %s\n' "$(head -n 1 "$DIR/$1.missing")" >&2
		return 1
	fi
	if [ -f "$DIR/$1.skip" ]; then
		skip "$(head -n 1 "$DIR/$1.skip")"
	fi
	# shellcheck source=/dev/null
	. "$DIR/$1.env"
	BACKEND_LOG=$SDIR/backend.log
}

# assert_no_header NAME: the last response has no NAME header.
assert_no_header() {
	if [ -n "$(header_value "$1")" ]; then
		printf 'expected no %s header\n' "$1" >&2
		jf_show_response
		return 1
	fi
}

# flow1: flow 1 on BASE (see the top of this file).
flow1() {
	local u=$HOST/cimd/good.json off=$HOST/other/good.json tok
	tok=$(self good --scope 'admin everything')
	http -H "Authorization: Bearer $tok" "$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB "$u"
	assert_json .JWT_ISS "$u"
	assert_json .JWT_CLIENT_ID "$u"
	# The token asked for admin; authz.conf grants counter.read.
	assert_json .JWT_SCOPE counter.read
	assert_no_variable_headers
	assert_no_header Authentication-Info
	# Another path of the same host: no [cimd] section names it, and it
	# is never fetched.
	tok=$("$CLI" sign -k "$DIR/svc.key" --iss "$off" --sub "$off" --aud "$API")
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $tok" "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_header_contains WWW-Authenticate "$off"
	assert_header_contains WWW-Authenticate "is not trusted"
	assert_backend_untouched "$BACKEND_LOG"
	assert_equal "$(jwkshost_gets "$DIR/kh" /other/good.json)" 0
}

# flow2: flow 2 on BASE (see the top of this file).
flow2() {
	local u=$HOST/cimd/good.json tok info at n0
	tok=$(self good)
	http -H "Authorization: Bearer $tok" "$BASE/api/exchange/echo"
	assert_status 200
	assert_header_contains Authentication-Info 'access_token="'
	assert_header_contains Authentication-Info \
		'", token_type="Bearer", expires_in=120'
	info=$(header_value Authentication-Info)
	assert_equal "$(printf '%s\n' "$info" | wc -l)" 1
	at=$(printf '%s\n' "$info" | sed -n 's/^access_token="\([^"]*\)".*/\1/p')
	[ -n "$at" ]
	[ "$at" != "$tok" ]
	# The backend: the client's claims, not the access token.
	assert_json .JWT_SUB "$u"
	assert_json 'has("JWT_AUTH_INFO")' false
	assert_body_lacks "$at"
	assert_no_variable_headers
	# The access token opens the API, checked with the authorizer's own
	# key: the key host is not asked, and may be down.
	n0=$(jwkshost_gets "$DIR/kh" /cimd/good.json)
	jwkshost_stop "$DIR/kh"
	http -H "Authorization: Bearer $at" "$BASE/api/echo"
	jwkshost_restart "$DIR/kh"
	assert_status 200
	assert_json .JWT_SUB "$u"
	assert_json .JWT_CLIENT_ID "$u"
	assert_json .JWT_ISS https://service-b.example.com
	assert_json .JWT_SCOPE counter.read
	assert_no_header Authentication-Info
	assert_equal "$(jwkshost_gets "$DIR/kh" /cimd/good.json)" "$n0"
	# An access token is not exchanged again, and a refused self-issued
	# token gets none.
	http -H "Authorization: Bearer $at" "$BASE/api/exchange/echo"
	assert_status 200
	assert_json .JWT_SUB "$u"
	assert_no_header Authentication-Info
	tok=$(self good --ttl 900)
	http -H "Authorization: Bearer $tok" "$BASE/api/exchange/echo"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_no_header Authentication-Info
}

# metadata: RFC 9728 on BASE: the challenge names the document, and the
# server's /.well-known/oauth-protected-resource route has the authorizer
# answer it.
metadata() {
	local mu=https://service-b.example.com/.well-known/oauth-protected-resource/api/get-counter?v=1
	http "$BASE/api/echo"
	assert_status 401
	assert_header_contains WWW-Authenticate "resource_metadata=\"$mu\""
	http "$BASE/.well-known/oauth-protected-resource/api/get-counter?v=1"
	assert_status 200
	assert_header_contains Content-Type application/json
	assert_json .resource "$API"
	assert_json '.authorization_servers[0]' https://mint.example.test/mint
	assert_json '.bearer_methods_supported[0]' header
	assert_no_variable_headers
	http "$BASE/.well-known/oauth-protected-resource/elsewhere"
	assert_status 404
}

@test "lighttpd, flow 1: a self-issued token opens the API with the config's scope; an unlisted client gets 401" {
	cimd_server lighttpd
	flow1
}

@test "lighttpd, flow 2: the exchange route hands the client an access token (mod_magnet), which works with the key host down" {
	cimd_server lighttpd
	flow2
}

@test "Apache, flow 1: a self-issued token opens the API with the config's scope; an unlisted client gets 401" {
	cimd_server apache
	flow1
}

@test "Apache, flow 2: the exchange route hands the client an access token, which works with the key host down" {
	cimd_server apache
	flow2
}

@test "nginx, flow 1: a self-issued token opens the API with the config's scope; an unlisted client gets 401" {
	cimd_server nginx
	flow1
}

@test "nginx, flow 2: the exchange route hands the client an access token (auth_request_set), which works with the key host down" {
	cimd_server nginx
	flow2
}

@test "Caddy, flow 1: a self-issued token opens the API with the config's scope; an unlisted client gets 401" {
	cimd_server caddy
	flow1
}

@test "Caddy, flow 2: the exchange route hands the client an access token (jwt_authz_exchange), which works with the key host down" {
	cimd_server caddy
	flow2
}

@test "lighttpd, RFC 9728: the 401 names the resource metadata, which the authorizer serves at the well-known URL" {
	cimd_server lighttpd
	metadata
}

@test "Apache, RFC 9728: the 401 names the resource metadata, which the authorizer serves at the well-known URL" {
	cimd_server apache
	metadata
}

@test "nginx, RFC 9728: the 401 names the resource metadata, which the authorizer serves at the well-known URL" {
	cimd_server nginx
	metadata
}

@test "Caddy, RFC 9728: the 401 names the resource metadata, which the authorizer serves at the well-known URL" {
	cimd_server caddy
	metadata
}
