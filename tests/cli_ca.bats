#!/usr/bin/env bats
# cli_ca.bats - the jwt-fcgi PKI and registry commands: ca init, register,
# registry check, registry list. Certificates are checked with GnuTLS's
# certtool, registries with jq and with the mint's own loader (registry
# check). The full-disk and read-only cases mount a small tmpfs and are
# skipped when that is not allowed (not root). Run by hand:
#   JF_BUILDDIR=/path/to/build bats tests/cli_ca.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/cli

COMMANDS=("ca init" "register" "registry check" "registry list")

setup() {
	cli_setup
	need_cmd certtool "apt-get install gnutls-bin"
	need_cmd jq
	MNT=
}

teardown() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT"
	fi
}

# ca DIR [OPTIONS]: a CA in DIR (default $D/pki).
ca() {
	local dir=${1:-$D/pki}
	shift || true
	"$JF" ca init --dir "$dir" --cn "Example Service CA" \
		--trust-domain example.test "$@" >/dev/null
}

# reg ID [OPTIONS]: register ID in $D/reg.json with the CA in $D/pki,
# files in $D/out; run's status and output are left for the caller.
reg() {
	local id=$1
	shift
	run --separate-stderr "$JF" register "$id" --registry "$D/reg.json" \
		--ca-dir "$D/pki" --out-dir "$D/out" "$@"
}

# verified CA CERT: certtool accepts CERT against CA.
verified() {
	if ! certtool --verify --load-ca-certificate "$1" --infile "$2" \
		>"$D/verify.log" 2>&1 ||
		! grep -q "Chain verification output: Verified" "$D/verify.log"; then
		cat "$D/verify.log" >&2
		return 1
	fi
}

# has_text FILE TEXT: FILE (e.g. certtool -i output) contains TEXT.
has_text() {
	grep -qF -- "$2" "$1" ||
		{ printf 'expected in %s: %s\n' "$1" "$2" >&2; cat "$1" >&2; false; }
}

# entry ID: the registry entry of ID, sorted keys, one line.
entry() {
	jq -cS --arg id "$1" '.services[] | select(.id == $id)' "$D/reg.json"
}

# --- usage ---------------------------------------------------------------

@test "--help lists the CA and registry commands" {
	run -0 --separate-stderr "$JF" --help
	local c
	for c in "${COMMANDS[@]}"; do
		assert_out_has "  $c "
	done
}

@test "--help and -h on each command print its usage and exit 0" {
	local c f
	for c in "${COMMANDS[@]}"; do
		for f in --help -h; do
			# shellcheck disable=SC2086 # two words are two arguments
			run -0 --separate-stderr "$JF" $c "$f"
			assert_out_has "Usage: jwt-fcgi $c "
			assert_out_has "--help"
			[ -z "$stderr" ] || { cli_show; false; }
		done
	done
	run -0 --separate-stderr "$JF" help registry check
	assert_out_has "Usage: jwt-fcgi registry check FILE"
}

@test "a group word alone or with a wrong second word: exit 2, names the commands" {
	run -2 --separate-stderr "$JF" registry
	assert_err_has "registry: expected one of: 'registry check' 'registry list'"
	run -2 --separate-stderr "$JF" ca frobnicate
	assert_err_has "unknown command 'ca frobnicate'; expected one of: 'ca init'"
	run -2 --separate-stderr "$JF" register
	assert_err_has "expected one service ID"
	run -2 --separate-stderr "$JF" register svc
	assert_err_has "--registry is required"
	run -2 --separate-stderr "$JF" ca init --days 0
	assert_err_has "--days: expected an integer from 1 to 36500, got '0'"
	run -2 --separate-stderr "$JF" ca init --alg PS256
	assert_err_has "--alg: expected ES256, ES384, RS256 or EdDSA, got 'PS256'"
	[ ! -e ca.key ]
	[ ! -e "$D/ca.key" ]
}

# --- ca init -------------------------------------------------------------

