#!/bin/sh
# run.sh  make bench: load on loopback against build/callwarden; prints figures, asserts none.
#
# Stages (each with a runtime of its own, started here and stopped with SIGTERM):
#
#   1. Calls per second. SIPp places calls of tests/bench/cps.xml (answer + prompt + DTMF
#      by SIP INFO + BYE; the file says why the caller hangs up itself) at stepped rates,
#      STEP_S seconds a step. A call counts as good when SIPp completed it AND the runtime's
#      log shows it the way the demo flow must have handled it (reason=remote-bye, digits=1,
#      rtp_sent>0, the prompt RTP going to a sink port of rtpload). A step passes when fewer
#      than 0.1 % of the calls it should have placed failed (calls never placed because the
#      SUT fell behind count as failed) and the runtime saw them arrive at >= 90 % of the
#      rate. The ladder stops at the first failing step; the full run then tries the rate
#      half-way between the last pass and that failure. Max CPS = the highest passing rate.
#   2. Concurrent calls with media, at the levels of BENCH_CALLS in turn (full run: 2000,
#      then 3000 if 2000 passed). build/bench/rtpload (tests/bench/rtpload.c) owns one port
#      per call; SIPp (hold.xml) puts port i in call i's SDP, ramps N calls up at
#      HOLD_RATE/s and keeps each up for the ramp + FULL_S seconds, so that all of them are
#      up together for FULL_S seconds. rtpload answers the runtime's welcome with 50
#      packets/s per call for the whole hold. The runtime only sends while a prompt plays,
#      and the demo flow waits silently for a key after its 6 s welcome (the digit timeout
#      is set past the hold), so unless the binary offers --demo-repeat-welcome (replay the
#      welcome until a key; used when `callwarden --help` lists it):
#        outbound loss = over the welcome only: expected = calls x frames of the welcome,
#                        received = what rtpload counted;
#      with it, over the whole hold: expected = the larger of the runtime's rtp_sent and
#      the RTP sequence span rtpload saw. Always:
#        inbound loss  = over the whole hold: expected = what rtpload sent, received = the
#                        runtime's rtp_received in its per-call log lines.
#      A level passes with every call up and both losses < 0.1 %.
#   3. From stage 2's first level: CPU per concurrent call (utime+stime of the runtime from
#      /proc over a window inside the full-concurrency period, after the welcomes ended:
#      inbound RTP and timers only, both directions with --demo-repeat-welcome) and RSS per
#      call (VmRSS after the ramp minus before, / calls: user memory, not socket buffers).
#   4. INVITE -> first prompt RTP packet: the runtime's first_rtp_us (SIP thread got the
#      INVITE -> packet sent) of stage 2's first level and of stage 1's best step, and from
#      outside: SIPp's wall-clock stamp before sending the INVITE -> rtpload's first
#      arrival on the call's port.
#   5. The same ladder as stage 1 against `sipp -sn uas -aa` (a SIP-only peer: 180, 200,
#      INFO 200, BYE 200, no media), printed as callwarden/peer.
#
# Nothing here is asserted: the figures are printed next to their targets. The exit
# status is non-zero only when something is broken (the runtime crashed or did not exit
# 0 on SIGTERM, a tool is missing, ports are taken). Every wait is bounded; the full run
# takes about 7-10 minutes, BENCH_QUICK=1 under one (3 s steps, 200 calls). The load tools
# run on the same 2 cores as the runtime: every figure comes with the CPU the tools took and
# the machine's idle share, and a machine busy with other work gives lower figures.
# The summary goes to stdout and build/bench/summary.txt; logs of the run to
# build/bench/last/. Loopback only (127.0.0.1). Needs root for the sysctls below (the
# old values are put back at exit); without root the run goes on with a warning.
#
# Knobs: BENCH_QUICK=1, BENCH_CALLS (stage 2 levels, default "2000 3000"), BENCH_HOLD_RATE
# (stage 2 ramp, calls/s; default half the max CPS, at most 200), BENCH_RATES (stage 1
# ladder, "50 100 ..."), BENCH_SIP_PORT (9060; +2 the peer, +4 SIPp's caller, +10 the sink),
# BENCH_STAGES (default "cps cpsc peer media": stage 1, stage 1b (the same ladder with the
# built-in C demo flow, the peer of the Lua flow), stage 5, stages 2-4).
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CW_BINARY_DIR:-$SRC/build}
BIN=$BUILD/callwarden
OUT=$BUILD/bench
W=$OUT/last
SCEN=$SRC/tests/bench
QUICK=${BENCH_QUICK:-0}
HOST=127.0.0.1
# Ports, away from the SIP tests' (SIP 10000-17999, RTP 18000-31999, tests/sip/lib.sh) so
# that both can run at once, and the runtime's RTP range outside the kernel's ephemeral
# range (it binds a pair per call, late; rtpload binds all of its ports at start).
SIP_PORT=${BENCH_SIP_PORT:-9060}
PEER_PORT=$((SIP_PORT + 2))
UAC_PORT=$((SIP_PORT + 4))
SINK_PORT=$((SIP_PORT + 10))   # stage 1: every call's prompt RTP goes to this rtpload port
LOAD_BASE=33000                # stage 2: rtpload's ports 33000, 33002, ...
BUF=4194304              # SIPp -buff_size
WELCOME_WAV=$BUILD/prompts/demo/en/welcome.wav

if [ "$QUICK" = 1 ]; then
    MODE=quick
    STEP_S=3
    RATES=${BENCH_RATES:-"50 100 200"}
    HOLD_LEVELS=${BENCH_CALLS:-200}
    FULL_S=12
    BISECT=0
    PEER_MULTIPLES="1 2"
else
    MODE=full
    STEP_S=10
    RATES=${BENCH_RATES:-"50 100 200 300 400 600 800 1000 1300 1600 2000 2500 3000 4000 5000 6000"}
    HOLD_LEVELS=${BENCH_CALLS:-"2000 3000"}
    FULL_S=60
    BISECT=1
    PEER_MULTIPLES="1 2 3 4"
fi
# the runtime's RTP ports in stage 1 (stage 2 chooses per level, media_level)
RTP_LO=61000
RTP_HI=65535
MAX_LEVEL=$(echo "$HOLD_LEVELS" | tr ' ' '\n' | sort -n | tail -1)
STAGES=${BENCH_STAGES:-"cps cpsc peer media"}
WIN_START=7              # s after all calls are up: the welcomes (6 s) are over
WIN_S=$((FULL_S - WIN_START - 2))

CW_PID=""
PEER_PID=""
BG_PIDS=""
BROKEN=""
SYSCTL_RESTORE=""

