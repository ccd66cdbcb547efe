#!/bin/sh
# Hold and resume by re-INVITE (reinvite_hold.xml): a=sendonly from the caller gets
# a=recvonly and the runtime stops sending RTP; a=sendrecv gets a=sendrecv and RTP
# resumes, with the marker bit on the first packet; then BYE. The prompt keeps running
# while held (a held caller misses that part), so the welcome is still playing at the end.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

cw_pick_ports
cw_start
cw_rtppeer peer --duration 7 --log "$T/peer.pkts"
cw_sipp_ok hold "$CW_SCEN/reinvite_hold.xml"
cw_rtppeer_wait peer 12

hold_sent=$(cw_stamp hold_sent)
held=$(cw_stamp held)
resume_sent=$(cw_stamp resume_sent)
resumed=$(cw_stamp resumed)
bye=$(cw_stamp bye)
log="$T/peer.pkts"
before=$(cw_log_packets "$log" 0 "$hold_sent")
# allow 60 ms after the 200 to the hold for packets already on their way
during=$(cw_log_packets "$log" "$((held + 60000))" "$resume_sent")
after=$(cw_log_packets "$log" "$resumed" "$bye")
cw_say "packets before hold: $before, while held: $during, after resume: $after"
cw_near "packets before the hold" "$before" 50 12
cw_eq "packets while held" "$during" 0
cw_near "packets after the resume" "$after" 50 12

out="$T/peer.out"
cw_eq "talkspurts" "$(cw_kv "$out" '^total ' talkspurts)" 2
cw_eq "marker bit on resuming" "$(cw_kv "$out" '^talkspurt=2 ' marker)" 1
cw_eq "same SSRC after resuming" "$(cw_kv "$out" '^talkspurt=2 ' ssrc)" \
    "$(cw_kv "$out" '^talkspurt=1 ' ssrc)"

cw_expect_log 'call=1 re-INVITE direction=recvonly hold=1' "no hold in the log"
cw_expect_log 'call=1 re-INVITE direction=sendrecv hold=0' "no resume in the log"
cw_expect_log 'call=1 ended reason=remote-bye ' "the call did not end by the BYE"
cw_eq "rtp_sent" "$(cw_call_field 1 rtp_sent)" "$(cw_kv "$out" '^total ' received)"

cw_stop
cw_say "ok"
