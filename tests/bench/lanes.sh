#!/bin/sh
# Several numbers (DESIGN §11): 20 device lanes over 1,000,000 messages of
# history. Prints the p99 of status and monitor (monitoring.stats),
# monitoring.capacity, devices list and campaigns stats (5 ms on a quiet
# machine), and what one lane's turn costs the pacer at 10,000 and at
# 1,000,000 messages of history, with their ratio: the turn reads the
# queue, a day counter and the lane's last governor_window Message 1s,
# never the history, so the ratio stays near 1. Printed, not judged: an
# absolute time is not stable here.
#
# Then a campaign whose own window is closed now (issue 21's window), with
# BENCH_CLOSED (100,000) pending Message 1s older than an open campaign's
# 2,000: the lane's turn must set it aside at the cost of a campaigns row,
# never walk its pending messages. Reference in the same run: the same
# database with those 100,000 as a finished campaign's history. Printed:
# both turn costs and their ratio (about 1), and what each case sent.
# usage: tests/bench/lanes.sh BUILD_DIR [closed]   (BENCH_HISTORY=N for
# another large size, the small one is 10,000; "closed": that case only)
set -eu
B=${1:-build}
only=${2:-}
big=${BENCH_HISTORY:-1000000}
nclosed=${BENCH_CLOSED:-100000}
dir=$(mktemp -d /tmp/wacamp-bench-lanes.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

# One run: a database with HISTORY messages spread over 20 lanes and a
# year, a running campaign of 5000 pending; the daemon sends through the
# simulator while the commands are timed.
run() {
	history=$1
	rm -f "$dir"/db* "$dir/s.sock"
	{
		printf '[daemon]\nsocket = %s/s.sock\n' "$dir"
		printf '[store]\npath = %s/db\n[wassenger]\nprovider = simulator\n' "$dir"
		printf '[pacing]\ninterval = 100ms\njitter = 0\nbatch_size = 100000\n'
		printf 'daily_limit = 1000000\ntimezone = UTC\ngovernor_window = 50\n'
		for i in $(seq 1 19); do
			printf '[device d%02d]\ndevice_id = %024d\n' "$i" "$i"
		done
	} >"$dir/conf"
	chmod 600 "$dir/conf"
	"$B/wacampd" init -c "$dir/conf" >/dev/null 2>&1
	per=$((history / 10))
	t0=$(date +%s.%N)
	timeout 900 sqlite3 "$dir/db" >/dev/null <<EOS
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $per + 5000)
INSERT INTO contacts (full_number, first_name, last_name, created_at, updated_at)
SELECT printf('+2289%07d', i), 'F' || i, 'L' || i, 0, 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
INSERT INTO campaigns (name, message_1, status, created_at, updated_at)
SELECT 'history ' || i, 'Bonjour {{first_name}}', 'completed', 0, 0 FROM s;
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body,
    state, lane, device, claimed_at, created_at, updated_at, sent_at)
SELECT cp.id, c.id, 1, c.full_number, 'Bonjour ' || c.first_name,
    CASE c.id % 3 WHEN 0 THEN 'sent' WHEN 1 THEN 'delivered' ELSE 'read' END,
    CASE (c.id + cp.id) % 20 WHEN 0 THEN 'default' ELSE printf('d%02d', (c.id + cp.id) % 20) END,
    printf('%024d', (c.id + cp.id) % 20),
    strftime('%s', 'now') - 86400 * 365 + (c.id * 10 + cp.id) * 31536000 / ($per * 10 + 10),
    0, 0, 1
FROM campaigns cp CROSS JOIN contacts c WHERE c.id <= $per ORDER BY cp.id, c.id;
UPDATE campaigns SET total = $per, sent = $per;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 364),
    l(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM l WHERE n < 19)
INSERT INTO daily_usage (day, device, sent, m1, m2, delivered, read, interactions)
SELECT date('now', '-' || i || ' days'),
    CASE n WHEN 0 THEN 'default' ELSE printf('d%02d', n) END, 100, 90, 10, 80, 60, 9
