# lib.sh  Shared helpers of the SIP end-to-end tests; every tests/sip/test_*.sh sources it.
#
# The tests drive the real binary over loopback: SIPp places the calls (scenarios in
# this folder), tests/tools/rtppeer.c is the caller's RTP endpoint. A test gets
#   - $T, a private temp dir, with the runtime's log in $T/runtime.log and every SIPp
#     and rtppeer trace next to it;
#   - free ports (cw_pick_ports): $SIP_PORT (and $SIP_PORT+1 for TLS), $RTP_LO-$RTP_HI;
#   - cw_start / cw_stop for the runtime (SIGTERM, exit 0, no sanitizer report);
#   - one EXIT trap that kills whatever the test started, prints the logs if the test
#     failed and removes $T (CW_KEEP_TMP=1 keeps it, CW_KEEP_TMP=fail keeps it if the
#     test failed). Nothing outlives a test.
# Everything is POSIX sh plus "local" (dash); every wait is bounded. ctest sets
# CW_SOURCE_DIR and CW_BINARY_DIR, so the same scripts run against build/ and build-asan/.

set -eu

: "${CW_SOURCE_DIR:?CW_SOURCE_DIR must point at the source tree}"
: "${CW_BINARY_DIR:?CW_BINARY_DIR must point at a build tree}"

CW_BIN="$CW_BINARY_DIR/callwarden"
CW_RTPPEER="$CW_BINARY_DIR/tests/rtppeer"
CW_SCEN="$CW_SOURCE_DIR/tests/sip"
CW_PROMPTS="$CW_BINARY_DIR/prompts/demo"
CW_DTMF_PCAP=/usr/share/sip-tester/dtmf_2833_1.pcap
CW_G711A_PCAP=/usr/share/sip-tester/g711a.pcap
CW_TEST=$(basename "$0" .sh)

# The sanitizer builds report to stderr, i.e. into the logs the tests check.
# Leaks inside third-party libraries we cannot fix are suppressed, each with its reason,
# in lsan.supp.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$CW_SOURCE_DIR/tests/sip/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# Loopback only; a test on ::1 sets CW_HOST=::1 before it sources this file.
CW_HOST=${CW_HOST:-127.0.0.1}

[ -x "$CW_BIN" ] || { echo "FAIL: $CW_BIN is not built" >&2; exit 1; }
command -v sipp >/dev/null || { echo "FAIL: sipp is not installed" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/cw-$CW_TEST-XXXXXX")
CW_PID=""          # the runtime
CW_PIDS=""         # everything else started in the background
CW_RC=""           # the runtime's exit status, once it exited

# ---- messages and cleanup -------------------------------------------------------------

cw_say() { echo "[$CW_TEST] $*"; }

cw_fail() {
    echo "[$CW_TEST] FAIL: $*" >&2
    exit 1
}

# Print the last lines of every log we have, for a failed test.
cw_dump_logs() {
    local f
    for f in "$T"/*; do
        [ -f "$f" ] && [ -s "$f" ] || continue
        case "$f" in
            *.port|*.tmp|*.pkts|*.csv|*/stamp_*) continue ;;
        esac
        echo "----- $(basename "$f") (last 150 lines) -----"
        tail -n 150 "$f"
    done
}

# A background job we have waited for is forgotten, so that the cleanup can never hit a
# process that reused its pid.
cw_forget() {
    CW_PIDS=$(echo " $CW_PIDS " | sed "s/ $1 / /g; s/^ *//; s/ *$//")
}

