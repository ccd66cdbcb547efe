-- attack: a runaway loop inside pcall, which must not catch its end
call:answer()
local ok = pcall(function() while true do end end)
call:log("survived pcall: " .. tostring(ok))
