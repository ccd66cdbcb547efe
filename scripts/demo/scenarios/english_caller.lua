-- A caller from a British number hears the disclosure in English.
scenario "English caller: the disclosure in English"

dial { from = "+447700900123", language = "en" }
hears "AI assistant"
hears "welcome"
hangup()
