#!/usr/bin/env bats
# cimd.bats - services that sign their own tokens (issue 11, seed 001):
# client ID metadata documents on a real TLS host (the test CA, on
# loopback), the authorizer asked directly over FastCGI for every rule
# and fault, with the host's access log counting the fetches. The flows
# through real web servers are in cimd_servers.bats.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/jwkshost
load helpers/cimd

setup_file() {
	need_cmd lighttpd && need_certtool && need_cmd jq &&
		need_cmd cgi-fcgi "apt-get install libfcgi-bin" || return 0
	export DIR=$BATS_FILE_TMPDIR
	cimd_fixture || return 1
	# The documents, each named for what it shows.
	doc byuri ".jwks_uri = \"$HOST/cimd/byuri-keys.json\" | del(.jwks)"
	cp "$DIR/svc.jwks" "$DIR/kh/www/cimd/byuri-keys.json"
	doc mismatch ".client_id = \"$HOST/cimd/someone-else.json\""
	doc secret '.token_endpoint_auth_method = "client_secret_basic"'
	doc private ".jwks.keys[0].d = \"$(printf 'x%.0s' {1..43})\""
	doc big ".client_name = \"$(head -c 6144 /dev/zero | tr '\0' a)\""
	doc nokeys 'del(.jwks)'
	doc rotating '.'
	printf '{"client_id": ' >"$DIR/kh/www/cimd/broken.json"
}

setup() {
	skip_if_file_skipped
	ASK_ENV=()
}

teardown() {
	local p
	for p in "$DIR"/t-*.pid; do
		stop_daemon "$p"   # none there: does nothing
	done
	return 0
}

teardown_file() {
	jwkshost_stop "$DIR/kh"
}

start() {
	authz_start "$DIR" "t-$1" "$DIR/t-$1.conf" "${@:2}"
}

@test "flow 1: a self-issued token is accepted with the keys its document names; scope and claims from the config" {
	conf t-one "claim_var = tier JWT_TIER"
	start one
	authz_ask "$DIR/t-one.sock" "$(self good --scope 'admin everything')"
	assert_ask 200
	[[ $ASK_OUT == *"Variable-JWT_SUB: $HOST/cimd/good.json"* ]]
	[[ $ASK_OUT == *"Variable-JWT_CLIENT_ID: $HOST/cimd/good.json"* ]]
	# The token asked for admin; the config grants counter.read.
	[[ $ASK_OUT == *"Variable-JWT_SCOPE: counter.read"$'\r'* ]]
	[[ $ASK_OUT == *"Variable-JWT_TIER: gold"* ]]
	# And the route's scope policy reads the same.
	ASK_ENV=(JWT_REQUIRE_SCOPE=admin)
	authz_ask "$DIR/t-one.sock" "$(self good --scope admin)"
	assert_ask 403 'insufficient_scope'
	# Keys from jwks_uri instead of inline.
	authz_ask "$DIR/t-one.sock" "$(self byuri)"
	ASK_ENV=()
	authz_ask "$DIR/t-one.sock" "$(self byuri)"
	assert_ask 200
	[ "$(jwkshost_gets "$DIR/kh" /cimd/byuri-keys.json)" -ge 1 ]
}

@test "flow 1: the self-issued rules: sub = iss, aud = this API, exp - iat within max_lifetime, allowlisted" {
	local u=$HOST/cimd/good.json now
	conf t-rules
	start rules
	authz_ask "$DIR/t-rules.sock" "$(self good --sub someone)"
	assert_ask 401 "sub must equal its iss"
	authz_ask "$DIR/t-rules.sock" "$("$CLI" sign -k "$DIR/svc.key" --iss "$u" \
		--sub "$u" --aud https://other.example --ttl 60)"
	assert_ask 401 'audience'
	authz_ask "$DIR/t-rules.sock" "$(self good --ttl 600)"
	assert_ask 401 "lives 600 s (exp - iat), over the 300 s this API accepts"
	now=$(date +%s)
	authz_ask "$DIR/t-rules.sock" "$(self good --iat $((now - 10)) --exp $((now + 290)))"
	assert_ask 200
	# Off the allowlist: another path of the same host.
	authz_ask "$DIR/t-rules.sock" "$("$CLI" sign -k "$DIR/svc.key" \
		--iss "$HOST/other/good.json" --sub "$HOST/other/good.json" --aud "$API")"
	assert_ask 401 "issuer \\\"$HOST/other/good.json\\\" is not trusted"
	[ "$(jwkshost_gets "$DIR/kh" /other/good.json)" = 0 ]
	# Signed by a key the document does not name.
	authz_ask "$DIR/t-rules.sock" "$("$CLI" sign -k "$DIR/svc2.key" --iss "$u" \
		--sub "$u" --aud "$API")"
	assert_ask 401 'no key with kid'
}

