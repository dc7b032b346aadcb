#!/usr/bin/env bats
# lint.bats - tools/lint-tests.sh, which finds the checks in our Bats
# files that cannot fail (bats runs a test under set -e, which ignores a
# failure on the left of && or || and after !): the suite has none, and
# the lint finds each kind it promises to, naming FILE:LINE.

bats_require_minimum_version 1.5.0

setup() {
	LINT=$BATS_TEST_DIRNAME/../tools/lint-tests.sh
	D=$BATS_TEST_TMPDIR
}

@test "every check in tests/*.bats and tests/helpers/*.bash can fail" {
	run "$LINT"
	# the findings, FILE:LINE and the line, in the log
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; false; }
	[ -z "$output" ]
}

@test "a condition on the left of && mid-test is found, with its file and line" {
	printf '%s\n' '@test "x" {' '	[ -f x ] && assert_equal a b' \
		'	true' '}' >"$D/planted.bats"
	run -1 "$LINT" "$D/planted.bats"
	[[ $output == "$D/planted.bats:2: A && B: when A fails, nothing does"* ]]
	[[ $output == *'[ -f x ] && assert_equal a b'* ]]
}

@test "each pattern is found: !, local=\$(), a check piped, a chain over lines" {
	# (a function: bats would turn "@test" in a here-document into a test)
	cat >"$D/bad.bats" <<-'EOF'
	bad() {
		! grep -q secret log
		local v=$(false)
		assert_equal a b | tee /dev/null
		[[ -n $x ]] && grep -q "a && b" f
		mkdir d &&
			cp f d/
		[ -f y ] && echo yes # lint: ok
		true
	}
	h() {
		[ -s "$1" ] && cat "$1"
		return 0
	}
	k() {
		case $1 in
		a) x=$(g) && h "$x" ;;
		esac
		(
			start && echo ok >f
		) &
		wait
	}
	EOF
	run -1 "$LINT" "$D/bad.bats"
	local f=$D/bad.bats
	[[ $output == *"$f:2: ! CMD never fails under set -e"* ]]
	[[ $output == *"$f:3: local/export X=\$(CMD) hides"* ]]
	[[ $output == *"$f:4: a check on the left of a pipe"* ]]
	[[ $output == *"$f:5: A && B"* ]]
	[[ $output == *"$f:6: A && B"* ]]
	[[ $output == *"$f:8: \"# lint: ok\" needs a reason"* ]]
	[[ $output == *"$f:12: A && B"* ]]
	# a case branch whose case is not last; a subshell in the background
	[[ $output == *"$f:17: A && B"* ]]
	[[ $output == *"$f:20: A && B"* ]]
	assert_lines 9
}

@test "the legitimate forms pass: conditions, fallbacks, last statements, marks" {
	cat >"$D/good.bash" <<-'EOF'
	# [ -f x ] && assert_equal a b    (a comment)
	one() { [ -f "$1" ] && cat "$1"; }
	two() {
		local x
		x=$(echo "a && b" | grep -c '&&') || return 1
		[ "$x" = 1 ] && x=2 || x=3
		cat <<-EOT
		[ -f x ] && assert_equal a b
		! grep -q x y
		EOT
		if [ -f a ] && ! [ -f b ]; then echo y; fi
		while [ -f a ] && [ -f b ]; do break; done
		[ -f a ] && return 0
		[[ $x == *"&&"* && $x != '||' ]] || return 1
		grep -q x y && { echo "x in y" >&2; false; }
		[ -f a ] && skip "why"
		[ -n "$x" ] && arr+=(1)
		! hd_flags | grep -q -- -fsanitize || skip "sanitizers"
		awk '!on && /x/ { on = 1 }
		     on && /y/' f
		[ -f z ] && echo yes # lint: ok: only prints
		(
			cd /
			[ -f a ] && [ -f b ]
		)
		[ -f a ] && [ -f b ]
	}
	three() {
		case $1 in
		a) x=$(g) && h "$x" ;;
		b) p && q
		esac
	}
	EOF
	run -0 "$LINT" "$D/good.bash"
	[ -z "$output" ]
}

# assert_lines N: the lint reported N findings (one line each, plus the
# offending line under it).
assert_lines() {
	local n
	n=$(grep -c '^/' <<<"$output")
	if [ "$n" != "$1" ]; then
		printf 'expected %s findings, got %s:\n%s\n' "$1" "$n" "$output" >&2
		return 1
	fi
}