# ---- messages, cleanup ----------------------------------------------------------------

say() { echo "bench: $*"; }

# Something is broken (not slow): remember it; the run ends with status 1.
broken() {
    say "BROKEN: $*" >&2
    BROKEN="$BROKEN; $*"
}

die() {
    say "FATAL: $*" >&2
    exit 1
}

# forget PID: a child that has been reaped leaves the list the EXIT trap kills, so that a
# recycled PID of someone else's process is never signalled
forget() { BG_PIDS=$(echo " $BG_PIDS " | sed "s/ $1 / /g"); }

# Kill one process we started (and have not reaped yet): TERM, then KILL after ~3 s.
kill_pid() {
    n=0
    if kill -0 "$1" 2>/dev/null; then
        kill -TERM "$1" 2>/dev/null || true
        while kill -0 "$1" 2>/dev/null && [ $n -lt 30 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
    forget "$1"
}

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    for p in $BG_PIDS $PEER_PID $CW_PID; do
        kill_pid "$p"
    done
    if [ -n "$SYSCTL_RESTORE" ]; then
        # shellcheck disable=SC2086
        sysctl -q -w $SYSCTL_RESTORE >/dev/null 2>&1 || say "could not restore: $SYSCTL_RESTORE"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_pid PID SECONDS: wait for a child; its status, 124 if it had to be killed.
wait_pid() {
    lim=$(($2 * 5))
    n=0
    while kill -0 "$1" 2>/dev/null && [ $n -lt $lim ]; do
        sleep 0.2
        n=$((n + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        kill_pid "$1"
        return 124
    fi
    st=0
    wait "$1" || st=$?
    forget "$1"
    return $st
}

# ---- numbers ----------------------------------------------------------------------------

now_ms() { date +%s%3N; }

# ticks PID: utime+stime of a process (clock ticks); 0 if it is gone.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# rss_kb PID
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# thread_ticks PID: "L O", ticks of the main thread (the loop) and of all the others
thread_ticks() {
    for t in /proc/"$1"/task/*; do
        awk -v main="$1" -v tid="${t##*/}" '{ print (tid == main ? "L" : "O"), $14 + $15 }' \
            "$t/stat" 2>/dev/null
    done | awk '{ s[$1] += $2 } END { printf "%d %d\n", s["L"], s["O"] }'
}

# status_field FILE KEY: KEY=value from rtpload's status line
status_field() {
    awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' \
        "$1" 2>/dev/null
}

# child_of PID: the first child process of PID (SIPp under timeout(1)), "" if none yet
child_of() { pgrep -P "$1" 2>/dev/null | head -1; }

# sys_ticks: "idle total" of all CPUs from /proc/stat
sys_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t }' /proc/stat; }

# calc EXPR: awk arithmetic, printed with the format in $2 (default %.1f)
calc() { awk "BEGIN { printf \"${2:-%.1f}\", $1 }"; }

# pct_of PART WHOLE: 100*PART/WHOLE with 3 decimals, "-" if WHOLE is 0
pct_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.3f", 100 * a / b }'; }

# pctl FILE P: nearest-rank percentile P (0..1) of the numbers in FILE, "-" if none
pctl() {
    sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 }
        END { if (NR == 0) { print "-"; exit } i = int(p * NR + 0.999999); if (i < 1) i = 1;
              if (i > NR) i = NR; print a[i] }'
}

# us_to_ms VALUE: "-" stays "-"
us_to_ms() { case "$1" in -) echo "-" ;; *) calc "$1 / 1000" ;; esac; }

# stat_col FILE COLUMN: the last value of a SIPp -trace_stat column
stat_col() {
    [ -s "$1" ] || { echo 0; return; }
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        c { v = $c } END { print v + 0 }' "$1"
}

# achieved_rate LOGFILE: calls/s from the wall-clock stamps SIPp wrote before each INVITE
# (third field "epoch.us" of [timestamp]); "0" with fewer than two calls
achieved_rate() {
    [ -s "$1" ] || { echo 0; return; }
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/ && $i > 1e9) { t = $i; break }
           if (n == 0) first = t; last = t; n++ }
         END { if (n < 2 || last <= first) print 0; else printf "%.1f", (n - 1) / (last - first) }' "$1"
}

# ---- the runtime --------------------------------------------------------------------------

# cw_start NAME [ARGS...]: start the runtime, log in $W/runtime-NAME.log; wait until ready.
cw_start() {
    name=$1
    shift
    CW_LOG=$W/runtime-$name.log
    mkdir -p "$W/data-$name" "$W/no-policies"
    : >"$CW_LOG"
    # SIP and media figures of the demo flow as before the policy core: no policy, so no
    # disclosure (the consent flow has a benchmark of its own)
    "$BIN" run --listen "$HOST:$SIP_PORT" --rtp-ports "$RTP_LO-$RTP_HI" --data "$W/data-$name" \
        --policies "$W/no-policies" --serve-without-policy 1 --log-level info --drain-timeout 5 "$@" 2>>"$CW_LOG" \
        >/dev/null </dev/null &
    CW_PID=$!
    n=0
    while ! grep -q ' info main: ready' "$CW_LOG"; do
        kill -0 "$CW_PID" 2>/dev/null || { tail -5 "$CW_LOG" >&2; die "the runtime exited before it was ready"; }
        [ $n -lt 100 ] || die "the runtime was not ready within 20 s"
        sleep 0.2
        n=$((n + 1))
    done
}

# cw_alive: the runtime must still run (a crash under load is the one thing we check)
cw_alive() {
    if [ -n "$CW_PID" ] && ! kill -0 "$CW_PID" 2>/dev/null; then
        st=0
        wait "$CW_PID" || st=$?
        CW_PID=""
        broken "the runtime died under load (status $st); last lines of $CW_LOG:"
        tail -5 "$CW_LOG" >&2
        return 1
    fi
    return 0
}

# cw_stop: SIGTERM; it must exit 0 within 30 s
cw_stop() {
    cw_alive || return 0
    kill -TERM "$CW_PID" 2>/dev/null || true
    st=0
    wait_pid "$CW_PID" 30 || st=$?
    CW_PID=""
    if [ $st -ne 0 ]; then
        broken "the runtime exited with status $st after SIGTERM (124: did not exit)"
    elif ! grep -q ' info main: exit 0' "$CW_LOG"; then
        broken "the runtime's log has no \"exit 0\""
    fi
}

