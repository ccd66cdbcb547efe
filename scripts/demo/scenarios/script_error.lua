-- The flow fails while it waits for a key: the caller hears the policy's goodbye,
-- not silence (G10).
scenario "script error: the fallback"

dial { from = "+4930123456" }
hears "KI-Assistenten"
silence(500)
flow_error("scenario: the flow broke")
hears "technisches Problem"

expect_fallback()
expect_hangup { by = "callwarden" }
