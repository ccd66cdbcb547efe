#!/bin/sh
# Offers the runtime cannot use get 488 Not Acceptable Here with a Warning header and
# leave nothing behind: a malformed m= line, garbage labelled application/sdp, no codec
# we speak (G.729 only), an IPv6 offer to an IPv4 listener, an invalid c= address, too
# many formats, RTP/SAVP only (bad_sdp.xml). A normal call still works afterwards. Then
# an INVITE without SDP: the 200 carries our offer (m=audio), the ACK our answer, and the
# call works: RTP flows to the answer's port, a key by SIP INFO plays press1. And if the
# ACK brings no answer, the runtime hangs up (no_sdp_bad_ack.xml).
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

press1=$(cw_frames "$CW_PROMPTS/en/press1.wav")
nbad=7

cw_pick_ports
cw_start --digit-timeout-ms 5000
cw_sipp_ok bad "$CW_SCEN/bad_sdp.xml"
[ "$(grep -c '^SIP/2.0 488 ' "$T/bad.msg")" -ge $nbad ] || cw_fail "fewer than $nbad 488s"
[ "$(cw_log_count 'rejected status=488 ')" -eq $nbad ] || cw_fail "the log does not show $nbad rejections"
[ "$(cw_log_count ' answered ')" -eq 0 ] || cw_fail "a bad offer was answered"
[ "$(cw_log_count 'ended reason=rejected-488 rtp_sent=0 ')" -eq $nbad ] ||
    cw_fail "the rejected calls do not end with reason=rejected-488"
n=1
while [ $n -le $nbad ]; do
    cw_wait_log "call=$n freed" 5
    n=$((n + 1))
done
cw_say "the reasons given: $(grep -o 'rejected status=488 reason=.*' "$T/runtime.log" | tr '\n' ' ')"

# a good call afterwards
cw_sipp_ok call "$CW_SCEN/call_bye.xml"
cw_expect_log "call=$((nbad + 1)) ended reason=remote-bye " "the good call after the bad ones failed"

# no SDP in the INVITE: offer in the 200, answer in the ACK
cw_rtppeer peer --duration 20 --expect-talkspurts 2
cw_sipp_ok nosdp "$CW_SCEN/no_sdp.xml"
cw_rtppeer_wait peer 10
c=$((nbad + 2))
cw_expect_log "call=$c dtmf digit=1 method=info" "the INFO key was not heard"
cw_expect_log "call=$c tenant=demo demo key=\"1\" plays=en/press1" "the flow did not choose press1"
cw_expect_log "call=$c ended reason=flow-done " "the no-SDP call did not end by the flow"
# the welcome was cut by the key about a second in; press1 in full, in PCMU
cw_near "welcome packets before the key" "$(cw_kv "$T/peer.out" '^talkspurt=1 ' packets)" 50 15
cw_near "press1 packets" "$(cw_kv "$T/peer.out" '^talkspurt=2 ' packets)" "$press1" 2
cw_eq "payload type" "$(cw_kv "$T/peer.out" '^talkspurt=2 ' pt)" 0

# no SDP in the INVITE and none in the ACK either: the runtime hangs up at once
cw_sipp_ok badack "$CW_SCEN/no_sdp_bad_ack.xml"
c=$((nbad + 3))
cw_expect_log "call=$c ended reason=bad-ack-sdp " "a call without an answer to our offer went on"
cw_wait_log "call=$c freed" 5

cw_stop
cw_say "ok"
