#!/usr/bin/env bats
# remote_keys.bats - proxies that learn the mint's keys from its URL
# (issue 10): jwks_uri and RFC 8414 metadata over TLS from the real mint
# behind lighttpd, to authorizers under lighttpd and Apache; then every
# way a key host can fail, against a TLS lighttpd that misbehaves on
# demand (tests/helpers/jwkshost.bash), with the authorizer asked
# directly over FastCGI; and how often the host is asked.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/apache
load helpers/jwkshost

setup_file() {
	need_cmd lighttpd && need_certtool && need_cmd jq && need_cmd curl &&
		need_cmd cgi-fcgi "apt-get install libfcgi-bin" || return 0
	export DIR=$BATS_FILE_TMPDIR
	MINT_AUTHZ_REMOTE=jwks_uri mint_lighttpd_start "$DIR" || {
		mint_lighttpd_stop "$DIR"
		return 1
	}
	export LOG=$DIR/lighttpd.log
	# The key host for the fault tests, with the same test CA.
	mkdir -p "$DIR/kh" && cp -r "$DIR/pki" "$DIR/kh/pki" &&
	jwkshost_start "$DIR/kh" || return 1
	export HOST HOST_PORT
	cp "$DIR/mint.jwks" "$DIR/kh/www/good.json"
}

setup() {
	skip_if_file_skipped
}

teardown() {
	local p
	for p in "$DIR"/t-*.pid; do
		if [ -f "$p" ]; then
			stop_daemon "$p"
		fi
	done
	return 0
}

teardown_file() {
	jwkshost_stop "$DIR/kh"
	mint_lighttpd_stop "$DIR"
	if [ -n "${APACHE_DIR:-}" ]; then
		apache_stop "$APACHE_DIR"
	fi
}

# conf NAME ISSUER-LINES...: an authz.conf for the key host's tests.
# status = off: the keys come from a host that is not the mint, whose
# tokens' status list the authorizer may then not fetch (status_authz.bats and
# revoke.bats test status lists).
conf() {
	local f=$DIR/$1.conf
	shift
	{
		printf '%s\n' "realm = api" "fetch_allow = loopback" \
			"fetch_ca_file = $DIR/pki/ca.pem" "fetch_timeout = 2" \
			"jwks_refresh = 2" "jwks_refresh_min = 1" "jwks_cooldown = 3" \
			"jwks_max_stale = 60"
		printf '%s\n' "$@"
		printf '%s\n' "[issuer $ISSUER]" "algorithms = ES256" \
			"audience = $MINT_AUD" "status = off"
	} >"$f"
}

# token: a token from the mint for billing (client certificate).
token() {
	mint_post billing -d grant_type=client_credentials >/dev/null
	jq -r .access_token "$JF_BODY"
}

@test "jwks_uri: the mint's tokens open the API behind lighttpd, keys learned from the mint's /jwks" {
	local tok
	tok=$(token)
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
	assert_status 200
	assert_json .JWT_SUB billing
	wait_for_log "$LOG" "fetch https://127.0.0.1:$TLS_PORT/mint/jwks: 200"
	# Each fetch is one audit line too.
	wait_for_log "$LOG" "audit: {\"time\":"
	wait_for_log "$LOG" "\"event\":\"remote_fetch\",\"kind\":\"jwks\",\"url\":\"https://127.0.0.1:$TLS_PORT/mint/jwks\",\"outcome\":\"ok\""
	# No copied JWKS: the authorizer's configuration names a URL.
	run ! grep -q jwks_file "$DIR/authz.conf"
}

@test "jwks_uri and metadata: the same through Apache's authorizer" {
	local tok d kind
	need_apache
	for kind in jwks_uri metadata; do
		d=$(apache_dir)
		tok=$(token)
		(
			MINT_AUTHZ_REMOTE=$kind mint_confs "$d"
			sed -i "s|fetch_ca_file = .*|fetch_ca_file = $DIR/pki/ca.pem|" \
				"$d/authz.conf"
			apache_start "$d" "$(jf_bin jwt-authz.fcgi)"
			http -H "Authorization: Bearer $tok" "http://127.0.0.1:$PORT/api/echo"
			cp "$d/authz.log" "$BATS_TEST_TMPDIR/authz-$kind.log"
			apache_stop "$d"
			assert_status 200
			assert_json .JWT_SUB billing
		)
		if [ "$kind" = metadata ]; then
			grep -q "fetch https://127.0.0.1:$TLS_PORT/.well-known/oauth-authorization-server/mint: 200" \
				"$BATS_TEST_TMPDIR/authz-$kind.log"
		fi
	done
}

