---@meta callwarden
-- The call API of callwarden flows, for the Lua language server (LuaLS): editors that
-- open scripts/ complete and type-check flow.lua with it (see scripts/.luarc.json).
-- tests/spec/api_meta_spec.lua keeps it in step with the runtime.
--
-- A tenant's flow.lua runs from the top for every call, with `call` in scope. Waiting
-- methods (answer, play, say, gather, sleep, transfer) pause the flow until the media
-- or signalling work is done; after the call ended each of them raises "call ended".

---@class CallPlayOptions
---@field barge? boolean  the caller may cut it short by speaking or a key ("barge-in")
---@field language? string  language of the prompt ("de"); default call.language

---@class CallGatherOptions
---@field max? integer          keys to collect, 1 to 31; default 1
---@field timeout? integer      ms to wait for keys after the prompt; default the runtime's digit timeout
---@field terminators? string   keys that end the input early and are not returned; default "#"
---@field prompt? string        prompt id or tenant file played while waiting; a key stops it
---@field language? string      language of the prompt; default call.language

---@class CallRecordOptions
---@field purpose string        what the recording is for; it must be covered by the caller's consent

---@class Call
---@field caller string         the caller's number (From user), "" if withheld
---@field callee string         the number called (request-URI user)
---@field call_id string        the SIP Call-ID
---@field tenant string         this tenant's name
---@field language string       the call's language for prompts ("en" unless the flow sets it)
---@field ended boolean         true once either side hung up
---@field on_hangup? fun(call: Call, cause: string)  runs when the call ends; cannot wait
---@field on_dtmf? fun(call: Call, key: string)      runs for every key the caller presses; cannot wait
---@field on_withdraw? fun(call: Call, level: string)  runs after the caller withdrew the consent (G5): recording has stopped, its content is erased; cannot wait
local Call = {}

---Answer the call (200 OK); waits until the caller can hear us.
function Call:answer() end

---Play a prompt: an id looked up as prompts/<language>/<id>.wav in the tenant's
---directory (then in the rendered prompts), or a WAV file of the tenant ("prompts/x.wav").
---Answers the call first if needed.
---@param prompt string
---@param opts? CallPlayOptions
---@return boolean completed  false if it was cut short
function Call:play(prompt, opts) end

---Speak text: through the policy's TTS endpoint (ai.speech) when the consent covers its
---purpose, else with the local text-to-speech (espeak-ng); rendered once and cached.
---@param text string
---@param opts? CallPlayOptions
---@return boolean completed
---@return string? why  "barge-in" when the caller cut it short, or why it could not be spoken
function Call:say(text, opts) end

---Collect keys (RFC 4733 or SIP INFO); keys pressed before the call count.
---@param opts? CallGatherOptions
---@return string digits  "" when no key came in time
function Call:gather(opts) end

---Wait ms milliseconds (0 to 3600000).
---@param ms integer
function Call:sleep(ms) end

---@class CallConsentOptions
---@field levels? string[]  the policy's levels to offer (default: all of them)
---@field age? integer      the caller's age, if the flow knows it (levels with a minimum age need it)
---@field simple? boolean   ask in the policy's simplified language

---Ask the caller for consent (G3): the core plays the policy's question for the levels
---offered, takes the caller's key ("more" plays the longer information, then asks again),
---and returns the level chosen only once its GIVEN record is durably in the ledger. No
---answer within the policy's timeout and retries, the human key, or no key of a level:
---nil and "refused" (REFUSED is logged; nothing is ever recorded on this call then).
---@param opts? CallConsentOptions
---@return string? level  the level given
---@return string? why    "refused", or why no consent could be taken
function Call:consent(opts) end

---Record the caller's audio for a purpose. Refused (nil, reason) unless a committed
---consent covers the purpose (G2).
---@param opts CallRecordOptions
---@return boolean? ok
---@return string? why
function Call:record(opts) end

---Stop recording.
---@return boolean? ok
---@return string? why
function Call:stop_record() end

---Pause the recording: nothing of the caller's audio is kept until resume_record.
---@return boolean? ok
---@return string? why
function Call:pause_record() end

---Resume a paused recording.
---@return boolean? ok
---@return string? why
function Call:resume_record() end

---Transfer the call by SIP REFER to target (sip:, sips: or tel:); headers travel on the
---REFER and inside the Refer-To URI. Waits for the answer to the REFER.
---@param target string
---@param headers? table<string, string>
---@return boolean? ok
---@return string? why
function Call:transfer(target, headers) end

---@class CallAskMessage
---@field role "system"|"user"|"assistant"
---@field content string

---@class CallAskOptions
---@field model? string     the policy's ai.chat.model if absent
---@field url? string       the policy's ai.chat.url if absent; the egress gate checks it (G6)
---@field purpose? string   the endpoint's purpose if absent; the consent must cover it
---@field stream? boolean   ask for a streamed answer (server-sent events)
---@field max_tokens? integer
---@field temperature? number

---One conversation turn with the tenant's AI (OpenAI-compatible chat completions),
---through the egress gate: only with a durably given consent that covers the purpose,
---only to a host on the policy's egress.allow list, after the policy's redaction. The
---caller hears the policy's ai.wait wording while the answer is slow and ai.unavailable
---when the AI fails. Returns the answer's text, or nil and why (a refusal, the AI down,
---cancelled by a withdrawal).
---@param messages string|CallAskMessage[]  a string is one user message
---@param opts? CallAskOptions
---@return string? reply
---@return string? why
function Call:ask(messages, opts) end

---@class CallListenOptions
---@field timeout? integer  ms for speech to begin (5000)
---@field max? integer      ms, the longest utterance (15000)
---@field silence? integer  ms of silence that end it (800)
---@field url? string       the policy's ai.transcribe.url if absent; the egress gate checks it
---@field purpose? string   the endpoint's purpose if absent; the consent must cover it

---The caller's next utterance, cut by voice activity (energy and silence), sent to the
---tenant's speech recognition (OpenAI's /v1/audio/transcriptions or a whisper.cpp
---server's /inference) through the media gate and the egress gate: only with a durably
---given consent covering the purpose (G2, G6). Returns the text, or nil and why ("no
---speech", a refusal, the AI down, cancelled by a withdrawal).
---@param opts? CallListenOptions
---@return string? text
---@return string? why
function Call:listen(opts) end

---Hang up (BYE, or 480 before the answer); cause appears in the log as the end reason.
---@param cause? string
function Call:hangup(cause) end

---Write one line to the runtime's log, tagged with the call and tenant.
---@param ... any
function Call:log(...) end

---The current call.
---@type Call
call = nil
