#!/usr/bin/env bats
# cli.bats - the jwt-fcgi admin tool: help and usage, keygen, jwks,
# pubkey, sign, verify (with --explain), check-config. Each test works in
# its own BATS_TEST_TMPDIR. Run by hand:
#   JF_BUILDDIR=/path/to/build bats tests/cli.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/cli

COMMANDS="keygen jwks pubkey sign verify check-config"
ALGS="ES256 ES384 RS256 PS256 EdDSA"

setup() {
	cli_setup
}

# --- usage ---------------------------------------------------------------

@test "--help lists every command and exits 0" {
	run -0 --separate-stderr "$JF" --help
	for c in $COMMANDS; do
		assert_out_has "  $c "
	done
	assert_out_has "Exit status"
}

@test "--help and -h on every command print its usage and exit 0" {
	local c f
	for c in $COMMANDS; do
		for f in --help -h; do
			run -0 --separate-stderr "$JF" "$c" "$f"
			assert_out_has "Usage: jwt-fcgi $c "
			assert_out_has "--help"
			[ -z "$stderr" ] || { cli_show; false; }
		done
	done
}

@test "help COMMAND prints that command's usage" {
	run -0 --separate-stderr "$JF" help verify
	assert_out_has "Usage: jwt-fcgi verify -c CONFIG"
}

@test "--version prints the version" {
	run -0 --separate-stderr "$JF" --version
	[[ $output =~ ^jwt-fcgi\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { cli_show; false; }
}

@test "no command: usage on stderr, exit 2" {
	run -2 --separate-stderr "$JF"
	assert_out_empty
	assert_err_has "Usage: jwt-fcgi COMMAND"
}

@test "unknown command: usage on stderr, exit 2" {
	run -2 --separate-stderr "$JF" frobnicate
	assert_out_empty
	assert_err_has "jwt-fcgi: unknown command 'frobnicate'"
	assert_err_has "Usage: jwt-fcgi COMMAND"
}

@test "unknown option, missing argument, bad number: exit 2" {
	run -2 --separate-stderr "$JF" keygen --colour "$D/k.pem"
	assert_err_has "jwt-fcgi keygen: unknown option '--colour'"
	assert_err_has "Usage: jwt-fcgi keygen"
	run -2 --separate-stderr "$JF" sign -k
	assert_err_has "option '-k' needs an argument"
	run -2 --separate-stderr "$JF" keygen --alg RS256 --bits 1024 "$D/k.pem"
	assert_err_has "--bits: expected an integer from 2048 to 8192, got '1024'"
	run -2 --separate-stderr "$JF" keygen --alg HS256 "$D/k.pem"
	assert_err_has "got 'HS256'"
	run -2 --separate-stderr "$JF" keygen --alg ES256 --bits 2048 "$D/k.pem"
	assert_err_has "--bits is only for RS256 and PS256"
	run -2 --separate-stderr "$JF" keygen
	run -2 --separate-stderr "$JF" sign --ttl 5s -k "$D/k.pem"
	[ ! -e "$D/k.pem" ]
}

# --- keys ----------------------------------------------------------------

@test "keygen writes the private key 0600 even with umask 000" {
	local out=$D/out
	mkdir "$out"
	umask 000
	run -0 --separate-stderr "$JF" keygen --pub "$out/k.pub.pem" "$out/k.pem"
	assert_mode "$out/k.pem" 600
	assert_mode "$out/k.pub.pem" 644
	grep -q -- "-----BEGIN PRIVATE KEY-----" "$out/k.pem"
	grep -q -- "-----BEGIN PUBLIC KEY-----" "$out/k.pub.pem"
	# nothing but the two files: no temporary left behind
	assert_equal "$(ls -A "$out" | tr '\n' ' ')" "k.pem k.pub.pem "
}

@test "keygen refuses to overwrite; --force replaces atomically" {
	run -0 --separate-stderr "$JF" keygen "$D/k.pem"
	local kid1=$output sum1
	sum1=$(sha256sum <"$D/k.pem")
	run -1 --separate-stderr "$JF" keygen "$D/k.pem"
	assert_err_has "k.pem: exists; use --force"
	[ "$(sha256sum <"$D/k.pem")" = "$sum1" ]
	# an existing --pub file is refused before anything is written
	echo keep >"$D/pub.pem"
	run -1 --separate-stderr "$JF" keygen --pub "$D/pub.pem" "$D/k2.pem"
	assert_err_has "pub.pem: exists"
	[ ! -e "$D/k2.pem" ]
	[ "$(cat "$D/pub.pem")" = keep ]

	umask 022
	run -0 --separate-stderr "$JF" keygen --force "$D/k.pem"
	[ "$output" != "$kid1" ]
	[ "$(sha256sum <"$D/k.pem")" != "$sum1" ]
	assert_mode "$D/k.pem" 600
	[ -z "$(find "$D" -name '.k.pem.*')" ]
}

@test "each algorithm: keygen -> jwks -> sign -> verify" {
	local alg kid want_kty
	for alg in $ALGS; do
		kid=$(make_key "$alg" "$alg")
		[[ $kid =~ ^[A-Za-z0-9_-]{43}$ ]] ||
			{ echo "$alg: kid '$kid' is not a thumbprint" >&2; false; }
		case $alg in
		ES*) want_kty=EC ;; RS* | PS*) want_kty=RSA ;; EdDSA) want_kty=OKP ;;
		esac
		jwks=$(cat "$D/$alg.jwks")
		assert_jq "$jwks" '.keys | length' 1
		assert_jq "$jwks" '.keys[0].kid' "$kid"
		assert_jq "$jwks" '.keys[0].kty' "$want_kty"
		assert_jq "$jwks" '.keys[0].alg' "$alg"
		assert_jq "$jwks" '.keys[0].use' sig
		assert_jq "$jwks" '.keys[0] | has("d") or has("p")' false

		make_conf "$D/$alg.jwks" "$alg"
		sign_tok "$D/$alg.pem" --alg "$alg"
		assert_jq "$(b64url_json "${TOK%%.*}")" '.alg + " " + .kid' \
			"$alg $kid"
		run -0 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
		assert_jq "$output" .sub svc-a
	done
}

