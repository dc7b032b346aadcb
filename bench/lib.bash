# lib.bash - what every bench/ script shares. Sourced, not run.

# bench_write_section DOC SECTION BEGIN END: puts the file SECTION (which
# starts with the BEGIN marker line and ends with the END one) into DOC in
# place of the old text between those markers, or appends it; the rest of
# DOC, other scripts' sections included, stays as it is.
bench_write_section() {
	local doc=$1 section=$2 begin=$3 end=$4 tmp
	tmp=$(mktemp "${doc}.XXXXXX") || return 1
	if [ ! -f "$doc" ]; then
		printf '# Benchmarks\n\nEach section is written by the script it names; rerun it to refresh.\n' >"$doc"
	fi
	if grep -qF -- "$begin" "$doc"; then
		awk -v b="$begin" -v e="$end" -v f="$section" '
			$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip' "$doc" >"$tmp"
	else
		{ cat "$doc"; echo; cat "$section"; } >"$tmp"
	fi
	cat "$tmp" >"$doc"
	rm -f "$tmp"
}
