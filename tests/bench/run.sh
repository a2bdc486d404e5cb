#!/bin/sh
# make bench: run every benchmark in tests/bench/*.sh with the build dir.
# Each prints its figures, the budget and the ratio; they talk to 127.0.0.1
# only and every load loop is bounded in count and time.
set -u
B=${1:?usage: run.sh BUILD_DIR}
cd "$(dirname "$0")/../.." || exit 1
export WACAMPD="$B/wacampd" WACAMP="$B/wacamp" FAKEWASS="$B/tests/fakewass"
fail=0
for b in tests/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== bench $(basename "$b" .sh)"
	sh "$b" "$B" || fail=1
done
exit $fail
