#!/usr/bin/env bash
# check-layout.sh BUILD_DIR - the library's layout rule, checked on the
# built objects: no two files of src/lib call into each other, directly
# or round a longer loop, and the folders depend on each other one way
# only (util <- jose <- x509 <- registry, jose <- conf; fcgi and net on
# util alone). Uses nm for who defines and who uses each symbol, and
# tsort to find loops. Exit 1, naming the loop, if there is one.
set -eu
build=${1:?usage: check-layout.sh BUILD_DIR}
lib=$build/src/lib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=$(cd "$lib" && find . -mindepth 2 -name '*.o' | sed 's|^\./||' | sort)
[ -n "$objs" ] || { echo "check-layout: no objects under $lib" >&2; exit 1; }
for o in $objs; do
	n=${o%.o}
	n=${n//\//:}                            # jose/token -> jose:token
	nm -g --defined-only "$lib/$o" | awk '$2 ~ /[TDBRC]/ { print $3 }' \
		>"$tmp/def.$n"
	nm -u "$lib/$o" | awk '{ print $2 }' >"$tmp/use.$n"
done
: >"$tmp/edges"
for u in "$tmp"/use.*; do
	a=${u#"$tmp"/use.}
	for d in "$tmp"/def.*; do
		b=${d#"$tmp"/def.}
		[ "$a" = "$b" ] && continue
		if grep -qxFf "$d" "$u"; then
			echo "$a $b" >>"$tmp/edges"
		fi
	done
done
rc=0
check() {
	local what=$1 file=$2
	if ! tsort "$file" >/dev/null 2>"$tmp/err"; then
		echo "check-layout: $what depend on each other in a loop:" >&2
		grep -v 'input contains a loop' "$tmp/err" |
			sed 's/^tsort: /  /' >&2
		rc=1
	fi
}
check "files" "$tmp/edges"
awk '{ split($1, a, ":"); split($2, b, ":"); if (a[1] != b[1]) print a[1], b[1] }' \
	"$tmp/edges" | sort -u >"$tmp/folders"
check "folders" "$tmp/folders"
if [ "$rc" = 0 ]; then
	echo "check-layout: $(wc -l <"$tmp/edges") file dependencies in $(echo "$objs" | wc -l) objects, no loop;" \
		"folders: $(tr '\n' ';' <"$tmp/folders")"
fi
exit "$rc"
