#!/bin/sh
# G3 and G2 over real SIP: the core asks the policy's consent question after the
# disclosure; a level's key gives that level, durably (GIVEN in the ledger before the
# flow hears of it); "9" plays the longer information and asks again; a level above the
# caller's age cannot be given; no answer within the retries, or the human key, is a
# refusal (REFUSED). The gate: recording is refused (nil, "G2: ...") before consent,
# for a purpose the level does not cover, and always after a refusal, also through
# pcall; a granted recording is stored in the vault as one artifact of the consent's
# purpose (a paused second of it not), and a refused call leaves no artifact. G5: the withdraw key in the middle of a
# recording stops it (nothing of it is kept), logs WITHDRAWN and ERASED, plays the
# confirmation and runs the flow's on_withdraw. A level with a minimum age, when the flow
# does not know the age: the core asks it (keys, then '#') before the question. The
# GIVEN names the caller's answer as evidence (stored sealed after the commit); a
# refusal keeps none.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
P="$T/policies"
mkdir -p "$S/shop" "$P/shop" "$S/desk"
# G9: the flow hands over and tries to claim a higher consent in the headers
cat >"$S/desk/flow.lua" <<'LUA'
local level = call:consent{}
local ok, err = call:transfer(nil, { ["X-Consent-Level"] = "premium", ["X-Note"] = "vip" })
call:log("transfer: " .. tostring(ok) .. " " .. tostring(err))
LUA
cat >"$S/shop/flow.lua" <<'LUA'
call.on_withdraw = function(c, level) c:log("withdrawn: " .. level) end
local early, why0 = call:record{ purpose = "call_handling" }
call:log("record before consent: " .. tostring(early) .. " " .. tostring(why0))
local level, why = call:consent{ age = 15 }
call:log("consent: " .. tostring(level) .. " " .. tostring(why))
local ok, err = call:record{ purpose = "ai_improvement" }
call:log("record ai_improvement: " .. tostring(ok) .. " " .. tostring(err))
local pok, r1, r2 = pcall(call.record, call, { purpose = "call_handling", direction = "both" })
call:log("record call_handling: " .. tostring(pok) .. " " .. tostring(r1) .. " " .. tostring(r2))
call:sleep(1500)
call:pause_record()      -- nothing of the next second is kept
call:sleep(1000)
call:resume_record()
call:sleep(500)
if r1 then call:stop_record() end
call:hangup()
LUA
cp "$CW_PROMPTS/en/goodbye.wav" "$P/shop/disclosure.wav"
cat >"$P/shop/policy.lua" <<'LUA'
controller { name = "Shop GmbH", contact = "info@shop.example" }
jurisdiction "DE"
languages { default = "en", "en" }
notice { url = "https://shop.example/privacy" }
disclosure "en" { text = "This is an AI assistant.", audio = "disclosure.wav" }
consent "en" { question = "Press 1, 2 or 3.", more = "More.", accepted = "Thanks.",
               refused = "No recording.", withdrawn = "Withdrawn.", timeout = "Again." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
level "extended" { key = "2", purposes = { "call_handling", "ai_improvement" },
                   retention = "90d", min_age = 16 }
keys { more = "9", withdraw = "0", human = "#" }
timeouts { answer_ms = 1000, retries = 1 }
handover { target = "sip:desk@shop.example", notice = { en = "One moment." } }
LUA
after_disclosure=$(( $(cw_frames "$P/shop/disclosure.wav") * 20 + 600 ))

cp -r "$P/shop" "$P/desk"
# the core asks the age itself when a level needs one and the flow does not know it
mkdir -p "$S/teen" "$P/teen"
cp "$P/shop/disclosure.wav" "$P/teen/"
sed 's/timeout = "Again." }/timeout = "Again.", age = "Your age, then the hash key." }/' \
    "$P/shop/policy.lua" >"$P/teen/policy.lua"
grep -q 'age = ' "$P/teen/policy.lua" || cw_fail "the age wording did not go into the policy"
printf 'local l, why = call:consent{}\ncall:log("consent: " .. tostring(l) .. " " .. tostring(why))\ncall:hangup()\n' \
    >"$S/teen/flow.lua"
# the evidence of a consent: what the caller sent between the question's end and the key
mkdir -p "$S/proof" "$P/proof"
cp "$P/shop/disclosure.wav" "$P/proof/"
grep -v '^level "extended"\|^ *retention = "90d"' "$P/shop/policy.lua" >"$P/proof/policy.lua"
cp "$S/teen/flow.lua" "$S/proof/flow.lua"

cw_pick_ports 40
"$CW_BIN" admin token add prom --role agent --data "$T/data" >"$T/prom" || cw_fail "token add"
ADMIN="127.0.0.1:$((SIP_PORT + 1))"
cw_start --scripts "$S" --policies "$P" --admin-listen "$ADMIN"
calls=0
# call NAME K1 K2 K3: a call whose caller presses three keys after the disclosure
call() {
    calls=$((calls + 1))
    cw_rtppeer "p-$1" --duration 40 --send-ms 20000      # the caller talks all along
    cw_sipp_ok "$1" "$CW_SCEN/consent_keys.xml" -s shop -d "$after_disclosure" \
        -key k1 "$2" -key k2 "$3" -key k3 "$4"
    cw_wait_log "call=$calls ended" 20
    sleep 0.3
}
field() { sed -n "s/.*call=$1 tenant=shop $2: \(.*\)/\1/p" "$T/runtime.log" | head -n 1; }

# 1. "2" is above the caller's age (15 < 16): ignored; then "1": basic
call given 2 1 '*'
cw_expect_log 'call=1 consent key=2 level=extended not grantable'
[ "$(field 1 'record before consent')" = "nil G2: recording refused: no committed consent on this call (purpose \"call_handling\")" ] ||
    cw_fail "a recording before consent was not refused: $(field 1 'record before consent')"
[ "$(field 1 consent)" = "basic nil" ] || cw_fail "consent 1: $(field 1 consent)"
case "$(field 1 'record ai_improvement')" in
    "nil G2: recording refused: the consent does not cover this purpose (purpose \"ai_improvement\")") ;;
    *) cw_fail "a purpose beyond the level was recorded: $(field 1 'record ai_improvement')" ;;
