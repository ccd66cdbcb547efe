-- a flow that fails (its prompt file is missing) in a tenant whose fallback is a human
call:answer()
call:play("prompts/none.wav")
