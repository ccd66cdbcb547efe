-- Ask for consent (the caller answers by voice), then end the call.
local level, why = call:consent{}
call:log("spoken-test: consent " .. tostring(level) .. " " .. tostring(why))
call:hangup()
