# cli.bash - helpers for tests/cli.bats: the jwt-fcgi binary, keys and
# configurations made in this test's own temp dir, and assertions on
# `run --separate-stderr` results that print expected vs actual.
#
# Needs helpers/common.bash (jf_bin) loaded first.

ISS=https://mint.example.test
AUD=https://api.example.test

# cli_setup: per test. $JF is the binary (or the test fails saying how to
# build it), $D the test's scratch dir, HOME a fresh dir inside it.
cli_setup() {
	JF=$(jf_bin jwt-fcgi) || return 1
	D=$BATS_TEST_TMPDIR
	HOME=$D/home
	mkdir -p "$HOME"
	export HOME
}

# make_key ALG NAME: $D/NAME.pem and the public JWKS $D/NAME.jwks, the
# RSA ones pinned to ALG; prints the kid keygen printed.
make_key() {
	local alg=$1 name=$2 kid
	kid=$("$JF" keygen --alg "$alg" "$D/$name.pem") || return 1
	"$JF" jwks --alg "$alg" "$D/$name.pem" >"$D/$name.jwks" || return 1
	printf '%s\n' "$kid"
}

# make_conf JWKS [ALGS] [AUDIENCE]: writes $D/authz.conf trusting $ISS
# with the keys in JWKS.
make_conf() {
	cat >"$D/authz.conf" <<-EOF
	# written by tests/cli.bats
	leeway = 0

	[issuer $ISS]
	jwks_file = $1
	algorithms = ${2:-ES256}
	audience = ${3:-$AUD}
	EOF
}

# sign_tok KEY [SIGN OPTIONS...]: a token from $ISS to $AUD in $TOK.
sign_tok() {
	local key=$1
	shift
	TOK=$("$JF" sign -k "$key" --iss "$ISS" --aud "$AUD" --sub svc-a "$@")
}

# b64url_json PART: the JSON inside one base64url part of a token.
b64url_json() {
	local s
	s=$(printf '%s' "$1" | tr '_-' '/+')
	case $((${#s} % 4)) in
	2) s="$s==" ;;
	3) s="$s=" ;;
	esac
	printf '%s' "$s" | base64 -d
}

# b64url TEXT: base64url without padding.
b64url() {
	printf '%s' "$1" | base64 -w0 | tr '/+' '_-' | tr -d '='
}

cli_show() {
	printf -- '--- status: %s\n--- stdout:\n%s\n--- stderr:\n%s\n' \
		"$status" "$output" "${stderr-}" >&2
}

# assert_out_has TEXT / assert_err_has TEXT: stdout / stderr contains TEXT.
assert_out_has() {
	if [[ $output != *"$1"* ]]; then
		printf 'expected stdout containing: %s\n' "$1" >&2
		cli_show
		return 1
	fi
}

assert_err_has() {
	if [[ ${stderr-} != *"$1"* ]]; then
		printf 'expected stderr containing: %s\n' "$1" >&2
		cli_show
		return 1
	fi
}

assert_out_empty() {
	if [ -n "$output" ]; then
		printf 'expected empty stdout\n' >&2
		cli_show
		return 1
	fi
}

# assert_mode FILE MODE: octal permission bits, e.g. 600.
assert_mode() {
	local got
	got=$(stat -c %a "$1") || return 1
	if [ "$got" != "$2" ]; then
		printf 'expected mode of %s: %s\nactual mode:   %s\n' \
			"$1" "$2" "$got" >&2
		return 1
	fi
}

# assert_jq JSON FILTER EXPECTED: jq -r FILTER of JSON equals EXPECTED.
assert_jq() {
	local got
	got=$(printf '%s' "$1" | jq -r "$2" 2>&1)
	if [ "$got" != "$3" ]; then
		printf 'expected %s: %s\nactual %s:   %s\njson: %s\n' \
			"$2" "$3" "$2" "$got" "$1" >&2
		return 1
	fi
}
