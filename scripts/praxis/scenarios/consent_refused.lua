-- A caller does not want to be recorded and asks for a person (#): nothing is
-- recorded, the refusal is logged, and the reception gets the call with the status.
scenario "consent refused: to the reception, nothing recorded"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "52#"
hears "einverstanden"
press "#"
hears "nichts aufgezeichnet"
hears "verbinde"

expect_consent { state = "refused", level = false }
expect_recording(false)
expect_transfer { target = "sip:empfang@praxis.example",
                  headers = { ["X-Consent-Level"] = "refused" } }
expect_ledger { event = "REFUSED" }
expect_ledger { event = "HANDED_OVER" }
