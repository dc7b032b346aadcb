#!/usr/bin/env bats
# faults.bats - faults under load, with hard assertions: the short form
# of bench/soak.sh. jwt-authz.fcgi (2 workers) behind lighttpd gets a
# deterministic mix of valid and refused tokens from wrk (bench/soak.lua
# counts every answer that differs from the one expected) while it is
# reloaded with a new key, reloaded with a broken config, and has workers
# SIGKILLed; jwt-mint.fcgi gets POSTs over mTLS keep-alive while its
# registry is truncated and restored. Then the CLI against a full disk and
# a read-only directory (the registry side of that, `register`, is in
# tests/cli_ca.bats: "a full disk ..." and "a read-only directory ...").
# Run by hand:  JF_BUILDDIR=/path/to/build bats tests/faults.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd
load helpers/mint
load helpers/soak

setup_file() {
	need_lighttpd && need_certtool && need_cmd wrk "apt-get install wrk" &&
		need_cmd jq && need_cmd curl || return 0
	export SOAK_DIR=$BATS_FILE_TMPDIR
	export A=$SOAK_DIR/authz M=$SOAK_DIR/mint
	mkdir -p "$A" "$M"
	soak_fixture "$A" || return 1
	if ! soak_start "$A"; then
		lighttpd_stop "$A"
		return 1
	fi
	export PORT ALOG=$A/lighttpd.log
	export SUP
	local i
	for i in $(seq 1 100); do
		SUP=$(soak_supervisor "$A") &&
			[ "$(soak_workers "$SUP" | wc -w)" = 2 ] && break
		sleep 0.05
	done
	[ -n "$SUP" ] || { echo "no jwt-authz.fcgi under lighttpd" >&2; return 1; }
}

setup() {
	skip_if_file_skipped
	RELOADED="configuration $A/authz.conf reloaded"
	REFUSED="reload failed, keeping the previous configuration"
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR/authz"
	mint_lighttpd_stop "$BATS_FILE_TMPDIR/mint"
}

# assert_phase NAME S5XX_MAX: the phase's answers were all as expected
# (at most S5XX_MAX 5xx, each counted as wrong), no socket error.
assert_phase() {
	soak_phase_end "$1" || return 1
	soak_phase_report "$1" >&2
	[ "$SR_REQUESTS" -gt 0 ] &&
	[ "$SR_S5XX" -le "${2:-0}" ] &&
	[ $((SR_OK_WRONG + SR_BAD_WRONG)) = "$SR_S5XX" ] &&
	[ "$SR_OTHER" = 0 ] && [ "$SR_ERRORS" = 0 ] || {
		echo "phase $1: unexpected answers; $SR_FIRST_WRONG" >&2
		cat "$SOAK_DIR/$1.wrk" >&2
		return 1
	}
}

# --- the authorizer under load ---------------------------------------------

@test "the checker sees a wrong answer: key b's tokens are 401 before the reload" {
	soak_phase f0 "$A/mix2" 600 30 2
	soak_phase_end f0
	soak_phase_report f0 >&2
	# mix2 has 5 tokens of key b in 50 lines; each thread sends 300, six
	# times the whole mix from its own offset: 2 x 30 of them refused
	assert_equal "$SR_OK_WRONG" 60
	assert_equal "$SR_BAD_WRONG" 0
	assert_equal "$SR_S5XX" 0
}

@test "2000 requests: SIGHUP with a new key, then a broken config, mid-run: no wrong answer" {
	soak_phase f1 "$A/mix1" 2000 30 4
	soak_wait_progress f1 500
	soak_trust "$A" a b
	kill -HUP "$SUP"
	# the supervisor and both workers
	soak_wait_log "$ALOG" "$RELOADED" 3
	soak_wait_progress f1 1000
	soak_break "$A"
	kill -HUP "$SUP"
	soak_wait_log "$ALOG" "$REFUSED" 3
	assert_phase f1
	assert_equal "$(soak_log_count "$ALOG" "$RELOADED")" 3
	grep -qF "$A/authz.conf:2: unknown key \"bogus_key\"" "$ALOG"
	# The broken file on disk did not replace the state with key b.
	soak_phase f2 "$A/mix2" 1000 30 4
	assert_phase f2
}

@test "kill -9 of a worker (between requests) mid-run: a new one within 5 s, zero 5xx" {
	local before
	before=$(soak_workers "$SUP")
	soak_phase f3 "$A/mix2" 2000 30 4
	soak_wait_progress f3 500
	# shellcheck disable=SC2086 # two PIDs
	soak_kill_idle $before
	soak_wait_replaced "$SUP" "$KILLED" "$before"
	[ -n "$NEWPID" ]
	kill -0 "$NEWPID"
	grep -qF "worker $KILLED killed by signal 9" "$ALOG"
	# The config on disk is still broken: the new worker was forked
	# with the supervisor's kept state, key b included (mix2).
	assert_phase f3 0
}

@test "kill -9 of a busy worker: at most its one request fails, no wrong 200/401" {
	local before victim
	soak_conf "$A"
	kill -HUP "$SUP"
	soak_wait_log "$ALOG" "$RELOADED" 6
	before=$(soak_workers "$SUP")
	victim=${before%% *}
	soak_phase f4 "$A/mix2" 2000 30 4
	soak_wait_progress f4 500
	kill -KILL "$victim"
	soak_wait_replaced "$SUP" "$victim" "$before"
	# A request the worker was serving is lost: lighttpd answers 500
	# ("response not received"); nothing else may differ.
	assert_phase f4 1
	if [ "$SR_S5XX" = 1 ]; then
		grep -qF "response not received, request sent" "$A/lighttpd.error.log"
	fi
}

