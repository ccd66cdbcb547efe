-- a streamed answer is put together and said
scenario "a streamed answer is put together and said"

dial { from = "+4910002" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Gern, ich habe Ihren Termin notiert"
expect_ledger { event = "EGRESS_REFUSED", present = false }
