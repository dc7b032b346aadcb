# docex.bash - the documents' marked blocks, extracted by docex.awk (its
# header says how a block is marked): configuration examples for
# tests/doc_examples.bats, walk-through steps for
# tests/docs_walkthrough.bats. Needs common.bash (JF_SRCDIR).

# The documents searched, relative to the source tree.
DOCEX_MD="README.md doc/*.md conf/*/README.md conf/*/*/README.md"
DOCEX_ROFF="doc/*.1 doc/*.5 doc/*.8"

# docex_extract OUT: runs docex.awk over every document into OUT:
# OUT/index and OUT/N.KIND (examples), OUT/walk-index and OUT/walk.N
# (walk-through steps), OUT/unmarked (configuration outside examples).
docex_extract() {
	local out=$1 f
	mkdir -p "$out" && : >"$out/index" && : >"$out/walk-index" &&
		: >"$out/unmarked" || return 1
	(
		cd "$JF_SRCDIR" || exit 1
		# shellcheck disable=SC2086 # the lists are globs
		for f in $DOCEX_MD; do
			awk -v fmt=md -v out="$out" -v src="$f" \
				-f tests/helpers/docex.awk "$f" || exit 1
		done
		# shellcheck disable=SC2086
		for f in $DOCEX_ROFF; do
			awk -v fmt=roff -v out="$out" -v src="$f" \
				-f tests/helpers/docex.awk "$f" || exit 1
		done
	)
}
