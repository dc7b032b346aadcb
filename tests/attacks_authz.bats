#!/usr/bin/env bats
# attacks_authz.bats - the attacks of RFC 8725 and of the public CVE record
# for JWT libraries and proxies, sent through lighttpd (the shipped
# conf/lighttpd/50-jwt-authz.conf) to jwt-authz.fcgi. Every refusal is
# checked for its exact status, its WWW-Authenticate error code and the
# reason in error_description, and for the backend (fcgi-echo --log) not
# having been reached. Controls in each class show that the setup accepts
# what it should, so a refusal is never just a broken fixture.
#
# Tables: one line per variant, NAME | STATUS CODE | DESC | HEADER |
# PAYLOAD | OPS, forged by tests/node/forge.mjs (OPS are documented
# there) and checked by forge_table (tests/helpers/forge.bash). DESC is a
# piece of error_description, where '"' reads "'"; for a 200 it is a piece
# of what the backend saw. hd and pl edit a valid header and payload.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/lighttpd
load helpers/forge

setup_file() {
	need_lighttpd && need_certtool && need_cmd jq && need_cmd curl &&
		need_cmd node || return 0
	export DIR=$BATS_FILE_TMPDIR
	attacks_fixture "$DIR" || return 1
	if ! attacks_start "$DIR" "$(jf_bin jwt-authz.fcgi)"; then
		lighttpd_stop "$DIR"
		return 1
	fi
	export BASE=http://127.0.0.1:$PORT
	export BACKEND_LOG=$DIR/backend.log
}

setup() {
	skip_if_file_skipped
	K="key=$DIR/mint.key"
	H=$(hd)
	P=$(pl)
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
}

@test "controls: valid tokens pass, so the refusals below are real" {
	forge_table <<-EOF
	es256-kid | 200 - | "JWT_SUB":"svc-a" | $H | $P | $K
	es256-nokid | 200 - | "JWT_SUB":"svc-a" | $(hd -kid) | $P | $K
	rs256 | 200 - | "JWT_SUB":"svc-a" | $(hd alg='"RS256"' kid="\"$RSA_KID\"") | $P | key=$DIR/mint-rsa.key
	partner | 200 - | "JWT_ISS":"$JF_ISS2" | $(hd kid="\"$PARTNER_KID\"") | $(pl iss="\"$JF_ISS2\"") | key=$DIR/partner.key
	aud-array | 200 - | "JWT_AUD":"https://x.test $JF_AUD" | $H | $(pl aud="[\"https://x.test\",\"$JF_AUD\"]") | $K
	exp-fraction | 200 - | "JWT_EXP":"$EXP.5" | $H | $(pl exp="$EXP.5") | $K
	nbf-in-leeway | 200 - | "JWT_SUB":"svc-a" | $H | $(pl nbf=$((NOW + 30))) | $K
	unmapped-crlf | 200 - | "JWT_SUB":"svc-a" | $H | $(pl note='"a\r\nX-Injected: 1"') | $K
	EOF
	attack_case cli-made "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization: Bearer $TOK_OK"
	assert_authorizer_alive
}

# "h.p." never gets as far as the header: an empty signature is refused
# by the shape check. With a signature, alg itself is what is refused.
@test "alg none in any spelling, with and without a signature part" {
	forge_table <<-EOF
	none-empty | 401 invalid_token | empty signature: unsecured | {"alg":"none"} | $P | sig=empty
	None-empty | 401 invalid_token | empty signature: unsecured | {"alg":"None"} | $P | sig=empty
	NONE-empty | 401 invalid_token | empty signature: unsecured | {"alg":"NONE"} | $P | sig=empty
	nOnE-empty | 401 invalid_token | empty signature: unsecured | {"alg":"nOnE"} | $P | sig=empty
	none-2-segments | 401 invalid_token | token has 2 segments | {"alg":"none"} | $P | sig=absent
	none-signed | 401 invalid_token | alg 'none' is never accepted | $(hd alg='"none"') | $P | $K as=ES256
	None-signed | 401 invalid_token | alg 'None' is never accepted | $(hd alg='"None"') | $P | $K as=ES256
	NONE-signed | 401 invalid_token | alg 'NONE' is never accepted | $(hd alg='"NONE"') | $P | $K as=ES256
	nOnE-signed | 401 invalid_token | alg 'nOnE' is never accepted | $(hd alg='"nOnE"') | $P | $K as=ES256
	none-junk-sig | 401 invalid_token | alg 'none' is never accepted | {"alg":"none"} | $P | sig=junk
	alg-empty | 401 invalid_token | alg '' is never accepted | $(hd alg='""') | $P | $K as=ES256
	alg-missing | 401 invalid_token | header has no 'alg' | $(hd -alg) | $P | $K as=ES256
	alg-null | 401 invalid_token | 'alg' is not a plain string | $(hd alg=null) | $P | $K as=ES256
	alg-array | 401 invalid_token | 'alg' is not a plain string | $(hd alg='["ES256"]') | $P | $K as=ES256
	alg-lowercase | 401 invalid_token | alg 'es256' is never accepted | $(hd alg='"es256"') | $P | $K as=ES256
	alg-space | 401 invalid_token | alg 'ES256 ' is never accepted | $(hd alg='"ES256 "') | $P | $K as=ES256
	alg-nul | 401 invalid_token | header is not acceptable JSON | $(hd alg='"ES256\u0000"') | $P | $K as=ES256
	EOF
	assert_authorizer_alive
}

