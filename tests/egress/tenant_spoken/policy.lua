-- The egress tests' second tenant (tests/egress/test_ask.sh fills in the port): its
-- callers answer the consent question by voice (G3 method SPEECH), recognised by the
-- speech recognition on loopback.
controller { name = "Sprechstunde GmbH", contact = "info@sprechstunde.example" }
jurisdiction "DE"
languages { default = "de", "de" }
notice { url = "https://sprechstunde.example/datenschutz" }
disclosure "de" { text = "Sie sprechen mit einer KI der Sprechstunde." }
consent "de" {
    question = "Dürfen wir das Gespräch aufzeichnen? Sagen Sie Ja oder Nein.",
    accepted = "Danke, wir zeichnen auf.",
    refused = "Gut, ohne Aufzeichnung.",
    withdrawn = "Widerrufen.",
}
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
speech "de" {
    yes = { "ja", "ja bitte", "einverstanden" },
    no = { "nein", "nein danke", "nicht einverstanden" },
}
timeouts { answer_ms = 3000, retries = 0 }
egress { allow = { ["127.0.0.1:@ASR@"] = "EU" } }
ai {
    transcribe = { url = "https://127.0.0.1:@ASR@/v1/audio/transcriptions",
                   model = "whisper-1", purpose = "call_handling" },
}
