#!/bin/sh
# G1 over real SIP and RTP: a tenant with a policy hears its disclosure first and in
# full, whatever its flow does first (here: it plays a prompt at once, without even
# answering); keys pressed during the disclosure are discarded, never reach the flow,
# and do not shorten it (the RTP shows its every frame); a caller who hangs up during
# it gets nothing else (the flow never starts); a hold pauses it (all of it is heard
# after the hold); DISCLOSED is in the tenant's ledger,
# with the policy and flow versions and the wording's hash, and without the number. A
# broken policy edit is refused with file:line while the running one keeps serving; a
# good edit is in force for the next call (POLICY_VERSION). A tenant without a policy has
# no disclosure to play, so its calls are refused (503) rather than answered.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
P="$T/policies"
mkdir -p "$S/g1/prompts/en" "$P/g1"
cp "$CW_PROMPTS/en/goodbye.wav" "$S/g1/prompts/en/goodbye.wav"
# the attack: the flow's very first statement plays, and it listens for keys
cat >"$S/g1/flow.lua" <<'LUA'
call.on_dtmf = function(d) call:log("flow saw key " .. d) end
call:play("goodbye")
call:hangup()
LUA
cp "$CW_PROMPTS/en/welcome.wav" "$P/g1/disclosure_en.wav"
cat >"$P/g1/policy.lua" <<'LUA'
controller { name = "G1 Test GmbH", address = "Teststr. 1, 10115 Berlin",
             contact = "info@g1.example", dpo = "dpo@g1.example" }
jurisdiction "DE"
languages { default = "en", "en" }
notice { url = "https://g1.example/privacy" }
disclosure "en" { text = "You are talking to an AI assistant of G1 Test.",
                  audio = "disclosure_en.wav" }
