#!/bin/sh
# ledger.sh  make bench, the consent ledger (issue 4); prints figures, asserts none.
#
#   1. The writer alone (build/tests/ledger_load bench): sealed, durable appends/s one by
#      one (each waits for its callback) and grouped (4000 in flight), the append ->
#      callback latency under that load and under a steady ~2000 appends/s.
#   2. The callback latency on the runtime's own loop (build/tests/bench_ledger_calls: the
#      runtime with a probe appending BENCH_LEDGER_RATE records/s to the demo tenant's
#      ledger), first idle, then while BENCH_LEDGER_CALLS calls (default 400) with RTP
#      both ways run on it (SIPp hold.xml + build/bench/rtpload, as run.sh's media stage).
# Files in build/bench/ledger/ on this machine's disk; loopback only; bounded waits.
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

# ---- 2. under calls -------------------------------------------------------------------
N=${BENCH_LEDGER_CALLS:-400}
RATE=${BENCH_LEDGER_RATE:-400}
CALLS_S=10
[ "${BENCH_QUICK:-0}" = 1 ] && { N=${BENCH_LEDGER_CALLS:-100}; CALLS_S=4; }
HOST=127.0.0.1
SIP_PORT=9100
LOAD_BASE=34000
HOLD_RATE=100
RAMP_S=$(( (N + HOLD_RATE - 1) / HOLD_RATE ))
HOLD_MS=$(( (RAMP_S + CALLS_S + 4) * 1000 ))
cc -O2 -Wall -Wextra -Werror -Wshadow -o "$W/rtpload" "$SRC/tests/bench/rtpload.c" -lm
command -v sipp >/dev/null || { echo "bench-ledger: sipp is not installed" >&2; exit 1; }
PIDS=""
mkdir -p "$W/no-policies"
trap 'for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done' EXIT
awk -v n="$N" -v b="$LOAD_BASE" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < n; i++) print b + 2 * i }' \
    >"$W/ports.csv"
"$W/rtpload" --bind $HOST --base-port $LOAD_BASE --count "$N" --hold-ms "$HOLD_MS" \
    --linger-ms 2000 --duration-s $((HOLD_MS / 1000 + 60)) --report "$W/rtpload.report" \
    --ready-file "$W/rtpload.ready" >"$W/rtpload.out" 2>&1 </dev/null &
PIDS="$PIDS $!"
n=0
until [ -s "$W/rtpload.ready" ]; do
    [ $n -lt 50 ] || { echo "bench-ledger: rtpload did not start" >&2; exit 1; }
    sleep 0.2; n=$((n + 1))
done
"$BUILD/tests/bench_ledger_calls" demo "$RATE" 5 "$N" "$CALLS_S" "listen=$HOST:$SIP_PORT" \
    rtp_ports=61000-62999 "data=$W/data" "scripts=$SRC/scripts" "policies=$W/no-policies" \
    serve_without_policy=1 "prompts=$BUILD/prompts" \
    max_calls=$((N + 100)) digit_timeout_ms=$((HOLD_MS + 60000)) retention_sweep_s=3600 \
    >"$W/probe.out" 2>"$W/runtime.log" </dev/null &
CW=$!
PIDS="$PIDS $CW"
n=0
until grep -q "phase=idle" "$W/probe.out"; do
    kill -0 $CW 2>/dev/null || { echo "bench-ledger: the runtime died: $(tail -3 "$W/runtime.log")" >&2; exit 1; }
    [ $n -lt 150 ] || { echo "bench-ledger: no idle phase" >&2; exit 1; }
    sleep 0.1; n=$((n + 1))
done
timeout -k 5 $((HOLD_MS / 1000 + 60)) sipp "$HOST:$SIP_PORT" -sf "$SRC/tests/bench/hold.xml" \
    -i $HOST -p $((SIP_PORT + 4)) -r $HOLD_RATE -m "$N" -l "$N" -d $((HOLD_MS + 1500)) \
    -inf "$W/ports.csv" -nostdin -buff_size 4194304 -recv_timeout 20000 \
    -trace_stat -stf "$W/sipp.stat.csv" -fd 1 >"$W/sipp.out" 2>&1 </dev/null &
SIPP=$!
PIDS="$PIDS $SIPP"
n=0
until grep -q "phase=calls" "$W/probe.out"; do
    kill -0 $CW 2>/dev/null || { echo "bench-ledger: the runtime died" >&2; exit 1; }
    [ $n -lt $(( (HOLD_MS / 1000 + 30) * 10 )) ] || { echo "bench-ledger: the calls never all came up" >&2; break; }
    sleep 0.1; n=$((n + 1))
done
wait $SIPP || true
kill -TERM $CW 2>/dev/null || true
n=0
while kill -0 $CW 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
pk() { sed -n "s/^phase=$1 .*$2=\([^ ]*\).*/\1/p" "$W/probe.out"; }
ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i; next } { v = $c } END { print v + 0 }' "$W/sipp.stat.csv" 2>/dev/null || echo 0)
ratio=$(awk -v a="$(pk calls p99_ms)" -v b="$(pk idle p99_ms)" 'BEGIN { if (b + 0 > 0) printf "%.1f", a / b; else print "-" }')
{
    echo "  append -> callback on the runtime's loop, idle: p50 $(pk idle p50_ms) ms, p99 $(pk idle p99_ms) ms ($(pk idle acked) appends at $RATE/s)"
    echo "  ... while $(pk calls calls_min)-$(pk calls calls_max) calls with RTP run: p50 $(pk calls p50_ms) ms, p99 $(pk calls p99_ms) ms, max $(pk calls max_ms) ms ($(pk calls acked) appends at $RATE/s, ratio to idle p99 $ratio; SIPp completed $ok of $N calls; target p99 <= 5 ms)"
} | tee -a "$W/summary.txt"
rm -rf "$W/data"
cat "$W/summary.txt" >>"$BUILD/bench/summary.txt"