@test "ca init: key 0600, a critical CA:TRUE certificate with keyCertSign, SKI and trust domain" {
	umask 000
	run -0 --separate-stderr "$JF" ca init --dir "$D/pki" --cn "Example Service CA" \
		--trust-domain example.test --days 30
	assert_out_has "CN=Example Service CA, trust domain example.test"
	assert_mode "$D/pki" 700
	assert_mode "$D/pki/ca.key" 600
	assert_mode "$D/pki/ca.crt" 644
	assert_equal "$(ls -A "$D/pki" | tr '\n' ' ')" "ca.crt ca.key "
	grep -q -- "-----BEGIN PRIVATE KEY-----" "$D/pki/ca.key"
	certtool -i --infile "$D/pki/ca.crt" >"$D/ca.txt"
	has_text "$D/ca.txt" "Subject: CN=Example Service CA"
	has_text "$D/ca.txt" "Issuer: CN=Example Service CA"
	grep -A1 "Basic Constraints (critical)" "$D/ca.txt" >"$D/bc.txt"
	has_text "$D/bc.txt" "Certificate Authority (CA): TRUE"
	grep -A2 "Key Usage (critical)" "$D/ca.txt" >"$D/ku.txt"
	has_text "$D/ku.txt" "Certificate signing."
	has_text "$D/ku.txt" "CRL signing."
	has_text "$D/ca.txt" "Subject Key Identifier"
	has_text "$D/ca.txt" "URI: spiffe://example.test"
	# the printed key id is the SKI
	local ski
	ski=$(grep -A1 "Subject Key Identifier" "$D/ca.txt" | tail -n 1 | tr -d '[:space:]')
	assert_out_has "key id $ski"
	# self-signed and valid: certtool trusts it as its own anchor
	verified "$D/pki/ca.crt" "$D/pki/ca.crt"
}

@test "ca init refuses to replace a CA; the default trust domain comes from the CN" {
	ca
	local sum
	sum=$(cat "$D/pki/ca.key" "$D/pki/ca.crt" | sha256sum)
	run -1 --separate-stderr "$JF" ca init --dir "$D/pki"
	assert_err_has "a CA exists already"
	[ "$(cat "$D/pki/ca.key" "$D/pki/ca.crt" | sha256sum)" = "$sum" ]
	# only one of the two files present is refused too
	mkdir "$D/half"
	echo keep >"$D/half/ca.crt"
	run -1 --separate-stderr "$JF" ca init --dir "$D/half"
	[ ! -e "$D/half/ca.key" ]
	[ "$(cat "$D/half/ca.crt")" = keep ]

	run -0 --separate-stderr "$JF" ca init --dir "$D/p2" --cn "ACME Internal CA #2"
	assert_out_has "trust domain acme-internal-ca-2,"
}

# --- register --------------------------------------------------------------

@test "register: a client certificate the CA verifies, with SAN URI and clientAuth; key 0600" {
	ca
	umask 000
	reg billing --san-dns Billing.Example.Test --days 10
	[ "$status" -eq 0 ] || { cli_show; false; }
	assert_out_has "reg.json: added service billing (1 service)"
	assert_mode "$D/out/billing.key" 600
	assert_mode "$D/out/billing.crt" 644
	assert_mode "$D/reg.json" 644
	assert_equal "$(ls -A "$D/out" | tr '\n' ' ')" "billing.crt billing.key "
	verified "$D/pki/ca.crt" "$D/out/billing.crt"
	certtool -i --infile "$D/out/billing.crt" >"$D/c.txt"
	has_text "$D/c.txt" "Subject: CN=billing"
	has_text "$D/c.txt" "URI: spiffe://example.test/billing"
	has_text "$D/c.txt" "DNSname: billing.example.test"
	has_text "$D/c.txt" "TLS WWW Client."
	has_text "$D/c.txt" "Digital signature."
	has_text "$D/c.txt" "Certificate Authority (CA): FALSE"
	# the key belongs to the certificate
	certtool -k --infile "$D/out/billing.key" >"$D/k.txt" 2>&1
	local kid
	kid=$(certtool --key-id --infile "$D/out/billing.crt" 2>/dev/null | tail -n 1)
	[ -n "$kid" ]
	grep -qi "$kid" "$D/k.txt"
	# the entry matches on the SAN URI and the CA's key
	local ski
	ski=$(certtool -i --infile "$D/pki/ca.crt" |
		grep -A1 "Subject Key Identifier" | tail -n 1 | tr -d '[:space:]')
	has_text "$D/c.txt" "$ski"
	assert_equal "$(entry billing)" \
		"{\"enabled\":true,\"id\":\"billing\",\"match\":{\"issuer_key_id\":\"$ski\",\"san_uri\":[\"spiffe://example.test/billing\"]}}"
	run -0 --separate-stderr "$JF" registry check "$D/reg.json"
	assert_out_has "reg.json: OK (1 service)"
}

