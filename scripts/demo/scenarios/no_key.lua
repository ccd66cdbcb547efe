-- No key at all: the demo says goodbye after its timeout.
scenario "no key: goodbye"

dial { from = "+4930123456" }
hears "KI-Assistenten"
hears "welcome"
silence(15000)

expect_hangup { by = "callwarden" }
expect_ledger { event = "DISCLOSED" }
