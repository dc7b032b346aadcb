# forge.bash - the attack suite's fixture and table runner
# (tests/attacks_authz.bats). Needs common.bash, pki.bash and
# lighttpd.bash loaded.
#
#   attacks_fixture DIR      keys, two issuers, DIR/authz.conf
#   attacks_start DIR AUTHZ  lighttpd with the shipped snippet, header
#                            limit raised (conf/attacks-lighttpd.conf)
#   forge_table              runs a table of forged tokens (see below)
#   attack_case NAME EXPECT DESC CURL-ARGS...   one hand-made request
#   attack_check             the checks both apply to one answer
#   pl, hd, nest             JSON text for the tables

JF_ISS2=https://partner.test

# attacks_fixture DIR: authz_fixture's keys and tokens, plus
#   mint-rsa.key   an RSA key of the same issuer, pinned to RS256
#   partner.key    the ES256 key of a second trusted issuer
#   attacker.key   the attacker's key, with a self-signed attacker.der
# and an authz.conf with both issuers. Exports MINT_KID, RSA_KID,
# PARTNER_KID, ATTACKER_KID, ATTACKER_X5C (its certificate), NOW and EXP.
attacks_fixture() {
	local d=$1 cli
	cli=$(jf_bin jwt-fcgi) || return 1
	authz_fixture "$d" || return 1
	MINT_KID=$(cat "$d/mint.kid") &&
	RSA_KID=$("$cli" keygen --alg RS256 --pub "$d/mint-rsa.pub.pem" \
		"$d/mint-rsa.key") &&
	PARTNER_KID=$("$cli" keygen --alg ES256 "$d/partner.key") &&
	ATTACKER_KID=$("$cli" keygen --alg ES256 "$d/attacker.key") &&
	"$cli" pubkey "$d/mint.key" >"$d/mint.pub.pem" &&
	"$cli" jwks "$d/mint.key" "$d/mint-rsa.key" >"$d/mint.jwks" &&
	"$cli" jwks "$d/partner.key" >"$d/partner.jwks" &&
	"$cli" jwks "$d/attacker.key" >"$d/attacker.jwks" &&
	jq -c '.keys[0]' "$d/attacker.jwks" >"$d/attacker.jwk" || return 1
	# The RSA PEM without its final newline: another HMAC secret a
	# vulnerable library might have used.
	printf '%s' "$(cat "$d/mint-rsa.pub.pem")" >"$d/mint-rsa.pub.nonl"
	printf '%s\n' 'cn = "attacker"' 'serial = 66' 'expiration_days = 1' \
		'signing_key' >"$d/attacker.tmpl"
	pki_certtool "$d/attacker.log" --generate-self-signed \
		--load-privkey "$d/attacker.key" --template "$d/attacker.tmpl" \
		--outder --outfile "$d/attacker.der" || return 1
	ATTACKER_X5C=$(base64 -w0 "$d/attacker.der")
	cat >"$d/authz.conf" <<-EOF
	realm = $JF_REALM
	leeway = 60

	[issuer $JF_ISS]
	jwks_file = $d/mint.jwks
	algorithms = ES256 RS256 PS256
	audience = $JF_AUD

	[issuer $JF_ISS2]
	jwks_file = $d/partner.jwks
	algorithms = ES256
	audience = $JF_AUD
	EOF
	NOW=$(date +%s)
	EXP=$((NOW + 600))
	export MINT_KID RSA_KID PARTNER_KID ATTACKER_KID ATTACKER_X5C NOW EXP
}

# attacks_start DIR AUTHZ: lighttpd_start, except that lighttpd.conf also
# includes tests/helpers/conf/attacks-lighttpd.conf (a larger header limit, so
# tokens around the authorizer's own 8 KiB cap reach it). Sets PORT.
attacks_start() {
	local dir=$1 authz=$2 echo
	echo=$(jf_bin tests/helpers/fcgi-echo) || return 1
	mkdir -p "$dir/htdocs/api" || return 1
	pki_init "$dir/pki" && pki_server "$dir/pki" &&
	lighttpd_render "$dir" "$authz" || return 1
	printf 'include "%s"\n' \
		"$JF_SRCDIR/tests/helpers/conf/attacks-lighttpd.conf" \
		>>"$dir/lighttpd.conf"
	if ! lighttpd -tt -f "$dir/lighttpd.conf" >"$dir/lighttpd-tt.log" 2>&1; then
		cat "$dir/lighttpd-tt.log" >&2
		return 1
	fi
	start_daemon "$dir" echo "$echo" --listen "$dir/echo.sock" \
		--log "$dir/backend.log" &&
	wait_for_file "$dir/echo.sock" &&
	start_daemon "$dir" lighttpd lighttpd -D -f "$dir/lighttpd.conf" &&
	wait_for_port "$PORT" 10 "$dir/lighttpd.pid" || {
		cat "$dir/lighttpd.log" "$dir/lighttpd.error.log" >&2
		return 1
	}
}

