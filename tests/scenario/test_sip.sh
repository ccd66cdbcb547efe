#!/bin/sh
# callwarden test --sip: the shipped scenarios driven against a running runtime over
# real SIP and RTP on loopback, with the built-in test caller (signed RTP, RFC 4733
# keys, prompts named by their bytes) and the runtime's ledger and vault read from its
# data directory afterwards: every demo and praxis scenario but the silent caller (160 s
# of real time on its own) passes both ways (the simulated runs are the scenario_*
# tests); a
# scenario that injects a flow error is skipped over SIP, with the reason; a runtime
# that does not answer fails the run with a clear message.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

cw_pick_ports
# the runtime as a business runs it: the repository's policies, each with its disclosure
cw_start --policies "$CW_SOURCE_DIR/policies" --scripts "$CW_SOURCE_DIR/scripts"
src="--scripts $CW_SOURCE_DIR/scripts --policies $CW_SOURCE_DIR/policies"
praxis=$(ls "$CW_SOURCE_DIR"/scripts/praxis/scenarios/*.lua | grep -v silent_caller)
# shellcheck disable=SC2086
"$CW_BIN" test $src --sip "$CW_LISTEN" --data "$T/data" --tap demo $praxis \
    >"$T/tap" 2>"$T/test.log" || cw_fail "scenarios over SIP failed: $(cat "$T/tap")"
cat "$T/tap" | tail -1
n=$(($(ls "$CW_SOURCE_DIR"/scripts/demo/scenarios/*.lua | wc -l) + $(echo "$praxis" | wc -l)))
grep -q "^1\.\.$n$" "$T/tap" || cw_fail "TAP plan is not 1..$n: $(head -3 "$T/tap")"
! grep -q '^not ok' "$T/tap" || cw_fail "a scenario failed over SIP: $(cat "$T/tap")"
grep -q '^ok .*script_error.lua.* # SKIP flow_error needs the simulated line' "$T/tap" \
    || cw_fail "the flow_error scenario was not skipped with its reason: $(cat "$T/tap")"
grep -q 'withdrawal.lua:.*not checked over SIP' "$T/tap" \
    || cw_fail "no note on what SIP cannot show: $(cat "$T/tap")"
# the runtime's own view of the same calls: consents logged, a withdrawal erased
cw_expect_log "consent withdrawn level=basic frames_recorded_after_key=0" \
    "the withdrawal over SIP did not stop the recording at the key"
cw_stop

# nobody answers: a clear failure, not a hang
# shellcheck disable=SC2086
if "$CW_BIN" test $src --sip "127.0.0.1:$SIP_PORT" \
        "$CW_SOURCE_DIR/scripts/demo/scenarios/no_key.lua" >"$T/none" 2>&1; then
    cw_fail "a run against no runtime passed: $(cat "$T/none")"
fi
grep -q 'FAILED' "$T/none" || cw_fail "no failure against no runtime: $(cat "$T/none")"
cw_say "ok"
