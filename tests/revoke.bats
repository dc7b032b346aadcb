#!/usr/bin/env bats
# revoke.bats - token status at the mint (draft-ietf-oauth-status-list-21)
# and revocation (RFC 7009), against jwt-mint.fcgi behind a real lighttpd
# through the shipped conf/lighttpd/50-jwt-mint.conf (tests/helpers/
# mint.bash): every token's status claim, the Status List Token as a
# verifier that is not jwt-fcgi reads it (jose + zlib,
# tests/node/statuslist-read.mjs), POST /mint/revoke by the owning client
# and by another, `jwt-fcgi revoke` by jti, sub and client, suspension,
# blocked clients, a full list (503) and index reuse after expiry.
#
# The mint runs with status_bits = 2, status_list_ttl = 1 and
# status_list_lifetime = 8, leeway 0 and a 3 s default token lifetime
# (worker's tokens; billing's registry entry asks for longer, capped at
# 600 s), so that an index is free again 11 s after its token was issued.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/lighttpd
load helpers/apache

setup_file() {
	need_cmd lighttpd "apt-get install lighttpd lighttpd-mod-openssl" &&
		need_certtool && need_cmd jq && need_cmd curl || return 0
	local why
	why=$(mint_npm_setup) || { jf_missing "$why"; return 0; }
	export DIR=$BATS_FILE_TMPDIR
	export MINT_LIFETIME=3 MINT_LEEWAY=0
	export MINT_CONF_EXTRA='status_list_uri = https://127.0.0.1:@TLS_PORT@/mint/statuslist
status_bits = 2
status_list_ttl = 1
status_list_lifetime = 8
max_live_tokens = 420'
	if ! mint_lighttpd_start "$DIR"; then
		mint_lighttpd_stop "$DIR"
		return 1
	fi
	export LOG=$DIR/lighttpd.log
	export TLS=https://127.0.0.1:$TLS_PORT
	export MTLS=https://127.0.0.1:$MTLS_PORT
	export SL=$TLS/mint/statuslist
	export CLI
	CLI=$(jf_bin jwt-fcgi)
}

setup() {
	skip_if_file_skipped
}

teardown() {
	if [ -n "${L_DIR:-}" ]; then
		lighttpd_stop "$L_DIR"
	fi
	if [ -n "${A_DIR:-}" ]; then
		apache_stop "$A_DIR"
	fi
}

teardown_file() {
	mint_lighttpd_stop "$BATS_FILE_TMPDIR"
}

# worker_token: a fresh token of worker (client_secret_basic) in $TOK,
# its jti in $JTI and its index in $IDX.
worker_token() {
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")" \
		-d grant_type=client_credentials
	assert_status 200 || return 1
	TOK=$(jq -r .access_token "$JF_BODY")
	JTI=$(jwt_payload "$TOK" | jq -r .jti)
	IDX=$(jwt_payload "$TOK" | jq -r .status.status_list.idx)
}

# billing_token: the same for billing (certificate, 600 s).
billing_token() {
	mint_post billing -d grant_type=client_credentials
	assert_status 200 || return 1
	TOK=$(jq -r .access_token "$JF_BODY")
	JTI=$(jwt_payload "$TOK" | jq -r .jti)
	IDX=$(jwt_payload "$TOK" | jq -r .status.status_list.idx)
}