# cw_settle OFFSET SECONDS: wait until every call that arrived after line OFFSET has ended
cw_settle() {
    n=0
    while [ $n -lt $(($2 * 5)) ]; do
        left=$(tail -n +"$(($1 + 1))" "$CW_LOG" | awk '/ call: call=[0-9]+ incoming/ { i++ }
            / call: call=[0-9]+ ended / { e++ } END { print i - e }')
        [ "$left" -le 0 ] && return 0
        sleep 0.2
        n=$((n + 1))
    done
    return 1
}

# cw_calls OFFSET OUTFILE: the "ended" lines after line OFFSET as
# "reason rtp_sent rtp_received rtp_dropped digits first_rtp_us"
cw_calls() {
    tail -n +"$(($1 + 1))" "$CW_LOG" | awk '/ call: call=[0-9]+ ended / {
        r = s = x = d = g = f = "";
        for (i = 1; i <= NF; i++) {
            split($i, kv, "=");
            if (kv[1] == "reason") r = kv[2]; else if (kv[1] == "rtp_sent") s = kv[2];
            else if (kv[1] == "rtp_received") x = kv[2]; else if (kv[1] == "rtp_dropped") d = kv[2];
            else if (kv[1] == "digits") g = kv[2]; else if (kv[1] == "first_rtp_us") f = kv[2];
        }
        print r, s + 0, x + 0, d + 0, g + 0, (f == "" ? -1 : f) }' >"$2"
}

# ---- set-up -------------------------------------------------------------------------------

[ -x "$BIN" ] || die "$BIN is not built (make build)"
command -v sipp >/dev/null || die "sipp is not installed (apt-get install sip-tester)"
[ -f "$WELCOME_WAV" ] || die "$WELCOME_WAV is missing (the prompts are rendered by make build)"
mkdir -p "$OUT"
rm -rf "$W"
mkdir -p "$W"

# rtpload: built here, not by the main build (CMake does not include tests/bench); dash
# (Debian's sh) runs this script: ulimit -n/-H below are dash's too
cc -O2 -Wall -Wextra -Werror -Wshadow -o "$OUT/rtpload" "$SCEN/rtpload.c" -lm ||
    die "cannot build rtpload"
RTPLOAD=$OUT/rtpload

# frames of the welcome: ceil(samples / 160)
if command -v soxi >/dev/null; then
    WSAMPLES=$(soxi -s "$WELCOME_WAV")
else
    WSAMPLES=$(( ($(stat -c %s "$WELCOME_WAV") - 44) / 2 ))
fi
WELCOME_FRAMES=$(( (WSAMPLES + 159) / 160 ))

# The demo sends only while a prompt plays and its welcome lasts 6 s. A runtime that can
# replay the welcome until a key (--demo-repeat-welcome 1) sends for the whole hold: then
# outbound loss and the CPU window cover RTP both ways. Without it, outbound is counted
# over each call's welcome and the CPU window sees inbound RTP only.
REPEAT=0
if "$BIN" --help 2>/dev/null | grep -q -- '--demo-repeat-welcome'; then
    REPEAT=1
    OUT_WHAT="the whole hold, --demo-repeat-welcome"
    CPU_WHAT="RTP both ways + timers"
else
    OUT_WHAT="the welcome only, $WELCOME_FRAMES packets a call"
    CPU_WHAT="inbound RTP + timers"
fi

# Ports: ours must be free.
need_free() {
    ss -Hantu 2>/dev/null | awk -v lo="$1" -v hi="$2" '{ n = split($5, a, ":"); p = a[n] + 0 }
        p >= lo && p <= hi { print p; exit }'
}
for r in "$SIP_PORT $UAC_PORT" "$RTP_LO $RTP_HI" \
         "$SINK_PORT $SINK_PORT"; do
    # shellcheck disable=SC2086
    taken=$(need_free $r)
    [ -z "$taken" ] || die "port $taken (range $r) is in use"
done

# Descriptors: two sockets per call in the runtime, one per call in rtpload.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] || [ "$NOFILE" -ge $((MAX_LEVEL * 2 + 200)) ] ||
    say "warning: ulimit -n is $NOFILE, too low for $MAX_LEVEL calls"

# Socket buffers: SIPp at high rates needs -buff_size 4 MiB, which needs rmem_max.
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
CLK_TCK=$(getconf CLK_TCK)

SUMMARY=$W/summary.tmp
: >"$SUMMARY"
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
say "mode=$MODE cores=$(nproc) loadavg=$LOADAVG welcome=${WELCOME_FRAMES} frames repeat-welcome=$REPEAT logs=$W"
if [ "$(awk '{ print ($1 > 0.5) }' /proc/loadavg)" = 1 ]; then
    say "warning: the machine is not idle (load $LOADAVG); figures will be lower"
fi

# ---- stage 1 and 5: calls per second --------------------------------------------------

