-- allowed endpoint: the AI's answer is said
scenario "allowed endpoint: the AI's answer is said"

dial { from = "+4910001" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Gern, ich habe Ihren Termin notiert"
expect_ledger { event = "EGRESS_REFUSED", present = false }
expect_hangup { by = "callwarden" }
