# jwkshost.bash - a TLS lighttpd that hosts key sets for the remote-key
# tests, and a standalone jwt-authz.fcgi asked directly over FastCGI.
# Needs common.bash and pki.bash loaded.
#
#   jwkshost_start DIR    PKI in DIR/pki (if not there), DIR/www, lighttpd
#                         on HOST_PORT; HOST=https://127.0.0.1:HOST_PORT
#   jwkshost_stop DIR
#   jwkshost_gets DIR PATH   GETs of PATH in its access log so far
#   authz_start DIR NAME CONF [OPTS...]   jwt-authz.fcgi on DIR/NAME.sock
#   authz_ask SOCK TOKEN  one request; sets ASK_STATUS, ASK_OUT, ASK_MS

jwkshost_start() {
	local dir=$1
	[ -f "$dir/pki/ca.pem" ] || { pki_init "$dir/pki" && pki_server "$dir/pki"; } ||
		return 1
	mkdir -p "$dir/www" || return 1
	printf '#!/bin/sh\nsleep 5\nprintf "Content-Type: application/json\\r\\n\\r\\n{\\"keys\\":[]}"\n' \
		>"$dir/www/slow.cgi" &&
	printf '#!/bin/sh\nprintf "Status: 500\\r\\nContent-Type: text/plain\\r\\n\\r\\noops\\n"\n' \
		>"$dir/www/fail.cgi" &&
	printf 'not json at all {' >"$dir/www/garbage.json" &&
	head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$dir/www/big.json" ||
		return 1
	free_port HOST_PORT || return 1
	export HOST_PORT HOST=https://127.0.0.1:$HOST_PORT
	DIR=$dir render_template "$JF_SRCDIR/tests/helpers/conf/jwkshost-lighttpd.conf.in" \
		"$dir/host.conf" || return 1
	start_daemon "$dir" host lighttpd -D -f "$dir/host.conf" &&
	wait_for_port "$HOST_PORT" 10 "$dir/host.pid"
}

jwkshost_stop() {
	stop_daemon "$1/host.pid"
}

# jwkshost_restart DIR: the same host again, on the same port.
jwkshost_restart() {
	start_daemon "$1" host lighttpd -D -f "$1/host.conf" &&
	wait_for_port "$HOST_PORT" 10 "$1/host.pid"
}

jwkshost_gets() {
	# The log is a pipe to cat: written at once, read a moment later.
	sleep 0.2
	grep -c "^GET $2 " "$1/host-access.log" 2>/dev/null || true
}

authz_start() {
	local dir=$1 name=$2 conf=$3
	shift 3
	rm -f "$dir/$name.sock"
	start_daemon "$dir" "$name" "$(jf_bin jwt-authz.fcgi)" -c "$conf" \
		--listen "$dir/$name.sock" "$@" &&
	wait_for_file "$dir/$name.sock"
}

# authz_ask SOCK TOKEN: the authorizer's answer to one request carrying
# TOKEN; ASK_STATUS is its status, ASK_OUT the whole answer (headers and
# body), ASK_MS how long it took; an empty TOKEN sends no credential.
# ASK_ENV (an array) adds parameters,
# as in ASK_ENV=(JWT_SELF_ISSUED=exchange).
authz_ask() {
	local t0 t1
	t0=$(date +%s%N)
	ASK_OUT=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/x ${ASK_ENV[@]+"${ASK_ENV[@]}"} \
		HTTP_AUTHORIZATION="${2:+Bearer $2}" "$(command -v cgi-fcgi)" -bind \
		-connect "$1" 2>&1) || true
	t1=$(date +%s%N)
	ASK_MS=$(((t1 - t0) / 1000000))
	ASK_STATUS=$(printf '%s\n' "$ASK_OUT" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
}

# assert_ask STATUS [TEXT]: the last authz_ask answered STATUS (and its
# answer holds TEXT).
assert_ask() {
	if [ "$ASK_STATUS" != "$1" ] || { [ -n "${2:-}" ] && [[ $ASK_OUT != *"$2"* ]]; }; then
		printf 'expected status %s%s\ngot (%s ms):\n%s\n' "$1" \
			"${2:+ with \"$2\"}" "$ASK_MS" "$ASK_OUT" >&2
		return 1
	fi
}
