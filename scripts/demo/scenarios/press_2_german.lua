-- 2 pressed ten seconds into the call, while the welcome plays: it interrupts the
-- welcome (barge-in) and the caller is greeted in German.
scenario "press 2 during the welcome: the German greeting"

dial { from = "+4930123456" }
hears "KI-Assistenten"
press("2", { at = 10000 })
hears "Sie haben zwei gedrückt"

expect_hangup { by = "callwarden" }
