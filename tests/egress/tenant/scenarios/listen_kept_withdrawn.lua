-- Level 2, the transcript kept, then the caller withdraws: it is erased with the rest
-- and never exported.
scenario "listen with level 2, then withdrawal: the transcript goes"

dial { from = "+4910024" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "2"
hears "Danke"
say("Ich möchte einen Termin", { ms = 1500 })
silence(1000)
hears "Sie sagten: ja"
press "0"
hears "Widerrufen"
expect_consent { state = "withdrawn" }
expect_ledger { event = "ERASED" }
