-- isolation: the other tenant's global, and this tenant's own from an earlier call
call:answer()
call:log("cross_b sees: " .. tostring(secret_of_a) .. "/" .. tostring(_G.secret_of_a)
         .. " counter=" .. tostring(counter))
counter = (counter or 0) + 1
local ok = pcall(call.sleep, call, 20)   -- a wait inside pcall is fine
call:log("cross_b counter=" .. counter .. " slept_in_pcall=" .. tostring(ok))
