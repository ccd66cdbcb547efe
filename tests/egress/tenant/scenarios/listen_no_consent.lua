-- The caller refuses the consent: call:listen is refused by the media gate (G2), nothing
-- of the caller is heard, nothing leaves.
scenario "listen without consent: refused, nothing heard"

dial { from = "+4910017" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
hears "Gut, ohne Aufzeichnung"
say("Ich möchte einen Termin", { ms = 1500 })
hears "Keine Antwort"
expect_consent { state = "refused" }
