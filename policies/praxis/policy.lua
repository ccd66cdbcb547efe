-- policies/praxis/policy.lua  A family doctor's practice whose AI assistant takes
-- appointment and prescription requests. What callers say is health data (Art. 9
-- GDPR): consent is explicit, kept short (30 days, as the practice example of the
-- requirements), and there is no level for offers. Every name and address is made up.

controller {
    name = "Hausarztpraxis Dr. Beispiel",
    address = "Beispielweg 3, 54321 Beispielstadt",
    contact = "praxis@praxis.example",
    dpo = "Datenschutzbeauftragter der Praxis, datenschutz@praxis.example",
}

jurisdiction "DE"

languages { default = "de", "de", "en", prefixes = { ["+44"] = "en", ["+1"] = "en" } }

notice { url = "https://praxis.example/datenschutz", email = "datenschutz@praxis.example" }

disclosure "de" {
    text = "Hausarztpraxis Dr. Beispiel, guten Tag. Hier spricht unser KI-Assistent, "
        .. "eine künstliche Intelligenz.",
}
disclosure "en" {
    text = "Dr. Beispiel's practice, good day. You are speaking with our AI assistant, "
        .. "an artificial intelligence.",
}

consent "de" {
    question = "Wenn Sie Ihr Anliegen schildern, verarbeiten wir auch Angaben zu Ihrer "
        .. "Gesundheit und zeichnen das Gespräch auf. Wenn Sie damit einverstanden sind, "
        .. "sagen Sie bitte 'Ja' oder drücken Sie die 1. Mit der 2 erlauben Sie "
        .. "zusätzlich, dass wir unseren Assistenten damit verbessern. Für weitere "
        .. "Informationen drücken Sie die 9. Anderenfalls verbinde ich Sie mit dem "
        .. "Praxisteam.",
    -- the same question in simplified language (older callers, little German)
    simple = "Wir nehmen das Gespräch auf. Auch was Sie über Ihre Gesundheit sagen. "
        .. "Ist das in Ordnung? Dann sagen Sie 'Ja'. Oder drücken Sie die 1. "
        .. "Sonst sprechen Sie mit einem Menschen aus der Praxis.",
    more = "Verantwortlich ist die Hausarztpraxis Dr. Beispiel. Mit der 1 nutzen wir die "
        .. "Aufzeichnung nur für Ihr heutiges Anliegen und löschen sie nach 30 Tagen. "
        .. "Mit der 2 nutzen wir sie auch, um unseren Assistenten zu verbessern, und "
        .. "löschen sie nach 90 Tagen; dafür müssen Sie mindestens 16 Jahre alt sein. "
        .. "Ihre Einwilligung ist freiwillig und jederzeit mit der 0 widerrufbar. Unseren "
        .. "Datenschutzbeauftragten erreichen Sie unter datenschutz@praxis.example, alles "
        .. "Weitere steht unter praxis.example/datenschutz.",
    accepted = "Vielen Dank. Worum geht es bei Ihrem Anruf?",
    refused = "In Ordnung, es wird nichts aufgezeichnet. Ich verbinde Sie mit dem "
        .. "Praxisteam.",
    withdrawn = "Ihre Einwilligung ist widerrufen. Die Aufzeichnung ist beendet und wird "
        .. "gelöscht.",
    timeout = "Ich habe Sie leider nicht verstanden. Bitte sagen Sie 'Ja' oder drücken "
        .. "Sie die 1.",
    -- an A/B test of the question's wording: B names the purpose first
    variants = {
        { id = "B", weight = 50,
          question = "Zur Bearbeitung Ihres Anliegens zeichnen wir dieses Gespräch auf, "
              .. "auch Angaben zu Ihrer Gesundheit. Sind Sie einverstanden? Dann sagen "
              .. "Sie 'Ja' oder drücken Sie die 1, mit der 2 helfen Sie uns außerdem, "
              .. "unseren Assistenten zu verbessern. Mehr erfahren Sie mit der 9. "
              .. "Sonst verbinde ich Sie mit dem Praxisteam." },
    },
    age = "Für die erweiterte Einwilligung brauche ich Ihr Alter: Bitte geben Sie es in "
        .. "Jahren ein und drücken Sie dann die Raute.",
}
consent "en" {
    question = "When you tell us why you are calling, we also process information about "
        .. "your health and record the call. If you agree, please say 'yes' or press 1. "
        .. "Press 2 to also let us improve our assistant with it. For more information "
        .. "press 9. Otherwise I will put you through to the practice team.",
    simple = "We record this call. Also what you say about your health. Is that all "
        .. "right? Then say 'yes'. Or press 1. If not, you will talk to a person.",
    more = "The controller is Dr. Beispiel's practice. With 1 we use the recording only "
        .. "for today's request and delete it after 30 days. With 2 we also use it to "
        .. "improve our assistant and delete it after 90 days; you must be at least 16 "
        .. "for this. Your consent is voluntary; press 0 at any time to withdraw it. Our "
        .. "data protection officer is at datenschutz@praxis.example, details at "
        .. "praxis.example/datenschutz.",
    accepted = "Thank you. What is your call about?",
    refused = "All right, nothing will be recorded. I will put you through to the "
        .. "practice team.",
    withdrawn = "Your consent is withdrawn. The recording has stopped and will be deleted.",
    timeout = "Sorry, I did not catch that. Please say 'yes' or press 1.",
    age = "For the extended consent I need your age: please enter it in years, then "
        .. "press the hash key.",
}

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

keys { more = "9", withdraw = "0", human = "#" }

speech "de" { yes = { "ja", "ja bitte", "einverstanden" }, no = { "nein", "nein danke" } }
speech "en" { yes = { "yes", "yes please", "i agree" }, no = { "no", "no thanks" } }

-- older callers get a little longer to answer
timeouts { answer_ms = 8000, retries = 2 }

handover {
    target = "sip:empfang@praxis.example",
    carries_over = false,
    notice = {
        de = "Ich verbinde Sie mit dem Empfang der Praxis. Dieses Gespräch wird nicht "
            .. "aufgezeichnet.",
        en = "I am putting you through to the reception. That conversation is not "
            .. "recorded.",
    },
}

fallback {
    goodbye = {
        de = "Leider gibt es gerade ein technisches Problem. Bitte rufen Sie später noch "
            .. "einmal an. Den ärztlichen Bereitschaftsdienst erreichen Sie unter 116 117, "
            .. "im Notfall wählen Sie die 112. Auf Wiederhören.",
        en = "Sorry, we have a technical problem. Please call again later. The medical "
            .. "on-call service is 116 117; in an emergency, dial 112. Goodbye.",
    },
}
