-- A caller who says and presses nothing: the questions are repeated as the policy
-- says, then no consent is assumed (never a yes), and the reception gets the call.
scenario "silent caller: no answer is no consent"

dial { from = "+4930123456" }
hears "KI-Assistent"
silence(90000)

expect_consent { level = false }
expect_recording(false)
expect_transfer { headers = { ["X-Consent-Level"] = "refused" } }
