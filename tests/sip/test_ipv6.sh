#!/bin/sh
# The runtime on [::1]: a call by SIPp over ::1 with an IP6 offer; the answer names an
# IP6 address, RTP flows both ways over ::1 (rtppeer on ::1 sends a second of PCMU).
CW_HOST=::1
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' || cw_fail "no ::1 on this host"

cw_pick_ports
cw_start
cw_rtppeer peer --duration 5 --send-ms 1000 --codec pcmu
cw_sipp_ok call "$CW_SCEN/call_bye.xml"
cw_rtppeer_wait peer 10

grep -q '^c=IN IP6 ::1' "$T/call.msg" || cw_fail "the answer has no c=IN IP6 ::1"
out="$T/peer.out"
cw_near "welcome packets in 2 s" "$(cw_kv "$out" '^talkspurt=1 ' packets)" 100 15
case "$(cw_kv "$out" '^talkspurt=1 ' from)" in
    '[::1]:'*) ;;
    *) cw_fail "RTP came from $(cw_kv "$out" '^talkspurt=1 ' from), not ::1" ;;
esac
cw_expect_log 'media_address=::1' "the runtime does not use ::1 for media"
cw_expect_log 'call=1 ended reason=remote-bye ' "the call did not end by the BYE"
cw_eq "rtp_received" "$(cw_call_field 1 rtp_received)" "$(cw_kv "$out" '^total ' sent)"
cw_ge "rtp_received" "$(cw_call_field 1 rtp_received)" 40
cw_eq "rtp_dropped" "$(cw_call_field 1 rtp_dropped)" 0

cw_stop
cw_say "ok"
