-- attack: an error inside on_hangup, and the API after the call ended
call.on_hangup = function(c, cause) error("boom in on_hangup, cause " .. cause) end
call:answer()
call:hangup("test-hangup")
local ok, err = pcall(call.play, call, "welcome")
call:log("after hangup: play ok=" .. tostring(ok) .. " err=" .. tostring(err))
local ok2, err2 = pcall(call.sleep, call, 10)
call:log("after hangup: sleep ok=" .. tostring(ok2) .. " err=" .. tostring(err2))
call:sleep(10)   -- not caught: ends the flow, which is no error once the call ended
call:log("after hangup: not reached")
