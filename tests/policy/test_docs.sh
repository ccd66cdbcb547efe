#!/bin/sh
# callwarden docs (issue 8): the Art. 13 privacy notice and the Art. 30 record of
# processing, Markdown and HTML, per policy language, from the policy that drives the
# calls: every field of the policy is in them, they change when it changes (and name
# its version), the HTML parses and has no script, a policy that does not load writes
# nothing.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-docs-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "docs: FAIL: $*" >&2; exit 1; }

# the practice's policy, with every optional statement: egress (one host outside the
# EU), the AI, the CRM webhook and the SMS hook for withdrawals
mkdir -p "$T/policies/praxis"
cp "$CW_SOURCE_DIR/policies/praxis/policy.lua" "$T/policies/praxis/"
cat >>"$T/policies/praxis/policy.lua" <<'EOF'
egress { regions = { "EU", "EEA" },
         allow = { ["ai.beispiel.eu"] = "EU", ["crm.beispiel.eu"] = "EU",
                   ["sms.beispiel.eu:8443"] = "EU" } }
ai { chat = { url = "https://ai.beispiel.eu/v1/chat/completions", model = "mistral-small",
              purpose = "call_handling" },
     transcribe = { url = "https://ai.beispiel.eu/v1/audio/transcriptions", model = "whisper-1",
                    purpose = "call_handling" },
     redact = { "phone", "iban" } }
webhook { url = "https://crm.beispiel.eu/hooks/consent", events = { "GIVEN", "WITHDRAWN" } }
withdrawal { code_hook = "https://sms.beispiel.eu:8443/send" }
EOF
out=$("$bin" docs praxis --policies "$T/policies" --out "$T/docs") || fail "docs: $out"
echo "$out" | grep -q "^tenant praxis, policy [0-9a-f]\{12\}: privacy-notice and processing-record in 2 languages" ||
    fail "docs said: $out"
for f in privacy-notice processing-record; do
    for l in de en; do
        for x in md html; do [ -s "$T/docs/$f.$l.$x" ] || fail "no $f.$l.$x"; done
    done
done

# the HTML parses, and there is no script in it
/usr/bin/python3 - "$T/docs" <<'EOF' || fail "the HTML does not parse"
import glob, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, tag, attrs):
        assert tag != "script", "a script"
        if tag not in ("meta", "br"): self.stack.append(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, "</%s> closes %s" % (tag, self.stack[-1:])
        self.stack.pop()
for f in glob.glob(sys.argv[1] + "/*.html"):
    p = P(); p.feed(open(f, encoding="utf-8").read()); p.close()
    assert not p.stack, (f, p.stack)
EOF

# has FILE TEXT...: every text is in the file (Markdown's escapes taken out)
has() {
    f=$1; shift
    for s in "$@"; do
        sed 's/\\\(.\)/\1/g' "$f" | grep -qF -- "$s" || fail "$(basename "$f") lacks \"$s\""
    done
}
hash=$(echo "$out" | sed 's/^tenant praxis, policy \([0-9a-f]*\):.*/\1/')
for l in de en; do
    n="$T/docs/privacy-notice.$l.md"
    r="$T/docs/processing-record.$l.md"
    for f in "$n" "$r" "$T/docs/privacy-notice.$l.html" "$T/docs/processing-record.$l.html"; do
        # the controller, the DPO, the levels, the recipients, the transfers, the version
        has "$f" "Hausarztpraxis Dr. Beispiel" "Beispielweg 3, 54321 Beispielstadt" \
            "praxis@praxis.example" "Datenschutzbeauftragter der Praxis, datenschutz@praxis.example" \
            "30d" "90d" "call_handling" "ai_improvement" \
            "Beispiel KI GmbH (Auftragsverarbeiter in der EU)" \
            "https://ai.beispiel.eu/v1/chat/completions" "mistral-small" \
            "https://ai.beispiel.eu/v1/audio/transcriptions" "whisper-1" \
            "https://crm.beispiel.eu/hooks/consent" "GIVEN, WITHDRAWN" \
            "https://sms.beispiel.eu:8443/send" "sms.beispiel.eu:8443" "crm.beispiel.eu" \
            "sip:empfang@praxis.example" "EU, EEA" "$hash"
        case "$f" in
            *.html) has "$f" "<td>extended</td><td>2</td><td>call_handling, ai_improvement</td><td>90d</td><td>16</td>" ;;
            *) has "$f" "| extended | 2 | call_handling, ai_improvement | 90d | 16 |" ;;
        esac
    done
    has "$n" "https://praxis.example/datenschutz" "datenschutz@praxis.example" "/withdraw/praxis"
    has "$r" "8000 ms" "#" "Art. 32"
