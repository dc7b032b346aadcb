#!/usr/bin/env bats
# status_authz.bats - revocation at the authorizer by Token Status List
# (issue 12, draft-ietf-oauth-status-list-21): lists published over TLS
# by a test host (tests/helpers/jwkshost.bash), made and signed by an
# implementation that is not ours (tests/node/statuslist.mjs: node's
# zlib and jose); tokens with a status claim signed by the jwt-fcgi CLI.
# Behind real lighttpd and Apache: a valid entry passes, a published
# revocation refuses the (cached) token within a poll interval, a
# suspension is lifted, an index past the end is refused. Asked directly
# over FastCGI: tampered and wrongly signed lists are refused and the last
# good one kept; a list host down is tolerated up to status_max_stale,
# then required refuses and optional lets through; status = off; tokens
# without a status under required; lists nobody named, fetched on first
# use; and both implementations read each other's lists.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd
load helpers/apache
load helpers/jwkshost
load helpers/mint

# What a published change may take to refuse a token: status_refresh (1 s
# here) + fetch_timeout (2 s) + the test's own polling, with room for a
# loaded machine.
BOUND=12

setup_file() {
	need_cmd lighttpd && need_certtool && need_cmd jq && need_cmd curl &&
		need_cmd cgi-fcgi "apt-get install libfcgi-bin" &&
		need_cmd node "apt-get install nodejs npm" || return 0
	local why cli
	why=$(mint_npm_setup) || { jf_missing "$why"; return 0; }
	export SD=$BATS_FILE_TMPDIR
	cli=$(jf_bin jwt-fcgi) || return 1
	"$cli" keygen --alg ES256 "$SD/mint.key" >"$SD/mint.kid" &&
	"$cli" keygen --alg ES256 "$SD/other.key" >"$SD/other.kid" &&
	"$cli" jwks "$SD/mint.key" >"$SD/mint.jwks" || return 1
	mkdir -p "$SD/kh" && jwkshost_start "$SD/kh" || return 1
	mkdir -p "$SD/kh/www/sl" || return 1
	export HOST HOST_PORT
}

setup() {
	skip_if_file_skipped
}

teardown() {
	local p
	if [ -n "${L_DIR:-}" ]; then
		lighttpd_stop "$L_DIR"
	fi
	if [ -n "${A_DIR:-}" ]; then
		apache_stop "$A_DIR"
	fi
	for p in "$SD"/t-*.pid; do
		if [ -f "$p" ]; then
			stop_daemon "$p"
		fi
	done
	return 0
}

teardown_file() {
	jwkshost_stop "$SD/kh"
}

sl() {
	node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/statuslist.mjs" "$@"
}

# publish NAME BITS N [IDX=VAL ...] [--key other]: the Status List Token
# of $HOST/sl/NAME, replaced atomically on the host.
publish() {
	local name=$1 key=$SD/mint.key kid
	shift
	kid=$(cat "$SD/mint.kid")
	if [ "${@: -2:1}" = --key ]; then
		key=$SD/${@: -1}.key
		kid=$(cat "$SD/${@: -1}.kid")
		set -- "${@:1:$(($# - 2))}"
	fi
	sl sign "$key" "$JF_ISS" "$HOST/sl/$name" "$@" --kid "$kid" \
		>"$SD/kh/www/sl/.$name.tmp" &&
	mv "$SD/kh/www/sl/.$name.tmp" "$SD/kh/www/sl/$name"
}

# stoken IDX NAME [ISS]: a token of ISS (our issuer) for our API whose
# status is entry IDX of list NAME, signed by the jwt-fcgi CLI.
stoken() {
	printf '{"status":{"status_list":{"idx":%s,"uri":"%s"}}}' "$1" \
		"$HOST/sl/$2" | "$(jf_bin jwt-fcgi)" sign -k "$SD/mint.key" \
		--iss "${3:-$JF_ISS}" --aud "$JF_AUD" --sub svc-a --scope read \
		--claims -
}

