-- http:// to an allowed host: refused, audited
scenario "http:// to an allowed host: refused, audited"

dial { from = "+4910004" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Keine Antwort"
expect_ledger { event = "EGRESS_REFUSED" }