FROM s, l;
INSERT INTO categories (name, created_at, updated_at) VALUES ('live', 0, 0);
INSERT INTO category_contacts (category_id, contact_id)
SELECT (SELECT id FROM categories WHERE name = 'live'), id FROM contacts WHERE id > $per;
INSERT INTO campaigns (name, message_1, status, total, pending, created_at, updated_at, started_at)
VALUES ('live', 'Bonjour', 'running', 5000, 5000, 0, 0, 0);
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body, created_at, updated_at)
SELECT (SELECT id FROM campaigns WHERE name = 'live'), id, 1, full_number, 'Bonjour', 0, 0
FROM contacts WHERE id > $per;
UPDATE contacts_count SET n = (SELECT count(*) FROM contacts);
COMMIT;
EOS
	t1=$(date +%s.%N)
	"$B/wacampd" -f -c "$dir/conf" 2>"$dir/log" &
	pid=$!
	for i in $(seq 1 150); do [ -S "$dir/s.sock" ] && break; sleep 0.2; done
	python3 - "$dir/s.sock" "$history" "$t0" "$t1" <<'PY'
import json, random, socket, sys, time
sock, n = sys.argv[1], int(sys.argv[2])
print("history %d messages, 20 lanes, built in %.1f s (sqlite3)" %
    (n, float(sys.argv[4]) - float(sys.argv[3])))
s = socket.socket(socket.AF_UNIX); s.connect(sock); f = s.makefile("rwb")
f.readline()
def call(i, cmd, args):
    f.write((json.dumps({"id": i, "cmd": cmd, "args": args}) + "\n").encode())
    f.flush()
    while True:
        r = json.loads(f.readline())
        if r.get("id") == i:
            return r
random.seed(3)
def p99(cmd, argsf, rounds=200):
    ts = []
    for i in range(rounds):
        a = argsf(i)
        t = time.perf_counter(); r = call(i, cmd, a)
        ts.append(time.perf_counter() - t); assert r["ok"], r
    ts.sort(); return ts[int(len(ts) * 0.99) - 1] * 1e3
time.sleep(1)
print("  p99 (a quiet machine: < 5 ms), while the 20 lanes send:")
print("    status, monitor (monitoring.stats)  %.2f ms" % p99("monitoring.stats", lambda i: {}))
print("    monitoring.capacity                 %.2f ms" % p99("monitoring.capacity", lambda i: {}))
print("    devices list                        %.2f ms" % p99("devices.list", lambda i: {}))
print("    campaigns stats                     %.2f ms" % p99("campaigns.stats", lambda i: {"id": random.randint(1, 11)}))
time.sleep(3)
st = call(9999, "monitoring.stats", {})["data"]
lanes = st["lanes"]
assert len(lanes) == 20, len(lanes)
sent = sum(l["sent_today"] for l in lanes)
p = st["pacer"]
print("  pacer: %d lane turns, %.3f ms a turn on average (max %.2f ms), %d sent today" %
    (p["turns"], p["turn_ms_avg"], p["turn_ms_max"], sent))
open(sys.argv[1] + ".turn", "w").write("%f\n" % p["turn_ms_avg"])
PY
	kill "$pid"
	wait "$pid" || true
	pid=
	cp "$dir/s.sock.turn" "$dir/turn.$history"
	[ -z "${BENCH_KEEP:-}" ] || cp "$dir/db" "$BENCH_KEEP.$history"
}

