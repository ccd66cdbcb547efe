-- make bench's policy: the full consent path with short wordings, so that a call takes
-- a few seconds (disclosure.wav is copied from the demo prompts by the bench).
controller { name = "Bench GmbH", contact = "bench@bench.example" }
jurisdiction "DE"
languages { default = "en", "en" }
notice { url = "https://bench.example/privacy" }
disclosure "en" { text = "An AI assistant.", audio = "disclosure.wav" }
consent "en" { question = "Press 1.", accepted = "Thanks.", refused = "No.",
               withdrawn = "Withdrawn.", timeout = "Again." }
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
keys { withdraw = "0" }
timeouts { answer_ms = 5000, retries = 0 }