# cps_step TARGET RATE: one step of the ladder against TARGET (cw or peer); sets
# STEP_PASS (1/0) and appends a line to $W/steps-TARGET.txt
cps_step() {
    target=$1
    rate=$2
    m=$((rate * STEP_S))
    tag=$target-$rate
    port=$SIP_PORT
    [ "$target" = peer ] && port=$PEER_PORT
    off=0
    sut=$PEER_PID
    if is_cw "$target"; then
        off=$(wc -l <"$CW_LOG")
        sut=$CW_PID
    fi
    c0=$(ticks "$sut")
    th0=$(thread_ticks "$sut")
    t0=$(now_ms)
    st=0
    # calls last ~0.5 s: 2 s worth of calls is room enough, within SIPp's descriptors
    lim=$((rate * 2 + 50))
    if [ "$NOFILE" != unlimited ] && [ $lim -gt $((NOFILE - 2000)) ]; then lim=$((NOFILE - 2000)); fi
    timeout -k 5 $((STEP_S * 3 + 40)) sipp "$HOST:$port" -sf "$SCEN/cps.xml" -i "$HOST" \
        -p "$UAC_PORT" -r "$rate" -m "$m" -l "$lim" -nostdin \
        -buff_size "$BUF" -key rtp_port "$SINK_PORT" -recv_timeout 8000 \
        -timeout $((STEP_S * 2 + 30))s \
        -trace_stat -stf "$W/sipp-$tag.stat.csv" -fd 1 \
        -trace_err -error_file "$W/sipp-$tag.err" \
        -trace_logs -log_file "$W/sipp-$tag.calls" \
        >"$W/sipp-$tag.out" 2>&1 </dev/null &
    tpid=$!
    BG_PIDS="$BG_PIDS $tpid"
    sys0=$(sys_ticks)
    spid=""
    sipp_cpu=0
    # bounded by timeout(1) above; SIPp's own CPU is read while it runs
    while kill -0 "$tpid" 2>/dev/null; do
        [ -n "$spid" ] || spid=$(child_of "$tpid")
        [ -z "$spid" ] || { v=$(ticks "$spid"); [ "$v" -gt 0 ] && sipp_cpu=$v; }
        sleep 0.25
    done
    wait "$tpid" || st=$?
    forget "$tpid"
    t1=$(now_ms)
    sys1=$(sys_ticks)
    c1=$(ticks "$sut")
    th1=$(thread_ticks "$sut")
    cpu=$(calc "($c1 - $c0) / $CLK_TCK / (($t1 - $t0) / 1000) * 100" "%.0f")
    # shellcheck disable=SC2086
    threads=$(set -- $th0 $th1; calc "($3 - $1) / $CLK_TCK / (($t1 - $t0) / 1000) * 100" "%.0f")/$(set -- $th0 $th1; calc "($4 - $2) / $CLK_TCK / (($t1 - $t0) / 1000) * 100" "%.0f")
    # shellcheck disable=SC2086
    step_idle=$(set -- $sys0 $sys1; calc "($3 - $1) / ($4 - $2 > 0 ? $4 - $2 : 1) * 100" "%.0f")
    sipp_cpu=$(calc "$sipp_cpu / $CLK_TCK / (($t1 - $t0) / 1000) * 100" "%.0f")
    case $st in
        0|1) ;;
        *) say "  sipp exited with status $st (see $W/sipp-$tag.*)" ;;
    esac
    ok_sipp=$(stat_col "$W/sipp-$tag.stat.csv" "SuccessfulCall(C)")
    achieved=$(achieved_rate "$W/sipp-$tag.calls")
    good=$ok_sipp
    lat="- -"
    extra=""
    if is_cw "$target"; then
        cw_alive || return 0
        cw_settle "$off" 15 || say "  some calls of the step had not ended after 15 s"
        cw_calls "$off" "$W/calls-$tag.txt"
        ok_cw=$(awk '$1 == "remote-bye" && $5 >= 1 && $2 > 0 { n++ } END { print n + 0 }' "$W/calls-$tag.txt")
        rej=$(awk '$1 ~ /^rejected/ { n++ } END { print n + 0 }' "$W/calls-$tag.txt")
        awk '$6 >= 0 { print $6 }' "$W/calls-$tag.txt" >"$W/first-$tag.txt"
        lat="$(us_to_ms "$(pctl "$W/first-$tag.txt" 0.5)") $(us_to_ms "$(pctl "$W/first-$tag.txt" 0.99)")"
        [ "$ok_cw" -lt "$good" ] && good=$ok_cw
        extra=" runtime-ok=$ok_cw rejected=$rej"
        cpu="$cpu (loop/SIP thread $threads)"
    fi
    failed=$((m - good))
    [ $failed -lt 0 ] && failed=0
    fpct=$(pct_of "$failed" "$m")
    STEP_PASS=$(awk -v f="$failed" -v m="$m" -v a="$achieved" -v r="$rate" \
        'BEGIN { print (f * 1000 < m && a >= 0.9 * r) ? 1 : 0 }')
    verdict=pass
    [ "$STEP_PASS" = 1 ] || verdict=FAIL
    # shellcheck disable=SC2086
    set -- $lat
    printf '  %-4s %5s/s  calls %6s  achieved %7s/s  failed %5s (%s %%)  first-RTP p50 %s p99 %s ms  CPU %s %%, sipp %s %%, idle %s %%%s -> %s\n' \
        "$target" "$rate" "$m" "$achieved" "$failed" "$fpct" "$1" "$2" "$cpu" "$sipp_cpu" "$step_idle" "$extra" "$verdict"
    echo "$rate $m $achieved $failed $fpct $1 $2 ${cpu%% *} $sipp_cpu $step_idle $STEP_PASS" >>"$W/steps-$target.txt"
    if [ "$STEP_PASS" = 0 ]; then
        # an overloaded SUT keeps retransmitting the answers of the calls SIPp gave up on
        # (for 32 s): a fresh one, so that the next step starts clean
        if is_cw "$target"; then
            cw_stop
            [ -z "$BROKEN" ] || return 0
            CPS_RUN=$((CPS_RUN + 1))
            # shellcheck disable=SC2086
            cw_start "cps-$CPS_RUN" --max-calls 2200 $CPS_ARGS
        else
            kill_pid "$PEER_PID"
            peer_start
        fi
    fi
    sleep 1
}

# ladder TARGET RATES...: climb until a step fails; the full run then bisects once.
# Sets BEST (0 if no step passed) and BEST_TOP (1 if the top rate passed).
ladder() {
    target=$1
    shift
    BEST=0
    BEST_TOP=0
    fail=0
    for r in "$@"; do
        cps_step "$target" "$r"
        [ -z "$BROKEN" ] || return 0
        if [ "$STEP_PASS" = 1 ]; then
            BEST=$r
        else
            fail=$r
            break
        fi
    done
    if [ "$fail" -eq 0 ] && [ "$BEST" -gt 0 ]; then BEST_TOP=1; fi
    if [ "$BISECT" = 1 ] && [ $fail -gt 0 ]; then
        lo=$BEST
        [ "$lo" -eq 0 ] && lo=$((fail / 2))
        mid=$(( (lo + fail) / 2 / 10 * 10 ))
        if [ $mid -gt "$lo" ] && [ $mid -lt $fail ]; then
            cps_step "$target" "$mid"
            if [ "$STEP_PASS" = 1 ]; then BEST=$mid; fi
        fi
    fi
    return 0
}

# the SIP-only peer: SIPp's built-in UAS, -aa answers the INFO
peer_start() {
    PEER_RUN=$((PEER_RUN + 1))
    sipp -sn uas -aa -i "$HOST" -p "$PEER_PORT" -buff_size "$BUF" -nostdin \
        >"$W/peer-$PEER_RUN.out" 2>&1 </dev/null &
    PEER_PID=$!
    sleep 1
    kill -0 "$PEER_PID" 2>/dev/null || die "sipp -sn uas did not start (see $W/peer-$PEER_RUN.out)"
}
PEER_RUN=0
CPS_RUN=0

has_stage() { case " $STAGES " in *" $1 "*) return 0 ;; esac; return 1; }

# is_cw TARGET: cw (the Lua demo flow) and cwc (the built-in C demo flow) are runtimes
is_cw() { [ "$1" = cw ] || [ "$1" = cwc ]; }
CPS_ARGS=""

