-- "Nein danke", said: refused (and its audio never kept).
scenario "a spoken no refuses"

dial { from = "+4920002" }
hears "Sie sprechen mit einer KI"
hears "Dürfen wir das Gespräch aufzeichnen"
say("nein danke", { ms = 1500 })
hears "Gut, ohne Aufzeichnung"
expect_consent { state = "refused" }
expect_ledger { event = "REFUSED" }
