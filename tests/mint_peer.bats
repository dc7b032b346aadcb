#!/usr/bin/env bats
# mint_peer.bats - only the web server may ask the mint. Whoever reaches
# the mint's FastCGI socket can claim that it verified any certificate
# (SSL_CLIENT_VERIFY=SUCCESS), so the mint refuses TCP sockets unless
# told it is unsafe, makes its unix socket with the final mode already
# in place, checks the peer's credentials (SO_PEERCRED) on every request,
# and, with client_ca, checks the certificate's chain itself.
#
# The forged requests are what any local process can send: one FastCGI
# request with cgi-fcgi (libfcgi-bin), as the user daemon (setpriv),
# carrying the public certificate of a registered service. Needs root
# (to act as another user).

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint

setup_file() {
	need_certtool && need_cmd cgi-fcgi "apt-get install libfcgi-bin" &&
		need_cmd setpriv && need_cmd spawn-fcgi && need_cmd jq ||
		return 0
	if [ "$(id -u)" != 0 ]; then
		jf_skip "needs root, to send requests as another local user"
		return 0
	fi
	# A directory every user may enter, so that only the socket's mode
	# and the peer check stand between a local user and the mint.
	DIR=$(mktemp -d /tmp/jf-peer.XXXXXX) && chmod 755 "$DIR" || return 1
	echo "$DIR" >"$BATS_FILE_TMPDIR/dir"
	export DIR MINT CLI
	MINT=$(jf_bin jwt-mint.fcgi) && CLI=$(jf_bin jwt-fcgi) || return 1
	ISSUER=https://mint.test/mint
	mint_fixture "$DIR" && mint_confs "$DIR" || return 1
	# A mint.conf without the test's peer_users: the defaults.
	grep -v '^peer_users' "$DIR/mint.conf" >"$DIR/mint-default.conf"
}

setup() {
	skip_if_file_skipped
	DIR=$(cat "$BATS_FILE_TMPDIR/dir")
}

teardown() {
	stop_daemon "$DIR/mint.pid"
}

teardown_file() {
	local dir
	dir=$(cat "$BATS_FILE_TMPDIR/dir" 2>/dev/null) || return 0
	case $dir in /tmp/jf-peer.*) rm -rf "$dir" ;; esac
}

# start_mint CONF [OPTIONS...]: the mint on $DIR/mint.sock.
start_mint() {
	local conf=$1
	shift
	rm -f "$DIR/mint.sock"
	start_daemon "$DIR" mint "$MINT" -c "$conf" --listen "$DIR/mint.sock" \
		--workers 2 "$@" && wait_for_file "$DIR/mint.sock"
}

# the forged request's answer holds a token
assert_token() {
	[[ $output == *'Status: 200'* ]] && [[ $output == *'"access_token":"ey'* ]] ||
		{ printf 'expected a token, got:\n%s\n' "$output" >&2; return 1; }
}

@test "--listen host:port is refused without --unsafe-allow-tcp, naming the program and the address" {
	local p
	free_port port
	p=$port
	run -1 "$MINT" -c "$DIR/mint.conf" --listen "127.0.0.1:$p"
	[[ $output == *'jwt-mint.fcgi'*"--listen 127.0.0.1:$p: refusing a TCP socket"* ]]
	run ! port_in_use "$p"
	# --help names the switch and what it costs.
	run -0 "$MINT" --help
	[[ $output == *'--unsafe-allow-tcp'*'could then pose as the web server'* ]]
	# The authorizer grants nothing by itself: TCP stays allowed there.
	run -1 "$(jf_bin jwt-authz.fcgi)" --unsafe-allow-tcp -t "$DIR/authz.conf"
	[[ $output == *'TCP is always allowed here'* ]]
}

@test "a TCP socket on fd 0 is refused too; --unsafe-allow-tcp serves it, with a warning" {
	local p
	free_port port
	p=$port
	# spawn-fcgi -n execs the mint on the socket it made: the mint's
	# status (and spawn-fcgi's own under bats) is not 0.
	run spawn-fcgi -n -a 127.0.0.1 -p "$p" -- "$MINT" -c "$DIR/mint.conf"
	[ "$status" -ne 0 ]
	[[ $output == *'refusing the TCP socket on fd 0'* ]]
	start_daemon "$DIR" mint "$MINT" -c "$DIR/mint.conf" \
		--listen "127.0.0.1:$p" --unsafe-allow-tcp
	wait_for_port "$p" 10 "$DIR/mint.pid"
	wait_for_log "$DIR/mint.log" 'warn: serving on a TCP socket: any local user'
}

@test "another local user, socket mode 0666: the peer check refuses a forged request, audited" {
	start_mint "$DIR/mint-default.conf" --socket-mode 0666
	# The forgery is real: from the mint's own uid it buys a token...
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem"
	assert_token
	# ...and from daemon, who can connect, nothing.
	run -1 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem" daemon
	[[ $output == *'Status: 403'* ]]
	[[ $output == *'this FastCGI peer may not use this program'* ]]
	# The FastCGI stderr record, which web servers log.
	[[ $output == *'peer refused: its uid and groups are not allowed'* ]]
	[[ $output != *access_token* ]]
	wait_for_log "$DIR/mint.log" '"event":"peer_refused","peer_uid":1,"peer_gid":1,'
	# No token_* audit line for it: the request was never read.
	assert_equal "$(grep -c '"event":"token_' "$DIR/mint.log")" 1
}

