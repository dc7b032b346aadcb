#!/usr/bin/env bats
# layout.bats - src/lib's layout rule on the built objects (see
# tools/check-layout.sh and src/lib/README.md): no two files call into
# each other, folders depend one way.

bats_require_minimum_version 1.5.0

load helpers/common

@test "src/lib: no file loops, folders depend one way" {
	[ -n "${JF_BUILDDIR:-}" ] || skip "JF_BUILDDIR not set"
	run -0 "$JF_SRCDIR/tools/check-layout.sh" "$JF_BUILDDIR"
	[[ $output == *'no loop'* ]]
}

@test "check-layout.sh finds a loop it is shown" {
	local d=$BATS_TEST_TMPDIR
	command -v cc >/dev/null || skip "no C compiler"
	mkdir -p "$d/src/lib/a"
	printf 'int b(void);\nint a(void) { return b(); }\n' >"$d/x.c"
	printf 'int a(void);\nint b(void) { return a() + 1; }\n' >"$d/y.c"
	cc -c "$d/x.c" -o "$d/src/lib/a/x.o"
	cc -c "$d/y.c" -o "$d/src/lib/a/y.o"
	run -1 "$JF_SRCDIR/tools/check-layout.sh" "$d"
	[[ $output == *'files depend on each other in a loop'* ]]
	[[ $output == *'a:x'* ]]
}
