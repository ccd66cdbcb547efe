-- The AI takes 2.5 s: after ai.silence_ms (1 s) the caller hears the wait wording,
-- then the answer.
scenario "a slow AI: the wait wording, then the answer"

dial { from = "+4910011" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Einen Moment bitte"
hears "Gern, ich habe Ihren Termin notiert"
expect_hangup { by = "callwarden" }
