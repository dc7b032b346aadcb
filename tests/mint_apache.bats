#!/usr/bin/env bats
# mint_apache.bats - jwt-mint.fcgi and jwt-authz.fcgi behind one real
# Apache, through the shipped conf/apache/jwt-mint.conf (mod_ssl client
# certificates, mod_proxy_fcgi) and conf/apache/jwt-authz.conf
# (mod_authnz_fcgi): a client certificate buys a token, which opens the
# API on the same Apache. The mint, the authorizer and the backend run
# with --listen, as Apache does not spawn FastCGI programs.

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/mint
load helpers/apache
load helpers/mintsrv
load helpers/bind

setup_file() {
	need_apache && need_certtool && need_cmd jq && need_cmd curl ||
		return 0
	[ -f "$APACHE_MODDIR/mod_ssl.so" ] ||
		{ jf_missing "mod_ssl not found in $APACHE_MODDIR"; return 0; }
	DIR=$(apache_dir) || return 1
	export DIR
	echo "$DIR" >"$BATS_FILE_TMPDIR/apache.dir"
	if ! msrv_start "$DIR" mint_apache_server; then
		msrv_stop "$DIR"
		return 1
	fi
}

# mint_apache_server DIR: render, check and start Apache (see msrv_start).
mint_apache_server() {
	local dir=$1
	mkdir -p "$dir/htdocs" "$dir/run" && chmod -R a+rX "$dir/htdocs" ||
		return 1
	MODDIR=$APACHE_MODDIR USER_GROUP=
	if [ "$(id -u)" = 0 ]; then
		# Apache refuses to serve as root.
		USER_GROUP=$(printf 'User nobody\nGroup %s' \
			"$(id -gn nobody 2>/dev/null || echo nogroup)")
	fi
	render_template "$JF_SRCDIR/tests/helpers/conf/mint-apache2.conf.in" \
		"$dir/apache2.conf" || return 1
	if ! apache2 -t -f "$dir/apache2.conf" >"$dir/apache-t.log" 2>&1; then
		echo "apache2 -t rejected $dir/apache2.conf:" >&2
		cat "$dir/apache-t.log" >&2
		return 1
	fi
	start_daemon "$dir" server apache2 -DFOREGROUND -f "$dir/apache2.conf"
}

setup() {
	skip_if_file_skipped
	BIND_MTLS=$MTLS BIND_TLS=$TLS BIND_PLAIN=$PLAIN BIND_HTTP=msrv_http
}

teardown_file() {
	local dir
	dir=$(cat "$BATS_FILE_TMPDIR/apache.dir" 2>/dev/null) || return 0
	msrv_stop "$dir"
	case $dir in */jf-apache.*) rm -rf "$dir" ;; esac
}

@test "apache2 -S: jwt-mint.conf's virtual host on the client-certificate port" {
	run -0 apache2 -S -f "$DIR/apache2.conf"
	[[ $output == *"127.0.0.1:$MTLS_PORT"*localhost* ]]
}

@test "jwt-mint.conf alone: names a missing module, uses its defaults" {
	local d=$BATS_TEST_TMPDIR m=$APACHE_MODDIR
	printf '%s\n' "ServerRoot \"$d\"" 'ServerName localhost' \
		"DefaultRuntimeDir \"$d\"" "PidFile \"$d/pid\"" \
		"ErrorLog \"$d/error.log\"" \
		'<IfModule !mpm_event_module>' \
		"LoadModule mpm_event_module $m/mod_mpm_event.so" '</IfModule>' \
		'<IfModule !authz_core_module>' \
		"LoadModule authz_core_module $m/mod_authz_core.so" '</IfModule>' \
		"LoadModule proxy_module $m/mod_proxy.so" \
		"LoadModule proxy_fcgi_module $m/mod_proxy_fcgi.so" >"$d/base.conf"
	{ cat "$d/base.conf"; echo "Include \"$JF_SRCDIR/conf/apache/jwt-mint.conf\""; } \
		>"$d/nossl.conf"
	run -1 apache2 -t -f "$d/nossl.conf"
	[[ $output == *'jwt-mint.conf needs mod_ssl: a2enmod ssl'* ]]
	{ cat "$d/base.conf"; echo "LoadModule ssl_module $m/mod_ssl.so"
	  echo "Include \"$JF_SRCDIR/conf/apache/jwt-mint.conf\""; } >"$d/ssl.conf"
	run -1 apache2 -t -f "$d/ssl.conf"
	[[ $output == *"'/etc/apache2/mint-tls.pem' does not exist"* ]]
}

