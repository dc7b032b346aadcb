# interop.bash - helpers for tests/interop.bats: where the programs are, the
# npm `jose` checkout, and assertions that print expected vs actual.
#
# JF_BUILDDIR / JF_SRCDIR come from `make check` (AM_TESTS_ENVIRONMENT);
# run by hand, they default to the source tree this file is in.
# shellcheck disable=SC2034,SC2154 # bats sets status/output; tests use these

JF_SRCDIR=${JF_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
JF_BUILDDIR=${JF_BUILDDIR:-$JF_SRCDIR}
JWT_FCGI=$JF_BUILDDIR/jwt-fcgi

# The node scripts run from a copy in the build tree, so a read-only source
# tree (make distcheck) works and node_modules never lands in a checkout
# that is built elsewhere. In-tree builds use tests/node itself.
interop_node_dir() {
	printf '%s/tests/node\n' "$JF_BUILDDIR"
}

# Installs the packages of the lock file (jose, and what other tests added)
# unless the installed copies already match it. Prints why and returns 1 when that is impossible, for `skip`.
interop_npm_setup() {
	local dir src want have
	dir=$(interop_node_dir)
	src=$JF_SRCDIR/tests/node
	command -v node >/dev/null || { echo "node not installed"; return 1; }
	command -v npm >/dev/null || { echo "npm not installed"; return 1; }
	if [ "$dir" != "$src" ]; then
		mkdir -p "$dir" || { echo "cannot create $dir"; return 1; }
		cp "$src"/package.json "$src"/package-lock.json "$src"/*.mjs \
			"$dir"/ || { echo "cannot copy $src"; return 1; }
	fi
	# Up to date when every package of the lock is installed at its
	# locked version; npm ci would otherwise wipe and refetch each run.
	node -e '
		const fs = require("node:fs"), path = require("node:path");
		const dir = process.argv[1];
		const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json")));
		for (const [k, v] of Object.entries(lock.packages))
			if (k !== "" && JSON.parse(fs.readFileSync(
			    path.join(dir, k, "package.json"))).version !== v.version)
				process.exit(1);
	' "$dir" 2>/dev/null && return 0
	# Bounded: a registry that does not answer must not hang `make check`
	# (npm's default retries alone take over a minute).
	if ! (cd "$dir" && timeout 120 npm ci --no-audit --no-fund \
		--loglevel=error --fetch-retries=1 --fetch-retry-mintimeout=1000 \
		--fetch-retry-maxtimeout=3000 >"$dir/npm-ci.log" 2>&1); then
		echo "npm ci failed in $dir ($(grep -m 1 -E 'npm (error|ERR!) (code|errno)' \
			"$dir/npm-ci.log" || tail -n 1 "$dir/npm-ci.log"); log: $dir/npm-ci.log)"
		return 1
	fi
}

# node SCRIPT ARGS...: runs one of tests/node/*.mjs.
jose() {
	local script=$1
	shift
	node "$(interop_node_dir)/$script.mjs" "$@"
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
		return 1
	fi
}

assert_match() {
	if ! [[ $1 =~ $2 ]]; then
		printf 'expected to match: %s\nactual: %s\n' "$2" "$1" >&2
		return 1
	fi
}

# Fails with the output when the last `run` did not exit with $1; use where
# `run -N` cannot be (e.g. inside a helper, to print stderr too).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		printf 'expected exit %s, got %s\nstdout: %s\nstderr: %s\n' \
			"$1" "$status" "$output" "${stderr:-}" >&2
		return 1
	fi
}
