#!/usr/bin/env bats
# debian.bats - the Debian packages (debian/): dpkg-buildpackage -us -uc -b
# on a copy of the source tree builds jwt-fcgi, jwt-fcgi-authz and
# jwt-fcgi-mint once (setup_file), each with its files where Debian's
# servers look for them; lintian finds no error or warning. Then, on this
# machine: apt-get install ./jwt-fcgi*.deb; the README's flow on the
# installed files (a service CA and a service in /etc/jwt-fcgi, the mint
# and the authorizer spawned by lighttpd from the installed snippets,
# enabled with lighty-enable-mod; the authorizer behind Apache from the
# installed conf, enabled with a2enconf, run on jwt-authz.service's own
# command line; the mint behind nginx from the installed snippets, run on
# jwt-mint.service's command line as its User=): certificate -> token ->
# API 200, no token -> 401. An upgrade to a rebuilt version keeps a
# changed conffile, the configuration and the keys; purge removes every
# file of the packages and nothing of the operator's.
#
# Installing touches the machine (/usr/bin, /etc, the user jwt-fcgi):
# those tests run only as root, and only in CI (CI=true, a throwaway
# container) or with JF_DEB_INSTALL=1; they refuse a machine that already
# has the packages or /etc/jwt-fcgi, and teardown_file purges what they
# installed and removes what they made. The servers run from scratch
# configurations on loopback high ports: the system's own lighttpd,
# Apache and nginx configurations are not changed (the enabling tools run
# on copies, which link to the installed files), so the test files that
# run alongside see nothing but a few inert files in conf-available/ and
# snippets/. The sanitizer build's pass of the suite skips this file: the
# packages are built from the source, not from that build.
#   JF_BUILDDIR=$PWD JF_DEB_INSTALL=1 bats ../tests/debian.bats

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki

PKGS=(jwt-fcgi jwt-fcgi-authz jwt-fcgi-mint)

setup_file() {
	local d=$BATS_FILE_TMPDIR c
	if grep -q -- '--enable-sanitizers' "$JF_BUILDDIR/config.log" 2>/dev/null; then
		jf_skip "sanitizer build: the release build's pass builds the packages" ||
			return 0
	fi
	for c in dpkg-buildpackage dh lintian dpkg-deb; do
		need_cmd "$c" "apt-get install debhelper lintian dpkg-dev" ||
			return 0
	done
	deb_copy_source "$d/src" || return 1
	# One compile for the whole file; the unit tests ran in the tree's
	# own build already (nocheck), no debug symbol packages (noddebs).
	if ! (cd "$d/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		dpkg-buildpackage -us -uc -b >"$d/build.log" 2>&1); then
		echo "dpkg-buildpackage failed:" >&2
		tail -n 40 "$d/build.log" >&2
		return 1
	fi
	mkdir -p "$d/v1" &&
	mv "$d"/*.deb "$d"/*.changes "$d"/*.buildinfo "$d/v1/" &&
	dpkg-parsechangelog -l "$d/src/debian/changelog" -S Version >"$d/version"
}

setup() {
	skip_if_file_skipped
	D=$BATS_FILE_TMPDIR
	VERSION=$(cat "$D/version")
	ARCH=$(dpkg --print-architecture)
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR p w
	[ -f "$d/installed" ] || return 0
	# The servers and programs a failed test left running.
	w=$(cat "$d/scratch")
	for p in "$w"/run/*.pid; do
		if [ -f "$p" ]; then
			stop_daemon "$p"
		fi
	done
	# Only what the install test made: it refused to start otherwise.
	apt-get -o DPkg::Lock::Timeout=900 purge -y -qq "${PKGS[@]}" \
		</dev/null >/dev/null 2>&1 || true
	rm -rf /etc/jwt-fcgi /var/lib/jwt-fcgi
	if [ -f "$d/user-made" ]; then
		# The mint's workers finish after their supervisor.
		for p in $(seq 1 100); do
			pgrep -u jwt-fcgi >/dev/null || break
			sleep 0.1
		done
		deluser --system --quiet jwt-fcgi >/dev/null 2>&1 || true
		delgroup --system --quiet jwt-fcgi >/dev/null 2>&1 || true
	fi
	case $w in
	/tmp/jf-deb.*) rm -rf "$w" ;;
	esac
}

# deb_copy_source DEST: the source tree as a fresh clone has it, without
# build directories, node packages or git metadata.
deb_copy_source() {
	mkdir -p "$1" &&
	tar -C "$JF_SRCDIR" --exclude=./.git --exclude=./build \
		--exclude='./build-*' --exclude=node_modules \
		--exclude=autom4te.cache -cf - . | tar -C "$1" -xf -
}

# deb_host: skips unless the packages may be installed here.
deb_host() {
	if [ "$(id -u)" != 0 ]; then
		skip "installing packages needs root"
	fi
	if [ "${CI:-}" != true ] && [ "${JF_DEB_INSTALL:-}" != 1 ]; then
		skip "installs on this machine only in CI or with JF_DEB_INSTALL=1"
	fi
}

# deb_installed: deb_host, and the install test passed.
deb_installed() {
	deb_host
	[ -f "$D/installed" ] || {
		echo "the packages are not installed (the install test failed)" >&2
		return 1
	}
	W=$(cat "$D/scratch")
	export CURL_CA_BUNDLE=$W/pki/ca.pem
}

# deb_apt_install DIR: apt-get install ./jwt-fcgi*.deb, as a user would.
deb_apt_install() {
	(cd "$1" && DEBIAN_FRONTEND=noninteractive apt-get \
		-o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
		./jwt-fcgi*.deb </dev/null)
}

# deb_files PKG...: the regular files and links the packages installed
# (not directories, nor /lib, a link to a directory on a merged /usr).
deb_files() {
	local f
	dpkg -L "$@" | sort -u | while read -r f; do
		if [ -d "$f" ]; then
			continue
		fi
		if [ -f "$f" ] || [ -L "$f" ]; then
			printf '%s\n' "$f"
		fi
	done
}

# deb_unit_cmd UNIT: the ExecStart= command line of an installed unit.
deb_unit_cmd() {
	sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1"
}

# deb_expect_contents DEB PATH...: each PATH is in the package DEB.
deb_expect_contents() {
	local deb=$1 p list
	shift
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\.##')
	for p in "$@"; do
		grep -qxF "$p" <<<"$list" || {
			echo "${deb##*/} lacks $p; it has:" >&2
			printf '%s\n' "$list" >&2
			return 1
		}
	done
}

