-- The caller agrees and hangs up in the same moment (found by the explorer, seed
-- 1669702691456437567): the consent is committed after the hang-up, it is given all
-- the same, and its evidence (the answer) is kept under it; nothing else is.
scenario "1, and hang up at once: given, the answer kept, nothing more"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "40#"
hears "einverstanden"
press "1"
hangup()

expect_consent { level = "basic" }
expect_recording(false)
expect_ledger { event = "GIVEN" }
expect_hangup { by = "caller" }
