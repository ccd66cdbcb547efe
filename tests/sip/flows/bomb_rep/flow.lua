-- attack: a memory bomb in one string
call:answer()
local s = string.rep("x", 64 * 1024 * 1024)
call:log("survived string.rep: " .. #s)
