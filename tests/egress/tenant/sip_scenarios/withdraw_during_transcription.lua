-- The caller withdraws while the speech recognition works (2.5 s): the request is
-- cancelled, the confirmation heard, no transcript reaches the flow.
scenario "withdrawal while the utterance is transcribed: the request is cancelled"

dial { from = "+4910020" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
say("Ich möchte einen Termin", { ms = 1200 })
silence(1300)
press "0"
hears "Widerrufen"
hears "Keine Antwort"
expect_consent { state = "withdrawn" }
