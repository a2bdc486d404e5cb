#!/bin/sh
# campaigns.report of a big campaign (DESIGN §11: the loop is never held):
# BENCH_REPORT (1,000,000) messages over 60 days and 20 lanes, a reply for
# one in ten. While the report is built, a second client sends auth.me
# (it reads nothing) back to back; its longest wait and p99 are the loop's
# longest stall, printed against the same pings with no report running
# (the reference, same run), with the report's own time and its reply
# checked against a direct count of the campaign's messages; then the
# daemon's own count of the report's slices and the longest of them.
# usage: tests/bench/reports.sh BUILD_DIR
set -eu
B=${1:-build}
n=${BENCH_REPORT:-1000000}
dir=$(mktemp -d /tmp/wacamp-bench-reports.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

printf '[daemon]\nsocket = %s/s.sock\nlog_level = debug\n[store]\npath = %s/db\n' "$dir" "$dir" >"$dir/conf"
printf '[wassenger]\nprovider = simulator\n[pacing]\ntimezone = UTC\n' >>"$dir/conf"
chmod 600 "$dir/conf"
"$B/wacampd" init -c "$dir/conf" >/dev/null 2>&1
t0=$(date +%s.%N)
timeout 900 sqlite3 "$dir/db" >/dev/null <<EOS
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO contacts (full_number, first_name, last_name, created_at, updated_at)
SELECT printf('+2289%07d', i), 'F' || i, 'L' || i, 0, 0 FROM s;
INSERT INTO campaigns (name, message_1, status, total, sent, created_at,
    updated_at, started_at, finished_at)
VALUES ('big', 'Bonjour', 'completed', $n, $n, 0, 0, 1700000000, 1705184000);
INSERT INTO messages (campaign_id, contact_id, message_type, phone, body,
    state, lane, device, claimed_at, created_at, updated_at, sent_at)
SELECT 1, c.id, 1, c.full_number, 'Bonjour',
    CASE c.id % 7 WHEN 0 THEN 'failed' WHEN 1 THEN 'sent' WHEN 2 THEN 'delivered' ELSE 'read' END,
    CASE c.id % 20 WHEN 0 THEN 'default' ELSE printf('d%02d', c.id % 20) END,
    printf('%024d', c.id % 20), 1700000000 + c.id * 5184000 / $n, 0,
    1700000000 + c.id * 5184000 / $n + 60,
    CASE c.id % 7 WHEN 0 THEN NULL ELSE 1700000000 + c.id * 5184000 / $n END
FROM contacts c ORDER BY c.id;
INSERT INTO interactions (contact_id, campaign_id, message_id, kind, body, created_at)
SELECT contact_id, 1, id, CASE id % 30 WHEN 0 THEN 'optout' WHEN 10 THEN 'reaction' ELSE 'reply' END,
    'merci', sent_at + 3600 FROM messages WHERE id % 10 = 0 AND sent_at IS NOT NULL;
UPDATE contacts_count SET n = (SELECT count(*) FROM contacts);
COMMIT;
EOS
t1=$(date +%s.%N)
"$B/wacampd" -f -c "$dir/conf" 2>"$dir/log" &
pid=$!
for i in $(seq 1 150); do [ -S "$dir/s.sock" ] && break; sleep 0.2; done
python3 - "$dir/s.sock" "$dir/db" "$n" "$t0" "$t1" <<'PY'
import json, socket, sqlite3, sys, threading, time
sock, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print("campaign of %d messages, built in %.1f s (sqlite3)" %
    (n, float(sys.argv[5]) - float(sys.argv[4])))
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(sock); f = s.makefile("rwb")
    f.readline()
    return f
def call(f, i, cmd, args):
    f.write((json.dumps({"id": i, "cmd": cmd, "args": args}) + "\n").encode())
    f.flush()
    while True:
        r = json.loads(f.readline())
        if r.get("id") == i:
            return r
pf = conn()
def pings(stop, out, limit=20000, secs=120):
    t_end = time.perf_counter() + secs
    i = 0
    while not stop.is_set() and i < limit and time.perf_counter() < t_end:
        t = time.perf_counter(); r = call(pf, i, "auth.me", {})
        out.append(time.perf_counter() - t); assert r["ok"], r
        i += 1
def figs(ts):
    ts = sorted(ts)
    return ts[int(len(ts) * 0.99) - 1] * 1e3, ts[-1] * 1e3, len(ts)
# Reference: pings alone, 2000 of them.
ref = []
pings(threading.Event(), ref, limit=2000)
rp99, rmax, rn = figs(ref)
print("  pings alone:          p99 %.2f ms, longest %.2f ms (%d)" % (rp99, rmax, rn))
# The report, with the pings beside it.
rf = conn()
during, stop = [], threading.Event()
th = threading.Thread(target=pings, args=(stop, during)); th.start()
time.sleep(0.2)
t = time.perf_counter(); r = call(rf, 1, "campaigns.report", {"id": 1})
rt = time.perf_counter() - t
stop.set(); th.join()
assert r["ok"], r
p99, mx, k = figs(during)
print("  campaigns.report:     %.2f s" % rt)
print("  pings beside it:      p99 %.2f ms, longest %.2f ms (%d)" % (p99, mx, k))
print("  longest stall / longest alone: %.1fx; p99 beside / alone: %.1fx" %
    (mx / rmax if rmax > 0 else 0, p99 / rp99 if rp99 > 0 else 0))
d = r["data"]
q = sqlite3.connect(db)
sent = q.execute("SELECT count(*) FROM messages WHERE campaign_id = 1 AND sent_at IS NOT NULL").fetchone()[0]
failed = q.execute("SELECT count(*) FROM messages WHERE campaign_id = 1 AND state = 'failed'").fetchone()[0]
rep = q.execute("SELECT count(*) FROM interactions WHERE campaign_id = 1 AND kind IN ('reply', 'reaction', 'optout')").fetchone()[0]
got = (sum(x["sent"] for x in d["days"]), sum(x["failed"] for x in d["days"]),
    sum(x["replies"] for x in d["days"]), sum(x["sent"] for x in d["devices"]))
print("  totals: sent %d, failed %d, replies %d, by device %d; direct count: %d, %d, %d, %d: %s" %
    (got + (sent, failed, rep, sent) + ("same" if got == (sent, failed, rep, sent) else "DIFFERENT",)))
if got != (sent, failed, rep, sent):
    sys.exit(1)
PY
kill "$pid"
wait "$pid" || true
pid=
# The daemon's own word on its slices (job.c, at debug level).
sed -n 's/.*\(job campaigns.report: .*\)/  \1/p' "$dir/log"
