-- call:transfer with headers by REFER; the flow ends once the transfer is accepted
call:answer()
local ok, err = call:transfer("sip:human@example.org",
                              { ["X-Purpose"] = "appointment booking", ["X-Consent"] = "none" })
call:log("transfer ok=" .. tostring(ok) .. " err=" .. tostring(err))
