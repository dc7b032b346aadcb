#!/usr/bin/env bash
# bootstrap.sh - from a fresh Debian 12 clone to a running demo or a green
# test suite: installs what is missing (apt), builds out of tree in ./build,
# then runs the demo or every test.
#
#   tools/bootstrap.sh demo    build and run the demo (loopback only)
#   tools/bootstrap.sh test    build and run the whole test suite
#   tools/bootstrap.sh build   only install and build
#
# Environment: BUILD_DIR (default ./build), JOBS (default nproc),
# NO_APT=1 (never call apt; fail if something is missing).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case $mode in
demo|test|build) ;;
*) echo "usage: $0 demo|test|build" >&2; exit 2 ;;
esac

build=${BUILD_DIR:-$top/build}
jobs=${JOBS:-$(nproc)}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages, by what needs them.
pkgs_build="build-essential autoconf automake pkg-config libfcgi-dev
	libgnutls28-dev libjson-c-dev libjwt-gnutls-dev libcurl4-gnutls-dev"
pkgs_run="gnutls-bin curl jq lighttpd lighttpd-mod-openssl"
pkgs_test="bats apache2 wrk"

install_missing() {
	local want=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || want+=("$p")
	done
	# node and npm come from Debian unless a node is already there.
	if [[ $mode == test ]] && ! command -v npm >/dev/null; then
		command -v node >/dev/null && want+=(npm) || want+=(nodejs npm)
	fi
	[[ ${#want[@]} -eq 0 ]] && return 0
	if [[ ${NO_APT:-} == 1 ]]; then
		echo "missing Debian packages: ${want[*]}" >&2
		exit 1
	fi
	local sudo=
	[[ $(id -u) -eq 0 ]] || sudo=sudo
	say "installing: ${want[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${want[@]}" </dev/null
}

build_tree() {
	local cfgflags=()
	[[ ${CI:-} == true ]] && cfgflags+=(--enable-werror)
	say "building in $build"
	if [[ ! -x $top/configure || $top/configure.ac -nt $top/configure ]]; then
		(cd "$top" && autoreconf -fi)
	fi
	mkdir -p "$build"
	if [[ ! -f $build/Makefile ]]; then
		(cd "$build" && "$top/configure" -q "${cfgflags[@]}")
	fi
	make -C "$build" -s -j"$jobs"
}

# Prints the automake totals as the single closing line CI reads.
summarise() {
	local log=$build/test-suite.log pass fail skip xfail xpass error
	[[ -f $log ]] || return 0
	read -r pass fail skip xfail xpass error < <(awk '
		/^# PASS:/ {p=$3} /^# FAIL:/ {f=$3} /^# SKIP:/ {s=$3}
		/^# XFAIL:/ {xf=$3} /^# XPASS:/ {xp=$3} /^# ERROR:/ {e=$3}
		END {print p+0, f+0, s+0, xf+0, xp+0, e+0}' "$log")
	echo "tests: $((pass + xfail)) passed, $((fail + xpass + error)) failed, $skip skipped"
}

case $mode in
build)
	install_missing $pkgs_build
	build_tree
	;;
demo)
	install_missing $pkgs_build $pkgs_run
	build_tree
	exec "$top/tools/demo.sh" "$build"
	;;
test)
	install_missing $pkgs_build $pkgs_run $pkgs_test
	build_tree
	say "running the test suite"
	rc=0
	make -C "$build" -j"$jobs" check || rc=$?
	if [[ $rc -ne 0 ]]; then
		# Show what failed: the per-test logs say why.
		grep -l -E '^(not ok|# FAIL)|^FAIL' "$build"/tests/*.log \
			"$build"/tests/unit/*.log 2>/dev/null |
			while read -r f; do echo "--- $f"; tail -n 40 "$f"; done
	fi
	summarise
	exit $rc
	;;
esac