# Kill pid gently, then for good; never waits more than about 3 s.
cw_kill() {
    local n=0
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    n=0
    while kill -0 "$1" 2>/dev/null && [ $n -lt 30 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

cw_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in $CW_PIDS; do
        cw_kill "$p"
    done
    [ -n "$CW_PID" ] && cw_kill "$CW_PID"
    if [ "$rc" -ne 0 ]; then
        echo "[$CW_TEST] failed (status $rc); the logs:" >&2
        cw_dump_logs >&2
    fi
    # CW_KEEP_TMP=1 keeps the temp dir, CW_KEEP_TMP=fail only when the test failed
    if [ "${CW_KEEP_TMP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${CW_KEEP_TMP:-0}" = fail ]; }; then
        echo "[$CW_TEST] kept $T" >&2
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cw_cleanup EXIT
trap 'exit 130' INT TERM

# ---- ports ----------------------------------------------------------------------------

# Every TCP and UDP port in use on this host, one a line.
cw_ports_in_use() {
    ss -Hantu 2>/dev/null | awk '{ n = split($5, a, ":"); print a[n] }' | sort -un
}

# cw_pick_ports [RTP_PORTS]: choose $SIP_PORT (with $SIP_PORT+1 free for TLS) in
# 10000-17999 and a range of RTP_PORTS (default 200, even) RTP ports in 18000-31999,
# below the kernel's ephemeral range, starting from a place derived from our pid.
cw_pick_ports() {
    local nrtp=${1:-200} used seed try=0 clash
    used=$(cw_ports_in_use)
    seed=$(( ($$ * 7919) % 3989 ))
    while [ $try -lt 64 ]; do
        SIP_PORT=$(( 10000 + ((seed + try * 61) % 3999) * 2 ))
        RTP_LO=$(( 18000 + ((seed + try * 37) % ((14000 - nrtp) / 100)) * 100 ))
        RTP_HI=$(( RTP_LO + nrtp - 1 ))
        clash=$(echo "$used" | awk -v s="$SIP_PORT" -v lo="$RTP_LO" -v hi="$RTP_HI" \
            '$1 == s || $1 == s + 1 || ($1 >= lo && $1 <= hi) { print; exit }')
        if [ -z "$clash" ]; then
            CW_LISTEN=${CW_LISTEN:-}
            if [ -z "$CW_LISTEN" ]; then
                case "$CW_HOST" in
                    *:*) CW_LISTEN="[$CW_HOST]:$SIP_PORT" ;;
                    *) CW_LISTEN="$CW_HOST:$SIP_PORT" ;;
                esac
            fi
            CW_TARGET=$CW_LISTEN
            return 0
        fi
        try=$((try + 1))
    done
    cw_fail "no free ports found"
}

# ---- the runtime ----------------------------------------------------------------------

# cw_start [ARGS...]: start the runtime on $CW_LISTEN with the test's ports and data
# dir, debug logging to $T/runtime.log, and wait (at most 20 s) until it is ready.
cw_start() {
    local n=0 rc=0
    mkdir -p "$T/data" "$T/no-policies"
    : >"$T/runtime.log"
    # Tests of SIP, media and flows run their tenants without a policy (so without the
    # disclosure of G1, which would change every call's audio), which the runtime only
    # serves when told to (else 503); the compliance tests give --policies of their
    # own, which comes later and wins.
    "$CW_BIN" run --listen "$CW_LISTEN" --rtp-ports "$RTP_LO-$RTP_HI" --data "$T/data" \
        --policies "$T/no-policies" --serve-without-policy 1 --log-level debug "$@" \
        2>>"$T/runtime.log" >>"$T/runtime.out" </dev/null &
    CW_PID=$!
    CW_RC=""
    n=0
    while ! grep -q ' info main: ready' "$T/runtime.log"; do
        if ! kill -0 "$CW_PID" 2>/dev/null; then
            rc=0
            wait "$CW_PID" || rc=$?
            CW_PID=""
            cw_fail "the runtime exited with status $rc before it was ready"
        fi
        [ $n -lt 200 ] || cw_fail "the runtime was not ready within 20 s"
        sleep 0.1
        n=$((n + 1))
    done
}

# cw_wait_exit SECONDS: wait for the runtime to exit; sets CW_RC (124 if it did not).
cw_wait_exit() {
    local lim=$(( $1 * 10 )) n=0
    while kill -0 "$CW_PID" 2>/dev/null && [ $n -lt "$lim" ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$CW_PID" 2>/dev/null; then
        CW_RC=124
        return 0
    fi
    CW_RC=0
    wait "$CW_PID" || CW_RC=$?
    CW_PID=""
}

# Fail if any of the files holds an AddressSanitizer, LeakSanitizer or UBSan report.
cw_check_sanitizers() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$f"; then
            cw_fail "sanitizer report in $(basename "$f")"
        fi
    done
}

# cw_stop [SECONDS]: SIGTERM, then the runtime must exit 0 within SECONDS (default 15)
# with "exit 0" logged and no sanitizer report.
cw_stop() {
    [ -n "$CW_PID" ] || cw_fail "cw_stop: the runtime is not running"
    kill -TERM "$CW_PID" 2>/dev/null || cw_fail "the runtime died before SIGTERM"
    cw_wait_exit "${1:-15}"
    cw_check_stopped
}