@test "peer_users and peer_groups let the named users and groups in, nobody else" {
	sed 's/^peer_users = .*//' "$DIR/mint.conf" >"$DIR/users.conf"
	echo 'peer_users = daemon' >>"$DIR/users.conf"
	start_mint "$DIR/users.conf" --socket-mode 0666
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem" daemon
	assert_token
	run -1 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem" nobody
	[[ $output == *'Status: 403'* ]]
	stop_daemon "$DIR/mint.pid"
	sed 's/^peer_users = .*//' "$DIR/mint.conf" >"$DIR/groups.conf"
	printf 'peer_users = none\npeer_groups = daemon\n' >>"$DIR/groups.conf"
	start_mint "$DIR/groups.conf" --socket-mode 0666
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem" daemon
	assert_token
	run -1 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem" nobody
	[[ $output == *'Status: 403'* ]]
	# An unknown name is a configuration error, not a silent no-op.
	printf 'peer_users = no-such-user-here\n' >"$DIR/bad.conf"
	grep -v '^peer_' "$DIR/mint.conf" >>"$DIR/bad.conf"
	run -1 "$MINT" -t "$DIR/bad.conf"
	[[ $output == *'bad.conf:1: peer_users: no such user "no-such-user-here"'* ]]
}

@test "the socket is born with its final mode: umask around bind, no chmod after" {
	need_cmd strace
	rm -f "$DIR/mint.sock"
	( umask 000; start_daemon "$DIR" mint strace -f -o "$DIR/strace.out" \
		-e trace=umask,bind,chmod,fchmod,fchmodat "$MINT" \
		-c "$DIR/mint.conf" --listen "$DIR/mint.sock" --socket-mode 0600 )
	wait_for_file "$DIR/mint.sock"
	assert_equal "$(stat -c %a "$DIR/mint.sock")" 600
	# The trace: umask(0177), then bind of the socket, then the umask
	# back; nothing changes the mode afterwards.
	grep -q 'umask(0177)' "$DIR/strace.out"
	grep -q "bind(.*$DIR/mint.sock" "$DIR/strace.out"
	run ! grep -E 'chmod|fchmod' "$DIR/strace.out"
	assert_equal "$(grep -E 'umask\(|bind\(' "$DIR/strace.out" |
		sed -E 's/^[0-9]+ +//; s/\(.*//' | head -n 3 | tr '\n' ' ')" 'umask bind umask '
	# strace and the mint under it both carry the socket in their
	# command line.
	pkill -TERM -f -- "--listen $DIR/mint.sock --socket-mode 0600" || true
}

@test "a busy address: exit 1, naming the program and the address" {
	local p
	start_mint "$DIR/mint.conf"
	run -1 "$MINT" -c "$DIR/mint.conf" --listen "$DIR/mint.sock"
	[[ $output == *"jwt-mint.fcgi"*"--listen $DIR/mint.sock: cannot bind: another program is listening there"* ]]
	# The authorizer on a TCP port someone else holds (the mint's does
	# not count: it is a unix socket).
	free_port port
	p=$port
	start_daemon "$DIR" holder "$(jf_bin jwt-authz.fcgi)" -c "$DIR/authz.conf" \
		--listen "127.0.0.1:$p"
	wait_for_port "$p" 10 "$DIR/holder.pid"
	run -1 "$(jf_bin jwt-authz.fcgi)" -c "$DIR/authz.conf" --listen "127.0.0.1:$p"
	stop_daemon "$DIR/holder.pid"
	[[ $output == *"jwt-authz.fcgi"*"--listen 127.0.0.1:$p: cannot bind: Address already in use"* ]]
}

@test "client_ca: another CA, an expired certificate, one without clientAuth, each claimed verified, are refused" {
	start_mint "$DIR/mint.conf"
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing.pem"
	assert_token
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki-other/billing.pem"
	[[ $output == *'Status: 401'* ]]
	[[ $output != *access_token* ]]
	[[ $output == *"fails the mint's own check against client_ca: it was not issued by a CA in client_ca"* ]]
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing-expired.pem"
	[[ $output == *'Status: 401'* ]]
	[[ $output != *access_token* ]]
	[[ $output == *'the client certificate has expired'* ]]
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki/billing-server.pem"
	[[ $output == *'Status: 401'* ]]
	[[ $output != *access_token* ]]
	[[ $output == *'does not allow TLS client authentication (clientAuth)'* ]]
	# The operator hears that the front end let them through.
	wait_for_log "$DIR/mint.log" 'warn: the web server said it verified a client certificate that client_ca refuses'
	# Without client_ca the same front-end mistake would have paid.
	stop_daemon "$DIR/mint.pid"
	grep -v '^client_ca' "$DIR/mint.conf" >"$DIR/noca.conf"
	start_mint "$DIR/noca.conf"
	run -0 mint_forge "$DIR/mint.sock" "$DIR/pki-other/billing.pem"
	assert_token
}

@test "check-config warns when certificates authenticate and client_ca is not set" {
	grep -v '^client_ca' "$DIR/mint.conf" >"$DIR/noca.conf"
	run -0 --separate-stderr "$MINT" -t "$DIR/noca.conf"
	[[ $output == *'noca.conf: OK'* ]]
	[[ $stderr == *'warning: 4 services authenticate by certificate (tls_client_auth) and client_ca is not set'* ]]
	run -0 --separate-stderr "$MINT" -t "$DIR/mint.conf"
	assert_equal "$stderr" ""
	# A client_ca that is not a CA is refused.
	sed "s|^client_ca = .*|client_ca = $DIR/pki/billing.pem|" "$DIR/mint.conf" \
		>"$DIR/leaf.conf"
	run -1 "$MINT" -t "$DIR/leaf.conf"
	[[ $output == *'client_ca: '*'certificate 1 is not a CA certificate'* ]]
}