# conf FILE STATUS [GLOBAL LINES...]: an authz.conf trusting our issuer
# (status = STATUS, lists under $HOST/sl/) and https://off.test
# (status = off), polling lists every second.
conf() {
	local f=$1 status=$2
	shift 2
	{
		printf '%s\n' "realm = $JF_REALM" "leeway = 60" \
			"fetch_allow = loopback" "fetch_ca_file = $SD/kh/pki/ca.pem" \
			"fetch_timeout = 2" "jwks_cold_wait = 3" "jwks_cooldown = 1" \
			"status_refresh = 1" "status_refresh_min = 1" "$@"
		printf '%s\n' "[issuer $JF_ISS]" "jwks_file = $SD/mint.jwks" \
			"algorithms = ES256" "audience = $JF_AUD" "status = $status" \
			"status_list_uris = $HOST/sl/ $HOST/sl/p" \
			"[issuer https://off.test]" "jwks_file = $SD/mint.jwks" \
			"algorithms = ES256" "audience = $JF_AUD" "status = off"
	} >"$f"
}

# until_http WANT TOKEN: asks the proxy at $API until it answers WANT,
# for at most BOUND s; WAITED is how long it took.
until_http() {
	local t0=$SECONDS
	while :; do
		http -H "Authorization: Bearer $2" "$API" || return 1
		if [ "$HTTP_CODE" = "$1" ]; then
			WAITED=$((SECONDS - t0))
			return 0
		fi
		if [ $((SECONDS - t0)) -ge "$BOUND" ]; then
			break
		fi
		sleep 0.3
	done
	echo "expected $1 within $BOUND s, still $HTTP_CODE" >&2
	jf_show_response
	return 1
}

# until_ask SOCK WANT TOKEN: the same asked directly over FastCGI.
until_ask() {
	local t0=$SECONDS
	while :; do
		authz_ask "$1" "$3"
		if [ "$ASK_STATUS" = "$2" ]; then
			WAITED=$((SECONDS - t0))
			return 0
		fi
		if [ $((SECONDS - t0)) -ge "$BOUND" ]; then
			break
		fi
		sleep 0.3
	done
	assert_ask "$2"
}

# gets_after NAME N: waits until the host served list NAME more than N
# times (the authorizer fetched it again).
gets_after() {
	local i
	for i in $(seq 1 $((BOUND * 5))); do
		if [ "$(jwkshost_gets "$SD/kh" "/sl/$1")" -gt "$2" ]; then
			return 0
		fi
	done
	echo "list $1 not fetched again after $2 gets" >&2
	return 1
}

# The same story behind either proxy: API is its URL.
proxy_story() {
	local t0 t5 far
	t0=$(stoken 0 p) && t5=$(stoken 5 p) && far=$(stoken 99 p) || return 1
	until_http 200 "$t0"
	assert_json .JWT_SUB svc-a
	http -H "Authorization: Bearer $t5" "$API"
	assert_status 200
	http -H "Authorization: Bearer $far" "$API"
	assert_status 401
	assert_bearer_challenge invalid_token
	assert_header_contains WWW-Authenticate 'status index out of range'
	# Revoke 5, suspend 0: the tokens this worker cached are refused too.
	publish p 2 16 5=1 0=2
	until_http 401 "$t5"
	assert_header_contains WWW-Authenticate 'token revoked'
	echo "# revoked within $WAITED s" >&3
	http -H "Authorization: Bearer $t0" "$API"
	assert_status 401
	assert_header_contains WWW-Authenticate 'token suspended'
	# The suspension lifted: valid again.
	publish p 2 16 5=1
	until_http 200 "$t0"
	http -H "Authorization: Bearer $t5" "$API"
	assert_status 401
}

@test "lighttpd: valid entry 200, revoked and suspended within one poll, suspension lifted, index out of range" {
	need_lighttpd
	L_DIR=$BATS_TEST_TMPDIR/l
	mkdir -p "$L_DIR"
	publish p 2 16
	conf "$L_DIR/authz.conf" required
	lighttpd_start "$L_DIR" "$(jf_bin jwt-authz.fcgi)"
	API=http://127.0.0.1:$PORT/api/echo
	proxy_story
}

