-- attack: a runaway loop
call:answer()
while true do end
