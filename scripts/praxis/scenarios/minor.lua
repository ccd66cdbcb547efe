-- A 15-year-old: the extended level (AI improvement, 16+) cannot be chosen, the
-- question stands, and the basic level can.
scenario "minor: 2 (16+) is not granted, 1 is"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "15#"
hears "einverstanden"
press "2"
silence(1000)
press "1"
hears "Worum geht es"
hangup()

expect_consent { level = "basic" }
