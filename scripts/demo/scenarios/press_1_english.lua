-- The disclosure first, then the welcome; 1 greets in English and the demo hangs up.
scenario "press 1: the English greeting"

dial { from = "+4930123456" }
hears "KI-Assistenten"
hears "welcome"
press "1"
hears "press1"

expect_recording(false)
expect_ledger { event = "DISCLOSED" }
expect_hangup { by = "callwarden" }