esac
[ "$(field 1 'record call_handling')" = "true true nil" ] || cw_fail "the covered purpose was refused: $(field 1 'record call_handling')"
cw_wait_log 'call=1 recording stored artifact=[0-9a-f]{32}' 10
secs=$(sed -n 's/.*call=1 recording stopped purpose=call_handling seconds=\([0-9.]*\) stored.*/\1/p' "$T/runtime.log")
awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 1.7 && s <= 2.3) }' ||
    cw_fail "the recording is ${secs:-0} s long, expected the flow's 1.5 + 0.5 s (1 s paused)"
cw_expect_log 'call=1 recording paused at 1\.[0-9]+ s'
# direction "both": two channels, the caller and what the caller heard
art1=$(sed -n 's/.*call=1 recording stored artifact=\([0-9a-f]*\).*/\1/p' "$T/runtime.log")
"$CW_BINARY_DIR/tests/vault_tool" get "$T/data" shop "$art1" >"$T/rec1.wav" ||
    cw_fail "the recording cannot be read back from the vault"
[ "$(od -An -tu2 -j22 -N2 "$T/rec1.wav" | tr -d ' ')" = 2 ] ||
    cw_fail "the recording of both directions is not two channels"
cw_expect_log 'call=1 recording resumed at 1\.[0-9]+ s'

# 2. "9" (more), then "1": asked again, given
call more 9 1 '*'
[ "$(field 2 consent)" = "basic nil" ] || cw_fail "consent after more: $(field 2 consent)"

# 3. no key at all: the question twice (retries 1), then refused
call silent '*' '*' '*'
[ "$(field 3 consent)" = "nil refused" ] || cw_fail "consent without an answer: $(field 3 consent)"
[ "$(field 3 'record call_handling')" = "true nil G2: recording refused: no committed consent on this call (purpose \"call_handling\")" ] ||
    cw_fail "a refused call recorded: $(field 3 'record call_handling')"

