#!/bin/sh
# G5 through the admin API while the call is still up (issue 8): a dpo or agent
# withdraws a consent by id during its call; the call itself withdraws it as the
# withdraw key would: the gate shuts at once (no frame recorded after), the recording
# is discarded, the flow's on_withdraw runs, WITHDRAWN (method ADMIN, naming the user)
# and ERASED are logged. The flow then tries to record again (an attack from Lua): the
# core refuses it (G2), and nothing of the call stays in the vault.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
P="$T/policies"
mkdir -p "$S/shop" "$P/shop"
cat >"$S/shop/flow.lua" <<'LUA'
local withdrawn = false
call.on_withdraw = function(c, level) withdrawn = true; c:log("withdrawn: " .. level) end
local level = call:consent{}
call:log("consent: " .. tostring(level))
local ok, why = call:record{ purpose = "call_handling" }
call:log("recording: " .. tostring(ok) .. " " .. tostring(why))
local waited = 0
while not withdrawn and waited < 12000 do
    call:sleep(100)
    waited = waited + 100
end
-- the attack: record again, as if nothing had happened
local again, why2 = call:record{ purpose = "call_handling" }
call:log("record after withdrawal: " .. tostring(again) .. " " .. tostring(why2))
call:hangup()
LUA
cp "$CW_PROMPTS/en/goodbye.wav" "$P/shop/disclosure.wav"
cat >"$P/shop/policy.lua" <<'LUA'
controller { name = "Shop GmbH", contact = "info@shop.example" }
jurisdiction "DE"
languages { default = "en", "en" }
notice { url = "https://shop.example/privacy" }
disclosure "en" { text = "This is an AI assistant.", audio = "disclosure.wav" }
consent "en" { question = "Press 1.", accepted = "Thanks.", refused = "No recording.",
               withdrawn = "Withdrawn.", timeout = "Again." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
LUA
after_disclosure=$(( $(cw_frames "$P/shop/disclosure.wav") * 20 + 600 ))

"$CW_BIN" admin token add bob --role agent --data "$T/data" >"$T/bob" || cw_fail "token add"
cw_pick_ports 40
ADMIN="127.0.0.1:$((SIP_PORT + 1))"
cw_start --scripts "$S" --policies "$P" --admin-listen "$ADMIN"

cw_rtppeer caller --duration 30 --send-ms 20000     # the caller talks all along
cw_sipp_bg call "$CW_SCEN/consent_keys.xml" -s shop -d "$after_disclosure" \
    -key k1 1 -key k2 '*' -key k3 '*'
sipp_pid=$SIPP_PID
cw_wait_log 'call=1 tenant=shop recording: true' 20
sleep 1                                             # a second of it is recorded
id=$("$CW_BIN" audit show --data "$T/data" --tenant shop | sed -n 's/^GIVEN .*"consent_id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || cw_fail "no GIVEN in the ledger"
code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $(sed -n 's/^token: //p' "$T/bob")" \
    "http://$ADMIN/v1/tenants/shop/consents/$id/withdraw") || cw_fail "curl"
[ "$code" = 200 ] && grep -q '"during_call":true' "$T/body" ||
    cw_fail "the withdrawal during the call: $code $(cat "$T/body")"
cw_wait_log 'call=1 consent withdrawn level=basic frames_recorded_after_key=0' 5
cw_wait_log 'call=1 tenant=shop withdrawn: basic' 5
cw_wait_log 'call=1 tenant=shop record after withdrawal: nil G2: recording refused' 5
rc=0
cw_wait_pid "$sipp_pid" 30 || rc=$?
[ $rc = 0 ] || cw_fail "the call did not end cleanly (SIPp status $rc)"
cw_wait_log 'call=1 ended' 10
cw_expect_log 'call=1 recording stopped purpose=call_handling seconds=[0-9.]+ discarded'
cw_stop

show=$("$CW_BIN" audit show --data "$T/data" --tenant shop)
echo "$show" | grep -q "^WITHDRAWN .*\"consent_id\":\"$id\".*\"method\":{\"kind\":\"ADMIN\",\"answer\":\"api:bob (agent)\"" ||
    cw_fail "no WITHDRAWN by the API: $show"
echo "$show" | grep -q "^ERASED .*\"consent_id\":\"$id\",\"reason\":\"withdrawn\"" || cw_fail "no ERASED"
arts=$("$CW_BINARY_DIR/tests/vault_tool" list "$T/data" shop)
echo "$arts" | grep -q "consent=$id" && cw_fail "the call's recording was kept: $arts"
cw_say "ok: withdrawn during the call, nothing recorded after, the flow's second record refused"