@test "Apache: the same through mod_authnz_fcgi" {
	need_apache
	A_DIR=$(apache_dir)
	publish p 2 16
	conf "$A_DIR/authz.conf" required
	apache_start "$A_DIR" "$(jf_bin jwt-authz.fcgi)"
	API=http://127.0.0.1:$PORT/api/echo
	proxy_story
}

@test "a tampered list and one signed by another key are refused; the last good list is kept" {
	local tok n good bad
	publish t 1 16
	conf "$SD/t-tamper.conf" required "status_max_stale = 60"
	authz_start "$SD" t-tamper "$SD/t-tamper.conf" --workers 1
	tok=$(stoken 3 t)
	until_ask "$SD/t-tamper.sock" 200 "$tok"
	# The payload of a list revoking 3 under the signature of the good one.
	# (made outside the host's files: served even for a moment, the
	# genuine revoking list would be fetched and rightly used).
	good=$(cat "$SD/kh/www/sl/t")
	bad=$(sl sign "$SD/mint.key" "$JF_ISS" "$HOST/sl/t" 1 16 3=1 \
		--kid "$(cat "$SD/mint.kid")")
	n=$(jwkshost_gets "$SD/kh" /sl/t)
	printf '%s\n' "${bad%.*}.${good##*.}" >"$SD/kh/www/sl/.t.tmp"
	mv "$SD/kh/www/sl/.t.tmp" "$SD/kh/www/sl/t"
	gets_after t "$((n + 1))"
	authz_ask "$SD/t-tamper.sock" "$tok"
	assert_ask 200
	wait_for_log "$SD/t-tamper.log" "not a Status List Token of this issuer"
	# Signed by a key the issuer does not have.
	publish t 1 16 3=1 --key other
	n=$(jwkshost_gets "$SD/kh" /sl/t)
	gets_after t "$((n + 1))"
	authz_ask "$SD/t-tamper.sock" "$tok"
	assert_ask 200
	wait_for_log "$SD/t-tamper.log" "no key with kid \"$(cat "$SD/other.kid")\""
	# And a good one still gets through.
	publish t 1 16 3=1
	until_ask "$SD/t-tamper.sock" 401 "$tok"
	assert_ask 401 'token revoked'
}

@test "list host down: kept up to status_max_stale, then required refuses and optional lets through" {
	local t0 t1
	publish d 1 16 1=1
	conf "$SD/t-req.conf" required "status_max_stale = 8"
	conf "$SD/t-opt.conf" optional "status_max_stale = 8"
	authz_start "$SD" t-req "$SD/t-req.conf" --workers 1
	authz_start "$SD" t-opt "$SD/t-opt.conf" --workers 1
	t0=$(stoken 0 d)
	t1=$(stoken 1 d)
	until_ask "$SD/t-req.sock" 200 "$t0"
	until_ask "$SD/t-opt.sock" 200 "$t0"
	authz_ask "$SD/t-opt.sock" "$t1"
	assert_ask 401 'token revoked'
	jwkshost_stop "$SD/kh"
	# Within the bound the last good list still answers.
	authz_ask "$SD/t-req.sock" "$t0"
	assert_ask 200
	authz_ask "$SD/t-req.sock" "$t1"
	assert_ask 401 'token revoked'
	sleep 10
	authz_ask "$SD/t-req.sock" "$t0"
	# Not the token's fault: 503, retry later; the reason is logged.
	assert_ask 503 'retry later'
	wait_for_log "$SD/t-req.log" 'is stale: last fetched'
	authz_ask "$SD/t-opt.sock" "$t0"
	assert_ask 200
	# optional: what cannot be checked is let through, revoked or not.
	authz_ask "$SD/t-opt.sock" "$t1"
	assert_ask 200
	jwkshost_restart "$SD/kh"
	until_ask "$SD/t-req.sock" 200 "$t0"
	authz_ask "$SD/t-req.sock" "$t1"
	assert_ask 401 'token revoked'
}