stage_cps() {
    say "stage 1: calls per second against callwarden ($STEP_S s a step; answer + prompt + INFO DTMF + BYE)"
    "$RTPLOAD" --bind "$HOST" --base-port "$SINK_PORT" --count 1 --hold-ms 0 --linger-ms 0 \
        --duration-s 1800 --report "$W/sink.report" >"$W/sink.out" 2>&1 </dev/null &
    SINK_PID=$!
    BG_PIDS="$BG_PIDS $SINK_PID"
    CPS_RUN=1
    cw_start cps-1 --max-calls 2200
    # shellcheck disable=SC2086
    ladder cw $RATES
    CW_BEST=$BEST
    CW_BEST_TOP=$BEST_TOP
    cw_stop
    kill -TERM "$SINK_PID" 2>/dev/null || true
    wait_pid "$SINK_PID" 10 || true
    # every prompt packet of stage 1 went to the sink: a check that the media really flowed
    sent=$(cat "$W"/calls-cw-*.txt 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
    got=$(awk '!/^#/ { print $5 + 0 }' "$W/sink.report" 2>/dev/null)
    say "  stage 1 prompt RTP: the runtime sent $sent packets, the sink received ${got:-?}"
}

# stage 1b: the same ladder with the built-in C demo flow (--c-demo-flow 1), the peer of
# the Lua flow's cost (issue 3: Lua / C)
stage_cps_c() {
    say "stage 1b: calls per second with the C demo flow (--c-demo-flow 1), the Lua flow's peer"
    "$RTPLOAD" --bind "$HOST" --base-port "$SINK_PORT" --count 1 --hold-ms 0 --linger-ms 0 \
        --duration-s 1800 --report "$W/sink-c.report" >"$W/sink-c.out" 2>&1 </dev/null &
    SINK_PID=$!
    BG_PIDS="$BG_PIDS $SINK_PID"
    CPS_ARGS="--c-demo-flow 1"
    CPS_RUN=$((CPS_RUN + 1))
    # shellcheck disable=SC2086
    cw_start "cps-$CPS_RUN" --max-calls 2200 $CPS_ARGS
    # shellcheck disable=SC2086
    ladder cwc $RATES
    CWC_BEST=$BEST
    CWC_BEST_TOP=$BEST_TOP
    cw_stop
    CPS_ARGS=""
    kill -TERM "$SINK_PID" 2>/dev/null || true
    wait_pid "$SINK_PID" 10 || true
}

# ---- stage 5: the SIP-only peer ---------------------------------------------------------

stage_peer() {
    say "stage 5: the same calls against sipp -sn uas -aa (SIP only, no media)"
    peer_start
    # The ratio is what matters: start at callwarden's max CPS and try 2x, 3x, 4x that
    # (quick: 1x, 2x); go down the ladder if even 1x fails.
    PEER_RATES=$RATES
    below=""
    if [ "$CW_BEST" -gt 0 ]; then
        PEER_RATES=""
        for k in $PEER_MULTIPLES; do PEER_RATES="$PEER_RATES $((CW_BEST * k))"; done
        for r in $RATES; do
            if [ "$r" -lt "$CW_BEST" ]; then below="$r $below"; fi
        done
    fi
    # shellcheck disable=SC2086
    ladder peer $PEER_RATES
    if [ "$BEST" -eq 0 ]; then
        for r in $below; do
            cps_step peer "$r"
            if [ "$STEP_PASS" = 1 ]; then BEST=$r; break; fi
        done
    fi
    PEER_BEST=$BEST
    PEER_BEST_TOP=$BEST_TOP
    kill_pid "$PEER_PID"
    PEER_PID=""
}

# ---- stage 2, 3, 4: concurrent calls with media ----------------------------------------------

# media_level N: stage 2-4 with N calls; writes $W/media-N.env (the figures, as shell
# assignments) and a line to $W/levels.txt; sets LEVEL_PASS.
media_level() {
    N=$1
    if [ "$N" -le 2100 ]; then
        M_RTP_LO=61000
        M_RTP_HI=65535
    else
        # above what 61000-65535 holds: inside the ephemeral range (see bind failures below)
        M_RTP_LO=$((LOAD_BASE + 2 * N + 1000))
        M_RTP_HI=$((M_RTP_LO + 2 * N + 999))
    fi
    if [ "$M_RTP_HI" -gt 65535 ]; then
        say "  $N calls do not fit on one loopback address; level skipped"
        LEVEL_PASS=0
        return 0
    fi
    for r in "$M_RTP_LO $M_RTP_HI" "$LOAD_BASE $((LOAD_BASE + 2 * N))"; do
        # shellcheck disable=SC2086
        taken=$(need_free $r)
        [ -z "$taken" ] || die "port $taken (range $r) is in use"
    done
    RAMP_S=$(( (N + HOLD_RATE - 1) / HOLD_RATE ))
    HOLD_MS=$(( (RAMP_S + FULL_S + 1) * 1000 ))
    say "stage 2: $N calls with RTP both ways, ramp $HOLD_RATE/s (${RAMP_S} s), each held $((HOLD_MS / 1000)) s (all up together >= $FULL_S s)"
    tag=media-$N

    awk -v n="$N" -v b="$LOAD_BASE" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < n; i++) print b + 2 * i }' \
        >"$W/$tag-ports.csv"
    rm -f "$W/$tag-rtpload.ready" "$W/$tag-rtpload.status"
    "$RTPLOAD" --bind "$HOST" --base-port "$LOAD_BASE" --count "$N" --hold-ms "$HOLD_MS" \
        --linger-ms 3000 --duration-s $((RAMP_S * 3 + HOLD_MS / 1000 + 60)) \
        --report "$W/$tag-rtpload.report" --status "$W/$tag-rtpload.status" \
        --ready-file "$W/$tag-rtpload.ready" \
        >"$W/$tag-rtpload.out" 2>"$W/$tag-rtpload.err" </dev/null &
    LOAD_PID=$!
    BG_PIDS="$BG_PIDS $LOAD_PID"
    n=0
    while ! [ -s "$W/$tag-rtpload.ready" ]; do
        kill -0 "$LOAD_PID" 2>/dev/null || die "rtpload did not start: $(cat "$W/$tag-rtpload.err")"
        [ $n -lt 50 ] || die "rtpload did not bind its ports within 10 s"
        sleep 0.2
        n=$((n + 1))
    done

    RTP_LO=$M_RTP_LO
    RTP_HI=$M_RTP_HI
    if [ "$REPEAT" = 1 ]; then set -- --c-demo-flow 1 --demo-repeat-welcome 1; else set --; fi
    cw_start "$tag" --max-calls $((N + 100)) --digit-timeout-ms $((HOLD_MS + 60000)) "$@"
    sleep 1
    RSS0=$(rss_kb "$CW_PID")
    T_START=$(now_ms)
    C_START=$(ticks "$CW_PID")
    timeout -k 5 $((RAMP_S * 3 + HOLD_MS / 1000 + 90)) sipp "$HOST:$SIP_PORT" -sf "$SCEN/hold.xml" \
        -i "$HOST" -p "$UAC_PORT" -r "$HOLD_RATE" -m "$N" -l "$N" \
        -d $((HOLD_MS + 1500)) -inf "$W/$tag-ports.csv" -nostdin -buff_size "$BUF" \
        -recv_timeout 20000 -timeout $((RAMP_S * 3 + HOLD_MS / 1000 + 60))s \
        -trace_stat -stf "$W/sipp-$tag.stat.csv" -fd 1 -trace_err -error_file "$W/sipp-$tag.err" \
        -trace_logs -log_file "$W/sipp-$tag.calls" \
        >"$W/sipp-$tag.out" 2>&1 </dev/null &
    SIPP_PID=$!
    BG_PIDS="$BG_PIDS $SIPP_PID"
    sleep 0.3
    SIPP_CHILD=$(child_of "$SIPP_PID")

    # all up: every port got the runtime's first packet (bounded: ramp x 2 + 20 s)
    n=0
    ACTIVE=0
    while [ $n -lt $(( (RAMP_S * 2 + 20) * 5 )) ]; do
        ACTIVE=$(status_field "$W/$tag-rtpload.status" active)
        ACTIVE=${ACTIVE:-0}
        [ "$ACTIVE" -ge "$N" ] && break
        cw_alive || exit 1
        sleep 0.2
        n=$((n + 1))
    done
    T_UP=$(now_ms)
    C_UP=$(ticks "$CW_PID")
    RSS_UP=$(rss_kb "$CW_PID")
    [ "$ACTIVE" -ge "$N" ] || say "  only $ACTIVE of $N calls had media after the ramp"
    say "  $ACTIVE calls up after $(calc "($T_UP - $T_START) / 1000") s; measuring from +$WIN_START s for $WIN_S s"

    sleep "$WIN_START"
    cw_alive || exit 1
    T_A=$(now_ms)
    C_A=$(ticks "$CW_PID")
    TH_A=$(thread_ticks "$CW_PID")
    L_A=$(ticks "$LOAD_PID")
    S_A=$(ticks "${SIPP_CHILD:-0}")
    SYS_A=$(sys_ticks)
    sleep "$WIN_S"
    cw_alive || exit 1
    T_B=$(now_ms)
    C_B=$(ticks "$CW_PID")
    TH_B=$(thread_ticks "$CW_PID")
    L_B=$(ticks "$LOAD_PID")
    S_B=$(ticks "${SIPP_CHILD:-0}")
    SYS_B=$(sys_ticks)
    RSS_B=$(rss_kb "$CW_PID")

    # the rest of the hold, the BYEs, rtpload's linger
    st=0
    wait_pid "$SIPP_PID" $((RAMP_S * 3 + HOLD_MS / 1000 + 100)) || st=$?
    [ $st -le 1 ] || say "  sipp exited with status $st (see $W/sipp-$tag.*)"
    wait_pid "$LOAD_PID" 60 || say "  rtpload had to be stopped"
    cw_alive || exit 1
    cw_settle 0 20 || say "  some calls had not ended 20 s after the BYEs"
    cw_calls 0 "$W/calls-$tag.txt"
    cw_stop

    # ---- the figures ----
    HOLD_OK_SIPP=$(stat_col "$W/sipp-$tag.stat.csv" "SuccessfulCall(C)")
    # rtpload: active ports, what they sent, what they received, the seq span seen
    # shellcheck disable=SC2046
    set -- $(awk '!/^#/ && $2 == 1 { a++; s += $3; r += $5; q += $6 } END { print a + 0, s + 0, r + 0, q + 0 }' "$W/$tag-rtpload.report")
    L_ACTIVE=$1
    L_SENT=$2
    L_RECV=$3
    L_SPAN=$4
    # runtime: per-call counters
    # shellcheck disable=SC2046
    set -- $(awk '{ n++; s += $2; x += $3; d += $4; if ($1 == "remote-bye") b++ } END { print n + 0, s + 0, x + 0, d + 0, b + 0 }' "$W/calls-$tag.txt")
    R_CALLS=$1
    R_SENT=$2
    R_RECV=$3
    R_DROP=$4
    R_BYE=$5
    BIND_FAIL=$(grep -c ' warn media: call=[0-9]* RTP socket' "$CW_LOG" || true)
    if [ "$REPEAT" = 1 ]; then
        # the runtime sent for the whole hold: what it produced is the larger of the
        # sequence numbers rtpload saw (includes sends that failed) and what it sent
        OUT_EXPECTED=$L_SPAN
        if [ "$R_SENT" -gt "$OUT_EXPECTED" ]; then OUT_EXPECTED=$R_SENT; fi
    else
        OUT_EXPECTED=$((L_ACTIVE * WELCOME_FRAMES))
    fi
    OUT_LOST=$((OUT_EXPECTED - L_RECV))
    [ $OUT_LOST -lt 0 ] && OUT_LOST=0
    OUT_LOSS=$(pct_of "$OUT_LOST" "$OUT_EXPECTED")
    IN_LOST=$((L_SENT - R_RECV))
    [ $IN_LOST -lt 0 ] && IN_LOST=0
    IN_LOSS=$(pct_of "$IN_LOST" "$L_SENT")

    WIN_MS=$((T_B - T_A))
    CPU_TOTAL=$(calc "($C_B - $C_A) / $CLK_TCK / ($WIN_MS / 1000) * 100")
    CPU_PER_CALL=$(calc "($C_B - $C_A) / $CLK_TCK / ($WIN_MS / 1000) * 100 / ($ACTIVE > 0 ? $ACTIVE : 1)" "%.4f")
    CPU_RAMP=$(calc "($C_UP - $C_START) / $CLK_TCK / (($T_UP - $T_START) / 1000) * 100")
    # shellcheck disable=SC2086
    set -- $TH_A $TH_B
    CPU_LOOP=$(calc "($3 - $1) / $CLK_TCK / ($WIN_MS / 1000) * 100")
    CPU_OTHER=$(calc "($4 - $2) / $CLK_TCK / ($WIN_MS / 1000) * 100")
    CPU_LOAD=$(calc "($L_B - $L_A) / $CLK_TCK / ($WIN_MS / 1000) * 100")
    CPU_SIPP=$(calc "($S_B - $S_A) / $CLK_TCK / ($WIN_MS / 1000) * 100")
    # shellcheck disable=SC2086
    set -- $SYS_A $SYS_B
    IDLE=$(calc "($3 - $1) / ($4 - $2 > 0 ? $4 - $2 : 1) * 100")
    RSS_PER_CALL=$(calc "($RSS_UP - $RSS0) / ($ACTIVE > 0 ? $ACTIVE : 1)")

    awk '$6 >= 0 { print $6 }' "$W/calls-$tag.txt" >"$W/first-$tag.txt"
    FIRST_P50=$(us_to_ms "$(pctl "$W/first-$tag.txt" 0.5)")
    FIRST_P99=$(us_to_ms "$(pctl "$W/first-$tag.txt" 0.99)")
    # from outside: SIPp's stamp before the INVITE ("port date time epoch.us") joined with
    # rtpload's first arrival on that port (epoch us)
    awk 'NR == FNR { if ($1 !~ /^#/ && $2 == 1 && $10 > 0) first[$1] = $10; next }
         ($1 in first) { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/ && $i > 1e9) t = $i;
                         print first[$1] - int(t * 1000000 + 0.5) }' \
        "$W/$tag-rtpload.report" "$W/sipp-$tag.calls" >"$W/first-outside-$tag.txt" 2>/dev/null ||
        : >"$W/first-outside-$tag.txt"
    OUTSIDE_P50=$(us_to_ms "$(pctl "$W/first-outside-$tag.txt" 0.5)")
    OUTSIDE_P99=$(us_to_ms "$(pctl "$W/first-outside-$tag.txt" 0.99)")

    say "  calls with media: $L_ACTIVE of $N (SIPp completed $HOLD_OK_SIPP, runtime ended $R_CALLS, $R_BYE by the caller's BYE; RTP bind failures $BIND_FAIL)"
    say "  outbound ($OUT_WHAT): expected $OUT_EXPECTED, runtime sent $R_SENT, rtpload received $L_RECV (seq span $L_SPAN) -> loss $OUT_LOSS %"
    say "  inbound (whole hold): rtpload sent $L_SENT, runtime received $R_RECV (dropped $R_DROP) -> loss $IN_LOSS %"
    say "  runtime CPU over $(calc "$WIN_MS / 1000") s at $ACTIVE calls: $CPU_TOTAL % of a core (loop thread $CPU_LOOP %, other threads $CPU_OTHER %) = $CPU_PER_CALL % per call; during the ramp $CPU_RAMP %"
    say "  load tools: rtpload $CPU_LOAD %, sipp $CPU_SIPP % of a core; machine idle $IDLE % of $(nproc) cores"
    say "  RSS: $RSS0 KiB idle, $RSS_UP KiB with $ACTIVE calls (+$RSS_PER_CALL KiB a call), $RSS_B KiB at the end of the window"
    say "  INVITE -> first RTP: runtime p50 $FIRST_P50 ms p99 $FIRST_P99 ms; outside p50 $OUTSIDE_P50 ms p99 $OUTSIDE_P99 ms"

    LEVEL_PASS=$(awk -v a="$L_ACTIVE" -v n="$N" -v i="$IN_LOSS" -v o="$OUT_LOSS" \
        'BEGIN { print (a >= n && i != "-" && i < 0.1 && o != "-" && o < 0.1) ? 1 : 0 }')
    for v in N L_ACTIVE L_SENT IN_LOSS IN_LOST OUT_LOSS OUT_LOST OUT_EXPECTED CPU_PER_CALL CPU_TOTAL \
             CPU_RAMP RSS_PER_CALL FIRST_P50 FIRST_P99 OUTSIDE_P50 OUTSIDE_P99 CPU_LOAD CPU_SIPP IDLE \
             ACTIVE LEVEL_PASS; do
        eval "echo \"$v='\$$v'\""
    done >"$W/$tag.env"
    echo "$N $L_ACTIVE $IN_LOSS $OUT_LOSS $CPU_PER_CALL $RSS_PER_CALL $FIRST_P50 $FIRST_P99 $IDLE $LEVEL_PASS" >>"$W/levels.txt"
    return 0
}

