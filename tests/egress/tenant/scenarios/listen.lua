-- The caller speaks after the consent: the utterance (cut by voice activity) is
-- transcribed by the AI's speech recognition, and the flow says what it heard.
scenario "listen: the caller's utterance transcribed"

dial { from = "+4910015" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
say("Ich möchte einen Termin", { ms = 1500 })
silence(1000)
hears "Sie sagten: ja"
expect_ledger { event = "EGRESS_REFUSED", present = false }
