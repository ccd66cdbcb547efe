-- The flow fails while it waits for the concern key (as a bug would make it): the
-- caller is not left in silence but hears the fallback.
scenario "script error: the fallback, never silence"

dial { from = "+4930123456" }
hears "KI-Assistent"
hears "Ihr Alter"
press "33#"
hears "einverstanden"
press "1"
hears "Termin"
flow_error("scenario: the flow broke")
hears "technisches Problem"

expect_fallback()
expect_hangup { by = "callwarden" }
