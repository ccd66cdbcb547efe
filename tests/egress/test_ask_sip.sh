#!/bin/sh
# G6 in real time, over SIP and RTP on loopback: what the virtual clock cannot show,
# because it stands still while a request is in flight. A slow AI: after ai.silence_ms
# the caller hears the wait wording, then the answer. An AI past ai.timeout_ms: the
# wait wording, the unavailable wording, and no answer. A withdrawal while the AI is
# asked, and one while the caller's utterance is transcribed: the request is cancelled
# (the server saw it begin; the flow got no answer), the confirmation is heard in full.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"
fail() { cw_fail "$@"; }
. "$CW_SOURCE_DIR/tests/egress/lib.sh"

egress_servers
CW_PIDS="$CW_PIDS $egress_pids"
egress_tenant "$EGRESS_DIR/tenant/sip_scenarios"

cw_pick_ports
cw_start --config "$T/cw.conf" --policies "$T/policies" --scripts "$T/scripts"
"$CW_BIN" test --scripts "$T/scripts" --policies "$T/policies" --sip "$CW_LISTEN" \
    --data "$T/data" --timelines --tap ai >"$T/tap" 2>"$T/test.log" ||
    cw_fail "scenarios over SIP failed: $(cat "$T/tap")"
n=$(ls "$T"/scripts/ai/scenarios/*.lua | wc -l)
grep -q "^1\.\.$n$" "$T/tap" || cw_fail "TAP plan is not 1..$n: $(head -3 "$T/tap")"
! grep -q '^not ok' "$T/tap" || cw_fail "a scenario failed over SIP: $(cat "$T/tap")"
cw_stop

cw_expect_log "ai slow: the wait wording is said" "no wait wording for a slow AI"
cw_expect_log "request failed after 1 tries: timeout" "the stuck AI did not time out"
cw_expect_log "ai request cancelled: cancelled: the caller withdrew the consent" \
    "the withdrawal did not cancel the AI request"
cw_expect_log "egress-test: no reply: cancelled: the caller withdrew the consent" \
    "the flow did not hear of the cancelled request"
# the slow server saw three requests begin (the slow one, and the two cancelled: a chat
# and a transcription); both cancellations reached the flows
[ "$(grep -c '"path"' "$T/slow.log")" = 3 ] || cw_fail "the slow AI got $(grep -c '"path"' "$T/slow.log") requests, not 3"
[ "$(grep -c "ai request cancelled: cancelled: the caller withdrew the consent" "$T/runtime.log")" = 2 ] ||
    cw_fail "not both requests were cancelled by the withdrawals"
cw_expect_log "egress-test: nothing heard: cancelled: the caller withdrew the consent" \
    "the flow did not hear of the cancelled transcription"
cw_say "ok: $(tail -1 "$T/tap")"