# CVE-2015-9235, CVE-2022-29217: a verifier that takes alg from the token
# would use the public key's bytes as an HMAC secret. HS* are not even
# known algorithms here (and refused in the configuration).
@test "HS256/384/512 keyed with the issuer's public key (PEM, DER, JWK)" {
	local rsa="kid=\"$RSA_KID\""
	forge_table <<-EOF
	hs256-rsa-pem | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"' "$rsa") | $P | hmac=$DIR/mint-rsa.pub.pem
	hs256-rsa-pem-nonl | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"' "$rsa") | $P | hmac=$DIR/mint-rsa.pub.nonl
	hs384-rsa-pem | 401 invalid_token | alg 'HS384' is never accepted | $(hd alg='"HS384"' "$rsa") | $P | hmac=$DIR/mint-rsa.pub.pem
	hs512-rsa-pem | 401 invalid_token | alg 'HS512' is never accepted | $(hd alg='"HS512"' "$rsa") | $P | hmac=$DIR/mint-rsa.pub.pem
	hs256-rsa-der | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"' "$rsa") | $P | hmac-der=$DIR/mint-rsa.pub.pem
	hs256-ec-pem | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"') | $P | hmac=$DIR/mint.pub.pem
	hs256-ec-der | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"') | $P | hmac-der=$DIR/mint.pub.pem
	hs256-ec-jwk | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"') | $P | hmac-jwk=$DIR/mint.jwks
	hs256-jwks-file | 401 invalid_token | alg 'HS256' is never accepted | $(hd alg='"HS256"' -kid) | $P | hmac=$DIR/mint.jwks
	es256-hmac-pem | 401 invalid_token | ES256 signature is 32 bytes, want 64 | $H | $P | hmac=$DIR/mint.pub.pem as=HS256
	rs256-hmac-pem | 401 invalid_token | RS256 signature does not verify | $(hd alg='"RS256"' "$rsa") | $P | hmac=$DIR/mint-rsa.pub.pem as=HS256
	ps256-rs256-key | 401 invalid_token | of issuer $JF_ISS does not allow PS256 | $(hd alg='"PS256"' "$rsa") | $P | key=$DIR/mint-rsa.key
	es256-rsa-kid | 401 invalid_token | does not allow ES256 | $(hd "$rsa") | $P | $K
	rs256-ec-kid | 401 invalid_token | does not allow RS256 | $(hd alg='"RS256"') | $P | key=$DIR/mint-rsa.key
	EOF
	assert_authorizer_alive
}

@test "ECDSA: psychic signatures (CVE-2022-21449), DER encoding, splicing" {
	forge_table <<-EOF
	psychic-zero | 401 invalid_token | ES256 signature does not verify with key | $H | $P | sig=zero
	psychic-zero-nokid | 401 invalid_token | verifies with none of the 1 key | $(hd -kid) | $P | sig=zero
	psychic-n | 401 invalid_token | ES256 signature does not verify with key | $H | $P | sig=n
	psychic-one | 401 invalid_token | ES256 signature does not verify with key | $H | $P | sig=one
	der-encoded | 401 invalid_token | want 64 (R | $H | $P | $K sig=der
	junk | 401 invalid_token | ES256 signature does not verify with key | $H | $P | sig=junk
	spliced | 401 invalid_token | ES256 signature does not verify with key | $H | $(pl sub='"svc-admin"' scope='"admin"') | sig=of:$DIR/TOK_OK.jwt
	EOF
	assert_authorizer_alive
}

# ECDSA malleability: (r, n - s) verifies whenever (r, s) does. RFC 7518
# does not forbid it, jose accepts it, and so does key_verify (GnuTLS).
# It is not an authentication bypass: only the holder of the private key
# can make (r, s) in the first place, and the "new" signature covers the
# same header and claims. It only matters to a system that uses the
# signature bytes as a token id, which we do not. What matters is that
# the answer is the same on every path: with kid, without kid, again.
@test "ECDSA high-S (n - s) is accepted, consistently" {
	forge_table <<-EOF
	high-s | 200 - | "JWT_SUB":"svc-a" | $H | $P | $K sig=highs
	high-s-nokid | 200 - | "JWT_SUB":"svc-a" | $(hd -kid) | $P | $K sig=highs
	high-s-partner | 200 - | "JWT_ISS":"$JF_ISS2" | $(hd kid="\"$PARTNER_KID\"") | $(pl iss="\"$JF_ISS2\"") | key=$DIR/partner.key sig=highs
	EOF
	# The same high-S token twice more: no state, no cache.
	attack_bearer again "200 -" '"JWT_SUB":"svc-a"' "$(jf_dir)/forged/high-s.jwt"
	attack_bearer again2 "200 -" '"JWT_SUB":"svc-a"' "$(jf_dir)/forged/high-s.jwt"
}

# CVE-2018-0114 (jwk) and its remote cousins: the key must never come from
# the token. Refused even when the signature is the issuer's own.
@test "keys named by the token: jwk, jku, x5u, x5c" {
	local A="key=$DIR/attacker.key" jwk ak="kid=\"$ATTACKER_KID\""
	jwk=$(cat "$DIR/attacker.jwk")
	forge_table <<-EOF
	jwk-attacker | 401 invalid_token | header carries 'jwk' | $(hd -kid jwk="$jwk") | $P | $A
	jwk-mint-kid | 401 invalid_token | header carries 'jwk' | $(hd jwk="$jwk") | $P | $A
	jku-attacker | 401 invalid_token | header carries 'jku' | $(hd "$ak" jku='"http://127.0.0.1:1/jwks.json"') | $P | $A
	x5u-attacker | 401 invalid_token | header carries 'x5u' | $(hd -kid x5u='"http://127.0.0.1:1/a.pem"') | $P | $A
	x5c-attacker | 401 invalid_token | header carries 'x5c' | $(hd -kid x5c="[\"$ATTACKER_X5C\"]") | $P | $A
	jku-but-signed-ok | 401 invalid_token | header carries 'jku' | $(hd jku='"https://mint.test/jwks"') | $P | $K
	attacker-kid | 401 invalid_token | no key with kid '$ATTACKER_KID' | $(hd "$ak") | $P | $A
	attacker-nokid | 401 invalid_token | verifies with none of the 1 key | $(hd -kid) | $P | $A
	EOF
	assert_authorizer_alive
}

@test "kid injection: traversal, SQL, other issuer's key, huge, NUL, CRLF" {
	local A="key=$DIR/attacker.key" k1000 k10k
	k1000=$(printf 'k%.0s' {1..1000})
	k10k=$(printf 'k%.0s' {1..10240})
	forge_table <<-EOF
	kid-traversal | 401 invalid_token | no key with kid '../../dev/null' | $(hd kid='"../../dev/null"') | $P | $A
	kid-passwd | 401 invalid_token | no key with kid '../../../../etc/passwd' | $(hd kid='"../../../../etc/passwd"') | $P | $A
	kid-sql | 401 invalid_token | no key with kid '' OR 1=1--' | $(hd kid="\"' OR 1=1--\"") | $P | $A
	kid-other-issuer | 401 invalid_token | no key with kid '$PARTNER_KID' for issuer $JF_ISS | $(hd kid="\"$PARTNER_KID\"") | $P | key=$DIR/partner.key
	kid-right-sig-wrong | 401 invalid_token | does not verify with key '$MINT_KID' | $H | $P | $A
	kid-empty | 401 invalid_token | no key with kid '' | $(hd kid='""') | $P | $A
	kid-number | 401 invalid_token | 'kid' must be a string | $(hd kid=7) | $P | $A
	kid-array | 401 invalid_token | 'kid' must be a string | $(hd kid="[\"$MINT_KID\"]") | $P | $K
	kid-1000 | 401 invalid_token | at most 256 bytes | $(hd kid="\"$k1000\"") | $P | $A
	kid-10k | 401 invalid_token | over the limit of 8192 | $(hd kid="\"$k10k\"") | $P | $A
	kid-nul | 401 invalid_token | header is not acceptable JSON | $(hd kid="\"$MINT_KID\\u0000x\"") | $P | $K
	kid-crlf | 401 invalid_token | no key with kid 'a/x0d/x0aX-Injected: 1' | $(hd kid='"a\r\nX-Injected: 1"') | $P | $A
	kid-raw-tab | 401 invalid_token | control character in string | $(hd kid=$'"a\tb"') | $P | $A as=ES256
	EOF
	assert_authorizer_alive
}

