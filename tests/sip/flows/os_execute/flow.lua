-- attack: run a shell command
call:answer()
os.execute("touch /tmp/callwarden-pwned")
