#!/usr/bin/env bats
# docs_walkthrough.bats - the docs, followed literally: README.md's "From
# certificate to API call by hand", whose mint steps are those of
# conf/lighttpd/README.md and whose API steps are those of
# conf/apache/README.md, run block by block on the tree `make install`
# installs. A service certificate gets a token from the mint under
# lighttpd, the token opens /api under Apache, a call without it is 401.
# If a doc step changes, this test runs the changed step.
#
# The steps are the fenced blocks marked ```sh walk:NAME in those files
# (tests/helpers/docex.awk extracts them). STEPS below says which names
# run, in which order, and which documents must show each: a step missing
# from one of them, a walk: block no step names, or two copies of a step
# that differ, fail the test before anything runs. walk:NAME:daemon is a
# command that stays in the foreground: it runs in the background, by
# PID, until the end. ```text walk:NAME:output is what step NAME must
# print. The others run in one shell, in order (set -e, pipefail), so
# that a variable set by one step (tok) is there for the next.
#
# Rewrites, applied to every step before it runs and once to the text
# files make install put under the scratch root (as if installed in /).
# They are the only changes; every other word runs as written:
#   /etc/jwt-fcgi /etc/lighttpd /etc/apache2 /usr/local /var/www
#   /var/lib/jwt-fcgi /run/lighttpd    -> $ROOT/... (a scratch root)
#   mint.example.test:8443             -> localhost:$MINT_PORT
#   0.0.0.0:8443                       -> 127.0.0.1:$MINT_PORT
#   https://api.example.test           -> https://localhost:$API_PORT
#   mint.example.test                  -> localhost
#   127.0.0.1:9100                     -> 127.0.0.1:$AUTHZ_PORT
# A step that still names another absolute path fails instead of running
# (it would act on this machine's real files), as does a step with && or
# ||, after which set -e would not stop at a failed first half.
# Stand-ins, as shell functions, for what would touch the real system:
#   make install               make -C $JF_BUILDDIR install DESTDIR=$ROOT
#   apt-get install PKG...     each PKG must be installed already
#   systemctl restart lighttpd lighttpd -tt, then lighttpd -D by PID, as
#                              Debian's lighttpd.service runs them
#   systemctl reload apache2   apache2ctl graceful (apache2.service)
#   lighty-enable-mod          Debian's script, its /etc/lighttpd/ moved
#                              under $ROOT
# a2enmod, a2enconf and apache2ctl are Debian's own, pointed at
# $ROOT/etc/apache2 by APACHE_CONFDIR (and APACHE_STATE_DIRECTORY). PATH
# starts with $ROOT/usr/local/bin; JWT_MINT_CONFIG and JWT_AUTHZ_CONFIG
# name nothing, so no program falls back to a real /etc.
#
# Under $ROOT stand in for what Debian's packages install: lighttpd.conf
# (tests/helpers/conf/walk-lighttpd.conf.in) and conf-available/ (copied
# from /etc/lighttpd), and for Apache the system's apache2.conf with the
# rewrites, envvars, ports.conf and the API host's existing HTTPS site
# (the test PKI's certificate, which curl trusts through CURL_CA_BUNDLE),
# with Debian's default modules enabled. Everything listens on loopback
# high ports. Needs root (chown to www-data, runuser), as the docs do.
#   JF_BUILDDIR=/path/to/build bats tests/docs_walkthrough.bats
# (JF_WALK_KEEP=1 keeps the scratch root, each step as it ran in walk/steps
# and its output in walk/out.)

bats_require_minimum_version 1.5.0

load helpers/common
load helpers/pki
load helpers/docex

