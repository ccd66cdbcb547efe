-- The caller says nothing: "no speech" after the timeout, no request.
scenario "listen to a silent caller: no speech, nothing sent"

dial { from = "+4910018" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
silence(2500)
hears "Keine Antwort"
