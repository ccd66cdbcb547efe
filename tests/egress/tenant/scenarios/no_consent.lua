-- no consent: nothing of the caller leaves, refused and audited
scenario "no consent: nothing of the caller leaves, refused and audited"

dial { from = "+4910010" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
hears "Gut, ohne Aufzeichnung"
hears "Keine Antwort"
expect_consent { state = "refused" }
expect_ledger { event = "EGRESS_REFUSED" }
