#!/bin/sh
# make bench: every tests/bench/*.sh but this one, with the build dir.
# Fails at the end if any benchmark is over its budget.
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for s in "$here"/*.sh; do
	[ "$(basename "$s")" = run.sh ] && continue
	echo "== $(basename "$s")"
	sh "$s" "$B" || fail=1
done
exit $fail
