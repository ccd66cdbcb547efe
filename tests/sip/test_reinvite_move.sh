#!/bin/sh
# A re-INVITE that moves the caller's media (a gateway re-homing the call, an unhold
# from another device): the call starts with RTP to peer A; a re-INVITE puts it on
# hold; the resume re-INVITE names peer B's port. The runtime must send to B from then
# on, with a new talkspurt, and nothing more to A.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

sed '145s/\[rtp_port\]/[rtp_port_b]/' "$CW_SCEN/reinvite_hold.xml" >"$T/reinvite_move.xml"
[ "$(grep -c '\[rtp_port_b\]' "$T/reinvite_move.xml")" = 1 ] ||
    cw_fail "could not point the resume's m= line at peer B"

cw_pick_ports
cw_start
cw_rtppeer peer_b --duration 7
port_b=$RTP_PEER_PORT
pid_b=$RTP_PEER_PID
cw_rtppeer peer_a --duration 7
pid_a=$RTP_PEER_PID
cw_sipp_ok move "$T/reinvite_move.xml" -key rtp_port_b "$port_b"
RTP_PEER_PID=$pid_a
cw_rtppeer_wait peer_a 12
RTP_PEER_PID=$pid_b
cw_rtppeer_wait peer_b 12

a=$(cw_kv "$T/peer_a.out" '^total ' received)
b=$(cw_kv "$T/peer_b.out" '^total ' received)
cw_say "peer A got $a packets (before the hold), peer B $b (after the resume)"
cw_near "packets to A before the hold" "$a" 50 12
cw_near "packets to B after the resume" "$b" 50 12
cw_eq "talkspurts at B" "$(cw_kv "$T/peer_b.out" '^total ' talkspurts)" 1
cw_eq "marker bit at B" "$(cw_kv "$T/peer_b.out" '^talkspurt=1 ' marker)" 1
cw_eq "rtp_sent" "$(cw_call_field 1 rtp_sent)" "$((a + b))"
cw_expect_log 'call=1 re-INVITE direction=sendrecv hold=0' "no resume in the log"
cw_stop
cw_say "ok"
