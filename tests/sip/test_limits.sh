#!/bin/sh
# Limits answer 503 with Retry-After at once, never a hang: with --max-calls 1 a second
# concurrent INVITE is refused ("call limit reached"); with a port range of one RTP/RTCP
# pair the same holds for ports ("no free RTP port"). After the first call ended, the
# next call is taken again: a refused INVITE leaks neither a call slot nor a port.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

limit_case() {
    local what="$1" reason="$2" n1 n2
    shift 2
    cw_start --digit-timeout-ms 300 "$@"
    cw_sipp_bg first "$CW_SCEN/call_dtmf.xml"
    first_pid=$SIPP_PID
    cw_wait_log 'call=1 answered' 10
    cw_sipp_ok busy "$CW_SCEN/drain_503.xml"
    grep -q '^Retry-After: *[1-9]' "$T/busy.msg" || cw_fail "$what: the 503 has no Retry-After"
    cw_expect_log "call=2 rejected status=503 reason=\"$reason\"" "$what: no 503 \"$reason\""
    # the first call is untouched: it runs its flow to the end (no key: goodbye, BYE)
    cw_wait_pid "$first_pid" 30 || cw_fail "$what: the first call did not end normally"
    cw_expect_log 'call=1 ended reason=flow-done ' "$what: the first call was disturbed"
    cw_wait_log 'call=1 freed' 10
    cw_wait_log 'call=2 freed' 10
    cw_sipp_ok again "$CW_SCEN/info_dtmf.xml"
    cw_expect_log 'call=3 ended reason=flow-done ' "$what: the call after the limit failed"
    cw_stop
    rm -f "$T/first.msg" "$T/busy.msg" "$T/again.msg"
}

cw_pick_ports
limit_case "call limit" "call limit reached" --max-calls 1
limit_case "port limit" "no free RTP port" --rtp-ports "$RTP_LO-$((RTP_LO + 1))"
cw_say "ok"
