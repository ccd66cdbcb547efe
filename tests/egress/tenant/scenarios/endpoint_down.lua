-- the AI answers 503: tried again, then the unavailable wording
scenario "the AI answers 503: tried again, then the unavailable wording"

dial { from = "+4910009" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "nicht erreichbar"
hears "Keine Antwort"
