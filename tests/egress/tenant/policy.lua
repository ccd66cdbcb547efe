-- The egress tests' tenant (tests/egress/test_ask.sh fills in the ports of its HTTPS
-- servers): one consent level for call handling, and an AI on loopback.
controller { name = "Testbetrieb GmbH", contact = "info@testbetrieb.example" }
jurisdiction "DE"
languages { default = "de", "de" }
notice { url = "https://testbetrieb.example/datenschutz" }
disclosure "de" { text = "Sie sprechen mit einer KI." }
consent "de" {
    question = "Einverstanden? Dann die 1.",
    accepted = "Danke.",
    refused = "Gut, ohne Aufzeichnung.",
    withdrawn = "Widerrufen.",
    timeout = "Bitte die 1.",
}
level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d" }
level "extended" { key = "2", purposes = { "call_handling", "ai_processing",
                                         "ai_improvement" }, retention = "30d" }
keys { withdraw = "0" }
timeouts { answer_ms = 2000, retries = 0 }

egress {
    allow = {
        ["127.0.0.1:@GOOD@"] = "EU",       -- the AI, trusted certificate
        ["127.0.0.2:@GOOD@"] = "US",       -- the same server, tagged outside the EU
        ["localhost:@ROGUE@"] = "EU",      -- a certificate from a CA nobody trusts
        ["127.0.0.3:@TLS11@"] = "EU",      -- speaks TLS 1.1 only
        ["127.0.0.1:@DOWN@"] = "EU",       -- answers 503
        ["127.0.0.1:@SLOW@"] = "EU",       -- answers after 2.5 s
        ["127.0.0.1:@STUCK@"] = "EU",      -- answers after 8 s, past ai.timeout_ms
        ["127.0.0.1:@CRM@"] = "EU",        -- the CRM's webhook sink
    },
}

ai {
    chat = { url = "https://127.0.0.1:@GOOD@/v1/chat/completions", model = "test-model",
             purpose = "call_handling" },
    transcribe = { url = "https://127.0.0.1:@GOOD@/v1/audio/transcriptions",
                   model = "whisper-1", purpose = "call_handling" },
    -- the AI's voice, for callers whose consent covers ai_processing (level 2)
    speech = { url = "https://127.0.0.1:@GOOD@/v1/audio/speech", model = "tts-1",
               voice = "alloy", purpose = "ai_processing" },
    timeout_ms = 3000,
    retries = 1,
    silence_ms = 1000,
    redact = { "phone", "email", "iban", "birthdate" },
    wait = { de = "Einen Moment bitte." },
    unavailable = { de = "Der Assistent ist gerade nicht erreichbar." },
}

-- Consent events to the CRM (posted only with a webhook_secret in the runtime's config).
webhook { url = "https://127.0.0.1:@CRM@/hooks/consent" }
