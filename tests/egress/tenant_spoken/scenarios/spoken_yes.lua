-- "Ja", said: the consent is given by speech (method SPEECH, the words and the
-- recognition's confidence in the GIVEN record).
scenario "a spoken yes gives the consent"

dial { from = "+4920001" }
hears "Sie sprechen mit einer KI"
hears "Dürfen wir das Gespräch aufzeichnen"
say("ja", { ms = 400 })
hears "Danke, wir zeichnen auf"
expect_consent { level = "basic" }
expect_ledger { event = "GIVEN" }