# The steps, in order: "NAME DOC..." where each DOC must show the step,
# word for word the same. README.md has the whole path; the server pages
# have their part of it.
STEPS=(
	"install README.md"
	"service-ca README.md"
	"lighttpd-mint-packages README.md conf/lighttpd/README.md"
	"lighttpd-mint-tls README.md conf/lighttpd/README.md"
	"lighttpd-mint-key README.md conf/lighttpd/README.md"
	"mint-conf README.md conf/lighttpd/README.md"
	"lighttpd-mint-enable README.md conf/lighttpd/README.md"
	"lighttpd-mint-start README.md conf/lighttpd/README.md"
	"mint-jwks README.md"
	"authz-conf README.md"
	"apache-authz-enable README.md conf/apache/README.md"
	"api-content README.md"
	"apache-authz-run README.md conf/apache/README.md"
	"apache-authz-reload README.md conf/apache/README.md"
	"client-packages README.md"
	"mint-token README.md conf/lighttpd/README.md"
	"verify README.md"
	"call-api README.md"
)
# Debian 12's modules enabled by the apache2 package, and the API site's
# mod_ssl.
APACHE_DEFAULT_MODS="access_compat alias auth_basic authn_core authn_file
	authz_core authz_host authz_user autoindex deflate dir env filter mime
	mpm_event negotiation reqtimeout setenvif status ssl"

setup() {
	jf_bin jwt-mint.fcgi >/dev/null
	EX=$BATS_TEST_TMPDIR/ex
	docex_extract "$EX"
}

# walk_need: what running the steps takes, or skip saying what is missing.
walk_need() {
	[ "$(id -u)" = 0 ] ||
		skip "needs root: the docs chown to www-data and runuser -u www-data"
	local c
	for c in lighttpd apache2 apache2ctl a2enmod a2enconf lighty-enable-mod \
		runuser openssl curl jq certtool dpkg-query; do
		need_cmd "$c"
	done
	id www-data >/dev/null 2>&1 || skip "no user www-data"
	if [ ! -d /etc/apache2/mods-available ] || [ ! -f /etc/apache2/apache2.conf ]; then
		skip "Debian's apache2 configuration is not installed"
	fi
	if [ ! -d /etc/lighttpd/conf-available ]; then
		skip "Debian's lighttpd configuration is not installed"
	fi
}

teardown() {
	[ -n "${ROOT:-}" ] || return 0
	if [ -n "${WALK_STEP:-}" ]; then
		printf -- '--- failed in step %s (%s); as it ran:\n' "$WALK_STEP" \
			"$WALK_WHERE" >&2
		cat -n "$RUN/steps/$WALK_STEP.sh" >&2
		printf -- '--- its output:\n' >&2
		cat "$RUN/out/$WALK_STEP" >&2 2>/dev/null
		tail -n 20 "$ROOT"/var/log/lighttpd/error.log "$RUN"/*.log \
			"$ROOT"/var/log/apache2/error.log >&2 2>/dev/null
	fi
	# Apache's own PID file, copied: stop_daemon removes the file it is
	# given, which Apache wants to remove itself.
	if [ -f "$ROOT/run/apache2/apache2.pid" ]; then
		cp "$ROOT/run/apache2/apache2.pid" "$RUN/apache2.pid"
		stop_daemon "$RUN/apache2.pid"
	fi
	stop_daemon "$RUN/lighttpd.pid"
	stop_daemon "$RUN/apache-authz-run.pid"
	keep_logs "$ROOT/var/log"
	if [ -n "${JF_WALK_KEEP:-}" ]; then
		echo "# kept the scratch root: $ROOT" >&3
		return 0
	fi
	case $ROOT in */jf-walk.*) rm -rf "$ROOT" ;; esac
}

# walk_find NAME DOC: the number of step NAME's block in DOC (from
# $EX/walk-index), nothing if DOC has none.
walk_find() {
	awk -v n="$1" -v d="$2" '$2 == n && $3 != "output" {
		f = $4; sub(/:[0-9]+$/, "", f); if (f == d) print $1 }' \
		"$EX/walk-index"
}

# walk_flag N: the flag of block N ("-", daemon, output).
walk_flag() {
	awk -v n="$1" '$1 == n { print $3 }' "$EX/walk-index"
}

