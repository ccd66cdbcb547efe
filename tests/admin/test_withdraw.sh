#!/bin/sh
# G5 outside the call, by the caller (issue 8): the withdrawal page, German and English,
# without JavaScript, in headless Chromium (JavaScript switched off): the number, a
# one-time code through the policy's withdrawal code_hook (a real HTTPS server on
# loopback standing in for the SMS gateway, through the egress gate), the code, the
# confirmation; every consent of that caller in force is withdrawn (WITHDRAWN method
# CODE, content crypto-shredded, ERASED). The JSON API does the same; a wrong code is
# refused and a code works once; an unknown number gets the same answer and no SMS;
# the CRM gets every withdrawal through the webhook outbox;
# a code_hook off the allow-list is a policy error.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"
fail() { cw_fail "$@"; }
. "$CW_SOURCE_DIR/tests/egress/lib.sh"

D="$T/data"
tool="$CW_BINARY_DIR/tests/vault_tool"
far=4102444800000
A="+49 30 1234567"
B="+49 89 7654321"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C3=33333333-3333-4333-8333-333333333333

sh "$EGRESS_DIR/make_certs.sh" "$T/pki"
egress_serve sms 127.0.0.1 --cert "$T/pki/server.pem" --key "$T/pki/server.key"
CW_PIDS="$CW_PIDS $egress_pids"
egress_wait sms
SMS="127.0.0.1:$(cat "$T/sms.port")"

mkdir -p "$T/scripts" "$T/policies/praxis"
cp -r "$CW_SOURCE_DIR/scripts/praxis" "$T/scripts/"
rm -rf "$T/scripts/praxis/scenarios"
cp "$CW_SOURCE_DIR/policies/praxis/"* "$T/policies/praxis/"
cat >>"$T/policies/praxis/policy.lua" <<EOF
egress { allow = { ["$SMS"] = "EU" } }
withdrawal { code_hook = "https://$SMS/hooks/sms" }
webhook { url = "https://$SMS/hooks/crm" }
EOF
"$CW_BIN" check "$T/scripts/praxis" >"$T/check" 2>&1 || cw_fail "the policy: $(cat "$T/check")"
# a code hook that is not on the allow-list is an error with its line
mkdir -p "$T/bad/praxis" "$T/badpol/praxis"
cp "$T/scripts/praxis/"* "$T/bad/praxis/"
sed "s#https://$SMS/hooks/sms#https://sms.example.com/send#" "$T/policies/praxis/policy.lua" \
    >"$T/badpol/praxis/policy.lua"
rc=0
(cd "$T" && "$CW_BIN" check "$T/badpol/praxis") >"$T/check" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "policy.lua:[0-9]*: withdrawal code_hook \"https://sms.example.com/send\": host sms.example.com port 443 is not on the policy's egress.allow list" "$T/check" ||
    cw_fail "a code hook off the allow-list: $(cat "$T/check")"

