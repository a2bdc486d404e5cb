#!/bin/sh
# Time campaigns.send for 100,000 recipients (2 s on a quiet machine):
# printed, not judged, since an absolute time is not stable here.
# usage: tests/bench/campaigns.sh BUILD_DIR
set -eu
B=${1:-build}
dir=$(mktemp -d /tmp/wacamp-bench-XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
cat >"$dir/wacampd.conf" <<EOC
[daemon]
socket = $dir/wacampd.sock
[store]
path = $dir/wacamp.db
[pacing]
daily_limit = 0
EOC
chmod 600 "$dir/wacampd.conf"
"$B/wacampd" init -c "$dir/wacampd.conf" >/dev/null 2>&1
sqlite3 "$dir/wacamp.db" <<'EOS'
INSERT INTO categories (name, created_at, updated_at) VALUES ('bench', 0, 0);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000)
INSERT INTO contacts (full_number, first_name, last_name, created_at, updated_at)
SELECT printf('+3361%07d', i), 'F' || i, 'L' || i, 0, 0 FROM s;
INSERT INTO category_contacts (category_id, contact_id) SELECT 1, id FROM contacts;
EOS
"$B/wacampd" -f -c "$dir/wacampd.conf" 2>"$dir/log" &
pid=$!
i=0
while [ ! -S "$dir/wacampd.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
W="$B/wacamp -S $dir/wacampd.sock"
$W campaigns create --name bench --message-1 'Hi {{first_name}} {{last_name}} {{phone}}' \
    --category bench >/dev/null
t0=$(date +%s%N)
$W --json campaigns send 1 --yes >/dev/null
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "campaigns.send, 100000 recipients: ${ms} ms (2000 ms on a quiet machine; printed only)"
