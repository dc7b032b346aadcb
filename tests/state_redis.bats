#!/usr/bin/env bats
# state_redis.bats - the mint's shared state in a real redis-server on
# loopback: the same unit tests as the embedded file
# (tests/unit/state/test_state with JF_TEST_REDIS), AUTH and SELECT, a
# unix socket, two processes issuing at once never sharing an index, and
# a server killed under a running process (503, with where and why) and
# started again (issuing resumes on the same handle).

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/redis

setup_file() {
	need_redis || return 0
	export DIR=$BATS_FILE_TMPDIR
	export UNIT DRIVE
	UNIT=$(jf_bin tests/unit/state/test_state) &&
		DRIVE=$(jf_bin tests/helpers/state-drive) || return 1
	start_redis "$DIR/redis" || return 1
	echo "$REDIS_PORT" >"$DIR/redis.port"
}

setup() {
	skip_if_file_skipped
	REDIS_PORT=$(cat "$DIR/redis.port")
	REDIS_URL=redis://127.0.0.1:$REDIS_PORT
	# Each test its own key prefix.
	P="t$BATS_TEST_NUMBER:"
}

teardown_file() {
	stop_redis "$DIR/redis"
	stop_redis "$DIR/redis-auth"
	stop_redis "$DIR/redis-unix"
	stop_redis "$DIR/redis-idle"
}

@test "the state unit tests pass against redis-server" {
	JF_TEST_REDIS=$REDIS_URL run -0 "$UNIT"
	assert_output_contains "# back end: redis"
	[[ $output != *"not ok"* ]]
	# The keys are there, under the test's prefixes.
	run -0 redis-cli -p "$REDIS_PORT" --scan --pattern 'jftest:*:lay:st'
	[[ $output == *':lay:st'* ]]
}

@test "AUTH with user and password, SELECT a db; a wrong password is refused and never shown" {
	local port p=$REDIS_PORT
	free_port port
	REDIS_PORT=$port start_redis "$DIR/redis-auth" --requirepass 'pw@1:x'
	# Percent-encoded '@' and ':' in the password; the default user.
	run -0 "$DRIVE" "redis://default:pw%401%3Ax@127.0.0.1:$port/3" "$P" issue 5
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 5
	run -0 redis-cli -p "$port" -a 'pw@1:x' --no-auth-warning -n 3 \
		ZCARD "${P}live"
	assert_equal "$output" 5
	run -0 redis-cli -p "$port" -a 'pw@1:x' --no-auth-warning -n 0 DBSIZE
	assert_equal "$output" 0
	run -4 "$DRIVE" "redis://:wrong-secret@127.0.0.1:$port/3" "$P" count
	assert_output_contains "redis at 127.0.0.1:$port: AUTH refused"
	[[ $output != *wrong-secret* ]]
	# A user allowed only what the scripts use, on the prefix's keys
	# (doc/revocation.md gives this ACL).
	run -0 redis-cli -p "$port" -a 'pw@1:x' --no-auth-warning ACL SETUSER \
		jwt-mint on '>mint-pw' resetkeys "~${P}*" resetchannels -@all \
		+evalsha +eval +select +ping +sadd +srem +sismember +smembers \
		+get +set +incr +getrange +setrange +zcard +zremrangebyscore \
		+zscore +zrangebyscore +zcount +zadd +del +hset +hget +hmget \
		+pexpire +pttl
	DRIVE_JTI=acl run -0 "$DRIVE" "redis://jwt-mint:mint-pw@127.0.0.1:$port/3" \
		"$P" issue 5
	run -0 "$DRIVE" "redis://jwt-mint:mint-pw@127.0.0.1:$port/3" "$P" \
		revoke drive-acl-3
	assert_equal "$output" 1
	# Redis holds ids hashed, never in clear.
	run -0 redis-cli -p "$port" -a 'pw@1:x' --no-auth-warning -n 3 --scan
	[[ $output == *"${P}j:"* ]]
	[[ $output != *acl* ]]
	[[ $output != *drive* ]]
	run -0 "$DRIVE" "redis://jwt-mint:mint-pw@127.0.0.1:$port/3" "$P" count
	assert_equal "$output" "live 10 range 1024"
	# Outside its prefix it may do nothing.
	run -3 "$DRIVE" "redis://jwt-mint:mint-pw@127.0.0.1:$port/3" other: count
	assert_output_contains "err 503 redis at 127.0.0.1:$port: ERR The user executing the script can't access"
	# No password at all: the server says so, and so do we.
	run -4 "$DRIVE" "redis://127.0.0.1:$port/3" "$P" count
	assert_output_contains "redis at 127.0.0.1:$port: SELECT 3 refused: NOAUTH"
	stop_redis "$DIR/redis-auth"
	REDIS_PORT=$p
}