# stage_media: the levels of BENCH_CALLS in turn, up to the first that fails
stage_media() {
    if [ -n "${BENCH_HOLD_RATE:-}" ]; then
        HOLD_RATE=$BENCH_HOLD_RATE
    elif [ "$QUICK" = 1 ]; then
        HOLD_RATE=100
    else
        # ramp at half the measured CPS (at most 200/s): the ramp must not be what fails
        HOLD_RATE=$((CW_BEST / 2))
        [ "$CW_BEST" -eq 0 ] && HOLD_RATE=100
        [ $HOLD_RATE -gt 200 ] && HOLD_RATE=200
        [ $HOLD_RATE -lt 25 ] && HOLD_RATE=25
    fi
    MEDIA_HEAD=""
    for lv in $HOLD_LEVELS; do
        media_level "$lv"
        [ -f "$W/media-$lv.env" ] || break
        [ -n "$MEDIA_FIRST" ] || MEDIA_FIRST=$lv
        [ -n "$MEDIA_HEAD" ] || MEDIA_HEAD=$lv
        [ "$LEVEL_PASS" = 1 ] || break
        MEDIA_HEAD=$lv
    done
    return 0
}

# ---- run the stages ---------------------------------------------------------------------

CW_BEST=0
CW_BEST_TOP=0
CWC_BEST=0
CWC_BEST_TOP=0
PEER_BEST=0
PEER_BEST_TOP=0
: >"$W/steps-cw.txt"
: >"$W/steps-cwc.txt"
: >"$W/steps-peer.txt"
: >"$W/levels.txt"
MEDIA_HEAD=""
MEDIA_FIRST=""
for v in L_ACTIVE IN_LOSS IN_LOST L_SENT OUT_LOSS OUT_LOST OUT_EXPECTED CPU_PER_CALL CPU_TOTAL \
         CPU_RAMP RSS_PER_CALL FIRST_P50 FIRST_P99 OUTSIDE_P50 OUTSIDE_P99 CPU_LOAD CPU_SIPP IDLE \
         ACTIVE; do
    eval "$v=-"
