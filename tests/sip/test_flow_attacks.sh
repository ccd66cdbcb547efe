#!/bin/sh
# G10 and G8 attacked from Lua: every tenant in tests/sip/flows/ tries to break out of
# its sandbox (runaway loops, also inside pcall; memory bombs; os.execute, io.open,
# require("ffi"), debug, bytecode; metatable games; a bare yield; an error in
# on_hangup; the API after hangup; another tenant's globals). All of them are called
# at once while SIPp keeps calling the demo tenant. Each attack must end in the
# tenant's fallback (or be refused inside the flow), with the error logged with tenant,
# file:line and call; no demo call may fail and the runtime must exit cleanly.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

flows="$CW_SOURCE_DIR/tests/sip/flows"
mkdir -p "$T/scripts"
cp -r "$CW_SOURCE_DIR/scripts/demo" "$T/scripts/"
cp -r "$flows"/* "$T/scripts/"
rm -f /tmp/callwarden-pwned

cw_pick_ports 400
cw_start --scripts "$T/scripts" --lua-call-memory-kb 2048 --lua-budget 2000000 \
    --fallback-transfer "to_human sip:human@example.org"

# the demo keeps being called throughout: 40 calls at 8/s, 3 s each
timeout -k 5 60 sipp "$CW_TARGET" -sn uac -s demo -i "$CW_HOST" -r 8 -m 40 -d 3000 \
    -nostdin -nd -timeout 50s -timeout_error -trace_stat -stf "$T/demo.csv" -fd 1 \
    -trace_err -error_file "$T/demo.err" >"$T/demo.out" 2>&1 </dev/null &
demo_pid=$!
CW_PIDS="$CW_PIDS $demo_pid"

attacks="loop loop_pcall loop_after_wait bomb_rep bomb_table os_execute io_open require_ffi
debug_registry bytecode string_dump yield_pcall metatables after_hangup cross_a"
pids=""
for a in $attacks; do
    cw_sipp_bg "$a" "$CW_SCEN/tenant_wait_bye.xml" -s "$a"
    pids="$pids $SIPP_PID:$a"
done
for pa in $pids; do
    rc=0
    cw_wait_pid "${pa%%:*}" 60 || rc=$?
    [ $rc -eq 0 ] || cw_fail "the call to ${pa#*:} did not end with the runtime's BYE (SIPp status $rc)"
done
# a tenant whose fallback is a human: the failed flow's call is transferred by REFER
cw_sipp_ok to_human "$CW_SCEN/refer_fallback.xml" -s to_human
# after cross_a set its global: two calls in a row to cross_b
cw_sipp_ok cross_b1 "$CW_SCEN/tenant_wait_bye.xml" -s cross_b
cw_sipp_ok cross_b2 "$CW_SCEN/tenant_wait_bye.xml" -s cross_b

rc=0
cw_wait_pid "$demo_pid" 60 || rc=$?
[ $rc -eq 0 ] || cw_fail "demo calls failed during the attacks (SIPp status $rc)"
ok=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i; next }
                 c { v = $c } END { print v + 0 }' "$T/demo.csv")
cw_eq "demo calls that succeeded during the attacks" "$ok" 40

# call id of the call to tenant $1
call_of() {
    sed -n "s/.* call=\([0-9]*\) incoming tenant=$1\$/\1/p" "$T/runtime.log" | head -n 1
}

# attack tenant: the error the log must name (file:line or the kill reason)
expect_fallback() {
    local t=$1 what=$2 c
    c=$(call_of "$t")
    [ -n "$c" ] || cw_fail "no call reached tenant $t"
    cw_expect_log "error .*call=$c tenant=$t version=[0-9a-f]{12} error: $what" \
        "tenant $t: no error log naming /$what/"
    cw_expect_log "call=$c fallback plays=_callwarden/en/fallback" "tenant $t: no fallback"
    cw_expect_log "call=$c ended reason=fallback " "tenant $t: the call did not end by the fallback"
}
expect_fallback loop "loop/flow.lua:3: instruction budget exceeded"
expect_fallback loop_pcall "loop_pcall/flow.lua:3: instruction budget exceeded"
expect_fallback loop_after_wait "loop_after_wait/flow.lua:5: instruction budget exceeded"
expect_fallback bomb_rep "bomb_rep/flow.lua:3: memory limit exceeded"
expect_fallback bomb_table "bomb_table/flow.lua:4: memory limit exceeded"
expect_fallback os_execute "os_execute/flow.lua:3: attempt to call a nil value \(field 'execute'\)"
expect_fallback io_open "io_open/flow.lua:3: attempt to index a nil value \(global 'io'\)"
expect_fallback require_ffi "require_ffi/flow.lua:3: require \"ffi\": cannot open ffi.lua"
expect_fallback debug_registry "debug_registry/flow.lua:3: attempt to index a nil value \(global 'debug'\)"
expect_fallback bytecode "bytecode/flow.lua:3: attempt to load a binary chunk"
expect_fallback string_dump "string_dump/flow.lua:3: attempt to call a nil value \(field 'dump'\)"
expect_fallback yield_pcall "the flow yielded outside a call method"
[ "$(cw_log_count 'survived')" = 0 ] || cw_fail "an attack survived its end: $(grep survived "$T/runtime.log")"
[ ! -e /tmp/callwarden-pwned ] || cw_fail "os.execute ran"

c=$(call_of to_human)
cw_expect_log "call=$c tenant=to_human version=[0-9a-f]{12} error: to_human/flow.lua:3: call:play\(\): .*none.wav" \
    "tenant to_human: no error log"
cw_expect_log "call=$c fallback transfer REFER sent" "tenant to_human: the fallback did not transfer"
cw_expect_log "call=$c ended reason=fallback-transfer " "tenant to_human: the call did not end by the transfer"

# refused inside the flow, which then ends normally
c=$(call_of metatables)
cw_expect_log "call=$c tenant=metatables metatables: refused 10 of 10" "a metatable attack was allowed"
cw_expect_log "call=$c ended reason=flow-done " "the metatables flow did not end normally"

c=$(call_of after_hangup)
cw_expect_log "call=$c tenant=after_hangup on_hangup error: after_hangup/flow.lua:2: boom in on_hangup, cause test-hangup" \
    "the error in on_hangup was not logged"
cw_expect_log "call=$c tenant=after_hangup after hangup: play ok=false err=call ended" "play after hangup did not raise"
cw_expect_log "call=$c tenant=after_hangup after hangup: sleep ok=false err=call ended" "sleep after hangup did not raise"
[ "$(cw_log_count 'not reached')" = 0 ] || cw_fail "an uncaught call ended error did not end the flow"
cw_expect_log "call=$c ended reason=test-hangup " "the flow's hangup cause is not the end reason"
[ "$(cw_log_count "call=$c .*version=.* error: ")" = 0 ] || cw_fail "call ended after hangup was logged as a flow error"

# isolation: no tenant sees another's globals; no call sees an earlier call's
[ "$(cw_log_count 'cross_b sees: nil/nil counter=nil')" = 2 ] || cw_fail "globals leaked: $(grep 'cross_b sees' "$T/runtime.log")"
[ "$(cw_log_count 'cross_b counter=1 slept_in_pcall=true')" = 2 ] || cw_fail "a wait inside pcall failed"

cw_stop
cw_say "ok: $(echo $attacks | wc -w) attacks refused while $ok demo calls succeeded"