"$CW_BIN" keys init --data "$D" --tenant praxis >/dev/null || cw_fail "keys init"
a1=$("$tool" put "$D" praxis "$A" $C1 recording $far "RECORDING-OF-A") || cw_fail "put"
"$tool" put "$D" praxis "$A" $C2 transcript $far "TRANSCRIPT-OF-A" >/dev/null || cw_fail "put"
b1=$("$tool" put "$D" praxis "$B" $C3 recording $far "RECORDING-OF-B") || cw_fail "put"
a1=${a1##*artifact=}
b1=${b1##*artifact=}
for c in $C1 $C2; do "$tool" given "$D" praxis "$A" $c || cw_fail "given"; done
"$tool" given "$D" praxis "$B" $C3 || cw_fail "given"

printf 'egress_ca_file = %s\nwebhook_secret = praxis sms-secret-0815\n' "$T/pki/ca.pem" >"$T/cw.conf"
cw_pick_ports 20
ADMIN="127.0.0.1:$((SIP_PORT + 1))"
cw_start --config "$T/cw.conf" --scripts "$T/scripts" --policies "$T/policies" \
    --admin-listen "$ADMIN" --outbox-poll-ms 200

# the page in both languages, no script in it
code=$(curl -s -o "$T/en.html" -w '%{http_code}' "http://$ADMIN/withdraw/praxis?lang=en")
[ "$code" = 200 ] || cw_fail "the English page: $code"
grep -q '<html lang="en">' "$T/en.html" && grep -q "Withdraw your consent" "$T/en.html" &&
    grep -q "Hausarztpraxis Dr. Beispiel" "$T/en.html" || cw_fail "the English page: $(cat "$T/en.html")"
curl -s "http://$ADMIN/withdraw/praxis" >"$T/de.html"
grep -q '<html lang="de">' "$T/de.html" && grep -q "Einwilligung widerrufen" "$T/de.html" ||
    cw_fail "the German page"
if grep -qi "<script" "$T/en.html" "$T/de.html"; then cw_fail "the page has a script"; fi

# caller A, in the browser, in German: both consents withdrawn
$PY "$CW_SOURCE_DIR/tests/admin/withdraw_browser.py" "http://$ADMIN/withdraw/praxis" "$A" \
    "$T/sms.log" de >"$T/browser" 2>"$T/browser.err" ||
    cw_fail "the browser: $(cat "$T/browser" "$T/browser.err")"
cw_say "$(cat "$T/browser")"
grep -q "^after the number: Wenn zu dieser Nummer eine Einwilligung besteht" "$T/browser" ||
    cw_fail "the page after the number: $(cat "$T/browser")"
grep -q "^message: Ihr Widerruf ist eingegangen: 2 Einwilligungen sind widerrufen.$" "$T/browser" ||
    cw_fail "the confirmation: $(cat "$T/browser")"
grep -q "^notice: .*ist gelöscht" "$T/browser" || cw_fail "the notice: $(cat "$T/browser")"
hook=$(grep '"/hooks/sms"' "$T/sms.log" | head -n 1)
echo "$hook" | grep -q '"x-callwarden-signature": "t=[0-9]*,v1=[0-9a-f]\{64\}"' ||
    cw_fail "the SMS hook is not signed: $hook"
echo "$hook" | grep -q 'Ihr Code zum Widerruf Ihrer Einwilligung bei Hausarztpraxis Dr. Beispiel' ||
    cw_fail "the SMS text: $hook"
"$tool" get "$D" praxis "$a1" >/dev/null 2>&1 && cw_fail "A's recording can still be read"

# caller B through the JSON API: a wrong code, the right one, the same again
post() {
    code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data "$2" "http://$ADMIN$1") || cw_fail "curl $1"
}
post /v1/tenants/praxis/withdrawals "{\"number\":\"$B\",\"language\":\"en\"}"
[ "$code" = 202 ] || cw_fail "withdrawals: $code $(cat "$T/body")"
cp "$T/body" "$T/known"
i=0
while [ "$(grep -c '"/hooks/sms"' "$T/sms.log")" -lt 2 ]; do
    i=$((i + 1)); [ $i -lt 100 ] || cw_fail "no second SMS"; sleep 0.1
done
codeB=$(grep '"/hooks/sms"' "$T/sms.log" | tail -n 1 | sed 's/.*\\"code\\": *\\"\([0-9]*\)\\".*/\1/')
[ ${#codeB} = 6 ] || cw_fail "no code in the SMS: $(tail -n 1 "$T/sms.log")"
wrong=$(echo "$codeB" | tr 0123456789 1234567890)
post /v1/tenants/praxis/withdrawals/confirm "{\"number\":\"$B\",\"code\":\"$wrong\"}"
[ "$code" = 403 ] || cw_fail "a wrong code: $code $(cat "$T/body")"
post /v1/tenants/praxis/withdrawals/confirm "{\"number\":\"$B\",\"code\":\"$codeB\"}"
[ "$code" = 200 ] && grep -q '"withdrawn":1' "$T/body" || cw_fail "confirm: $code $(cat "$T/body")"
post /v1/tenants/praxis/withdrawals/confirm "{\"number\":\"$B\",\"code\":\"$codeB\"}"
[ "$code" = 403 ] || cw_fail "a code used twice: $code"
"$tool" get "$D" praxis "$b1" >/dev/null 2>&1 && cw_fail "B's recording can still be read"

# an unknown number: the same answer, no SMS
post /v1/tenants/praxis/withdrawals '{"number":"+49 40 999999"}'
[ "$code" = 202 ] && cmp -s "$T/body" "$T/known" || cw_fail "an unknown number is told apart"
post /v1/tenants/praxis/withdrawals '{"number":"call me"}'
[ "$code" = 400 ] || cw_fail "a bad number: $code"
sleep 0.5
[ "$(grep -c '"/hooks/sms"' "$T/sms.log")" = 2 ] || cw_fail "an SMS went to an unknown number"
# the CRM hears of every withdrawal (the webhook outbox follows the ledger)
i=0
while [ "$(grep '"/hooks/crm"' "$T/sms.log" | grep -c '"x-callwarden-event": "WITHDRAWN"')" -lt 3 ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || cw_fail "the CRM did not get the 3 withdrawals: $(grep -c '"/hooks/crm"' "$T/sms.log") posts"
    sleep 0.1
done
for c in $C1 $C2 $C3; do
    grep '"/hooks/crm"' "$T/sms.log" | grep '"x-callwarden-event": "WITHDRAWN"' | grep -q "$c" ||
        cw_fail "no WITHDRAWN webhook for $c"
done
cw_stop

show=$("$CW_BIN" audit show --data "$D" --tenant praxis)
for c in $C1 $C2; do
    echo "$show" | grep -q "^WITHDRAWN .*\"consent_id\":\"$c\".*\"method\":{\"kind\":\"CODE\",\"answer\":\"web page, one-time code\"" ||
        cw_fail "no WITHDRAWN of $c by the page: $show"
    echo "$show" | grep -q "^ERASED .*\"consent_id\":\"$c\",\"reason\":\"withdrawn\"" ||
        cw_fail "no ERASED of $c"
done
echo "$show" | grep -q "^WITHDRAWN .*\"consent_id\":\"$C3\".*\"answer\":\"api, one-time code\"" ||
    cw_fail "no WITHDRAWN of $C3 by the API"
echo "$show" | grep -q "^ACCESSED .*\"access\":\"withdrawal by phone\"" || cw_fail "the look-up is not logged"
echo "$show" | grep -q -e "1234567" -e "7654321" && cw_fail "a number is in the ledger"
"$CW_BIN" audit verify --data "$D" --tenant praxis >/dev/null || cw_fail "the ledger does not verify"
grep -q -e "$codeB" -e "1234567" "$T/runtime.log" && cw_fail "a code or number is in the log"
cw_say "ok"
