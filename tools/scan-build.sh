#!/usr/bin/env bash
# scan-build.sh - clang's static analyzer over a fresh out-of-tree build of
# every program and unit test. Exits 1 when the analyzer reports anything
# (scan-build --status-bugs), 2 on a usage or build problem.
#
#   tools/scan-build.sh [BUILDDIR]      (default: a new temporary directory)
#   make scan-build                     (the same, from a configured tree)
#
# Environment: SCAN_BUILD (default scan-build, Debian package clang-tools),
# SCAN_CC (default clang), JOBS (default nproc), KEEP=1 keeps a temporary
# build directory. The HTML reports are written to BUILDDIR/scan-report.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
scan=${SCAN_BUILD:-scan-build}
cc=${SCAN_CC:-clang}
jobs=${JOBS:-$(nproc)}

if [[ $# -gt 1 || ${1:-} == -* ]]; then
	echo "usage: $0 [BUILDDIR]" >&2
	exit 2
fi
if ! command -v "$scan" >/dev/null; then
	echo "$0: $scan not found: apt-get install clang-tools" >&2
	exit 2
fi
if ! command -v "$cc" >/dev/null; then
	echo "$0: $cc not found: apt-get install clang" >&2
	exit 2
fi
if [[ ! -x $top/configure ]]; then
	echo "$0: $top/configure missing: run autoreconf -fi there first" >&2
	exit 2
fi

if [[ -n ${1:-} ]]; then
	build=$1
	mkdir -p "$build"
	# "Fresh": an earlier build's objects would not be analysed again.
	if [[ -n $(ls -A "$build") ]]; then
		echo "$0: $build is not empty; give an empty or new directory" >&2
		exit 2
	fi
else
	build=$(mktemp -d "${TMPDIR:-/tmp}/jwt-fcgi-scan.XXXXXX")
	[[ ${KEEP:-} == 1 ]] || trap 'rm -rf "$build"' EXIT
fi
build=$(cd "$build" && pwd)
report=$build/scan-report

# Checkers beyond the defaults, each stable (non-alpha). Not
# security.insecureAPI.strcpy: it flags every strcpy, bounded or not,
# which is a style rule rather than a bug report.
checkers=(
	-enable-checker security.insecureAPI.rand
	-enable-checker security.insecureAPI.vfork
	-enable-checker optin.portability.UnixAPI
	-enable-checker valist.CopyToSelf
	-enable-checker valist.Uninitialized
	-enable-checker valist.Unterminated
)

cd "$build"
echo "==> configure (analyzer build in $build)"
"$scan" --use-cc="$cc" "$top/configure" -q CC="$cc" >configure.log 2>&1 || {
	cat configure.log >&2
	echo "$0: configure failed" >&2
	exit 2
}
# Every program, test helper and unit test: `make check TESTS=` builds
# check_PROGRAMS and runs no test. scan-build exits with make's status
# when the build fails (2), else 1 on a report (--status-bugs), else 0.
echo "==> scan-build make (reports in $report)"
rc=0
"$scan" --use-cc="$cc" --status-bugs -o "$report" "${checkers[@]}" \
	make -j"$jobs" check TESTS= >make.log 2>&1 || rc=$?
# The analyzer's findings, and the compiler's, as file:line: lines.
grep -E '(warning|error):' make.log || true
grep '^scan-build:' make.log || true
case $rc in
0)	echo "==> scan-build: no bugs found" ;;
1)	echo "==> scan-build: bugs found; the HTML report is in $report" \
		"(KEEP=1 keeps a temporary build)" >&2
	[[ -n ${1:-} || ${KEEP:-} == 1 ]] || echo "    (removed: set KEEP=1)" >&2 ;;
*)	echo "$0: the build failed; make.log:" >&2
	tail -n 20 make.log >&2
	rc=2 ;;
esac
exit $rc
