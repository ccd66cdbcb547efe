-- attack: load a binary chunk (crafted bytecode can corrupt the VM)
call:answer()
local f = assert(load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "x", "b"))