# CVE-2020-26160 (jwt-go): an "aud" that is not a string or an array of
# strings skipped the audience check. Signed by the issuer itself here.
@test "aud type confusion and near-miss audiences" {
	local A=$JF_AUD
	forge_table <<-EOF
	aud-object | 401 invalid_token | 'aud' is a JSON object | $H | $(pl aud="{\"aud\":\"$A\"}") | $K
	aud-number | 401 invalid_token | 'aud' is a JSON int | $H | $(pl aud=1) | $K
	aud-true | 401 invalid_token | 'aud' is a JSON boolean | $H | $(pl aud=true) | $K
	aud-null | 401 invalid_token | 'aud' is a JSON null | $H | $(pl aud=null) | $K
	aud-nested | 401 invalid_token | aud[0] is not a string | $H | $(pl aud="[[\"$A\"]]") | $K
	aud-in-object | 401 invalid_token | aud[0] is not a string | $H | $(pl aud="[{\"aud\":\"$A\"}]") | $K
	aud-with-int | 401 invalid_token | aud[1] is not a string | $H | $(pl aud="[\"$A\",1]") | $K
	aud-with-nested | 401 invalid_token | aud[1] is not a string | $H | $(pl aud="[\"x\",[\"$A\"]]") | $K
	aud-empty-array | 401 invalid_token | 'aud' is an empty array | $H | $(pl aud='[]') | $K
	aud-missing | 401 invalid_token | 'aud' is required | $H | $(pl -aud) | $K
	aud-other | 401 invalid_token | audience 'https://other-api.test' not accepted | $H | $(pl aud='"https://other-api.test"') | $K
	aud-empty | 401 invalid_token | audience '' not accepted | $H | $(pl aud='""') | $K
	aud-suffix | 401 invalid_token | audience '$A.evil' not accepted | $H | $(pl aud="\"$A.evil\"") | $K
	aud-slash | 401 invalid_token | audience '$A/' not accepted | $H | $(pl aud="\"$A/\"") | $K
	aud-case | 401 invalid_token | audience 'https://API.test' not accepted | $H | $(pl aud='"https://API.test"') | $K
	aud-others | 401 invalid_token | none of the 2 audiences | $H | $(pl aud='["https://a.test","https://b.test"]') | $K
	EOF
	assert_authorizer_alive
}

@test "crit: unknown extensions and b64 are refused" {
	forge_table <<-EOF
	crit-unknown | 401 invalid_token | crit extension 'exp' is not understood | $(hd crit='["exp"]' exp=1) | $P | $K
	crit-b64-false | 401 invalid_token | crit extension 'b64' is not understood | $(hd b64=false crit='["b64"]') | $P | $K
	crit-b64-true | 401 invalid_token | crit extension 'b64' is not understood | $(hd b64=true crit='["b64"]') | $P | $K
	crit-empty | 401 invalid_token | 'crit' is not a non-empty array | $(hd crit='[]') | $P | $K
	crit-string | 401 invalid_token | 'crit' is not a non-empty array | $(hd crit='"b64"') | $P | $K
	crit-number | 401 invalid_token | 'crit' holds a non-string | $(hd crit='[1]') | $P | $K
	b64-false | 401 invalid_token | unencoded payload (RFC 7797 b64) | $(hd b64=false) | $P | $K
	EOF
	assert_authorizer_alive
}

