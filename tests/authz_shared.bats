#!/usr/bin/env bats
# authz_shared.bats - the decisions all workers of one jwt-authz.fcgi
# share (src/lib/jose/scache.h), behind lighttpd with the shipped snippet
# (two workers): a token is verified once for the process group, not once
# per worker; a reload that removes its key is refused by every worker at
# once; a route with another policy is decided on its own. The debug log
# says "verified a token's signature" once per signature check and
# "allowed" with the pid of the worker that answered.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd

setup_file() {
	need_lighttpd && need_certtool && need_cmd wrk "apt-get install wrk" &&
		need_cmd curl || return 0
	export DIR=$BATS_FILE_TMPDIR
	local authz
	authz=$(jf_bin jwt-authz.fcgi)
	authz_fixture "$DIR"
	sed -i '1a log_level = debug' "$DIR/authz.conf"
	if ! lighttpd_start "$DIR" "$authz"; then
		lighttpd_stop "$DIR"
		return 1
	fi
	export BASE=http://127.0.0.1:$PORT
}

setup() {
	skip_if_file_skipped
	LOGS=("$DIR/lighttpd.log" "$DIR/lighttpd.error.log")
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
}

# count PATTERN: lines of the authorizer's log with PATTERN.
count() {
	cat "${LOGS[@]}" 2>/dev/null | grep -cF -- "$1" || true
}

# load_run SECONDS TOKEN PATH: wrk with 8 connections; sets TOTAL and
# NON2XX.
load_run() {
	wrk -t1 -c8 -d"$1"s -H "Authorization: Bearer $2" "$BASE$3" >"$DIR/wrk.out"
	TOTAL=$(awk '/ requests in /{print $1}' "$DIR/wrk.out")
	NON2XX=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$DIR/wrk.out")
	NON2XX=${NON2XX:-0}
}

# worker_pids: the pids that logged "allowed" since the log had LINES lines.
worker_pids() {
	cat "${LOGS[@]}" 2>/dev/null | tail -n +"$1" | grep -F 'debug: allowed' |
		sed 's/^jwt-authz.fcgi\[\([0-9]*\)\].*/\1/' | sort -u | wc -l
}

@test "one token, two workers, many requests: its signature is checked once, whichever worker answers" {
	local before lines
	before=$(count "verified a token's signature")
	http -H "Authorization: Bearer $TOK_TEAM" "$BASE/api/static.txt"
	assert_status 200
	assert_equal "$(count "verified a token's signature")" $((before + 1))
	lines=$(cat "${LOGS[@]}" | wc -l)
	load_run 2 "$TOK_TEAM" /api/static.txt
	assert_equal "$NON2XX" 0
	[ "$TOTAL" -gt 50 ]
	# Both workers answered, and neither checked the signature again:
	# with a cache per worker, the second would have.
	assert_equal "$(worker_pids $((lines + 1)))" 2
	assert_equal "$(count "verified a token's signature")" $((before + 1))
}

@test "another route's policy is its own decision: the admin scope is still required" {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/admin/"
	assert_status 403
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
}

@test "a reload that removes the token's key: every worker refuses it at once" {
	local sup reloaded
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
	sup=$(pgrep -P "$(cat "$DIR/lighttpd.pid")" -f jwt-authz.fcgi)
	[ -n "$sup" ]
	reloaded=$(count "reloaded")
	"$(jf_bin jwt-fcgi)" jwks "$DIR/other.key" >"$DIR/mint.jwks"
	kill -HUP "$sup"
	# the supervisor and both workers
	for _ in $(seq 1 200); do
		[ "$(count "reloaded")" -ge $((reloaded + 3)) ] && break
		sleep 0.05
	done
	assert_equal "$(count "reloaded")" $((reloaded + 3))
	load_run 2 "$TOK_OK" /api/static.txt
	[ "$TOTAL" -gt 50 ]
	assert_equal "$NON2XX" "$TOTAL"
	# and the other key's token, never seen before, is now allowed
	http -H "Authorization: Bearer $TOK_OTHERKEY" "$BASE/api/static.txt"
	assert_status 200
}
