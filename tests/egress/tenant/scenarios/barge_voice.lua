-- The caller speaks over a long answer that allows barge-in: it stops, the flow hears
-- "barge-in" and goes on.
scenario "barge-in by voice"

dial { from = "+4910025" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
silence(1500)
say("Und am Sonntag", { ms = 800 })
hears "Sie haben unterbrochen"