@test "jwks: several keys, --alg pins, a duplicate key and a bad pin refused" {
	make_key ES256 a >/dev/null
	make_key EdDSA b >/dev/null
	run -0 --separate-stderr "$JF" jwks "$D/a.pem" "$D/b.pem"
	assert_jq "$output" '[.keys[].alg] | join(" ")' "ES256 EdDSA"
	"$JF" keygen --alg RS256 "$D/r.pem" >/dev/null
	run -0 --separate-stderr "$JF" jwks --alg PS256 "$D/r.pem"
	assert_jq "$output" '.keys[0].alg' PS256
	run -1 --separate-stderr "$JF" jwks --alg ES384 "$D/a.pem"
	assert_err_has "a.pem: "
	"$JF" pubkey "$D/a.pem" >"$D/a.pub.pem"
	run -1 --separate-stderr "$JF" jwks "$D/a.pem" "$D/a.pub.pem"
	assert_err_has "a.pub.pem: "
	run -1 --separate-stderr "$JF" jwks "$D/missing.pem"
	assert_err_has "missing.pem"
}

@test "pubkey prints the SPKI PEM of the same key" {
	local kid
	kid=$(make_key ES384 k)
	run -0 --separate-stderr "$JF" pubkey "$D/k.pem"
	assert_out_has "-----BEGIN PUBLIC KEY-----"
	[[ $output != *PRIVATE* ]]
	printf '%s\n' "$output" >"$D/k.pub.pem"
	run -0 --separate-stderr "$JF" jwks "$D/k.pub.pem"
	assert_jq "$output" '.keys[0].kid' "$kid"
	# a public key cannot sign
	run -1 --separate-stderr "$JF" sign -k "$D/k.pub.pem"
	assert_err_has "not a private key"
}

# --- sign and verify -----------------------------------------------------

