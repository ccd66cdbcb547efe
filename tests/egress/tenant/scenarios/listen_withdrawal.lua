-- The caller withdraws while speaking: the hearing stops with the key, what was heard is
-- wiped and never sent, the confirmation comes first (G5, G2).
scenario "withdrawal while listened to: nothing is sent"

dial { from = "+4910019" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
say("Ich möchte einen", { ms = 600 })
press "0"
hears "Widerrufen"
hears "Keine Antwort"
expect_consent { state = "withdrawn" }
expect_ledger { event = "WITHDRAWN" }
