#!/bin/sh
# tools/fuzz.sh - build and run the libFuzzer harnesses of tests/fuzz/.
#
#   tools/fuzz.sh build             build every harness
#   tools/fuzz.sh smoke [SECONDS]   each harness SECONDS (default 20) on a
#                                   fresh copy of its seed corpus
#   tools/fuzz.sh long HOURS        each harness HOURS, corpus kept in the
#                                   build dir between runs
#   tools/fuzz.sh run NAME [ARGS]   one harness by hand, e.g. to replay a
#                                   crasher: run token crash-1234
#   tools/fuzz.sh seeds             regenerate fuzz.jwks and the signed
#                                   seed tokens from tests/fuzz/keys/
#   tools/fuzz.sh list              harness names and their -max_len
#
# Environment: BUILD_DIR (fuzz output in $BUILD_DIR/fuzz, else
# /tmp/jf-fuzz), CC (clang), CONFIG_H (a configure-made config.h to use;
# default $BUILD_DIR/config.h if it exists, else a generated one), JOBS
# (harnesses run at once, default 1), ONLY (space-separated names).
#
# The harnesses are built here, not by automake: libFuzzer brings its own
# main(), and the library is rebuilt with coverage instrumentation. Crash
# artifacts and logs stay in the build dir, never in the source tree.
# Exit status: 0 when every harness ran clean, 1 on any crash, leak,
# undefined behaviour or failed assertion, 2 on a usage or build error.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fz=$top/tests/fuzz
if [ -n "${BUILD_DIR:-}" ]; then
	out=$BUILD_DIR/fuzz
else
	out=/tmp/jf-fuzz
fi
CC=${CC:-clang}
JOBS=${JOBS:-1}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS_F="-std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer"
PKGS="gnutls json-c fcgi libcurl zlib"

# name:max_len. max_len a little over each parser's own cap, so the
# "too big" refusals are reached too.
HARNESSES="token:16384 authz:20480 json:16384 b64:4096 jwks:65536
pem:16384 ini:16384 cfg:8192 form:17408 cert:50176 registry:65536 req:64
fetchrules:4096 asmeta:8192 keyset:66560 cimd:8192 prm:8192
slist:16384 revoke:20480 statuslist:20480"

