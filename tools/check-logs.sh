#!/usr/bin/env bash
# check-logs.sh DIR [MIN] - the suite's rule that no token, secret or
# private key ever reaches a log, checked over every log the test servers
# and our programs wrote during a `make check` (tests/helpers/common.bash
# keeps them in DIR, normally BUILD/test-logs). Exit 1, naming the file
# and the kind of leak (never printing the match), if any log holds:
#   - a compact JWS (two base64url JSON segments and a signature);
#   - a PEM private key, or a JWK private member ("d");
#   - an OAuth client secret or assertion parameter.
# Exit 1 too when DIR holds fewer than MIN files (default 1): no logs
# means nothing was checked (logs not kept, or the servers never ran),
# never that the logs are clean. Exit 2 on a usage error.
set -u
usage="usage: check-logs.sh DIR [MIN]"
dir=${1:?$usage}
min=${2:-1}
case $min in
'' | *[!0-9]*) echo "$usage" >&2; exit 2 ;;
esac
[ "$min" -ge 1 ] || min=1
[ -d "$dir" ] || { echo "check-logs: no logs in $dir" >&2; exit 1; }
n=$(find "$dir" -type f | wc -l)
if [ "$n" -lt "$min" ]; then
	echo "check-logs: $n log files in $dir, expected at least $min:" \
		"too few to stand for the suite's servers (are the logs kept?)" >&2
	exit 1
fi
bad=0
check() {
	local what=$1 re=$2 f
	while IFS= read -r f; do
		echo "check-logs: $what in ${f#"$dir"/}" >&2
		bad=1
	done < <(grep -rlE -- "$re" "$dir")
}
check "a token" 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}'
check "a private key" '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----'
check "a private JWK member" '"d" *: *"[A-Za-z0-9_-]{16,}'
check "a client secret" 'client_secret=[^&[:space:]]{8,}|client_assertion=ey'
if [ "$bad" -ne 0 ]; then
	exit 1
fi
echo "check-logs: $n log files, no token, secret or private key"