@test "flow 1: each bad document is refused with its own reason, never cached" {
	conf t-bad
	start bad
	authz_ask "$DIR/t-bad.sock" "$(self mismatch)"
	assert_ask 401 'is not the URL it was fetched from'
	authz_ask "$DIR/t-bad.sock" "$(self secret)"
	assert_ask 401 'token_endpoint_auth_method \"client_secret_basic\" needs a shared secret'
	authz_ask "$DIR/t-bad.sock" "$(self private)"
	assert_ask 401 'private'
	authz_ask "$DIR/t-bad.sock" "$(self big)"
	assert_ask 401 'body over 5120 bytes'
	authz_ask "$DIR/t-bad.sock" "$(self broken)"
	assert_ask 401 'client metadata document: JSON'
	authz_ask "$DIR/t-bad.sock" "$(self nokeys)"
	assert_ask 401 'no keys (jwks or jwks_uri)'
	authz_ask "$DIR/t-bad.sock" "$(self missing)"
	assert_ask 401 'HTTP 404, not 200'
	# Every answer says who and stays a 401 invalid_token.
	[[ $ASK_OUT == *'error="invalid_token"'* ]]
	[[ $ASK_OUT == *"client $HOST/cimd/missing.json"* ]]
	# Not cached: fixed on the host, accepted at the next look.
	doc missing '.'
	sleep 3
	authz_ask "$DIR/t-bad.sock" "$(self missing)"
	assert_ask 200
}

@test "flow 1: a redirect, a 500 and a slow host: refused, each bounded and clear" {
	local u
	conf t-hosts "[cimd $HOST/redirect.json]" "audience = $API" \
		"[cimd $HOST/fail.cgi]" "audience = $API" \
		"[cimd $HOST/slow.cgi]" "audience = $API"
	start hosts
	for u in redirect.json:'redirects are not followed' \
		fail.cgi:'HTTP 500, not 200' slow.cgi:'timed out'; do
		authz_ask "$DIR/t-hosts.sock" "$("$CLI" sign -k "$DIR/svc.key" \
			--iss "$HOST/${u%%:*}" --sub "$HOST/${u%%:*}" --aud "$API")"
		assert_ask 401 "${u#*:}"
		[ "$ASK_MS" -lt 4500 ] || { echo "took $ASK_MS ms" >&2; return 1; }
	done
}

@test "flow 1: many simultaneous first requests cause one fetch" {
	local i n pids=()
	doc burst '.'
	conf t-burst
	# No refresh while the burst runs: only first fetches are counted.
	sed -i 's/^cimd_refresh = .*/cimd_refresh = 600/; s/^cimd_max_stale = .*/cimd_max_stale = 600/' \
		"$DIR/t-burst.conf"
	start burst --workers 4
	for i in $(seq 1 16); do
		(
			authz_ask "$DIR/t-burst.sock" "$(self burst)"
			echo "$ASK_STATUS" >"$BATS_TEST_TMPDIR/r$i"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 16); do
		[ "$(cat "$BATS_TEST_TMPDIR/r$i")" = 200 ] || {
			echo "request $i: $(cat "$BATS_TEST_TMPDIR/r$i")" >&2
			return 1
		}
	done
	n=$(jwkshost_gets "$DIR/kh" /cimd/burst.json)
	echo "fetches: $n" >&2
	[ "$n" = 1 ]
}

