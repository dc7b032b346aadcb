#!/usr/bin/env bats
# hardening.bats - what doc/security.md promises about the built programs
# and how they run:
#   - the binaries: PIE, full RELRO, no executable stack, stack protector,
#     _FORTIFY_SOURCE, stack-clash probes, CET (readelf/objdump), and
#     no libjwt;
#   - the systemd units in conf/systemd: systemd-analyze verify and
#     security (offline, on the unit files), the socket contract;
#   - the listening socket on fd 0, as systemd (StandardInput=socket) and
#     spawn-fcgi pass it, over TCP and a unix socket, with reload and stop;
#   - the mint refuses a signing key others can read;
#   - every system call the programs make is one the units allow, and
#     none needs writable+executable memory (strace);
#   - the logs at debug level hold no token, token fragment or key.
# Run by hand: JF_BUILDDIR=/path/to/build bats tests/hardening.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki

PROGRAMS="jwt-authz.fcgi jwt-mint.fcgi jwt-fcgi"
UNITS="jwt-authz.socket jwt-authz.service jwt-mint.socket jwt-mint.service"

# Tokens live 5 minutes: each test that needs them makes its own.
setup() {
	DIR=$BATS_TEST_TMPDIR/fx
}

# hd_fixture: authz_fixture's keys, tokens and authz.conf (at debug) in
# $DIR.
hd_fixture() {
	mkdir -p "$DIR" && authz_fixture "$DIR" &&
	sed -i '1i log_level = debug' "$DIR/authz.conf"
}

# --- helpers --------------------------------------------------------------

# hd_flags: the build's compiler and preprocessor flags, from its Makefile.
hd_flags() {
	grep -E '^(JF_CFLAGS|JF_CPPFLAGS|JF_LDFLAGS|CFLAGS|CPPFLAGS) =' \
		"${JF_BUILDDIR:-$JF_SRCDIR}/Makefile"
}

# hd_fail MESSAGE...: prints why and fails.
hd_fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# hd_units DIR: the shipped units in DIR with ExecStart= pointing at the
# built programs (systemd-analyze verify checks that they exist), and
# DIR/man with our man pages (it also checks Documentation=man:...).
hd_units() {
	local d=$1 u
	mkdir -p "$d/man/man1" "$d/man/man5" "$d/man/man8" || return 1
	cp "$JF_SRCDIR"/doc/*.1 "$d/man/man1/" &&
	cp "$JF_SRCDIR"/doc/*.5 "$d/man/man5/" &&
	cp "$JF_SRCDIR"/doc/*.8 "$d/man/man8/" || return 1
	for u in $UNITS; do
		sed "s#/usr/local/bin/#${JF_BUILDDIR:-$JF_SRCDIR}/#" \
			"$JF_SRCDIR/conf/systemd/$u" >"$d/$u" || return 1
	done
}

# unit_has UNIT LINE: the shipped UNIT has exactly LINE.
unit_has() {
	grep -qxF -- "$2" "$JF_SRCDIR/conf/systemd/$1" ||
		hd_fail "conf/systemd/$1: expected the line: $2"
}

# fcgi_get ADDR TOKEN: one FastCGI GET with that bearer token to ADDR
# (host:port or a socket path); the response in $output.
fcgi_get() {
	run --separate-stderr env -i REQUEST_METHOD=GET REQUEST_URI=/api \
		HTTP_AUTHORIZATION="Bearer $2" cgi-fcgi -bind -connect "$1" \
		</dev/null
}

# assert_fcgi_status CODE: $output is a response with Status: CODE.
assert_fcgi_status() {
	local got
	got=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^Status: //p')
	[[ $got == "$1 "* ]] || hd_fail "expected Status: $1 ..." \
		"actual response:" "$output"
}

# wait_log FILE TEXT [COUNT]: waits up to 5 s for COUNT lines with TEXT.
wait_log() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -cF -- "$2" "$1")" -ge "${3:-1}" ] && return 0
		sleep 0.05
	done
	hd_fail "$1: expected ${3:-1} line(s) with: $2" "--- $1:" "$(cat "$1")"
}

# server_pid LOG: the supervisor's PID from its "starting" line.
server_pid() {
	sed -n 's/^[^[]*\[\([0-9]*\)\]: info: starting .*/\1/p' "$1" | head -n 1
}

