#!/bin/sh
# make demo: a daemon with the built-in simulator and demo data in a temporary
# state directory, the interface on top, and everything stopped on exit.
set -u
B=${1:?usage: demo.sh BUILD_DIR}
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/wacamp-demo-XXXXXX)
CONF=$DIR/wacampd.conf
SOCK=$DIR/wacampd.sock
export WACAMP_SOCKET=$SOCK
export WACAMP_LOCALEDIR=$B/locale

cat >"$CONF" <<CONF
# Demo: simulator provider, quick pacing so things move on screen.
[daemon]
socket = $SOCK
pidfile = $DIR/wacampd.pid
[store]
path = $DIR/wacamp.db
[wassenger]
provider = simulator
[pacing]
interval = 2s
jitter = 1s
batch_size = 10
batch_pause = 20s
daily_limit = 1000
[import]
default_country = 228
# A few sends fail (503 retried, 400 failed) so retries and errors show.
[simulator]
fail_percent = 8
CONF
chmod 600 "$CONF"

"$B/wacampd" init -c "$CONF" >"$DIR/init.log" 2>&1 || { cat "$DIR/init.log" >&2; exit 1; }
"$B/wacampd" -f -c "$CONF" 2>"$DIR/daemon.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT INT TERM

i=0
until "$B/wacamp" status >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "demo: the daemon did not start:" >&2
		cat "$DIR/daemon.log" >&2
		exit 1
	fi
	sleep 0.1
done

echo "demo: loading demo contacts and a campaign"
"$B/wacamp" contacts import "$TOP/data/demo-contacts.csv" --default-country 228 ||
	echo "demo: (contacts import is not available in this build)"
"$B/wacamp" categories list >/dev/null 2>&1 &&
"$B/wacamp" --json campaigns create --name "Promo de Noël" \
	--message-1 "Bonjour {{first_name}}, -20% sur tout le magasin jusqu'au 24 décembre !" \
	--message-2 "Merci {{first_name}} ! Votre code : NOEL20." \
	--category "Clients Lomé" --category Abidjan --category Dakar \
	--category Cotonou >"$DIR/campaign.json" 2>/dev/null &&
"$B/wacamp" campaigns send --yes "$(sed -n 's/^  "id": \([0-9]*\),*$/\1/p' "$DIR/campaign.json" | head -1)" ||
	echo "demo: (campaigns are not available in this build)"

if [ -t 0 ] && [ -t 1 ]; then
	"$B/wacamp"
else
	"$B/wacamp" status
	"$B/wacamp" campaigns list 2>/dev/null || true
fi
