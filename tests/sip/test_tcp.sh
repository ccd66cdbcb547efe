#!/bin/sh
# A call over SIP/TCP (SIPp -t t1): the runtime answers on the same connection, RTP flows,
# the caller's BYE ends it.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

cw_pick_ports
cw_start
cw_rtppeer peer --duration 5 --send-ms 1000
cw_sipp_ok call "$CW_SCEN/call_bye.xml" -t t1
cw_rtppeer_wait peer 10

grep -q 'TCP message received' "$T/call.msg" || cw_fail "SIPp did not receive over TCP"
grep -q '^SIP/2.0 200 ' "$T/call.msg" || cw_fail "no 200 OK"
grep -q '^Via: SIP/2.0/TCP' "$T/call.msg" || cw_fail "the Via does not say TCP"
cw_near "welcome packets in 2 s" "$(cw_kv "$T/peer.out" '^talkspurt=1 ' packets)" 100 15
cw_expect_log 'call=1 ended reason=remote-bye ' "the call did not end by the BYE"
cw_ge "rtp_received" "$(cw_call_field 1 rtp_received)" 40
cw_wait_log 'call=1 freed' 5

cw_stop
cw_say "ok"