# 4. the human key refuses
call human '#' '*' '*'
[ "$(field 4 consent)" = "nil refused" ] || cw_fail "consent with the human key: $(field 4 consent)"
# 5 (G9). a handover: the notice, then a REFER with the core's consent headers
calls=$((calls + 1))
cw_rtppeer p-desk --duration 40 --send-ms 20000
cw_sipp_ok desk "$CW_SCEN/consent_refer.xml" -s desk -d "$after_disclosure" -key k1 1
cw_wait_log "call=$calls ended" 20
cw_expect_log "call=$calls handover REFER sent consent=basic headers=5"
cw_expect_log "call=$calls transfer status=202"

# 6. "1", then "0" in the middle of the recording: withdrawn, nothing kept
call withdraw 1 '*' 0
[ "$(field 6 consent)" = "basic nil" ] || cw_fail "consent 6: $(field 6 consent)"
cw_expect_log 'call=6 consent withdrawn level=basic'
cw_expect_log 'call=6 recording stopped purpose=call_handling seconds=[0-9.]+ discarded'
[ "$(field 6 withdrawn)" = "basic" ] || cw_fail "on_withdraw did not run"
cw_expect_log 'call=6 consent withdrawn level=basic frames_recorded_after_key=0'

# 7. the same by RFC 4733 in the RTP, while the caller talks: the gate shuts as the key
# goes down, so at most one frame of the caller's audio is kept after the key's first
# event packet
calls=$((calls + 1))
cw_rtppeer p-rtp0 --duration 40 --send-ms 20000 --pcap "${CW_DTMF_PCAP%_1.pcap}_0.pcap" \
    --dtmf-after-ms $((after_disclosure + 1500))
cw_sipp_ok rtp0 "$CW_SCEN/consent_keys.xml" -s shop -d "$after_disclosure" \
    -key k1 1 -key k2 '*' -key k3 '*'
cw_wait_log "call=$calls ended" 20
cw_expect_log "call=$calls dtmf digit=0 method=rfc4733"
cw_expect_log "call=$calls withdraw key down: the gate is shut"
after=$(sed -n "s/.*call=$calls consent withdrawn level=basic frames_recorded_after_key=\([0-9]*\).*/\1/p" "$T/runtime.log")
[ -n "$after" ] && [ "$after" -le 1 ] ||
    cw_fail "frames recorded after the withdraw key: ${after:-none logged} (at most 1)"
cw_say "frames recorded after the RFC 4733 withdraw key went down: $after (at most 1)"

# keys5 TENANT NAME K1..K5: a call whose caller presses five keys after the disclosure
keys5() {
    calls=$((calls + 1))
    cw_rtppeer "p-$2" --duration 40 --send-ms 20000
    cw_sipp_ok "$2" "$CW_SCEN/consent_age.xml" -s "$1" -d "$after_disclosure" \
        -key k1 "$3" -key k2 "$4" -key k3 "$5" -key k4 "$6" -key k5 "$7"
    cw_wait_log "call=$calls ended" 20
}

# 7, 8 (the age question): 15 years, then "2" (extended, from 16) is refused and "1"
# gives basic; 17 years and "2" gives extended
teen() { keys5 teen "$1" "$2" "$3" '#' "$4" "$5"; }
teen age15 1 5 2 1
cw_expect_log "call=$calls consent asked variant=main levels=0x3 age=unknown"
cw_expect_log "call=$calls consent age answered"
cw_expect_log "call=$calls consent key=2 level=extended not grantable \(below the minimum age\)"
[ "$(sed -n "s/.*call=$calls tenant=teen consent: \(.*\)/\1/p" "$T/runtime.log")" = "basic nil" ] ||
    cw_fail "age 15: $(grep "call=$calls " "$T/runtime.log" | tail -n 5)"
teen age17 1 7 2 '*'
[ "$(sed -n "s/.*call=$calls tenant=teen consent: \(.*\)/\1/p" "$T/runtime.log")" = "extended nil" ] ||
    cw_fail "age 17: $(grep "call=$calls " "$T/runtime.log" | tail -n 5)"
grep -E 'consent (age|asked).*(15|17)' "$T/runtime.log" && cw_fail "an age is in the log"

