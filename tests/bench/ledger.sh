#!/bin/sh
# ledger.sh  make bench, the consent ledger's writer (issue 4, under way): sealed, durable
# appends/s one by one (each waits for its callback) and grouped (4000 in flight), the
# append -> callback latency under that load and under a steady 2000 appends/s. A file
# in build/bench/ledger/ on this machine's disk; prints figures, asserts none.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
W=$BUILD/bench/ledger
tool=$BUILD/tests/ledger_load
[ -x "$tool" ] || { echo "bench-ledger: build first (make build)" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W"
out=$("$tool" bench "$W/consent.db")
rm -rf "$W"/consent.db*
kv() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
{
    echo "Consent ledger writer (issue 4), $(date -u +%Y-%m-%d), WAL + synchronous=FULL, records sealed:"
    echo "  durable appends one by one: $(kv one_by_one_per_s)/s (each its own commit and fsync, 1 ms group window)"
    echo "  durable appends grouped: $(kv grouped_per_s)/s (4000 in flight, $(kv batches) commits, up to $(kv max_batch) a commit; target >= 20000/s)"
    echo "  append -> callback at that load: p50 $(kv grouped_latency_p50_ms) ms, p99 $(kv grouped_latency_p99_ms) ms"
    echo "  append -> callback at a steady $(kv paced_per_s)/s: p50 $(kv paced_latency_p50_ms) ms, p99 $(kv paced_latency_p99_ms) ms (target p99 <= 5 ms)"
} | tee "$W/summary.txt"
cat "$W/summary.txt" >>"$BUILD/bench/summary.txt"
