-- a host in a region the policy does not permit: refused
scenario "a host in a region the policy does not permit: refused"

dial { from = "+4910005" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Keine Antwort"
expect_ledger { event = "EGRESS_REFUSED" }