# status_of IDX...: fetches the list now and prints the status of each
# index, space-separated, as jose + zlib read them.
status_of() {
	local f out
	f=$(jf_dir)/list.jwt
	curl -sS --max-time 10 --cacert "$DIR/pki/ca.pem" \
		-H 'Accept: application/statuslist+jwt' -o "$f" "$SL" || return 1
	out=$(node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/statuslist-read.mjs" \
		"$DIR/mint.jwks" "$f" "$SL" "$@") || return 1
	printf '%s\n' "$out" | jq -r '.statuses | map(tostring) | join(" ")'
}

# revoke_plain [CURL ARGS...]: POST /mint/revoke on the TLS socket.
revoke_plain() {
	http --cacert "$DIR/pki/ca.pem" "$@" "$TLS/mint/revoke"
}

@test "every token has a status claim naming an index in the published list" {
	worker_token
	jwt_payload "$TOK" | jq -e --arg u "$SL" \
		'.status.status_list.uri == $u and (.status.status_list.idx | type) == "number"'
	wait_for_log "$LOG" "\"jti\":\"$JTI\",\"idx\":$IDX,\"outcome\":\"issued\""
	run -0 status_of "$IDX"
	assert_equal "$output" 0
}

@test "the Status List Token: statuslist+jwt, sub, ttl, bits 2, zlib, signed by the mint" {
	local f=$BATS_TEST_TMPDIR/l.jwt
	http --cacert "$DIR/pki/ca.pem" -H 'Accept: application/statuslist+jwt' "$SL"
	assert_status 200
	assert_header_contains Content-Type application/statuslist+jwt
	assert_header_contains Cache-Control max-age=1
	cp "$JF_BODY" "$f"
	jwt_header "$(cat "$f")" | jq -e '.typ == "statuslist+jwt" and (.kid | length) > 0'
	jwt_payload "$(cat "$f")" | jq -e --arg u "$SL" \
		'.sub == $u and .ttl == 1 and .exp - .iat == 8 and .status_list.bits == 2'
	run -0 node "${JF_BUILDDIR:-$JF_SRCDIR}/tests/node/statuslist-read.mjs" \
		"$DIR/mint.jwks" "$f" "$SL" 0
	# At least max_live_tokens statuses: every index the mint may give.
	[ "$(jq -r '.n' <<<"$output")" -ge 420 ]
}

@test "the list answers any Accept that takes it, 406 for one that does not, HEAD, and only GET; CORS; no time parameter (501)" {
	http --cacert "$DIR/pki/ca.pem" "$SL"
	assert_status 200
	assert_header_contains Content-Type application/statuslist+jwt
	assert_header_contains Access-Control-Allow-Origin '*'
	# §8.4: a list as of another time is not kept here.
	http --cacert "$DIR/pki/ca.pem" "$SL?time=1700000000"
	assert_status 501
	assert_body_contains 'only the current status list'
	http --cacert "$DIR/pki/ca.pem" -H 'Accept: */*' "$SL"
	assert_status 200
	http --cacert "$DIR/pki/ca.pem" -H 'Accept: application/json, application/*;q=0.1' "$SL"
	assert_status 200
	http --cacert "$DIR/pki/ca.pem" -H 'Accept: application/json' "$SL"
	assert_status 406
	assert_header_contains Vary Accept
	http --cacert "$DIR/pki/ca.pem" -H 'Accept: application/statuslist+jwt;q=0' "$SL"
	assert_status 406
	http --http1.1 --cacert "$DIR/pki/ca.pem" -I "$SL"
	assert_status 200
	assert_header_contains Content-Type application/statuslist+jwt
	assert_body_lacks eyJ
	http --cacert "$DIR/pki/ca.pem" -X POST -d x=1 "$SL"
	assert_status 405
	assert_header_contains Allow GET
}

@test "RFC 8414 metadata names the revocation endpoint and its methods" {
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/.well-known/oauth-authorization-server"
	assert_status 200
	assert_json .revocation_endpoint "$ISSUER/revoke"
	assert_json '.revocation_endpoint_auth_methods_supported | join(" ")' \
		'tls_client_auth client_secret_basic client_secret_post private_key_jwt'
}

@test "RFC 7009: the owning client revokes its token; the bit flips at once" {
	worker_token
	revoke_plain -u "worker:$(cat "$DIR/worker.secret")" --data-urlencode "token=$TOK" \
		-d token_type_hint=access_token
	assert_status 200
	assert_header_contains Cache-Control no-store
	run -0 status_of "$IDX"
	assert_equal "$output" 1
	wait_for_log "$LOG" "\"jti\":\"$JTI\",\"owner\":\"worker\",\"effect\":\"revoked\",\"changed\":1"
	# Again: nothing left to change, still 200.
	revoke_plain -u "worker:$(cat "$DIR/worker.secret")" --data-urlencode "token=$TOK"
	assert_status 200
	wait_for_log "$LOG" "\"jti\":\"$JTI\",\"owner\":\"worker\",\"effect\":\"unchanged\""
	run --separate-stderr grep -F "$TOK" "$LOG"
	[ "$status" -eq 1 ]
}

@test "RFC 7009: another client's token is refused (400 invalid_grant, §2.1) with no effect; its owner (mTLS) revokes it" {
	local tok idx jti
	billing_token
	tok=$TOK idx=$IDX jti=$JTI
	revoke_plain -u "worker:$(cat "$DIR/worker.secret")" --data-urlencode "token=$tok"
	assert_status 400
	assert_json .error invalid_grant
	assert_body_contains 'issued to another client'
	wait_for_log "$LOG" "\"jti\":\"$jti\",\"owner\":\"billing\",\"effect\":\"not_owner\",\"changed\":0"
	run -0 status_of "$idx"
	assert_equal "$output" 0
	http --cacert "$DIR/pki/ca.pem" --cert "$DIR/pki/billing.pem" \
		--key "$DIR/pki/billing.key" --data-urlencode "token=$tok" \
		-d token_type_hint=refresh_token "$MTLS/mint/revoke"
	assert_status 200
	run -0 status_of "$idx"
	assert_equal "$output" 1
}

@test "RFC 7009: unknown or malformed token 200; no token 400; bad client 401; GET 405" {
	local secret
	secret=$(cat "$DIR/worker.secret")
	revoke_plain -u "worker:$secret" -d token=not.a.token -d token_type_hint=bogus
	assert_status 200
	wait_for_log "$LOG" '"token_type_hint":"other","jti":null,"owner":null,"effect":"malformed"'
	# Signed by a key that is not the mint's.
	run -0 "$CLI" sign -k "$DIR/rogue.key" -t at+jwt -i "$ISSUER" \
		-A "$MINT_AUD" -s worker --client-id worker --jti x
	revoke_plain -u "worker:$secret" --data-urlencode "token=$output"
	assert_status 200
	wait_for_log "$LOG" '"effect":"unknown"'
	revoke_plain -u "worker:$secret" -d token_type_hint=access_token
	assert_status 400
	assert_json .error invalid_request
	revoke_plain -u "worker:${secret}x" -d token=abc
	assert_status 401
	assert_json .error invalid_client
	assert_header_contains WWW-Authenticate Basic
	http --cacert "$DIR/pki/ca.pem" "$TLS/mint/revoke"
	assert_status 405
	assert_header_contains Allow POST
}

@test "jwt-fcgi revoke --jti, --sub, --client: counts, audit, and the bits flip" {
	local a b c ia ib ic
	worker_token
	a=$JTI ia=$IDX
	billing_token
	b=$JTI ib=$IDX
	billing_token
	c=$JTI ic=$IDX
	run -0 --separate-stderr "$CLI" revoke --jti "$a" -c "$DIR/mint.conf"
	assert_equal "$output" "1 token revoked"
	[[ $stderr == 'audit: {'*'"event":"token_revoked","actor":"cli"'*'"by":"jti","value":"'"$a"'","changed":1,"outcome":"ok"'* ]]
	run -0 status_of "$ia" "$ib" "$ic"
	assert_equal "$output" "1 0 0"
	run -0 --separate-stderr "$CLI" revoke --sub billing -c "$DIR/mint.conf"
	[[ $output =~ ^[0-9]+\ tokens\ revoked$ ]]
	[ "${output%% *}" -ge 2 ]
	run -0 status_of "$ia" "$ib" "$ic"
	assert_equal "$output" "1 1 1"
	worker_token
	run -0 --separate-stderr "$CLI" revoke --client worker -c "$DIR/mint.conf"
	[ "${output%% *}" -ge 1 ]
	run -0 status_of "$IDX"
	assert_equal "$output" 1
	run -0 --separate-stderr "$CLI" revoke --jti no-such-jti -c "$DIR/mint.conf"
	assert_equal "$output" "0 tokens revoked"
	run -2 --separate-stderr "$CLI" revoke --jti a --sub b -c "$DIR/mint.conf"
	[[ $stderr == *'give one of --jti, --sub and --client'* ]]
}

@test "status_bits = 2: suspend, then resume; a revoked token stays revoked" {
	local s r is ir
	billing_token
	s=$JTI is=$IDX
	billing_token
	r=$JTI ir=$IDX
	run -0 --separate-stderr "$CLI" revoke --jti "$s" --suspend -c "$DIR/mint.conf"
	assert_equal "$output" "1 token suspended"
	run -0 --separate-stderr "$CLI" revoke --jti "$r" -c "$DIR/mint.conf"
	run -0 status_of "$is" "$ir"
	assert_equal "$output" "2 1"
	run -0 --separate-stderr "$CLI" revoke --jti "$s" --resume -c "$DIR/mint.conf"
	assert_equal "$output" "1 token resumed"
	run -0 --separate-stderr "$CLI" revoke --jti "$r" --resume -c "$DIR/mint.conf"
	assert_equal "$output" "0 tokens resumed"
	run -0 status_of "$is" "$ir"
	assert_equal "$output" "0 1"
}

@test "a blocked client is refused (400 unauthorized_client) until unblocked" {
	run -0 --separate-stderr "$CLI" client block worker -c "$DIR/mint.conf"
	assert_equal "$output" "client worker blocked"
	[[ $stderr == *'"event":"client_blocked"'*'"value":"worker"'* ]]
	mint_post_plain -u "worker:$(cat "$DIR/worker.secret")" -d grant_type=client_credentials
	assert_status 400
	assert_json .error unauthorized_client
	assert_body_contains 'blocked'
	assert_json '.access_token // "none"' none
	# Others are not.
	billing_token
	run -0 --separate-stderr "$CLI" client unblock worker -c "$DIR/mint.conf"
	assert_equal "$output" "client worker unblocked"
	worker_token
}

@test "the CLI refuses a configuration whose state the mint has not made" {
	local d=$BATS_TEST_TMPDIR
	sed "s|^state_dir = .*|state_dir = $d/nowhere|" "$DIR/mint.conf" >"$d/mint.conf"
	run -1 --separate-stderr "$CLI" revoke --client worker -c "$d/mint.conf"
	[[ $stderr == *"$d/nowhere/mint-status.state"*'No such file'* ]]
}

# many_tokens N OUT: N worker token requests on one connection (HTTP/2,
# in well under a second); OUT.raw gets the answers. tokens_parse OUT
# then writes OUT: per answer the HTTP status, then the index, iat and
# exp (or the error), tab-separated. Parsing takes seconds (two jq per
# token), so it comes after all the requests a check needs.
many_tokens() {
	local n=$1 out=$2 i urls=() secret
	secret=$(cat "$DIR/worker.secret")
	for ((i = 0; i < n; i++)); do urls+=("$TLS/mint/token"); done
	curl -sS --max-time 120 --cacert "$DIR/pki/ca.pem" -u "worker:$secret" \
		-d grant_type=client_credentials -w '\t%{http_code}\n' "${urls[@]}" \
		>"$out.raw.tmp" && mv "$out.raw.tmp" "$out.raw"
}

tokens_parse() {
	local body code tok
	while IFS=$'\t' read -r body code; do
		if [ "$code" = 200 ]; then
			tok=$(jq -r .access_token <<<"$body")
			printf '200\t%s\n' "$(jwt_payload "$tok" |
				jq -r '[.status.status_list.idx, .iat, .exp] | map(tostring) | join("\t")')"
		else
			printf '%s\t%s\n' "$code" "$(jq -r '.error + ": " + .error_description' <<<"$body")"
		fi
	done <"$1.raw" >"$1"
}