@test "register with every algorithm, under every CA algorithm, verifies" {
	local ca_alg alg
	for ca_alg in ES256 RS256 EdDSA; do
		ca "$D/pki-$ca_alg" --alg "$ca_alg"
		for alg in ES256 ES384 EdDSA; do
			run -0 --separate-stderr "$JF" register "s-$ca_alg-$alg" \
				--registry "$D/reg.json" --ca-dir "$D/pki-$ca_alg" \
				--out-dir "$D/out" --alg "$alg"
			verified "$D/pki-$ca_alg/ca.crt" "$D/out/s-$ca_alg-$alg.crt"
		done
	done
	run -0 --separate-stderr "$JF" registry check "$D/reg.json"
	assert_out_has "OK (9 services)"
}

@test "re-register updates the entry in place; other entries and unset members are kept" {
	ca
	cp "$JF_SRCDIR/conf/registry.example.json" "$D/reg.json"
	local before
	before=$(jq -cS '[.services[] | select(.id != "orders")]' "$D/reg.json")
	reg orders --scope orders:read --scope orders:write \
		--default-scope orders:read --audience https://api.example.test \
		--default-audience https://api.example.test --lifetime 600 \
		--claim team='"shop"' --claim 'roles=["r"]' --description "Orders"
	[ "$status" -eq 0 ] || { cli_show; false; }
	assert_out_has "added service orders (4 services)"
	assert_jq "$(entry orders)" '[.scopes, .default_scope] | tostring' \
		'[["orders:read","orders:write"],["orders:read"]]'
	assert_jq "$(entry orders)" '[.token_lifetime, .claims.team, .claims.roles[0], .description] | tostring' \
		'[600,"shop","r","Orders"]'
	assert_jq "$(jq -c . "$D/reg.json")" '[.services[].id] | join(" ")' \
		"billing search legacy-reports orders"
	local sum1
	sum1=$(sha256sum <"$D/out/orders.key")

	# again: a new key and certificate, lists replaced, claims merged
	reg orders --scope orders:read --default-scope orders:read \
		--claim team='"warehouse"' --disable
	[ "$status" -eq 0 ] || { cli_show; false; }
	assert_out_has "updated service orders (4 services)"
	[ "$(sha256sum <"$D/out/orders.key")" != "$sum1" ]
	assert_mode "$D/out/orders.key" 600
	verified "$D/pki/ca.crt" "$D/out/orders.crt"
	assert_jq "$(entry orders)" '[.enabled, .scopes, .claims.team, .claims.roles[0], .token_lifetime, .audiences[0]] | tostring' \
		'[false,["orders:read"],"warehouse","r",600,"https://api.example.test"]'
	# still where it was, and the others are untouched
	assert_jq "$(jq -c . "$D/reg.json")" '[.services[].id] | join(" ")' \
		"billing search legacy-reports orders"
	assert_equal "$(jq -cS '[.services[] | select(.id != "orders")]' "$D/reg.json")" "$before"
	run -0 --separate-stderr "$JF" registry check "$D/reg.json"
	assert_out_has "OK (4 services)"
	# nothing left behind but the lock file
	assert_equal "$(find "$D" -name '.*' -type f)" ""
	[ -e "$D/reg.json.lock" ]
}

@test "register --pin matches the certificate's SHA-256 too" {
	ca
	reg search --pin --san-uri spiffe://example.test/search/v2
	[ "$status" -eq 0 ] || { cli_show; false; }
	local want got
	# the first sha256: line is the certificate's fingerprint
	want=$(certtool -i --infile "$D/out/search.crt" |
		awk '/sha256:/ { sub(/.*sha256:/, ""); print; exit }')
	[[ $want =~ ^[0-9a-f]{64}$ ]]
	got=$(entry search | jq -r .match.fingerprint | tr -d : | tr 'A-F' 'a-f')
	assert_equal "$got" "$want"
	assert_jq "$(entry search)" '.match.san_uri | tostring' '["spiffe://example.test/search/v2"]'
}

