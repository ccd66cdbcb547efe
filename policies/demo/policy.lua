-- policies/demo/policy.lua  The demo tenant: a joinery, Tischlerei Holzmann, whose AI
-- assistant takes appointment requests. Every name and address here is made up.
-- The language is described in include/callwarden/policy.h and the README.

controller {
    name = "Tischlerei Holzmann GmbH",
    address = "Musterstraße 12, 12345 Musterstadt",
    contact = "kontakt@tischlerei-holzmann.example",
}

jurisdiction "DE"

languages {
    default = "de", "de", "en",
    prefixes = { ["+44"] = "en", ["+353"] = "en", ["+1"] = "en" },
}

notice {
    url = "https://tischlerei-holzmann.example/datenschutz",
    email = "datenschutz@tischlerei-holzmann.example",
}

-- The first thing every caller hears (G1), in full: under ten seconds.
disclosure "de" {
    text = "Guten Tag, hier ist die Tischlerei Holzmann. Sie sprechen mit einem "
        .. "KI-Assistenten, also einer künstlichen Intelligenz.",
}
disclosure "en" {
    text = "Hello, this is Tischlerei Holzmann. You are speaking with an AI assistant, "
        .. "an artificial intelligence.",
}

-- Layer 1 (the question), layer 2 ("9": more), layer 3 (the notice's URL and e-mail).
consent "de" {
    question = "Damit wir Ihre Terminanfrage bearbeiten können, wird dieses Gespräch "
        .. "aufgezeichnet. Wenn Sie damit einverstanden sind, sagen Sie bitte 'Ja' oder "
        .. "drücken Sie die 1. Mit der 2 erlauben Sie zusätzlich, dass wir unseren "
        .. "Assistenten damit verbessern, mit der 3 außerdem persönliche Angebote. "
        .. "Für weitere Informationen drücken Sie die 9. Anderenfalls verbinde ich Sie "
        .. "mit einem menschlichen Mitarbeiter.",
    more = "Verantwortlich ist die Tischlerei Holzmann GmbH in Musterstadt. Mit der 1 "
        .. "nutzen wir die Aufzeichnung nur für Ihre Anfrage und löschen sie nach 30 "
        .. "Tagen. Mit der 2 nutzen wir sie auch, um unseren Assistenten zu verbessern, "
        .. "und löschen sie nach 90 Tagen; dafür müssen Sie mindestens 16 Jahre alt sein. "
        .. "Mit der 3 erhalten Sie außerdem persönliche Angebote, Speicherdauer ein Jahr, "
        .. "ab 18 Jahren. Sie können Ihre Einwilligung jederzeit mit der 0 widerrufen. "
        .. "Alles Weitere finden Sie unter tischlerei-holzmann.example/datenschutz oder "
        .. "per E-Mail an datenschutz@tischlerei-holzmann.example.",
    accepted = "Vielen Dank. Wie kann ich Ihnen helfen?",
    refused = "In Ordnung, es wird nichts aufgezeichnet. Ich verbinde Sie mit einem "
        .. "Mitarbeiter.",
    withdrawn = "Ihre Einwilligung ist widerrufen. Die Aufzeichnung ist beendet und wird "
        .. "gelöscht.",
    timeout = "Ich habe Sie leider nicht verstanden. Bitte sagen Sie 'Ja' oder drücken "
        .. "Sie die 1.",
    age = "Für die Stufen 2 und 3 brauche ich Ihr Alter: Bitte geben Sie es in Jahren "
        .. "ein und drücken Sie dann die Raute.",
}
consent "en" {
    question = "To handle your appointment request, this call is recorded. If you agree, "
        .. "please say 'yes' or press 1. Press 2 to also let us improve our assistant "
        .. "with it, 3 to also receive personal offers. For more information press 9. "
        .. "Otherwise I will put you through to a member of our staff.",
    more = "The controller is Tischlerei Holzmann GmbH in Musterstadt. With 1 we use the "
        .. "recording for your request only and delete it after 30 days. With 2 we also "
        .. "use it to improve our assistant and delete it after 90 days; you must be at "
        .. "least 16 for this. With 3 you also receive personal offers, kept for one year, "
        .. "from the age of 18. You can withdraw your consent at any time by pressing 0. "
        .. "Details are at tischlerei-holzmann.example/datenschutz or by e-mail to "
        .. "datenschutz@tischlerei-holzmann.example.",
    accepted = "Thank you. How can I help you?",
    refused = "All right, nothing will be recorded. I will put you through to our staff.",
    withdrawn = "Your consent is withdrawn. The recording has stopped and will be deleted.",
    timeout = "Sorry, I did not catch that. Please say 'yes' or press 1.",
    age = "For levels 2 and 3 I need your age: please enter it in years, then press the "
        .. "hash key.",
}

-- Basic: this call only. Extended: also AI improvement. Premium: also offers.
level "basic" {
    key = "1",
    purposes = { "call_handling" },
    retention = "30d",
}
level "extended" {
    key = "2",
    purposes = { "call_handling", "ai_improvement" },
    retention = "90d",
    recipients = { "Beispiel KI GmbH (Auftragsverarbeiter in der EU)" },
    min_age = 16,
}
level "premium" {
    key = "3",
    purposes = { "call_handling", "ai_improvement", "personalised_offers" },
    retention = "365d",
    recipients = { "Beispiel KI GmbH (Auftragsverarbeiter in der EU)" },
    min_age = 18,
}

keys { more = "9", withdraw = "0", human = "#" }

speech "de" {
    yes = { "ja", "ja bitte", "einverstanden", "okay" },
    no = { "nein", "nein danke", "nicht einverstanden" },
}
speech "en" {
    yes = { "yes", "yes please", "i agree", "okay" },
    no = { "no", "no thanks", "i do not agree" },
}

timeouts { answer_ms = 6000, retries = 2 }

handover {
    target = "sip:werkstatt@tischlerei-holzmann.example",
    carries_over = true,
    notice = {
        de = "Ich verbinde Sie mit einem Mitarbeiter der Tischlerei. Ihre Einwilligung "
            .. "gilt auch für dieses Gespräch.",
        en = "I am putting you through to a member of our staff. Your consent also "
            .. "applies to that conversation.",
    },
}

fallback {
    goodbye = {
        de = "Leider gibt es gerade ein technisches Problem. Bitte rufen Sie später noch "
            .. "einmal an. Auf Wiederhören.",
        en = "Sorry, we have a technical problem. Please call again later. Goodbye.",
    },
}
