#!/usr/bin/env bats
# matrix.bats - one scenario matrix for jwt-authz.fcgi behind every
# supported server: lighttpd, Apache, nginx and Caddy, each started from
# its shipped conf/<server>/ files (see tests/helpers/<server>.bash) in a
# dir of its own, all sharing one fixture (keys, authz.conf, tokens).
#
# Each @test is one scenario, run against every server that is up and
# asserted per server; a failure names the server, and all failing
# servers are listed. A server that is not installed, or cannot do a
# scenario, is reported as skipped with the reason, never silently; the
# first test skips (fails with JF_REQUIRE_ALL=1, as in tools/bootstrap.sh
# test) when a server is missing, so the summary counts it.
# Where servers legitimately differ, the difference is written down once,
# in "Where the servers differ" below. Tests of one server only (config
# checks, respawn, quirks) stay in tests/authz_<server>.bats.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd
load helpers/apache
load helpers/nginx
load helpers/caddy

MATRIX_SERVERS="lighttpd apache nginx caddy"

# --- starting and stopping ------------------------------------------------

# matrix_free_port VAR: free_port, keeping only ports whose remainder by
# 4 (one class per server) is MATRIX_BAND: the servers start in parallel,
# each in a subshell with its own JF_PORTS_TAKEN, and disjoint classes keep
# them from picking the same port.
matrix_free_port() {
	local i matrix_pick
	for i in $(seq 1 100); do
		matrix_any_free_port matrix_pick || return 1
		if [ $((matrix_pick % 4)) = "$MATRIX_BAND" ]; then
			printf -v "$1" '%s' "$matrix_pick"
			return 0
		fi
	done
	echo "matrix_free_port: no free port in class $MATRIX_BAND" >&2
	return 1
}

# matrix_stop SERVER: stops SERVER if it was started.
matrix_stop() {
	local dir
	dir=$(cat "$BATS_FILE_TMPDIR/$1.dir" 2>/dev/null) || return 0
	"${1}_stop" "$dir"
	rm -f "$BATS_FILE_TMPDIR/$1.dir"
}

# matrix_start SERVER BAND AUTHZ_BIN: starts SERVER in its own dir with
# the shared fixture's authz.conf; writes what the scenarios need to
# $BATS_FILE_TMPDIR/SERVER.env. Run in a subshell.
matrix_start() {
	local s=$1 authz=$3 dir tls
	MATRIX_BAND=$2
	# common.bash's free_port, renamed, then free_port restricted.
	eval "matrix_any_free_port() $(declare -f free_port | tail -n +2)"
	free_port() { matrix_free_port "$@"; }
	if [ "$s" = apache ]; then
		# Apache's children cannot enter bats' private dirs.
		dir=$(apache_dir) || return 1
	else
		dir=$BATS_FILE_TMPDIR/$s
		rm -rf "$dir" && mkdir "$dir" || return 1
	fi
	echo "$dir" >"$BATS_FILE_TMPDIR/$s.dir"
	cp "$BATS_FILE_TMPDIR/fixture/authz.conf" "$dir/authz.conf" &&
	"${s}_start" "$dir" "$authz" || return 1
	# The certificate names both localhost and 127.0.0.1; each server
	# is asked by the name its own tests always used.
	case $s in
	nginx | caddy) tls=https://localhost:$TLS_PORT ;;
	*) tls=https://127.0.0.1:$TLS_PORT ;;
	esac
	{
		printf 'DIR=%q\nBASE=%q\nTLS_BASE=%q\n' "$dir" \
			"http://127.0.0.1:$PORT" "$tls"
		printf 'TLS_PORT=%q\nBACKEND_LOG=%q\n' "$TLS_PORT" \
			"$dir/backend.log"
	} >"$BATS_FILE_TMPDIR/$s.env"
}

