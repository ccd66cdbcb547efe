-- A flow tries to smuggle the caller's number out: in a prompt's URL, in a request
-- header, in a transfer target's URI headers, in the query of a URL to a host not on
-- the list. Every one is refused (the shell test reads the reasons); nothing leaves.
scenario "smuggling the caller's number out: refused every way"

dial { from = "+4910014" }
hears "Sie sprechen mit einer KI"
hears "Einverstanden"
press "1"
hears "Danke"
hears "Nichts geschickt"
expect_ledger { event = "EGRESS_REFUSED" }
expect_transfer(false)
