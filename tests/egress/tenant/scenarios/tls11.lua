-- a server that speaks only TLS 1.1: no connection, the unavailable wording
scenario "a server that speaks only TLS 1.1: no connection, the unavailable wording"

dial { from = "+4910007" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "nicht erreichbar"
hears "Keine Antwort"