# children PID: how many processes have PID as their parent.
children() {
	grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
		wc -l
}

# wait_children PID N: waits up to 5 s until PID has N children.
wait_children() {
	local i
	for i in $(seq 1 100); do
		[ "$(children "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	hd_fail "expected $2 workers under $1, found $(children "$1")"
}

# hd_registry FILE [CLAIMS-JSON]: a registry with one service, billing
# (certificate CN billing, or the client secret in FILE's dir, made here
# once); replaced by a rename, as an operator should.
hd_registry() {
	local sf hash
	sf=$(dirname "$1")/billing.secret
	[ -f "$sf" ] || head -c 32 /dev/urandom | basenc --base64url -w0 |
		tr -d = >"$sf" || return 1
	hash=$(tr -d '\n' <"$sf" | sha256sum | cut -d' ' -f1)
	cat >"$1.tmp" <<-EOF
	{ "services": [ { "id": "billing", "match": { "subject_cn": "billing" },
	  "client_secret_sha256": "$hash",
	  "claims": ${2:-{\}}, "scopes": ["invoices:read"],
	  "default_scope": ["invoices:read"], "audiences": ["$JF_AUD"],
	  "default_audience": "$JF_AUD" } ] }
	EOF
	mv -f "$1.tmp" "$1"
}

# mint_min_fixture DIR: a signing key (0600), the registry and a
# mint.conf at debug level.
mint_min_fixture() {
	local d=$1
	"$(jf_bin jwt-fcgi)" keygen --alg ES256 "$d/mk.key" >"$d/mk.kid" &&
	chmod 600 "$d/mk.key" && hd_registry "$d/registry.json" || return 1
	printf '%s\n' "issuer = https://mint.test" "signing_key = $d/mk.key" \
		"registry = $d/registry.json" "log_level = debug" \
		"state_dir = $d/state" >"$d/mint.conf"
}

# need_strace: a release build (sanitizer runtimes make system calls of
# their own, and LeakSanitizer does not run under ptrace), and strace
# exists and may trace here (containers may forbid ptrace).
need_strace() {
	! hd_flags | grep -q -- -fsanitize ||
		skip "sanitizer build: the system call set is the release build's"
	need_cmd strace "apt-get install strace" || return 1
	strace -qq -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace not permitted)"
}

# syscalls TRACE PROGRAM: the system calls made from PROGRAM's execve on,
# one per line, from strace -f output.
syscalls() {
	awk -v prog="$2" '
		!on && index($0, "execve(\"" prog "\"") { on = 1 }
		on { sub(/^[0-9]+ +/, "")
		     if (match($0, /^[a-z_0-9]+\(/)) print substr($0, 1, RLENGTH - 1) }
	' "$1" | sort -u
}

# filter_set SET...: the system calls in systemd's named sets, expanded.
filter_set() {
	local s x
	for s in "$@"; do
		systemd-analyze syscall-filter --no-pager "$s" |
			sed -n '/^@/,$p' | tail -n +2 | sed 's/#.*//; s/^ *//' |
			grep -v '^$' | while read -r x; do
				case $x in
				@*) filter_set "$x" ;;
				*) echo "$x" ;;
				esac
			done
	done
}

# assert_syscalls_allowed TRACE PROGRAM: every call is in @system-service
# and none is in @privileged or @resources, as the units' filter says.
assert_syscalls_allowed() {
	local used allowed denied bad
	used=$(syscalls "$1" "$2")
	[ "$(printf '%s\n' "$used" | wc -l)" -ge 20 ] ||
		hd_fail "too few system calls traced from $2:" "$used"
	allowed=$(filter_set @system-service | sort -u)
	denied=$(filter_set @privileged @resources | sort -u)
	bad=$(comm -23 <(printf '%s\n' "$used") <(printf '%s\n' "$allowed"))
	bad+=$(comm -12 <(printf '%s\n' "$used") <(printf '%s\n' "$denied"))
	[ -z "$bad" ] || hd_fail "$2 made system calls the units forbid:" "$bad"
}

