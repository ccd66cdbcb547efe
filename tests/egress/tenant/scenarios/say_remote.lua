-- A caller whose consent (level 2) covers the TTS endpoint's purpose hears the text in
-- the AI's voice, fetched from the endpoint through the egress gate.
scenario "say through the TTS endpoint when the consent covers it"

dial { from = "+4910021" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "2"
hears "Danke"
hears "Willkommen beim Testbetrieb"
expect_consent { level = "extended" }
