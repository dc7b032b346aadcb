#!/usr/bin/env bats
# doc_examples.bats - the docs that run: every configuration example for
# jwt-authz.fcgi (authz.conf) and jwt-mint.fcgi (mint.conf) in README.md,
# doc/*.md, conf/*/README.md, conf/*/*/README.md and the man pages is extracted and loaded by
# the program's own --check-config, with its exact keys and values.
#
# Examples are marked (tests/helpers/docex.awk has the rules): a fenced
# block ```ini authz.conf or ```ini mint.conf in Markdown (```sh
# authz.conf for a shell block whose here-document writes the file), and
# a comment line  .\" example: mint.conf  before the .EX or .nf block in a
# man page. A line that looks like configuration outside every marked
# example fails the test, and so does finding fewer examples than listed
# in EXPECTED below, so neither an unmarked example nor a broken
# extractor can make this pass by checking nothing.
#
# Every file an example names is made, of the kind its key needs, under a
# scratch root (/etc/jwt-fcgi/x -> ROOT/etc/jwt-fcgi/x; relative paths
# beside the configuration): signing_key and access_token_key a private
# key (jwt-fcgi keygen, mode 0600), jwks_file a JWKS (jwt-fcgi jwks) and
# key_file a public PEM (jwt-fcgi pubkey) for the first of the issuer's
# algorithms, registry a valid registry, client_ca and fetch_ca_file a CA
# certificate (jwt-fcgi ca init). A value that looks like a path under a
# key not known here fails, naming the key, instead of being checked
# against a file of the wrong kind.
#   JF_BUILDDIR=/path/to/build bats tests/doc_examples.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/cli
load helpers/docex

# The examples each file holds at least: a missing one is an extractor
# bug or a lost marker. Add a line when you add a file with examples.
EXPECTED=(
	"README.md 4"
	"conf/lighttpd/README.md 1"
	"doc/jwt-fcgi.1 1"
	"doc/jwt-fcgi.conf.5 1"
	"doc/self-issued.md 1"
	"doc/deploy.md 2"
	"doc/jwt-mint.fcgi.8 1"
)
# At least one of each kind, whatever the files.
EXPECTED_KINDS="authz.conf mint.conf"

setup() {
	cli_setup
	AUTHZ=$(jf_bin jwt-authz.fcgi) && MINT=$(jf_bin jwt-mint.fcgi)
}

# docex_key ALG: a private key for ALG, made once in $D/keys.
docex_key() {
	local f=$D/keys/$1.pem
	if [ ! -f "$f" ]; then
		mkdir -p "$D/keys" && "$JF" keygen --alg "$1" "$f" >/dev/null ||
			return 1
	fi
	printf '%s\n' "$f"
}

