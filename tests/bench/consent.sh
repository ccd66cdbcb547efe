#!/bin/sh
# consent.sh  make bench, the full consent flow (issue 5): calls/s of disclosure (a 2.8 s
# recording) + consent question (TTS, cached) + DTMF "1" by SIP INFO + the GIVEN record
# durably committed + "Thanks." + the runtime's BYE, at stepped rates for STEP_S seconds
# each. A call counts when SIPp completed it; a step passes when fewer than 0.1 % failed
# and the tenant's ledger holds one GIVEN per completed call (audit verify passing).
# Target >= 500 calls/s on this 2-core machine. Prints figures, asserts none.
# Knobs: BENCH_QUICK=1, BENCH_CONSENT_RATES ("250 500 800 1000 1200"), BENCH_CONSENT_STEP_S (10).
# The caller presses its key 5 s after the ACK: after the disclosure and the question,
# inside the answer time (a key during the disclosure is discarded, G1, and the call
# ends refused: such calls count as failed here, the GIVEN count shows them).
# Loopback only; every wait is bounded; the summary is appended to build/bench/summary.txt.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
BIN=$BUILD/callwarden
W=$BUILD/bench/consent
HOST=127.0.0.1
SIP_PORT=9120
LOAD_BASE=33000
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    RATES=${BENCH_CONSENT_RATES:-"50 100"}; STEP_S=${BENCH_CONSENT_STEP_S:-4}
else
    RATES=${BENCH_CONSENT_RATES:-"250 500 800 1000 1200"}; STEP_S=${BENCH_CONSENT_STEP_S:-10}
