-- The caller withdraws while the AI is thinking: the request is cancelled, the
-- confirmation is heard in full, the flow gets no answer (G5, G6).
scenario "withdrawal while the AI is asked: the request is cancelled"

dial { from = "+4910013" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
press("0", { after = 300 })
hears "Widerrufen"
hears "Keine Antwort"
expect_consent { state = "withdrawn" }
expect_ledger { event = "WITHDRAWN" }
