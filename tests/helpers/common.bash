# common.bash - shared helpers for the server tests (tests/authz_*.bats):
# where the programs are, temp dirs, free loopback ports, daemons started
# and stopped by PID, templates, curl wrappers and assertions that print
# expected vs actual.
#
# JF_BUILDDIR and JF_SRCDIR come from `make check` (AM_TESTS_ENVIRONMENT).
# Run by hand: JF_BUILDDIR=/path/to/build bats tests/authz_lighttpd.bats

JF_SRCDIR=${JF_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}

# jf_bin NAME: the path of a built program, or a clear failure. An in-tree
# build needs no JF_BUILDDIR; an out-of-tree one must say where it is.
jf_bin() {
	local dir=${JF_BUILDDIR:-$JF_SRCDIR}
	if [ ! -x "$dir/$1" ]; then
		if [ -z "${JF_BUILDDIR:-}" ]; then
			echo "JF_BUILDDIR is not set and $dir/$1 was not built;" \
				"run 'make check' or export JF_BUILDDIR" >&2
		else
			echo "$dir/$1 not found: build it first (make $1)" >&2
		fi
		return 1
	fi
	printf '%s\n' "$dir/$1"
}

# jf_skip WHY: in a test, skips it. In setup_file, where bats 1.8 cannot
# skip, records WHY and returns 1; setup_file then returns 0 early and
# skip_if_file_skipped (call it from setup) skips every test with WHY.
# Either way the reason shows; a missing server never passes silently.
jf_skip() {
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		skip "$1"
	fi
	printf '%s\n' "$1" >>"$BATS_FILE_TMPDIR/skip-reason"
	return 1
}

skip_if_file_skipped() {
	if [ -f "$BATS_FILE_TMPDIR/missing-reason" ]; then
		printf 'JF_REQUIRE_ALL=1, and %s\n' \
			"$(head -n 1 "$BATS_FILE_TMPDIR/missing-reason")" >&2
		return 1
	fi
	if [ -f "$BATS_FILE_TMPDIR/skip-reason" ]; then
		skip "$(head -n 1 "$BATS_FILE_TMPDIR/skip-reason")"
	fi
}

# jf_missing WHY: something the suite needs is not installed or not
# usable (a server or its module, a tool, the node packages): jf_skip
# with WHY, unless JF_REQUIRE_ALL=1 (tools/bootstrap.sh test sets it,
# having installed everything), where it is a failure with WHY, as there
# a skip would silently drop a server's or jose's coverage. In setup_file
# it records WHY and returns 1 like jf_skip; skip_if_file_skipped then
# fails every test. Skips for what the machine cannot do (not root, no
# ptrace, an ASan build) stay jf_skip or skip.
jf_missing() {
	if [ "${JF_REQUIRE_ALL:-}" != 1 ]; then
		jf_skip "$1"
		return 1
	fi
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		printf 'JF_REQUIRE_ALL=1, and %s\n' "$1" >&2
		return 1
	fi
	printf '%s\n' "$1" >>"$BATS_FILE_TMPDIR/missing-reason"
	return 1
}

# need_cmd CMD [HOW]: true if CMD exists, else jf_missing with the reason.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		jf_missing "$1 not installed${2:+ ($2)}"
}

# jf_dir: this test's scratch dir (bats makes and removes it); in
# setup_file, the file's.
jf_dir() {
	printf '%s\n' "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
}

# port_in_use PORT: true when something accepts on 127.0.0.1:PORT or
# ss lists it as listening (on any address).
port_in_use() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		return 0
	fi
	if command -v ss >/dev/null 2>&1; then
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
	fi
	return 1
}

# free_port VAR: sets VAR to a free high loopback port (20000-31999). Random picks so
# parallel test files rarely collide; each pick is remembered (hence a
# variable, not $(...)) so one file never gets the same port twice before
# its server binds it.
JF_PORTS_TAKEN=" "
free_port() {
	local i p
	for i in $(seq 1 200); do
		# Below the kernel's ephemeral range (32768-60999 on Linux), so
		# no outgoing connection takes the port between pick and bind.
		p=$((20000 + RANDOM % 12000))
		case $JF_PORTS_TAKEN in *" $p "*) continue ;; esac
		if ! port_in_use "$p"; then
			JF_PORTS_TAKEN="$JF_PORTS_TAKEN$p "
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	echo "free_port: no free port found" >&2
	return 1
}

