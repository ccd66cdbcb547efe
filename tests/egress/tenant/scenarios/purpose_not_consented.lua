-- a purpose the consent does not cover: refused
scenario "a purpose the consent does not cover: refused"

dial { from = "+4910008" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Keine Antwort"
expect_ledger { event = "EGRESS_REFUSED" }
