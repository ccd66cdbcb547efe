#!/bin/sh
# A whole demo call with RFC 4733 DTMF: INVITE with PCMA + 101, the answer keeps both;
# rtppeer counts the welcome (ceil(samples / 160) packets, marker bit first), sends the
# "1" of SIPp's dtmf_2833_1.pcap once the welcome has ended; the runtime plays press1 in
# full and hangs up. While the welcome plays rtppeer also sends 2 s of A-law, and 20
# packets from a second socket that symmetric RTP must drop.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

welcome=$(cw_frames "$CW_PROMPTS/en/welcome.wav")
press1=$(cw_frames "$CW_PROMPTS/en/press1.wav")

cw_pick_ports
cw_start --digit-timeout-ms 5000
cw_rtppeer peer --duration 30 --expect-talkspurts 2 --log "$T/peer.pkts" \
    --pcap "$CW_DTMF_PCAP" --dtmf-after-talkspurt 1 \
    --send-ms 2000 --codec pcma --stranger 20
cw_sipp_ok call "$CW_SCEN/call_dtmf.xml"
cw_rtppeer_wait peer 20
out="$T/peer.out"

# what the caller heard: the welcome in full, then press1 in full, nothing else
cw_near "welcome packets" "$(cw_kv "$out" '^talkspurt=1 ' packets)" "$welcome" 2
cw_near "press1 packets" "$(cw_kv "$out" '^talkspurt=2 ' packets)" "$press1" 2
for n in 1 2; do
    cw_eq "talkspurt $n payload type" "$(cw_kv "$out" "^talkspurt=$n " pt)" 8
    cw_eq "talkspurt $n marker bit" "$(cw_kv "$out" "^talkspurt=$n " marker)" 1
    cw_eq "talkspurt $n odd payload sizes" "$(cw_kv "$out" "^talkspurt=$n " bad_len)" 0
    cw_eq "talkspurt $n sequence gaps" "$(cw_kv "$out" "^talkspurt=$n " seq_gaps)" 0
done
cw_eq "talkspurt 3" "$(cw_kv "$out" '^talkspurt=3 ' packets)" ""
ssrc1=$(cw_kv "$out" '^talkspurt=1 ' ssrc)
cw_eq "SSRC of press1" "$(cw_kv "$out" '^talkspurt=2 ' ssrc)" "$ssrc1"
cw_eq "DTMF packets sent" "$(cw_kv "$out" '^total ' dtmf_sent)" 10

# what the runtime heard
cw_expect_log 'call=1 dtmf digit=1 method=rfc4733' "no RFC 4733 digit 1 in the log"
cw_expect_log 'call=1 tenant=demo demo key="1" plays=en/press1' "the flow did not choose press1"
cw_expect_log 'call=1 ended reason=flow-done ' "the call did not end by the flow"
cw_expect_log 'call=1 freed' "call 1 was not freed"
sent=$(cw_kv "$out" '^total ' sent)
stranger=$(cw_kv "$out" '^total ' stranger_sent)
cw_ge "A-law packets rtppeer sent" "$sent" 90
cw_eq "stranger packets rtppeer sent" "$stranger" 20
cw_eq "rtp_received" "$(cw_call_field 1 rtp_received)" "$((sent + 10))"
cw_eq "rtp_dropped (the stranger's)" "$(cw_call_field 1 rtp_dropped)" 20
cw_eq "digits" "$(cw_call_field 1 digits)" 1
# loopback loses nothing: what the runtime counted as sent, rtppeer received
cw_eq "rtp_sent" "$(cw_call_field 1 rtp_sent)" "$(cw_kv "$out" '^total ' received)"
# the pcap's SSRC is not rtppeer's own: one change
cw_eq "ssrc_changes" "$(cw_call_field 1 ssrc_changes)" 1

cw_stop
cw_say "ok: welcome $(cw_kv "$out" '^talkspurt=1 ' packets)/$welcome, press1 $(cw_kv "$out" '^talkspurt=2 ' packets)/$press1 packets"
