#!/bin/sh
# G1 with a language menu (languages.menu): the disclosure is said first, in the
# caller's first language, and only then the menu's prompt; a key for another language
# has the disclosure said again, in full, in that language, and the flow and the
# DISCLOSED record use it; no key keeps the first language.
. "$CW_SOURCE_DIR/tests/sip/lib.sh"

S="$T/scripts"
P="$T/policies"
mkdir -p "$S/bi/prompts/de" "$S/bi/prompts/en" "$P/bi"
cp "$CW_PROMPTS/en/goodbye.wav" "$S/bi/prompts/de/goodbye.wav"
cp "$CW_PROMPTS/en/goodbye.wav" "$S/bi/prompts/en/goodbye.wav"
cp "$CW_PROMPTS/en/welcome.wav" "$P/bi/offenlegung.wav"
cp "$CW_PROMPTS/en/press1.wav" "$P/bi/disclosure.wav"
printf 'call:log("language " .. call.language)\ncall:play("goodbye")\ncall:hangup()\n' \
    >"$S/bi/flow.lua"
cat >"$P/bi/policy.lua" <<'LUA'
controller { name = "Bi GmbH", contact = "info@bi.example" }
jurisdiction "DE"
languages { default = "de", "de", "en",
            menu = { ["1"] = "de", ["2"] = "en", prompt = "Deutsch eins, English two." } }
notice { url = "https://bi.example/datenschutz" }
disclosure "de" { text = "Sie sprechen mit einem KI-Assistenten.", audio = "offenlegung.wav" }
disclosure "en" { text = "You are talking to an AI assistant.", audio = "disclosure.wav" }
consent "de" { question = "Eins.", accepted = "Danke.", refused = "Gut.", withdrawn = "Weg." }
consent "en" { question = "One.", accepted = "Thanks.", refused = "Fine.", withdrawn = "Gone." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
timeouts { answer_ms = 1000 }
LUA
de=$(cw_frames "$P/bi/offenlegung.wav")
en=$(cw_frames "$P/bi/disclosure.wav")
goodbye=$(cw_frames "$CW_PROMPTS/en/goodbye.wav")

cw_pick_ports 20
cw_start --scripts "$S" --policies "$P"

# 1. "2" during the menu: the disclosure again, in English, then the flow in English
cw_rtppeer peer1 --duration 30 --expect-talkspurts 4
cw_sipp_ok english "$CW_SCEN/consent_keys.xml" -s bi -d $((de * 20 + 300)) \
    -key k1 2 -key k2 '*' -key k3 '*'
cw_rtppeer_wait peer1 20
cw_near "the German disclosure (first)" "$(cw_kv "$T/peer1.out" '^talkspurt=1 ' packets)" "$de" 2
cw_near "the English disclosure, in full" "$(cw_kv "$T/peer1.out" '^talkspurt=3 ' packets)" "$en" 2
cw_near "the flow's prompt" "$(cw_kv "$T/peer1.out" '^talkspurt=4 ' packets)" "$goodbye" 2
cw_expect_log 'call=1 language chosen lang=en'
cw_expect_log 'call=1 disclosure done lang=en ms=[0-9]+ keys_discarded=2'
cw_expect_log 'call=1 tenant=bi language en'

# 2. no language key (a "*"): the menu times out, German stays
cw_rtppeer peer2 --duration 30 --expect-talkspurts 3
cw_sipp_ok german "$CW_SCEN/consent_keys.xml" -s bi -d $((de * 20 + 300)) \
    -key k1 '*' -key k2 '*' -key k3 '*'
cw_rtppeer_wait peer2 20
cw_near "the German disclosure" "$(cw_kv "$T/peer2.out" '^talkspurt=1 ' packets)" "$de" 2
cw_near "the flow's prompt after the menu" "$(cw_kv "$T/peer2.out" '^talkspurt=3 ' packets)" "$goodbye" 2
cw_expect_log 'call=2 disclosure done lang=de'
cw_expect_log 'call=2 tenant=bi language de'
cw_stop

out=$("$CW_BIN" audit show --data "$T/data" --tenant bi) || cw_fail "audit show: $out"
[ "$(echo "$out" | grep -c '^DISCLOSED .*"language":"en"')" = 1 ] || cw_fail "no DISCLOSED in English: $out"
[ "$(echo "$out" | grep -c '^DISCLOSED .*"language":"de"')" = 1 ] || cw_fail "no DISCLOSED in German: $out"
cw_say "ok"
