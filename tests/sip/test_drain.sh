#!/bin/sh
# Draining on SIGTERM with --drain-timeout 2: a call is up (call_dtmf.xml waits for the
# runtime's BYE); SIGTERM; a new INVITE gets 503 with Retry-After (drain_503.xml); about
# 2 s after the signal the runtime hangs up the call (BYE, reason=drain); then it exits 0.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

now_ms() { date +%s%3N; }

cw_pick_ports
cw_start --drain-timeout 2
cw_sipp_bg call "$CW_SCEN/call_dtmf.xml"
call_pid=$SIPP_PID
cw_wait_log 'call=1 answered' 10
sleep 0.5

t0=$(now_ms)
kill -TERM "$CW_PID"
cw_wait_log 'main: draining calls=1 ' 5
cw_sipp_ok busy "$CW_SCEN/drain_503.xml"
grep -q '^Retry-After: *[1-9]' "$T/busy.msg" || cw_fail "the 503 has no Retry-After"
cw_expect_log 'call=2 rejected status=503 ' "the INVITE while draining was not rejected"

rc=0
cw_wait_pid "$call_pid" 15 || rc=$?
t1=$(now_ms)
[ $rc -eq 0 ] || cw_fail "the call did not get its BYE (SIPp status $rc)"
waited=$((t1 - t0))
cw_say "the BYE came $waited ms after SIGTERM"
[ $waited -ge 1800 ] || cw_fail "the call was hung up after $waited ms, before the drain timeout"
[ $waited -le 5000 ] || cw_fail "the call was hung up only after $waited ms"
cw_expect_log 'call=1 ended reason=drain ' "call 1 did not end by the drain"

cw_wait_exit 10
cw_check_stopped
cw_say "ok"
