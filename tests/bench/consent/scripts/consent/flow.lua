-- make bench's consent flow (tests/bench/consent.sh): after the disclosure the core
-- plays first, ask for consent, and hang up once it is durably given (or refused).
local level = call:consent{}
call:log("bench consent=" .. tostring(level))
call:hangup()
