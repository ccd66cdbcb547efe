#!/bin/sh
# The admin API over real HTTP on loopback (issue 8): no or a wrong token is 401; admin
# and dpo also need a TOTP code (computed here by tests/admin/totp.py, an independent
# RFC 6238 implementation), which works once; a role or tenant the user lacks is 403.
# Every reading of consent data is an ACCESSED record naming the user; a withdrawal by
# consent id logs WITHDRAWN (method ADMIN) and ERASED and crypto-shreds the content;
# the subject export equals the CLI's; the erasure is the CLI's; a checkpoint on request
# lets a proof from the API verify with the public key alone; /metrics parses with the
# Prometheus project's own parser; plain HTTP is refused on a public address.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

D="$T/data"
PY=/usr/bin/python3
tool="$CW_BINARY_DIR/tests/vault_tool"
far=4102444800000
A="+49 30 1234567"
B="+49 89 7654321"
C1=11111111-1111-4111-8111-111111111111
C2=22222222-2222-4222-8222-222222222222
C3=33333333-3333-4333-8333-333333333333

# a tenant with two consents of caller A (one with a recording) and one of caller B
"$CW_BIN" keys init --data "$D" --tenant praxis >/dev/null || cw_fail "keys init"
a1=$("$tool" put "$D" praxis "$A" $C1 recording $far "RECORDING-OF-A-4711") || cw_fail "put"
a2=$("$tool" put "$D" praxis "$A" $C2 transcript $far "TRANSCRIPT-OF-A") || cw_fail "put"
"$tool" put "$D" praxis "$B" $C3 transcript $far "TRANSCRIPT-OF-B" >/dev/null || cw_fail "put"
a1=${a1##*artifact=}
a2=${a2##*artifact=}
for c in $C1 $C2; do "$tool" given "$D" praxis "$A" $c || cw_fail "given"; done
"$tool" given "$D" praxis "$B" $C3 || cw_fail "given"

# the users: tokens printed once, TOTP secrets for admin and dpo
user() {
    "$CW_BIN" admin token add "$@" --data "$D" >"$T/user-$1" || cw_fail "token add $1"
}
user ops --role admin
user dora --role dpo
user audrey --role auditor
user bob --role agent --tenants praxis
user eve --role agent --tenants demo
tok() { sed -n 's/^token: //p' "$T/user-$1"; }
secret() { sed -n 's/^totp secret: //p' "$T/user-$1"; }
[ "$(stat -c %a "$D/admin/tokens")" = 600 ] || cw_fail "the users file is not 0600"
for u in ops dora audrey bob eve; do
    if grep -q "$(tok $u)" "$D/admin/tokens"; then cw_fail "a token is stored in clear"; fi
done
[ -n "$(secret dora)" ] && [ -z "$(secret bob)" ] || cw_fail "TOTP secrets: dpo needs one, agent none"
"$CW_BIN" admin token list --data "$D" | grep -q '^dora dpo tenants=\* totp=yes$' || cw_fail "token list"

cw_pick_ports 20
ADMIN="127.0.0.1:$((SIP_PORT + 1))"
cw_start --scripts "$CW_SOURCE_DIR/scripts" --policies "$CW_SOURCE_DIR/policies" \
    --admin-listen "$ADMIN"
cw_expect_log "admin API on http://$ADMIN \(5 users\)"

# api METHOD PATH [USER] [BODY]: the status in $code, the body in $T/body; a user who
# logged in (login USER) sends the session token, others their own token
n=0
api() {
    local method=$1 path=$2 who=${3:-} body=${4:-} bearer
    set -- -s -o "$T/body" -w '%{http_code}' -X "$method"
    if [ -n "$who" ]; then
        bearer=$(cat "$T/session-$who" 2>/dev/null || tok "$who")
        set -- "$@" -H "Authorization: Bearer $bearer"
    fi
    [ -n "$body" ] && set -- "$@" -H 'Content-Type: application/json' --data "$body"
    code=$(curl "$@" "http://$ADMIN$path") || cw_fail "curl $method $path"
    n=$((n + 1))
}
totp() { $PY "$CW_SOURCE_DIR/tests/admin/totp.py" "$(secret "$1")" "${2:-0}"; }
# with_code USER CODE METHOD PATH: token and TOTP code by hand
with_code() {
    code=$(curl -s -o "$T/body" -w '%{http_code}' -X "$3" -H "Authorization: Bearer $(tok "$1")" \
        -H "X-TOTP-Code: $2" "http://$ADMIN$4") || cw_fail "curl $3 $4"
    n=$((n + 1))
}
login() {
    with_code "$1" "$(totp "$1" "${2:-0}")" POST /v1/login
    expect 200 "$1 logs in"
    sed -n 's/.*"session":"\(cws_[0-9a-f]*\)".*/\1/p' "$T/body" >"$T/session-$1"
    [ -s "$T/session-$1" ] || cw_fail "no session token: $(cat "$T/body")"
}
expect() {
    [ "$code" = "$1" ] || cw_fail "$2: status $code, expected $1: $(cat "$T/body")"
}
body_has() { grep -q -- "$1" "$T/body" || cw_fail "$2: $(cat "$T/body")"; }

# health needs no token; it says nothing about anyone
api GET /health
expect 200 health
body_has '"status":"ok"' "health"
body_has '{"name":"praxis","policy":true,"ledger":true}' "health lists the tenants"

# 401: no token, a wrong one; the answer says how to authenticate
code=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' "http://$ADMIN/metrics")
expect 401 "metrics without a token"
grep -qi '^WWW-Authenticate: Bearer realm="callwarden"' "$T/headers" || cw_fail "no WWW-Authenticate"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer cw_0000" "http://$ADMIN/metrics")
expect 401 "a wrong token"

# dpo: no code 401, a wrong one 401, the right one 200, the same again 401 (once only)
api GET /v1/tenants/praxis/consents/$C1 dora
expect 401 "dpo without TOTP"
body_has "needs a TOTP code" "the 401 names the missing code"
now=$(totp dora)
with_code dora "$(totp dora 10)" GET /v1/tenants/praxis/consents/$C1
[ "$(totp dora 10)" = "$now" ] || expect 401 "a code of five minutes from now"
with_code dora 12345x GET /v1/tenants/praxis/consents/$C1
expect 401 "a code that is no code"
with_code dora "$now" GET /v1/tenants/praxis/consents/$C1
expect 200 "dpo with the current TOTP code"
with_code dora "$now" GET /v1/tenants/praxis/consents/$C1
expect 401 "the same TOTP code twice"
body_has "used already" "the replay's 401"
# a login with the next step's code (the window allows one step of clock skew); the
# session then stands for token and code
login dora 1
login ops 1
api GET /v1/tenants/praxis/consents/$C2 dora
expect 200 "dpo with a session"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer cws_$(printf '%064d' 0)" \
    "http://$ADMIN/v1/tenants/praxis/consents/$C2")
expect 401 "a made-up session"

# 403: a role the endpoint does not allow, a tenant outside the user's list (G8)
api POST /v1/reload bob
expect 403 "an agent reloading"
api POST /v1/tenants/praxis/subjects/export audrey "{\"number\":\"$A\"}"
expect 403 "an auditor exporting a subject"
api GET /v1/tenants/praxis/consents/$C1 eve
expect 403 "an agent of another tenant"
body_has "may not reach tenant praxis" "the 403 names the tenant"
api POST /v1/reload ops
expect 200 "the admin reloading"
body_has '"reloaded":true' "reload"

# a look-up: the consent's records, and an ACCESSED record naming the user first
api GET /v1/tenants/praxis/consents/$C1 bob
expect 200 "an agent's look-up"
body_has '"state":"given"' "the look-up's state"
body_has '"event":"GIVEN"' "the look-up's records"
api GET /v1/tenants/praxis/consents/44444444-4444-4444-8444-444444444444 bob
expect 404 "an unknown consent"
api GET /v1/tenants/praxis/consents/not-a-uuid bob
expect 400 "a malformed consent id"
api GET /v1/tenants/nosuch/consents/$C1 dora
expect 404 "an unknown tenant"

# a checkpoint on request, then a proof of C1 that verifies with the public key alone
api POST /v1/tenants/praxis/checkpoint audrey
expect 200 "a checkpoint"
body_has '"checkpoint":"callwarden/praxis/ledger\\n' "the signed note"
api GET /v1/tenants/praxis/consents/$C1/proof audrey
expect 200 "a proof"
cp "$T/body" "$T/proof"
"$CW_BIN" audit verify "$T/proof" --trust "$D/praxis/ledger.pub" >"$T/verify" ||
    cw_fail "the API's proof does not verify: $(cat "$T/verify")"

# withdrawal by consent id (agent): WITHDRAWN and ERASED, the recording shredded
api POST /v1/tenants/praxis/consents/$C1/withdraw bob
expect 200 "a withdrawal"
body_has '"state":"withdrawn"' "the withdrawal"
body_has '"artifacts_erased":1' "the withdrawal erased the recording"
api POST /v1/tenants/praxis/consents/$C1/withdraw bob
expect 409 "a second withdrawal"
api GET /v1/tenants/praxis/consents/$C1 bob
body_has '"state":"withdrawn"' "the state after the withdrawal"
"$tool" get "$D" praxis "$a1" >/dev/null 2>&1 && cw_fail "the withdrawn recording can still be read"
"$tool" get "$D" praxis "$a2" >/dev/null || cw_fail "the other consent's content went too"
api GET /v1/tenants/praxis/consents/$C1/withdraw bob
expect 405 "GET on withdraw"

# Art. 15: the API's export is the CLI's (records, artifacts, content)
api POST /v1/tenants/praxis/subjects/export dora "{\"number\":\"$A\"}"
expect 200 "the API's export"
cp "$T/body" "$T/api-export.json"
"$CW_BIN" subject export "$A" --data "$D" --tenant praxis --out "$T/cli-export" >/dev/null ||
    cw_fail "the CLI's export"
$PY - "$T/api-export.json" "$T/cli-export" <<'EOF' || cw_fail "the API's export differs from the CLI's"
import base64, json, os, sys
api = json.load(open(sys.argv[1]))
cli = json.load(open(os.path.join(sys.argv[2], "subject.json")))
for x in (api["subject"], cli):
    x.pop("exported_at_ms")
assert api["subject"] == cli, (api["subject"], cli)
assert len(cli["artifacts"]) == 1, cli["artifacts"]
for name, b64 in api["files"].items():
    assert base64.b64decode(b64) == open(os.path.join(sys.argv[2], name), "rb").read(), name
assert sorted(api["files"]) == sorted(a["file"] for a in cli["artifacts"])
EOF
grep -q "TRANSCRIPT-OF-A" "$T/cli-export/$a2.bin" || cw_fail "the export lacks the transcript"
ls "$D/admin" | grep -q export && cw_fail "the API left its export directory behind"

# Art. 17 for B through the API; after it, no data about B
api POST /v1/tenants/praxis/subjects/erase dora "{\"number\":\"$B\"}"
expect 200 "the API's erasure"
body_has '"erased":true' "the erasure"
api POST /v1/tenants/praxis/subjects/erase dora "{\"number\":\"$B\"}"
expect 404 "a second erasure"
api POST /v1/tenants/praxis/subjects/export dora '{"number":"not a number"}'
expect 400 "a bad number"

# bad requests lose nothing and say why
api GET /v1/nothing bob
expect 404 "an unknown path"
api DELETE /v1/reload ops
expect 405 "a wrong method"
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $(tok bob)" \
    --data-binary @"$T/big" "http://$ADMIN/v1/tenants/praxis/consents/$C2/withdraw")
expect 413 "a body over 64 KiB"

# /metrics through the Prometheus project's parser
api GET /metrics bob
expect 200 "metrics"
cp "$T/body" "$T/metrics"
$PY "$CW_SOURCE_DIR/tests/admin/promcheck.py" "$T/metrics" >"$T/samples" ||
    cw_fail "the metrics do not parse: $(cat "$T/metrics")"
grep -q '^callwarden_admin_denied_total{} [1-9]' "$T/samples" || cw_fail "denials not counted: $(cat "$T/samples")"
grep -q '^callwarden_ledger_records_total{outcome=committed,tenant=praxis} [1-9]' "$T/samples" ||
    cw_fail "the ledger appends are not counted: $(cat "$T/samples")"

cw_stop

# the ledger: every reading named its reader, the withdrawal and erasure are there
show=$("$CW_BIN" audit show --data "$D" --tenant praxis)
echo "$show" | grep -q "^ACCESSED .*\"access\":\"api consent\",\"what\":\"$C1\",\"by\":\"api:bob (agent)\"" ||
    cw_fail "the agent's look-up is not logged: $show"
echo "$show" | grep -q "^ACCESSED .*\"access\":\"api consent\",\"what\":\"$C1\",\"by\":\"api:dora (dpo)\"" ||
    cw_fail "the dpo's look-up is not logged"
echo "$show" | grep -q "^ACCESSED .*\"access\":\"audit prove\",\"what\":\"$C1\",\"by\":\"api:audrey (auditor)\"" ||
    cw_fail "the proof is not logged"
echo "$show" | grep -q "^ACCESSED .*\"access\":\"subject export\".*\"by\":\"api:dora (dpo)\"" ||
    cw_fail "the API's export is not logged"
echo "$show" | grep -q "^ACCESSED .*\"access\":\"subject export\".*\"by\":\"cli:" ||
    cw_fail "the CLI's export does not name its user"
echo "$show" | grep -q "^WITHDRAWN .*\"consent_id\":\"$C1\".*\"method\":{\"kind\":\"ADMIN\",\"answer\":\"api:bob (agent)\"" ||
    cw_fail "no WITHDRAWN by the API: $show"
echo "$show" | grep -q "^ERASED .*\"consent_id\":\"$C1\",\"reason\":\"withdrawn\",\"artifacts\":1" ||
    cw_fail "no ERASED for the withdrawal"
echo "$show" | grep -q "^ERASED .*\"reason\":\"art17_request\"" || cw_fail "no ERASED for B"
echo "$show" | grep -q -e "1234567" -e "7654321" && cw_fail "a number is in the ledger in clear"
"$CW_BIN" audit verify --data "$D" --tenant praxis >/dev/null || cw_fail "the ledger does not verify"
grep -q -e "$(tok bob)" -e "1234567" "$T/runtime.log" && cw_fail "a token or number is in the log"

# plain HTTP only on loopback
rc=0
"$CW_BIN" run --listen "127.0.0.1:$SIP_PORT" --data "$T/data2" --admin-listen "0.0.0.0:$((SIP_PORT + 1))" \
    --rtp-ports "$RTP_LO-$RTP_HI" >"$T/public.log" 2>&1 </dev/null || rc=$?
[ $rc != 0 ] || cw_fail "plain HTTP on 0.0.0.0 was served"
grep -q "plain HTTP is served only on a loopback address" "$T/public.log" ||
    cw_fail "no reason given: $(cat "$T/public.log")"
cw_say "ok: $n requests"
