#!/bin/sh
# admin.sh  make bench, the admin API's part (issue 8); prints figures, asserts none.
#
# The runtime with the admin API on loopback and a tenant whose ledger holds N records
# (ledger_load fill), then one client on one keep-alive connection: GET /health
# (requests/s: the server on the loop), GET /metrics (ms a scrape), and consent look-ups
# (ms each: the ACCESSED record committed, then the whole ledger read and opened on a
# worker thread, so it grows with N).
# Knobs: BENCH_QUICK=1 (a smaller ledger, fewer requests), BENCH_ADMIN_RECORDS.
# Traffic stays on 127.0.0.1; the summary is appended to build/bench/summary.txt.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
OUT=$BUILD/bench
W=$OUT/admin
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    N=${BENCH_ADMIN_RECORDS:-10000}; HEALTH=500; LOOKUPS=10
else
    N=${BENCH_ADMIN_RECORDS:-100000}; HEALTH=5000; LOOKUPS=50
fi
say() { echo "bench-admin: $*"; }
rm -rf "$W"
mkdir -p "$W"
D="$W/data"
"$BUILD/callwarden" keys init --data "$D" --tenant praxis >/dev/null
"$BUILD/tests/ledger_load" fill "$D" praxis "$N" >/dev/null
"$BUILD/tests/vault_tool" put "$D" praxis "+49 30 1234567" 11111111-1111-4111-8111-111111111111 \
    recording 4102444800000 "x" >/dev/null
"$BUILD/tests/vault_tool" given "$D" praxis "+49 30 1234567" 11111111-1111-4111-8111-111111111111
"$BUILD/callwarden" admin token add bench --role agent --data "$D" >"$W/user"
TOKEN=$(sed -n 's/^token: //p' "$W/user")
PORT=$(( 30000 + ($$ % 2000) * 2 ))
"$BUILD/callwarden" run --listen "127.0.0.1:$PORT" --data "$D" --rtp-ports 40000-40099 \
    --admin-listen "127.0.0.1:$((PORT + 1))" --log-level warn 2>"$W/runtime.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
i=0
until curl -s -o /dev/null "http://127.0.0.1:$((PORT + 1))/health"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { say "the runtime did not start: $(cat "$W/runtime.log")"; exit 1; }
    sleep 0.1
done
out=$(/usr/bin/python3 - "127.0.0.1" "$((PORT + 1))" "$TOKEN" "$HEALTH" "$LOOKUPS" <<'PY'
import http.client, sys, time
host, port, token, nh, nl = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
c = http.client.HTTPConnection(host, port)
def get(path, auth=False):
    c.request("GET", path, headers={"Authorization": "Bearer " + token} if auth else {})
    r = c.getresponse(); r.read(); return r.status
t = time.perf_counter()
for _ in range(nh):
    assert get("/health") == 200
health = nh / (time.perf_counter() - t)
t = time.perf_counter()
for _ in range(50):
    assert get("/metrics", True) == 200
metrics_ms = (time.perf_counter() - t) / 50 * 1000
ms = []
for i in range(nl):
    t = time.perf_counter()
    assert get("/v1/tenants/praxis/consents/11111111-1111-4111-8111-111111111111", True) == 200
    ms.append((time.perf_counter() - t) * 1000)
ms.sort()
print("health=%.0f metrics_ms=%.2f lookup_p50_ms=%.1f lookup_max_ms=%.1f" %
      (health, metrics_ms, ms[len(ms) // 2], ms[-1]))
PY
)
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
trap - EXIT
v() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
summary="Admin API (issue 8), $(date +%F), one keep-alive client on loopback:
  GET /health: $(v health) requests/s ($HEALTH requests)
  GET /metrics (2 tenants): $(v metrics_ms) ms a scrape
  consent look-up in a ledger of $N records (ACCESSED committed, then the ledger read on a worker): p50 $(v lookup_p50_ms) ms, max $(v lookup_max_ms) ms ($LOOKUPS look-ups)"
echo "$summary"
echo "$summary" >>"$OUT/summary.txt"