# assert_wx_free TRACE PROGRAM: no mapping both writable and executable,
# and no mprotect() to executable: what MemoryDenyWriteExecute=yes
# forbids (ld.so mapping libraries read+exec is allowed).
assert_wx_free() {
	local bad
	bad=$(awk -v prog="$2" '
		!on && index($0, "execve(\"" prog "\"") { on = 1 }
		on && /(mmap|mprotect|pkey_mprotect)\(/ && /PROT_EXEC/ &&
		    (/mprotect/ || /PROT_WRITE/)' "$1")
	[ -z "$bad" ] || hd_fail "$2 would break MemoryDenyWriteExecute=yes:" "$bad"
}

# assert_no_secret LOG SECRET...: LOG holds no SECRET, and no 16-character
# piece of one.
assert_no_secret() {
	local log=$1 hit
	shift
	hit=$(printf '%s\n' "$@" | awk -v lf="$log" '
		BEGIN { while ((getline l < lf) > 0) text = text l "\n" }
		{ for (i = 1; i + 15 <= length($0); i++) {
			f = substr($0, i, 16)
			if (index(text, f)) { print f; exit } } }')
	[ -z "$hit" ] || hd_fail "$log holds a piece of a secret: $hit" \
		"--- $log:" "$(cat "$log")"
}

# assert_no_key_material LOG: no PEM block and no private JWK member.
assert_no_key_material() {
	if grep -nE -- '-----BEGIN|PRIVATE KEY|"(d|p|q|dp|dq|qi|k)" *:' "$1" >&2
	then
		hd_fail "$1 holds key material (above)"
	fi
}

# --- the binaries ------------------------------------------------------------

@test "programs are PIE with full RELRO, no executable stack, no text relocations" {
	need_cmd readelf "apt-get install binutils"
	local p b h dyn seg
	for p in $PROGRAMS; do
		b=$(jf_bin "$p")
		h=$(readelf -hW "$b") && dyn=$(readelf -dW "$b") &&
			seg=$(readelf -lW "$b")
		[[ $h == *"Type:"*"DYN"* && $dyn == *"FLAGS_1"*"PIE"* ]] ||
			hd_fail "$p: not a PIE:" "$h" "$dyn"
		[[ $dyn == *"BIND_NOW"* || $dyn == *"FLAGS_1"*" NOW"* ]] ||
			hd_fail "$p: no BIND_NOW (-z now):" "$dyn"
		grep -q 'GNU_RELRO' <<<"$seg" ||
			hd_fail "$p: no GNU_RELRO segment (-z relro)" "$seg"
		[ "$(awk '$1 == "GNU_STACK" { print $7 }' <<<"$seg")" = RW ] ||
			hd_fail "$p: stack not RW-only:" "$(grep GNU_STACK <<<"$seg")"
		! grep -qE 'TEXTREL|RPATH|RUNPATH' <<<"$dyn" ||
			hd_fail "$p: TEXTREL, RPATH or RUNPATH:" "$dyn"
	done
}

@test "no program links libjwt (its HMAC strcmp, CVE-2024-25189, and alg trust)" {
	need_cmd readelf "apt-get install binutils"
	local p needed
	for p in $PROGRAMS; do
		needed=$(readelf -dW "$(jf_bin "$p")" | grep NEEDED)
		[[ $needed == *libgnutls* ]] || hd_fail "$p: no libgnutls?" "$needed"
		[[ $needed != *libjwt* ]] || hd_fail "$p links libjwt:" "$needed"
	done
}

@test "programs call the stack protector" {
	need_cmd readelf "apt-get install binutils"
	local p
	for p in $PROGRAMS; do
		readelf --dyn-syms -W "$(jf_bin "$p")" | grep -q ' __stack_chk_fail' ||
			hd_fail "$p: no __stack_chk_fail: built without -fstack-protector"
	done
}

@test "programs use _FORTIFY_SOURCE's checked functions" {
	need_cmd readelf "apt-get install binutils"
	hd_flags | grep -q -- '-D_FORTIFY_SOURCE=[1-9]' ||
		skip "this build has no _FORTIFY_SOURCE (sanitizers or -O0)"
	local p n
	for p in $PROGRAMS; do
		n=$(readelf --dyn-syms -W "$(jf_bin "$p")" |
			grep -cE ' __(memcpy|snprintf|vsnprintf|fprintf|printf|memset|read|strcpy)_chk')
		[ "$n" -ge 2 ] || hd_fail "$p: $n fortified calls; expected some"
	done
}

@test "programs probe large stack frames (-fstack-clash-protection)" {
	[ "$(uname -m)" = x86_64 ] || skip "probe check written for x86_64"
	need_cmd objdump "apt-get install binutils"
	hd_flags | grep -q -- '-fstack-clash-protection' ||
		skip "the compiler lacks -fstack-clash-protection"
	# tok_verify has an 8 KiB decode buffer: more than a page, so probed.
	local n
	n=$(objdump -d --no-show-raw-insn "$(jf_bin jwt-authz.fcgi)" |
		grep -cE 'orq +\$0x0,\(%rsp\)')
	[ "$n" -ge 1 ] || hd_fail "jwt-authz.fcgi: no stack probe instruction"
}

@test "every object of ours is marked for CET (-fcf-protection)" {
	[ "$(uname -m)" = x86_64 ] || skip "CET is x86_64's"
	hd_flags | grep -q -- '-fcf-protection' ||
		skip "the compiler lacks -fcf-protection"
	local o n=0 dir=${JF_BUILDDIR:-$JF_SRCDIR}/src
	while IFS= read -r o; do
		n=$((n + 1))
		readelf -nW "$o" | grep -q 'x86 feature: IBT, SHSTK' ||
			hd_fail "$o: no IBT/SHSTK property"
	done < <(find "$dir" -name '*.o')
	[ "$n" -ge 10 ] || hd_fail "only $n objects under $dir"
}

# --- systemd units -----------------------------------------------------------

@test "systemd-analyze verify accepts every unit without a warning" {
	need_cmd systemd-analyze "apt-get install systemd"
	local d=$BATS_TEST_TMPDIR
	hd_units "$d"
	cd "$d"
	MANPATH=$d/man run systemd-analyze verify $(printf './%s ' $UNITS)
	[ "$status" -eq 0 ] && [ -z "$output" ] ||
		hd_fail "systemd-analyze verify: status $status:" "$output"
}

@test "systemd-analyze verify does flag a broken unit (the check above can fail)" {
	need_cmd systemd-analyze "apt-get install systemd"
	local d=$BATS_TEST_TMPDIR
	hd_units "$d"
	sed -i 's/^ProtectHome=yes/ProtectHom=yes/; s/^UMask=0077/UMask=0999/' \
		"$d/jwt-authz.service"
	cd "$d"
	MANPATH=$d/man run systemd-analyze verify ./jwt-authz.service
	[[ $output == *"Unknown key"*"ProtectHom"* ]] || hd_fail "$output"
	[[ $output == *"0999"* ]] || hd_fail "$output"
}

@test "systemd-analyze security rates both services SAFE (exposure <= 1.0)" {
	need_cmd systemd-analyze "apt-get install systemd"
	local d=$BATS_TEST_TMPDIR u
	hd_units "$d"
	cd "$d"
	run systemd-analyze security --offline=true --threshold=1000 \
		./jwt-authz.service
	[[ $output != *"nrecognized option"* ]] ||
		skip "this systemd-analyze has no security --offline"
	for u in jwt-authz jwt-mint; do
		# --threshold counts tenths: 10 is an exposure of 1.0.
		run systemd-analyze security --offline=true --threshold=10 \
			--no-pager "./$u.service"
		[ "$status" -eq 0 ] && [[ $output == *"exposure level for $u.service: "[01].[0-9]" SAFE"* ]] ||
			hd_fail "$u.service: status $status" "$output"
	done
}

@test "units: socket activation with the socket on fd 0, for www-data only" {
	local n
	for n in authz mint; do
		unit_has "jwt-$n.socket" "ListenStream=/run/jwt-fcgi/$n.sock"
		unit_has "jwt-$n.socket" "Accept=no"
		unit_has "jwt-$n.socket" "SocketGroup=www-data"
		unit_has "jwt-$n.socket" "SocketMode=0660"
		unit_has "jwt-$n.service" "StandardInput=socket"
		unit_has "jwt-$n.service" 'ExecReload=/bin/kill -HUP $MAINPID'
		grep -qxE "ExecStart=/usr/local/bin/jwt-$n.fcgi -c /etc/jwt-fcgi/$n.conf( .*)?" \
			"$JF_SRCDIR/conf/systemd/jwt-$n.service" ||
			hd_fail "jwt-$n.service: ExecStart is not jwt-$n.fcgi -c /etc/jwt-fcgi/$n.conf"
	done
	unit_has jwt-authz.service "DynamicUser=yes"
	unit_has jwt-mint.service "User=jwt-fcgi"
}

@test "units: the sandbox doc/security.md describes" {
	local n l
	for n in authz mint; do
		for l in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
			PrivateDevices=yes NoNewPrivileges=yes \
			ProtectKernelTunables=yes ProtectKernelModules=yes \
			ProtectControlGroups=yes RestrictNamespaces=yes \
			LockPersonality=yes MemoryDenyWriteExecute=yes \
			SystemCallFilter=@system-service \
			SystemCallArchitectures=native CapabilityBoundingSet= \
			ReadOnlyPaths=/etc/jwt-fcgi UMask=0077 PrivateNetwork=yes \
			RestrictAddressFamilies=AF_UNIX LimitCORE=0; do
			unit_has "jwt-$n.service" "$l"
		done
	done
}

# --- the listening socket on fd 0 ------------------------------------------------

@test "fd 0 TCP socket (spawn-fcgi): two workers allow and deny" {
	need_cmd spawn-fcgi "apt-get install spawn-fcgi"
	need_cmd cgi-fcgi "apt-get install libfcgi-bin"
	local d=$BATS_TEST_TMPDIR port pid
	hd_fixture
	free_port port
	start_daemon "$d" authz spawn-fcgi -n -a 127.0.0.1 -p "$port" -- \
		"$(jf_bin jwt-authz.fcgi)" -c "$DIR/authz.conf" --workers 2
	wait_for_port "$port" 10 "$d/authz.pid"
	wait_log "$d/authz.log" "starting 2 workers on the socket on fd 0"
	pid=$(cat "$d/authz.pid")
	[ "$(server_pid "$d/authz.log")" = "$pid" ] ||
		hd_fail "spawn-fcgi -n should exec the authorizer itself"
	wait_children "$pid" 2
	fcgi_get "127.0.0.1:$port" "$TOK_OK"
	assert_fcgi_status 200
	[[ $output == *"Variable-JWT_SUB: svc-a"* ]] || hd_fail "$output"
	fcgi_get "127.0.0.1:$port" "$TOK_BADSIG"
	assert_fcgi_status 401
	[[ $output == *'error="invalid_token"'* ]] || hd_fail "$output"
	stop_daemon "$d/authz.pid"
	wait_gone "$pid"
	grep -q 'info: stopping' "$d/authz.log" || hd_fail "$(cat "$d/authz.log")"
}

@test "fd 0 unix socket (as jwt-authz.socket passes it): mode kept, SIGHUP reloads, SIGTERM stops" {
	need_cmd spawn-fcgi "apt-get install spawn-fcgi"
	need_cmd cgi-fcgi "apt-get install libfcgi-bin"
	local d=$BATS_TEST_TMPDIR sock pid
	hd_fixture
	sock=$d/authz.sock
	cp "$DIR/authz.conf" "$d/authz.conf"
	start_daemon "$d" authz spawn-fcgi -n -s "$sock" -M 0660 -- \
		"$(jf_bin jwt-authz.fcgi)" -c "$d/authz.conf" --workers 2
	wait_for_file "$sock"
	wait_log "$d/authz.log" "on the socket on fd 0"
	pid=$(server_pid "$d/authz.log")
	# The socket's owner (systemd, spawn-fcgi) set its mode; we keep it.
	[ "$(stat -c %a "$sock")" = 660 ] || hd_fail "mode $(stat -c %a "$sock")"
	fcgi_get "$sock" "$TOK_OK"
	assert_fcgi_status 200
	# A new audience: after SIGHUP every worker must refuse the token.
	sed -i "s#^audience = .*#audience = https://other.test#" "$d/authz.conf"
	kill -HUP "$pid"
	wait_log "$d/authz.log" "reloaded" 3   # supervisor and 2 workers
	fcgi_get "$sock" "$TOK_OK"
	assert_fcgi_status 401
	fcgi_get "$sock" "$TOK_OK"
	assert_fcgi_status 401
	kill -TERM "$pid"
	wait_gone "$pid"
	grep -q 'info: stopping' "$d/authz.log" || hd_fail "$(cat "$d/authz.log")"
	! grep -E 'killed by signal|exited with status' "$d/authz.log" ||
		hd_fail "a worker died"
}

@test "fd 0 unix socket: jwt-mint.fcgi publishes its JWKS, public members only" {
	need_cmd spawn-fcgi "apt-get install spawn-fcgi"
	need_cmd cgi-fcgi "apt-get install libfcgi-bin"
	need_cmd jq
	local d=$BATS_TEST_TMPDIR sock pid body
	sock=$d/mint.sock
	mint_min_fixture "$d"
	start_daemon "$d" mint spawn-fcgi -n -s "$sock" -M 0660 -- \
		"$(jf_bin jwt-mint.fcgi)" -c "$d/mint.conf" --workers 2
	wait_for_file "$sock"
	wait_log "$d/mint.log" "on the socket on fd 0"
	pid=$(server_pid "$d/mint.log")
	run --separate-stderr env -i REQUEST_METHOD=GET SCRIPT_NAME=/mint/jwks \
		cgi-fcgi -bind -connect "$sock" </dev/null
	assert_fcgi_status 200
	body=$(printf '%s\n' "$output" | tr -d '\r' | sed '1,/^$/d')
	[ "$(jq -r '.keys[0].kid' <<<"$body")" = "$(cat "$d/mk.kid")" ] ||
		hd_fail "$body"
	[ "$(jq -r '.keys[0] | has("d")' <<<"$body")" = false ] || hd_fail "$body"
	kill -TERM "$pid"
	wait_gone "$pid"
}

# --- key files -------------------------------------------------------------------

@test "jwt-mint.fcgi refuses a signing key its group or others can read" {
	local d=$BATS_TEST_TMPDIR mode
	mint_min_fixture "$d"
	for mode in 640 604 620 644; do
		chmod "$mode" "$d/mk.key"
		run --separate-stderr "$(jf_bin jwt-mint.fcgi)" -t "$d/mint.conf"
		[ "$status" -ne 0 ] || hd_fail "mode $mode accepted"
		[[ $stderr == *"mk.key is readable by group or others"* ]] ||
			hd_fail "mode $mode: $stderr"
	done
	for mode in 600 400; do
		chmod "$mode" "$d/mk.key"
		run -0 --separate-stderr "$(jf_bin jwt-mint.fcgi)" -t "$d/mint.conf"
	done
}

# --- system calls --------------------------------------------------------------

@test "jwt-authz.fcgi stays within the units' SystemCallFilter and W^X" {
	need_cmd systemd-analyze "apt-get install systemd"
	need_cmd spawn-fcgi "apt-get install spawn-fcgi"
	need_cmd cgi-fcgi "apt-get install libfcgi-bin"
	need_strace
	local d=$BATS_TEST_TMPDIR sock pid authz
	hd_fixture
	sock=$d/authz.sock
	authz=$(jf_bin jwt-authz.fcgi)
	start_daemon "$d" authz spawn-fcgi -n -s "$sock" -- \
		"$(command -v strace)" -f -qq -o "$d/trace" "$authz" -c "$DIR/authz.conf" \
		--workers 2
	wait_for_file "$sock"
	wait_log "$d/authz.log" "on the socket on fd 0"
	pid=$(server_pid "$d/authz.log")
	fcgi_get "$sock" "$TOK_OK"
	assert_fcgi_status 200
	fcgi_get "$sock" "$TOK_EXPIRED"
	assert_fcgi_status 401
	kill -HUP "$pid"
	wait_log "$d/authz.log" "reloaded" 3
	fcgi_get "$sock" "$TOK_OTHERKEY"
	assert_fcgi_status 401
	kill -TERM "$pid"
	wait_gone "$pid" "$(cat "$d/authz.pid")"
	assert_syscalls_allowed "$d/trace" "$authz"
	assert_wx_free "$d/trace" "$authz"
}

@test "jwt-mint.fcgi stays within the units' SystemCallFilter and W^X" {
	need_cmd systemd-analyze "apt-get install systemd"
	need_cmd spawn-fcgi "apt-get install spawn-fcgi"
	need_cmd cgi-fcgi "apt-get install libfcgi-bin"
	need_certtool
	need_strace
	local d=$BATS_TEST_TMPDIR sock pid mint
	sock=$d/mint.sock
	mint=$(jf_bin jwt-mint.fcgi)
	mint_min_fixture "$d"
	pki_init "$d/pki"
	pki_client "$d/pki" billing
	start_daemon "$d" mint spawn-fcgi -n -s "$sock" -- \
		"$(command -v strace)" -f -qq -o "$d/trace" "$mint" -c "$d/mint.conf" \
		--workers 2 --watch-interval 1
	wait_for_file "$sock"
	wait_log "$d/mint.log" "on the socket on fd 0"
	pid=$(server_pid "$d/mint.log")
	run --separate-stderr env -i REQUEST_METHOD=POST SCRIPT_NAME=/token \
		CONTENT_LENGTH=0 SSL_CLIENT_VERIFY=SUCCESS HTTPS=on \
		SSL_CLIENT_CERT="$(cat "$d/pki/billing.pem")" \
		cgi-fcgi -bind -connect "$sock" </dev/null
	assert_fcgi_status 200
	# A registry change is noticed by the watcher and reloads everything.
	hd_registry "$d/registry.json" '{"tier": "gold"}'
	wait_log "$d/mint.log" "reloaded" 1
	kill -TERM "$pid"
	wait_gone "$pid" "$(cat "$d/mint.pid")"
	assert_syscalls_allowed "$d/trace" "$mint"
	assert_wx_free "$d/trace" "$mint"
}

# --- logs ----------------------------------------------------------------------------

@test "jwt-authz.fcgi at debug: a dozen tokens, none of them nor any key in its log" {
	need_cmd openssl
	local d=$BATS_TEST_TMPDIR cli t want h p sig cases=() toks=() ci
	hd_fixture
	cli=$(jf_bin jwt-fcgi)
	b64u() { basenc --base64url -w0 | tr -d '='; }
	h=$(printf '%s' "$TOK_OK" | cut -d. -f1)
	p=$(printf '%s' "$TOK_OK" | cut -d. -f2)
	sig=$(printf '%s' "$TOK_OK" | cut -d. -f3)
	# Each case: expected status, then the token.
	cases+=(200 "$TOK_OK" 200 "$TOK_ADMIN" 200 "$TOK_TEAM")
	cases+=(401 "$TOK_EXPIRED" 401 "$TOK_BADSIG" 401 "$TOK_OTHERKEY")
	cases+=(401 "$("$cli" sign -k "$DIR/mint.key" --iss "$JF_ISS" \
		--aud https://other.test --sub svc-a)")
	cases+=(401 "$("$cli" sign -k "$DIR/mint.key" --iss https://evil.test \
		--aud "$JF_AUD" --sub svc-a)")
	# alg none, keeping the real signature.
	cases+=(401 "$(printf '{"alg":"none","typ":"JWT"}' | b64u).$p.$sig")
	# HS256 keyed with the issuer's public key (algorithm confusion).
	"$cli" pubkey "$DIR/mint.key" >"$d/pub.pem"
	t=$(printf '{"alg":"HS256","typ":"JWT"}' | b64u).$p
	cases+=(401 "$t.$(printf '%s' "$t" | openssl dgst -sha256 -binary \
		-hmac "$(cat "$d/pub.pem")" | b64u)")
	# A key embedded in the header.
	cases+=(401 "$(jq -c '{alg: "ES256", jwk: .keys[0]}' "$DIR/mint.jwks" |
		b64u).$p.$sig")
	cases+=(401 "${TOK_OK:0:${#TOK_OK}-20}")               # truncated
	cases+=(401 "$h.$p$(head -c 9000 /dev/zero | tr '\0' A).$sig")  # 9 KB
	cases+=(401 "$p.$h.$sig")                              # parts swapped
	# ci, not i: bats' run clobbers a caller's i.
	for ((ci = 0; ci < ${#cases[@]}; ci += 2)); do
		want=${cases[ci]} t=${cases[ci + 1]}
		run --separate-stderr env -i REQUEST_METHOD=GET REQUEST_URI=/api \
			HTTP_AUTHORIZATION="Bearer $t" \
			"$(jf_bin jwt-authz.fcgi)" -c "$DIR/authz.conf"
		assert_fcgi_status "$want"
		[ -n "$stderr" ] || hd_fail "case $((ci / 2)): nothing logged"
		printf '%s\n' "$stderr" >>"$d/log"
		toks+=("$t" "$(cut -d. -f2 <<<"$t")" "$(cut -d. -f3 <<<"$t")")
	done
	[ "$(grep -c 'debug: allowed' "$d/log")" -eq 3 ] || hd_fail "$(cat "$d/log")"
	[ "$(grep -c 'refused: 401' "$d/log")" -eq 11 ] || hd_fail "$(cat "$d/log")"
	# A token in the query (RFC 6750 §2.3, never accepted): refused, and
	# the log keeps only the path.
	run --separate-stderr env -i REQUEST_METHOD=GET \
		REQUEST_URI="/api?access_token=$TOK_OK" \
		"$(jf_bin jwt-authz.fcgi)" -c "$DIR/authz.conf"
	assert_fcgi_status 401
	[[ $stderr == *"uri /api)"* ]] || hd_fail "$stderr"
	printf '%s\n' "$stderr" >>"$d/log"
	assert_no_secret "$d/log" "${toks[@]}"
	assert_no_key_material "$d/log"
}

@test "jwt-mint.fcgi at debug: certificates and secrets, no token, secret or key in its log" {
	need_certtool
	need_cmd jq
	local d=$BATS_TEST_TMPDIR toks=() secret wrong body
	mint_min_fixture "$d"
	pki_init "$d/pki"
	pki_client "$d/pki" billing
	pki_client "$d/pki" stranger
	secret=$(<"$d/billing.secret")
	wrong=$(head -c 32 /dev/urandom | basenc --base64url -w0 | tr -d =)
	# mint_cgi BODY VAR=VALUE...: one POST .../token as CGI; the log
	# collects stderr, toks every access_token issued.
	mint_cgi() {
		local b=$1
		shift
		run --separate-stderr env -i REQUEST_METHOD=POST \
			SCRIPT_NAME=/mint/token HTTPS=on CONTENT_LENGTH=${#b} \
			CONTENT_TYPE=application/x-www-form-urlencoded "$@" \
			"$(jf_bin jwt-mint.fcgi)" -c "$d/mint.conf" <<<"$b"
		printf '%s\n' "$stderr" >>"$d/log"
		body=$(printf '%s\n' "$output" | tr -d '\r' | sed '1,/^$/d')
		if [[ $output == "Status: 200"* ]]; then
			toks+=("$(jq -r .access_token <<<"$body")")
		fi
	}
	mint_cgi "" SSL_CLIENT_VERIFY=SUCCESS \
		SSL_CLIENT_CERT="$(cat "$d/pki/billing.pem")"
	assert_fcgi_status 200
	mint_cgi "" SSL_CLIENT_VERIFY=SUCCESS \
		SSL_CLIENT_CERT="$(cat "$d/pki/stranger.pem")"
	assert_fcgi_status 401
	mint_cgi "" SSL_CLIENT_VERIFY=FAILED:self-signed \
		SSL_CLIENT_CERT="$(cat "$d/pki/billing.pem")"
	assert_fcgi_status 401
	mint_cgi "grant_type=client_credentials&client_id=billing&client_secret=$secret"
	assert_fcgi_status 200
	mint_cgi "grant_type=client_credentials&client_id=billing&client_secret=$wrong"
	assert_fcgi_status 401
	mint_cgi "grant_type=client_credentials" HTTP_AUTHORIZATION="Basic $(
		printf 'billing:%s' "$secret" | base64 -w0)"
	assert_fcgi_status 200
	[ "${#toks[@]}" -eq 3 ] || hd_fail "expected 3 tokens, got ${#toks[@]}"
	[ "$(grep -c 'audit: ' "$d/log")" -eq 6 ] || hd_fail "$(cat "$d/log")"
	assert_no_secret "$d/log" "$secret" "$wrong" "${toks[@]}" \
		$(printf '%s\n' "${toks[@]}" | cut -d. -f2,3 | tr . '\n') \
		"$(sed '1d;$d' "$d/mk.key" | tr -d '\n')"
	assert_no_key_material "$d/log"
}
