#!/bin/sh
# lua.sh  make bench, the Lua host's part (issue 3); prints figures, asserts none.
#
#   1. In-process (build/tests/bench_flow): ns per yielding call API method through the
#      real host vs a bare coroutine resume/yield (ratio); Lua bytes per idle call.
#   2. CPU per call, Lua flow vs the C demo flow: SIPp's built-in caller (answer, 1 s of
#      the welcome, BYE) at RATE calls/s for SECS seconds against the demo tenant, once
#      with scripts/demo/flow.lua and once with --c-demo-flow 1; utime+stime of the
#      runtime over the run / calls; the ratio is the Lua flow's extra cost.
#   3. Memory per call with an idle flow coroutine: N calls to tests/bench/tenants/idle
#      (answer, then call:sleep) held up together; VmRSS after - before, / N.
# Knobs: BENCH_QUICK=1 (a short run), BENCH_LUA_RATE, BENCH_LUA_SECS, BENCH_LUA_CALLS.
# Loopback only; every wait is bounded; the summary is appended to build/bench/summary.txt.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
BIN=$BUILD/callwarden
OUT=$BUILD/bench
W=$OUT/lua
HOST=127.0.0.1
SIP_PORT=9080
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    RATE=${BENCH_LUA_RATE:-100}; SECS=${BENCH_LUA_SECS:-5}; N=${BENCH_LUA_CALLS:-300}
else
    RATE=${BENCH_LUA_RATE:-400}; SECS=${BENCH_LUA_SECS:-20}; N=${BENCH_LUA_CALLS:-2000}
fi
CW_PID=""
BG=""
say() { echo "bench-lua: $*"; }
die() { say "FATAL: $*" >&2; exit 1; }
cleanup() {
    for p in $BG $CW_PID; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
calc() { awk "BEGIN { printf \"${2:-%.1f}\", $1 }"; }
stat_col() {
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        c { v = $c } END { print v + 0 }' "$1"
}

start() {
    name=$1; shift
    LOG=$W/runtime-$name.log
    mkdir -p "$W/data-$name" "$W/no-policies"
    # the Lua host's cost alone: the demo tenant without its policy (no disclosure)
    "$BIN" run --listen "$HOST:$SIP_PORT" --rtp-ports 40000-49999 --data "$W/data-$name" \
        --policies "$W/no-policies" --serve-without-policy 1 --max-calls 5000 --drain-timeout 5 "$@" 2>"$LOG" \
        >/dev/null </dev/null &
    CW_PID=$!
    n=0
    until grep -q ' info main: ready' "$LOG"; do
        kill -0 "$CW_PID" 2>/dev/null || die "the runtime exited: $(tail -3 "$LOG")"
        [ $n -lt 100 ] || die "the runtime was not ready within 20 s"
        sleep 0.2; n=$((n + 1))
    done
}
stop() {
    kill -TERM "$CW_PID" 2>/dev/null || true
    n=0
    while kill -0 "$CW_PID" 2>/dev/null && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
    kill -0 "$CW_PID" 2>/dev/null && die "the runtime did not exit after SIGTERM"
    wait "$CW_PID" || die "the runtime exited non-zero"
    CW_PID=""
}
# sipp_run NAME ARGS...: SIPp's built-in caller, bounded in time
sipp_run() {
    name=$1; shift
    timeout -k 5 $((SECS + 90)) sipp "$HOST:$SIP_PORT" -sn uac -i $HOST -p 9084 -nostdin -nd \
        -buff_size 4194304 -trace_stat -stf "$W/$name.csv" -fd 1 "$@" \
        >"$W/$name.out" 2>&1 </dev/null || true
}

[ -x "$BIN" ] && [ -x "$BUILD/tests/bench_flow" ] || die "build first (make build)"
rm -rf "$W"; mkdir -p "$W"

# 1. in-process
"$BUILD/tests/bench_flow" 1000000 10000 2>/dev/null >"$W/bench_flow.out"
API_NS=$(sed -n 's/.*api_ns_per_call=\([0-9]*\).*/\1/p' "$W/bench_flow.out")
PEER_NS=$(sed -n 's/.*peer_coroutine_ns=\([0-9]*\).*/\1/p' "$W/bench_flow.out")
API_RATIO=$(sed -n 's/.* ratio=\([0-9.]*\).*/\1/p' "$W/bench_flow.out")
LUA_B=$(sed -n 's/.*lua_bytes_per_call=\([0-9]*\).*/\1/p' "$W/bench_flow.out")
TOTAL_KIB=$(sed -n 's/.*total_kib_per_call=\([0-9.]*\).*/\1/p' "$W/bench_flow.out")

# 2. CPU per call at a fixed rate, Lua vs C
cpu_per_call() {
    tag=$1; shift
    start "$tag" "$@"
    t0=$(ticks "$CW_PID")
    sipp_run "$tag" -s demo -r "$RATE" -m $((RATE * SECS)) -d 1000
    sleep 2
    t1=$(ticks "$CW_PID")
    ok=$(stat_col "$W/$tag.csv" 'SuccessfulCall(C)')
    failed=$(stat_col "$W/$tag.csv" 'FailedCall(C)')
    stop
    hz=$(getconf CLK_TCK)
    # us of CPU per call
    eval "CPU_$tag=\$(calc \"($t1 - $t0) * 1000000 / $hz / ($ok > 0 ? $ok : 1)\" %.0f)"
    eval "OK_$tag=$ok FAILED_$tag=$failed"
}
cpu_per_call lua
cpu_per_call c --c-demo-flow 1
CPU_RATIO=$(calc "$CPU_lua / ($CPU_c > 0 ? $CPU_c : 1)" %.3f)

# 3. RSS per call with an idle Lua flow
start idle --scripts "$SRC/tests/bench/tenants"
sleep 1
r0=$(rss_kb "$CW_PID")
ramp=$(( N / 200 + 1 ))
sipp_run idle -s idle -r 200 -m "$N" -l "$N" -d $(( (ramp + 10) * 1000 )) &
SIPP=$!
BG="$SIPP"
n=0
until [ "$(grep -c ' incoming tenant=idle' "$LOG")" -ge "$N" ] || [ $n -ge $((ramp * 10 + 100)) ]; do
    sleep 0.1; n=$((n + 1))
done
sleep 2
r1=$(rss_kb "$CW_PID")
up=$(grep -c ' incoming tenant=idle' "$LOG")
wait "$SIPP" || true
BG=""
stop
RSS_KIB=$(calc "($r1 - $r0) / ($up > 0 ? $up : 1)" %.1f)

{
    echo "Lua host (issue 3), $(date -u +%Y-%m-%d), $(nproc) cores:"
    echo "  yielding call API method: ${API_NS} ns (bare coroutine resume/yield ${PEER_NS} ns; ratio ${API_RATIO})"
    echo "  idle call in the Lua state: ${LUA_B} B + the C run struct = ${TOTAL_KIB} KiB (in-process, 10000 flows)"
    echo "  RSS per call with an idle flow coroutine: ${RSS_KIB} KiB (${up} calls up; target <= 48 KiB)"
    echo "  CPU per call at ${RATE}/s for ${SECS} s: Lua flow ${CPU_lua} us (${OK_lua} ok, ${FAILED_lua} failed),"
    echo "    C demo flow ${CPU_c} us (${OK_c} ok, ${FAILED_c} failed); Lua / C = ${CPU_RATIO} (target <= 1.20)"
} | tee "$W/summary.txt"
mkdir -p "$OUT"
cat "$W/summary.txt" >>"$OUT/summary.txt"