@test "key host down at start: a request waits at most jwks_cold_wait, then 401 saying why" {
	local p
	free_port port
	p=$port
	conf t-down "jwks_cold_wait = 2" >/dev/null
	sed -i "s|^\[issuer .*|&\njwks_uri = https://127.0.0.1:$p/jwks|" "$DIR/t-down.conf"
	authz_start "$DIR" t-down "$DIR/t-down.conf"
	authz_ask "$DIR/t-down.sock" "$(token)"
	assert_ask 401 'are not fetched yet'
	[[ $ASK_OUT == *'Could not connect'* || $ASK_OUT == *'Connection refused'* || $ASK_OUT == *"Couldn't connect"* ]]
	[ "$ASK_MS" -lt 4500 ]
	[[ $ASK_OUT == *'error="invalid_token"'* ]]
}

# each fault: the path on the key host, and what the 401 must say.
fault() {
	local name=$1 path=$2 want=$3
	conf "t-$name" "jwks_cold_wait = 3"
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST$path|" "$DIR/t-$name.conf"
	authz_start "$DIR" "t-$name" "$DIR/t-$name.conf" || return 1
	authz_ask "$DIR/t-$name.sock" "$TOK"
	assert_ask 401 "$want" || return 1
	[ "$ASK_MS" -lt 6000 ] || { echo "took $ASK_MS ms" >&2; return 1; }
	stop_daemon "$DIR/t-$name.pid"
}

@test "faults: slow, 500, garbage, 10 MB, redirect: each a clear 401, bounded, never a hang or a 500" {
	TOK=$(token)
	fault slow /slow.cgi 'timed out'
	fault fail /fail.cgi 'HTTP 500, not 200'
	fault garbage /garbage.json 'JSON: byte 0: unexpected character'
	fault big /big.json 'body over 262144 bytes'
	fault redirect /redirect.json ': redirects are not followed'
	# And the good file from the same host works.
	conf t-good
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/good.json|" "$DIR/t-good.conf"
	authz_start "$DIR" t-good "$DIR/t-good.conf"
	authz_ask "$DIR/t-good.sock" "$TOK"
	assert_ask 200
}

@test "an http:// URL is refused at load; so is a name that resolves to loopback without fetch_allow" {
	local n0
	conf t-http
	sed -i "s|^\[issuer .*|&\njwks_uri = http://127.0.0.1:$HOST_PORT/good.json|" "$DIR/t-http.conf"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$DIR/t-http.conf"
	[[ $output == *'jwks_uri: plain http:// URL: fetches are https only'* ]]
	conf t-lo
	sed -i 's/^fetch_allow = .*/fetch_allow = none/' "$DIR/t-lo.conf"
	sed -i "s|^\[issuer .*|&\njwks_uri = https://localhost:$HOST_PORT/good.json|" "$DIR/t-lo.conf"
	n0=$(jwkshost_gets "$DIR/kh" /good.json)
	authz_start "$DIR" t-lo "$DIR/t-lo.conf"
	authz_ask "$DIR/t-lo.sock" "$(token)"
	assert_ask 401 'is loopback (RFC 6890), not allowed by fetch_allow'
	# Nothing reached the host.
	assert_equal "$(jwkshost_gets "$DIR/kh" /good.json)" "$n0"
}

@test "host down after a good fetch: the last good keys serve until jwks_max_stale, then 401 stale" {
	local tok i
	tok=$(token)
	conf t-stale
	sed -i 's/^jwks_max_stale = .*/jwks_max_stale = 4/' "$DIR/t-stale.conf"
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/good.json|" "$DIR/t-stale.conf"
	authz_start "$DIR" t-stale "$DIR/t-stale.conf"
	authz_ask "$DIR/t-stale.sock" "$tok"
	assert_ask 200
	jwkshost_stop "$DIR/kh"
	# Within the bound: still served from the last good keys.
	sleep 1
	authz_ask "$DIR/t-stale.sock" "$tok"
	assert_ask 200
	for i in $(seq 1 40); do
		authz_ask "$DIR/t-stale.sock" "$tok"
		[ "$ASK_STATUS" = 401 ] && break
		sleep 0.25
	done
	jwkshost_restart "$DIR/kh"
	assert_ask 401 'are stale: last fetched'
	[[ $ASK_OUT == *'jwks_max_stale is 4 s'* ]]
}

