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
		jf_skip "sanitizer build: the release build's pass builds the packages"
		return 0
	fi
	for c in dpkg-buildpackage dh lintian dpkg-deb fakeroot; do
		need_cmd "$c" "apt-get install debhelper lintian dpkg-dev fakeroot" ||
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
	mkdir -p "$d/v1" && mv "$d"/*.deb "$d"/*.changes "$d"/*.buildinfo "$d/v1/"
}

setup() {
	skip_if_file_skipped
	D=$BATS_FILE_TMPDIR
	VERSION=$(dpkg-parsechangelog -l "$D/src/debian/changelog" -S Version)
}

teardown_file() {
	local d=$BATS_FILE_TMPDIR p
	for p in "$d"/*/*.pid; do
		[ -f "$p" ] || continue
		stop_daemon "$p"
	done
	[ -f "$d/installed" ] || return 0
	# Only what the install test made: it refused to start otherwise.
	apt-get -o DPkg::Lock::Timeout=900 purge -y -qq "${PKGS[@]}" \
		</dev/null >/dev/null 2>&1 || true
	rm -rf /etc/jwt-fcgi
	if [ -f "$d/user-made" ]; then
		deluser --system --quiet jwt-fcgi >/dev/null 2>&1 || true
		delgroup --system --quiet jwt-fcgi >/dev/null 2>&1 || true
	fi
	case $(cat "$d/scratch" 2>/dev/null) in
	/tmp/jf-deb.*) rm -rf "$(cat "$d/scratch")" ;;
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

# deb_files PKG...: the regular files and links the packages installed.
deb_files() {
	local f
	dpkg -L "$@" | sort -u | while read -r f; do
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
		"jwt-fcgi-authz_${VERSION}_amd64.deb jwt-fcgi-mint_${VERSION}_amd64.deb jwt-fcgi_${VERSION}_amd64.deb "
	deb_expect_contents "$v1/jwt-fcgi_${VERSION}_amd64.deb" \
		/usr/bin/jwt-fcgi /usr/share/man/man1/jwt-fcgi.1.gz \
		/usr/share/man/man5/jwt-fcgi.conf.5.gz \
		/usr/share/jwt-fcgi/lighttpd/README.md \
		/usr/share/jwt-fcgi/systemd/README.md \
		/usr/share/doc/jwt-fcgi/README.Debian.gz
	deb_expect_contents "$v1/jwt-fcgi-authz_${VERSION}_amd64.deb" \
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
	deb_expect_contents "$v1/jwt-fcgi-mint_${VERSION}_amd64.deb" \
		/usr/bin/jwt-mint.fcgi /usr/share/man/man8/jwt-mint.fcgi.8.gz \
		/etc/jwt-fcgi/mint.conf.example /etc/jwt-fcgi/registry.example.json \
		/etc/lighttpd/conf-available/50-jwt-mint.conf \
		/etc/apache2/conf-available/jwt-fcgi-mint.conf \
		/etc/nginx/snippets/jwt-mint.conf \
		/usr/share/jwt-fcgi/caddy/jwt-mint.caddy \
		/lib/systemd/system/jwt-mint.socket \
		/lib/systemd/system/jwt-mint.service
	# Every file under /etc is a conffile.
	run -0 bash -c "dpkg-deb --ctrl-tarfile '$v1/jwt-fcgi-authz_${VERSION}_amd64.deb' |
		tar -xOf - ./conffiles"
	assert_output_contains /etc/lighttpd/conf-available/50-jwt-authz.conf
	assert_output_contains /etc/apache2/conf-available/jwt-fcgi-authz.conf
	assert_output_contains /etc/nginx/snippets/jwt-authz-vars.conf
	assert_output_contains /etc/jwt-fcgi/authz.conf.example
	# The mint needs the admin tool of its own version.
	run -0 dpkg-deb -f "$v1/jwt-fcgi-mint_${VERSION}_amd64.deb" Depends
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
		etc/nginx/snippets/* lib/systemd/system/* usr/share/jwt-fcgi/caddy/*; } |
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
		"$D/v1/jwt-fcgi_${VERSION}_amd64.changes"
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
	if [ -e /etc/jwt-fcgi ]; then
		echo "/etc/jwt-fcgi exists: not touching this machine's configuration" >&2
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