@test "status = off ignores the claim; required refuses a token without one, and a list from elsewhere; an unnamed list is fetched on first use" {
	local tok
	publish o 1 16 0=1
	conf "$SD/t-misc.conf" required
	authz_start "$SD" t-misc "$SD/t-misc.conf" --workers 1
	# off: a revoked entry of an issuer whose lists are not looked at.
	authz_ask "$SD/t-misc.sock" "$(stoken 0 o https://off.test)"
	assert_ask 200
	authz_ask "$SD/t-misc.sock" "$(jf_sign "$SD/mint.key" svc-a read)"
	assert_ask 401 'token has no status list entry'
	tok=$(printf '{"status":{"status_list":{"idx":0,"uri":"%s"}}}' \
		"$HOST/elsewhere/1" | "$(jf_bin jwt-fcgi)" sign -k "$SD/mint.key" \
		--iss "$JF_ISS" --aud "$JF_AUD" --sub svc-a --claims -)
	authz_ask "$SD/t-misc.sock" "$tok"
	assert_ask 401 'not where this issuer'
	tok=$(printf '{"status":{"status_list":{"idx":"0","uri":"%s"}}}' \
		"$HOST/sl/o" | "$(jf_bin jwt-fcgi)" sign -k "$SD/mint.key" \
		--iss "$JF_ISS" --aud "$JF_AUD" --sub svc-a --claims -)
	authz_ask "$SD/t-misc.sock" "$tok"
	assert_ask 401 'idx: expected an integer'
	# sl/o is named by no configuration: the first request claims it and
	# waits (at most jwks_cold_wait) for its first fetch.
	authz_ask "$SD/t-misc.sock" "$(stoken 1 o)"
	assert_ask 200
	authz_ask "$SD/t-misc.sock" "$(stoken 0 o)"
	assert_ask 401 'token revoked'
	[ "$(jwkshost_gets "$SD/kh" /sl/o)" -ge 1 ]
}

@test "interop: node reads lists jwt-fcgi encodes, jwt-fcgi reads lists node encodes, both give the draft's examples" {
	local tool want
	tool=$(jf_bin tests/helpers/slist-tool)
	run -0 "$tool" encode 1 16 0=1 3=1 4=1 5=1 7=1 8=1 9=1 13=1 15=1
	assert_equal "$output" '{"bits":1,"lst":"eNrbuRgAAhcBXQ"}'
	run -0 sl encode 1 16 0=1 3=1 4=1 5=1 7=1 8=1 9=1 13=1 15=1
	assert_equal "$output" '{"bits":1,"lst":"eNrbuRgAAhcBXQ"}'
	run -0 sl decode '{"bits":2,"lst":"eNo76fITAAPfAgc"}'
	assert_equal "$output" '1 2 0 3 0 1 0 1 1 2 3 3'
	run -0 "$tool" decode '{"bits":2,"lst":"eNo76fITAAPfAgc"}'
	assert_equal "$output" '1 2 0 3 0 1 0 1 1 2 3 3'
	# A larger list with scattered entries, each way.
	want=$(sl decode "$(sl encode 2 4096 7=1 100=2 4095=3 2048=1)")
	run -0 "$tool" decode "$(sl encode 2 4096 7=1 100=2 4095=3 2048=1)"
	assert_equal "$output" "$want"
	run -0 sl decode "$("$tool" encode 2 4096 7=1 100=2 4095=3 2048=1)"
	assert_equal "$output" "$want"
	run -0 "$tool" decode "$("$tool" encode 1 65536 65535=1 0=1)"
	[ "$(printf '%s' "$output" | tr ' ' '\n' | grep -c 1)" -eq 2 ]
	run -0 sl decode "$("$tool" encode 1 65536 65535=1 0=1)"
	[ "$(printf '%s' "$output" | tr ' ' '\n' | grep -c 1)" -eq 2 ]
	[ "${output:0:2}" = '1 ' ]
	[ "${output: -2}" = ' 1' ]
}