setup_file() {
	need_certtool && need_cmd jq && need_cmd curl || return 0
	local s authz band=0 pids=() up= failed= why
	authz=$(jf_bin jwt-authz.fcgi) && jf_bin tests/helpers/fcgi-echo \
		>/dev/null || return 1
	mkdir -p "$BATS_FILE_TMPDIR/fixture" &&
	authz_fixture "$BATS_FILE_TMPDIR/fixture" || return 1
	: >"$BATS_FILE_TMPDIR/skipped"
	for s in $MATRIX_SERVERS; do
		if ! "need_$s"; then
			# need_* recorded its reason for the whole file; it only
			# concerns this server (the first test reports it).
			why=$(cat "$BATS_FILE_TMPDIR/skip-reason" \
				"$BATS_FILE_TMPDIR/missing-reason" 2>/dev/null |
				tail -n 1)
			rm -f "$BATS_FILE_TMPDIR/skip-reason" \
				"$BATS_FILE_TMPDIR/missing-reason"
			printf '%s: %s\n' "$s" "$why" >>"$BATS_FILE_TMPDIR/skipped"
			continue
		fi
		(matrix_start "$s" "$band" "$authz") \
			>"$BATS_FILE_TMPDIR/$s.start.log" 2>&1 &
		pids+=("$s:$!")
		band=$((band + 1))
	done
	for s in "${pids[@]}"; do
		if wait "${s#*:}"; then
			up="$up ${s%%:*}"
		else
			failed="$failed ${s%%:*}"
			echo "--- ${s%%:*} did not start:" >&2
			cat "$BATS_FILE_TMPDIR/${s%%:*}.start.log" >&2
		fi
	done
	if [ -n "$failed" ]; then
		teardown_file
		return 1
	fi
	export MATRIX_UP=$up
	export TOK_OK TOK_ADMIN TOK_EXPIRED TOK_BADSIG TOK_OTHERKEY TOK_TEAM
}

setup() {
	skip_if_file_skipped
}

# In parallel: each server takes seconds to stop.
teardown_file() {
	local s
	for s in $MATRIX_SERVERS; do
		matrix_stop "$s" &
	done
	wait
}

# --- running a scenario on every server ------------------------------------

# for_each_server FN: runs FN SERVER on every server that is up, each in
# a subshell with DIR, BASE, TLS_BASE, TLS_PORT and BACKEND_LOG set, under
# set -e. Servers that cannot run FN (matrix_cannot) and servers that are
# not installed are printed as skipped. Fails listing every server that
# failed, after each one's output; skips if no server could run FN.
for_each_server() {
	local fn=$1 s why rc ran= failed=
	while IFS= read -r why; do
		printf '# skipped on %s\n' "$why" >&3
	done <"$BATS_FILE_TMPDIR/skipped"
	for s in $MATRIX_UP; do
		if why=$(matrix_cannot "$fn" "$s"); then
			printf '# skipped on %s: %s\n' "$s" "$why" >&3
			continue
		fi
		ran="$ran $s"
		# Not in a condition: there bash would ignore set -e in the
		# subshell. bats' ERR trap is for the test, not for it.
		set +e
		(
			trap - ERR
			set -e
			. "$BATS_FILE_TMPDIR/$s.env"
			"$fn" "$s"
		) >"$BATS_TEST_TMPDIR/$s.out" 2>&1
		rc=$?
		set -e
		if [ "$rc" != 0 ]; then
			failed="$failed $s"
			printf -- '--- %s: %s failed:\n' "$s" "$fn" >&2
			cat "$BATS_TEST_TMPDIR/$s.out" >&2
		fi
	done
	if [ -n "$failed" ]; then
		printf -- '--- %s failed on:%s\n' "$fn" "$failed" >&2
		return 1
	fi
	[ -n "$ran" ] || skip "no server that is up can run $fn"
}

# --- Where the servers differ ----------------------------------------------

# matrix_cannot SCENARIO SERVER: prints why SERVER cannot run SCENARIO
# and succeeds; fails if it can.
matrix_cannot() {
	case $1:$2 in
	sc_http_backend:lighttpd | sc_http_backend:apache | \
	sc_request_body:lighttpd | sc_request_body:apache)
		echo "its test config has no HTTP-proxied backend (/api/proxied/)" ;;
	sc_authorizer_down:lighttpd)
		echo "lighttpd spawns and respawns the authorizer" \
			"(authz_lighttpd.bats tests that)" ;;
	*) return 1 ;;
	esac
}