done
has "$T/docs/privacy-notice.de.md" "Hier spricht unser KI-Assistent" "Variante B" "Taste 0" \
    "call_handling: Bearbeitung dieses Anrufs und des Anliegens darin" \
    "Eine Übermittlung in Drittländer außerhalb der EU und des EWR findet nicht statt." \
    "4 Jahre"
has "$T/docs/privacy-notice.en.md" "You are speaking with our AI assistant" "key 0" \
    "call_handling: handling this call and the request made in it" \
    "No data is transferred to third countries"
has "$T/docs/processing-record.de.md" "Vor der Übermittlung an ein Sprachmodell werden entfernt: Telefonnummern (phone), IBAN (iban)." \
    "Sprachen: de, en (Standard de)" "Antwortzeit 8000 ms, 2 Wiederholungen"
has "$T/docs/processing-record.en.md" "Removed before text goes to a language model: phone numbers (phone), IBANs (iban)." \
    "Numbers starting +44: language en" "AI: at most 4000 ms of waiting per request, 1 retries"
# every text of the policy, in the record of processing, as the policy words it
/usr/bin/python3 - "$T/policies/praxis/policy.lua" "$T/docs/processing-record.de.html" <<'EOF' || fail "a text of the policy is missing"
import html, re, sys
src = open(sys.argv[1], encoding="utf-8").read()
doc = html.unescape(open(sys.argv[2], encoding="utf-8").read())
# the string literals of the policy, joined where it writes "a" .. "b"
src = re.sub(r'"\s*\.\.\s*(--[^\n]*\n\s*)?"', "", src)
missing = []
for s in re.findall(r'"((?:[^"\\]|\\.)*)"', src):
    if len(s) > 1 and s not in doc:
        missing.append(s)
if missing:
    sys.exit("not in the record: %s" % missing[:5])
EOF

# they change with the policy: a new retention, a recipient, a host outside the EEA
cp -r "$T/docs" "$T/docs.before"
sed -i -e 's/retention = "30d"/retention = "45d"/' \
    -e 's/"Beispiel KI GmbH (Auftragsverarbeiter in der EU)"/"Beispiel KI GmbH", "Schreibdienst Muster KG"/' \
    -e 's/regions = { "EU", "EEA" }/regions = { "EU", "EEA", "US" }/' \
    -e 's/\["sms.beispiel.eu:8443"\] = "EU"/["sms.beispiel.eu:8443"] = "US"/' \
    "$T/policies/praxis/policy.lua"
hash2=$("$bin" docs praxis --policies "$T/policies" --out "$T/docs" | sed 's/^tenant praxis, policy \([0-9a-f]*\):.*/\1/')
[ "$hash2" != "$hash" ] || fail "the policy's version did not change"
for f in privacy-notice.de.md processing-record.en.html; do
    has "$T/docs/$f" "45d" "Schreibdienst Muster KG" "$hash2"
    if grep -qF "$hash" "$T/docs/$f"; then fail "$f names the old version"; fi
    if grep -qF "30d" "$T/docs/$f"; then fail "$f keeps the old retention"; fi
done
has "$T/docs/privacy-notice.de.md" "eine Übermittlung in ein Drittland findet statt"
has "$T/docs/privacy-notice.en.md" "data is transferred to a third country"
cmp -s "$T/docs/privacy-notice.de.html" "$T/docs.before/privacy-notice.de.html" && fail "the HTML did not change"

# a policy that does not load: an error with its line, no documents
mkdir -p "$T/bad/praxis"
sed 's/retention = "45d"/retention = "45 days"/' "$T/policies/praxis/policy.lua" >"$T/bad/praxis/policy.lua"
rc=0
"$bin" docs praxis --policies "$T/bad" --out "$T/baddocs" >"$T/out" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "praxis/policy.lua:[0-9]*: .*retention" "$T/out" && [ ! -e "$T/baddocs" ] ||
    fail "a bad policy: status $rc, $(cat "$T/out")"
echo "docs: ok"
