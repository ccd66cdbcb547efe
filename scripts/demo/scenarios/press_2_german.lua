-- 2 during the welcome interrupts it (barge-in) and greets in German.
scenario "press 2 during the welcome: the German greeting"

dial { from = "+4930123456" }
hears "KI-Assistenten"
silence(1500)
press "2"
hears "Sie haben zwei gedrückt"

expect_hangup { by = "callwarden" }
