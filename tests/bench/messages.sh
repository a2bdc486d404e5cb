#!/bin/sh
# messages.list and replies.list at 1,000,000 messages: p99 of a page of 100
# filtered by campaign, by state, by contact, and searched within a
# campaign (DESIGN §11: 5 ms on a quiet machine). Times are printed, not
# judged: an absolute time is not stable here.
# usage: tests/bench/messages.sh [BUILD_DIR]   (BENCH_MESSAGES=N for another
# size: N / 10 contacts, 10 campaigns)
set -eu
B=${1:-build}
n=${BENCH_MESSAGES:-1000000}
per=$((n / 10))
dir=$(mktemp -d /tmp/wacamp-bench.XXXXXX)
trap 'kill $(cat "$dir/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT
printf '[daemon]\nsocket = %s/s.sock\npidfile = %s/pid\n[store]\npath = %s/db\n[pacing]\ndaily_limit = 0\n' \
    "$dir" "$dir" "$dir" >"$dir/conf"
chmod 600 "$dir/conf"
"$B/wacampd" init -c "$dir/conf" >/dev/null 2>&1
t0=$(date +%s.%N)
# Ten campaigns, each to every contact; states as a finished history has
# them; a reply for one message in fifty.
timeout 600 sqlite3 "$dir/db" >/dev/null <<EOS
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $per)
INSERT INTO contacts (full_number, first_name, last_name, created_at, updated_at)
SELECT printf('+2289%07d', i), 'F' || i, 'L' || i, 0, 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10)
INSERT INTO campaigns (name, message_1, status, created_at, updated_at)
SELECT 'bench ' || i, 'Bonjour {{first_name}}', 'completed', 0, 0 FROM s;
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body,
    state, error, cancel_reason, created_at, updated_at, sent_at)
SELECT cp.id, c.id, 1, c.full_number, 'Bonjour ' || c.first_name || ', campagne ' || cp.id,
    CASE c.id % 50 WHEN 0 THEN 'failed' WHEN 1 THEN 'unknown'
        WHEN 2 THEN 'cancelled' ELSE CASE c.id % 3 WHEN 0 THEN 'sent'
        WHEN 1 THEN 'delivered' ELSE 'read' END END,
    CASE c.id % 50 WHEN 0 THEN 'phone: not on WhatsApp' END,
    CASE c.id % 50 WHEN 2 THEN 'stop' END, 0, 0, 1
FROM campaigns cp CROSS JOIN contacts c ORDER BY cp.id, c.id;
INSERT INTO interactions (contact_id, campaign_id, message_id, kind, body, created_at)
SELECT contact_id, campaign_id, id, 'reply', 'Merci ' || id, 1 FROM messages
WHERE id % 50 = 7;
UPDATE contacts_count SET n = (SELECT count(*) FROM contacts);
COMMIT;
EOS
t1=$(date +%s.%N)
"$B/wacampd" -f -c "$dir/conf" 2>"$dir/log" &
echo $! >"$dir/pid"
for i in $(seq 1 100); do [ -S "$dir/s.sock" ] && break; sleep 0.2; done
python3 - "$dir/s.sock" "$n" "$per" "$t0" "$t1" <<'PY'
import json, random, socket, sys, time
sock, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print("history built          %d messages in %.1f s (sqlite3)" % (n, float(sys.argv[5]) - float(sys.argv[4])))
s = socket.socket(socket.AF_UNIX); s.connect(sock); f = s.makefile("rwb")
f.readline()
def call(i, cmd, args):
    f.write((json.dumps({"id": i, "cmd": cmd, "args": args}) + "\n").encode())
    f.flush()
    while True:
        r = json.loads(f.readline())
        if r.get("id") == i:
            return r
random.seed(2)
def p99(cmd, argsf, rounds=200):
    ts = []
    for i in range(rounds):
        a = argsf(i)
        t = time.perf_counter(); r = call(i, cmd, a)
        ts.append(time.perf_counter() - t); assert r["ok"], r
    ts.sort(); return ts[int(len(ts) * 0.99) - 1] * 1e3
def camp(i):
    c = random.randint(1, 10)
    return {"campaign": c, "after": (c - 1) * per + random.randint(0, per - 100), "limit": 100}
def state(i):
    st = ["read", "failed", "unknown", "delivered"][i % 4]
    return {"status": st, "after": random.randint(0, n - 1000), "limit": 100}
def contact(i):
    return {"contact": random.randint(1, per), "limit": 100}
def camp_state(i):
    c = random.randint(1, 10)
    return {"campaign": c, "status": "failed", "after": (c - 1) * per + random.randint(0, per - 100), "limit": 100}
def search(i):
    c = random.randint(1, 10)
    return {"campaign": c, "search": "whatsapp", "after": (c - 1) * per + random.randint(0, per // 2), "limit": 100}
print("messages.list p99, a page of 100 at %d messages (a quiet machine: < 5 ms):" % n)
print("  by campaign          %.2f ms" % p99("messages.list", camp))
print("  by state             %.2f ms" % p99("messages.list", state))
print("  by contact           %.2f ms" % p99("messages.list", contact))
print("  by campaign + state  %.2f ms" % p99("messages.list", camp_state))
print("  campaign + search    %.2f ms (error text, one message in fifty)" % p99("messages.list", search))
print("replies.list p99, a page of 100 at %d replies:" % (n // 50))
print("  all                  %.2f ms" % p99("replies.list", lambda i: {"after": random.randint(100, n), "limit": 100}))
print("  by campaign          %.2f ms" % p99("replies.list", lambda i: {"campaign": random.randint(1, 10), "limit": 100}))
print("  by contact           %.2f ms" % p99("replies.list", lambda i: {"contact": random.randint(1, per), "limit": 100}))
PY
