#!/usr/bin/env bats
# interop.bats - jwt-fcgi against the npm `jose` package (tests/node/), the
# most used JOSE library outside C: each direction, each algorithm.
#   jose signs   -> `jwt-fcgi verify` accepts (exit 0), or refuses (exit 1)
#                   when signed with a key it does not trust;
#   we sign      -> jose's jwtVerify accepts against our JWKS, which proves
#                   our ECDSA signatures are R||S (RFC 7515 §3.4), not DER;
#   our kids     == jose's RFC 7638 thumbprints of the same keys.

bats_require_minimum_version 1.5.0
load helpers/interop

ISS=https://mint.interop.test
AUD=https://api.interop.test

# Bats 1.8 cannot skip from setup_file (it reports a failure), so the
# reason is exported and every test skips in setup with it.
setup_file() {
	local why alg
	if ! why=$(interop_npm_setup); then
		export INTEROP_SKIP="interop with jose: $why"
		return 0
	fi
	[ -x "$JWT_FCGI" ] || {
		echo "$JWT_FCGI not built" >&2
		return 1
	}
	# Keys are made once: RSA generation is slow, and no test writes them.
	for alg in ES256 ES384 RS256 PS256 EdDSA; do
		interop_key "$alg" "$alg"
		interop_key "$alg" "$alg-other"
		cat >"$BATS_FILE_TMPDIR/$alg.conf" <<-CONF
		[issuer $ISS]
		jwks_file = $BATS_FILE_TMPDIR/$alg.jwks
		algorithms = $alg
		audience = $AUD
		typ = at+jwt
		CONF
	done
}

# interop_key ALG NAME: NAME.pem (private), NAME.kid (keygen's answer) and
# NAME.jwks (public, pinned to ALG: an RSA key alone does not say RS256 or
# PS256) in the file's temp dir.
interop_key() {
	local d=$BATS_FILE_TMPDIR
	"$JWT_FCGI" keygen --alg "$1" "$d/$2.pem" >"$d/$2.kid" || return 1
	"$JWT_FCGI" jwks --alg "$1" "$d/$2.pem" >"$d/$2.jwks" || return 1
}

setup() {
	if [ -n "${INTEROP_SKIP:-}" ]; then
		# tools/bootstrap.sh test: no jose is a failure (common.bash,
		# jf_missing), not a skip.
		if [ "${JF_REQUIRE_ALL:-}" = 1 ]; then
			printf 'JF_REQUIRE_ALL=1, and %s\n' "$INTEROP_SKIP" >&2
			return 1
		fi
		skip "$INTEROP_SKIP"
	fi
	D=$BATS_FILE_TMPDIR
	export HOME=$BATS_TEST_TMPDIR
}

kid_of() {
	tail -n 1 "$D/$1.kid"
}

claims() {
	printf '{"iss":"%s","aud":"%s","sub":"%s"}' "$ISS" "$AUD" "$1"
}

# --- jose signs, jwt-fcgi verifies -------------------------------------

jose_token_accepted() {
	local alg=$1 tok
	tok=$(jose sign "$alg" "$D/$alg.pem" "$(claims svc-a)" \
		--kid "$(kid_of "$alg")" --typ at+jwt)
	run --separate-stderr "$JWT_FCGI" verify -c "$D/$alg.conf" "$tok"
	assert_status 0
	assert_equal "$(jq -r .sub <<<"$output")" svc-a
}

# Signed by a key of the same type that the config does not trust: once
# claiming our kid (the signature check must fail), once with its own kid
# (no key may be found). Both are exit 1, never 0 and never 2.
jose_token_other_key_refused() {
	local alg=$1 tok
	tok=$(jose sign "$alg" "$D/$alg-other.pem" "$(claims svc-a)" \
		--kid "$(kid_of "$alg")" --typ at+jwt)
	run --separate-stderr "$JWT_FCGI" verify -c "$D/$alg.conf" "$tok"
	assert_status 1
	assert_match "$stderr" 'refused: signature invalid'
	tok=$(jose sign "$alg" "$D/$alg-other.pem" "$(claims svc-a)" \
		--kid "$(kid_of "$alg-other")" --typ at+jwt)
	run --separate-stderr "$JWT_FCGI" verify -c "$D/$alg.conf" "$tok"
	assert_status 1
	assert_match "$stderr" 'refused: no matching key'
}

# --- jwt-fcgi signs, jose verifies -------------------------------------

# Signature lengths in base64url characters where they are fixed: ECDSA
# R||S is 2 x the field size (64 or 96 bytes); DER would vary and be longer.
declare -gA SIG_CHARS=([ES256]=86 [ES384]=128 [EdDSA]=86)

