-- Keys pressed while the disclosure plays neither skip nor shorten it (G1): the
-- oracle checks that it was heard whole before anything else.
scenario "keys during the disclosure change nothing"

dial { from = "+4930123456" }
silence(1000)
press "1"
press "2#"
hears "KI-Assistenten"
hears "welcome"
press "1"
hears "press1"
