-- make bench: a call whose flow answers and then waits (an idle coroutine), to measure
-- the memory a call with a Lua flow holds while it lasts.
call:answer()
call.on_hangup = function(c, cause) end
call:sleep(3600000)
