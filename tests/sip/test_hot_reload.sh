#!/bin/sh
# Hot reload: a call in progress finishes on the version it started with (the prompt
# it plays shows which), new calls get the new version, the old state is freed with
# its last call; a broken edit is rejected with file:line and the old version keeps
# serving; SIGHUP and `callwarden reload` reload too; and 100 edits (every tenth one
# broken) during a 100 calls/s SIPp run fail no call.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
mkdir -p "$S/hot/prompts/en"
cp "$CW_PROMPTS/en/press1.wav" "$S/hot/prompts/en/one.wav"
cp "$CW_PROMPTS/en/goodbye.wav" "$S/hot/prompts/en/two.wav"
one=$(cw_frames "$S/hot/prompts/en/one.wav")
two=$(cw_frames "$S/hot/prompts/en/two.wav")

# flow MARKER PROMPT: plays PROMPT twice; written as editors do (temp file + rename)
flow() {
    printf 'call:answer()\ncall:log("hot version=%s")\ncall:play("%s")\ncall:play("%s")\n' \
        "$1" "$2" "$2" >"$S/hot/flow.lua.tmp"
    mv "$S/hot/flow.lua.tmp" "$S/hot/flow.lua"
}
flow v1 one

cw_pick_ports 600
cw_start --scripts "$T/scripts" --reload-debounce-ms 50 --max-calls 1000
v1=$(sed -n 's/.*tenant=hot version=\([0-9a-f]*\) loaded.*/\1/p' "$T/runtime.log")
[ -n "$v1" ] || cw_fail "tenant hot did not load"

# 1. a call in progress keeps its version
cw_rtppeer peer1 --duration 30 --expect-talkspurts 2
cw_sipp_bg long "$CW_SCEN/tenant_wait_bye.xml" -s hot
long_pid=$SIPP_PID
cw_wait_log 'tenant=hot hot version=v1' 10
flow v2 two
cw_wait_log "tenant=hot version=[0-9a-f]{12} swapped from=$v1" 5
rc=0
cw_wait_pid "$long_pid" 40 || rc=$?
[ $rc -eq 0 ] || cw_fail "the call in progress failed across the swap (SIPp $rc)"
cw_rtppeer_wait peer1 20
cw_near "first prompt of the call in progress" "$(cw_kv "$T/peer1.out" '^talkspurt=1 ' packets)" "$one" 2
cw_near "second prompt of the call in progress" "$(cw_kv "$T/peer1.out" '^talkspurt=2 ' packets)" "$one" 2
cw_wait_log "tenant=hot version=$v1 freed" 5

# the next call is on v2
cw_rtppeer peer2 --duration 30 --expect-talkspurts 2
cw_sipp_ok next "$CW_SCEN/tenant_wait_bye.xml" -s hot
cw_rtppeer_wait peer2 20
cw_near "prompt of the new version" "$(cw_kv "$T/peer2.out" '^talkspurt=1 ' packets)" "$two" 2
[ "$(cw_log_count 'tenant=hot hot version=v2')" = 1 ] || cw_fail "the new call did not run v2"

# 2. a broken edit is rejected; v2 keeps serving
printf 'call:answer()\nlocal x = = 1\n' >"$S/hot/flow.lua"
cw_wait_log 'tenant=hot version rejected: hot/flow.lua:2: .*\(the running version keeps serving\)' 5
cw_sipp_ok broken "$CW_SCEN/tenant_wait_bye.xml" -s hot
[ "$(cw_log_count 'tenant=hot hot version=v2')" = 2 ] || cw_fail "v2 did not keep serving after a broken edit"

# 3. SIGHUP and `callwarden reload` (which checks first and reports the broken file)
out=$("$CW_BIN" reload --data "$T/data" --scripts "$S" 2>&1) && cw_fail "reload of a broken tenant exited 0: $out"
echo "$out" | grep -q '^hot/flow.lua:2: ' || cw_fail "callwarden reload did not name the broken line: $out"
echo "$out" | grep -q "^reload signalled to pid $CW_PID\$" || cw_fail "callwarden reload did not signal: $out"
cw_wait_log 'reload: trigger=sighup rejected=0' 5
flow v3 one
cw_wait_log 'reload: trigger=files rejected=0' 5
kill -HUP "$CW_PID"
[ "$(cw_log_count 'trigger=sighup')" = 2 ] || sleep 1
[ "$(cw_log_count 'trigger=sighup')" = 2 ] || cw_fail "SIGHUP did not reload"

# 4. 100 edits while SIPp places 1000 calls at 100/s
swaps0=$(cw_log_count 'tenant=hot version=[0-9a-f]{12} swapped')
timeout -k 5 60 sipp "$CW_TARGET" -sn uac -s hot -i "$CW_HOST" -r 100 -m 1000 -d 1000 \
    -nostdin -nd -timeout 50s -timeout_error -buff_size 4194304 \
    -trace_stat -stf "$T/load.csv" -fd 1 -trace_err -error_file "$T/load.err" \
    >"$T/load.out" 2>&1 </dev/null &
load_pid=$!
CW_PIDS="$CW_PIDS $load_pid"
i=1
while [ $i -le 100 ]; do
    if [ $((i % 10)) = 0 ]; then
        printf 'call:answer(\n' >"$S/hot/flow.lua"            # broken, written in place
    else
        printf 'call:answer()\ncall:log("hot load=%s")\ncall:sleep(30000)\n' "$i" \
            >"$S/hot/flow.lua.tmp"
        mv "$S/hot/flow.lua.tmp" "$S/hot/flow.lua"
    fi
    sleep 0.1
    i=$((i + 1))
done
rc=0
cw_wait_pid "$load_pid" 70 || rc=$?
if [ $rc -ne 0 ]; then
    # the SIPp error log says which call failed and how; the dump below may be cut
    tail -n 20 "$T/load.err" >&2 2>/dev/null
    tail -n 2 "$T/load.csv" >&2 2>/dev/null
    cw_fail "calls failed during the edits (SIPp status $rc)"
fi
stat_of() {
    awk -F';' -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                           c { v = $c } END { print v + 0 }' "$T/load.csv"
}
cw_eq "calls that succeeded during the edits" "$(stat_of 'SuccessfulCall(C)')" 1000
cw_eq "calls that failed during the edits" "$(stat_of 'FailedCall(C)')" 0
swaps=$(( $(cw_log_count 'tenant=hot version=[0-9a-f]{12} swapped') - swaps0 ))
rejected=$(cw_log_count 'tenant=hot version rejected: hot/flow.lua:')
cw_ge "swaps during the edits" "$swaps" 50
cw_ge "broken edits rejected" "$rejected" 5
versions=$(sed -n 's/.*tenant=hot hot load=\([0-9]*\)$/\1/p' "$T/runtime.log" | sort -un | wc -l)
cw_ge "versions the calls ran on" "$versions" 30

cw_stop 40
cw_say "ok: $swaps swaps, $rejected broken edits rejected, 1000 calls on $versions versions, 0 failed"
