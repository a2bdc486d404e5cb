#!/bin/sh
# The installation INSTALL describes, followed as root (issue 19): make
# install DESTDIR=..., the account, group and directories from the
# sysusers.d and tmpfiles.d files, wacampd init --admin, the daemon started
# as its user without systemd (sudo -u ... wacampd -c ...), an operator in
# the socket's group connects, anyone else is refused with "Permission
# denied"; then make uninstall leaves nothing.
#
# Throwaway names (t19d, t19u, t19a, t19x and this shell's pid) stand for
# wacamp, wacamp-users, a person and an outsider; they are removed at the
# end, failure or not. Every path is under one temporary directory, which
# the build compiles in (SYSCONFDIR, LOCALSTATEDIR, RUNSTATEDIR).
#
# usage: sh tests/install.sh   (as root; otherwise it says why it skips)
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install test: skipped (it creates users and groups: run as root)"
	exit 0
fi
for c in systemd-sysusers systemd-tmpfiles sudo useradd; do
	if ! command -v $c >/dev/null 2>&1; then
		echo "install test: FAILED: $c is missing (make deps)"
		exit 1
	fi
done

SRC=$(pwd)
n=$$
SVC=t19d$n OPS=t19u$n ADMIN=t19a$n OUT=t19x$n
T=$(mktemp -d /tmp/wacamp-install-XXXXXX)
pid=

cleanup()
{
	rc=$?
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	for u in $ADMIN $OUT $SVC; do
		getent passwd $u >/dev/null && userdel $u
	done
	for g in $SVC $OPS $ADMIN $OUT; do
		getent group $g >/dev/null && groupdel $g
	done
	if [ -z "${WACAMP_KEEP_TEST_DIR:-}" ]; then
		rm -rf "$T"
	fi
	if [ $rc -eq 0 ]; then
		echo "install test: passed"
	else
		echo "install test: FAILED (see above)"
	fi
	exit $rc
}
trap cleanup EXIT INT TERM

fail()
{
	echo "install test: $*" >&2
	exit 1
}

# The service account must reach its directories under $T.
chmod 755 "$T"
D=$T/dest
PATHS="PREFIX=/usr SYSCONFDIR=$T/etc LOCALSTATEDIR=$T/var RUNSTATEDIR=$T/run"
make -s -j2 install B="$T/build" DESTDIR="$D" $PATHS >"$T/make.log" 2>&1 ||
    { tail -20 "$T/make.log"; fail "make install failed"; }

SBIN=$D/usr/sbin BIN=$D/usr/bin
SYSUSERS=$(find "$D" -path '*sysusers.d/wacamp.conf')
TMPFILES=$(find "$D" -path '*tmpfiles.d/wacamp.conf')
[ -n "$SYSUSERS" ] && [ -n "$TMPFILES" ] || fail "no sysusers.d or tmpfiles.d file"
for f in usr/share/man/man8/wacampd.8.gz usr/share/man/man1/wacamp.1.gz \
    usr/share/locale/fr/LC_MESSAGES/wacamp.mo usr/share/wacamp/wacampd.conf.example \
    usr/share/bash-completion/completions/wacamp; do
	[ -f "$D/$f" ] || fail "not installed: $f"
done
gzip -t "$D/usr/share/man/man8/wacampd.8.gz" || fail "man page not gzip"
[ -n "$(find "$D" -name wacampd.service -path '*/system/*')" ] ||
    fail "no unit installed"
grep -q "ExecStart=/usr/sbin/wacampd " "$(find "$D" -name wacampd.service)" ||
    fail "the unit does not start /usr/sbin/wacampd"
strings "$SBIN/wacampd" | grep -q "$T/var/lib/wacamp" ||
    fail "the state directory given at install time is not compiled in"

# The same files with the throwaway names.
awk -v svc=$SVC -v ops=$OPS '
	$1 == "g" && $2 == "wacamp-users" { $2 = ops }
	$1 == "u" && $2 == "wacamp" { $2 = svc }
	$1 == "m" { $2 = svc; $3 = ops }
	{ print }' "$SYSUSERS" >"$T/sysusers.conf"
awk -v svc=$SVC '$4 == "wacamp" { $4 = svc } $5 == "wacamp" { $5 = svc }
	{ print }' "$TMPFILES" >"$T/tmpfiles.conf"
