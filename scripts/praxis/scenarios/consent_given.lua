-- A caller gives their age (45), agrees to the recording (1), names a concern (1),
-- speaks, and is thanked; the practice keeps the recording for its 30 days.
scenario "consent given: the concern is recorded"

dial { from = "+4930123456", language = "de" }
hears "KI-Assistent"
hears "Ihr Alter"
press "45#"
hears "einverstanden"
press "1"
hears "Worum geht es"
hears "Termin"
press "1"
hears "nach dem Ton"
say("Ich brauche einen Termin für nächste Woche", { ms = 3000 })
silence(13000)

expect_consent { level = "basic" }
expect_recording(true)
expect_ledger { event = "DISCLOSED" }
expect_ledger { event = "GIVEN" }
expect_hangup { by = "callwarden" }
