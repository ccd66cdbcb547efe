-- Level 2 covers AI improvement: the transcript of what the caller said is kept in the
-- vault under the consent (for `callwarden export training`).
scenario "listen with level 2: the transcript is kept"

dial { from = "+4910023" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "2"
hears "Danke"
say("Ich möchte einen Termin", { ms = 1500 })
silence(1000)
hears "Sie sagten: ja"
expect_consent { level = "extended" }
