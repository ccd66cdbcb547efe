-- attack: metatable games on the call object, _G and the shared libraries; each must
-- be refused, and what calls share must still work afterwards
call:answer()
local attempts = {
    function() setmetatable(call, {}) end,
    function() getmetatable(call).__index = function() return print end end,
    function() getmetatable("").__index.rep = nil end,
    function() string.rep = nil end,
    function() rawset(string, "rep", nil) end,
    function() rawset(string, "evil", true) end,
    function() setmetatable(_G, nil) end,
    function() call.play = function() end end,
    function() call.caller = "someone else" end,
    function() table.insert(math, 1) end,
}
local refused = 0
for i, f in ipairs(attempts) do
    local ok, err = pcall(f)
    if ok then call:log("metatables: attempt " .. i .. " was allowed") else refused = refused + 1 end
end
assert(string.rep("a", 2) == "aa" and string.evil == nil and type(call.play) == "function")
call:log("metatables: refused " .. refused .. " of " .. #attempts)