# walk_check_plan: every step in every document STEPS names for it,
# once, with the same text and flag everywhere; every walk: block of the
# documents a step of STEPS shown where STEPS says, or the output of one.
# Prints each problem.
walk_check_plan() {
	local s name docs d n first bad=0 flag where doc
	local -A docs_of=()
	for s in "${STEPS[@]}"; do
		read -r name docs <<<"$s"
		docs_of[$name]=" $docs "
		first=
		for d in $docs; do
			n=$(walk_find "$name" "$d")
			if [ -z "$n" ]; then
				echo "$d has no \`\`\`sh walk:$name block"
				bad=1
			elif [ "$(wc -w <<<"$n")" -gt 1 ]; then
				echo "$d has walk:$name more than once"
				bad=1
			elif [ -z "$first" ]; then
				first=$n
			elif ! cmp -s "$EX/walk.$first" "$EX/walk.$n" ||
				[ "$(walk_flag "$first")" != "$(walk_flag "$n")" ]; then
				echo "walk:$name differs between the documents:"
				diff "$EX/walk.$first" "$EX/walk.$n"
				bad=1
			fi
		done
	done
	while read -r n name flag where; do
		doc=${where%:*}
		if [ -z "${docs_of[$name]:-}" ]; then
			echo "$where: walk:$name is no step of docs_walkthrough.bats"
			bad=1
		elif [[ ${docs_of[$name]} != *" $doc "* ]]; then
			echo "$where: walk:$name is not expected in $doc (STEPS)"
			bad=1
		fi
	done <"$EX/walk-index"
	return "$bad"
}

# walk_rewrite [-i FILE...]: stdin to stdout, or each FILE in place, with
# the rewrites of the header. A path is moved only where it starts (not
# inside another path) and ends (not /usr/localx).
walk_rewrite() {
	local inplace=()
	if [ "${1:-}" = -i ]; then
		inplace=(-i)
		shift
	fi
	W_ROOT=$ROOT W_MINT=$MINT_PORT W_API=$API_PORT W_AUTHZ=$AUTHZ_PORT \
		perl -p "${inplace[@]}" -e '
		s{mint\.example\.test:8443}{localhost:$ENV{W_MINT}}g;
		s{0\.0\.0\.0:8443}{127.0.0.1:$ENV{W_MINT}}g;
		s{https://api\.example\.test}{https://localhost:$ENV{W_API}}g;
		s{mint\.example\.test}{localhost}g;
		s{127\.0\.0\.1:9100}{127.0.0.1:$ENV{W_AUTHZ}}g;
		s{(?<![\w./-])(/etc/jwt-fcgi|/etc/lighttpd|/etc/apache2|/usr/local|/var/www|/var/lib/jwt-fcgi|/run/lighttpd)(?![\w.-])}{$ENV{W_ROOT}$1}g;
		' "$@"
}

# walk_lint FILE: a rewritten step may name no absolute path outside
# $ROOT (but /dev/null, and openssl's -subj /CN=...) and have no && or
# || (set -e ignores a failure before them).
walk_lint() {
	local text bad
	text=$(sed "s#$ROOT/#@ROOT@/#g" "$1")
	bad=$(grep -noE "(^|[[:space:]\"'=<>(])/[A-Za-z][^[:space:]\"']*" <<<"$text" |
		grep -vE ':[[:space:]"'"'"'=<>(]?(/dev/null|/CN=)' || true)
	if [ -n "$bad" ]; then
		echo "names a path the rewrites do not move under the scratch root" \
			"(add it to the rewrites of docs_walkthrough.bats):"
		echo "$bad"
		return 1
	fi
	if grep -nE '&&|\|\|' "$1"; then
		echo "has && or ||: set -e would not stop at a failed first half;" \
			"write one command per line"
		return 1
	fi
}

# walk_relocate: the rewrites, on the text files make install put under
# $ROOT, as if they had been installed in /.
walk_relocate() {
	local files
	mapfile -t files < <(find "$ROOT/usr/local/share/jwt-fcgi" \
		"$ROOT/etc/jwt-fcgi" -type f)
	[ "${#files[@]}" -gt 0 ] || return 1
	walk_rewrite -i "${files[@]}"
}

# --- stand-ins --------------------------------------------------------------

make() {
	[ "$*" = install ] || {
		echo "docs_walkthrough: no stand-in for make $*" >&2
		return 1
	}
	command make -s -C "$JF_BUILDDIR" install DESTDIR="$ROOT" &&
		walk_relocate
}

apt-get() {
	local p missing=
	[ "${1:-}" = install ] || {
		echo "docs_walkthrough: no stand-in for apt-get $*" >&2
		return 1
	}
	shift
	for p in "$@"; do
		case $p in -*) continue ;; esac
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "apt-get install: not installed here:$missing" \
			"(the test installs nothing)" >&2
		return 1
	fi
}