@test "duplicate JSON members in header and claims" {
	local old=$((NOW - 3600)) dup='JSON: duplicate member name'
	forge_table <<-EOF
	dup-alg | 401 invalid_token | $dup | {"alg":"none","alg":"ES256","kid":"$MINT_KID"} | $P | $K as=ES256
	dup-alg-rev | 401 invalid_token | $dup | {"alg":"ES256","alg":"none","kid":"$MINT_KID"} | $P | $K as=ES256
	dup-kid | 401 invalid_token | $dup | {"alg":"ES256","kid":"x","kid":"$MINT_KID"} | $P | $K
	dup-exp | 401 invalid_token | $dup | $H | {"iss":"$JF_ISS","aud":"$JF_AUD","sub":"svc-a","exp":$old,"exp":$EXP} | $K
	dup-sub | 401 invalid_token | $dup | $H | {"sub":"svc-admin","iss":"$JF_ISS","aud":"$JF_AUD","sub":"svc-a","exp":$EXP} | $K
	dup-sub-escaped | 401 invalid_token | $dup | $H | {"sub":"svc-admin","iss":"$JF_ISS","aud":"$JF_AUD","s\\u0075b":"svc-a","exp":$EXP} | $K
	dup-iss | 401 invalid_token | $dup | $H | {"iss":"$JF_ISS2","iss":"$JF_ISS","aud":"$JF_AUD","exp":$EXP} | $K
	dup-nested | 401 invalid_token | $dup | $H | $(pl x='{"a":1,"a":2}') | $K
	EOF
	assert_authorizer_alive
}

# The authorizer's cap is 8 KiB (max_token_bytes). lighttpd's own limit
# on the request header (8 KiB by default: with the shipped snippet alone
# a token over about 8050 bytes gets lighttpd's 431, with no challenge)
# is raised to 32 KiB by tests/helpers/conf/attacks-lighttpd.conf.
@test "size: just under and over the 8 KiB cap; lighttpd's own limit" {
	local big
	forge_table <<-EOF
	size-8192 | 200 - | "JWT_SUB":"svc-a" | $(hd x='"@HPAD@"') | $(pl pad='"@PAD@"') | $K size=8192
	size-8193 | 401 invalid_token | token is 8193 bytes, over the limit of 8192 | $(hd x='"@HPAD@"') | $(pl pad='"@PAD@"') | $K size=8193
	size-20000 | 401 invalid_token | token is 20000 bytes, over the limit of 8192 | $(hd x='"@HPAD@"') | $(pl pad='"@PAD@"') | $K size=20000
	EOF
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	attack_case header-70k "431 lighttpd" "" -H "Authorization: Bearer $big"
	big=${big:0:40000}
	attack_case header-40k "431 lighttpd" "" -H "Authorization: Bearer $big"
	# Just under lighttpd's limit: the authorizer gets all of it.
	attack_case header-31k "401 invalid_token" "token is 31000 bytes, over" \
		-H "Authorization: Bearer ${big:0:31000}"
	# 250 other headers of 100 bytes: many large FastCGI parameters.
	local -a many=()
	for i in $(seq 1 250); do
		many+=(-H "X-Pad-$i: ${big:0:100}")
	done
	attack_case many-headers "200 -" '"JWT_SUB":"svc-a"' "${many[@]}" \
		-H "Authorization: Bearer $TOK_OK"
	assert_authorizer_alive
}

@test "deeply nested JSON in claims and header" {
	local deep='nesting deeper than 16'
	forge_table <<-EOF
	depth-1000-arrays | 401 invalid_token | $deep | $H | $(pl x="$(nest 1000 '[' ']')") | $K
	depth-500-objects | 401 invalid_token | $deep | $H | $(pl x="$(nest 500 '{"":' '}')") | $K
	depth-1000-header | 401 invalid_token | $deep | $(hd x="$(nest 1000 '[' ']')") | $P | $K
	depth-17 | 401 invalid_token | $deep | $H | $(pl x="$(nest 16 '[' ']')") | $K
	depth-16 | 200 - | "JWT_SUB":"svc-a" | $H | $(pl x="$(nest 15 '[' ']')") | $K
	EOF
	assert_authorizer_alive
}

