-- The AI does not answer within ai.timeout_ms (3 s): the wait wording, then the
-- unavailable wording, and the flow goes on without an answer.
scenario "an AI past its timeout: wait wording, unavailable wording, no answer"

dial { from = "+4910012" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Einen Moment bitte"
hears "nicht erreichbar"
hears "Keine Antwort"
expect_hangup { by = "callwarden" }
