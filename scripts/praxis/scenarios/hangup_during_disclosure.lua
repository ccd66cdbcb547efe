-- The caller hangs up two seconds into the disclosure: nothing else was played,
-- nothing is recorded, and no DISCLOSED record claims a disclosure that was not heard.
scenario "hang-up during the disclosure"

dial { from = "+4930123456" }
silence(2000)
hangup()

expect_recording(false)
expect_ledger { event = "DISCLOSED", present = false }
expect_hangup { by = "caller" }
