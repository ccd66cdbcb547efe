#!/bin/sh
# Requests outside any call (methods.xml): OPTIONS 200 with our Allow list (exactly the
# methods callwarden handles); an unknown method (FOO) 501 Not Implemented; MESSAGE and
# SUBSCRIBE 405 Method Not Allowed; a BYE for a dialog that does not exist 481. None of
# them creates a call. Then, inside a call, a SIP INFO
# application/dtmf-relay "Signal=1" acts as key 1: the welcome stops, press1 plays in
# full, the runtime hangs up (info_dtmf.xml).
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

press1=$(cw_frames "$CW_PROMPTS/en/press1.wav")

cw_pick_ports
cw_start --digit-timeout-ms 5000
cw_sipp_ok methods "$CW_SCEN/methods.xml"
allow=$(grep '^Allow:' "$T/methods.msg" | tr -d '\r' | sort -u)
cw_eq "Allow header" "$allow" "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"
[ "$(cw_log_count ' incoming ')" -eq 0 ] || cw_fail "a request outside a call created a call"

cw_rtppeer peer --duration 20 --expect-talkspurts 2
cw_sipp_ok info "$CW_SCEN/info_dtmf.xml"
cw_rtppeer_wait peer 10
cw_expect_log 'call=1 dtmf digit=1 method=info' "the INFO key was not heard"
cw_expect_log 'call=1 tenant=demo demo key="1" plays=en/press1' "the flow did not choose press1"
cw_expect_log 'call=1 ended reason=flow-done ' "the call did not end by the flow"
cw_eq "digits" "$(cw_call_field 1 digits)" 1
cw_near "welcome packets before the key" "$(cw_kv "$T/peer.out" '^talkspurt=1 ' packets)" 50 15
cw_near "press1 packets" "$(cw_kv "$T/peer.out" '^talkspurt=2 ' packets)" "$press1" 2
cw_wait_log 'call=1 freed' 5

cw_stop
cw_say "ok"
