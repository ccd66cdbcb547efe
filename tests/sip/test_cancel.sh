#!/bin/sh
# CANCEL while ringing: with --ring-ms 2000 the runtime sends 180 and waits; the caller
# cancels: 200 to the CANCEL, 487 to the INVITE, ACK, and no 200 ever follows. The call
# ends (reason=cancel) without being answered or sending RTP, and is freed. Then a
# normal call still rings, is answered and hung up by the caller.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

cw_pick_ports
cw_start --ring-ms 2000
cw_rtppeer peer --duration 4 --log "$T/peer.pkts"
cw_sipp_ok cancel "$CW_SCEN/cancel.xml"

cw_expect_log 'call=1 ended reason=cancel rtp_sent=0 ' "call 1 did not end by the CANCEL, silent"
cw_wait_log 'call=1 freed' 5
[ "$(cw_log_count 'call=1 answered')" -eq 0 ] || cw_fail "the cancelled call was answered"
grep -q '^SIP/2.0 180 ' "$T/cancel.msg" || cw_fail "no 180 Ringing before the CANCEL"
cw_rtppeer_wait peer 10
cw_eq "RTP packets for the cancelled call" "$(cw_kv "$T/peer.out" '^total ' received)" 0

# a normal call afterwards: rings 2 s, then answered
cw_sipp_ok call "$CW_SCEN/call_bye.xml"
ring=$(cw_msg_time "$T/call.msg" '^SIP/2.0 180 ')
ok=$(cw_msg_time "$T/call.msg" '^SIP/2.0 200 ')
[ -n "$ring" ] && [ -n "$ok" ] || cw_fail "no 180 and 200 for the second call"
rang=$(awk -v a="$ring" -v b="$ok" 'BEGIN { d = b - a; if (d < 0) d += 86400; printf "%d", d * 1000 }')
cw_say "the second call rang for $rang ms"
[ "$rang" -ge 1900 ] && [ "$rang" -le 3000 ] || cw_fail "rang $rang ms, --ring-ms is 2000"
cw_expect_log 'call=2 answered' "call 2 was not answered"
cw_expect_log 'call=2 ended reason=remote-bye ' "call 2 did not end by the caller's BYE"
cw_wait_log 'call=2 freed' 5

cw_stop
cw_say "ok"