# docex_is_path VALUE: one word that names a file rather than a URL, a
# number or a name.
docex_is_path() {
	[[ $1 != *[[:space:]]* ]] &&
		[[ $1 == /* || $1 == ./* || $1 == ../* ||
			$1 =~ ^[^:]+\.(pem|jwks|json|crt|key|conf)$ ]]
}

# docex_file_kind PROG KEY VALUE: what file KEY names (privkey, jwks,
# pubkey, registry, cacert), nothing if VALUE is no file; fails for a
# path under a key this test does not know.
docex_file_kind() {
	case $1:$2 in
	authz:jwks_file) echo jwks ;;
	authz:key_file) echo pubkey ;;
	authz:access_token_key) echo privkey ;;
	mint:signing_key) echo privkey ;;
	mint:registry) echo registry ;;
	mint:state_dir) echo dir ;;
	*:client_ca | *:fetch_ca_file) echo cacert ;;
	*)
		if docex_is_path "$3"; then
			echo "$2 = $3 looks like a file, but doc_examples.bats" \
				"does not know what $1's $2 must hold: teach" \
				"docex_file_kind and docex_make" >&2
			return 1
		fi ;;
	esac
}

# docex_make KIND ALG PATH: a real file of KIND at PATH.
docex_make() {
	local kind=$1 alg=$2 path=$3 key
	mkdir -p "$(dirname "$path")" || return 1
	[ ! -e "$path" ] || return 0   # named twice: made once
	case $kind in
	privkey) "$JF" keygen --alg "$alg" "$path" >/dev/null ;;
	jwks) key=$(docex_key "$alg") && "$JF" jwks --alg "$alg" "$key" >"$path" ;;
	pubkey) key=$(docex_key "$alg") && "$JF" pubkey "$key" >"$path" ;;
	registry) cp "$JF_SRCDIR/conf/registry.example.json" "$path" ;;
	dir) mkdir -p "$path" ;;
	cacert)
		"$JF" ca init --dir "$D/ca" --cn "Doc Example CA" >/dev/null \
			2>&1 || [ -f "$D/ca/ca.crt" ] || return 1
		cp "$D/ca/ca.crt" "$path" ;;
	*) echo "docex_make: unknown kind $kind" >&2; return 1 ;;
	esac
}

# docex_prepare EXAMPLE KIND ROOT: writes ROOT/conf/KIND, the example with
# every file path moved under ROOT, after making those files.
docex_prepare() {
	local ex=$1 kind=$2 root=$3 prog=${2%.conf} line key value sec='' fk
	local path new out=$3/conf/$2
	local -A first_alg=()
	mkdir -p "$root/conf" || return 1
	# Pass 1: each issuer's first algorithm (the keys must do one).
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]*\[([a-z0-9_]+)[[:space:]]*(.*)\][[:space:]]*$ ]]; then
			sec=${BASH_REMATCH[2]}
		elif [[ $line =~ ^[[:space:]]*algorithms[[:space:]]*=[[:space:]]*([^[:space:]]+) ]]; then
			first_alg[x$sec]=${BASH_REMATCH[1]}
		fi
	done <"$ex"
	# Pass 2: rewrite the paths, make the files.
	sec=
	: >"$out"
	while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]*\[([a-z0-9_]+)[[:space:]]*(.*)\][[:space:]]*$ ]]; then
			sec=${BASH_REMATCH[2]}
		elif [[ $line =~ ^[[:space:]]*([a-z0-9_]+)[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
			key=${BASH_REMATCH[1]}
			value=${BASH_REMATCH[2]}
			fk=$(docex_file_kind "$prog" "$key" "$value") || return 1
			if [ -n "$fk" ] && docex_is_path "$value"; then
				case $value in
				/*) path=$root$value ;;
				*) path=$root/conf/$value ;;
				esac
				docex_make "$fk" "${first_alg[x$sec]:-ES256}" "$path" ||
					return 1
				case $value in
				/*) new=$path ;;
				*) new=$value ;;   # still relative to the config
				esac
				line=${line/"$value"/"$new"}
			fi
		fi
		printf '%s\n' "$line" >>"$out"
	done <"$ex"
}

# docex_check KIND FILE: the program's own --check-config, from FILE's
# directory (relative paths work either way).
docex_check() {
	local bin=$AUTHZ
	[ "$1" = mint.conf ] && bin=$MINT
	(cd "$(dirname "$2")" && "$bin" --check-config "$2")
}

@test "every authz.conf and mint.conf example in the docs passes --check-config" {
	local ex=$D/ex n kind where root failed=0 total=0
	docex_extract "$ex"
	while read -r n kind where; do
		total=$((total + 1))
		root=$D/root$n
		if ! docex_prepare "$ex/$n.$kind" "$kind" "$root" 2>"$D/prep.err"; then
			printf -- '--- %s (%s): cannot prepare it:\n' "$where" "$kind" >&2
			cat "$D/prep.err" >&2
			failed=$((failed + 1))
			continue
		fi
		run --separate-stderr docex_check "$kind" "$root/conf/$kind"
		if [ "$status" -ne 0 ] || [[ $output != *": OK"* ]]; then
			printf -- '--- %s (%s): --check-config refused it:\n%s\n%s\n' \
				"$where" "$kind" "$output" "$stderr" >&2
			echo "--- the example as checked:" >&2
			cat -n "$root/conf/$kind" >&2
			failed=$((failed + 1))
		fi
	done <"$ex/index"
	printf '# %s examples checked\n' "$total" >&3
	assert_equal "$failed" 0
	# Not vacuous: as many examples as listed (the next test says which).
	[ "$total" -ge "$(printf '%s\n' "${EXPECTED[@]}" | awk '{ n += $2 } END { print n }')" ]
}

@test "the extractor finds every example expected, and no unmarked one" {
	local ex=$D/ex e file want got k
	docex_extract "$ex"
	for e in "${EXPECTED[@]}"; do
		file=${e% *}
		want=${e##* }
		got=$(awk -v f="$file" '{ sub(/:[0-9]+$/, "", $3) } $3 == f' \
			"$ex/index" | wc -l)
		if [ "$got" -lt "$want" ]; then
			printf 'expected at least %s examples in %s, found %s\n' \
				"$want" "$file" "$got" >&2
			cat "$ex/index" >&2
			false
		fi
	done
	for k in $EXPECTED_KINDS; do
		got=$(awk -v k="$k" '$2 == k' "$ex/index" | wc -l)
		[ "$got" -ge 1 ] || { echo "no $k example found" >&2; false; }
	done
	if [ -s "$ex/unmarked" ]; then
		echo "configuration outside every marked example (mark it:" \
			"see tests/helpers/docex.awk):" >&2
		cat "$ex/unmarked" >&2
		false
	fi
}

@test "the extractor: marked blocks, here-documents, walk-through steps, roff escapes, strays" {
	local ex=$D/ex
	mkdir -p "$ex" && : >"$ex/index" && : >"$ex/walk-index" && : >"$ex/unmarked"
	cat >"$D/a.md" <<-'EOF'
	text
	```ini mint.conf
	issuer = https://m.test
	```
	```sh authz.conf
	$ cat > /tmp/authz.conf <<'CONF'
	realm = api
	CONF
	jwt-authz.fcgi -t /tmp/authz.conf
	```
	```ini
	realm = stray
	```
	```sh
	echo "leeway = 3 is prose in a shell block"
	```
	```sh walk:step-one
	echo one
	```
	```sh walk:conf mint.conf
	cat > /etc/jwt-fcgi/mint.conf <<'CONF'
	issuer = https://m.test/walk
	CONF
	```
	```sh walk:run:daemon
	registry = stray in a walk-through block
	```
	```sh walk=typo
	```
	EOF
	cat >"$D/b.8" <<-'EOF'
	.SH EXAMPLE
	.\" example: authz.conf (a note)
	.PP
	.RS
	.EX
	[issuer https://m.test]
	key_file = /etc/jwt\-fcgi/k.pem
	audience = \(dqa\(dq \fBb\fP \e
	.EE
	.RE
	.EX
	leeway = 5
	.EE
	EOF
	awk -v fmt=md -v out="$ex" -v src=a.md -f "$JF_SRCDIR/tests/helpers/docex.awk" "$D/a.md"
	awk -v fmt=roff -v out="$ex" -v src=b.8 -f "$JF_SRCDIR/tests/helpers/docex.awk" "$D/b.8"
	assert_equal "$(cat "$ex/index")" "1 mint.conf a.md:3
2 authz.conf a.md:7
3 mint.conf a.md:22
4 authz.conf b.8:6"
	assert_equal "$(cat "$ex/1.mint.conf")" "issuer = https://m.test"
	assert_equal "$(cat "$ex/2.authz.conf")" "realm = api"
	# shellcheck disable=SC1003 # the backslash ends the text
	assert_equal "$(cat "$ex/3.mint.conf")" "issuer = https://m.test/walk"
	assert_equal "$(cat "$ex/4.authz.conf")" '[issuer https://m.test]
key_file = /etc/jwt-fcgi/k.pem
audience = "a" b \'
	assert_equal "$(cat "$ex/unmarked")" "a.md:12: realm = stray
a.md:26: registry = stray in a walk-through block
a.md:28: bad walk-through marker \"walk=typo\" (walk:NAME or walk:NAME:FLAG)
b.8:12: leeway = 5"
	# walk-through steps, whole, with the line of their first command
	assert_equal "$(cat "$ex/walk-index")" "1 step-one - a.md:18
2 conf - a.md:21
3 run daemon a.md:26"
	assert_equal "$(cat "$ex/walk.1")" "echo one"
	assert_equal "$(cat "$ex/walk.2")" "cat > /etc/jwt-fcgi/mint.conf <<'CONF'
issuer = https://m.test/walk
CONF"
}

@test "the check is real: a planted inline comment or unknown key fails it" {
	local root=$D/root
	printf 'issuer = https://m.test\nsigning_key = /etc/jwt-fcgi/m.pem\nregistry = /etc/jwt-fcgi/r.json\n' \
		>"$D/good.mint.conf"
	docex_prepare "$D/good.mint.conf" mint.conf "$root"
	assert_mode "$root/etc/jwt-fcgi/m.pem" 600
	run -0 --separate-stderr docex_check mint.conf "$root/conf/mint.conf"

	sed 's|m.pem$|m.pem   # the first key|' "$D/good.mint.conf" >"$D/c.mint.conf"
	docex_prepare "$D/c.mint.conf" mint.conf "$root"
	run ! --separate-stderr docex_check mint.conf "$root/conf/mint.conf"
	assert_err_has "mint.conf:2: inline comments are not supported"

	printf '[issuer https://m.test]\njwks_file = k.jwks\naudience = a\nleway = 5\n' \
		>"$D/u.authz.conf"
	docex_prepare "$D/u.authz.conf" authz.conf "$root"
	[ -s "$root/conf/k.jwks" ]
	run ! --separate-stderr docex_check authz.conf "$root/conf/authz.conf"
	assert_err_has "authz.conf:4: "
	assert_err_has "leway"

	# a path under a key the test does not know is refused, not guessed
	printf 'issuer = https://m.test\nreplay_file = /run/x.db\n' >"$D/k.mint.conf"
	run ! docex_prepare "$D/k.mint.conf" mint.conf "$root"
}

# --- small facts the docs must keep -----------------------------------------

@test "the man pages carry one date" {
	local dates
	dates=$(awk 'FNR == 1 || FNR == 2 { if ($1 == ".TH") print $4 }' \
		"$JF_SRCDIR"/doc/*.[158] | sort -u)
	assert_equal "$(printf '%s\n' "$dates" | wc -l)" 1
	[[ $dates =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]
}

@test "tools/demo.sh --help prints its usage and exits 0" {
	run -0 --separate-stderr bash "$JF_SRCDIR/tools/demo.sh" --help
	assert_out_has "Usage: tools/demo.sh [BUILD_DIR]"
	[ -z "$stderr" ]
	run -2 --separate-stderr bash "$JF_SRCDIR/tools/demo.sh" --frobnicate
	assert_err_has "unknown option '--frobnicate'"
}