@test "a unix socket URL with ?db=N" {
	local port
	free_port port
	REDIS_PORT=$port start_redis "$DIR/redis-unix" \
		--unixsocket "$DIR/redis-unix/r.sock" --unixsocketperm 700
	run -0 "$DRIVE" "unix:$DIR/redis-unix/r.sock?db=2" "$P" issue 3
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	run -0 "$DRIVE" "unix:$DIR/redis-unix/r.sock?db=2" "$P" count
	assert_equal "$output" "live 3 range 1024"
	stop_redis "$DIR/redis-unix"
}

@test "a list with other status_bits under the prefix is refused" {
	run -0 "$DRIVE" "$REDIS_URL" "$P" issue 1
	run -0 redis-cli -p "$REDIS_PORT" HSET "${P}meta" bits 1
	run -4 "$DRIVE" "$REDIS_URL" "$P" count
	assert_output_contains "the list under prefix \"$P\" has status_bits = 1, configured: 2"
}

@test "two processes issuing at once never get the same index" {
	"$DRIVE" "$REDIS_URL" "$P" issue 2000 >"$DIR/a.idx" 2>"$DIR/a.err" &
	local a=$!
	"$DRIVE" "$REDIS_URL" "$P" issue 2000 >"$DIR/b.idx" 2>"$DIR/b.err" &
	local b=$!
	wait "$a"
	wait "$b"
	assert_equal "$(cat "$DIR/a.idx" "$DIR/b.idx" | wc -l)" 4000
	assert_equal "$(cat "$DIR/a.idx" "$DIR/b.idx" | sort -n | uniq -d | wc -l)" 0
	run -0 "$DRIVE" "$REDIS_URL" "$P" count
	# 4000 live: the range doubled from 1024 to 8192.
	assert_equal "$output" "live 4000 range 8192"
}

@test "redis killed: 503 naming it; started again: the same process issues again" {
	local port pid i
	free_port port
	REDIS_PORT=$port start_redis "$DIR/redis-kill"
	"$DRIVE" "redis://127.0.0.1:$port" "$P" loop 60 >"$DIR/loop.out" 2>&1 &
	pid=$!
	for i in $(seq 1 200); do
		grep -q '^ok ' "$DIR/loop.out" && break
		sleep 0.1
	done
	run -0 grep -c '^ok ' "$DIR/loop.out"
	kill_redis "$DIR/redis-kill"
	for i in $(seq 1 300); do
		grep -q '^err ' "$DIR/loop.out" && break
		sleep 0.1
	done
	run -0 grep -m1 '^err ' "$DIR/loop.out"
	assert_output_contains "err 503 redis at 127.0.0.1:$port:"
	REDIS_PORT=$port start_redis "$DIR/redis-kill"
	for i in $(seq 1 300); do
		sed -n '/^err /,$p' "$DIR/loop.out" | grep -q '^ok ' && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid" || true
	stop_redis "$DIR/redis-kill"
	# ok, then only 503s while it was down, then ok again.
	run -0 sed -n '/^err /,$p' "$DIR/loop.out"
	[[ $output == *$'\nok '* ]]
	run -1 grep -v -e "^ok " -e "^err 503 redis at 127.0.0.1:$port: " "$DIR/loop.out"
	assert_equal "$output" ""
}

@test "a connection the server closed while idle is made again within the call" {
	local port
	free_port port
	# --timeout 1: Redis closes a client idle for a second.
	REDIS_PORT=$port start_redis "$DIR/redis-idle" --timeout 1
	run -0 "$DRIVE" "redis://127.0.0.1:$port" "$P" idle 3
	assert_equal "${#lines[@]}" 2
	stop_redis "$DIR/redis-idle"
}
