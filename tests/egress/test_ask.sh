#!/bin/sh
# G6 end to end: call:ask() from a tenant's flow through the egress gate to real HTTPS
# servers on loopback, with a CA this test makes. The scenarios (tenant/scenarios) run
# in `callwarden test`; this script starts the servers, fills their ports into the
# tenant, and then checks what the servers received: the allowed requests only, with
# the bearer key, the caller's phone number, e-mail address, IBAN and date of birth
# redacted; nothing for a refused request, nothing through an untrusted certificate or
# TLS 1.1; a second try after a 503; and a flow that tries to smuggle the caller's
# number out (a prompt URL, a request header, a transfer target's URI headers, a URL's
# query to a host not on the list) refused every way.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
here="$CW_SOURCE_DIR/tests/egress"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-egress-ask-XXXXXX")
cleanup() {
    egress_stop_servers
    wait 2>/dev/null || true
    if [ "${CW_KEEP_TMP:-0}" = 1 ]; then echo "egress ask: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() { echo "egress ask: FAIL: $*" >&2; exit 1; }
. "$CW_SOURCE_DIR/tests/egress/lib.sh"

egress_servers
egress_tenant "$here/tenant/scenarios"

n=$(ls "$T"/scripts/ai/scenarios/*.lua "$T"/scripts/spoken/scenarios/*.lua | wc -l)
if ! "$bin" test --log-level info --config "$T/cw.conf" --scripts "$T/scripts" --policies "$T/policies" \
        --keep "$T/data" --tap ai spoken >"$T/tap" 2>"$T/log"; then
    cat "$T/tap" >&2
    tail -40 "$T/log" >&2
    fail "scenarios failed"
fi
grep -q "^1\.\.$n$" "$T/tap" || fail "TAP plan is not 1..$n: $(head -3 "$T/tap")"
[ "$(grep -c '^ok ' "$T/tap")" = "$n" ] || fail "not every scenario ok: $(cat "$T/tap")"

# what the trusted server received: the allowed and the streamed request, nothing else
chats=$(grep -c '"path": "/v1/chat/completions"' "$T/good.log" || true)
[ "$chats" = 2 ] || fail "the AI got $chats requests, not 2 (allowed, streamed): $(cat "$T/good.log")"
grep -q 'test-model' "$T/good.log" || fail "the policy's model was not sent"
# call:listen: one utterance to each speech endpoint, as a WAV of the caller's audio;
# nothing for the refused, the silent and the withdrawing caller
# (transcriptions: listen, and the two level-2 callers whose transcripts are kept)
[ "$(grep -c '"path": "/v1/audio/transcriptions"' "$T/good.log")" = 3 ] ||
    fail "not 3 requests to /v1/audio/transcriptions: $(grep -c transcriptions "$T/good.log")"
[ "$(grep -c '"path": "/inference"' "$T/good.log")" = 1 ] || fail "not one request to /inference"
"$PY" - "$T/good.log" <<'PY' || fail "a transcription request is wrong"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] in ("/v1/audio/transcriptions", "/inference"):
        assert r.get("file_len", 0) > 8000, "a short upload: %r" % r.get("file_len")
        assert r["form"].get("model") == "whisper-1", r["form"]
PY
# call:say: the level-2 caller's text went to the TTS endpoint, the level-1 caller's not
[ "$(grep '"path": "/v1/audio/speech"' "$T/good.log" | grep -c 'Willkommen')" = 1 ] ||
    fail "the welcome went to the TTS endpoint not once (level 2 only)"
grep -q 'alloy' "$T/good.log" || fail "the policy's voice was not sent"
grep -q "tts endpoint rendered" "$T/log" || fail "the TTS endpoint's audio was not used"
grep -q "egress-test: nothing heard: G2: recording refused: no committed consent" "$T/log" ||
    fail "listen without consent was not refused by the gate"
grep -q "egress-test: nothing heard: no speech" "$T/log" || fail "no 'no speech' for silence"
grep -q "listen stopped: cancelled: the caller withdrew the consent" "$T/log" ||
    fail "a withdrawal did not stop the listening"
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
# smuggling: each way out refused with its reason, and the number reached no server
grep -q "play url: .*not a URL: a flow fetches nothing from the network" "$T/log" ||
    fail "a prompt URL was not refused"
grep -q 'ask header: .*unknown option "headers"' "$T/log" || fail "an ask header was not refused"
grep -q "transfer query: .*carries no URI headers" "$T/log" ||
    fail "a transfer target with URI headers was not refused"
grep -q "ask evil url: nil host evil.example port 443 is not on the policy's egress.allow" \
    "$T/log" || fail "a URL with the number in its query was not refused"
for f in good rogue tls11 down slow stuck; do
    ! grep -q "4910014" "$T/$f.log" 2>/dev/null || fail "the caller's number reached server $f"
done
# barge-in: both long answers were cut, by voice and by a key
[ "$(grep -c "egress-test: barge false barge-in" "$T/log")" = 2 ] || fail "not both barge-ins"
# spoken consent (tenant "spoken"): the yes and the no recognised, as SPEECH records with
# the words and the recognition's confidence; the key answer sent nothing
[ "$(grep -c '"path"' "$T/asr.log")" = 2 ] || fail "the speech recognition got $(grep -c '"path"' "$T/asr.log") answers, not 2"
grep -q '"response_format": "verbose_json"' "$T/asr.log" || fail "no verbose_json asked for the answer"
"$bin" audit show --tenant spoken --data "$T/data" >"$T/spoken.show" 2>&1 || fail "audit show failed"
grep -q '"method":{"kind":"SPEECH","answer":"ja","confidence":0.9' "$T/spoken.show" ||
    fail "no GIVEN by speech with its words and confidence: $(grep method "$T/spoken.show")"
grep -q '"method":{"kind":"SPEECH","answer":"nein danke"' "$T/spoken.show" ||
    fail "no REFUSED by speech"
grep -q '"method":{"kind":"DTMF","answer":"1"}' "$T/spoken.show" || fail "the key answer is not DTMF"
! grep -q "answer=ja\|answer=nein" "$T/log" || fail "a spoken answer's words are in the log"
# the training export: the one transcript whose consent covers ai_improvement and stands
"$bin" export training --tenant ai --data "$T/data" --out "$T/training.jsonl" >"$T/export.out" ||
    fail "export training failed: $(cat "$T/export.out")"
grep -q "exported 1 transcripts" "$T/export.out" || fail "not one transcript exported: $(cat "$T/export.out")"
# (the withdrawn caller's transcript went with the withdrawal: ERASED, nothing to leave out;
# a level-1 caller's transcript was never kept)
[ "$(wc -l <"$T/training.jsonl")" = 1 ] || fail "the export has not one line"
"$PY" - "$T/training.jsonl" <<'PY' || fail "the export is wrong: $(cat "$T/training.jsonl")"
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = rows[0]
assert set(r) == {"caller", "day", "text"}, r
assert r["text"] == "ja", r
assert re.fullmatch(r"[0-9a-f]{32}", r["caller"]), r
assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["day"]), r
PY
! grep -q "4910023\|subject_ref" "$T/training.jsonl" || fail "the export names the caller"
# 31 days on, past the level's 30-day retention: the same transcript is left out as expired
later=$(( $(date +%s) * 1000 + 31 * 86400 * 1000 ))
"$bin" export training --tenant ai --data "$T/data" --out "$T/later.jsonl" --now "$later" \
    >"$T/later.out" || fail "export training --now failed: $(cat "$T/later.out")"
grep -q "exported 0 transcripts.* 1 expired" "$T/later.out" ||
    fail "an expired transcript was exported: $(cat "$T/later.out")"
"$bin" export training --tenant ai --data "$T/data" --out "$T/training.jsonl" >"$T/again.out" &&
    fail "an export overwrote an earlier one"
"$bin" audit show --tenant ai --data "$T/data" 2>&1 | grep -q "ACCESSED" ||
    fail "the export is not an ACCESSED record"
echo "egress ask: $n scenarios ok, the AI got 2 requests, redacted; refusals audited; smuggling refused 4 ways"
