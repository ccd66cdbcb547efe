-- attack: yield the flow's own coroutine from inside pcall: nothing would ever wake it
call:answer()
pcall(coroutine.yield)
call:log("survived a bare yield")