# --- the mint under load ---------------------------------------------------

@test "mint under load: a truncated registry is refused and logged, the old one serves" {
	local gen MREF MREL
	DIR=$M
	mint_lighttpd_start "$M"
	MLOG=$M/lighttpd.log
	MREF="reload failed, keeping the previous configuration and registry"
	MREL="and registry $M/registry.json reloaded ("
	mint_registry "$M/registry.json" '"gen": 1'
	soak_wait_log "$MLOG" "$MREL" 3
	export SOAK_MINT_BATCH=100
	soak_mint_load b billing 300
	soak_mint_load r retired 100
	soak_mint_wait_progress 100
	soak_registry_bad "$M/registry.json"
	soak_wait_log "$MLOG" "$MREF" 3
	grep -qF "registry: $M/registry.json: JSON: byte" "$MLOG"
	# the old registry (gen 1) serves
	mint_post billing -d ''
	assert_status 200
	gen=$(jwt_payload "$(jq -r .access_token "$JF_BODY")" | jq -r .gen)
	assert_equal "$gen" 1
	soak_mint_wait_progress 250
	mint_registry "$M/registry.json" '"gen": 2'
	soak_wait_log "$MLOG" "$MREL" 6
	soak_mint_stop
	soak_mint_wait b
	echo "billing: $SM_TOTAL answers, $SM_S200 200, $SM_S5XX 5xx, $SM_OTHER other" >&2
	# at least the 300 asked for (else the checks below prove nothing)
	[ "$SM_TOTAL" -ge 300 ]
	assert_equal "$SM_S200" "$SM_TOTAL"
	assert_equal "$SM_OTHER" 0
	assert_equal "$SM_CONNECTS" $((SM_TOTAL / 100))
	soak_mint_wait r
	echo "retired: $SM_TOTAL answers, $SM_S401 401, $SM_S5XX 5xx, $SM_OTHER other" >&2
	[ "$SM_TOTAL" -ge 100 ]
	assert_equal "$SM_S401" "$SM_TOTAL"
	assert_equal "$SM_OTHER" 0
	mint_post billing -d ''
	gen=$(jwt_payload "$(jq -r .access_token "$JF_BODY")" | jq -r .gen)
	assert_equal "$gen" 2
}

# --- the CLI against a full disk and a read-only directory -------------------

# small_fs SIZE: a tmpfs at $MNT (unmounted by teardown), or skip.
small_fs() {
	[ "$(id -u)" = 0 ] || skip "not root: cannot mount a tmpfs"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o "size=$1" tmpfs "$MNT" 2>/dev/null ||
		{ MNT=; skip "mount -t tmpfs is not permitted here"; }
}

teardown() {
	if [ -n "${MNT:-}" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
}

@test "keygen on a full disk: a clear error, no key, no temp file" {
	local jf
	jf=$(jf_bin jwt-fcgi)
	small_fs 64k
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	run -1 --separate-stderr "$jf" keygen --alg RS256 "$MNT/k.pem"
	[[ $stderr == *"No space left on device"* ]]
	assert_equal "$(ls -A "$MNT")" fill
	# room for the private key (one page) but not for the public one:
	# neither is left
	rm "$MNT/fill"
	dd if=/dev/zero of="$MNT/fill" bs=4k count=15 2>/dev/null
	run -1 --separate-stderr "$jf" keygen --pub "$MNT/k.pub" "$MNT/k.pem"
	[[ $stderr == *"No space left on device"* ]]
	assert_equal "$(ls -A "$MNT")" fill
}

@test "keygen into a read-only directory: a clear error, the old key kept" {
	local jf sum
	jf=$(jf_bin jwt-fcgi)
	small_fs 1m
	"$jf" keygen "$MNT/k.pem" >/dev/null
	sum=$(sha256sum <"$MNT/k.pem")
	mount -o remount,ro "$MNT"
	run -1 --separate-stderr "$jf" keygen "$MNT/new.pem"
	[[ $stderr == *"new.pem: cannot create a file beside it: Read-only file system"* ]]
	run -1 --separate-stderr "$jf" keygen --force "$MNT/k.pem"
	[[ $stderr == *"Read-only file system"* ]]
	assert_equal "$(ls -A "$MNT")" k.pem
	assert_equal "$(sha256sum <"$MNT/k.pem")" "$sum"
}

@test "jwks, pubkey and sign into a full output (/dev/full): exit 1, saying so" {
	local jf d=$BATS_TEST_TMPDIR
	jf=$(jf_bin jwt-fcgi)
	"$jf" keygen "$d/k.pem" >/dev/null
	run -1 --separate-stderr sh -c '"$1" jwks "$2" >/dev/full' _ "$jf" "$d/k.pem"
	assert_equal "$stderr" "jwt-fcgi jwks: cannot write the output"
	run -1 --separate-stderr sh -c '"$1" pubkey "$2" >/dev/full' _ "$jf" "$d/k.pem"
	assert_equal "$stderr" "jwt-fcgi pubkey: cannot write the output"
	run -1 --separate-stderr sh -c '"$1" sign -k "$2" --iss i --aud a >/dev/full' \
		_ "$jf" "$d/k.pem"
	assert_equal "$stderr" "jwt-fcgi sign: cannot write the output"
}
