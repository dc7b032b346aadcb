# pki.bash - a throwaway PKI for TLS tests, made with GnuTLS certtool in
# a test's own dir: a CA, a server certificate for localhost/127.0.0.1/::1
# and client certificates. ECDSA P-256 keys: fast to make, so every test
# file can have its own.
#
#   pki_init DIR            CA in DIR/ca.pem, DIR/ca.key
#   pki_server DIR          DIR/server.pem, DIR/server.key, DIR/server.chain.pem
#   pki_client DIR NAME     DIR/NAME.pem, DIR/NAME.key (CN=NAME, clientAuth)
#
# Everything is valid for one day; tests never outlive that.

need_certtool() {
	need_cmd certtool "apt-get install gnutls-bin"
}

# pki_certtool LOG ARGS...: certtool, quiet, its output in LOG on failure.
pki_certtool() {
	local log=$1
	shift
	if ! certtool "$@" >"$log" 2>&1; then
		echo "certtool $* failed:" >&2
		cat "$log" >&2
		return 1
	fi
}

pki_key() {
	pki_certtool "$1.log" --generate-privkey --key-type=ecdsa \
		--curve=secp256r1 --no-text --outfile "$1"
}

pki_init() {
	local d=$1
	mkdir -p "$d" || return 1
	cat >"$d/ca.tmpl" <<-EOF
	cn = "jwt-fcgi test CA"
	organization = "jwt-fcgi tests"
	serial = 1
	expiration_days = 1
	ca
	cert_signing_key
	crl_signing_key
	EOF
	pki_key "$d/ca.key" &&
	pki_certtool "$d/ca.log" --generate-self-signed \
		--load-privkey "$d/ca.key" --template "$d/ca.tmpl" \
		--outfile "$d/ca.pem"
}

# pki_issue DIR NAME TEMPLATE-TEXT: a key and a CA-signed certificate.
pki_issue() {
	local d=$1 name=$2
	printf '%s\n' "$3" >"$d/$name.tmpl"
	pki_key "$d/$name.key" &&
	pki_certtool "$d/$name.log" --generate-certificate \
		--load-privkey "$d/$name.key" \
		--load-ca-certificate "$d/ca.pem" \
		--load-ca-privkey "$d/ca.key" \
		--template "$d/$name.tmpl" --outfile "$d/$name.pem"
}

pki_server() {
	local d=$1
	pki_issue "$d" server "$(printf '%s\n' \
		'cn = "localhost"' \
		'dns_name = "localhost"' \
		'ip_address = "127.0.0.1"' \
		'ip_address = "::1"' \
		"serial = $RANDOM" \
		'expiration_days = 1' \
		'signing_key' 'encryption_key' 'tls_www_server')" || return 1
	cat "$d/server.pem" "$d/ca.pem" >"$d/server.chain.pem"
	# Some servers (lighttpd's ssl.pemfile) want key and cert in one file.
	cat "$d/server.pem" "$d/server.key" >"$d/server.both.pem"
}

pki_client() {
	local d=$1 name=$2
	pki_issue "$d" "$name" "$(printf '%s\n' \
		"cn = \"$name\"" \
		"serial = $RANDOM" \
		'expiration_days = 1' \
		'signing_key' 'tls_www_client')"
}

# pki_client_expired DIR NAME: a client certificate (CN=NAME, clientAuth)
# whose validity ended in 2020.
pki_client_expired() {
	pki_issue "$1" "$2" "$(printf '%s\n' \
		"cn = \"$2\"" \
		"serial = $RANDOM" \
		'activation_date = "2019-12-01 00:00:00 UTC"' \
		'expiration_date = "2020-01-01 00:00:00 UTC"' \
		'signing_key' 'tls_www_client')"
}

# pki_client_serveronly DIR NAME: a certificate (CN=NAME) whose
# extKeyUsage allows TLS server authentication only.
pki_client_serveronly() {
	pki_issue "$1" "$2" "$(printf '%s\n' \
		"cn = \"$2\"" \
		"serial = $RANDOM" \
		'expiration_days = 1' \
		'signing_key' 'tls_www_server')"
}