# malformed_status SERVER: nginx's auth_request can only pass 401 or 403
# on, so jwt-authz-endpoint.conf maps the authorizer's 400 to 401.
malformed_status() {
	case $1 in nginx) echo 401 ;; *) echo 400 ;; esac
}

# refusal_cache_control SERVER: the Cache-Control a client sees on the
# authorizer's 401 or 403. nginx keeps only the WWW-Authenticate of the
# subrequest's answer (and 401 and 403 are not cacheable by default).
refusal_cache_control() {
	case $1 in nginx) echo "" ;; *) echo no-store ;; esac
}

# down_status SERVER: how a server fails closed without its authorizer.
down_status() {
	case $1 in caddy) echo 502 ;; *) echo 500 ;; esac
}

# quirk SERVER SCENARIO: checks only one server makes, on the response of
# the scenario's last request.
quirk() {
	local n
	case $1:$2 in
	apache:valid)
		assert_json .REMOTE_USER svc-a
		# Apache logs the token's sub as the user.
		grep -q '127.0.0.1 svc-a "GET /api/echo/x?y=1' \
			"$DIR/apache-access.log" ;;
	nginx:valid)
		assert_no_header_contains WWW-Authenticate Bearer
		authz_logs_uri ;;
	caddy:valid)
		assert_json .JWT_CLIENT_ID ""
		assert_json .HTTP_X_JWT_SUB svc-a
		authz_logs_uri ;;
	lighttpd:error_body)
		assert_header_contains Content-Type application/json
		assert_json .error invalid_token ;;
	apache:error_body)
		# Relayed, but as text/html.
		assert_header_contains Content-Type text/html
		assert_json .error invalid_token ;;
	nginx:error_body)
		# nginx replaces the body with its own page.
		assert_header_contains Content-Type text/html
		assert_body_contains "401 Authorization Required"
		assert_body_lacks invalid_token ;;
	caddy:error_body)
		assert_header_contains Content-Type application/json
		assert_header_contains Cache-Control no-store
		assert_json .error invalid_token ;;
	nginx:malformed)
		assert_bearer_challenge invalid_request
		# The authorizer did answer 400; jwt-authz-endpoint.conf
		# mapped it, on a policy route too, and it is no "unexpected
		# status" error.
		grep -q 'refused: 400 invalid_request' "$DIR/authz.log"
		http -H "Authorization: Bearer a b" "$BASE/api/admin/echo"
		assert_status 401
		assert_bearer_challenge invalid_request
		run ! grep -q 'auth request unexpected status' \
			"$DIR/nginx-error.log" ;;
	*:malformed)
		assert_json .error invalid_request ;;
	lighttpd:scope_ok)
		# The policy itself reaches the backend too, from mod_setenv.
		assert_json .JWT_REQUIRE_SCOPE admin ;;
	apache:forge)
		assert_json .REMOTE_USER svc-a
		# Apache leaves names with "_" out of the environment.
		assert_body_lacks evil1
		assert_body_lacks evil3
		assert_body_contains '"HTTP_JWT_SUB":"evil2"' ;;
	lighttpd:forge)
		# lighttpd maps both JWT_SUB and JWT-SUB to HTTP_JWT_SUB.
		assert_body_contains '"HTTP_JWT_SUB":"evil1"'
		assert_body_contains '"HTTP_VARIABLE_JWT_SUB":"evil3"' ;;
	nginx:forge)
		# underscores_in_headers off drops names with "_"; the others
		# become HTTP_*, which cannot collide with JWT_*.
		assert_body_lacks evil1
		assert_body_lacks evil3
		assert_body_contains '"HTTP_JWT_SUB":"evil2"'
		assert_body_contains '"HTTP_VARIABLE_JWT_SUB":"evil4"' ;;
	caddy:forge)
		# Caddy's snippet drops every client spelling of X-Jwt-* and
		# names with "_"; JWT-SUB and Variable-Jwt-Sub pass as HTTP_*.
		assert_json .HTTP_X_JWT_SUB svc-a
		assert_json .JWT_CLIENT_ID ""
		for n in 1 3 5 6 7 8 9; do assert_body_lacks "evil$n"; done ;;
	nginx:http_backend)
		# TOK_OK has no client_id: no header, and not the client's.
		assert_json .HTTP_X_JWT_CLIENT_ID null ;;
	nginx:request_body)
		assert_json .HTTP_X_JWT_SUB svc-a
		# Only the backend server keeps bodies in files.
		grep -rqF 'a=1&b=2' "$DIR/tmp/body" ;;
	caddy:request_body)
		assert_body_contains 'body=[a=1&b=2]' ;;
	nginx:authorizer_down)
		http "$BASE/api/echo"
		assert_status 500 ;;
	esac
}

