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
# NO_APT=1 (never call apt; fail if something is missing),
# JF_REQUIRE_ALL (test: default 1, every test that would skip for a
# missing server, tool or node package fails instead; 0 lets it skip).
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
	libgnutls28-dev libjson-c-dev libjwt-gnutls-dev libcurl4-gnutls-dev zlib1g-dev
	libhiredis-dev"
pkgs_run="gnutls-bin curl jq lighttpd lighttpd-mod-openssl"
pkgs_test="bats apache2 nginx caddy wrk clang libclang-rt-14-dev valgrind
	spawn-fcgi libfcgi-bin strace socat openssl systemd lighttpd-modules-lua
	prometheus iproute2 debhelper lintian fakeroot dpkg-dev redis-server"

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

# build_tree DIR [configure flags...]
build_tree() {
	local build=$1 cfgflags=("${@:2}")
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

# run_check DIR: make check there; on failure show the failing logs.
run_check() {
	local dir=$1 rc=0
	say "running the test suite in $dir"
	make -C "$dir" -j"$jobs" check || rc=$?
	if [[ $rc -ne 0 ]]; then
		grep -l -E '^not ok' "$dir"/tests/*.log "$dir"/tests/unit/*.log \
			2>/dev/null | while read -r f; do
			echo "--- $f"; grep -B2 -A12 '^not ok' "$f" | head -n 80
		done
	fi
	return $rc
}

# Adds one automake test-suite.log to the totals.
tally() {
	local log=$1/test-suite.log p f s
	[[ -f $log ]] || return 0
	read -r p f s < <(awk '
		/^# PASS:/ {p+=$3} /^# XFAIL:/ {p+=$3} /^# FAIL:/ {f+=$3}
		/^# XPASS:/ {f+=$3} /^# ERROR:/ {f+=$3} /^# SKIP:/ {s+=$3}
		END {print p+0, f+0, s+0}' "$log")
	n_pass=$((n_pass + p)) n_fail=$((n_fail + f)) n_skip=$((n_skip + s))
}

case $mode in
build)
	install_missing $pkgs_build
	build_tree "$build"
	;;
demo)
	install_missing $pkgs_build $pkgs_run
	build_tree "$build"
	exec "$top/tools/demo.sh" "$build"
	;;
test)
	install_missing $pkgs_build $pkgs_run $pkgs_test
	n_pass=0 n_fail=0 n_skip=0 rc=0
	# Everything is installed now: a missing server or npm package
	# must fail the run, not drop its tests as skips.
	export JF_REQUIRE_ALL=${JF_REQUIRE_ALL:-1}
	t0=$SECONDS
	# 0. the tests themselves: no check that cannot fail (a condition
	#    left of && mid-test, a bare ! CMD; see tools/lint-tests.sh)
	say "lint: tests/*.bats and tests/helpers/*.bash"
	if "$top/tools/lint-tests.sh"; then
		n_pass=$((n_pass + 1))
	else
		n_fail=$((n_fail + 1)) rc=1
	fi
	# 1. the release build, warnings as errors in CI
	build_tree "$build"
	rm -rf "$build/test-logs"
	run_check "$build" || rc=1
	tally "$build"
	# No token, secret or private key in any log the suite's servers and
	# programs wrote (kept by tests/helpers/common.bash). A whole run
	# keeps hundreds (every server, mint and authorizer log of every test
	# file); under 50, most of them were not kept and the check is void.
	if "$top/tools/check-logs.sh" "$build/test-logs" 50; then
		n_pass=$((n_pass + 1))
	else
		n_fail=$((n_fail + 1)) rc=1
	fi
	# 2. the same suite, real servers included, on ASan+UBSan builds
	#    of every program: any report aborts the program and fails a test.
	build_tree "$build-asan" --enable-sanitizers
	rm -rf "$build-asan/test-logs"
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_check "$build-asan" || rc=1
	tally "$build-asan"
	# 3. every libFuzzer harness on its seed corpus, briefly (the long
	#    runs are `make fuzz-long`): a crash, leak or UB report fails.
	say "fuzz smoke: ${FUZZ_SECONDS:-20} s per harness"
	if BUILD_DIR=$build JOBS=$jobs "$top/tools/fuzz.sh" smoke \
		"${FUZZ_SECONDS:-20}"; then
		n_pass=$((n_pass + 1))
	else
		n_fail=$((n_fail + 1)) rc=1
	fi
	# 4. the release tarball: make distcheck unpacks it read-only, builds
	#    it out of tree, runs the unit tests and a quick Bats subset
	#    (Makefile.am DISTCHECK_BATS), installs and uninstalls it.
	say "make distcheck"
	if make -C "$build" -s -j"$jobs" distcheck; then
		n_pass=$((n_pass + 1))
	else
		n_fail=$((n_fail + 1)) rc=1
	fi
	say "test suite took $((SECONDS - t0)) s"
	echo "tests: $n_pass passed, $n_fail failed, $n_skip skipped"
	exit $rc
	;;
esac