# 9, 10 (evidence): "1" two seconds into the question's answer time, and "#" (refused)
proof() { keys5 proof "$1" '*' '*' '*' '*' "$2"; }
proof evidence 1
cw_wait_log "call=$calls consent evidence stored artifact=[0-9a-f]{32}" 10
evidence=$(sed -n "s/.*call=$calls consent evidence stored artifact=\([0-9a-f]*\).*/\1/p" "$T/runtime.log")
proof refusal '#'
# 11 (drop-off): a caller who hangs up while the core asks the age (the question stands)
calls=$((calls + 1))
cw_sipp_ok dropoff "$CW_SCEN/bye_after_pause.xml" -s teen -d $((after_disclosure + 500))
cw_wait_log "call=$calls ended" 20

# what /metrics counted, read with the Prometheus project's own parser
curl -s -H "Authorization: Bearer $(sed -n 's/^token: //p' "$T/prom")" "http://$ADMIN/metrics" \
    >"$T/metrics" || cw_fail "metrics"
/usr/bin/python3 "$CW_SOURCE_DIR/tests/admin/promcheck.py" "$T/metrics" >"$T/samples" ||
    cw_fail "the metrics do not parse"
sample() {
    grep -qx "$1" "$T/samples" || cw_fail "expected the sample $1: $(grep "${1%%\{*}" "$T/samples")"
}
sample 'callwarden_consent_asked_total{tenant=shop,variant=main} 6.0'
sample 'callwarden_consent_given_total{level=basic,tenant=shop,variant=main} 4.0'
sample 'callwarden_consent_refused_total{tenant=shop,variant=main} 2.0'
sample 'callwarden_consent_withdrawn_total{level=basic,tenant=shop,variant=main} 2.0'
sample 'callwarden_consent_given_total{level=extended,tenant=teen,variant=main} 1.0'
sample 'callwarden_consent_asked_total{tenant=teen,variant=main} 3.0'
sample 'callwarden_consent_dropoff_total{tenant=teen,variant=main} 1.0'
sample 'callwarden_consent_dropoff_total{tenant=shop,variant=main} 0.0'
sample "callwarden_calls_answered_total{} $calls.0"
sample "callwarden_disclosures_completed_total{} $calls.0"
sample 'callwarden_handovers_total{} 1.0'
sample 'callwarden_refusals_total{guarantee=G1} 0.0'
g2=$(sed -n 's/^callwarden_refusals_total{guarantee=G2} \([0-9]*\)\.0$/\1/p' "$T/samples")
cw_ge "G2 refusals counted (every shop call records before its consent)" "${g2:-0}" 6
grep -q '^callwarden_ledger_commit_seconds_count{tenant=shop} [1-9]' "$T/samples" ||
    cw_fail "no ledger commit latencies: $(grep ledger_commit "$T/samples")"
grep -q '^callwarden_event_loop_lag_seconds_count{} [1-9]' "$T/samples" || cw_fail "no loop lag"
cw_say "metrics: $(grep -c . "$T/samples") samples, G2 refusals $g2"
# the A/B table of `callwarden stats`, from the same /metrics
"$CW_BIN" stats --admin "http://$ADMIN" --token "$(sed -n 's/^token: //p' "$T/prom")" \
    --tenant shop >"$T/stats" || cw_fail "stats: $(cat "$T/stats")"
grep -q '^main  *6  *4  *2  *0  *2  *66.7% ' "$T/stats" || cw_fail "stats: $(cat "$T/stats")"
grep -q 'basic 4$' "$T/stats" || cw_fail "stats by level: $(cat "$T/stats")"
rc=0
"$CW_BIN" stats --admin "http://$ADMIN" --token cw_wrong >"$T/stats" || rc=$?
[ $rc = 2 ] && grep -q "answered 401" "$T/stats" || cw_fail "stats with a wrong token: $(cat "$T/stats")"
cw_stop

prf=$("$CW_BIN" audit show --data "$T/data" --tenant proof)
given=$(echo "$prf" | grep '^GIVEN ')
echo "$given" | grep -q "\"evidence\":{\"ref\":\"$evidence\",\"sha256\":\"[0-9a-f]\{64\}\",\"key_id\":\"consent:" ||
    cw_fail "GIVEN does not name its evidence $evidence: $given"
ms=$(echo "$given" | sed 's/.*"duration_ms":\([0-9]*\).*/\1/')
cw_ge "the evidence's duration (ms)" "$ms" 200
[ "$ms" -le 5000 ] || cw_fail "the evidence is $ms ms, more than the answer"
echo "$prf" | grep '^REFUSED ' | grep -q evidence && cw_fail "a refusal kept evidence: $prf"
parts=$("$CW_BINARY_DIR/tests/vault_tool" list "$T/data" proof)
[ "$(echo "$parts" | grep -c '^artifact=')" = 1 ] || cw_fail "expected the one evidence artifact: $parts"
echo "$parts" | grep -q "^artifact=$evidence .*purpose=consent_evidence kind=audio/wav" ||
    cw_fail "the evidence is not in the vault as named: $parts"

teen=$("$CW_BIN" audit show --data "$T/data" --tenant teen)
echo "$teen" | grep -q '^GIVEN .*"level":"basic".*"age_answer":"15"' || cw_fail "no GIVEN basic with age 15: $teen"
echo "$teen" | grep -q '^GIVEN .*"level":"extended".*"age_answer":"17"' || cw_fail "no GIVEN extended with age 17: $teen"
out=$("$CW_BIN" audit show --data "$T/data" --tenant shop) || cw_fail "audit show: $out"
[ "$(echo "$out" | grep -c '^GIVEN .*"level":"basic"')" = 4 ] || cw_fail "expected 4 GIVEN records: $out"
c5=$(echo "$out" | grep '^GIVEN ' | tail -n 1 | sed 's/.*"consent_id":"\([^"]*\)".*/\1/')
echo "$out" | grep -q "^WITHDRAWN .*\"consent_id\":\"$c5\"" || cw_fail "no WITHDRAWN for call 5"
echo "$out" | grep -q "^ERASED .*\"consent_id\":\"$c5\",\"reason\":\"withdrawn\"" || cw_fail "no ERASED for call 5"
[ "$(echo "$out" | grep -c '^REFUSED .*"method":{"kind":"DTMF","answer":"timeout"}')" = 1 ] || cw_fail "no REFUSED for the timeout"
[ "$(echo "$out" | grep -c '^REFUSED .*"answer":"human"')" = 1 ] || cw_fail "no REFUSED for the human key"
echo "$out" | grep '^GIVEN ' | head -n 1 | grep -q '"purposes":\[{"purpose":"call_handling","retention":"30d"' ||
    cw_fail "GIVEN lacks its purposes: $out"
echo "$out" | grep '^GIVEN ' | head -n 1 | grep -q '"age_answer":"15"' || cw_fail "GIVEN lacks the age"
arts=$("$CW_BINARY_DIR/tests/vault_tool" list "$T/data" shop)
[ "$(echo "$arts" | grep -c '^artifact=')" = 2 ] || cw_fail "expected 2 recordings (calls 1 and 2): $arts"
echo "$arts" | grep -q "consent=$c5 " && cw_fail "the withdrawn call's recording was kept"
echo "$arts" | grep -v 'purpose=call_handling kind=audio/wav' | grep -q . && cw_fail "an artifact of another purpose: $arts"
c1=$(echo "$out" | grep '^GIVEN ' | head -n 1 | sed 's/.*"consent_id":"\([^"]*\)".*/\1/')
echo "$arts" | grep -q "consent=$c1 " || cw_fail "the first recording is not filed under its consent"
"$CW_BIN" audit verify --data "$T/data" --tenant shop >/dev/null || cw_fail "the ledger does not verify"
desk=$("$CW_BIN" audit show --data "$T/data" --tenant desk)
echo "$desk" | grep -q '^HANDED_OVER .*"level":"basic".*"handover":{"target":"sip:desk@shop.example","carries_over":false,"mode":"refer"}' ||
    cw_fail "no HANDED_OVER record: $desk"
cw_say "ok"