done
if has_stage cps; then stage_cps; fi
[ -z "$BROKEN" ] || exit 1
if has_stage cpsc; then stage_cps_c; fi
[ -z "$BROKEN" ] || exit 1
if has_stage peer; then stage_peer; fi
if has_stage media; then stage_media; fi
[ -z "$BROKEN" ] || exit 1

# ---- summary ---------------------------------------------------------------------------------------

# stage 3-4 from the first level (the target's size, 2000 calls in the full run); stage 2
# from the highest level that passed (else the first one run)
N=-
if [ -n "$MEDIA_FIRST" ]; then
    # shellcheck disable=SC1090
    . "$W/media-$MEDIA_FIRST.env"
fi
F_N=$N
F_ACTIVE=$ACTIVE
F_CPU_PER_CALL=$CPU_PER_CALL
F_CPU_TOTAL=$CPU_TOTAL
F_CPU_RAMP=$CPU_RAMP
F_RSS_PER_CALL=$RSS_PER_CALL
F_FIRST_P50=$FIRST_P50
F_FIRST_P99=$FIRST_P99
F_OUTSIDE_P50=$OUTSIDE_P50
F_OUTSIDE_P99=$OUTSIDE_P99
F_CPU_LOAD=$CPU_LOAD
F_CPU_SIPP=$CPU_SIPP
F_IDLE=$IDLE
if [ -n "$MEDIA_HEAD" ]; then
    # shellcheck disable=SC1090
    . "$W/media-$MEDIA_HEAD.env"