@test "flow 1: host down after a good fetch: the last good keys serve until cimd_max_stale, then 401 stale" {
	local tok i
	doc stale '.'
	conf t-stale
	sed -i 's/^cimd_max_stale = .*/cimd_max_stale = 4/' "$DIR/t-stale.conf"
	start stale
	tok=$(self stale)
	authz_ask "$DIR/t-stale.sock" "$tok"
	assert_ask 200
	jwkshost_stop "$DIR/kh"
	sleep 1
	authz_ask "$DIR/t-stale.sock" "$(self stale)"
	assert_ask 200
	for i in $(seq 1 40); do
		authz_ask "$DIR/t-stale.sock" "$(self stale)"
		[ "$ASK_STATUS" = 401 ] && break
		sleep 0.25
	done
	jwkshost_restart "$DIR/kh"
	assert_ask 401 'client metadata document is stale: last fetched'
	[[ $ASK_OUT == *'the limit is 4 s'* ]]
	# A token verified before is forgotten with its keys.
	authz_ask "$DIR/t-stale.sock" "$tok"
	[ "$ASK_STATUS" = 401 ] || [ "$ASK_STATUS" = 200 ]
}

@test "flow 1: a key added to the document: its first token asks for an early look and is accepted" {
	local u=$HOST/cimd/rotating.json
	conf t-rot
	sed -i 's/^cimd_refresh = .*/cimd_refresh = 600/; s/^cimd_max_stale = .*/cimd_max_stale = 600/' \
		"$DIR/t-rot.conf"
	start rot
	authz_ask "$DIR/t-rot.sock" "$(self rotating)"
	assert_ask 200
	# The service adds its new key: an unknown kid asks for a fresh look.
	jq -s '{keys: (.[0].keys + .[1].keys)}' "$DIR/svc.jwks" "$DIR/svc2.jwks" \
		>"$DIR/both.jwks"
	jq --slurpfile k "$DIR/both.jwks" '.jwks = $k[0]' \
		"$DIR/kh/www/cimd/rotating.json" >"$DIR/rot.tmp"
	mv "$DIR/rot.tmp" "$DIR/kh/www/cimd/rotating.json"
	# Past jwks_cooldown since the first fetch (one early look per 3 s).
	sleep 3.2
	authz_ask "$DIR/t-rot.sock" "$("$CLI" sign -k "$DIR/svc2.key" --iss "$u" \
		--sub "$u" --aud "$API" --ttl 60)"
	assert_ask 200
}

