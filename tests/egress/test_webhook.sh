#!/bin/sh
# CRM webhooks (issue 7): a consent given and withdrawn over SIP while the CRM is down
# (503); the outbox tries again with backoff, the runtime is stopped, the CRM comes
# back, the runtime starts again, and the outbox delivers GIVEN, WITHDRAWN and ERASED,
# each once with 200, signed (HMAC-SHA256 over time and body, checked here), with the
# same Idempotency-Key on every try of an event, and no caller number in any body.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"
fail() { cw_fail "$@"; }
. "$CW_SOURCE_DIR/tests/egress/lib.sh"

echo 503 >"$T/crm.status"
egress_servers
CW_PIDS="$CW_PIDS $egress_pids"
egress_tenant "$EGRESS_DIR/tenant/sip_scenarios"
rm "$T/scripts/ai/scenarios/slow_ai.lua" "$T/scripts/ai/scenarios/stuck_ai.lua" \
    "$T/scripts/ai/scenarios/withdraw_during_transcription.lua"
printf 'webhook_secret = ai whsec-test-4711\noutbox_poll_ms = 200\n' >>"$T/cw.conf"

cw_pick_ports
cw_start --config "$T/cw.conf" --policies "$T/policies" --scripts "$T/scripts"
"$CW_BIN" test --scripts "$T/scripts" --policies "$T/policies" --sip "$CW_LISTEN" \
    --data "$T/data" --tap ai >"$T/tap" 2>"$T/test.log" || cw_fail "the call failed: $(cat "$T/tap")"
cw_wait_log "outbox: tenant=ai WITHDRAWN seq=[0-9]+ not delivered \(try 2\)" 20
cw_stop
! grep -qE "seq=[0-9]+ delivered \(try" "$T/runtime.log" || cw_fail "delivered while the CRM was down"

# the CRM is back; a new runtime on the same data delivers what the old one could not
echo 200 >"$T/crm.status"
cw_start --config "$T/cw.conf" --policies "$T/policies" --scripts "$T/scripts"
for ev in GIVEN WITHDRAWN ERASED; do
    cw_wait_log "outbox: tenant=ai $ev seq=[0-9]+ delivered" 30
done
sleep 1                                  # nothing more should come
cw_stop

"$PY" - "$T/crm.log" whsec-test-4711 <<'PY' || cw_fail "the CRM's view is wrong"
import hashlib, hmac, json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
secret = sys.argv[2].encode()
ok = {}
keys = {}
for p in posts:
    h = p["headers"]
    body = p["body"]
    sig = dict(kv.split("=", 1) for kv in h["x-callwarden-signature"].split(","))
    want = hmac.new(secret, (sig["t"] + "." + body).encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, sig["v1"]), "bad signature on %s" % body[:80]
    doc = json.loads(body)
    assert doc["event"] == h["x-callwarden-event"], doc["event"]
    assert doc["delivery_id"] == h["idempotency-key"], "delivery_id != Idempotency-Key"
    assert keys.setdefault(doc["seq"], h["idempotency-key"]) == h["idempotency-key"], \
        "a retry of seq %d has another Idempotency-Key" % doc["seq"]
    assert "4910013" not in body, "the caller's number is in a webhook"
    assert doc["record"] and doc["record"].get("event_type") == doc["event"], body[:120]
    if p["status"] == 200:
        assert doc["seq"] not in ok, "seq %d delivered twice" % doc["seq"]
        ok[doc["seq"]] = doc["event"]
events = sorted(ok.values())
assert events == ["ERASED", "GIVEN", "WITHDRAWN"], events
tries = len(posts) - len(ok)
assert tries >= 3, "only %d failed tries while the CRM was down" % tries
print("webhook: %d posts, %d failed tries, delivered %s" % (len(posts), tries, events))
PY
cw_say "ok"