# authz_logs_uri: the authorizer (started by us, logging to
# DIR/authz.log) logs the path the client asked for, not its own, and
# never the query (it may carry ?access_token=).
authz_logs_uri() {
	http "$BASE/api/echo/logged?z=2"
	assert_status 401
	grep -q 'uri /api/echo/logged)' "$DIR/authz.log"
	! grep -q 'z=2' "$DIR/authz.log"
}

# assert_one_challenge: exactly one WWW-Authenticate (nginx copies a 401's
# challenge itself, so its snippets must not add a second).
assert_one_challenge() {
	assert_equal "$(header_value WWW-Authenticate | wc -l)" 1
}

# refused_401 TOKEN ERROR [WHY]: the token gets 401 with a Bearer
# challenge carrying ERROR (none if empty) and WHY in its
# error_description (so the refusal is the one meant, not any 401), and
# the backend is not reached.
refused_401() {
	backend_mark "$BACKEND_LOG"
	http ${1:+-H "Authorization: Bearer $1"} "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge "$2"
	if [ -n "${3:-}" ]; then
		assert_header_contains WWW-Authenticate "$3"
	fi
	assert_one_challenge
	assert_backend_untouched "$BACKEND_LOG"
}

# --- the scenarios ---------------------------------------------------------

@test "all four servers are installed, so every scenario below ran on each" {
	if [ -s "$BATS_FILE_TMPDIR/skipped" ]; then
		jf_missing "not installed: $(tr '\n' ';' <"$BATS_FILE_TMPDIR/skipped")"
	fi
	assert_equal "$(wc -w <<<"$MATRIX_UP")" 4
}

sc_public() {
	http "$BASE/public.txt"
	assert_status 200
	assert_body_contains public
}
@test "a URL outside the protected prefix needs no token" {
	for_each_server sc_public
}

sc_no_token() { refused_401 "" ""; }
@test "no token: 401 with one Bearer challenge, backend not reached" {
	for_each_server sc_no_token
}

sc_valid() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo/x?y=1"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_json .JWT_ISS "$JF_ISS"
	assert_json .JWT_AUD "$JF_AUD"
	assert_json .JWT_SCOPE "read write"
	assert_json .REQUEST_URI "/api/echo/x?y=1"
	assert_no_variable_headers
	assert_backend_reached "$BACKEND_LOG"
	quirk "$1" valid
}
@test "valid token: 200 and the backend sees the token's claims" {
	for_each_server sc_valid
}

sc_static() {
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
	assert_body_contains "static file behind the authorizer"
	http "$BASE/api/static.txt"
	assert_status 401
	assert_body_lacks "static file"
}
@test "valid token: a static file under the prefix is served" {
	for_each_server sc_static
}

# The authorizer sends Cache-Control: no-store on refusals only: Apache
# copies any other header of its 200 into the client's response. So after
# a 200 the client sees the protected resource's own Cache-Control, once:
# none for a static file, the backend's (fcgi-echo sends no-store).
sc_cache_control() {
	local want
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/static.txt"
	assert_status 200
	assert_equal "$(header_value Cache-Control)" ""
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
	assert_equal "$(header_value Cache-Control)" no-store
	want=$(refusal_cache_control "$1")
	http "$BASE/api/echo"
	assert_status 401
	assert_equal "$(header_value Cache-Control)" "$want"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/admin/echo"
	assert_status 403
	assert_equal "$(header_value Cache-Control)" "$want"
}
@test "Cache-Control: after a 200 only the resource's own; on a refusal no-store (nginx: none)" {
	for_each_server sc_cache_control
}