@test "dpkg-buildpackage -b: three packages, every file at Debian's paths, naming /usr/bin and /etc/jwt-fcgi" {
	local v1=$D/v1 x=$BATS_TEST_TMPDIR/x deb
	run -0 ls "$v1"
	assert_equal "$(ls "$v1"/*.deb | xargs -n1 basename | tr '\n' ' ')" \
		"jwt-fcgi-authz_${VERSION}_${ARCH}.deb jwt-fcgi-mint_${VERSION}_${ARCH}.deb jwt-fcgi_${VERSION}_${ARCH}.deb "
	deb_expect_contents "$v1/jwt-fcgi_${VERSION}_${ARCH}.deb" \
		/usr/bin/jwt-fcgi /usr/share/man/man1/jwt-fcgi.1.gz \
		/usr/share/man/man5/jwt-fcgi.conf.5.gz \
		/usr/share/jwt-fcgi/lighttpd/README.md \
		/usr/share/jwt-fcgi/systemd/README.md \
		/usr/share/doc/jwt-fcgi/README.Debian.gz
	deb_expect_contents "$v1/jwt-fcgi-authz_${VERSION}_${ARCH}.deb" \
		/usr/bin/jwt-authz.fcgi /usr/share/man/man8/jwt-authz.fcgi.8.gz \
		/etc/jwt-fcgi/authz.conf.example \
		/etc/lighttpd/conf-available/50-jwt-authz.conf \
		/etc/lighttpd/conf-available/51-jwt-authz-exchange.conf \
		/usr/share/jwt-fcgi/lighttpd/jwt-authz-exchange.lua \
		/etc/apache2/conf-available/jwt-fcgi-authz.conf \
		/etc/nginx/snippets/jwt-authz.conf \
		/etc/nginx/snippets/jwt-authz-server.conf \
		/usr/share/jwt-fcgi/nginx/conf.d/jwt-authz.conf \
		/usr/share/jwt-fcgi/caddy/jwt-authz.caddy \
		/lib/systemd/system/jwt-authz.socket \
		/lib/systemd/system/jwt-authz.service \
		/usr/share/jwt-fcgi/systemd/jwt-authz.service.d/remote-keys.conf
	deb_expect_contents "$v1/jwt-fcgi-mint_${VERSION}_${ARCH}.deb" \
		/usr/bin/jwt-mint.fcgi /usr/share/man/man8/jwt-mint.fcgi.8.gz \
		/etc/jwt-fcgi/mint.conf.example /etc/jwt-fcgi/registry.example.json \
		/etc/lighttpd/conf-available/50-jwt-mint.conf \
		/etc/apache2/conf-available/jwt-fcgi-mint.conf \
		/etc/nginx/snippets/jwt-mint.conf \
		/usr/share/jwt-fcgi/caddy/jwt-mint.caddy \
		/lib/systemd/system/jwt-mint.socket \
		/lib/systemd/system/jwt-mint.service
	# Every file under /etc is a conffile.
	run -0 bash -c "dpkg-deb --ctrl-tarfile '$v1/jwt-fcgi-authz_${VERSION}_${ARCH}.deb' |
		tar -xOf - ./conffiles"
	assert_output_contains /etc/lighttpd/conf-available/50-jwt-authz.conf
	assert_output_contains /etc/apache2/conf-available/jwt-fcgi-authz.conf
	assert_output_contains /etc/nginx/snippets/jwt-authz-vars.conf
	assert_output_contains /etc/jwt-fcgi/authz.conf.example
	# The mint needs the admin tool of its own version.
	run -0 dpkg-deb -f "$v1/jwt-fcgi-mint_${VERSION}_${ARCH}.deb" Depends
	assert_output_contains "jwt-fcgi (= $VERSION)"
	assert_output_contains adduser
	# What the servers, systemd and man read names the installed paths:
	# no /usr/local is left in units, snippets, examples or man pages.
	mkdir -p "$x"
	for deb in "$v1"/*.deb; do
		dpkg-deb -x "$deb" "$x"
	done
	run -0 bash -c "cd '$x' && { zcat usr/share/man/*/*.gz; cat etc/jwt-fcgi/* \
		etc/lighttpd/conf-available/* etc/apache2/conf-available/* \
		etc/nginx/snippets/* lib/systemd/system/*
		find usr/share/jwt-fcgi -type f ! -name '*.md' -exec cat {} +; } |
		grep -c /usr/local || true"
	assert_equal "$output" 0
	run -0 grep -h '^ExecStart=' "$x"/lib/systemd/system/jwt-authz.service \
		"$x"/lib/systemd/system/jwt-mint.service
	assert_equal "$output" "ExecStart=/usr/bin/jwt-authz.fcgi -c /etc/jwt-fcgi/authz.conf --workers 4
ExecStart=/usr/bin/jwt-mint.fcgi -c /etc/jwt-fcgi/mint.conf --workers 4"
	run -0 grep -h 'jwt_authz_bin =\|jwt_authz_exchange_script =' \
		"$x"/etc/lighttpd/conf-available/50-jwt-authz.conf
	assert_output_contains '"/usr/bin/jwt-authz.fcgi"'
	assert_output_contains '"/usr/share/jwt-fcgi/lighttpd/jwt-authz-exchange.lua"'
}

@test "lintian: no error and no warning on the three packages" {
	run --separate-stderr lintian --fail-on error,warning \
		"$D/v1/jwt-fcgi_${VERSION}_${ARCH}.changes"
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" "$stderr" >&2
		false
	fi
	# Not vacuous: lintian read the packages (and lists no E: or W:).
	run -1 grep -E '^[EW]: ' <<<"$output"
}

@test "apt-get install ./jwt-fcgi*.deb: programs, the user jwt-fcgi, its key directory, units that systemd accepts, nothing enabled" {
	local p
	deb_host
	for p in "${PKGS[@]}"; do
		run dpkg-query -W -f '${db:Status-Status}' "$p"
		if [ "$output" = installed ] || [ "$output" = config-files ]; then
			echo "$p is on this machine already: not touching it" >&2
			false
		fi
	done
	if [ -e /etc/jwt-fcgi ] || [ -e /var/lib/jwt-fcgi ]; then
		echo "/etc/jwt-fcgi or /var/lib/jwt-fcgi exists: not touching this machine's configuration" >&2
		false
	fi
	if ! getent passwd jwt-fcgi >/dev/null; then
		touch "$D/user-made"
	fi
	W=$(mktemp -d /tmp/jf-deb.XXXXXX)
	chmod 0755 "$W"
	printf '%s\n' "$W" >"$D/scratch"
	touch "$D/installed"
	run -0 deb_apt_install "$D/v1"
	for p in "${PKGS[@]}"; do
		run -0 dpkg-query -W -f '${db:Status-Status} ${Version}' "$p"
		assert_equal "$output" "installed $VERSION"
	done
	run -0 command -v jwt-fcgi jwt-authz.fcgi jwt-mint.fcgi
	assert_equal "$output" "/usr/bin/jwt-fcgi
/usr/bin/jwt-authz.fcgi
/usr/bin/jwt-mint.fcgi"
	run -0 /usr/bin/jwt-fcgi --version
	# The units' user: a system account without home or shell.
	run -0 getent passwd jwt-fcgi
	[[ $output == jwt-fcgi:x:*:*::/nonexistent:/usr/sbin/nologin ]]
	run -0 stat -c '%a %U %G' /etc/jwt-fcgi/keys
	assert_equal "$output" "700 jwt-fcgi jwt-fcgi"
	run -0 find /etc/jwt-fcgi/keys -mindepth 1
	assert_equal "$output" ""
	# systemd accepts the installed units (their programs exist at the
	# paths they name); the packages enable and start none of them.
	run -0 systemd-analyze verify /lib/systemd/system/jwt-authz.socket \
		/lib/systemd/system/jwt-authz.service \
		/lib/systemd/system/jwt-mint.socket /lib/systemd/system/jwt-mint.service
	run -0 find /etc/systemd/system -name 'jwt-*'
	assert_equal "$output" ""
	# Nothing enabled in any server either.
	run -0 find /etc/lighttpd/conf-enabled /etc/apache2/conf-enabled \
		-name '*jwt*'
	assert_equal "$output" ""
}

# deb_lighttpd_root DIR: Debian's /etc/lighttpd as the package leaves it,
# under DIR: conf-available/ links to every installed file (Debian's and
# ours), the walk-through's stand-in for lighttpd.conf (loopback, a high
# port, user www-data), nothing enabled.
deb_lighttpd_root() {
	local root=$1 f
	mkdir -p "$root/etc/lighttpd/conf-available" "$root/etc/lighttpd/conf-enabled" \
		"$root/var/log/lighttpd" "$root/var/www/html/api" "$root/run/lighttpd" ||
		return 1
	for f in /etc/lighttpd/conf-available/*.conf; do
		ln -s "$f" "$root/etc/lighttpd/conf-available/" || return 1
	done
	chown www-data:www-data "$root/run/lighttpd" "$root/var/log/lighttpd" &&
	ROOT=$root render_template \
		"$JF_SRCDIR/tests/helpers/conf/walk-lighttpd.conf.in" \
		"$root/etc/lighttpd/lighttpd.conf"
}

# lighty-enable-mod, Debian's script, on DIR/etc/lighttpd ($LROOT).
deb_lighty_enable_mod() {
	perl <(sed "s#my \$confdir = \"/etc/lighttpd/\"#my \$confdir = \"$LROOT/etc/lighttpd/\"#" \
		/usr/sbin/lighty-enable-mod) "$@"
}

@test "the README's flow on the installed files: lighty-enable-mod jwt-mint jwt-authz, certificate -> token -> API 200, no token -> 401" {
	local b=/usr/bin tok
	deb_installed
	need_cmd lighttpd
	need_cmd certtool
	cd "$W"
	free_port MINT_PORT
	free_port LT_PORT
	printf '%s %s\n' "$MINT_PORT" "$LT_PORT" >"$W/ports"
	pki_init "$W/pki"
	pki_server "$W/pki"
	chmod -R a+rX "$W/pki"
	# The operator's part (README.md, "From certificate to API call by
	# hand", steps 2 to 5), on the installed programs and paths.
	install -d -m 0755 /etc/jwt-fcgi/ca
	run -0 "$b/jwt-fcgi" ca init --dir /etc/jwt-fcgi/ca --cn "Example Service CA"
	run -0 "$b/jwt-fcgi" register billing --registry /etc/jwt-fcgi/registry.json \
		--ca-dir /etc/jwt-fcgi/ca --out-dir billing \
		--scope invoices:read --audience https://api.example.test
	# lighttpd runs the mint as www-data: the key directory the package
	# made becomes www-data's (README.Debian).
	install -d -m 0700 -o www-data -g www-data /etc/jwt-fcgi/keys
	# and so does the token status state (state_dir, README).
	install -d -m 0700 -o www-data -g www-data /var/lib/jwt-fcgi
	run -0 "$b/jwt-fcgi" keygen /etc/jwt-fcgi/keys/mint.pem
	chown www-data:www-data /etc/jwt-fcgi/keys/mint.pem
	cat >/etc/jwt-fcgi/mint.conf <<-EOF
	issuer = https://localhost:$MINT_PORT/mint
	signing_key = /etc/jwt-fcgi/keys/mint.pem
	registry = /etc/jwt-fcgi/registry.json
	client_ca = /etc/jwt-fcgi/ca/ca.crt
	EOF
	"$b/jwt-fcgi" jwks /etc/jwt-fcgi/keys/mint.pem >/etc/jwt-fcgi/mint.jwks
	cat >/etc/jwt-fcgi/authz.conf <<-EOF
	realm = api
	[issuer https://localhost:$MINT_PORT/mint]
	jwks_file = /etc/jwt-fcgi/mint.jwks
	audience = https://api.example.test
	typ = at+jwt
	EOF
	run -0 runuser -u www-data -- "$b/jwt-mint.fcgi" -t /etc/jwt-fcgi/mint.conf
	run -0 "$b/jwt-authz.fcgi" -t /etc/jwt-fcgi/authz.conf

	# lighttpd: the installed snippets, enabled by Debian's tool; only
	# the places (sockets, the mint's TLS address and certificate) are
	# set in the override files the snippets read, next to lighttpd.conf.
	LROOT=$W/lighttpd
	deb_lighttpd_root "$LROOT"
	# One at a time: given both, the script exits 2 ("already enabled")
	# for the dependency they share.
	run -0 deb_lighty_enable_mod jwt-mint
	run -0 deb_lighty_enable_mod jwt-authz
	run -0 readlink -f "$LROOT/etc/lighttpd/conf-enabled/50-jwt-mint.conf" \
		"$LROOT/etc/lighttpd/conf-enabled/50-jwt-authz.conf"
	assert_equal "$output" "/etc/lighttpd/conf-available/50-jwt-mint.conf
/etc/lighttpd/conf-available/50-jwt-authz.conf"
	cat >"$LROOT/etc/lighttpd/jwt-mint.local.conf" <<-EOF
	var.jwt_mint_socket := "$LROOT/run/lighttpd/jwt-mint.sock"
	var.jwt_mint_listen := "127.0.0.1:$MINT_PORT"
	var.jwt_mint_pemfile := "$W/pki/server.chain.pem"
	var.jwt_mint_privkey := "$W/pki/server.key"
	EOF
	cat >"$LROOT/etc/lighttpd/jwt-authz.local.conf" <<-EOF
	var.jwt_authz_socket := "$LROOT/run/lighttpd/jwt-authz.sock"
	EOF
	echo '{"invoices": []}' >"$LROOT/var/www/html/api/invoices.json"
	chmod -R a+rX "$LROOT/var/www"
	run -0 lighttpd -tt -f "$LROOT/etc/lighttpd/lighttpd.conf"
	mkdir -p "$W/run"
	start_daemon "$W/run" lighttpd lighttpd -D -f "$LROOT/etc/lighttpd/lighttpd.conf"
	wait_for_port "$LT_PORT" 30 "$W/run/lighttpd.pid"
	wait_for_port "$MINT_PORT" 30 "$W/run/lighttpd.pid"
	# The programs lighttpd spawned are the installed ones.
	run -0 pgrep -u www-data -f '^/usr/bin/jwt-mint.fcgi -c /etc/jwt-fcgi/mint.conf'
	run -0 pgrep -u www-data -f '^/usr/bin/jwt-authz.fcgi -c /etc/jwt-fcgi/authz.conf'

	# Step 7: certificate -> token -> API.
	run --separate-stderr curl -fsS --cert billing/billing.crt \
		--key billing/billing.key -d grant_type=client_credentials \
		"https://localhost:$MINT_PORT/mint/token"
	if [ "$status" -ne 0 ]; then
		printf 'curl: %s\n' "$stderr" >&2
		tail -n 20 "$LROOT/var/log/lighttpd/error.log" >&2
		false
	fi
	tok=$(jq -r .access_token <<<"$output")
	[[ $tok == *.*.* ]]
	printf '%s\n' "$tok" >"$W/token"
	run -0 "$b/jwt-fcgi" verify -c /etc/jwt-fcgi/authz.conf --explain "$tok"
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$LT_PORT/api/invoices.json"
	assert_status 200
	assert_body_contains '{"invoices": []}'
	http "http://127.0.0.1:$LT_PORT/api/invoices.json"
	assert_status 401
	assert_header_contains WWW-Authenticate 'Bearer realm="api"'
	stop_daemon "$W/run/lighttpd.pid"
}

# deb_authz_unit PORT: the authorizer on jwt-authz.service's own command
# line, as systemd runs it: the listening socket on fd 0 (spawn-fcgi -n
# execs the program on it, as StandardInput=socket does), as nobody (the
# stand-in for DynamicUser=).
deb_authz_unit() {
	local cmd
	cmd=$(deb_unit_cmd jwt-authz.service)
	[ -n "$cmd" ] || return 1
	mkdir -p "$W/run" || return 1
	# shellcheck disable=SC2086 # the unit's command line, split as systemd does
	start_daemon "$W/run" authz spawn-fcgi -n -a 127.0.0.1 -p "$1" \
		-u nobody -g "$(id -gn nobody)" -- $cmd
	wait_for_port "$1" 30 "$W/run/authz.pid"
}

# deb_apache_root DIR API_PORT AUTHZ_PORT: Debian's /etc/apache2 as the
# packages leave it, under DIR: the system's apache2.conf moved there,
# mods-available/ and conf-available/ linked to the installed ones,
# Debian's default modules enabled, one site on loopback, and the
# authorizer's address Define'd in ports.conf (before conf-enabled/).
deb_apache_root() {
	local root=$1 d=$1/etc/apache2 f
	mkdir -p "$d"/{mods-enabled,conf-available,conf-enabled,sites-available,sites-enabled} \
		"$root/var/log/apache2" "$root/var/lib/apache2" "$root/run/lock" \
		"$root/var/www/html/api" || return 1
	ln -s /etc/apache2/mods-available "$d/mods-available" || return 1
	for f in /etc/apache2/conf-available/*.conf; do
		ln -s "$f" "$d/conf-available/" || return 1
	done
	sed -e "s#/etc/apache2#$d#g" -e "s#/var/www#$root/var/www#g" \
		/etc/apache2/apache2.conf >"$d/apache2.conf" || return 1
	cat >"$d/envvars" <<-EOF
	export APACHE_RUN_USER=www-data
	export APACHE_RUN_GROUP=www-data
	export APACHE_PID_FILE=$root/run/apache2/apache2.pid
	export APACHE_RUN_DIR=$root/run/apache2
	export APACHE_LOCK_DIR=$root/run/lock/apache2
	export APACHE_LOG_DIR=$root/var/log/apache2
	export LANG=C
	EOF
	printf 'Listen 127.0.0.1:%s\nDefine JWT_AUTHZ_ADDR 127.0.0.1:%s\n' \
		"$2" "$3" >"$d/ports.conf"
	cat >"$d/sites-available/api.conf" <<-EOF
	<VirtualHost 127.0.0.1:$2>
		ServerName localhost
		DocumentRoot $root/var/www/html
	</VirtualHost>
	EOF
	ln -s ../sites-available/api.conf "$d/sites-enabled/api.conf" &&
	echo '{"invoices": []}' >"$root/var/www/html/api/invoices.json" &&
	chmod -R a+rX "$root/var/www" &&
	a2enmod -q access_compat alias authn_core authz_core authz_host \
		authz_user dir env mime mpm_event setenvif >/dev/null
}

@test "Apache: a2enconf jwt-fcgi-authz, the authorizer on jwt-authz.service's command line; the mint's token 200, none 401" {
	local tok
	deb_installed
	need_cmd apache2
	need_cmd spawn-fcgi
	tok=$(cat "$W/token")
	free_port API_PORT
	free_port AUTHZ_PORT
	AROOT=$W/apache
	export APACHE_CONFDIR=$AROOT/etc/apache2
	export APACHE_STATE_DIRECTORY=$AROOT/var/lib/apache2
	deb_apache_root "$AROOT" "$API_PORT" "$AUTHZ_PORT"
	# What conf/apache/README.md says to enable, by Debian's tools.
	run -0 a2enmod authnz_fcgi setenvif headers
	run -0 a2enconf jwt-fcgi-authz
	run -0 readlink -f "$APACHE_CONFDIR/conf-enabled/jwt-fcgi-authz.conf"
	assert_equal "$output" /etc/apache2/conf-available/jwt-fcgi-authz.conf
	deb_authz_unit "$AUTHZ_PORT"
	run -0 pgrep -u nobody -f '^/usr/bin/jwt-authz.fcgi -c /etc/jwt-fcgi/authz.conf --workers 4'
	run -0 apache2ctl configtest
	run -0 apache2ctl start
	# Apache's own PID file, copied: stop_daemon removes the file it is
	# given, which Apache wants to remove itself.
	wait_for_file "$AROOT/run/apache2/apache2.pid" 30
	cp "$AROOT/run/apache2/apache2.pid" "$W/run/apache2.pid"
	wait_for_port "$API_PORT" 30
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$API_PORT/api/invoices.json"
	assert_status 200
	assert_body_contains '{"invoices": []}'
	http "http://127.0.0.1:$API_PORT/api/invoices.json"
	assert_status 401
	assert_header_contains WWW-Authenticate 'Bearer realm="api"'
	stop_daemon "$W/run/apache2.pid"
	stop_daemon "$W/run/authz.pid"
}

@test "nginx: the installed snippets, the mint on jwt-mint.service's command line as its User=jwt-fcgi; certificate -> token -> API 200" {
	local cmd user tok n
	deb_installed
	n=$W/nginx
	need_cmd nginx
	need_cmd spawn-fcgi
	free_port NGX_MINT
	free_port NGX_API
	free_port AUTHZ_PORT
	# The units' way (README.Debian): the key is the user jwt-fcgi's.
	chown jwt-fcgi:jwt-fcgi /etc/jwt-fcgi/keys /etc/jwt-fcgi/keys/mint.pem
	# and the state directory, as the unit's StateDirectory=jwt-fcgi
	# makes it under systemd.
	chown -R jwt-fcgi:jwt-fcgi /var/lib/jwt-fcgi
	sed -i "s#^issuer = .*#issuer = https://localhost:$NGX_MINT/mint#" \
		/etc/jwt-fcgi/mint.conf
	sed -i "s#^\[issuer .*#[issuer https://localhost:$NGX_MINT/mint]#" \
		/etc/jwt-fcgi/authz.conf
	user=$(sed -n 's/^User=//p' /lib/systemd/system/jwt-mint.service)
	assert_equal "$user" jwt-fcgi
	run -0 runuser -u "$user" -- /usr/bin/jwt-mint.fcgi -t /etc/jwt-fcgi/mint.conf
	cmd=$(deb_unit_cmd jwt-mint.service)
	mkdir -p "$W/run" "$n/tmp"
	# The socket as jwt-mint.socket makes it: root's, group www-data, 0660.
	# shellcheck disable=SC2086 # the unit's command line
	start_daemon "$W/run" mint spawn-fcgi -n -s "$W/run/mint.sock" -M 0660 \
		-G www-data -u "$user" -g "$user" -- $cmd
	wait_for_file "$W/run/mint.sock" 30
	run -0 pgrep -u jwt-fcgi -f '^/usr/bin/jwt-mint.fcgi -c /etc/jwt-fcgi/mint.conf --workers 4'
	deb_authz_unit "$AUTHZ_PORT"
	# nginx's own main config; the snippets it includes are the installed
	# ones (snippets/ is /etc/nginx/snippets, conf.d/ the package's).
	ln -s /etc/nginx/snippets "$n/snippets"
	ln -s /usr/share/jwt-fcgi/nginx/conf.d "$n/conf.d"
	ln -s /etc/nginx/fastcgi_params "$n/fastcgi_params"
	cat >"$n/nginx.conf" <<-EOF
	user www-data;
	worker_processes 1;
	pid $n/nginx.pid;
	error_log $n/error.log info;
	events {
		worker_connections 64;
	}
	http {
		access_log $n/access.log;
		client_body_temp_path $n/tmp/body;
		fastcgi_temp_path $n/tmp/fastcgi;
		proxy_temp_path $n/tmp/proxy;
		uwsgi_temp_path $n/tmp/uwsgi;
		scgi_temp_path $n/tmp/scgi;
		include conf.d/jwt-authz.conf;
		upstream jwt_authz {
			server 127.0.0.1:$AUTHZ_PORT;
		}
		upstream jwt_mint {
			server unix:$W/run/mint.sock;
		}
		server {
			listen 127.0.0.1:$NGX_MINT ssl;
			server_name localhost;
			ssl_certificate $W/pki/server.chain.pem;
			ssl_certificate_key $W/pki/server.key;
			ssl_client_certificate /etc/jwt-fcgi/ca/ca.crt;
			include snippets/jwt-mint-mtls.conf;
			include snippets/jwt-mint.conf;
		}
		server {
			listen 127.0.0.1:$NGX_API;
			server_name localhost;
			root $W/lighttpd/var/www/html;
			include snippets/jwt-authz-server.conf;
			location /api/ {
				include snippets/jwt-authz.conf;
			}
		}
	}
	EOF
	run -0 nginx -t -p "$n" -c "$n/nginx.conf"
	start_daemon "$W/run" nginx nginx -p "$n" -c "$n/nginx.conf" -g 'daemon off;'
	wait_for_port "$NGX_MINT" 30 "$W/run/nginx.pid"
	wait_for_port "$NGX_API" 30 "$W/run/nginx.pid"
	run --separate-stderr curl -fsS --cert "$W/billing/billing.crt" \
		--key "$W/billing/billing.key" -d grant_type=client_credentials \
		"https://localhost:$NGX_MINT/mint/token"
	if [ "$status" -ne 0 ]; then
		printf 'curl: %s\n' "$stderr" >&2
		tail -n 20 "$n/error.log" "$W/run/mint.log" >&2
		false
	fi
	tok=$(jq -r .access_token <<<"$output")
	[[ $tok == *.*.* ]]
	http -H "Authorization: Bearer $tok" "http://127.0.0.1:$NGX_API/api/invoices.json"
	assert_status 200
	assert_body_contains '{"invoices": []}'
	http "http://127.0.0.1:$NGX_API/api/invoices.json"
	assert_status 401
	stop_daemon "$W/run/nginx.pid"
	stop_daemon "$W/run/mint.pid"
	stop_daemon "$W/run/authz.pid"
}

# deb_existing PATH...: those of the PATHs that exist (or dangle).
deb_existing() {
	local f
	for f in "$@"; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			printf '%s\n' "$f"
		fi
	done
}

# deb_operator_state: every file and directory under /etc/jwt-fcgi with
# its mode, owner and (files) checksum; and the operator's conffiles.
deb_operator_state() {
	local f
	find /etc/jwt-fcgi /etc/lighttpd/conf-available/50-jwt-mint.conf | sort |
		while read -r f; do
			stat -c '%n %a %U %G' "$f"
			if [ -f "$f" ]; then
				sha256sum "$f"
			fi
		done
}

@test "upgrade to a rebuilt version keeps a changed conffile, the configuration, the keys and their owner" {
	local before p
	deb_installed
	# The operator changes two conffiles.
	printf '# changed by the operator\n' >>/etc/lighttpd/conf-available/50-jwt-mint.conf
	printf '# changed by the operator\n' >>/etc/jwt-fcgi/authz.conf.example
	before=$(deb_operator_state)
	# Not vacuous: the state holds the keys and the configuration.
	[[ $before == *"/etc/jwt-fcgi/keys/mint.pem 600 jwt-fcgi jwt-fcgi"* ]]
	[[ $before == *"/etc/jwt-fcgi/mint.conf "* ]]
	[[ $before == *"/etc/jwt-fcgi/ca/ca.key "* ]]
	# The next version: the same build, packaged again (binary only, no
	# recompilation) under a new changelog entry.
	sed -i "1s/($VERSION)/($VERSION+1)/" "$D/src/debian/changelog"
	if ! (cd "$D/src" && DEB_BUILD_OPTIONS="nocheck noddebs" \
		dpkg-buildpackage -us -uc -b -nc >"$D/rebuild.log" 2>&1); then
		tail -n 40 "$D/rebuild.log" >&2
		false
	fi
	mkdir -p "$D/v2"
	mv "$D"/*.deb "$D/v2/"
	run -0 deb_apt_install "$D/v2"
	for p in "${PKGS[@]}"; do
		run -0 dpkg-query -W -f '${db:Status-Status} ${Version}' "$p"
		assert_equal "$output" "installed $VERSION+1"
	done
	run -0 deb_operator_state
	assert_equal "$output" "$before"
	run -0 grep -c '^# changed by the operator$' \
		/etc/lighttpd/conf-available/50-jwt-mint.conf /etc/jwt-fcgi/authz.conf.example
	run -0 find /etc/jwt-fcgi /etc/lighttpd /etc/apache2 /etc/nginx \
		-name '*.dpkg-*'
	assert_equal "$output" ""
	# The upgraded mint still loads everything as the units' user.
	run -0 runuser -u jwt-fcgi -- /usr/bin/jwt-mint.fcgi -t /etc/jwt-fcgi/mint.conf
}

@test "purge removes every file of the packages and nothing of the operator's; with nothing of the operator's, nothing stays" {
	local files operator p
	deb_installed
	files=$(deb_files "${PKGS[@]}")
	[[ $files == *"/usr/bin/jwt-mint.fcgi"* ]]
	[[ $files == *"/etc/lighttpd/conf-available/50-jwt-authz.conf"* ]]
	operator=$(find /etc/jwt-fcgi -mindepth 1 ! -name '*.example' \
		! -name '*.example.json' | sort)
	[[ $operator == *"/etc/jwt-fcgi/keys/mint.pem"* ]]
	run -0 apt-get -o DPkg::Lock::Timeout=900 purge -y -qq "${PKGS[@]}"
	for p in "${PKGS[@]}"; do
		# Forgotten (or never known), not merely removed.
		run dpkg-query -W -f '${db:Status-Status}' "$p"
		[[ $output == not-installed || $output == *"no packages found matching $p" ]]
	done
	# shellcheck disable=SC2086 # one path a line, none with a space
	assert_equal "$(deb_existing $files)" ""
	assert_equal "$(deb_existing /usr/share/jwt-fcgi /usr/share/doc/jwt-fcgi \
		/usr/share/doc/jwt-fcgi-authz /usr/share/doc/jwt-fcgi-mint)" ""
	# Nor does deb-systemd-helper's record of the units.
	run -0 find /var/lib/systemd -name '*jwt*'
	assert_equal "$output" ""
	run -0 find /etc/jwt-fcgi -mindepth 1
	assert_equal "$(sort <<<"$output")" "$operator"
	# The user stays (README.Debian: it may still own the operator's keys).
	run -0 stat -c %U /etc/jwt-fcgi/keys/mint.pem
	assert_equal "$output" jwt-fcgi

	# Once the operator's files are gone, install and purge again:
	# nothing of the packages stays, not even the key directory.
	rm -rf /etc/jwt-fcgi /var/lib/jwt-fcgi
	run -0 deb_apt_install "$D/v2"
	run -0 stat -c '%a %U' /etc/jwt-fcgi/keys
	assert_equal "$output" "700 jwt-fcgi"
	run -0 apt-get -o DPkg::Lock::Timeout=900 purge -y -qq "${PKGS[@]}"
	assert_equal "$(deb_existing /etc/jwt-fcgi /var/lib/jwt-fcgi /usr/share/jwt-fcgi \
		/lib/systemd/system/jwt-mint.service /etc/nginx/snippets/jwt-mint.conf \
		/etc/apache2/conf-available/jwt-fcgi-authz.conf \
		/etc/lighttpd/conf-available/50-jwt-authz.conf)" ""
}