@test "sign -> verify: claims, defaults and options" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	sign_tok "$D/k.pem" --scope "read write" --client-id cli-1 --typ at+jwt
	assert_jq "$(b64url_json "${TOK%%.*}")" .typ at+jwt
	run -0 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_jq "$output" .iss "$ISS"
	assert_jq "$output" .aud "$AUD"
	assert_jq "$output" .scope "read write"
	assert_jq "$output" .client_id cli-1
	assert_jq "$output" '.exp - .iat' 300
	assert_jq "$output" '.jti | test("^[A-Za-z0-9_-]{22}$")' true
	local now
	now=$(date +%s)
	assert_jq "$output" "(.iat - $now) | fabs < 5" true
	# two tokens never share a jti
	local jti1
	jti1=$(jq -r .jti <<<"$output")
	sign_tok "$D/k.pem"
	assert_jq "$(b64url_json "$(cut -d. -f2 <<<"$TOK")")" ".jti != \"$jti1\"" true
}

@test "sign: repeated --aud makes an array; --claims merged, options win" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	cat >"$D/claims.json" <<-EOF
	{"sub":"from-file","email":"a@example.test","jti":"fixed","exp":1}
	EOF
	# an explicit --ttl wins over the file's exp
	TOK=$("$JF" sign -k "$D/k.pem" --iss "$ISS" --aud https://other.test \
		--aud "$AUD" --claims "$D/claims.json" --sub svc-b --ttl 60)
	run -0 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_jq "$output" '.aud | join(" ")' "https://other.test $AUD"
	assert_jq "$output" .sub svc-b
	assert_jq "$output" .email a@example.test
	assert_jq "$output" .jti fixed
	assert_jq "$output" '.exp - .iat' 60
	# without one, the file's exp (1970) stays, and the token is expired
	TOK=$("$JF" sign -k "$D/k.pem" --iss "$ISS" --aud "$AUD" \
		--claims "$D/claims.json")
	assert_jq "$(b64url_json "$(cut -d. -f2 <<<"$TOK")")" .exp 1
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_err_has "token expired"
}

@test "sign: --claims from stdin; duplicate members refused" {
	make_key ES256 k >/dev/null
	run -0 --separate-stderr "$JF" sign -k "$D/k.pem" --claims - \
		<<<'{"role":"admin"}'
	assert_jq "$(b64url_json "$(cut -d. -f2 <<<"$output")")" .role admin
	run -1 --separate-stderr "$JF" sign -k "$D/k.pem" --claims - \
		<<<'{"sub":"a","sub":"b"}'
	assert_err_has "jwt-fcgi sign: (stdin): JSON: duplicate member"
	run -1 --separate-stderr "$JF" sign -k "$D/k.pem" --claims - <<<'[1]'
	assert_err_has "claims must be a JSON object"
	assert_out_empty
}

@test "verify --explain prints one aligned line per check" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	sign_tok "$D/k.pem"
	run -0 --separate-stderr "$JF" verify --explain -c "$D/authz.conf" "$TOK"
	local explain
	explain=$(sed -n '/^{/q;p' <<<"$output")
	# every line before the JSON is "ok    check: detail"
	grep -Evq '^ok    [a-z]+: .+' <<<"$explain" &&
		{ echo "malformed explain line" >&2; cli_show; false; }
	grep -q '^ok    alg: .*ES256' <<<"$explain"
	grep -q '^ok    signature: ' <<<"$explain"
	grep -q '^ok    exp: ' <<<"$explain"
	grep -q '^ok    aud: ' <<<"$explain"
	# and the claims follow
	assert_jq "$(sed -n '/^{/,$p' <<<"$output")" .sub svc-a
}

@test "expired token: exit 1, 'expired', FAIL line, no claims" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	sign_tok "$D/k.pem" --iat $(($(date +%s) - 600)) --exp $(($(date +%s) - 73))
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_out_empty
	assert_err_has "jwt-fcgi verify: refused: token expired: "
	assert_err_has "expired"
	run -1 --separate-stderr "$JF" verify --explain -c "$D/authz.conf" "$TOK"
	grep -q '^FAIL  exp: .*expired' <<<"$output" || { cli_show; false; }
	grep -q '^ok    signature: ' <<<"$output"
	[[ $output != *"{"* ]]
}

