-- The same with a whisper.cpp server's /inference endpoint.
scenario "listen through whisper.cpp's /inference"

dial { from = "+4910016" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
say("Ja bitte", { ms = 800 })
silence(1000)
hears "Sie sagten: ja"