# After the runtime exited: status 0, "exit 0" logged, no sanitizer report.
cw_check_stopped() {
    [ "$CW_RC" != 124 ] || cw_fail "the runtime did not exit after SIGTERM"
    [ "$CW_RC" = 0 ] || cw_fail "the runtime exited with status $CW_RC"
    grep -q ' info main: exit 0' "$T/runtime.log" || cw_fail "no \"exit 0\" in the log"
    cw_check_sanitizers "$T"/*.log "$T"/*.err
}

# ---- the runtime's log ----------------------------------------------------------------

# cw_log_count ERE: number of log lines matching ERE.
cw_log_count() {
    grep -cE "$1" "$T/runtime.log" || true
}

# cw_expect_log ERE [WHAT]: the log must have a line matching ERE.
cw_expect_log() {
    grep -qE "$1" "$T/runtime.log" || cw_fail "${2:-log has no line matching /$1/}"
}

# cw_wait_log ERE SECONDS: wait until a log line matches ERE.
cw_wait_log() {
    local lim=$(( $2 * 10 )) n=0
    until grep -qE "$1" "$T/runtime.log"; do
        [ $n -lt "$lim" ] || cw_fail "no log line matching /$1/ within $2 s"
        sleep 0.1
        n=$((n + 1))
    done
}

# cw_call_field CALL KEY: the value of KEY= on the "call=CALL ended" line.
cw_call_field() {
    awk -v c="call=$1" -v k="$2" '
        index($0, " " c " ended ") {
            for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
        }' "$T/runtime.log"
}

# ---- SIPp -----------------------------------------------------------------------------

# cw_sipp_exec NAME SCENARIO [SIPP ARGS...]: become SIPp placing one call (at most 60 s)
# to the runtime; its message trace and errors go to $T/NAME.*. Keys every scenario may
# use: [rtp_port] ($RTP_PEER_PORT, the port our SDP announces; default 9, discard) and
# [stamp_dir] ($T, for time stamps).
cw_sipp_exec() {
    local name="$1" scen="$2"
    shift 2
    exec timeout -k 5 60 sipp "$CW_TARGET" -sf "$scen" -i "$CW_HOST" -m 1 -nostdin -nd \
        -timeout 45s -timeout_error -recv_timeout 20000 \
        -trace_msg -message_file "$T/$name.msg" -trace_err -error_file "$T/$name.err" \
        -key rtp_port "${RTP_PEER_PORT:-9}" -key stamp_dir "$T" "$@" \
        >"$T/$name.out" 2>&1 </dev/null
}

# cw_sipp NAME SCENARIO [ARGS...]: run SIPp and wait for it; returns its exit status.
# (In the background plus wait, so that a signal to the test is handled at once.)
cw_sipp() {
    local rc=0 pid
    cw_sipp_exec "$@" &
    pid=$!
    CW_PIDS="$CW_PIDS $pid"
    wait "$pid" || rc=$?
    cw_forget "$pid"
    return $rc
}

# cw_sipp_ok NAME SCENARIO [ARGS...]: the SIPp call must succeed.
cw_sipp_ok() {
    local rc=0
    cw_sipp "$@" || rc=$?
    [ $rc -eq 0 ] || cw_fail "SIPp scenario $(basename "$2") failed (status $rc, see $1.msg/$1.err)"
}

# cw_sipp_bg NAME SCENARIO [ARGS...]: as cw_sipp, in the background; sets SIPP_PID.
cw_sipp_bg() {
    cw_sipp_exec "$@" &
    SIPP_PID=$!
    CW_PIDS="$CW_PIDS $SIPP_PID"
}

# cw_wait_pid PID SECONDS: wait for a background job; returns its status, 124 if it
# was still running after SECONDS (then it is killed).
cw_wait_pid() {
    local lim=$(( $2 * 10 )) n=0 rc=0
    while kill -0 "$1" 2>/dev/null && [ $n -lt "$lim" ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        cw_kill "$1"
        cw_forget "$1"
        return 124
    fi
    wait "$1" || rc=$?
    cw_forget "$1"
    return $rc
}

# cw_stamp NAME: the wall-clock time (us) a scenario wrote into $T/stamp_NAME with
# <exec command="date +%s%6N > [stamp_dir]/stamp_NAME"/>; waits up to 2 s for it.
cw_stamp() {
    local n=0
    while ! [ -s "$T/stamp_$1" ] && [ $n -lt 20 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ -s "$T/stamp_$1" ] || cw_fail "the scenario wrote no stamp \"$1\""
    cat "$T/stamp_$1"
}

# cw_msg_time MSGFILE ERE: when (seconds since midnight, with microseconds) SIPp's
# -trace_msg file logged the first message whose start line matches ERE; empty if none.
cw_msg_time() {
    awk -v re="$2" '
        /^-+ [0-9-]+ [0-9:.]+$/ { split($3, t, ":"); when = t[1] * 3600 + t[2] * 60 + t[3]; start = 1; next }
        start && / message (sent|received)/ { next }
        start && /[^ \r]/ { if ($0 ~ re) { printf "%.6f\n", when; exit } start = 0 }
    ' "$1"
}

# ---- rtppeer --------------------------------------------------------------------------

# cw_rtppeer NAME [ARGS...]: start rtppeer on $CW_HOST (a port of its own choosing) in
# the background, stdout in $T/NAME.out; sets RTP_PEER_PORT and RTP_PEER_PID. The tests
# name its per-packet log (--log) $T/NAME.pkts.
cw_rtppeer() {
    local name=$1 n=0
    shift
    [ -x "$CW_RTPPEER" ] || cw_fail "$CW_RTPPEER is not built"
    rm -f "$T/$name.port"
    "$CW_RTPPEER" --bind "$CW_HOST" --port-file "$T/$name.port" "$@" \
        >"$T/$name.out" 2>"$T/$name.err" </dev/null &
    RTP_PEER_PID=$!
    CW_PIDS="$CW_PIDS $RTP_PEER_PID"
    n=0
    while ! [ -s "$T/$name.port" ]; do
        kill -0 "$RTP_PEER_PID" 2>/dev/null || cw_fail "rtppeer did not start"
        [ $n -lt 50 ] || cw_fail "rtppeer did not bind within 5 s"
        sleep 0.1
        n=$((n + 1))
    done
    RTP_PEER_PORT=$(cat "$T/$name.port")
}

# cw_rtppeer_wait NAME SECONDS: rtppeer must exit 0 within SECONDS.
cw_rtppeer_wait() {
    local rc=0
    cw_wait_pid "$RTP_PEER_PID" "$2" || rc=$?
    [ $rc -eq 0 ] || cw_fail "rtppeer $1 exited with status $rc"
    cw_check_sanitizers "$T/$1.err"
}

# cw_kv FILE LINE_ERE KEY: the value of KEY= on the first line of FILE matching LINE_ERE
# (empty if none).
cw_kv() {
    awk -v re="$2" -v k="$3" '
        $0 ~ re { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }
    ' "$1"
}

# cw_log_packets LOGFILE FROM_US TO_US: packets rtppeer received in [FROM_US, TO_US).
cw_log_packets() {
    awk -v a="$2" -v b="$3" '$1 + 0 >= a + 0 && $1 + 0 < b + 0 { n++ } END { print n + 0 }' "$1"
}

# cw_pcap_packets PCAP: the number of packets in a (classic) pcap file.
cw_pcap_packets() {
    od -An -v -tu1 -w1 "$1" | awk '
        { b[NR - 1] = $1 }
        END {
            le = (b[0] == 212)                     # d4 c3 b2 a1: little-endian
            off = 24; n = 0
            while (off + 16 <= NR) {
                if (le) len = b[off+8] + 256 * (b[off+9] + 256 * (b[off+10] + 256 * b[off+11]))
                else    len = b[off+11] + 256 * (b[off+10] + 256 * (b[off+9] + 256 * b[off+8]))
                off += 16 + len; n++
            }
            print n
        }'
}

# ---- numbers --------------------------------------------------------------------------

# cw_frames WAV: how many 20 ms packets the prompt takes: ceil(samples / 160).
cw_frames() {
    local s
    s=$(soxi -s "$1") || cw_fail "cannot read $1"
    echo $(( (s + 159) / 160 ))
}

# cw_near WHAT VALUE EXPECTED TOLERANCE: |VALUE - EXPECTED| <= TOLERANCE.
cw_near() {
    local d
    case "$2" in
        ''|*[!0-9]*) cw_fail "$1: no number (\"$2\"), expected $3" ;;
    esac
    d=$(( $2 - $3 ))
    [ $d -lt 0 ] && d=$(( -d ))
    [ $d -le "$4" ] || cw_fail "$1 is $2, expected $3 +- $4"
}

# cw_eq WHAT VALUE EXPECTED
cw_eq() {
    [ "$2" = "$3" ] || cw_fail "$1 is \"$2\", expected \"$3\""
}

# cw_ge WHAT VALUE MIN
cw_ge() {
    case "$2" in
        ''|*[!0-9]*) cw_fail "$1: no number (\"$2\")" ;;
    esac
    [ "$2" -ge "$3" ] || cw_fail "$1 is $2, expected at least $3"
}
