-- attack: a loop after a wait: every resume has its own budget, and this one spends it
call:answer()
call:sleep(50)
local n = 0
while true do n = n + 1 end