lighty-enable-mod() {
	perl <(sed "s#my \$confdir = \"/etc/lighttpd/\"#my \$confdir = \"$ROOT/etc/lighttpd/\"#" \
		/usr/sbin/lighty-enable-mod) "$@"
}

systemctl() {
	case "$*" in
	"restart lighttpd" | "reload lighttpd" | "start lighttpd")
		stop_daemon "$RUN/lighttpd.pid"
		lighttpd -tt -f "$ROOT/etc/lighttpd/lighttpd.conf" || return 1
		start_daemon "$RUN" lighttpd lighttpd -D \
			-f "$ROOT/etc/lighttpd/lighttpd.conf" || return 1
		wait_for_port "$LT_PORT" 10 "$RUN/lighttpd.pid" ;;
	"reload apache2" | "restart apache2" | "start apache2")
		apache2ctl graceful || return 1
		wait_for_port "$API_PORT" 10 ;;
	*)
		echo "docs_walkthrough: no stand-in for systemctl $*" >&2
		return 1 ;;
	esac
}

# --- the hosts as Debian's packages leave them --------------------------

walk_debian_lighttpd() {
	local d=$ROOT/etc/lighttpd
	mkdir -p "$d/conf-enabled" "$ROOT/var/log/lighttpd" \
		"$ROOT/var/www/html" "$ROOT/run/lighttpd" || return 1
	cp -r /etc/lighttpd/conf-available "$d/" &&
	chown www-data:www-data "$ROOT/run/lighttpd" "$ROOT/var/log/lighttpd" &&
	chmod 0750 "$ROOT/run/lighttpd" &&
	render_template "$JF_SRCDIR/tests/helpers/conf/walk-lighttpd.conf.in" \
		"$d/lighttpd.conf"
}

walk_debian_apache() {
	local d=$ROOT/etc/apache2
	mkdir -p "$d"/{mods-enabled,conf-available,conf-enabled,sites-available,sites-enabled} \
		"$ROOT/var/log/apache2" "$ROOT/var/lib/apache2" "$ROOT/run/lock" ||
		return 1
	ln -s /etc/apache2/mods-available "$d/mods-available" &&
	walk_rewrite </etc/apache2/apache2.conf >"$d/apache2.conf" || return 1
	cat >"$d/envvars" <<-EOF
	export APACHE_RUN_USER=www-data
	export APACHE_RUN_GROUP=www-data
	export APACHE_PID_FILE=$ROOT/run/apache2/apache2.pid
	export APACHE_RUN_DIR=$ROOT/run/apache2
	export APACHE_LOCK_DIR=$ROOT/run/lock/apache2
	export APACHE_LOG_DIR=$ROOT/var/log/apache2
	export LANG=C
	EOF
	printf 'Listen 127.0.0.1:%s https\n' "$API_PORT" >"$d/ports.conf"
	cat >"$d/sites-available/api.conf" <<-EOF
	# The API host's existing HTTPS site.
	<VirtualHost 127.0.0.1:$API_PORT>
		ServerName localhost
		DocumentRoot $ROOT/var/www/html
		SSLEngine on
		SSLCertificateFile $RUN/pki/server.pem
		SSLCertificateKeyFile $RUN/pki/server.key
	</VirtualHost>
	EOF
	ln -s ../sites-available/api.conf "$d/sites-enabled/api.conf" || return 1
	# shellcheck disable=SC2086 # a list
	a2enmod -q $APACHE_DEFAULT_MODS >/dev/null
}

