-- A key is an answer too: the caller presses 1 instead of speaking.
scenario "a key answers a question that could be answered by voice"

dial { from = "+4920003" }
hears "Sie sprechen mit einer KI"
hears "Dürfen wir das Gespräch aufzeichnen"
press "1"
hears "Danke, wir zeichnen auf"
expect_consent { level = "basic" }