sc_badsig() {
	refused_401 "$TOK_BADSIG" invalid_token \
		'ES256 signature does not verify with key'
}
@test "bad signature: 401 invalid_token, backend not reached" {
	for_each_server sc_badsig
}

sc_otherkey() { refused_401 "$TOK_OTHERKEY" invalid_token 'no key with kid'; }
@test "unknown signing key: 401 invalid_token, backend not reached" {
	for_each_server sc_otherkey
}

sc_expired() { refused_401 "$TOK_EXPIRED" invalid_token 'token expired'; }
@test "expired token: 401 invalid_token, backend not reached" {
	for_each_server sc_expired
}

sc_error_body() {
	http -H "Authorization: Bearer $TOK_EXPIRED" "$BASE/api/echo"
	assert_status 401
	quirk "$1" error_body
}
@test "the 401's body, as each server relays it" {
	for_each_server sc_error_body
}

sc_basic() {
	backend_mark "$BACKEND_LOG"
	http -u alice:secret "$BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
}
@test "Basic credentials: 401 challenge without an error code" {
	for_each_server sc_basic
}

sc_malformed() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer a b" "$BASE/api/echo"
	assert_status "$(malformed_status "$1")"
	assert_header_contains WWW-Authenticate 'error="invalid_request"'
	assert_one_challenge
	assert_backend_untouched "$BACKEND_LOG"
	quirk "$1" malformed
}
@test "malformed Authorization: invalid_request (400; 401 on nginx)" {
	for_each_server sc_malformed
}

sc_scope_refused() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/admin/echo"
	assert_status 403
	assert_header_contains WWW-Authenticate 'error="insufficient_scope"'
	assert_header_contains WWW-Authenticate 'scope="admin"'
	assert_one_challenge
	assert_backend_untouched "$BACKEND_LOG"
}
@test "route policy: a token without the scope gets 403 insufficient_scope" {
	for_each_server sc_scope_refused
}

sc_scope_ok() {
	http -H "Authorization: Bearer $TOK_ADMIN" "$BASE/api/admin/echo"
	assert_status 200
	assert_json .JWT_SUB svc-admin
	assert_json .JWT_SCOPE "read admin"
	quirk "$1" scope_ok
}
@test "route policy: a token with the scope gets through" {
	for_each_server sc_scope_ok
}

sc_claims() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/team/echo"
	assert_status 403
	assert_backend_untouched "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_TEAM" "$BASE/api/team/echo"
	assert_status 200
	assert_json .JWT_SUB svc-team
	assert_json .JWT_CLIENT_ID team-a
}
@test "route policy: JWT_REQUIRE_CLAIMS refuses a token without the claim" {
	for_each_server sc_claims
}

# Every spelling a client might use to pose as a claim. Caddy's FastCGI
# transport keeps headers in a map, so when two spellings become the same
# HTTP_* name the winner is random: several rounds there.
sc_forge() {
	local i rounds=1
	[ "$1" != caddy ] || rounds=6
	for i in $(seq 1 "$rounds"); do
		http -H "Authorization: Bearer $TOK_OK" -H "JWT_SUB: evil1" \
			-H "JWT-SUB: evil2" -H "Variable-JWT_SUB: evil3" \
			-H "Variable-Jwt-Sub: evil4" -H "X-Jwt-Sub: evil5" \
			-H "X_Jwt_Sub: evil6" -H "x-jwt_sub: evil7" \
			-H "X_JWT-SUB: evil8" -H "X-Jwt-Client-Id: evil9" \
			"$BASE/api/echo"
		assert_status 200
		assert_json .JWT_SUB svc-a
		# The raw body, since JSON with a repeated key shows only one.
		assert_body_lacks '"JWT_SUB":"evil'
		assert_body_lacks '"JWT_CLIENT_ID":"evil'
		quirk "$1" forge
	done
}
@test "client headers cannot forge the claims, in any spelling" {
	for_each_server sc_forge
}