fi
say() { echo "bench-consent: $*"; }
PIDS=""
CW_PID=""
SYSCTL_RESTORE=""
cleanup() {
    for p in $PIDS $CW_PID; do kill -KILL "$p" 2>/dev/null || true; done
    for kv in $SYSCTL_RESTORE; do sysctl -q -w "$kv" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
# thousands of calls' SIP and RTP on loopback: bigger socket buffers (root; put back)
set_sysctl() {
    old=$(sysctl -n "$1" 2>/dev/null) || return 0
    [ "$old" -ge "$2" ] && return 0
    if sysctl -q -w "$1=$2" >/dev/null 2>&1; then
        SYSCTL_RESTORE="$SYSCTL_RESTORE $1=$old"
    else
        say "warning: cannot set $1=$2 (not root?); SIPp may drop packets at high rates"
    fi
}
set_sysctl net.core.rmem_default 8388608
set_sysctl net.core.rmem_max 8388608
set_sysctl net.core.wmem_max 8388608
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
stat_col() {
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                           { v = $c } END { print v + 0 }' "$1" 2>/dev/null || echo 0
}
[ -x "$BIN" ] || { say "build first (make build)" >&2; exit 1; }
command -v sipp >/dev/null || { say "sipp is not installed" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W"
cc -O2 -Wall -Wextra -Werror -Wshadow -o "$W/rtpload" "$SRC/tests/bench/rtpload.c" -lm
cp -r "$SRC/tests/bench/consent/policies" "$W/policies"
cp "$BUILD/prompts/demo/en/goodbye.wav" "$W/policies/consent/disclosure.wav"
CLK=$(getconf CLK_TCK)
best=0
: >"$W/steps.txt"
for rate in $RATES; do
    n=$((rate * STEP_S))
    tag=r$rate
    awk -v n="$n" -v b="$LOAD_BASE" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < n; i++) print b + 2 * i }' \
        >"$W/$tag-ports.csv"
    [ $((LOAD_BASE + 2 * n)) -lt 65000 ] || { say "rate $rate needs more ports than fit"; break; }
    "$W/rtpload" --bind $HOST --base-port $LOAD_BASE --count "$n" --hold-ms 0 \
        --linger-ms 2000 --duration-s $((STEP_S + 90)) --report "$W/$tag-rtpload.report" \
        --ready-file "$W/$tag-rtpload.ready" >"$W/$tag-rtpload.out" 2>&1 </dev/null &
    LOAD=$!
    PIDS="$PIDS $LOAD"
    k=0
    until [ -s "$W/$tag-rtpload.ready" ]; do
        [ $k -lt 100 ] || { say "rtpload did not start"; exit 1; }
        sleep 0.1; k=$((k + 1))
    done
    mkdir -p "$W/data-$tag"
    "$BIN" run --listen "$HOST:$SIP_PORT" --rtp-ports 10000-31999 --data "$W/data-$tag" \
        --scripts "$SRC/tests/bench/consent/scripts" --policies "$W/policies" \
        --max-calls 20000 --drain-timeout 5 --log-level info 2>"$W/$tag-runtime.log" \
        >/dev/null </dev/null &
    CW_PID=$!
    k=0
    until grep -q ' info main: ready' "$W/$tag-runtime.log"; do
        kill -0 "$CW_PID" 2>/dev/null || { say "the runtime did not start"; tail -3 "$W/$tag-runtime.log"; exit 1; }
        [ $k -lt 200 ] || { say "the runtime was not ready"; exit 1; }
        sleep 0.1; k=$((k + 1))
    done
    c0=$(ticks "$CW_PID")
    t0=$(date +%s%3N)
    timeout -k 5 $((STEP_S + 90)) sipp "$HOST:$SIP_PORT" -sf "$SRC/tests/bench/consent.xml" \
        -i $HOST -p $((SIP_PORT + 4)) -r "$rate" -m "$n" -l $((rate * 10)) -d 5000 \
        -inf "$W/$tag-ports.csv" -nostdin -buff_size 4194304 -recv_timeout 30000 \
        -timeout $((STEP_S + 80))s -trace_stat -stf "$W/$tag-sipp.csv" -fd 1 \
        -trace_err -error_file "$W/$tag-sipp.err" >"$W/$tag-sipp.out" 2>&1 </dev/null || true
    t1=$(date +%s%3N)
    c1=$(ticks "$CW_PID")
    kill -TERM "$CW_PID" 2>/dev/null || true
    k=0
    while kill -0 "$CW_PID" 2>/dev/null && [ $k -lt 300 ]; do sleep 0.1; k=$((k + 1)); done
    CW_PID=""
    kill -TERM "$LOAD" 2>/dev/null || true
    ok=$(stat_col "$W/$tag-sipp.csv" "SuccessfulCall(C)")
    failed=$(( n - ok ))
    given=$("$BIN" audit show --data "$W/data-$tag" --tenant consent | grep -c '^GIVEN ' || true)
    verify=ok
    "$BIN" audit verify --data "$W/data-$tag" --tenant consent >/dev/null 2>&1 || verify=FAILED
    cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v k="$CLK" \
          'BEGIN { printf "%.0f", (b - a) / k / ((t1 - t0) / 1000) * 100 }')
    pass=0
    [ $((failed * 1000)) -lt "$n" ] && [ "$given" = "$ok" ] && [ "$verify" = ok ] && pass=1
    line="rate=$rate/s placed=$n completed=$ok failed=$failed given=$given verify=$verify runtime_cpu=${cpu}% pass=$pass"
    say "$line"
    echo "$line" >>"$W/steps.txt"
    rm -rf "$W/data-$tag"
    [ $pass = 1 ] || break
    best=$rate
done
{
    echo "Full consent flow (issue 5), $(date -u +%Y-%m-%d): disclosure 2.8 s + question + DTMF 1 + GIVEN committed + thanks + BYE, ${STEP_S} s a step:"
    sed 's/^/  /' "$W/steps.txt"
    echo "  max calls/s with < 0.1 % failed and one GIVEN per call: $best/s (target >= 500/s)"
} | tee "$W/summary.txt"
mkdir -p "$BUILD/bench"
cat "$W/summary.txt" >>"$BUILD/bench/summary.txt"
