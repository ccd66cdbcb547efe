-- A key over a long answer that allows barge-in stops it too.
scenario "barge-in by a key"

dial { from = "+4910026" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
press("5", { after = 1500 })
hears "Sie haben unterbrochen"