consent "en" { question = "May we record? Press 1.", more = "More information.",
               accepted = "Thank you.", refused = "We will not record.",
               withdrawn = "Your consent is withdrawn.", timeout = "No answer." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
keys { more = "9", withdraw = "0" }
LUA
mkdir -p "$S/nopolicy"
printf 'call:answer()\ncall:sleep(5000)\n' >"$S/nopolicy/flow.lua"
disclosure=$(cw_frames "$P/g1/disclosure_en.wav")
goodbye=$(cw_frames "$CW_PROMPTS/en/goodbye.wav")

cw_pick_ports 20
cw_start --scripts "$S" --policies "$P" --serve-without-policy 0
cw_expect_log 'tenant=g1 version=[0-9a-f]{12} loaded policy=[0-9a-f]{12}'

# 0. a tenant without a policy: 503 with the reason, its flow never runs
cw_expect_log 'tenant=nopolicy has no policy .*: its calls are refused with 503'
cw_sipp_ok nopolicy "$CW_SCEN/unavailable_503.xml" -s nopolicy
cw_expect_log 'rejected status=503 reason="the tenant has no policy, so its AI disclosure cannot be played \(G1\)"'
grep -q "flow tenant=nopolicy" "$T/runtime.log" && cw_fail "the flow of a tenant without a policy ran"

# 1. keys during the disclosure: discarded; the disclosure plays in full, then the flow
cw_rtppeer peer1 --duration 30 --expect-talkspurts 2
cw_sipp_ok keys "$CW_SCEN/disclosure_keys.xml" -s g1
cw_rtppeer_wait peer1 20
cw_near "the disclosure (first talkspurt)" "$(cw_kv "$T/peer1.out" '^talkspurt=1 ' packets)" "$disclosure" 2
cw_near "the flow's prompt (second talkspurt)" "$(cw_kv "$T/peer1.out" '^talkspurt=2 ' packets)" "$goodbye" 2
[ "$(cw_log_count 'dtmf digit=. discarded: the disclosure plays \(G1\)')" = 3 ] || cw_fail "the keys during the disclosure were not discarded"
cw_expect_log 'disclosure done lang=en ms=[0-9]+ keys_discarded=3'
grep -q 'flow saw key' "$T/runtime.log" && cw_fail "a key pressed during the disclosure reached the flow"

# 2. a hang-up during the disclosure: nothing else happens
cw_rtppeer peer2 --duration 10
cw_sipp_ok bye "$CW_SCEN/hangup_early.xml" -s g1 -d 2000
c2=$(sed -n 's/.*call=\([0-9]*\) incoming tenant=g1.*/\1/p' "$T/runtime.log" | tail -n 1)
cw_wait_log "call=$c2 ended" 10
sleep 0.3
grep -q "call=$c2 disclosure done" "$T/runtime.log" && cw_fail "the disclosure counted as done after a hang-up"
grep -q "call=$c2 flow tenant=" "$T/runtime.log" && cw_fail "the flow started after a hang-up during the disclosure"

# 2b. the caller holds during the disclosure: it waits where it was, so that all of it
# is heard once the caller takes the call back (two talkspurts), then the flow's prompt
cw_rtppeer peer5 --duration 30 --expect-talkspurts 3
cw_sipp_ok hold "$CW_SCEN/disclosure_hold.xml" -s g1
cw_rtppeer_wait peer5 20
p1=$(cw_kv "$T/peer5.out" '^talkspurt=1 ' packets)
p2=$(cw_kv "$T/peer5.out" '^talkspurt=2 ' packets)
cw_near "the disclosure around a hold (talkspurts 1 and 2)" "$((p1 + p2))" "$disclosure" 3
cw_near "the flow's prompt after it" "$(cw_kv "$T/peer5.out" '^talkspurt=3 ' packets)" "$goodbye" 2

# 3. hot reload of the policy: a broken edit is refused with file:line and the running
# policy keeps serving; a good one is in force for the next call
good=$(cat "$P/g1/policy.lua")
printf '%s\nlevel "extra" { key = "5", purposes = { "call_handling" }, retention = "30" }\n' \
    "$good" >"$P/g1/policy.lua.tmp"
mv "$P/g1/policy.lua.tmp" "$P/g1/policy.lua"
bad_line=$(( $(printf '%s\n' "$good" | wc -l) + 1 ))
cw_wait_log "tenant=g1 version rejected: g1/policy.lua:$bad_line: .*retention" 10
cw_expect_log 'the running version keeps serving'
cw_rtppeer peer3 --duration 30 --expect-talkspurts 2
cw_sipp_ok keys3 "$CW_SCEN/disclosure_keys.xml" -s g1
cw_rtppeer_wait peer3 20
cw_near "the disclosure after a broken edit" "$(cw_kv "$T/peer3.out" '^talkspurt=1 ' packets)" "$disclosure" 2
cp "$CW_PROMPTS/en/press1.wav" "$P/g1/disclosure_en.wav"
printf '%s\n' "$good" >"$P/g1/policy.lua.tmp"
mv "$P/g1/policy.lua.tmp" "$P/g1/policy.lua"
cw_wait_log 'tenant=g1 version=[0-9a-f]{12} swapped from=[0-9a-f]{12} policy=' 10
cw_rtppeer peer4 --duration 30 --expect-talkspurts 2
cw_sipp_ok keys4 "$CW_SCEN/disclosure_keys.xml" -s g1
cw_rtppeer_wait peer4 20
cw_near "the new disclosure" "$(cw_kv "$T/peer4.out" '^talkspurt=1 ' packets)" \
    "$(cw_frames "$P/g1/disclosure_en.wav")" 2

cw_stop

# the ledger: one DISCLOSED per finished call, every policy version in force logged, with what proves it, and no number
out=$("$CW_BIN" audit show --data "$T/data" --tenant g1) || cw_fail "audit show: $out"
[ "$(echo "$out" | grep -c '^DISCLOSED ')" = 4 ] || cw_fail "expected four DISCLOSED records: $out"
[ "$(echo "$out" | grep -c '^POLICY_VERSION ')" = 2 ] || cw_fail "expected two POLICY_VERSION records: $out"
line=$(echo "$out" | grep '^DISCLOSED ' | head -n 1)
for f in '"subject_ref":"[0-9a-f]\{32\}"' '"cli_status":"present"' '"language":"en"' \
         '"disclosure_sha256":"[0-9a-f]\{64\}"' '"policy_hash":"[0-9a-f]\{64\}"' \
         '"flow_hash":"[0-9a-f]\{64\}"' '"controller":"G1 Test GmbH"' '"jurisdiction":"DE"'; do
    echo "$line" | grep -q "$f" || cw_fail "DISCLOSED lacks $f: $line"
done
echo "$out" | grep -q -e '555123' && cw_fail "the caller's number is in the ledger"
"$CW_BIN" audit verify --data "$T/data" --tenant g1 >/dev/null || cw_fail "the ledger does not verify"
cw_say "ok"