# wait_for_port PORT [SECONDS] [PIDFILE]: waits until 127.0.0.1:PORT
# accepts. Fails early if the daemon in PIDFILE died.
wait_for_port() {
	local port=$1 secs=${2:-10} pidfile=${3:-} i
	for i in $(seq 1 $((secs * 20))); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		if [ -n "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			echo "wait_for_port: daemon $pidfile exited before" \
				"listening on $port" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "wait_for_port: nothing listens on 127.0.0.1:$port after ${secs}s" >&2
	return 1
}

# wait_for_file PATH [SECONDS]: waits until PATH exists (a unix socket).
wait_for_file() {
	local i
	for i in $(seq 1 $((${2:-10} * 20))); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "wait_for_file: $1 did not appear" >&2
	return 1
}

# start_daemon DIR NAME CMD...: runs CMD (which must stay in the
# foreground) in the background with its output in DIR/NAME.log and its
# PID in DIR/NAME.pid. fd 3 is closed or bats would wait for the daemon.
start_daemon() {
	local dir=$1 name=$2
	shift 2
	"$@" </dev/null >"$dir/$name.log" 2>&1 3>&- &
	echo $! >"$dir/$name.pid"
}

# keep_logs DIR: copies the logs our programs and the servers wrote in
# DIR to $JF_BUILDDIR/test-logs/, so that tools/bootstrap.sh can check the
# whole suite's logs for tokens and key material after the run (bats
# removes DIR). The test backend's own request log is left out: it
# records URIs as clients sent them, attacks included.
keep_logs() {
	local dir=$1 dest f
	[ -n "${JF_BUILDDIR:-}" ] && [ -d "$dir" ] || return 0
	dest=$JF_BUILDDIR/test-logs/$(basename "${BATS_TEST_FILENAME:-adhoc}" .bats)
	mkdir -p "$dest" 2>/dev/null || return 0
	for f in "$dir"/*.log "$dir"/*/*.log; do
		[ -f "$f" ] || continue
		case ${f##*/} in backend.log | echo.log) continue ;; esac
		cp "$f" "$dest/$(printf '%s' "${f#"$dir"/}" | tr / _).$$.$RANDOM" \
			2>/dev/null || true
	done
}

# stop_daemon PIDFILE: TERM, wait up to 5 s, then KILL. Only that PID.
# The logs in its directory are kept for the suite's log check.
stop_daemon() {
	local pidfile=$1 pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	rm -f "$pidfile"
	if kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "stop_daemon: $pid ignored TERM; killing" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	keep_logs "$(dirname "$pidfile")"
	return 0
}

# render_template IN OUT: copies IN to OUT replacing every @NAME@ with the
# value of the shell variable NAME. An unset NAME is an error, so a typo
# in a template cannot leave a literal @X@ in a server config.
render_template() {
	local in=$1 out=$2 text name rest=
	text=$(<"$in") || return 1
	while [[ $text =~ @([A-Za-z_][A-Za-z0-9_]*)@ ]]; do
		name=${BASH_REMATCH[1]}
		if [ -z "${!name+set}" ]; then
			echo "render_template: $in: @$name@ is not set" >&2
			return 1
		fi
		rest+=${text%%"@$name@"*}${!name}
		text=${text#*"@$name@"}
	done
	printf '%s%s\n' "$rest" "$text" >"$out"
}

# http [CURL ARGS...] URL: one request. Sets HTTP_CODE, and leaves the
# response headers in $JF_HDRS and the body in $JF_BODY (per test).
http() {
	local dir
	dir=$(jf_dir)
	JF_HDRS=$dir/resp.headers
	JF_BODY=$dir/resp.body
	HTTP_CODE=$(curl -sS --max-time 10 -o "$JF_BODY" -D "$JF_HDRS" \
		-w '%{http_code}' "$@") || {
		echo "curl failed: $*" >&2
		return 1
	}
}

jf_show_response() {
	echo "--- response headers:" >&2
	cat "$JF_HDRS" >&2
	echo "--- response body:" >&2
	head -c 2000 "$JF_BODY" >&2
	echo >&2
}

assert_status() {
	if [ "$HTTP_CODE" != "$1" ]; then
		printf 'expected status: %s\nactual status:   %s\n' \
			"$1" "$HTTP_CODE" >&2
		jf_show_response
		return 1
	fi
}

# header_value NAME: the value(s) of a response header, CR stripped.
header_value() {
	tr -d '\r' <"$JF_HDRS" |
		awk -v n="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" '
		{ i = index($0, ":"); if (i == 0) next
		  k = tolower(substr($0, 1, i - 1))
		  if (k == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }'
}

# assert_header_contains NAME TEXT: some NAME header contains TEXT.
assert_header_contains() {
	local v
	v=$(header_value "$1")
	if [ -z "$v" ] || [[ $v != *"$2"* ]]; then
		printf 'expected header %s containing: %s\nactual %s: %s\n' \
			"$1" "$2" "$1" "${v:-<absent>}" >&2
		jf_show_response
		return 1
	fi
}

# assert_no_header_contains NAME TEXT: no NAME header contains TEXT.
assert_no_header_contains() {
	local v
	v=$(header_value "$1")
	if [[ $v == *"$2"* ]]; then
		printf 'expected header %s without: %s\nactual %s: %s\n' \
			"$1" "$2" "$1" "$v" >&2
		jf_show_response
		return 1
	fi
}

assert_body_contains() {
	if ! grep -qF -- "$1" "$JF_BODY"; then
		printf 'expected body containing: %s\nactual body: %s\n' \
			"$1" "$(head -c 2000 "$JF_BODY")" >&2
		return 1
	fi
}

assert_body_lacks() {
	if grep -qF -- "$1" "$JF_BODY"; then
		printf 'expected body without: %s\nactual body: %s\n' \
			"$1" "$(head -c 2000 "$JF_BODY")" >&2
		return 1
	fi
}

# assert_json FILTER EXPECTED: jq -r FILTER on the body equals EXPECTED.
assert_json() {
	local got
	got=$(jq -r "$1" <"$JF_BODY" 2>&1)
	if [ "$got" != "$2" ]; then
		printf 'expected %s: %s\nactual %s:   %s\n' "$1" "$2" "$1" "$got" >&2
		printf 'body: %s\n' "$(head -c 2000 "$JF_BODY")" >&2
		return 1
	fi
}

# assert_output_contains TEXT: run's $output contains TEXT (for a curl
# run: the reason it failed).
assert_output_contains() {
	if [[ $output != *"$1"* ]]; then
		printf 'expected output containing: %s\nactual output: %s\n' \
			"$1" "$output" >&2
		return 1
	fi
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
		return 1
	fi
}

# line_count FILE: lines in FILE, 0 if it does not exist.
line_count() {
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# --- jwt-authz fixtures ---------------------------------------------------

JF_ISS=https://mint.test
JF_AUD=https://api.test
JF_REALM=api

# authz_fixture DIR: keys, JWKS, DIR/authz.conf and tokens, made with the
# jwt-fcgi CLI. Exports TOK_* (each also in DIR/TOK_*.jwt):
#   TOK_OK       sub svc-a, scope "read write"
#   TOK_ADMIN    sub svc-admin, scope "read admin"
#   TOK_EXPIRED  svc-a, expired an hour ago (well past the leeway)
#   TOK_BADSIG   TOK_OK with one signature character changed
#   TOK_OTHERKEY svc-a, signed by a key the authorizer does not know
#   TOK_TEAM     sub svc-team, scope "read", client_id team-a
#   TOK_NOSCOPE  sub svc-plain, no scope, no client_id
authz_fixture() {
	local d=$1 cli now sig c
	cli=$(jf_bin jwt-fcgi) || return 1
	"$cli" keygen --alg ES256 "$d/mint.key" >"$d/mint.kid" &&
	"$cli" keygen --alg ES256 "$d/other.key" >"$d/other.kid" &&
	"$cli" jwks "$d/mint.key" >"$d/mint.jwks" || return 1
	cat >"$d/authz.conf" <<-EOF
	realm = $JF_REALM
	leeway = 60

	[issuer $JF_ISS]
	jwks_file = $d/mint.jwks
	algorithms = ES256
	audience = $JF_AUD
	EOF
	now=$(date +%s)
	TOK_OK=$(jf_sign "$d/mint.key" svc-a "read write") &&
	TOK_ADMIN=$(jf_sign "$d/mint.key" svc-admin "read admin") &&
	TOK_EXPIRED=$(jf_sign "$d/mint.key" svc-a "read write" \
		--exp $((now - 3600))) &&
	TOK_OTHERKEY=$(jf_sign "$d/other.key" svc-a "read write") &&
	TOK_TEAM=$(jf_sign "$d/mint.key" svc-team read --client-id team-a) &&
	TOK_NOSCOPE=$("$cli" sign -k "$d/mint.key" --iss "$JF_ISS" \
		--aud "$JF_AUD" --sub svc-plain) || return 1
	# Change a character in the middle of the signature (the last one
	# may only carry padding bits).
	sig=${TOK_OK##*.}
	c=${sig:10:1}
	[ "$c" = A ] && c=B || c=A
	TOK_BADSIG=${TOK_OK%.*}.${sig:0:10}$c${sig:11}
	export TOK_OK TOK_ADMIN TOK_EXPIRED TOK_BADSIG TOK_OTHERKEY TOK_TEAM \
		TOK_NOSCOPE
	for c in TOK_OK TOK_ADMIN TOK_EXPIRED TOK_BADSIG TOK_OTHERKEY TOK_TEAM \
		TOK_NOSCOPE; do
		printf '%s\n' "${!c}" >"$d/$c.jwt"
	done
}

# jf_sign KEY SUB SCOPE [ARGS...]: a token from our issuer for our API.
jf_sign() {
	local key=$1 sub=$2 scope=$3
	shift 3
	"$(jf_bin jwt-fcgi)" sign -k "$key" --iss "$JF_ISS" --aud "$JF_AUD" \
		--sub "$sub" --scope "$scope" "$@"
}


# backend_mark LOG / assert_backend_untouched LOG: the backend (fcgi-echo
# --log LOG) got no request since the mark.
backend_mark() {
	JF_BACKEND_MARK=$(line_count "$1")
}
assert_backend_untouched() {
	local n
	n=$(line_count "$1")
	if [ "$n" != "$JF_BACKEND_MARK" ]; then
		printf 'expected the backend not to be reached\n' >&2
		printf 'backend log had %s lines, now %s:\n' \
			"$JF_BACKEND_MARK" "$n" >&2
		tail -n 3 "$1" >&2
		return 1
	fi
}
assert_backend_reached() {
	local n
	n=$(line_count "$1")
	if [ "$n" -le "$JF_BACKEND_MARK" ]; then
		printf 'expected the backend to be reached; its log stayed at %s lines\n' \
			"$n" >&2
		return 1
	fi
}

# assert_bearer_challenge [ERROR]: 401's WWW-Authenticate is a Bearer
# challenge for our realm, with error="ERROR" or, without ERROR, none.
assert_bearer_challenge() {
	assert_header_contains WWW-Authenticate "Bearer realm=\"$JF_REALM\"" ||
		return 1
	if [ -n "${1:-}" ]; then
		assert_header_contains WWW-Authenticate "error=\"$1\""
	else
		assert_no_header_contains WWW-Authenticate "error="
	fi
}

# assert_no_variable_headers: the authorizer's Variable-* answers are
# for the backend only; the client must not see them.
assert_no_variable_headers() {
	if grep -qi '^Variable-' "$JF_HDRS"; then
		echo "expected no Variable-* response header, got:" >&2
		grep -i '^Variable-' "$JF_HDRS" >&2
		return 1
	fi
}

# wait_gone PID...: waits up to 5 s until none of the PIDs is alive.
wait_gone() {
	local i p alive
	for i in $(seq 1 100); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && return 0
		sleep 0.05
	done
	echo "still running after 5 s:$alive" >&2
	return 1
}