@test "register keeps the registry's mode and follows a symlink to it" {
	ca
	reg a
	chmod 640 "$D/reg.json"
	mv "$D/reg.json" "$D/real.json"
	ln -s real.json "$D/reg.json"
	reg b
	[ "$status" -eq 0 ] || { cli_show; false; }
	[ -L "$D/reg.json" ]
	assert_mode "$D/real.json" 640
	assert_jq "$(jq -c . "$D/real.json")" '[.services[].id] | join(" ")' "a b"
}

@test "register refuses an invalid scope, claim or list; the registry stays byte-identical" {
	ca
	reg keep --scope read
	[ "$status" -eq 0 ] || { cli_show; false; }
	cp "$D/reg.json" "$D/reg.before"

	reg bad --scope 'two words'
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "refused, the registry would be invalid: services[1].scopes[0]: "
	reg bad --claim iss='"me"'
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "services[1].claims: \"iss\" is a reserved claim"
	reg bad --claim team=payments
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "--claim team: not JSON"
	reg bad --claim noequals
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "expected NAME=JSON"
	reg bad --scope a --default-scope b
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "services[1].default_scope"
	# an update that would break an existing entry
	reg keep --default-scope write
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "services[0].default_scope"
	# another service's SAN URI
	reg thief --san-uri spiffe://example.test/keep
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "already claimed by service \"keep\""

	cmp "$D/reg.json" "$D/reg.before"
	[ ! -e "$D/out/bad.key" ]
	[ ! -e "$D/out/bad.crt" ]
	[ ! -e "$D/out/thief.key" ]
	assert_equal "$(ls -A "$D/out" | tr '\n' ' ')" "keep.crt keep.key "
}

@test "register refuses a bad ID, a missing CA and an invalid registry" {
	ca
	reg ../evil
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "ID: expected 1 to 64 bytes, no '/'"
	reg "urn:x"
	[ "$status" -eq 2 ] || { cli_show; false; }
	assert_err_has "is not a SPIFFE path segment"
	reg "urn:x" --san-uri urn:example:x
	[ "$status" -eq 0 ] || { cli_show; false; }

	run -1 --separate-stderr "$JF" register svc --registry "$D/reg.json" \
		--ca-dir "$D/nowhere"
	assert_err_has "nowhere/ca.crt: "

	echo '{"services":[{"id":"a","match":{"san_uri":[5]}}]}' >"$D/bad.json"
	cp "$D/bad.json" "$D/bad.before"
	run -2 --separate-stderr "$JF" register svc --registry "$D/bad.json" \
		--ca-dir "$D/pki" --out-dir "$D/out"
	assert_err_has "the registry is invalid: services[0].match.san_uri[0]: expected a string"
	cmp "$D/bad.json" "$D/bad.before"
	[ ! -e "$D/out/svc.key" ]
}

@test "concurrent registers lose no entry" {
	ca
	local i
	for i in 1 2 3 4 5 6 7 8; do
		"$JF" register "svc$i" --registry "$D/reg.json" --ca-dir "$D/pki" \
			--out-dir "$D/out" >/dev/null 2>"$D/err$i" &
	done
	wait
	run -0 --separate-stderr "$JF" registry check "$D/reg.json"
	assert_out_has "OK (8 services)"
	assert_equal "$(jq -r '.services[].id' "$D/reg.json" | sort | tr '\n' ' ')" \
		"svc1 svc2 svc3 svc4 svc5 svc6 svc7 svc8 "
}

# --- full disk, read-only directory ---------------------------------------