@test "numeric edge cases in exp, nbf and iat" {
	local nd="is not a NumericDate" now
	now=$(date +%s)
	forge_table <<-EOF
	exp-1e308 | 401 invalid_token | 'exp' $nd | $H | $(pl exp=1e308) | $K
	exp-minus-1 | 401 invalid_token | token expired | $H | $(pl exp=-1) | $K
	exp-minus-0 | 401 invalid_token | token expired | $H | $(pl exp=-0) | $K
	exp-2p53-plus-1 | 401 invalid_token | 'exp' $nd | $H | $(pl exp=9007199254740993) | $K
	exp-string | 401 invalid_token | 'exp' $nd | $H | $(pl exp='"9999999999"') | $K
	exp-true | 401 invalid_token | 'exp' $nd | $H | $(pl exp=true) | $K
	exp-null | 401 invalid_token | 'exp' $nd | $H | $(pl exp=null) | $K
	exp-array | 401 invalid_token | 'exp' $nd | $H | $(pl exp="[$EXP]") | $K
	exp-object | 401 invalid_token | 'exp' $nd | $H | $(pl exp="{\"v\":$EXP}") | $K
	exp-1e400 | 401 invalid_token | number out of range | $H | $(pl exp=1e400) | $K
	exp-2p64 | 401 invalid_token | integer out of range | $H | $(pl exp=18446744073709551616) | $K
	exp-below-int64 | 401 invalid_token | integer out of range | $H | $(pl exp=-9223372036854775809) | $K
	exp-NaN | 401 invalid_token | payload is not acceptable JSON | $H | $(pl exp=NaN) | $K
	exp-Infinity | 401 invalid_token | payload is not acceptable JSON | $H | $(pl exp=Infinity) | $K
	exp-leading-zero | 401 invalid_token | leading zero in number | $H | $(pl exp="0$EXP") | $K
	exp-plus | 401 invalid_token | payload is not acceptable JSON | $H | $(pl exp="+$EXP") | $K
	exp-hex | 401 invalid_token | payload is not acceptable JSON | $H | $(pl exp=0x7fffffff) | $K
	exp-missing | 401 invalid_token | 'exp' is required | $H | $(pl -exp) | $K
	exp-past-leeway | 401 invalid_token | token expired 12 | $H | $(pl exp=$((now - 120))) | $K
	nbf-float-future | 401 invalid_token | token not valid for another | $H | $(pl nbf=4102444800.5) | $K
	nbf-1e308 | 401 invalid_token | 'nbf' $nd | $H | $(pl nbf=1e308) | $K
	nbf-string | 401 invalid_token | 'nbf' $nd | $H | $(pl nbf="\"$NOW\"") | $K
	iat-future | 401 invalid_token | in the future (iat | $H | $(pl iat=$((NOW + 3600))) | $K
	iat-1e308 | 401 invalid_token | 'iat' $nd | $H | $(pl iat=1e308) | $K
	exp-2e9 | 200 - | "JWT_SUB":"svc-a" | $H | $(pl exp=2e9) | $K
	EOF
	assert_authorizer_alive
}

@test "token shape: trailing data, empty segments, non-canonical base64url" {
	local alpha='outside the base64url alphabet' bom=$'\xef\xbb\xbf'
	forge_table <<-EOF
	trailing-dot | 401 invalid_token | token has 4 segments | $H | $P | $K append=.
	trailing-dot-junk | 401 invalid_token | token has 4 segments | $H | $P | $K append=.junk
	trailing-dots | 401 invalid_token | token has 6 segments | $H | $P | $K append=...
	trailing-char | 401 invalid_token | ES256 signature is 65 bytes, want 64 | $H | $P | $K append=A
	empty-header | 401 invalid_token | empty header segment | | $P | $K as=ES256
	empty-payload | 401 invalid_token | empty payload segment | $H | | $K
	pad-signature | 401 invalid_token | $alpha | $H | $P | $K pad=s
	pad-header | 400 invalid_request | bad character in token | $H | $P | $K pad=h
	pad-payload | 400 invalid_request | bad character in token | $H | $P | $K pad=p
	std-alphabet | 401 invalid_token | $alpha | $H | $(pl x='"???~~~"') | $K std=p
	bits-signature | 401 invalid_token | signature is not canonical base64url | $H | $P | $K bits=s
	bits-header | 401 invalid_token | header is not canonical base64url | $H | $P | $K bits=h
	bits-payload | 401 invalid_token | payload is not canonical base64url | $H | $P | $K bits=p
	bom-header | 401 invalid_token | header is not acceptable JSON | $bom$H | $P | $K as=ES256
	EOF
	assert_authorizer_alive
}

# Requests built by hand around the CLI-made TOK_OK: what lighttpd makes
# of the header and what the authorizer's RFC 6750 parser then accepts.
# lighttpd joins repeated headers with ", " (CVE-2025-64527 class: one
# component checks the first token, another uses the second), which the
# parser refuses as a whole.
@test "Authorization header: repeats, whitespace, scheme spelling" {
	local t=$TOK_OK a=$TOK_ADMIN f=0
	attack_case two-headers "400 invalid_request" "more than one credential" \
		-H "Authorization: Bearer $t" -H "Authorization: Bearer $a" || f=1
	attack_case two-headers-junk-first "400 invalid_request" "more than one credential" \
		-H "Authorization: Bearer junk" -H "Authorization: Bearer $t" || f=1
	attack_case two-headers-same "400 invalid_request" "more than one credential" \
		-H "Authorization: Bearer $t" -H "Authorization: Bearer $t" || f=1
	attack_case comma-in-one "400 invalid_request" "more than one credential" \
		-H "Authorization: Bearer $t, Bearer $a" || f=1
	# "Basic x, Bearer t": the first scheme is not Bearer, so no bearer
	# credential at all: a bare challenge, not a pass.
	attack_case basic-then-bearer "401 -" "" \
		-H "Authorization: Basic eDp5" -H "Authorization: Bearer $t" || f=1
	attack_case two-spaces "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization: Bearer  $t" || f=1
	attack_case leading-ows "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization:    Bearer $t" || f=1
	attack_case trailing-ows "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization: Bearer $t   " || f=1
	attack_case lowercase "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization: bearer $t" || f=1
	attack_case uppercase "200 -" '"JWT_SUB":"svc-a"' \
		-H "Authorization: BEARER $t" || f=1
	attack_case header-name-case "200 -" '"JWT_SUB":"svc-a"' \
		-H "aUTHORIZATION: Bearer $t" || f=1
	attack_case tab-after-scheme "400 invalid_request" "expected a space after Bearer" \
		-H "Authorization: Bearer"$'\t'"$t" || f=1
	attack_case space-tab "400 invalid_request" "bad character in token" \
		-H "Authorization: Bearer "$'\t'"$t" || f=1
	attack_case bearer-alone "400 invalid_request" "empty bearer token" \
		-H "Authorization: Bearer" || f=1
	attack_case bearer-space "400 invalid_request" "empty bearer token" \
		-H "Authorization: Bearer " || f=1
	attack_case bearer-colon "400 invalid_request" "expected a space after Bearer" \
		-H "Authorization: Bearer: $t" || f=1
	attack_case space-in-token "400 invalid_request" "bad character in token" \
		-H "Authorization: Bearer ${t%.*} .${t##*.}" || f=1
	attack_case token-then-junk "400 invalid_request" "bad character in token" \
		-H "Authorization: Bearer $t junk" || f=1
	attack_case non-ascii "400 invalid_request" "bad character in token" \
		-H "Authorization: Bearer ${t:0:10}é${t:11}" || f=1
	attack_case token-equals "401 invalid_token" "outside the base64url alphabet" \
		-H "Authorization: Bearer $t=" || f=1
	attack_case only-equals "400 invalid_request" "bad character in token" \
		-H "Authorization: Bearer =" || f=1
	attack_case no-space "401 -" "" -H "Authorization: Bearer$t" || f=1
	attack_case basic "401 -" "" -H "Authorization: Basic eDp5" || f=1
	attack_case other-scheme "401 -" "" -H "Authorization: Token $t" || f=1
	attack_case empty-header "401 -" "" -H "Authorization;" || f=1
	attack_case no-header "401 -" "" || f=1
	[ "$f" = 0 ]
	assert_authorizer_alive
}

# The backend must see JWT_* only from the authorizer: lighttpd maps a
# client's "JWT_SUB:" to HTTP_JWT_SUB, and every success sets all the
# standard variables, even to "", over anything of the same name.
@test "client headers never become the backend's JWT_* variables" {
	local -a smuggle=(-H "JWT_SUB: evil1" -H "Variable-JWT_SUB: evil2"
		-H "X-JWT-SUB: evil3" -H "JWT-SUB: evil4" -H "JWT_SCOPE: admin"
		-H "Variable-JWT_SCOPE: admin" -H "JWT_REQUIRE_SCOPE: read")
	local r
	r=$(jf_dir)/resp
	attack_case smuggle-no-token "401 -" "" "${smuggle[@]}"
	attack_case smuggle-with-token "200 -" '"JWT_SUB":"svc-a"' \
		"${smuggle[@]}" -H "Authorization: Bearer $TOK_OK"
	HTTP_CODE=200 JF_HDRS=$r/smuggle-with-token.hdrs
	JF_BODY=$r/smuggle-with-token.body
	assert_json .JWT_SUB svc-a
	assert_json .JWT_SCOPE "read write"
	# The raw body: JSON with a repeated key would show only one.
	assert_body_lacks '"JWT_SUB":"evil'
	assert_body_lacks '"JWT_SCOPE":"admin'
	assert_body_contains '"HTTP_JWT_SUB":"evil1"'
	# A token without sub: JWT_SUB is empty, not the client's.
	forge_table <<-EOF
	no-sub | 200 - | "JWT_SUB":"" | $H | $(pl -sub) | $K
	EOF
	# The route policy comes from lighttpd, not from a client header.
	backend_mark "$BACKEND_LOG"
	http "${smuggle[@]}" -H "Authorization: Bearer $TOK_OK" \
		"$BASE/api/admin/echo"
	assert_status 403
	assert_header_contains WWW-Authenticate 'error="insufficient_scope"'
	assert_backend_untouched "$BACKEND_LOG"
}

@test "issuers: unknown, another issuer's key, another audience" {
	local E=https://evil.test
	forge_table <<-EOF
	unknown-issuer | 401 invalid_token | issuer '$E' is not trusted | $H | $(pl iss="\"$E\"") | $K
	issuer-slash | 401 invalid_token | issuer '$JF_ISS/' is not trusted | $H | $(pl iss="\"$JF_ISS/\"") | $K
	issuer-case | 401 invalid_token | issuer 'https://MINT.test' is not trusted | $H | $(pl iss='"https://MINT.test"') | $K
	issuer-array | 401 invalid_token | 'iss' is not a plain string | $H | $(pl iss="[\"$JF_ISS\"]") | $K
	issuer-missing | 401 invalid_token | 'iss' is missing | $H | $(pl -iss) | $K
	partner-key-nokid | 401 invalid_token | verifies with none of the 1 key(s) of issuer $JF_ISS | $(hd -kid) | $P | key=$DIR/partner.key
	mint-key-as-partner | 401 invalid_token | no key with kid '$MINT_KID' for issuer $JF_ISS2 | $H | $(pl iss="\"$JF_ISS2\"") | $K
	rs256-for-partner | 401 invalid_token | alg 'RS256' not allowed for issuer $JF_ISS2 | $(hd alg='"RS256"' kid="\"$RSA_KID\"") | $(pl iss="\"$JF_ISS2\"") | key=$DIR/mint-rsa.key
	other-audience | 401 invalid_token | audience 'https://other-api.test' not accepted | $H | $(pl aud='"https://other-api.test"') | $K
	expired | 401 invalid_token | token expired | $(hd) | $(pl exp=$((NOW - 3600))) | $K
	EOF
	attack_bearer otherkey-cli "401 invalid_token" "no key with kid" \
		"$DIR/TOK_OTHERKEY.jwt"
	assert_authorizer_alive
}

# A claim passed on as a Variable-* header must not carry a line break
# into lighttpd's environment or the client's response; nor may the
# token's text that an error_description quotes.
@test "control characters in passed-on claims: refused, never split" {
	local cc='contains control characters' inj='\r\nX-Injected: 1'
	forge_table <<-EOF
	sub-crlf | 401 invalid_token | claim sub $cc | $H | $(pl sub="\"svc-a$inj\"") | $K
	sub-lf | 401 invalid_token | claim sub $cc | $H | $(pl sub='"svc-a\nX-Injected: 1"') | $K
	sub-cr | 401 invalid_token | claim sub $cc | $H | $(pl sub='"svc-a\rX-Injected: 1"') | $K
	sub-tab | 401 invalid_token | claim sub $cc | $H | $(pl sub='"svc\ta"') | $K
	sub-del | 401 invalid_token | claim sub $cc | $H | $(pl sub='"svc\u007fa"') | $K
	sub-nul | 401 invalid_token | u0000 in string | $H | $(pl sub='"svc-a\u0000admin"') | $K
	sub-raw-tab | 401 invalid_token | control character in string | $H | $(pl sub=$'"svc\ta"') | $K
	scope-crlf | 401 invalid_token | claim scope $cc | $H | $(pl scope="\"read$inj\"") | $K
	scp-crlf | 401 invalid_token | claim scp $cc | $H | $(pl scp="[\"read$inj\"]") | $K
	client-id-crlf | 401 invalid_token | claim client_id $cc | $H | $(pl client_id="\"c$inj\"") | $K
	jti-crlf | 401 invalid_token | claim jti $cc | $H | $(pl jti="\"j$inj\"") | $K
	aud-crlf | 401 invalid_token | claim aud $cc | $H | $(pl aud="[\"$JF_AUD\",\"a$inj\"]") | $K
	sub-u2028 | 200 - | "JWT_SUB":"svc | $H | $(pl sub='"svc\u2028a"') | $K
	iss-crlf-echoed | 401 invalid_token | issuer 'https://e/x0d/x0aX-Injected: 1' is not | $H | $(pl iss="\"https://e$inj\"") | $K
	aud-crlf-echoed | 401 invalid_token | audience 'a/x0d/x0aX-Injected: 1' not accepted | $H | $(pl aud="\"a$inj\"") | $K
	alg-crlf-echoed | 401 invalid_token | alg 'ES256/x0d/x0aX-Injected: 1' is never | $(hd alg="\"ES256$inj\"") | $P | $K as=ES256
	crit-crlf-echoed | 401 invalid_token | crit extension 'a/x0d/x0aX-Injected: 1' is not | $(hd crit="[\"a$inj\"]") | $P | $K
	iss-utf8-echoed | 401 invalid_token | issuer 'https://e/xc3/xa9' is not | $H | $(pl iss='"https://e\u00e9"') | $K
	EOF
	assert_authorizer_alive
}

# The route policy JWT_REQUIRE_CLAIMS (doc/jwt-authz.fcgi.8): a string
# claim must equal the value byte for byte, a number or boolean must have
# it as its JSON text, and an array must contain such an element (not a
# nested array). /api/team requires client_id=team-a. Everything else is
# 403 insufficient_scope naming the claim, the backend untouched.
@test "claim policy type confusion: client_id=team-a on /api/team" {
	local no="claim client_id does not have the value this resource"
	ATTACK_ROUTE=/api/team/echo
	forge_table <<-EOF
	cid-string | 200 - | "JWT_CLIENT_ID":"team-a" | $H | $(pl client_id='"team-a"') | $K
	cid-escaped | 200 - | "JWT_CLIENT_ID":"team-a" | $H | $(pl client_id='"team\u002da"') | $K
	cid-array | 200 - | "JWT_CLIENT_ID":"team-a" | $H | $(pl client_id='["team-a"]') | $K
	cid-array-2nd | 200 - | "JWT_CLIENT_ID":"x team-a" | $H | $(pl client_id='["x","team-a"]') | $K
	cid-array-mixed | 200 - | "JWT_CLIENT_ID":"[\"team-a\",1]" | $H | $(pl client_id='["team-a",1]') | $K
	cid-array-int | 403 insufficient_scope | $no | $H | $(pl client_id='[1]') | $K
	cid-array-null | 403 insufficient_scope | $no | $H | $(pl client_id='[null,true,{"team-a":1}]') | $K
	cid-array-empty | 403 insufficient_scope | $no | $H | $(pl client_id='[]') | $K
	cid-nested | 403 insufficient_scope | $no | $H | $(pl client_id='[["team-a"]]') | $K
	cid-object | 403 insufficient_scope | $no | $H | $(pl client_id='{"team-a":1}') | $K
	cid-object-named | 403 insufficient_scope | $no | $H | $(pl client_id='{"client_id":"team-a"}') | $K
	cid-number | 403 insufficient_scope | $no | $H | $(pl client_id=1) | $K
	cid-true | 403 insufficient_scope | $no | $H | $(pl client_id=true) | $K
	cid-null | 403 insufficient_scope | $no | $H | $(pl client_id=null) | $K
	cid-space | 403 insufficient_scope | $no | $H | $(pl client_id='"team-a "') | $K
	cid-lead-space | 403 insufficient_scope | $no | $H | $(pl client_id='" team-a"') | $K
	cid-case | 403 insufficient_scope | $no | $H | $(pl client_id='"TEAM-A"') | $K
	cid-prefix | 403 insufficient_scope | $no | $H | $(pl client_id='"team-ab"') | $K
	cid-empty | 403 insufficient_scope | $no | $H | $(pl client_id='""') | $K
	cid-homoglyph | 403 insufficient_scope | $no | $H | $(pl client_id='"t\u0435am-a"') | $K
	cid-missing | 403 insufficient_scope | $no | $H | $P | $K
	cid-nul | 401 invalid_token | u0000 in string | $H | $(pl client_id='"team-a\u0000x"') | $K
	cid-nul-array | 401 invalid_token | u0000 in string | $H | $(pl client_id='["team-a\u0000x"]') | $K
	EOF
	# The refusal names the claim, never the value the route wants.
	[[ $(<"$(jf_dir)/forged/cid-case.hdrs") != *team-a* ]]
	assert_authorizer_alive
}

# JWT_REQUIRE_SCOPE (/api/admin requires "admin"): scope is an RFC 9068
# space-separated string, scp an array of strings; a scope array, an scp
# string, another separator (tab, NBSP, ',', '+') or a near-miss grants
# nothing. Two quirks pinned here: a leading blank of JWT_SCOPE is lost
# on its way through lighttpd (a header value), and with both claims the
# route is granted by either while JWT_SCOPE shows only scope: the
# backend sees less than was granted, never more.
@test "scope confusion: scope and scp types, separators, 10k scopes" {
	local no="token lacks a required scope" many
	many=$(printf 's%.0s ' {1..10000})
	ATTACK_ROUTE=/api/admin/echo
	forge_table <<-EOF
	scope-admin | 200 - | "JWT_SCOPE":"admin" | $H | $(pl scope='"admin"') | $K
	scope-x-admin | 200 - | "JWT_SCOPE":"x admin" | $H | $(pl scope='"x admin"') | $K
	scope-spaces | 200 - | "JWT_SCOPE":"x  admin " | $H | $(pl scope='"x  admin "') | $K
	scope-lead | 200 - | "JWT_SCOPE":"admin" | $H | $(pl scope='" admin"') | $K
	scp-array | 200 - | "JWT_SCOPE":"read admin" | $H | $(pl scp='["read","admin"]') | $K
	scope-array | 403 insufficient_scope | $no | $H | $(pl scope='["admin"]') | $K
	scp-string | 403 insufficient_scope | $no | $H | $(pl scp='"admin"') | $K
	scp-nested | 403 insufficient_scope | $no | $H | $(pl scp='[["admin"]]') | $K
	scp-joined | 403 insufficient_scope | $no | $H | $(pl scp='["read admin"]') | $K
	scope-object | 403 insufficient_scope | $no | $H | $(pl scope='{"admin":true}') | $K
	scope-true | 403 insufficient_scope | $no | $H | $(pl scope=true) | $K
	scope-adminx | 403 insufficient_scope | $no | $H | $(pl scope='"adminx"') | $K
	scope-xadmin | 403 insufficient_scope | $no | $H | $(pl scope='"xadmin"') | $K
	scope-case | 403 insufficient_scope | $no | $H | $(pl scope='"ADMIN"') | $K
	scope-comma | 403 insufficient_scope | $no | $H | $(pl scope='"read,admin"') | $K
	scope-plus | 403 insufficient_scope | $no | $H | $(pl scope='"read+admin"') | $K
	scope-tab | 403 insufficient_scope | $no | $H | $(pl scope='"read\tadmin"') | $K
	scope-nbsp | 403 insufficient_scope | $no | $H | $(pl scope='"read\u00a0admin"') | $K
	scope-empty | 403 insufficient_scope | $no | $H | $(pl scope='""') | $K
	scope-missing | 403 insufficient_scope | $no | $H | $P | $K
	scope-10k | 401 invalid_token | over the limit of 8192 | $H | $(pl scope="\"${many}admin\"") | $K
	scope-2500 | 200 - | "JWT_SCOPE":"${many:0:5000}admin" | $H | $(pl scope="\"${many:0:5000}admin\"") | $K
	scope-2500-no | 403 insufficient_scope | $no | $H | $(pl scope="\"${many:0:5000}adminx\"") | $K
	scope-and-scp | 403 insufficient_scope | $no | $H | $(pl scope='"read"' scp='["admin"]') | $K
	EOF
	# The challenge names the scope the route needs (RFC 6750 section 3).
	[[ $(<"$(jf_dir)/forged/scope-array.hdrs") == *'scope="admin"'* ]]
	assert_authorizer_alive
}

# Proxy-side classes: a path spelled so that the protected prefix does
# not match it, while the backend's does; and tokens outside the header
# (RFC 6750 §2.2, §2.3: form and query), which the authorizer ignores
# since a URI ends up in every log.
@test "URL tricks and tokens outside Authorization never reach the backend" {
	local p st f=0 w
	local -a cases=(
		"401 /%61pi/echo/u1" "401 //api/echo/u2" "401 /./api/echo/u3"
		"401 /public.txt/../api/echo/u4" "401 /api/./echo/u5"
		"401 /api%2fecho/u6" "401 /%2e/api/echo/u7" "401 /api;/echo/u8"
		"401 /api/echo/u9/..%2f..%2f" "401 /api\\echo/u10"
		"404 /API/echo/u11" "400 /api/echo%00/u12"
		"400 /api/echo/u13%0d%0aX-Injected:%201"
		"401 /api/echo/u14?access_token=$TOK_OK")
	attack_mark
	for p in "${cases[@]}"; do
		st=${p%% *}
		http --path-as-is "$BASE${p#* }" || f=1
		w=$(header_value WWW-Authenticate)
		if [ "$HTTP_CODE" != "$st" ] ||
			{ [ "$st" = 401 ] && [[ $w != "Bearer realm="* ]]; }; then
			echo "=== ${p#* }: got $HTTP_CODE ($w), want $st" >&2
			f=1
		fi
	done
	attack_case form-token "401 -" "" --data-urlencode "access_token=$TOK_OK" || f=1
	# None of the paths above, nor the form, reached the backend.
	assert_backend_untouched "$BACKEND_LOG"
	[ "$f" = 0 ]
}

# The checker itself: attack_check fails on each thing it looks for, so
# a passing table is not a checker that cannot fail.
@test "attack_check catches splitting, leaked variables, a reached backend" {
	local r=$BATS_TEST_TMPDIR/fake ok401
	ok401=$'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="x y"\r\n\r\n'
	BACKEND_LOG=$BATS_TEST_TMPDIR/backend.log
	: >"$BACKEND_LOG" && : >"$r.body"
	attack_mark
	printf '%s' "$ok401" >"$r.hdrs"
	run -0 attack_check c1 "401 invalid_token" "x y" "$r"
	run -1 attack_check c1 "401 invalid_token" "x z" "$r"
	run -1 attack_check c1 "401 invalid_request" "x y" "$r"
	run -1 attack_check c1 "401 -" "" "$r"
	run -1 attack_check c1 "400 invalid_token" "x y" "$r"
	run -1 attack_check c1 "431 lighttpd" "" "$r"
	printf '%sX-Injected: 1\r\n' "$ok401" >"$r.hdrs"
	run -1 attack_check c1 "401 invalid_token" "x y" "$r"
	[[ $output == *"RESPONSE SPLITTING"* ]]
	printf '%sVariable-JWT_SUB: a\r\n' "$ok401" >"$r.hdrs"
	run -1 attack_check c1 "401 invalid_token" "x y" "$r"
	printf '%s' "$ok401" >"$r.hdrs"
	echo "RESPONDER GET /api/echo/c1" >>"$BACKEND_LOG"
	run -1 attack_check c1 "401 invalid_token" "x y" "$r"
	[[ $output == *"THE BACKEND WAS REACHED"* ]]
	printf 'HTTP/1.1 200 OK\r\n\r\n' >"$r.hdrs"
	echo '{"JWT_SUB":"a"}' >"$r.body"
	run -0 attack_check c1 "200 -" '"JWT_SUB":"a"' "$r"
	run -1 attack_check c1 "200 -" '"JWT_SUB":"b"' "$r"
	run -1 attack_check c2 "200 -" '"JWT_SUB":"a"' "$r"
}

# Last: every worker the authorizer started is still the one serving, no
# matter what the suite threw at it.
@test "after all attacks: no worker died, no 5xx in the server's log" {
	assert_authorizer_alive
	# The authorizer logs to lighttpd's stderr (lighttpd.log); lighttpd
	# logs trouble talking to it in lighttpd.error.log.
	if grep -E 'refused: 5[0-9][0-9]|server_error|backend|fastcgi' \
		"$DIR/lighttpd.log" "$DIR/lighttpd.error.log" >&2; then
		echo "the authorizer answered a server error (above)" >&2
		return 1
	fi
}
