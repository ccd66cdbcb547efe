-- The caller wants a person, but the reception does not take the call: the flow
-- says so and says goodbye, and the handover that did not happen is not logged as one.
scenario "handover refused by the reception: a polite goodbye"

dial { from = "+4930123456", transfer = "busy" }
hears "KI-Assistent"
hears "Ihr Alter"
press "44#"
hears "einverstanden"
press "#"
hears "verbinde"
hears "nicht erreichbar"

expect_consent { state = "refused" }
expect_transfer { target = "empfang", headers = { ["X-Consent-Level"] = "refused" } }
expect_ledger { event = "HANDED_OVER", present = false }
expect_hangup { by = "callwarden" }
