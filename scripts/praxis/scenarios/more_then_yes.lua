-- "9" first: the caller hears who is responsible, what each key means and how to
-- withdraw, then agrees with 1.
scenario "9 for more information, then yes"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "38#"
hears "einverstanden"
press "9"
hears "Verantwortlich ist die Hausarztpraxis"
press "1"
hears "Worum geht es"
hangup()

expect_consent { level = "basic" }
expect_ledger { event = "GIVEN" }