grep -q "^u $SVC " "$T/sysusers.conf" || fail "unexpected sysusers.d file"
systemd-sysusers "$T/sysusers.conf"
systemd-tmpfiles --create "$T/tmpfiles.conf"
[ "$(getent passwd $SVC | cut -d: -f6)" = "$T/var/lib/wacamp" ] ||
    fail "the account's home is not the state directory"
case $(getent passwd $SVC | cut -d: -f7) in
*nologin|*false) ;;
*) fail "the service account has a login shell" ;;
esac
id -nG $SVC | grep -qw $OPS || fail "$SVC is not in $OPS"
[ "$(stat -c '%a %U %G' "$T/etc/wacamp")" = "750 root $SVC" ] ||
    fail "$T/etc/wacamp: $(stat -c '%a %U %G' "$T/etc/wacamp")"
[ "$(stat -c '%a %U' "$T/var/lib/wacamp")" = "700 $SVC" ] ||
    fail "$T/var/lib/wacamp: $(stat -c '%a %U' "$T/var/lib/wacamp")"

# The people: an operator in the socket's group, and someone outside it.
useradd --no-create-home --shell /usr/sbin/nologin -G $OPS $ADMIN
useradd --no-create-home --shell /usr/sbin/nologin $OUT

# INSTALL: the example, 0640 root:wacamp; key, device and token filled in.
CONF=$T/etc/wacamp/wacampd.conf
install -m 0640 -o root -g $SVC "$D/usr/share/wacamp/wacampd.conf.example" "$CONF"
sed -i -e "s/^provider = wassenger/provider = simulator/" \
    -e "s/^#api_key =.*/api_key = 0123456789abcdef/" \
    -e "s/^#token =.*/token = install-test-token-0123456789abcdef/" \
    -e "s/^socket_group = wacamp-users/socket_group = $OPS/" \
    -e "s|^#pidfile = .*|pidfile = $T/run/wacamp/wacampd.pid|" "$CONF"
grep -q "^socket_group = $OPS" "$CONF" || fail "no socket_group in the example"

cd /
sudo -u $SVC "$SBIN/wacampd" init -c "$CONF" --admin $ADMIN >"$T/init.log" 2>&1 ||
    { cat "$T/init.log"; fail "wacampd init --admin failed"; }
[ "$(stat -c '%a %U' "$T/var/lib/wacamp/wacamp.db")" = "600 $SVC" ] ||
    fail "the database is not 0600 $SVC"
# Detached: it returns once the socket answers, or fails saying why.
sudo -u $SVC "$SBIN/wacampd" -c "$CONF" || fail "the daemon did not start"
pid=$(cat "$T/run/wacamp/wacampd.pid")
SOCK=$T/run/wacamp/wacampd.sock
[ "$(stat -c '%a %U %G' "$SOCK")" = "660 $SVC $OPS" ] ||
    fail "socket: $(stat -c '%a %U %G' "$SOCK")"

# The operator finds the system socket by the client's own search.
out=$(sudo -u $ADMIN "$BIN/wacamp" users list 2>&1) ||
    fail "the operator cannot connect: $out"
echo "$out" | grep -q "$ADMIN" || fail "no $ADMIN in: $out"
echo "$out" | grep -q "super_admin" || fail "$ADMIN is no super_admin: $out"
rc=0
out=$(sudo -u $OUT "$BIN/wacamp" status 2>&1) || rc=$?
[ $rc -eq 3 ] || fail "the outsider got exit $rc: $out"
echo "$out" | grep -q "Permission denied" || fail "the outsider was told: $out"

# The backup, run by root, is made as the store's owner.
install -d -m 0700 -o $SVC "$T/backup"
"$SBIN/wacampd" backup -c "$CONF" "$T/backup/copy.db" >/dev/null ||
    fail "backup failed"
[ "$(stat -c '%U' "$T/backup/copy.db")" = "$SVC" ] || fail "backup not owned by $SVC"
[ -z "$(find "$T/var/lib/wacamp" ! -user $SVC)" ] ||
    fail "root left files in the state directory"

kill "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not stop"
pid=

cd "$SRC"
make -s uninstall B="$T/build" DESTDIR="$D" $PATHS >"$T/make.log" 2>&1 ||
    fail "make uninstall failed"
left=$(find "$D" -type f)
[ -z "$left" ] || fail "left after uninstall: $left"