usage() {
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

die() {
	echo "fuzz.sh: $*" >&2
	exit 2
}

names() {
	for h in $HARNESSES; do
		n=${h%%:*}
		if [ -z "${ONLY:-}" ] || echo " $ONLY " | grep -q " $n "; then
			echo "$n"
		fi
	done
}

maxlen() {
	for h in $HARNESSES; do
		[ "${h%%:*}" = "$1" ] && { echo "${h#*:}"; return; }
	done
	die "unknown harness: $1"
}

# config.h: the configure-made one if there is one, else the little
# that the sources need.
config_h() {
	mkdir -p "$out/inc"
	src=${CONFIG_H:-}
	if [ -z "$src" ] && [ -n "${BUILD_DIR:-}" ] &&
	    [ -f "$BUILD_DIR/config.h" ]; then
		src=$BUILD_DIR/config.h
	fi
	if [ -n "$src" ]; then
		cp "$src" "$out/inc/config.h.new"
	else
		ver=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' \
		    "$top/configure.ac")
		cat >"$out/inc/config.h.new" <<-EOF
		#define _GNU_SOURCE 1
		#define PACKAGE "jwt-fcgi"
		#define PACKAGE_NAME "jwt-fcgi"
		#define PACKAGE_VERSION "${ver:-0}"
		#define VERSION "${ver:-0}"
		EOF
	fi
	# Keep the old file (and its time stamp) when nothing changed.
	if cmp -s "$out/inc/config.h.new" "$out/inc/config.h"; then
		rm -f "$out/inc/config.h.new"
	else
		mv "$out/inc/config.h.new" "$out/inc/config.h"
	fi
}

build() {
	command -v "$CC" >/dev/null || die "$CC not found (apt-get install clang libclang-rt-14-dev)"
	pkg-config --exists $PKGS || die "pkg-config: need $PKGS"
	mkdir -p "$out/obj"
	config_h
	cflags="$CFLAGS_F -I$out/inc -I$top/src/lib -I$top/src/mint -DSYSCONFDIR=\"/etc\" $(pkg-config --cflags $PKGS)"
	libs="$(pkg-config --libs $PKGS) -lm"
	lib=$out/libjf-fuzz.a
	srcs="$(find "$top/src/lib" -name '*.c' | sort) $top/src/authz/authz.c $top/src/authz/self.c $top/src/authz/meta.c $top/src/authz/status.c $top/src/authz/stats.c $top/src/mint/revparse.c"
	# Everything again when any library source or header is newer than
	# the archive: simpler than tracking dependencies, and it is seconds.
	if [ ! -f "$lib" ] || [ "$out/inc/config.h" -nt "$lib" ] ||
	    [ -n "$(find "$top/src/lib" "$top/src/authz" "$top/src/mint" -newer "$lib" \
	    -name '*.[ch]' | head -1)" ]; then
		rm -f "$lib" "$out"/obj/*.o
		for f in $srcs; do
			# lib/jose/token.c -> jose_token.o: names are unique
			# per folder only.
			o=${f#"$top"/src/}
			o=$out/obj/$(printf '%s' "${o%.c}" | tr / _).o
			$CC $cflags -fsanitize=fuzzer-no-link $SAN -c "$f" -o "$o" ||
			    die "compile failed: $f"
		done
		ar cr "$lib" "$out"/obj/*.o
	fi
	for n in $(names); do
		h=$fz/fuzz_$n.c
		[ -f "$h" ] || die "missing $h"
		if [ ! -x "$out/fuzz_$n" ] || [ "$h" -nt "$out/fuzz_$n" ] ||
		    [ "$fz/fuzz.h" -nt "$out/fuzz_$n" ] ||
		    [ "$lib" -nt "$out/fuzz_$n" ]; then
			# req.c is #included by the harnesses that read its
			# buffers; from the archive the linker then takes
			# nothing of req.o.
			$CC $cflags -DJF_FUZZ_DIR="\"$fz\"" -fsanitize=fuzzer $SAN \
			    "$h" "$lib" $libs -o "$out/fuzz_$n" ||
			    die "link failed: fuzz_$n"
		fi
	done
}

# Runs one harness: $1 name, $2 seconds, $3 corpus dir. Writes
# $out/logs/NAME.log and $out/logs/NAME.sum (the summary line).
run_one() {
	n=$1 secs=$2 corpus=$3
	log=$out/logs/$n.log
	mkdir -p "$out/logs" "$out/artifacts" "$corpus"
	dict=
	[ -f "$fz/$n.dict" ] && dict="-dict=$fz/$n.dict"
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$out/fuzz_$n" -max_total_time="$secs" -max_len="$(maxlen "$n")" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/artifacts/$n-" $dict "$corpus" \
	    >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	files=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		res=ok
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
		res="FAIL (exit $rc; log $log${art:+; input $art})"
	fi
	printf '%-9s %10s execs  cov %-5s ft %-6s corpus %-5s %s\n' "$n" \
	    "${execs:-?}" "${cov:-?}" "${ft:-?}" "$files" "$res" \
	    >"$out/logs/$n.sum"
	[ "$rc" -eq 0 ]
}

# Runs every selected harness, JOBS at a time; prints the summaries in
# order and fails if any failed. $1 seconds, $2 "fresh" or "keep".
run_all() {
	secs=$1 mode=$2
	rm -f "$out"/logs/*.sum
	pids=
	running=0
	for n in $(names); do
		if [ "$mode" = fresh ]; then
			corpus=$out/smoke/$n
			rm -rf "$corpus"
		else
			corpus=$out/corpus/$n
		fi
		mkdir -p "$corpus"
		[ -d "$fz/corpus/$n" ] && cp -p "$fz/corpus/$n"/* "$corpus"/ 2>/dev/null || :
		run_one "$n" "$secs" "$corpus" &
		pids="$pids $!"
		running=$((running + 1))
		if [ "$running" -ge "$JOBS" ]; then
			wait "${pids%% *}" 2>/dev/null || :
			pids=${pids#* }
			pids=${pids# }
			running=$((running - 1))
		fi
	done
	wait || :
	fail=0
	for n in $(names); do
		if [ -f "$out/logs/$n.sum" ]; then
			cat "$out/logs/$n.sum"
			grep -q ' ok$' "$out/logs/$n.sum" || fail=1
		else
			echo "$n: no result"
			fail=1
		fi
	done
	if [ "$fail" -ne 0 ]; then
		echo "fuzz.sh: FAILED; see the logs above (crash inputs in $out/artifacts)" >&2
		exit 1
	fi
}

seeds() {
	mkdir -p "$out"
	config_h
	$CC -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address \
	    -I"$out/inc" -I"$top/src/lib" $(pkg-config --cflags $PKGS) \
	    "$fz/gen_seeds.c" "$top"/src/lib/util/err.c \
	    "$top"/src/lib/util/file.c "$top"/src/lib/util/json.c \
	    "$top"/src/lib/jose/*.c \
	    $(pkg-config --libs $PKGS) -lm \
	    -o "$out/gen_seeds" || die "gen_seeds: build failed"
	"$out/gen_seeds" "$fz"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
build)
	build
	;;
smoke)
	secs=${1:-20}
	build
	echo "fuzz: each harness ${secs}s, build dir $out"
	run_all "$secs" fresh
	;;
long)
	[ $# -ge 1 ] || usage
	secs=$(awk -v h="$1" 'BEGIN { printf "%d", h * 3600 }')
	[ "$secs" -gt 0 ] || die "HOURS must be positive"
	build
	echo "fuzz: each harness $1 h, corpus kept in $out/corpus"
	run_all "$secs" keep
	;;
run)
	[ $# -ge 1 ] || usage
	n=$1
	shift
	ONLY=$n build
	exec "$out/fuzz_$n" -max_len="$(maxlen "$n")" \
	    -artifact_prefix="$out/artifacts/$n-" "$@"
	;;
seeds)
	seeds
	;;
list)
	for h in $HARNESSES; do echo "${h%%:*} ${h#*:}"; done
	;;
*)
	usage
	;;
esac
