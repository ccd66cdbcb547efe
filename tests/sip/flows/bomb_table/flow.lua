-- attack: a memory bomb by table growth, inside pcall
call:answer()
local t = {}
pcall(function() for i = 1, 1e9 do t[i] = { i } end end)
call:log("survived table growth: " .. #t)