@test "flow 2: an exchange route answers the 200 with an access token that later calls use without a fetch" {
	local at n0 body
	conf t-ex "access_token_issuer = https://service-b.example.com" \
		"access_token_key = $DIR/authz-at.key" "access_token_lifetime = 120"
	sed -i 's/^cimd_refresh = .*/cimd_refresh = 600/; s/^cimd_max_stale = .*/cimd_max_stale = 600/' \
		"$DIR/t-ex.conf"
	start ex
	ASK_ENV=(JWT_SELF_ISSUED=exchange)
	authz_ask "$DIR/t-ex.sock" "$(self good)"
	assert_ask 200 'Authentication-Info: access_token="'
	[[ $ASK_OUT == *'token_type="Bearer", expires_in=120'* ]]
	at=$(printf '%s\n' "$ASK_OUT" | sed -n 's/^Authentication-Info: access_token="\([^"]*\)".*/\1/p')
	[ -n "$at" ]
	# RFC 9068: typ at+jwt, the API as aud, the client as sub and client_id.
	[ "$(printf '%s' "${at%%.*}" | base64 -d 2>/dev/null | jq -r .typ)" = at+jwt ] ||
		[ "$(printf '%s==' "${at%%.*}" | base64 -d 2>/dev/null | jq -r .typ)" = at+jwt ]
	body=$(printf '%s' "$at" | cut -d. -f2 | tr '_-' '/+')
	while [ $((${#body} % 4)) != 0 ]; do body+='='; done
	body=$(printf '%s' "$body" | base64 -d)
	[ "$(jq -r .aud <<<"$body")" = "$API" ]
	[ "$(jq -r .sub <<<"$body")" = "$HOST/cimd/good.json" ]
	[ "$(jq -r .client_id <<<"$body")" = "$HOST/cimd/good.json" ]
	[ "$(jq -r .scope <<<"$body")" = counter.read ]
	[ "$(jq -r .iss <<<"$body")" = https://service-b.example.com ]
	[ $(($(jq -r .exp <<<"$body") - $(jq -r .iat <<<"$body"))) = 120 ]
	# The access token opens the API; it is verified offline.
	n0=$(jwkshost_gets "$DIR/kh" /cimd/good.json)
	ASK_ENV=()
	authz_ask "$DIR/t-ex.sock" "$at"
	assert_ask 200 "Variable-JWT_SUB: $HOST/cimd/good.json"
	[[ $ASK_OUT != *Authentication-Info* ]]
	jwkshost_stop "$DIR/kh"
	authz_ask "$DIR/t-ex.sock" "$at"
	jwkshost_restart "$DIR/kh"
	assert_ask 200
	[ "$(jwkshost_gets "$DIR/kh" /cimd/good.json)" = "$n0" ]
	# Only self-issued tokens are exchanged; refused ones get nothing.
	ASK_ENV=(JWT_SELF_ISSUED=exchange)
	authz_ask "$DIR/t-ex.sock" "$at"
	assert_ask 200
	[[ $ASK_OUT != *Authentication-Info* ]]
	authz_ask "$DIR/t-ex.sock" "$(self good --ttl 900)"
	assert_ask 401
	[[ $ASK_OUT != *Authentication-Info* ]]
}

@test "a refuse route turns self-issued tokens away; exchange without a key is the operator's error" {
	conf t-ref
	start ref
	ASK_ENV=(JWT_SELF_ISSUED=refuse)
	authz_ask "$DIR/t-ref.sock" "$(self good)"
	assert_ask 401 'this resource does not take self-issued tokens'
	ASK_ENV=(JWT_SELF_ISSUED=exchange)
	authz_ask "$DIR/t-ref.sock" "$(self good)"
	assert_ask 500 'authorizer misconfigured'
	grep -q 'JWT_SELF_ISSUED=exchange needs access_token_issuer and access_token_key' \
		"$DIR/t-ref.log"
	ASK_ENV=(JWT_SELF_ISSUED=maybe)
	authz_ask "$DIR/t-ref.sock" "$(self good)"
	assert_ask 500
}

@test "configuration: [cimd] sections are checked at load" {
	local f=$DIR/t-cfg.conf
	printf '%s\n' "[cimd http://a.example/x/]" "audience = a" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'https only'* ]]
	printf '%s\n' "[cimd https://a.example]" "audience = a" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'a path is required'* ]]
	printf '%s\n' "[cimd https://a.example/x/]" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'audience is required'* ]]
	printf '%s\n' "[cimd https://a.example/x/]" "audience = a" "claim = sub x" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'claim: sub is set by the authorizer'* ]]
	printf '%s\n' "access_token_issuer = https://b" "[cimd https://a.example/x/]" \
		"audience = a" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'access_token_issuer needs access_token_key too'* ]]
	printf '%s\n' "access_token_issuer = https://b" "access_token_key = $DIR/svc.jwks" \
		"[cimd https://a.example/x/]" "audience = a" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	[[ $output == *'access_token_key'* ]]
	printf '%s\n' "[issuer https://a.example/x/y]" "audience = a" \
		"key_file = $DIR/svc.jwks" "[cimd https://a.example/x/]" "audience = a" >"$f"
	run -1 "$(jf_bin jwt-authz.fcgi)" -t "$f"
	printf '%s\n' "[cimd https://a.example/x/]" "audience = a" "max_lifetime = 300" >"$f"
	run -0 "$(jf_bin jwt-authz.fcgi)" -t "$f"
}