@test "certificate -> token (not bound: the mint's default), audited" {
	msrv_check_token_audited
}

@test "the token opens the API behind jwt-authz.fcgi on the same Apache" {
	msrv_check_api "$PLAIN/api/echo"
	msrv_check_api "$TLS/api/echo"
}

# --- certificate-bound tokens at the proxy (RFC 8705 §3) -------------------
# mod_ssl sets SSL_CLIENT_CERT after mod_authnz_fcgi asked (fixups):
# the SetEnvIfExpr in jwt-authz.conf passes it, and the mTLS virtual
# host of jwt-mint.conf inherits the protected <Location>.

@test "binding: search's token is bound to its certificate, billing's and worker's are not" {
	bind_check_minted
}

@test "binding: the bound token with its certificate opens the API (SetEnvIfExpr)" {
	bind_check_right
}

@test "binding: another certificate of the same CA, or none: 401 invalid_token, why" {
	bind_check_wrong
}

@test "binding: a client header named like the certificate variable changes nothing" {
	bind_check_headers
}

@test "binding: an unbound token opens the API with or without a certificate" {
	bind_check_unbound
}

@test "binding: a route with JWT_REQUIRE_BOUND=1 takes bound tokens only" {
	bind_check_route
}

@test "binding: +ExportCertData alone does not reach mod_authnz_fcgi: bound token refused" {
	# /noexport: the authorizer without jwt-authz.conf's SetEnvIfExpr.
	bind_token search
	backend_mark "$DIR/backend.log"
	bind_api search "$MTLS/noexport"
	bind_refused 'the request came without one'
	# ... while the backend, after fixups, does get the certificate.
	bind_token billing
	bind_api search "$MTLS/noexport"
	bind_allowed billing
	assert_json '.SSL_CLIENT_CERT | startswith("-----BEGIN CERTIFICATE-----")' true
}

@test "no client certificate: the TLS handshake fails, the mint is not asked" {
	local n0
	n0=$(msrv_audit_count)
	run msrv_curl -d grant_type=client_credentials "$MTLS/mint/token"
	assert_handshake_refused
	# TLS 1.3: the server's "certificate required" alert.
	[[ $output == *'certificate required'* ]]
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "a certificate from another CA: the TLS handshake fails" {
	local n0
	n0=$(msrv_audit_count)
	# Same CN as a registered service: only the verified chain counts.
	run msrv_curl $(msrv_cert other) -d '' "$MTLS/mint/token"
	assert_handshake_refused
	[[ $output == *'unknown ca'* ]]
	assert_equal "$(msrv_audit_count)" "$n0"
}

@test "unverified or absent certificate let through (optional_no_ca): the mint refuses" {
	msrv_check_lax
}

@test "hosts that do not verify certificates: the mint refuses (no SSL_CLIENT_VERIFY)" {
	msrv_check_refused_by_mint "$TLS" "$MSRV_NO_AUTH"
	msrv_check_plain_refused "$PLAIN"
}

@test "JWKS and RFC 8414 metadata: on every host, with or without a certificate" {
	msrv_check_public "$MTLS" billing
	msrv_check_public "$TLS"
	msrv_check_public "$PLAIN"
}

@test "status list and RFC 7009 revocation: routed by the shipped config" {
	msrv_check_revoke "$TLS"
}

@test "client_secret_basic without a certificate: the Authorization header reaches the mint" {
	msrv_check_secret "$TLS"
	msrv_check_plain_refused "$PLAIN"
}

@test "a local user who is not the web server cannot reach the mint's socket" {
	[ "$(id -u)" = 0 ] || skip "needs root, to act as another local user"
	mint_check_local_user "$MINT_SOCK" "$DIR/pki/billing.pem" "$DIR/mint.log"
}

@test "metrics: both programs' at the shipped routes for this host (promtool accepts them), 403 for another address" {
	need_cmd promtool "apt-get install prometheus" || return 1
	msrv_check_metrics 403 403
}