@test "under load: indexes unique among live tokens, a full list is 503, reuse after exp + lifetime shows VALID" {
	local d=$BATS_TEST_TMPDIR dup reused i
	many_tokens 300 "$d/r1"
	# max_live_tokens = 420: the list fills up; no token without an index.
	many_tokens 150 "$d/full"
	run -0 --separate-stderr "$CLI" revoke --client worker -c "$DIR/mint.conf"
	[ "${output%% *}" -ge 300 ]
	tokens_parse "$d/r1"
	tokens_parse "$d/full"
	assert_equal "$(grep -c '^200' "$d/r1")" 300
	grep -q $'^503\ttemporarily_unavailable: no status list index' "$d/full" ||
		{ cut -c1-200 "$d/full" | sort | uniq -c >&2; false; }
	dup=$(grep '^200' "$d/r1" "$d/full" -h | cut -f2 | sort | uniq -d | head -n 3)
	assert_equal "$dup" ""
	# reuse_at = exp + leeway (0) + status_list_lifetime (8).
	sleep 12
	many_tokens 300 "$d/r2"
	tokens_parse "$d/r2"
	assert_equal "$(grep -c '^200' "$d/r2")" 300
	dup=$(cut -f2 "$d/r2" | sort | uniq -d | head -n 3)
	assert_equal "$dup" ""
	# Indexes given out again: never before the old token's exp + 8, and
	# VALID in the list although their old tokens were revoked.
	join -t $'\t' <(grep '^200' "$d/r1" | cut -f2,4 | sort) \
		<(cut -f2,3 "$d/r2" | sort) >"$d/reused"
	reused=$(wc -l <"$d/reused")
	[ "$reused" -ge 1 ]
	awk -F'\t' '$3 < $2 + 8 { print "index " $1 " reused at " $3 " before " $2 " + 8"; bad = 1 }
		END { exit bad }' "$d/reused"
	run -0 status_of $(cut -f1 "$d/reused" | head -n 50)
	[[ $output =~ ^0(\ 0)*$ ]]
}

