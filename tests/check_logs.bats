#!/usr/bin/env bats
# check_logs.bats - tools/check-logs.sh, which tools/bootstrap.sh runs over
# every log of the whole suite, finds each kind of leak it promises to
# (so a clean result after the suite means something).

bats_require_minimum_version 1.5.0

setup() {
	CHECK=$BATS_TEST_DIRNAME/../tools/check-logs.sh
	D=$BATS_TEST_TMPDIR/logs
	mkdir -p "$D"
	printf 'jwt-authz.fcgi[1]: info: refused: 401 invalid_token: token expired 5 s ago (remote 127.0.0.1, uri /api/x)\n' >"$D/clean.log"
}

@test "ordinary refusal lines pass" {
	run -0 "$CHECK" "$D"
	[[ $output == "check-logs: 1 log files, no token, secret or private key" ]]
}

@test "no log file is a failure: nothing was checked" {
	rm "$D/clean.log"
	run -1 "$CHECK" "$D"
	[[ $output == "check-logs: 0 log files in $D, expected at least 1:"* ]]
	run -1 "$CHECK" "$D" 0
	[[ $output == *"0 log files"* ]]
	run -1 "$CHECK" "$BATS_TEST_TMPDIR/none"
	[[ $output == *"no logs in"* ]]
}

@test "fewer log files than the caller expects is a failure" {
	run -1 "$CHECK" "$D" 2
	[[ $output == "check-logs: 1 log files in $D, expected at least 2:"* ]]
	printf 'x\n' >"$D/second.log"
	run -0 "$CHECK" "$D" 2
	[[ $output == "check-logs: 2 log files, no token, secret or private key" ]]
	run -2 "$CHECK" "$D" many
}

@test "a token in a log is found, and not printed" {
	tok=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzdmMtYSJ9.c2lnbmF0dXJlc2lnbmF0dXJl
	printf 'x: uri /api?access_token=%s\n' "$tok" >"$D/leak.log"
	run -1 "$CHECK" "$D"
	[[ $output == *"a token in leak.log"* ]]
	[[ $output != *"$tok"* ]]
}

@test "a private key in a log is found" {
	printf -- '-----BEGIN PRIVATE KEY-----\nMIG...\n' >"$D/key.log"
	run -1 "$CHECK" "$D"
	[[ $output == *"a private key in key.log"* ]]
}

@test "a private JWK member and a client secret are found" {
	printf '{"kty":"EC","d":"q5XKq5XKq5XKq5XKq5XKq5XK"}\n' >"$D/jwk.log"
	printf 'body grant_type=client_credentials&client_secret=s3cr3t-s3cr3t\n' >"$D/sec.log"
	run -1 "$CHECK" "$D"
	[[ $output == *"a private JWK member in jwk.log"* ]]
	[[ $output == *"a client secret in sec.log"* ]]
}
