-- call:say twice with the same text: rendered once (espeak-ng), played twice
call:answer()
call:say("Your call matters to us.")
call:say("Your call matters to us.")
call:log("said twice")
