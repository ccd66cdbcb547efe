#!/bin/sh
# --demo-repeat-welcome 1 with the built-in C demo flow (--c-demo-flow 1; what make bench uses for media both ways): the welcome plays
# again and again, each time in full, one packet per 20 ms period with a marker bit at
# each start, until the caller hangs up 14 s in (two whole welcomes and part of a third).
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

welcome=$(cw_frames "$CW_PROMPTS/en/welcome.wav")
sed 's/<pause milliseconds="2000"\/>/<pause milliseconds="14000"\/>/' \
    "$CW_SCEN/call_bye.xml" >"$T/call_bye_14s.xml"
grep -q 'milliseconds="14000"' "$T/call_bye_14s.xml" || cw_fail "could not set the pause"

cw_pick_ports
cw_start --c-demo-flow 1 --demo-repeat-welcome 1
cw_rtppeer peer --duration 18
cw_sipp_ok call "$T/call_bye_14s.xml"
cw_rtppeer_wait peer 22
out="$T/peer.out"

cw_eq "talkspurts" "$(cw_kv "$out" '^total ' talkspurts)" 3
cw_near "first welcome packets" "$(cw_kv "$out" '^talkspurt=1 ' packets)" "$welcome" 2
cw_near "second welcome packets" "$(cw_kv "$out" '^talkspurt=2 ' packets)" "$welcome" 2
cw_eq "sequence gaps" "$(cw_kv "$out" '^talkspurt=2 ' seq_gaps)" 0
# 14 s of 20 ms periods, give or take set-up: never more than one packet a period
total=$(cw_kv "$out" '^total ' received)
cw_near "packets in 14 s" "$total" 700 15
cw_expect_log 'call=1 ended reason=remote-bye ' "the call did not end by the caller's BYE"
cw_eq "rtp_sent" "$(cw_call_field 1 rtp_sent)" "$total"
cw_stop
cw_say "ok: $total packets, welcomes of $(cw_kv "$out" '^talkspurt=1 ' packets) and $(cw_kv "$out" '^talkspurt=2 ' packets)"
