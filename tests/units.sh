#!/bin/sh
# The systemd units as built (issue 19): systemd-analyze security rates
# each service's exposure at most 2.5, with SystemCallFilter=@system-service
# and SystemCallErrorNumber=EPERM and no PrivateUsers= (it would hide the
# clients' uids from the daemon's peer credentials); systemd-analyze verify
# is clean on a copy whose ExecStart is the built binary.
#
# usage: sh tests/units.sh BUILD_DIR
set -eu
B=${1:-build}
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "units test: FAILED: systemd-analyze is missing (make deps)"
	exit 1
fi
T=$(mktemp -d /tmp/wacamp-units-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/verify"
fail=0
for u in "$B"/data/*.service; do
	name=$(basename "$u")
	case $name in
	*@.service) cp "$u" "$T/${name%@.service}@acme.service"
		f=$T/${name%@.service}@acme.service ;;
	*) f=$u ;;
	esac
	score=$(systemd-analyze security --offline=true "$f" 2>&1 |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	if [ -z "$score" ] || awk -v s="$score" 'BEGIN { exit !(s > 2.5) }'; then
		echo "units test: $name: exposure ${score:-unknown} (> 2.5)"
		fail=1
	else
		echo "units test: $name: exposure $score"
	fi
	for want in "SystemCallFilter=@system-service" \
	    "SystemCallErrorNumber=EPERM"; do
		grep -qx "$want" "$u" || { echo "units test: $name: no $want"; fail=1; }
	done
	if grep -q "^PrivateUsers=" "$u"; then
		echo "units test: $name: PrivateUsers= breaks peer credentials"
		fail=1
	fi
	sed "s|^ExecStart=[^ ]*/wacampd|ExecStart=$(cd "$B" && pwd)/wacampd|" \
	    "$f" >"$T/verify/$(basename "$f")"
	if ! out=$(systemd-analyze verify --man=no "$T/verify/$(basename "$f")" 2>&1) ||
	    [ -n "$out" ]; then
		echo "units test: $name: systemd-analyze verify: $out"
		fail=1
	fi
done
grep -q "^Type=notify" "$B/data/wacampd.service" ||
    { echo "units test: wacampd.service is not Type=notify"; fail=1; }
[ $fail -eq 0 ] && echo "units test: passed"
exit $fail