fi

# best step's first-RTP figures (stage 1)
best_line=$(awk -v r="$CW_BEST" '$1 == r' "$W/steps-cw.txt" | tail -1)
# shellcheck disable=SC2086
set -- $best_line - - - - - - - - -
CPS_P50=$6
CPS_P99=$7
RATIO=$(awk -v a="$CW_BEST" -v b="$PEER_BEST" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')
if [ "$PEER_BEST_TOP" = 1 ] && [ "$CW_BEST_TOP" = 1 ]; then
    RATIO="- (both passed the ladder's top rate)"
elif [ "$PEER_BEST_TOP" = 1 ]; then
    RATIO="<= $RATIO"
elif [ "$CW_BEST_TOP" = 1 ]; then
    RATIO=">= $RATIO"
fi
LUA_RATIO=$(awk -v a="$CW_BEST" -v b="$CWC_BEST" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')
CONC_OK=$(awk -v a="$L_ACTIVE" -v n="$N" -v i="$IN_LOSS" -v o="$OUT_LOSS" \
    'BEGIN { print (a != "-" && a >= 2000 && a >= n && i != "-" && i < 0.1 && o != "-" && o < 0.1) ? "ok" : "below target" }')
CPU_OK=$(awk -v c="$F_CPU_PER_CALL" 'BEGIN { print c == "-" ? "-" : (c <= 0.05 ? "ok (stretch too)" : (c <= 0.08 ? "ok" : "above target")) }')
LAT_OK=$(awk -v a="$F_FIRST_P50" -v b="$F_FIRST_P99" 'BEGIN { print (a == "-" || b == "-") ? "-" : ((a <= 10 && b <= 30) ? "ok" : "above target") }')
rate_fig() { # BEST TOP STAGE
    if ! has_stage "$3"; then echo "not run"; elif [ "$2" = 1 ]; then echo ">= $1/s"; else echo "$1/s"; fi
}
row() { printf '%-52s %-32s %s\n' "$1" "$2" "$3"; }

{
    echo "callwarden bench: $MODE run, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load before $LOADAVG,"
    echo "  commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo '+local changes'), rmem_default/max $(sysctl -n net.core.rmem_default 2>/dev/null)/$(sysctl -n net.core.rmem_max 2>/dev/null) during the run"
    row "figure" "value" "target"
    row "1 max calls/s, answer+prompt+DTMF+BYE, <0.1% failed" "$(rate_fig "$CW_BEST" "$CW_BEST_TOP" cps)" "(steps of $STEP_S s)"
    row "  INVITE -> first prompt RTP at that rate (runtime)" "p50 $CPS_P50 ms, p99 $CPS_P99 ms" ""
    row "1b the same with the built-in C demo flow" "$(rate_fig "$CWC_BEST" "$CWC_BEST_TOP" cpsc)" ""
    row "  Lua flow / C flow" "$LUA_RATIO" "(Lua costs <= 20 % extra CPU: see lua.sh)"
    row "2 concurrent calls with RTP both ways, held ${FULL_S} s" "$L_ACTIVE of $N" ">= 2000: $CONC_OK"
    row "  inbound loss (the whole hold)" "$IN_LOSS % ($IN_LOST of $L_SENT)" "< 0.1 %"
    row "  outbound loss (${OUT_WHAT%%,*})" "$OUT_LOSS % ($OUT_LOST of $OUT_EXPECTED)" "< 0.1 %"
    row "3 CPU per concurrent call, at $F_N calls" "$F_CPU_PER_CALL % of a core" "<= 0.08 % (stretch 0.05 %): $CPU_OK"
    row "  ($CPU_WHAT; the runtime at $F_ACTIVE calls)" "$F_CPU_TOTAL % of a core" ""
    row "  the runtime during the ramp (SIP + welcomes)" "$F_CPU_RAMP % of a core" ""
    row "  memory per call (RSS after ramp - before)" "$F_RSS_PER_CALL KiB" ""
    row "4 INVITE -> first prompt RTP (runtime), $F_N calls" "p50 $F_FIRST_P50 ms, p99 $F_FIRST_P99 ms" "p50 <= 10 ms, p99 <= 30 ms: $LAT_OK"
    row "  the same from outside (SIPp -> rtpload)" "p50 $F_OUTSIDE_P50 ms, p99 $F_OUTSIDE_P99 ms" ""
    row "5 sipp -sn uas -aa (SIP only) max calls/s" "$(rate_fig "$PEER_BEST" "$PEER_BEST_TOP" peer)" ""
    row "  callwarden / peer" "$RATIO" ""
    row "  in figure 3's window: rtpload, sipp / idle" "$F_CPU_LOAD %, $F_CPU_SIPP % of a core / $F_IDLE %" "(load tools share the cores)"
    echo "  >= : the ladder's top rate passed, the maximum is higher."
    if [ "$REPEAT" = 0 ]; then
        echo "  Outbound: the demo sends only while a prompt plays, so outbound loss covers each call's"
        echo "  welcome ($WELCOME_FRAMES packets) and figure 3 inbound RTP only (no --demo-repeat-welcome)."
    fi
    echo "  steps (target rate/s, calls, achieved/s, failed, fail %, first-RTP p50 p99 ms, CPU % of a core of"
    echo "  the SUT and of the SIPp caller, machine idle % of $(nproc) cores, pass):"
    sed 's/^/    callwarden /' "$W/steps-cw.txt"
    sed 's/^/    C flow     /' "$W/steps-cwc.txt"
    sed 's/^/    peer       /' "$W/steps-peer.txt"
    echo "  stage 2 levels (calls, calls with media, inbound loss %, outbound loss %, CPU % of a core per"
    echo "  call, RSS KiB per call, first-RTP p50 p99 ms, machine idle %, pass):"
    sed 's/^/    /' "$W/levels.txt"
} >"$SUMMARY"
cp "$SUMMARY" "$OUT/summary.txt"
echo
cat "$OUT/summary.txt"
[ -z "$BROKEN" ] || exit 1
exit 0