# attack_case NAME EXPECT DESC CURL-ARGS...: one request to
# $BASE$ATTACK_ROUTE/NAME (the name shows in the backend's log), then
# attack_check. ATTACK_ROUTE is /api/echo unless a test sets it (say to
# /api/team/echo, a route with a JWT_REQUIRE_CLAIMS policy).
attack_case() {
	local name=$1 expect=$2 desc=$3 dir
	shift 3
	dir=$(jf_dir)/resp
	mkdir -p "$dir" || return 1
	attack_mark
	curl -sS --max-time 10 -o "$dir/$name.body" -D "$dir/$name.hdrs" \
		"$@" "$BASE${ATTACK_ROUTE:-/api/echo}/$name" || {
		echo "=== case $name: curl failed" >&2
		return 1
	}
	attack_fast attack_check "$name" "$expect" "$desc" "$dir/$name"
}

# attack_fast CMD...: runs CMD in a subshell without bats' DEBUG trap,
# which bats runs before every command of a test (for its stack traces)
# and which makes these loops 5 to 10 times slower. A subshell, so the
# test's own trap stays in place.
attack_fast() {
	(trap - DEBUG; "$@")
}

# attack_bearer NAME EXPECT DESC TOKEN-FILE: attack_case with the file's
# bytes as the bearer token.
attack_bearer() {
	local tok
	tok=$(<"$4") || return 1
	attack_case "$1" "$2" "$3" -H "Authorization: Bearer $tok"
}