@test "many workers under load: one fetch per refresh, not one per worker" {
	local tok n0 n1 i t0 t1 pids=()
	tok=$(token)
	conf t-load
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/good.json|" "$DIR/t-load.conf"
	authz_start "$DIR" t-load "$DIR/t-load.conf" --workers 4
	authz_ask "$DIR/t-load.sock" "$tok"
	assert_ask 200
	n0=$(jwkshost_gets "$DIR/kh" /good.json)
	t0=$SECONDS
	# Requests from 4 clients at once for 6 s (jwks_refresh = 2).
	for i in 1 2 3 4; do
		(
			while [ $((SECONDS - t0)) -lt 6 ]; do
				authz_ask "$DIR/t-load.sock" "$tok"
				[ "$ASK_STATUS" = 200 ] || { echo "$ASK_OUT"; exit 1; }
			done
		) >"$BATS_TEST_TMPDIR/client$i.out" &
		pids+=($!)
	done
	# Only the clients: a bare wait would wait for the daemons too.
	wait "${pids[@]}"
	t1=$SECONDS
	n1=$(jwkshost_gets "$DIR/kh" /good.json)
	cat "$BATS_TEST_TMPDIR"/client*.out >&2
	[ ! -s "$BATS_TEST_TMPDIR/client1.out" ]
	echo "fetches in $((t1 - t0)) s: $((n1 - n0))" >&2
	# One per refresh (plus one at each edge), not one per worker.
	[ $((n1 - n0)) -ge 1 ]
	[ $((n1 - n0)) -le $(((t1 - t0) / 2 + 2)) ]
}

@test "a burst of unknown kids: at most one early fetch per cooldown" {
	local tok n0 n1 i k
	conf t-kid
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/good.json|" "$DIR/t-kid.conf"
	sed -i 's/^jwks_refresh = .*/jwks_refresh = 600/; s/^jwks_cooldown = .*/jwks_cooldown = 30/; s/^jwks_max_stale = .*/jwks_max_stale = 3600/' \
		"$DIR/t-kid.conf"
	authz_start "$DIR" t-kid "$DIR/t-kid.conf" --workers 4
	authz_ask "$DIR/t-kid.sock" "$(token)"
	assert_ask 200
	n0=$(jwkshost_gets "$DIR/kh" /good.json)
	"$(jf_bin jwt-fcgi)" keygen "$DIR/stranger.key" >/dev/null
	for i in $(seq 1 30); do
		k=$("$(jf_bin jwt-fcgi)" sign -k "$DIR/stranger.key" --iss "$ISSUER" \
			--aud "$MINT_AUD" --sub x)
		authz_ask "$DIR/t-kid.sock" "$k"
		assert_ask 401 'no key with kid'
	done
	n1=$(jwkshost_gets "$DIR/kh" /good.json)
	echo "early fetches: $((n1 - n0))" >&2
	[ $((n1 - n0)) -le 1 ]
}

@test "Cache-Control max-age is honoured within jwks_refresh_min and jwks_refresh" {
	local tok n0 n1
	tok=$(token)
	conf t-age
	sed -i 's/^jwks_refresh = .*/jwks_refresh = 600/; s/^jwks_max_stale = .*/jwks_max_stale = 3600/' \
		"$DIR/t-age.conf"
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/short/good.json|" "$DIR/t-age.conf"
	authz_start "$DIR" t-age "$DIR/t-age.conf"
	authz_ask "$DIR/t-age.sock" "$tok"
	assert_ask 200
	n0=$(jwkshost_gets "$DIR/kh" /short/good.json)
	sleep 5
	n1=$(jwkshost_gets "$DIR/kh" /short/good.json)
	# max-age=2 over 5 s: two looks (refresh alone would be 600 s).
	echo "looks in 5 s: $((n1 - n0))" >&2
	[ $((n1 - n0)) -ge 1 ]
	[ $((n1 - n0)) -le 4 ]
}

@test "members that are not signing keys for the issuer's algorithms are ignored and logged" {
	local tok
	tok=$(token)
	jq '.keys += [{"kty":"oct","k":"AAAA","kid":"hmac"}] |
		.keys += [(.keys[0] | .kid = "enc-one" | .use = "enc")] |
		.keys += [(.keys[0] | .kid = "rs-one" | .alg = "RS256")]' \
		"$DIR/mint.jwks" >"$DIR/kh/www/mixed.json"
	conf t-mixed
	sed -i "s|^\[issuer .*|&\njwks_uri = $HOST/mixed.json|" "$DIR/t-mixed.conf"
	authz_start "$DIR" t-mixed "$DIR/t-mixed.conf"
	authz_ask "$DIR/t-mixed.sock" "$tok"
	assert_ask 200
	wait_for_log "$DIR/t-mixed.log" 'keys[2] ignored'
	grep -q 'keys\[3\] ignored: use must be "sig"' "$DIR/t-mixed.log"
	grep -q 'keys\[4\] ignored: ' "$DIR/t-mixed.log"
}