ours_verified_by_jose() {
	local alg=$1 tok sig
	tok=$("$JWT_FCGI" sign -k "$D/$alg.pem" --alg "$alg" \
		--iss "$ISS" --aud "$AUD" --sub svc-b --typ at+jwt)
	run --separate-stderr jose verify "$D/$alg.jwks" "$tok" \
		--iss "$ISS" --aud "$AUD" --typ at+jwt --alg "$alg"
	assert_status 0
	assert_equal "$(jq -r .header.alg <<<"$output")" "$alg"
	assert_equal "$(jq -r .header.kid <<<"$output")" "$(kid_of "$alg")"
	assert_equal "$(jq -r .header.typ <<<"$output")" at+jwt
	assert_equal "$(jq -r .payload.sub <<<"$output")" svc-b
	sig=${tok##*.}
	if [ -n "${SIG_CHARS[$alg]:-}" ]; then
		assert_equal "${#sig}" "${SIG_CHARS[$alg]}"
	fi
	# The same token against another key published under our kid: jose
	# must find the key and refuse the signature, or the acceptance above
	# proves nothing.
	jq --arg kid "$(kid_of "$alg")" '.keys[0].kid = $kid' \
		"$D/$alg-other.jwks" >"$BATS_TEST_TMPDIR/forged.jwks"
	run --separate-stderr jose verify "$BATS_TEST_TMPDIR/forged.jwks" "$tok" \
		--iss "$ISS" --aud "$AUD" --typ at+jwt --alg "$alg"
	assert_status 1
	assert_match "$stderr" 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
}

# --- kids are RFC 7638 thumbprints -------------------------------------

kid_is_thumbprint() {
	local alg=$1 kid
	kid=$(kid_of "$alg")
	assert_match "$kid" '^[A-Za-z0-9_-]{43}$'
	assert_equal "$(jq -r '.keys | length' "$D/$alg.jwks")" 1
	assert_equal "$(jq -r '.keys[0].kid' "$D/$alg.jwks")" "$kid"
	# No private member may leak into a published JWKS.
	assert_equal "$(jq -c '.keys[0] | [has("d"), has("p"), has("q")]' \
		"$D/$alg.jwks")" '[false,false,false]'
	# jose's thumbprint of the JWK we publish, and of the key itself read
	# from our PKCS#8 and SPKI PEM, independently of our JWK writer.
	run --separate-stderr jose jwk-thumbprint "$D/$alg.jwks"
	assert_status 0
	assert_equal "$output" "$kid $kid"
	run --separate-stderr jose jwk-thumbprint "$D/$alg.pem" "$alg"
	assert_status 0
	assert_equal "$output" "$kid"
	"$JWT_FCGI" pubkey "$D/$alg.pem" >"$BATS_TEST_TMPDIR/pub.pem"
	run --separate-stderr jose jwk-thumbprint "$BATS_TEST_TMPDIR/pub.pem" "$alg"
	assert_status 0
	assert_equal "$output" "$kid"
}

@test "ES256: jose-signed token accepted by jwt-fcgi verify" { jose_token_accepted ES256; }
@test "ES384: jose-signed token accepted by jwt-fcgi verify" { jose_token_accepted ES384; }
@test "RS256: jose-signed token accepted by jwt-fcgi verify" { jose_token_accepted RS256; }
@test "PS256: jose-signed token accepted by jwt-fcgi verify" { jose_token_accepted PS256; }
@test "EdDSA: jose-signed token accepted by jwt-fcgi verify" { jose_token_accepted EdDSA; }

@test "ES256: jwt-fcgi-signed token verified by jose" { ours_verified_by_jose ES256; }
@test "ES384: jwt-fcgi-signed token verified by jose" { ours_verified_by_jose ES384; }
@test "RS256: jwt-fcgi-signed token verified by jose" { ours_verified_by_jose RS256; }
@test "PS256: jwt-fcgi-signed token verified by jose" { ours_verified_by_jose PS256; }
@test "EdDSA: jwt-fcgi-signed token verified by jose" { ours_verified_by_jose EdDSA; }

@test "ES256: kid equals jose's RFC 7638 thumbprint" { kid_is_thumbprint ES256; }
@test "ES384: kid equals jose's RFC 7638 thumbprint" { kid_is_thumbprint ES384; }
@test "RS256: kid equals jose's RFC 7638 thumbprint" { kid_is_thumbprint RS256; }
@test "PS256: kid equals jose's RFC 7638 thumbprint" { kid_is_thumbprint PS256; }
@test "EdDSA: kid equals jose's RFC 7638 thumbprint" { kid_is_thumbprint EdDSA; }

@test "ES256: jose token from an untrusted key refused (exit 1)" { jose_token_other_key_refused ES256; }
@test "ES384: jose token from an untrusted key refused (exit 1)" { jose_token_other_key_refused ES384; }
@test "RS256: jose token from an untrusted key refused (exit 1)" { jose_token_other_key_refused RS256; }
@test "PS256: jose token from an untrusted key refused (exit 1)" { jose_token_other_key_refused PS256; }
@test "EdDSA: jose token from an untrusted key refused (exit 1)" { jose_token_other_key_refused EdDSA; }

@test "jose token without kid accepted (keys tried in turn)" {
	local tok
	tok=$(jose sign ES256 "$D/ES256.pem" "$(claims svc-a)" --typ at+jwt)
	run --separate-stderr "$JWT_FCGI" verify -c "$D/ES256.conf" "$tok"
	assert_status 0
	assert_equal "$(jq -r .sub <<<"$output")" svc-a
}

@test "jose token without the required typ at+jwt refused (exit 1)" {
	local tok
	tok=$(jose sign ES256 "$D/ES256.pem" "$(claims svc-a)" \
		--kid "$(kid_of ES256)")
	run --separate-stderr "$JWT_FCGI" verify -c "$D/ES256.conf" "$tok"
	assert_status 1
	assert_match "$stderr" 'refused: token header refused: typ'
}

@test "jose's RS256 token refused where only PS256 is allowed (exit 1)" {
	local tok
	tok=$(jose sign RS256 "$D/PS256.pem" "$(claims svc-a)" \
		--kid "$(kid_of PS256)" --typ at+jwt)
	run --separate-stderr "$JWT_FCGI" verify -c "$D/PS256.conf" "$tok"
	assert_status 1
	assert_match "$stderr" 'refused: algorithm not allowed'
}
