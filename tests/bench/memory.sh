#!/bin/sh
# Memory and idle (DESIGN §11): private memory (RssAnon) under 10 MiB 30 s
# after a 10,000-message campaign (sent to the fake Wassenger) and a webhook flood
# (BENCH_FLOOD_SECONDS, 60 by default); VmRSS and Pss printed too. Then 20 s
# idle with health_interval = 10m: no wake-up at all (the health check is
# not due). Both are counts, judged; 127.0.0.1 only, every wait bounded.
# usage: memory.sh BUILD_DIR
set -eu
B=${1:-build}
FLOOD=${BENCH_FLOOD_SECONDS:-60}
SETTLE=${BENCH_SETTLE_SECONDS:-30}
TOKEN=bench-token-0123456789abcdef0123456789
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/wacamp-bench-XXXXXX)
pid=
fpid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
command -v wrk >/dev/null || { echo "memory bench: wrk not installed"; exit 1; }
FAKE=${FAKEWASS:-$B/tests/fakewass}
"$FAKE" -p 0 -P "$dir/fake.port" -r /dev/null >"$dir/fake.log" 2>&1 &
fpid=$!
i=0
while [ ! -s "$dir/fake.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fport=$(cat "$dir/fake.port")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/wacampd.conf" <<CONF
[daemon]
socket = $dir/wacampd.sock
log_level = warn
[store]
path = $dir/wacamp.db
[wassenger]
provider = wassenger
api_url = http://127.0.0.1:$fport/v1
api_key = test-token
device_id = 6643f2a1b7c9d40012e5a1f0
health_interval = 10m
[webhook]
listen = 127.0.0.1:$port
token = $TOKEN
[pacing]
interval = 1ms
jitter = 0
batch_size = 100000
daily_limit = 100000
CONF
chmod 600 "$dir/wacampd.conf"
"$B/wacampd" init -c "$dir/wacampd.conf" >/dev/null 2>&1
sqlite3 "$dir/wacamp.db" >/dev/null <<'SQL'
INSERT INTO categories (name, created_at, updated_at) VALUES ('bench', 0, 0);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10000)
INSERT INTO contacts (full_number, first_name, created_at, updated_at)
SELECT printf('+3361%07d', i), 'F' || i, 0, 0 FROM s;
INSERT INTO category_contacts (category_id, contact_id) SELECT 1, id FROM contacts;
SQL
"$B/wacampd" -f -c "$dir/wacampd.conf" 2>"$dir/log" &
pid=$!
i=0
while [ ! -S "$dir/wacampd.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
W="$B/wacamp -S $dir/wacampd.sock"
$W campaigns create --name bench --message-1 'Hi {{first_name}}' \
    --category bench >/dev/null
$W campaigns send 1 --yes >/dev/null
i=0
left=10000
last=
still=0
while [ $i -lt 600 ] && [ $still -lt 40 ]; do
	left=$(sqlite3 "$dir/wacamp.db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM messages WHERE state IN ('pending', 'sending')" | tail -1)
	[ "$left" = 0 ] && break
	[ "$left" = "$last" ] && still=$((still + 1)) || still=0
	last=$left
	sleep 0.5
	i=$((i + 1))
done
echo "memory bench: campaign of 10000 sent in about $((i / 2)) s ($left left)"

fix="$here/../fixtures/wassenger/webhook-message-out-ack-read.json"
sed -e 's/3EB0A7C91F5D2E84B6C1/@ID@/g' -e 's/"read"/"@ACK@"/g' "$fix" |
    tr -d '\n' >"$dir/body.json"
WEBHOOK_BODY="$dir/body.json" wrk -t2 -c32 -d"${FLOOD}s" \
    -s "$here/webhook.lua" \
    "http://127.0.0.1:$port/api/webhooks/wassenger?token=$TOKEN" >"$dir/wrk.txt"
echo "memory bench: flood of $FLOOD s, $(awk '/requests in/ { print $1 }' "$dir/wrk.txt") requests"
sleep "$SETTLE"
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
anon=$(kib RssAnon)
rss=$(kib VmRSS)
pss=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo "?")
echo "memory bench: ${SETTLE} s later: RssAnon $anon KiB (budget < 10240), VmRSS $rss KiB, Pss $pss KiB"

# Idle: every thread's voluntary context switches over 20 s.
cs() { cat /proc/"$pid"/task/*/status | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s }'; }
a=$(cs)
sleep 20
b=$(cs)
wake=$((b - a))
echo "memory bench: idle 20 s with health_interval = 10m: $wake wake-ups (budget 0)"
ok=ok
[ "$anon" -lt 10240 ] || ok="OVER BUDGET"
[ "$wake" -eq 0 ] || ok="OVER BUDGET"
echo "memory bench: $ok"
[ "$ok" = ok ]
