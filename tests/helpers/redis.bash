# redis.bash - a real redis-server for the tests of the shared state
# (tests/state_redis.bats, the mint's Redis tests): loopback, a free high
# port, no persistence, its own directory, stopped by PID. Needs
# common.bash loaded first.

# need_redis: true if redis-server and redis-cli are there, else
# jf_missing with how to get them.
need_redis() {
	need_cmd redis-server "apt-get install redis-server" &&
		need_cmd redis-cli "apt-get install redis-tools"
}

# start_redis DIR [ARGS...]: starts redis-server in DIR (made if needed)
# on 127.0.0.1:$REDIS_PORT (a free port picked when REDIS_PORT is empty,
# the same one again on a restart), with ARGS added to its command line
# (--requirepass, --unixsocket ...). Waits until it answers PING. Sets
# and exports REDIS_PORT and REDIS_URL; its PID is in DIR/redis.pid.
start_redis() {
	local dir=$1 i
	shift
	mkdir -p "$dir" || return 1
	[ -n "${REDIS_PORT:-}" ] || free_port REDIS_PORT || return 1
	start_daemon "$dir" redis redis-server --bind 127.0.0.1 \
		--port "$REDIS_PORT" --save '' --appendonly no --dir "$dir" \
		--daemonize no --protected-mode yes "$@"
	wait_for_port "$REDIS_PORT" 30 "$dir/redis.pid" || return 1
	# Listening is not serving yet: wait for an answer (any: with
	# --requirepass it is NOAUTH).
	for i in $(seq 1 300); do
		if redis-cli -p "$REDIS_PORT" PING 2>/dev/null |
			grep -Eq 'PONG|NOAUTH'; then
			REDIS_URL=redis://127.0.0.1:$REDIS_PORT
			export REDIS_PORT REDIS_URL
			return 0
		fi
		sleep 0.1
	done
	echo "start_redis: redis-server on $REDIS_PORT does not answer" >&2
	return 1
}

# stop_redis DIR: stops it (TERM, then KILL), by its PID only.
stop_redis() {
	stop_daemon "$1/redis.pid"
}

# kill_redis DIR: kills it at once (KILL), as a crash would, and waits
# until it is gone. Its port stays in REDIS_PORT for start_redis.
kill_redis() {
	local pid i
	[ -f "$1/redis.pid" ] || return 1
	pid=$(cat "$1/redis.pid")
	rm -f "$1/redis.pid"
	kill -KILL "$pid" 2>/dev/null || return 1
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "kill_redis: $pid still there" >&2
	return 1
}