@test "verify --now moves the clock" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	sign_tok "$D/k.pem" --ttl 60
	run -1 --separate-stderr "$JF" verify --now $(($(date +%s) + 3600)) \
		-c "$D/authz.conf" "$TOK"
	assert_err_has "token expired"
	sign_tok "$D/k.pem" --nbf 600 --ttl 3600
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_err_has "not yet valid"
	run -0 --separate-stderr "$JF" verify --now $(($(date +%s) + 700)) \
		-c "$D/authz.conf" "$TOK"
}

@test "wrong audience: exit 1" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks" ES256 https://other.example.test
	sign_tok "$D/k.pem"
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_out_empty
	assert_err_has "refused: audience not accepted: "
}

@test "tampered payload or a stranger's key: exit 1" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	sign_tok "$D/k.pem"
	local h p s evil
	IFS=. read -r h p s <<<"$TOK"
	evil=$(b64url "$(b64url_json "$p" | jq -c '.sub = "root"')")
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$h.$evil.$s"
	assert_out_empty
	assert_err_has "refused: signature invalid: "
	[[ $stderr != *"$h"* ]]    # never echoes the token
	# same kid in the header, signed by another key
	"$JF" keygen "$D/other.pem" >/dev/null
	TOK=$("$JF" sign -k "$D/other.pem" --iss "$ISS" --aud "$AUD")
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "$TOK"
	assert_err_has "refused: "
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" "not.a-token"
	assert_err_has "refused: "
}

@test "verify reads the token from stdin, one trailing newline stripped" {
	make_key EdDSA k >/dev/null
	make_conf "$D/k.jwks" EdDSA
	sign_tok "$D/k.pem"
	printf '%s\n' "$TOK" >"$D/tok"
	run -0 --separate-stderr "$JF" verify -c "$D/authz.conf" <"$D/tok"
	assert_jq "$output" .sub svc-a
	run -0 --separate-stderr "$JF" verify -c "$D/authz.conf" - <"$D/tok"
	assert_jq "$output" .iss "$ISS"
	# only one newline goes
	printf '%s\n\n' "$TOK" >"$D/tok2"
	run -1 --separate-stderr "$JF" verify -c "$D/authz.conf" <"$D/tok2"
	assert_err_has "refused: "
}

# --- configuration -------------------------------------------------------

@test "check-config: OK, and a bad line gives file:line and exit 2" {
	make_key ES256 k >/dev/null
	make_conf "$D/k.jwks"
	run -0 --separate-stderr "$JF" check-config "$D/authz.conf"
	[ "$output" = "$D/authz.conf: OK" ] || { cli_show; false; }
	# line 5 of make_conf's file is jwks_file: point it nowhere
	sed -i 's|^jwks_file = .*|jwks_file = /nonexistent.jwks|' "$D/authz.conf"
	run -2 --separate-stderr "$JF" check-config "$D/authz.conf"
	assert_out_empty
	assert_err_has "jwt-fcgi check-config: $D/authz.conf:5: "
	printf 'leeway = 60\nlee_way = 60\n' >"$D/typo.conf"
	run -2 --separate-stderr "$JF" check-config "$D/typo.conf"
	assert_err_has "$D/typo.conf:2: "
	assert_err_has "lee_way"
	run -2 --separate-stderr "$JF" check-config "$D/missing.conf"
	assert_err_has "missing.conf"
}

@test "verify with a bad config exits 2 before reading the token" {
	printf '[issuer %s]\nalgorithms = HS256\n' "$ISS" >"$D/bad.conf"
	run -2 --separate-stderr "$JF" verify -c "$D/bad.conf" x.y.z
	assert_out_empty
	assert_err_has "$D/bad.conf:2: "
	run -2 --separate-stderr "$JF" verify x.y.z
	assert_err_has "--config is required"
}