sc_http_backend() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" -H "X-Jwt-Sub: evil1" \
		-H "X_Jwt_Sub: evil2" -H "X-Jwt-Client-Id: evil3" \
		"$BASE/api/proxied/x"
	assert_status 200
	assert_json .HTTP_X_JWT_SUB svc-a
	assert_json .HTTP_X_JWT_SCOPE "read write"
	assert_json .REQUEST_URI /x
	assert_body_lacks evil
	assert_backend_reached "$BACKEND_LOG"
	quirk "$1" http_backend
	backend_mark "$BACKEND_LOG"
	http -H "X-Jwt-Sub: svc-a" "$BASE/api/proxied/x"
	assert_status 401
	assert_backend_untouched "$BACKEND_LOG"
}
@test "HTTP backend: the claims arrive as X-Jwt-* headers, not forgeable" {
	for_each_server sc_http_backend
}

# A claim the token does not have: the client's header of that name must
# not stand in for it (Caddy 2.10 before GHSA-7r4p-vjf4-gxv4's fix let a
# header named in copy_headers through when the authorizer did not set
# it). Every spelling, to both backends.
sc_absent_claim() {
	local forged=(-H "X-Jwt-Scope: admin" -H "X-Jwt-Client-Id: evil"
		-H "JWT-SCOPE: admin" -H "X-JWT-SCOPE: admin"
		-H "Variable-JWT-Scope: admin")
	# A FastCGI backend reads the claims as JWT_* variables (Caddy's
	# snippet makes them from its X-Jwt-* headers).
	http -H "Authorization: Bearer $TOK_NOSCOPE" "${forged[@]}" \
		"$BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-plain
	assert_json .JWT_SCOPE ""
	assert_json .JWT_CLIENT_ID ""
	assert_body_lacks '"JWT_SCOPE":"admin"'
	# An HTTP backend reads them as X-Jwt-* headers.
	if ! matrix_cannot sc_http_backend "$1" >/dev/null; then
		http -H "Authorization: Bearer $TOK_NOSCOPE" "${forged[@]}" \
			"$BASE/api/proxied/x"
		assert_status 200
		assert_json .HTTP_X_JWT_SUB svc-plain
		assert_body_lacks '"HTTP_X_JWT_SCOPE":"admin"'
		assert_body_lacks '"HTTP_X_JWT_CLIENT_ID":"evil"'
	fi
	# The admin route needs scope admin: no client header grants it.
	http -H "Authorization: Bearer $TOK_NOSCOPE" "${forged[@]}" \
		"$BASE/api/admin/echo"
	assert_status 403
}
@test "a claim the token lacks: no client header stands in for it" {
	for_each_server sc_absent_claim
}

sc_request_body() {
	http -H "Authorization: Bearer $TOK_OK" --data-binary 'a=1&b=2' \
		"$BASE/api/proxied/body"
	assert_status 200
	quirk "$1" request_body
}
@test "the request body still reaches the HTTP backend" {
	for_each_server sc_request_body
}

sc_tls() {
	local tls=(--cacert "$DIR/pki/ca.pem"
		--resolve "localhost:$TLS_PORT:127.0.0.1")
	backend_mark "$BACKEND_LOG"
	http "${tls[@]}" "$TLS_BASE/api/echo"
	assert_status 401
	assert_bearer_challenge
	assert_backend_untouched "$BACKEND_LOG"
	http "${tls[@]}" -H "Authorization: Bearer $TOK_OK" "$TLS_BASE/api/echo"
	assert_status 200
	assert_json .JWT_SUB svc-a
}
@test "HTTPS: the same protection over TLS" {
	for_each_server sc_tls
}

# Last: it stops the authorizers that the other scenarios use, all at
# once as each takes seconds (lighttpd has no authz.pid: it spawns its
# own authorizer).
matrix_stop_authorizers() {
	local s
	for s in $MATRIX_UP; do
		(. "$BATS_FILE_TMPDIR/$s.env"; stop_daemon "$DIR/authz.pid") &
	done
	wait
}
sc_authorizer_down() {
	backend_mark "$BACKEND_LOG"
	http -H "Authorization: Bearer $TOK_OK" "$BASE/api/echo"
	assert_status "$(down_status "$1")"
	assert_body_lacks svc-a
	assert_backend_untouched "$BACKEND_LOG"
	quirk "$1" authorizer_down
}
@test "authorizer down: the server fails closed, backend not reached" {
	matrix_stop_authorizers
	for_each_server sc_authorizer_down
}
