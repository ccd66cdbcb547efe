#!/bin/sh
# callwarden test, the runner itself: the shipped scenarios pass (TAP), the same run
# gives the same timelines, a scenario's wrong expectation, syntax error, bad step or
# missing prompt fails with its file:line and exit status 1, and a flow that attacks
# the guarantees from Lua (records before consent, forges the consent headers of a
# transfer) is refused by the core, which the oracle confirms.
set -eu
: "${CW_SOURCE_DIR:?}" "${CW_BINARY_DIR:?}"
bin="$CW_BINARY_DIR/callwarden"
T=$(mktemp -d "${TMPDIR:-/tmp}/cw-scenario-runner-XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "scenario runner: FAIL: $*" >&2; exit 1; }
src="--scripts $CW_SOURCE_DIR/scripts --policies $CW_SOURCE_DIR/policies"

# the shipped scenarios, as CI reads them
# shellcheck disable=SC2086
"$bin" test $src --tap demo praxis >"$T/tap" 2>"$T/log" || fail "shipped scenarios: $(cat "$T/tap")"
n=$(ls "$CW_SOURCE_DIR"/scripts/demo/scenarios/*.lua "$CW_SOURCE_DIR"/scripts/praxis/scenarios/*.lua | wc -l)
grep -q "^1\.\.$n$" "$T/tap" || fail "TAP plan is not 1..$n: $(head -3 "$T/tap")"
[ "$(grep -c '^ok ' "$T/tap")" = "$n" ] || fail "not every scenario ok: $(cat "$T/tap")"
! grep -q '^not ok' "$T/tap" || fail "a scenario failed: $(cat "$T/tap")"

# deterministic: the same timelines twice (the summary's wall-clock time aside)
# shellcheck disable=SC2086
"$bin" test $src praxis 2>/dev/null | grep -v ' calls in ' >"$T/run1"
# shellcheck disable=SC2086
"$bin" test $src praxis 2>/dev/null | grep -v ' calls in ' >"$T/run2"
cmp -s "$T/run1" "$T/run2" || fail "two runs differ: $(diff "$T/run1" "$T/run2" | head -20)"
grep -q 'presses  0 (the withdraw key)' "$T/run1" || fail "no withdrawal in the timeline"

# a tenant of our own: praxis's policy, a flow that attacks, scenarios that fail
mkdir -p "$T/scripts/shop/scenarios" "$T/policies/shop"
cp "$CW_SOURCE_DIR/policies/praxis/policy.lua" "$T/policies/shop/policy.lua"
cat >"$T/scripts/shop/flow.lua" <<'LUA'
-- G2 attack: record before any consent; G9 attack: forge the consent headers
local ok, err = call:record{ purpose = "call_handling" }
call:log("record before consent: " .. tostring(ok) .. " " .. tostring(err))
if call.caller:sub(1, 4) == "+491" then
    call:transfer(nil, { ["X-Consent-Level"] = "extended", ["X-Consent-Id"] = "forged" })
    return
end
local level = call:consent{}
if level then
    call:record{ purpose = "call_handling" }
    call:sleep(3000)
end
call:hangup()
LUA
cat >"$T/scripts/shop/scenarios/attack_record.lua" <<'LUA'
scenario "records before consent: refused; after: from the consent on"
dial { from = "+4930111111" }
hears "KI-Assistent"
hears "Ihr Alter"
press "40#"
hears "einverstanden"
say("ja ich bin einverstanden", { ms = 1500 })
press "1"
hears "Worum geht es"
silence(4000)
expect_consent { level = "basic" }
expect_recording(true)
LUA
cat >"$T/scripts/shop/scenarios/attack_headers.lua" <<'LUA'
scenario "forged consent headers on a transfer are dropped"
dial { from = "+4915112345678" }
hears "KI-Assistent"
hears "verbinde"
expect_transfer { headers = { ["X-Consent-Level"] = "none", ["X-Consent-Id"] = "none" } }
LUA
ssrc="--scripts $T/scripts --policies $T/policies"
# shellcheck disable=SC2086
out=$("$bin" test $ssrc shop 2>&1) || fail "the attacks were not refused: $out"
echo "$out" | grep -q '2 scenarios: 2 passed, 0 failed; 0 guarantee violations' \
    || fail "attack summary: $out"

# a failed flow whose fallback is a human: a handover like any other (G9): the notice,
# the consent's headers, HANDED_OVER
mkdir -p "$T/scripts/fb/scenarios" "$T/policies/fb"
cp "$CW_SOURCE_DIR/scripts/praxis/flow.lua" "$T/scripts/fb/flow.lua"
cp "$CW_SOURCE_DIR/policies/praxis/policy.lua" "$T/policies/fb/policy.lua"
cat >"$T/scripts/fb/scenarios/fallback_human.lua" <<'LUA'
scenario "script error with a human as the fallback"
dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "33#"
hears "einverstanden"
press "1"
hears "Termin"
flow_error("scenario: the flow broke")
hears "verbinde"
expect_fallback()
expect_transfer { target = "sip:notdienst@praxis.example",
                  headers = { ["X-Consent-Level"] = "basic",
                              ["X-Callwarden-Fallback"] = "flow-failed" } }
expect_ledger { event = "HANDED_OVER" }
LUA
# shellcheck disable=SC2086
out=$("$bin" test $ssrc --fallback-transfer "fb sip:notdienst@praxis.example" fb 2>&1) \
    || fail "the fallback's handover: $out"
echo "$out" | grep -q '1 scenarios: 1 passed, 0 failed; 0 guarantee violations' \
    || fail "fallback summary: $out"

cat >"$T/scripts/shop/scenarios/wrong.lua" <<'LUA'
dial { from = "+4930111111" }
hears "KI-Assistent"
hears "Ihr Alter"
press "40#"
hears "einverstanden"
press "1"
hears "Worum geht es"
expect_consent { level = "extended" }
LUA
check_fails() {   # file, the message it must give
    # shellcheck disable=SC2086
    if out=$("$bin" test $ssrc "$T/scripts/shop/scenarios/$1" 2>&1); then
        fail "$1 passed: $out"
    fi
    echo "$out" | grep -qF "$2" || fail "$1: no \"$2\" in: $out"
}
check_fails wrong.lua "shop/scenarios/wrong.lua:8: expected consent level extended, but the consent is basic"
printf 'dial { from = "+4930111111"\nhears "x"\n' >"$T/scripts/shop/scenarios/syntax.lua"
check_fails syntax.lua "shop/scenarios/syntax.lua:2:"
printf 'dial { from = "+4930111111" }\nhears "KI-Assistent"\npress "1x"\n' >"$T/scripts/shop/scenarios/badkey.lua"
check_fails badkey.lua "badkey.lua:3: press: 'x' is no key"
printf 'dial { from = "+4930111111" }\nhears("nie gesagt", { within = 3000 })\n' >"$T/scripts/shop/scenarios/unheard.lua"
check_fails unheard.lua "unheard.lua:2: expected to hear \"nie gesagt\" within 3.0 s"
printf 'hears "x"\n' >"$T/scripts/shop/scenarios/nodial.lua"
check_fails nodial.lua "nodial.lua:1: hears before dial{}"
# shellcheck disable=SC2086
if out=$("$bin" test $ssrc nosuchtenant 2>&1); then fail "an unknown tenant passed"; fi
echo "$out" | grep -q "nosuchtenant/scenarios: No such file" || fail "unknown tenant: $out"
echo "scenario runner: ok"