# attack_mark: remember how long the backend's log is, so attack_check
# looks only at what came after.
attack_mark() {
	local -a l=()
	if [ -f "$BACKEND_LOG" ]; then mapfile -t l <"$BACKEND_LOG"; fi
	JF_BACKEND_MARK=${#l[@]}
}

# attack_check NAME EXPECT DESC RESP: checks RESP.hdrs and RESP.body,
# the answer to the request for $ATTACK_ROUTE/NAME, against EXPECT:
#   "401 invalid_token", "400 invalid_request", ...: that status, a Bearer
#       challenge with that error and DESC in its error_description
#       ('"' shows as "'" there), and the backend not reached;
#   "401 -": a challenge without error code, backend not reached;
#   "431 lighttpd" (any status): lighttpd refused the request itself: no
#       challenge at all, backend not reached;
#   "200 -": allowed, the backend reached, DESC in what it saw.
# Always: no Variable-* header and no X-Injected header (a claim or kid
# that split a header line) in the answer. Shell builtins only: it runs
# a few hundred times. Prints what differs, naming the case.
attack_check() {
	local name=$1 expect=$2 desc=$3 resp=$4
	local st=${expect%% *} code=${expect#* } got='' www='' l k bad='' reached=0
	local -a lines=()
	mapfile -t lines <"$resp.hdrs"
	for l in "${lines[@]}"; do
		l=${l%$'\r'}
		k=${l%%:*}
		case ${k,,} in
		http/*) got=${l#* }; got=${got%% *}; www= ;;
		www-authenticate) www=${l#*:}; www=${www# } ;;
		variable-*) bad+="a Variable-* header reached the client; " ;;
		x-injected) bad+="RESPONSE SPLITTING: X-Injected came back; " ;;
		esac
	done
	lines=()
	if [ -f "$BACKEND_LOG" ]; then
		mapfile -t -s "$JF_BACKEND_MARK" lines <"$BACKEND_LOG"
	fi
	for l in "${lines[@]}"; do
		[[ $l == *" ${ATTACK_ROUTE:-/api/echo}/$name" ]] && reached=1
	done
	[ "$got" = "$st" ] || bad+="status $got, want $st; "
	if [ "$st" = 200 ]; then
		[ "$reached" = 1 ] || bad+="backend not reached; "
		[[ $(<"$resp.body") == *"$desc"* ]] ||
			bad+="the backend did not see $desc; "
	else
		[ "$reached" = 0 ] || bad+="THE BACKEND WAS REACHED; "
		if [ "$code" = lighttpd ]; then
			[ -z "$www" ] || bad+="a challenge: not lighttpd's refusal; "
		elif [[ $www != "Bearer realm=\"$JF_REALM\""* ]]; then
			bad+="no Bearer challenge; "
		elif [ "$code" = - ]; then
			[[ $www != *error=* ]] || bad+="an error code; "
		else
			[[ $www == *"error=\"$code\""* ]] || bad+="not $code; "
			[[ $www == *"$desc"* ]] || bad+="description lacks: $desc; "
		fi
	fi
	[ -z "$bad" ] && return 0
	printf '=== case %s: expected %s (%s)\n    %s\n' "$name" "$expect" \
		"$desc" "$bad" >&2
	printf '    got %s, WWW-Authenticate: %s\n' "$got" "${www:-<none>}" >&2
	if [ "$st" = 200 ]; then
		printf '    body: %.300s\n' "$(<"$resp.body")" >&2
	fi
	return 1
}

# forge_table: reads lines NAME | STATUS CODE | DESC | HEADER | PAYLOAD |
# OPS (blank lines and # comments skipped), forges every token at once
# with tests/node/forge.mjs (see there for HEADER, PAYLOAD and OPS),
# sends them all with one curl, then checks each with attack_check.
# Checks every case and fails at the end, naming each case that failed.
forge_table() {
	local dir rec name expect desc h p ops failed='' tok i
	local -a names=() expects=() descs=()
	local -A seen=()
	dir=$(jf_dir)/forged
	mkdir -p "$dir" && : >"$dir/recipes" && : >"$dir/curl.cfg" || return 1
	while IFS= read -r rec; do
		[[ $rec =~ ^[[:space:]]*(#|$) ]] && continue
		IFS='|' read -r name expect desc h p ops <<<"$rec"
		printf '%s|%s|%s|%s\n' "$name" "$h" "$p" "$ops" >>"$dir/recipes"
		forge_trim name
		forge_trim expect
		forge_trim desc
		if [ -n "${seen[$name]:-}" ]; then
			echo "forge_table: case $name twice" >&2
			return 1
		fi
		seen[$name]=1
		names+=("$name")
		expects+=("$expect")
		descs+=("$desc")
	done
	node "$JF_SRCDIR/tests/node/forge.mjs" "$dir" <"$dir/recipes" ||
		return 1
	for name in "${names[@]}"; do
		tok=$(<"$dir/$name.jwt")
		# "next" separates transfers; after the last one it is an error.
		[ "$name" = "${names[0]}" ] || echo next >>"$dir/curl.cfg"
		printf '%s\n' "url = \"$BASE${ATTACK_ROUTE:-/api/echo}/$name\"" \
			"header = \"Authorization: Bearer $tok\"" \
			"output = \"$dir/$name.body\"" \
			"dump-header = \"$dir/$name.hdrs\"" \
			"max-time = 10" >>"$dir/curl.cfg"
	done
	attack_mark
	curl -sS -K "$dir/curl.cfg" || {
		echo "forge_table: curl failed" >&2
		return 1
	}
	for i in "${!names[@]}"; do
		attack_fast attack_check "${names[i]}" "${expects[i]}" "${descs[i]}" \
			"$dir/${names[i]}" || failed="$failed ${names[i]}"
	done
	if [ -n "$failed" ]; then
		echo "failed cases:$failed" >&2
		return 1
	fi
}

# forge_trim VAR: strips VAR's leading and trailing blanks, in place.
forge_trim() {
	local -n v=$1
	v=${v#"${v%%[![:space:]]*}"}
	v=${v%"${v##*[![:space:]]}"}
}

# assert_authorizer_alive: no worker of the authorizer crashed since
# the server started (the supervisor logs each death to lighttpd's
# error log), and lighttpd itself is still running.
assert_authorizer_alive() {
	if grep -E 'killed by signal|exited with status' \
		"$DIR/lighttpd.error.log" "$DIR/lighttpd.log" >&2; then
		echo "an authorizer worker died (above)" >&2
		return 1
	fi
	kill -0 "$(cat "$DIR/lighttpd.pid")" || {
		echo "lighttpd is gone" >&2
		return 1
	}
}

# jobj DEFAULTS... -- EDITS...: a JSON object as text, members in order.
# Each DEFAULT and EDIT is NAME=JSON; an EDIT replaces the member of that
# name or adds one at the end, and -NAME removes it. The values are JSON
# text, so pl 'exp="9999999999"' makes exp a string.
jobj() {
	local -a keys=()
	local -A val=()
	local a k out='' edits=''
	for a; do
		if [ "$a" = -- ]; then
			edits=1
			continue
		fi
		if [ -n "$edits" ] && [ "${a:0:1}" = - ]; then
			unset "val[${a:1}]"
			continue
		fi
		k=${a%%=*}
		[[ -v val[$k] ]] || keys+=("$k")
		val[$k]=${a#*=}
	done
	for k in "${keys[@]}"; do
		[[ -v val[$k] ]] && out+="${out:+,}\"$k\":${val[$k]}"
	done
	printf '{%s}' "$out"
}

# pl, hd and nest are always called as $(...), a subshell, where they
# drop bats' DEBUG trap (see attack_fast) without touching the test's.
#
# pl EDITS...: the valid payload (iss, aud, sub svc-a, exp in 10 min,
# iat now) with EDITS. hd EDITS...: the header of a token signed by the
# issuer's ES256 key (alg, typ, kid) with EDITS.
pl() {
	trap - DEBUG
	jobj iss="\"$JF_ISS\"" aud="\"$JF_AUD\"" sub='"svc-a"' exp="$EXP" \
		iat="$NOW" -- "$@"
}
hd() {
	trap - DEBUG
	jobj alg='"ES256"' typ='"JWT"' kid="\"$MINT_KID\"" -- "$@"
}

# nest N OPEN CLOSE: OPEN N times, 1, then CLOSE N times.
nest() {
	trap - DEBUG
	local pad
	printf -v pad '%*s' "$1" ''
	printf '%s1%s' "${pad// /"$2"}" "${pad// /"$3"}"
}
