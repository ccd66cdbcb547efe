-- gather with a terminator and on_dtmf, over SIP INFO; the caller's number and the
-- request-URI user reach the flow
local seen = {}
call.on_dtmf = function(c, key) seen[#seen + 1] = key end
call:answer()
local digits = call:gather{ max = 5, timeout = 8000, terminators = "#" }
call:log("keys digits=" .. digits .. " seen=" .. table.concat(seen) .. " callee=" .. call.callee
         .. " caller_set=" .. tostring(call.caller ~= ""))