# small_fs SIZE: a tmpfs at $D/fs, or skip.
small_fs() {
	[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
	MNT=$D/fs
	mkdir -p "$MNT"
	mount -t tmpfs -o "size=$1" tmpfs "$MNT" 2>/dev/null ||
		{ MNT=; skip "cannot mount a tmpfs here"; }
}

@test "a full disk: a clear error, the registry unchanged, no temp file left" {
	ca
	small_fs 64k
	reg first --scope read
	cp "$D/reg.json" "$MNT/reg.json"
	cp "$MNT/reg.json" "$D/reg.before"
	# fill every block
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	run -1 --separate-stderr "$JF" register second --registry "$MNT/reg.json" \
		--ca-dir "$D/pki" --out-dir "$D/out"
	assert_err_has "No space left on device"
	cmp "$MNT/reg.json" "$D/reg.before"
	assert_equal "$(ls -A "$MNT" | tr '\n' ' ')" "fill reg.json reg.json.lock "
	[ ! -e "$D/out/second.key" ]
	[ ! -e "$D/out/second.crt" ]
	[ -z "$(find "$D/out" -name '.*')" ]

	# the same for the key files: registry fine, out-dir full
	rm "$MNT/fill"
	mkdir "$MNT/out"
	dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true
	run -1 --separate-stderr "$JF" register second --registry "$D/reg.json" \
		--ca-dir "$D/pki" --out-dir "$MNT/out"
	assert_err_has "No space left on device"
	cmp "$D/reg.json" "$D/reg.before"
	assert_equal "$(ls -A "$MNT/out")" ""
}

@test "a read-only directory: a clear error, nothing written" {
	ca
	small_fs 1m
	reg first
	cp "$D/reg.json" "$MNT/reg.json"
	touch "$MNT/reg.json.lock"
	mount -o remount,ro "$MNT"
	run -1 --separate-stderr "$JF" register second --registry "$MNT/reg.json" \
		--ca-dir "$D/pki" --out-dir "$D/out"
	assert_err_has "Read-only file system"
	cmp "$MNT/reg.json" "$D/reg.json"
	[ ! -e "$D/out/second.key" ]
	# without a lock file yet, the lock is what fails
	rm "$D/reg.json.lock"
	mount -o remount,rw "$MNT"
	rm "$MNT/reg.json.lock"
	mount -o remount,ro "$MNT"
	run -1 --separate-stderr "$JF" register second --registry "$MNT/reg.json" \
		--ca-dir "$D/pki" --out-dir "$D/out"
	assert_err_has "reg.json.lock: cannot create the lock file: Read-only file system"
}

# --- registry check and list ----------------------------------------------

@test "registry check: OK with the count, or the error with its JSON path and exit 2" {
	run -0 --separate-stderr "$JF" registry check "$JF_SRCDIR/conf/registry.example.json"
	assert_out_has "registry.example.json: OK (3 services)"
	[ -z "$stderr" ] || { cli_show; false; }

	echo '{"services":[{"id":"a","match":{"san_uri":"spiffe://x/a"}},{"id":"b","match":{"san_uri":[5]}}]}' >"$D/bad.json"
	run -2 --separate-stderr "$JF" registry check "$D/bad.json"
	assert_out_empty
	assert_err_has "jwt-fcgi: $D/bad.json: services[1].match.san_uri[0]: expected a string"
	echo '{"services":[],"extra":1}' >"$D/bad2.json"
	run -2 --separate-stderr "$JF" registry check "$D/bad2.json"
	assert_err_has "bad2.json: "
	assert_err_has "extra"
	echo '{"services":[' >"$D/bad3.json"
	run -2 --separate-stderr "$JF" registry check "$D/bad3.json"
	assert_err_has "bad3.json: "
	run -2 --separate-stderr "$JF" registry check "$D/missing.json"
	assert_err_has "missing.json: No such file or directory"
	run -2 --separate-stderr "$JF" registry check
	assert_err_has "expected one registry file"
}

@test "registry list: id, state and match rules, one line each" {
	run -0 --separate-stderr "$JF" registry list "$JF_SRCDIR/conf/registry.example.json"
	assert_equal "$(printf '%s\n' "$output" | cut -f1,2 | tr '\t\n' ' |')" \
		"billing enabled|search enabled|legacy-reports disabled|"
	assert_equal "$(printf '%s\n' "$output" | head -n 1 | cut -f3)" \
		'{"san_uri":["spiffe://example.test/billing"],"issuer":"CN=Service CA,O=Example"}'
	echo '{"services":[{"id":"a"}]}' >"$D/bad.json"
	run -2 --separate-stderr "$JF" registry list "$D/bad.json"
	assert_err_has "bad.json: services[0]"
	assert_out_empty
}
