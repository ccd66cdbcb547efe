-- attack: read a file
call:answer()
local f = io.open("/etc/passwd")
