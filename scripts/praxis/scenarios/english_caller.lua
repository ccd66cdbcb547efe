-- A caller from a British number hears the practice in English.
scenario "English caller (+44): disclosure and consent in English"

dial { from = "+442071234567", language = "en" }
hears "AI assistant"
hears "your age"
press "29#"
hears "If you agree"
press "1"
hears "What is your call about"
hangup()

expect_consent { level = "basic" }
