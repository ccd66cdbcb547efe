#!/bin/sh
# Symmetric RTP, as behind a NAT: the SDP announces one port (rtppeer "sdp"), but the
# caller's RTP comes from another (rtppeer "nat", which sends a second of PCMU to the
# runtime's RTP port as soon as the call is answered). From the first packet on, the
# runtime must send to where the RTP came from: "sdp" gets at most the packets sent
# before that, and nothing afterwards; "nat" gets the rest of the welcome.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

cw_pick_ports
cw_start
cw_rtppeer nat --duration 5 --log "$T/nat.pkts" --to-file "$T/runtime_rtp" --send-ms 1000
nat_pid=$RTP_PEER_PID
cw_rtppeer sdp --duration 5 --log "$T/sdp.pkts"
sdp_pid=$RTP_PEER_PID
cw_sipp_bg call "$CW_SCEN/call_bye.xml"
call_pid=$SIPP_PID

# the runtime's RTP port, from its log, is where "nat" sends
cw_wait_log 'call=1 answered port=[0-9]+' 10
port=$(grep -o 'call=1 answered port=[0-9]*' "$T/runtime.log" | sed 's/.*port=//')
echo "127.0.0.1:$port" >"$T/runtime_rtp.tmp"
mv "$T/runtime_rtp.tmp" "$T/runtime_rtp"

cw_wait_pid "$call_pid" 20 || cw_fail "the call failed"
RTP_PEER_PID=$nat_pid
cw_rtppeer_wait nat 10
RTP_PEER_PID=$sdp_pid
cw_rtppeer_wait sdp 10

nat_first=$(head -n 1 "$T/nat.pkts" | cut -d' ' -f1)
sdp_n=$(cw_kv "$T/sdp.out" '^total ' received)
nat_n=$(cw_kv "$T/nat.out" '^total ' received)
late=$(cw_log_packets "$T/sdp.pkts" "$((nat_first + 40000))" 99999999999999999)
cw_say "packets to the SDP address: $sdp_n, to the source of the RTP: $nat_n"
[ -n "$nat_first" ] || cw_fail "no RTP reached the caller's real address"
cw_eq "packets to the SDP address after the switch" "$late" 0
cw_ge "packets to the source of the RTP" "$nat_n" 80
cw_near "packets in all" "$((sdp_n + nat_n))" 100 15
cw_eq "rtp_sent" "$(cw_call_field 1 rtp_sent)" "$((sdp_n + nat_n))"
cw_eq "rtp_received" "$(cw_call_field 1 rtp_received)" "$(cw_kv "$T/nat.out" '^total ' sent)"
cw_eq "rtp_dropped" "$(cw_call_field 1 rtp_dropped)" 0

cw_stop
cw_say "ok"