# proxy_conf FILE: an authz.conf trusting the mint (its JWKS file) with
# status = required, reading the mint's list every second. (Uses $MD:
# lighttpd_start and apache_start set DIR to their own.)
proxy_conf() {
	local DIR=$MD
	printf '%s\n' "realm = api" "leeway = 60" "fetch_allow = loopback" \
		"fetch_ca_file = $DIR/pki/ca.pem" "fetch_timeout = 2" \
		"status_refresh = 1" "status_refresh_min = 1" \
		"[issuer $ISSUER]" "jwks_file = $DIR/mint.jwks" \
		"algorithms = ES256" "audience = $MINT_AUD" "typ = at+jwt" \
		"status = required" "status_list_uris = $SL" >"$1"
}

# until_code WANT URL TOKEN: asks URL until it answers WANT, at most 15 s
# (status_list_ttl 1 + status_refresh 1, with room for a loaded machine).
until_code() {
	local t0=$SECONDS
	while :; do
		http -H "Authorization: Bearer $3" "$2" || return 1
		[ "$HTTP_CODE" = "$1" ] && return 0
		if [ $((SECONDS - t0)) -ge 15 ]; then
			echo "expected $1 from $2 within 15 s, still $HTTP_CODE" >&2
			jf_show_response
			return 1
		fi
		sleep 0.3
	done
}

