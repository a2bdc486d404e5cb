#!/bin/sh
# Install the Debian packages wacamp needs to build, test and run, if missing.
# Runs apt-get update first; uses sudo when not root. Quiet when all is there.
# `deps.sh deb`: what `make deb` needs instead (packaging tools).
set -eu

PKGS="build-essential pkg-config libevent-dev libsqlite3-dev libjansson-dev
libcurl4-openssl-dev libncurses-dev libcmocka-dev libcrypt-dev libmd-dev
tmux faketime socat wrk sqlite3 curl clang groff-base man-db locales gettext
libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils systemd sudo"
# systemd: systemd-analyze, -sysusers and -tmpfiles for the install test;
# sudo: INSTALL's way to start the daemon as its user, which it follows;
# cairo, pango and the DejaVu fonts draw PDF reports, poppler reads them
# back in the tests.
if [ "${1:-}" = deb ]; then
	PKGS="build-essential pkg-config debhelper dpkg-dev fakeroot git lintian
libevent-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev
libncurses-dev libcrypt-dev libmd-dev gettext libcairo2-dev libpango1.0-dev"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
fi

# The interface has a French catalogue; make sure the locale exists.
if [ "${1:-}" != deb ] && command -v locale >/dev/null 2>&1 &&
    ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	if [ -f /etc/locale.gen ]; then
		$SUDO sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen
		grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen ||
			echo 'fr_FR.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
		$SUDO locale-gen >/dev/null 2>&1 || true
	fi
fi
exit 0
