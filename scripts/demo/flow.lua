-- The demo tenant's call flow: the welcome offers two keys; 1 greets in English,
-- 2 in German, anything else (or no key within the gather's timeout) says goodbye.
-- Keys pressed during the welcome count and stop it (barge-in). The prompts are
-- rendered from prompts.txt at build time.

call:answer()
local key = call:gather{ max = 1, prompt = "welcome" }

local lang, id = "en", "goodbye"
if key == "1" then
    id = "press1"
elseif key == "2" then
    lang, id = "de", "press2"
end
call:log(string.format('demo key="%s" plays=%s/%s', key, lang, id))
call:play(id, { language = lang })
