-- The caller agrees, starts speaking, and withdraws with 0 in the middle: the
-- recording stops at once and is erased, the withdrawal and erasure are logged.
scenario "withdrawal mid-call: recording stops and is erased"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "61#"
hears "einverstanden"
press "1"
hears "Termin"
press "2"
hears "nach dem Ton"
say("Ich brauche ein Folgerezept für", { ms = 2000 })
press "0"
hears "widerrufen"

expect_consent { state = "withdrawn" }
expect_recording(true)
expect_ledger { event = "WITHDRAWN" }
expect_ledger { event = "ERASED" }