@test "RFC 9728: challenges name the resource metadata (and iss when configured); the authorizer serves it" {
	local mu=https://service-b.example.com/.well-known/oauth-protected-resource/api/get-counter?v=1
	conf t-prm "[resource $API]" "authorization_servers = https://mint.example.com/mint" \
		"scopes_supported = counter.read counter.write" "resource_name = Counter API" \
		"challenge_iss = yes"
	start prm
	# No token: the bare challenge, with where to look.
	authz_ask "$DIR/t-prm.sock" ""
	assert_ask 401 "WWW-Authenticate: Bearer realm=\"api\", resource_metadata=\"$mu\", iss=\"https://mint.example.com/mint\""
	authz_ask "$DIR/t-prm.sock" "$(self good --ttl 900)"
	assert_ask 401 "error=\"invalid_token\""
	[[ $ASK_OUT == *"resource_metadata=\"$mu\", iss=\"https://mint.example.com/mint\""* ]]
	ASK_ENV=(JWT_REQUIRE_SCOPE=counter.write)
	authz_ask "$DIR/t-prm.sock" "$(self good)"
	assert_ask 403 "error=\"insufficient_scope\""
	[[ $ASK_OUT == *"scope=\"counter.write\", resource_metadata=\"$mu\""* ]]
	# The document at its well-known URL (path insertion, query kept).
	ASK_ENV=(JWT_SERVE=resource-metadata "REQUEST_URI=/.well-known/oauth-protected-resource/api/get-counter?v=1")
	authz_ask "$DIR/t-prm.sock" ""
	assert_ask 200 'Content-Type: application/json'
	printf '%s\n' "$ASK_OUT" | sed '1,/^\r\?$/d' >"$BATS_TEST_TMPDIR/prm.json"
	[ "$(jq -r .resource "$BATS_TEST_TMPDIR/prm.json")" = "$API" ]
	[ "$(jq -r '.authorization_servers[0]' "$BATS_TEST_TMPDIR/prm.json")" = https://mint.example.com/mint ]
	[ "$(jq -c .scopes_supported "$BATS_TEST_TMPDIR/prm.json")" = '["counter.read","counter.write"]' ]
	[ "$(jq -c .bearer_methods_supported "$BATS_TEST_TMPDIR/prm.json")" = '["header"]' ]
	[ "$(jq -r 'has("tls_client_certificate_bound_access_tokens")' "$BATS_TEST_TMPDIR/prm.json")" = false ]
	ASK_ENV=(JWT_SERVE=resource-metadata REQUEST_URI=/.well-known/oauth-protected-resource/other)
	authz_ask "$DIR/t-prm.sock" ""
	assert_ask 404 'no resource metadata at this URL'
	ASK_ENV=(JWT_SERVE=resource-metadata REQUEST_METHOD=POST
		"REQUEST_URI=/.well-known/oauth-protected-resource/api/get-counter?v=1")
	authz_ask "$DIR/t-prm.sock" ""
	assert_ask 405
	# A route naming a resource the file lacks is the operator's error.
	ASK_ENV=(JWT_RESOURCE=https://nowhere.example)
	authz_ask "$DIR/t-prm.sock" "$(self good)"
	assert_ask 500
}

@test "jwt-fcgi cimd: init, publish, token, check: the operator's way to flow 1" {
	local u=$HOST/cimd/op.json kid
	conf t-op
	start op
	kid=$("$CLI" cimd init --client-id "$u" --name "service A" \
		-o "$BATS_TEST_TMPDIR/svc" 2>"$BATS_TEST_TMPDIR/err")
	[ -n "$kid" ]
	grep -q "next: publish $BATS_TEST_TMPDIR/svc/cimd.json at $u" "$BATS_TEST_TMPDIR/err"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/svc/client.pem")" = 600 ]
	cp "$BATS_TEST_TMPDIR/svc/cimd.json" "$DIR/kh/www/cimd/op.json"
	run -0 "$CLI" cimd check --ca-file "$DIR/kh/pki/ca.pem" --allow loopback "$u"
	[[ $output == *"$u: OK, 1 key"* ]]
	[[ $output == *"kid $kid ES256"* ]]
	authz_ask "$DIR/t-op.sock" "$("$CLI" cimd token -k "$BATS_TEST_TMPDIR/svc/client.pem" \
		--client-id "$u" --aud "$API")"
	assert_ask 200 "Variable-JWT_SUB: $u"
	# check says why a document is refused, as the authorizer would.
	run -1 "$CLI" cimd check --ca-file "$DIR/kh/pki/ca.pem" --allow loopback \
		"$HOST/cimd/mismatch.json"
	[[ $output == *'is not the URL it was fetched from'* ]]
	run -1 "$CLI" cimd check "$u"
	[[ $output == *'is loopback (RFC 6890), not allowed'* ]]
	run -0 "$CLI" cimd check --doc "$BATS_TEST_TMPDIR/svc/cimd.json" "$u"
	run -1 "$CLI" cimd check --doc "$BATS_TEST_TMPDIR/svc/cimd.json" "$HOST/cimd/elsewhere.json"
	# A second init keeps the key; --force rewrites the document only.
	run -1 "$CLI" cimd init --client-id "$u" -o "$BATS_TEST_TMPDIR/svc"
	[[ $output == *'cimd.json exists'* ]]
	run -0 "$CLI" cimd init --client-id "$u" -o "$BATS_TEST_TMPDIR/svc" --force
	[[ $output == *"$kid"* ]]
	run -2 "$CLI" cimd init --client-id "http://x.example/c"
	[[ $output == *'--client-id: client_id URL: '* ]]
}