# Ten lanes, campaign "closed" (id 1: the lower message ids) with NCLOSED
# messages and campaign "open" (id 2) with 2,000 pending. CASE "closed":
# the first is running, its window closed now, its messages pending;
# "ref": it finished long ago, its messages sent. The daemon sends for
# 4 s through the simulator; the pacer's turn cost is read then.
closed_run() {
	case=$1
	rm -f "$dir"/db* "$dir/s.sock"
	printf '[daemon]\nsocket = %s/s.sock\n[store]\npath = %s/db\n' "$dir" "$dir" >"$dir/conf"
	printf '[wassenger]\nprovider = simulator\n[pacing]\ninterval = 20ms\n' >>"$dir/conf"
	printf 'jitter = 0\nbatch_size = 100000\ndaily_limit = 1000000\ntimezone = UTC\n' >>"$dir/conf"
	for i in $(seq 1 9); do
		printf '[device d%02d]\ndevice_id = %024d\n' "$i" "$i" >>"$dir/conf"
	done
	chmod 600 "$dir/conf"
	"$B/wacampd" init -c "$dir/conf" >/dev/null 2>&1
	if [ "$case" = closed ]; then
		st=running; ms=pending; sent=NULL
	else
		st=completed; ms=sent; sent=1
	fi
	# Closed now (UTC): it opens in two hours and closes in three.
	m=$(( ($(date -u +%s) / 60) % 1440 ))
	ws=$(( (m + 120) % 1440 )); we=$(( (m + 180) % 1440 ))
	timeout 600 sqlite3 "$dir/db" >/dev/null <<EOS
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $nclosed + 2000)
INSERT INTO contacts (full_number, first_name, last_name, created_at, updated_at)
SELECT printf('+2289%07d', i), 'F' || i, 'L' || i, 0, 0 FROM s;
INSERT INTO campaigns (name, message_1, status, total, pending, created_at,
    updated_at, started_at, window_start, window_end)
VALUES ('closed', 'Bonjour', '$st', $nclosed, 0, 0, 0, 0, $ws, $we);
INSERT INTO campaigns (name, message_1, status, total, pending, created_at,
    updated_at, started_at)
VALUES ('open', 'Bonjour', 'running', 2000, 2000, 0, 0, 0);
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body,
    state, sent_at, created_at, updated_at)
SELECT 1, id, 1, full_number, 'Bonjour', '$ms', $sent, 0, 0
FROM contacts WHERE id <= $nclosed ORDER BY id;
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body,
    created_at, updated_at)
SELECT 2, id, 1, full_number, 'Bonjour', 0, 0 FROM contacts WHERE id > $nclosed
ORDER BY id;
UPDATE contacts_count SET n = (SELECT count(*) FROM contacts);
COMMIT;
EOS
	"$B/wacampd" -f -c "$dir/conf" 2>"$dir/log" &
	pid=$!
	for i in $(seq 1 150); do [ -S "$dir/s.sock" ] && break; sleep 0.2; done
	python3 - "$dir/s.sock" "$case" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
f.readline()
def call(i, cmd, args):
    f.write((json.dumps({"id": i, "cmd": cmd, "args": args}) + "\n").encode())
    f.flush()
    while True:
        r = json.loads(f.readline())
        if r.get("id") == i:
            return r
time.sleep(4)
p = call(1, "monitoring.stats", {})["data"]["pacer"]
sent = [call(2 + i, "campaigns.get", {"id": i + 1})["data"] for i in range(2)]
print("  %-6s: %d lane turns, %.3f ms a turn on average (max %.2f ms, "
    "%s SQLite steps at most in a pick); sent: closed campaign %d, open "
    "one %d" % (sys.argv[2], p["turns"], p["turn_ms_avg"], p["turn_ms_max"],
    p.get("pick_steps_max", "?"),
    sent[0]["sent"] + sent[0]["delivered"] + sent[0]["read"] if sys.argv[2] == "closed" else 0,
    sent[1]["sent"] + sent[1]["delivered"] + sent[1]["read"]))
open(sys.argv[1] + ".turn", "w").write("%f\n" % p["turn_ms_avg"])
PY
	kill "$pid"
	wait "$pid" || true
	pid=
	cp "$dir/s.sock.turn" "$dir/turn.$case"
}

if [ "$only" != closed ]; then
	echo "== 10000 messages of history"
	run 10000
	echo "== $big messages of history"
	run "$big"
	awk -v a="$(cat "$dir/turn.10000")" -v b="$(cat "$dir/turn.$big")" 'BEGIN {
		printf "pacer turn at %s / at 10000 messages of history: %.2fx (must not grow: about 1)\n", "'"$big"'", (a > 0 ? b / a : 0) }'
fi
echo "== a campaign with $nclosed pending Message 1s, its own window closed"
closed_run ref
closed_run closed
awk -v a="$(cat "$dir/turn.ref")" -v b="$(cat "$dir/turn.closed")" 'BEGIN {
	printf "pacer turn with the closed campaign / without: %.2fx (must not grow with it: about 1)\n", (a > 0 ? b / a : 0) }'
