#!/usr/bin/env bats
# valgrind.bats - jwt-authz.fcgi and jwt-mint.fcgi under valgrind memcheck,
# spawned by a real lighttpd (the mTLS setup of tests/mint_lighttpd.bats)
# through a wrapper for their bin-path, under a short load of accepted
# and refused requests, reloads (good and broken) and a registry change,
# then stopped with SIGTERM. Every process, supervisors and workers, must
# end with zero memcheck errors and zero definite leaks.
#
# The wrappers live in a directory that stands in for the build tree
# (JF_BUILDDIR): jwt-mint.fcgi and jwt-authz.fcgi there exec valgrind on
# the real programs; the other programs are symlinks.
# Run by hand:  JF_BUILDDIR=/path/to/build bats tests/valgrind.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/soak

VG_OPTS="--leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 --trace-children=yes --num-callers=30"

# vg_wrap REAL: a bin-path wrapper running REAL under valgrind, with a
# log per process (%p) in $VG_LOGS.
vg_wrap() {
	printf '#!/bin/sh\nexec valgrind %s --log-file=%s/%%p.log %s "$@"\n' \
		"$VG_OPTS" "$VG_LOGS" "$1"
}

setup_file() {
	need_cmd valgrind "apt-get install valgrind" &&
		need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl || return 0
	local real p
	real=${JF_BUILDDIR:-$JF_SRCDIR}
	# An ASan build (the suite's second pass) cannot run under valgrind;
	# that pass has its own, stricter memory checker.
	if grep -q -- '--enable-sanitizers' "$real/config.log" 2>/dev/null; then
		jf_skip "the programs are built with ASan, which valgrind cannot run" ||
			return 0
	fi
	export VG_BIN=$BATS_FILE_TMPDIR/bin VG_LOGS=$BATS_FILE_TMPDIR/vg
	mkdir -p "$VG_BIN/tests/helpers" "$VG_LOGS"
	for p in jwt-mint.fcgi jwt-authz.fcgi; do
		jf_bin "$p" >/dev/null || return 1
		vg_wrap "$real/$p" >"$VG_BIN/$p"
		chmod +x "$VG_BIN/$p"
	done
	for p in jwt-fcgi tests/helpers/fcgi-echo; do
		ln -s "$(jf_bin "$p")" "$VG_BIN/$p" || return 1
	done
	export JF_BUILDDIR=$VG_BIN
	export DIR=$BATS_FILE_TMPDIR/srv
	mkdir -p "$DIR"
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
	export API=http://127.0.0.1:$PORT/api/echo
}

setup() {
	skip_if_file_skipped
	export SOAK_WAIT=30     # seconds: valgrind makes a reload slow
}

teardown_file() {
	mint_lighttpd_stop "$BATS_FILE_TMPDIR/srv"
}

# sup NAME: the supervisor of program NAME (lighttpd's child, valgrind
# running in its process).
sup() {
	pgrep -P "$(cat "$DIR/lighttpd.pid")" -f -- "$1"
}

@test "under valgrind: minted tokens, refusals, reloads, then SIGTERM; no error, no definite leak" {
	local i tok sig c msup asup pids n
	# Valgrind is slow to start: wait for the first answer.
	for i in $(seq 1 150); do
		mint_post billing -d '' 2>/dev/null && [ "$HTTP_CODE" = 200 ] && break
		sleep 0.2
	done
	assert_status 200
	tok=$(jq -r .access_token "$JF_BODY")
	sig=${tok##*.}
	c=${sig:10:1}
	[ "$c" = A ] && c=B || c=A

	msup=$(sup jwt-mint.fcgi)
	asup=$(sup jwt-authz.fcgi)
	[ -n "$msup" ]
	[ -n "$asup" ]
	pids="$msup $(soak_workers "$msup") $asup $(soak_workers "$asup")"
	assert_equal "$(wc -w <<<"$pids")" 6

	for i in $(seq 1 25); do
		mint_post billing -d '' ; assert_status 200
		mint_post billing -d 'grant_type=client_credentials&scope=invoices:write&resource=https://reports.test'
		assert_status 200
		mint_post retired -d '' ; assert_status 401
		mint_post billing -d 'grant_type=client_credentials&scope=nope'
		assert_status 400; assert_json .error invalid_scope
		http -H "Authorization: Bearer $tok" "$API" ; assert_status 200
		http -H "Authorization: Bearer ${tok%.*}.${sig:0:10}$c${sig:11}" "$API"
		assert_status 401
		http "$API" ; assert_status 401
		http -H "Authorization: Bearer a.b" "$API" ; assert_status 401
		http -H "Authorization: Basic eDp5" "$API" ; assert_status 401
	done
	http --cacert "$DIR/pki/ca.pem" "https://127.0.0.1:$TLS_PORT/mint/jwks"
	assert_status 200
	http -X PUT --cacert "$DIR/pki/ca.pem" "https://127.0.0.1:$TLS_PORT/mint/token"
	assert_status 405

	# Reload paths: good and broken config, registry broken and restored.
	n=$(soak_log_count "$LOG" "reloaded")
	kill -HUP "$asup" "$msup"
	soak_wait_log "$LOG" "reloaded" $((n + 6))
	cp "$DIR/authz.conf" "$DIR/authz.conf.good"
	printf 'nonsense\n' >>"$DIR/authz.conf"
	n=$(soak_log_count "$LOG" "reload failed")
	kill -HUP "$asup"
	soak_wait_log "$LOG" "reload failed" $((n + 3))
	cp "$DIR/authz.conf.good" "$DIR/authz.conf"
	soak_registry_bad "$DIR/registry.json"
	soak_wait_log "$LOG" "reload failed" $((n + 6))
	n=$(soak_log_count "$LOG" "registry.json reloaded")
	mint_registry "$DIR/registry.json" '"gen": 2'
	soak_wait_log "$LOG" "registry.json reloaded" $((n + 3))
	for i in $(seq 1 20); do
		mint_post billing -d '' ; assert_status 200
		http -H "Authorization: Bearer $tok" "$API" ; assert_status 200
		http "$API" ; assert_status 401
	done
	# The metrics, written by whichever worker answers (METRICS).
	for i in 1 2 3 4; do
		http "http://127.0.0.1:$PORT/jwt-authz/metrics" ; assert_status 200
		http --cacert "$DIR/pki/ca.pem" "https://127.0.0.1:$TLS_PORT/mint/metrics"
		assert_status 200
	done

	# SIGTERM to both supervisors; they stop their workers.
	kill -TERM "$msup" "$asup"
	for i in $(seq 1 300); do
		n=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	assert_equal "$n" 0

	# One log per process, each clean. With --errors-for-leak-kinds=definite
	# a definite leak counts in the ERROR SUMMARY.
	for p in $pids; do
		[ -f "$VG_LOGS/$p.log" ] || { echo "no valgrind log for $p" >&2; false; }
		if ! grep -q 'ERROR SUMMARY: 0 errors' "$VG_LOGS/$p.log" ||
			grep -q 'definitely lost: [1-9]' "$VG_LOGS/$p.log"; then
			echo "--- $VG_LOGS/$p.log:" >&2
			cat "$VG_LOGS/$p.log" >&2
			false
		fi
	done
	# No worker was replaced: none died (of valgrind's exit code 99 or
	# anything else) during the run.
	run ! grep -E 'worker [0-9]+ (exited|killed)' "$LOG"
}
