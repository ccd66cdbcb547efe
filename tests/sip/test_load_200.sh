#!/bin/sh
# 200 concurrent calls with RTP both ways for 10 s each: SIPp places them at 100 calls/s
# (load.xml), plays SIPp's g711a.pcap as the caller's audio (raw sockets: root; without
# root SIPp echoes the runtime's own RTP back instead, -rtp_echo) and hangs up after
# 10 s. No call may fail, SIPp must have had all 200 up at once, and the runtime must
# log 200 calls ended by the caller, each with RTP sent and received, and free them all.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

calls=200
cw_pick_ports 1000
cw_start --max-calls 1000

scen="$CW_SCEN/load.xml"
media="pcap"
if [ "$(id -u)" != 0 ]; then
    # no raw sockets: drop the pcap play, let SIPp echo what it receives
    sed '/<nop>/,/<\/nop>/d' "$scen" >"$T/load_echo.xml"
    scen="$T/load_echo.xml"
    media="-rtp_echo"
fi
set -- -r 100 -rp 1000 -l $calls -m $calls
[ "$media" = pcap ] || set -- "$@" -rtp_echo

started=$(date +%s)
rc=0
timeout -k 5 75 sipp "$CW_TARGET" -sf "$scen" -i 127.0.0.1 -mi 127.0.0.1 "$@" \
    -nostdin -nd -timeout 60s -timeout_error -recv_timeout 20000 -buff_size 4194304 \
    -trace_err -error_file "$T/load.err" -trace_stat -stf "$T/load.csv" -fd 1 \
    >"$T/load.out" 2>&1 </dev/null &
CW_PIDS="$CW_PIDS $!"
cw_wait_pid $! 80 || rc=$?
took=$(( $(date +%s) - started ))
cw_say "SIPp ($media) exited with $rc after $took s"
[ $rc -eq 0 ] || cw_fail "SIPp reports failed calls (status $rc)"

# SIPp's own figures, from the last row of its statistics (';'-separated, named columns)
stat() {
    awk -F';' -v col="$1" -v how="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        c { v = $c + 0; if (how == "max") { if (v > m) m = v } else m = v }
        END { print m + 0 }' "$T/load.csv"
}
cw_eq "successful calls (SIPp)" "$(stat 'SuccessfulCall(C)' last)" $calls
cw_eq "failed calls (SIPp)" "$(stat 'FailedCall(C)' last)" 0
cw_eq "most calls up at once (SIPp)" "$(stat 'CurrentCall' max)" $calls

# the runtime's view: every call ended by the caller, with media both ways: the whole
# welcome went out (the media clock kept up with 200 streams), the caller's RTP came in
# (all 236 packets of the pcap, give or take a few), nothing was dropped
welcome=$(cw_frames "$CW_PROMPTS/en/welcome.wav")
min_rx=1
[ "$media" = pcap ] && min_rx=$(( $(cw_pcap_packets "$CW_G711A_PCAP") - 6 ))
cw_eq "calls ended" "$(cw_log_count ' ended reason=')" $calls
cw_eq "calls ended by the caller" "$(cw_log_count ' ended reason=remote-bye ')" $calls
awk -v w="$welcome" -v rx="$min_rx" '
    / ended reason=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        n++
        if (f["rtp_sent"] + 2 >= w && f["rtp_sent"] <= w && f["rtp_received"] >= rx &&
            f["rtp_dropped"] == 0)
            good++
        else if (bad++ < 5)
            print "  not as expected: " $0
    }
    END { printf "calls with the whole welcome sent and >= %d packets received: %d of %d\n", rx, good, n }
' "$T/runtime.log" | tee "$T/media.txt"
grep -q ": $calls of $calls\$" "$T/media.txt" || cw_fail "some calls lost media"
n=0
while [ "$(cw_log_count 'call=[0-9]+ freed')" -lt $calls ] && [ $n -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
done
cw_eq "calls freed" "$(cw_log_count 'call=[0-9]+ freed')" $calls

cw_stop 30
cw_say "ok: $calls calls in $took s"
