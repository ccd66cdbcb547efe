-- a certificate nobody trusts: nothing sent, the unavailable wording
scenario "a certificate nobody trusts: nothing sent, the unavailable wording"

dial { from = "+4910006" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "nicht erreichbar"
hears "Keine Antwort"
expect_ledger { event = "EGRESS_REFUSED", present = false }
