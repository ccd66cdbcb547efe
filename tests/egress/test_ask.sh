#!/bin/sh
# G6 end to end: call:ask() from a tenant's flow through the egress gate to real HTTPS
# servers on loopback, with a CA this test makes. The scenarios (tenant/scenarios) run
# in `callwarden test`; this script starts the servers, fills their ports into the
# tenant, and then checks what the servers received: the allowed requests only, with
# the bearer key, the caller's phone number, e-mail address, IBAN and date of birth
# redacted; nothing for a refused request, nothing through an untrusted certificate or
# TLS 1.1; a second try after a 503.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
here="$CW_SOURCE_DIR/tests/egress"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-egress-ask-XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "egress ask: FAIL: $*" >&2; exit 1; }
PY=/usr/bin/python3

sh "$here/make_certs.sh" "$T/pki"

# serve NAME ADDR [options]: an HTTPS server whose port lands in $T/NAME.port
serve() {
    name=$1 addr=$2
    shift 2
    "$PY" "$here/https_server.py" --listen "$addr:0" --port-file "$T/$name.port" \
        --log "$T/$name.log" "$@" 2>"$T/$name.err" &
    pids="$pids $!"
}
serve good 127.0.0.1 --cert "$T/pki/server.pem" --key "$T/pki/server.key"
serve rogue 127.0.0.1 --cert "$T/pki/rogue.pem" --key "$T/pki/rogue.key"
serve tls11 127.0.0.3 --cert "$T/pki/server.pem" --key "$T/pki/server.key" --tls-max 1.1
serve down 127.0.0.1 --cert "$T/pki/server.pem" --key "$T/pki/server.key" --fail-first 1000
for name in good rogue tls11 down; do
    i=0
    while [ ! -s "$T/$name.port" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "server $name did not start: $(cat "$T/$name.err")"
        sleep 0.1
    done
done
GOOD=$(cat "$T/good.port") ROGUE=$(cat "$T/rogue.port")
TLS11=$(cat "$T/tls11.port") DOWN=$(cat "$T/down.port")

# the tenant, with the servers' ports
mkdir -p "$T/scripts/ai/scenarios" "$T/policies/ai"
fill() {
    sed -e "s/@GOOD@/$GOOD/g" -e "s/@ROGUE@/$ROGUE/g" -e "s/@TLS11@/$TLS11/g" \
        -e "s/@DOWN@/$DOWN/g" "$1" >"$2"
}
fill "$here/tenant/policy.lua" "$T/policies/ai/policy.lua"
fill "$here/tenant/flow.lua" "$T/scripts/ai/flow.lua"
for f in "$here"/tenant/scenarios/*.lua; do
    cp "$f" "$T/scripts/ai/scenarios/"
done
cat >"$T/cw.conf" <<CONF
egress_ca_file = $T/pki/ca.pem
ai_key = ai test-key-4711
CONF

n=$(ls "$T"/scripts/ai/scenarios/*.lua | wc -l)
if ! "$bin" test --config "$T/cw.conf" --scripts "$T/scripts" --policies "$T/policies" \
        --timelines --tap ai >"$T/tap" 2>"$T/log"; then
    cat "$T/tap" >&2
    tail -40 "$T/log" >&2
    fail "scenarios failed"
fi
grep -q "^1\.\.$n$" "$T/tap" || fail "TAP plan is not 1..$n: $(head -3 "$T/tap")"
[ "$(grep -c '^ok ' "$T/tap")" = "$n" ] || fail "not every scenario ok: $(cat "$T/tap")"

# what the trusted server received: the allowed and the streamed request, nothing else
chats=$(grep -c '"path": "/v1/chat/completions"' "$T/good.log" || true)
[ "$chats" = 2 ] || fail "the AI got $chats requests, not 2 (allowed, streamed): $(cat "$T/good.log")"
grep -q '"authorization": "Bearer test-key-4711"' "$T/good.log" || fail "no bearer key sent"
for secret in "030 1234567" "max.mustermann@example.de" "12.03.1985" "DE89 3704"; do
    ! grep -qF "$secret" "$T/good.log" || fail "\"$secret\" reached the AI unredacted"
done
for mark in PHONE EMAIL BIRTHDATE IBAN; do
    grep -q "\[$mark\]" "$T/good.log" || fail "no [$mark] in what the AI got"
done
grep -q '\\"stream\\": true\|"stream": true\|\\"stream\\":true' "$T/good.log" ||
    fail "the streamed case did not ask for a stream"
# nothing crossed an untrusted certificate or TLS 1.1: not one request there
[ ! -s "$T/rogue.log" ] || fail "a request reached the server with the rogue certificate"
[ ! -s "$T/tls11.log" ] || fail "a request reached the TLS 1.1 server"
# the 503: tried twice (retries = 1), then the unavailable wording
downs=$(grep -c '"path"' "$T/down.log" || true)
[ "$downs" = 2 ] || fail "the failing AI got $downs tries, not 2"
# the refusals name their reasons in the log
for reason in host_not_allowed not_https region_not_permitted purpose_not_consented no_consent; do
    grep -q "G6 refused ($reason)" "$T/log" || fail "no refusal $reason in the log"
done
grep -q "certificate" "$T/log" || fail "the rogue certificate's failure is not named"
echo "egress ask: $n scenarios ok, the AI got 2 requests, redacted; 5 refusals audited"
