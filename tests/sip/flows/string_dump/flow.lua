-- attack: make bytecode with string.dump
call:answer()
local f = load(string.dump(function() return 1 end))
