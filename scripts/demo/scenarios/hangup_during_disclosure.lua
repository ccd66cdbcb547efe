-- The caller hangs up a second into the disclosure.
scenario "hang-up during the disclosure"

dial { from = "+4930123456" }
silence(1000)
hangup()

expect_ledger { event = "DISCLOSED", present = false }
expect_hangup { by = "caller" }
