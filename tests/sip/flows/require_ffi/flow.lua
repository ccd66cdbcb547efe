-- attack: load a C module
call:answer()
local ffi = require("ffi")
