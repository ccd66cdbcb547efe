-- The egress tests' flow: after the consent question, one call:ask whose options the
-- caller's number chooses, then the answer is said, or "Keine Antwort." and the reason
-- is logged. Caller +4910010 refuses the consent and the flow asks all the same.
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
}
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
