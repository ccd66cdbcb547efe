-- The practice tenant's call flow (Hausarztpraxis, fictitious): after the disclosure
-- that the core plays first (G1), ask for consent to record (G3); with it, record the
-- caller's concern for the practice's staff (G2: the purpose "call_handling" is what
-- the basic level covers); without it, a real alternative: the reception (G9), or, if
-- it is not reachable, a polite goodbye. The caller can withdraw with 0 at any time
-- (G5): the core stops and erases, this flow only says what happens next.

local text = {
    de = {
        menu = "Für einen Termin drücken Sie die 1, für ein Folgerezept die 2.",
        speak = "Bitte nennen Sie nach dem Ton kurz Ihr Anliegen. Wir rufen Sie zurück.",
        thanks = "Vielen Dank. Ihre Nachricht ist bei uns angekommen. Auf Wiederhören.",
        withdrawn_bye = "Es wurde nichts gespeichert. Bitte rufen Sie uns gern wieder an. "
            .. "Auf Wiederhören.",
        no_one = "Die Anmeldung ist gerade nicht erreichbar. Bitte rufen Sie später "
            .. "wieder an. Auf Wiederhören.",
    },
    en = {
        menu = "For an appointment press 1, for a repeat prescription press 2.",
        speak = "Please tell us briefly what you need after the tone. We will call you back.",
        thanks = "Thank you. We have your message. Goodbye.",
        withdrawn_bye = "Nothing was kept. Please feel free to call again. Goodbye.",
        no_one = "The reception is not available right now. Please call again later. Goodbye.",
    },
}
local t = text[call.language] or text.de

local withdrawn = false
call.on_withdraw = function(c, level)
    withdrawn = true
    c:log("praxis: consent withdrawn (" .. level .. ")")
end

local level, why = call:consent{}
if not level then
    call:log("praxis: no consent (" .. tostring(why) .. "): to the reception")
    local ok = call:transfer()
    if not ok then
        call:say(t.no_one)
    end
    return
end

call:say(t.menu)
local key = call:gather{ max = 1, timeout_ms = 8000 }
call:log("praxis: concern key=" .. key)
call:say(t.speak)
local recording = call:record{ purpose = "call_handling" }
call:sleep(15000)
if recording and not withdrawn then
    call:stop_record()
end
-- after a withdrawal nothing of the message is kept: say so, not "we have it"
call:say(withdrawn and t.withdrawn_bye or t.thanks)
call:hangup()
