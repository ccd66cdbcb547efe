-- a host not on the allow-list: refused, audited
scenario "a host not on the allow-list: refused, audited"

dial { from = "+4910003" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Keine Antwort"
expect_ledger { event = "EGRESS_REFUSED" }