# walk_setup: the scratch root, ports, the hosts, the environment.
walk_setup() {
	ROOT=$(mktemp -d /tmp/jf-walk.XXXXXX) && chmod 0755 "$ROOT" || return 1
	RUN=$ROOT/walk
	mkdir -p "$RUN/steps" "$RUN/out" "$ROOT/root" || return 1
	free_port MINT_PORT && free_port API_PORT && free_port AUTHZ_PORT &&
		free_port LT_PORT || return 1
	pki_init "$RUN/pki" && pki_server "$RUN/pki" || return 1
	export APACHE_CONFDIR=$ROOT/etc/apache2
	export APACHE_STATE_DIRECTORY=$ROOT/var/lib/apache2
	export CURL_CA_BUNDLE=$RUN/pki/ca.pem
	export JWT_MINT_CONFIG=$ROOT/nonexistent/mint.conf
	export JWT_AUTHZ_CONFIG=$ROOT/nonexistent/authz.conf
	export PATH=$ROOT/usr/local/bin:$PATH
	export HOME=$ROOT/root
	walk_debian_lighttpd && walk_debian_apache
}

# walk_run NAME: step NAME, rewritten and checked, as the plan says.
walk_run() {
	local name=$1 n flag where f out addr
	n=$(walk_find "$name" README.md)
	read -r _ _ flag where < <(awk -v n="$n" '$1 == n' "$EX/walk-index")
	f=$RUN/steps/$name.sh
	out=$RUN/out/$name
	walk_rewrite <"$EX/walk.$n" >"$f"
	WALK_STEP=$name WALK_WHERE=$where
	walk_lint "$f"
	if [ "$flag" = daemon ]; then
		start_daemon "$RUN" "$name" bash -c "exec $(cat "$f")"
		addr=$(grep -oE '127\.0\.0\.1:[0-9]+' "$f" | head -n 1)
		wait_for_port "${addr##*:}" 10 "$RUN/$name.pid"
	else
		# shellcheck disable=SC1090 # the step
		source "$f" >"$out"
	fi
	n=$(awk -v s="$name" '$2 == s && $3 == "output" { print $1 }' \
		"$EX/walk-index")
	if [ -n "$n" ]; then
		assert_equal "$(cat "$out")" "$(cat "$EX/walk.$n")"
	fi
	WALK_STEP=
}

@test "the walk-through's steps are in the docs, the same text wherever shown" {
	run walk_check_plan
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" >&2
		false
	fi
	# Not vacuous: the index holds every copy STEPS asks for, and the
	# one output block.
	local s want=1
	for s in "${STEPS[@]}"; do
		# shellcheck disable=SC2086 # a list of words
		set -- $s
		want=$((want + $# - 1))
	done
	assert_equal "$(wc -l <"$EX/walk-index")" "$want"
}

@test "README.md with conf/lighttpd (mint) and conf/apache (authorizer), as written: certificate -> token -> Apache 200, no token -> 401" {
	local s name
	walk_need
	set -o pipefail
	walk_check_plan
	walk_setup
	cd "$ROOT/root"
	for s in "${STEPS[@]}"; do
		read -r name _ <<<"$s"
		walk_run "$name"
	done
	# What the docs promise, checked once more by the test itself: the
	# token came from the mint, for the API, and opens it.
	# shellcheck disable=SC2154 # set by the step mint-token
	[[ $tok == *.*.* ]]
	run -0 --separate-stderr curl -sS -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $tok" \
		"https://localhost:$API_PORT/api/invoices.json"
	assert_equal "$output" 200
	run -0 --separate-stderr curl -sS -o /dev/null -w '%{http_code}' \
		"https://localhost:$API_PORT/api/invoices.json"
	assert_equal "$output" 401
}
