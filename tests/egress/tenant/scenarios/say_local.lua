-- A caller with level 1 (no ai_processing) hears the same text from the local TTS:
-- nothing of it leaves.
scenario "say with the local TTS when the consent does not cover the endpoint"

dial { from = "+4910022" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Willkommen beim Testbetrieb"
expect_consent { level = "basic" }
