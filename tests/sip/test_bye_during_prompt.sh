#!/bin/sh
# The caller hangs up 2 s into the welcome: 200 to the BYE, and the runtime's RTP stops
# at once (at most 2 packets already on their way after the BYE left); the call ends
# with reason=remote-bye and is freed.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

welcome=$(cw_frames "$CW_PROMPTS/en/welcome.wav")

cw_pick_ports
cw_start
cw_rtppeer peer --duration 6 --log "$T/peer.pkts"
cw_sipp_ok call "$CW_SCEN/call_bye.xml"
bye=$(cw_stamp bye)
cw_rtppeer_wait peer 10

before=$(cw_log_packets "$T/peer.pkts" 0 "$bye")
after=$(cw_log_packets "$T/peer.pkts" "$bye" 99999999999999999)
cw_say "packets before the BYE: $before, after: $after"
# 2 s of a 20 ms stream, give or take the call set-up
cw_near "packets before the BYE" "$before" 100 15
[ "$after" -le 2 ] || cw_fail "$after RTP packets arrived after the BYE (at most 2 in flight)"
[ "$(cw_kv "$T/peer.out" '^total ' talkspurts)" = 1 ] || cw_fail "more than one talkspurt"

cw_expect_log 'call=1 ended reason=remote-bye ' "call 1 did not end by the BYE"
cw_wait_log 'call=1 freed' 5
sent=$(cw_call_field 1 rtp_sent)
[ "$sent" -lt "$welcome" ] || cw_fail "rtp_sent=$sent: the whole welcome went out"
cw_eq "rtp_sent" "$sent" "$((before + after))"

cw_stop
cw_say "ok"
