-- attack: reach the registry (and through it everything)
call:answer()
local reg = debug.getregistry()