@test "end to end: a lighttpd and an Apache proxy (status = required, the mint's list) refuse a revoked token within a poll" {
	need_apache
	local tok other lapi aapi
	MD=$DIR
	billing_token
	tok=$TOK
	billing_token
	other=$TOK
	L_DIR=$BATS_TEST_TMPDIR/l
	mkdir -p "$L_DIR"
	proxy_conf "$L_DIR/authz.conf"
	lighttpd_start "$L_DIR" "$(jf_bin jwt-authz.fcgi)"
	lapi=http://127.0.0.1:$PORT/api/echo
	A_DIR=$(apache_dir)
	proxy_conf "$A_DIR/authz.conf"
	apache_start "$A_DIR" "$(jf_bin jwt-authz.fcgi)"
	aapi=http://127.0.0.1:$PORT/api/echo
	until_code 200 "$lapi" "$tok"
	until_code 200 "$aapi" "$tok"
	# The owner revokes it (RFC 7009), as a client would on logout.
	http --cacert "$MD/pki/ca.pem" --cert "$MD/pki/billing.pem" \
		--key "$MD/pki/billing.key" --data-urlencode "token=$tok" "$MTLS/mint/revoke"
	assert_status 200
	until_code 401 "$lapi" "$tok"
	assert_header_contains WWW-Authenticate invalid_token
	until_code 401 "$aapi" "$tok"
	assert_header_contains WWW-Authenticate invalid_token
	# The other token of the same client still passes both.
	http -H "Authorization: Bearer $other" "$lapi"
	assert_status 200
	http -H "Authorization: Bearer $other" "$aapi"
	assert_status 200
	# And the operator's revocation of the whole client reaches them too.
	run -0 --separate-stderr "$CLI" revoke --client billing -c "$MD/mint.conf"
	until_code 401 "$lapi" "$other"
	until_code 401 "$aapi" "$other"
}
