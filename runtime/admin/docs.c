/* docs.c  `callwarden docs TENANT --out DIR`: the privacy information of Art. 13 GDPR
 * and the record of processing activities of Art. 30, as Markdown and HTML, in German
 * and English (other policy languages get the English text), generated from the very
 * policy that drives the calls, and naming its version: the documents and the runtime
 * cannot disagree. What the runtime itself does (the technical and organisational
 * measures, how long proofs are kept, how withdrawal works) is written here once, from
 * the constants the core uses.
 *
 * Files: DIR/privacy-notice.LANG.{md,html} and DIR/processing-record.LANG.{md,html}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "callwarden/config.h"
#include "callwarden/egress.h"
#include "callwarden/policy.h"
#include "callwarden/receipt.h"
#include "callwarden/redact.h"
#include "doc_out.h"
#include "docs.h"

typedef struct ctx {
    const cw_policy *p;
    int de;                         /* German text, else English */
    const char *lang;
    cw_doc d;
} ctx;

/* German or English, as the document is written. */
static const char *T(const ctx *c, const char *de, const char *en)
{
    return c->de ? de : en;
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static int eu_region(const char *r)
{
    static const char *const eea[] = { "EU", "EEA", "AT", "BE", "BG", "CY", "CZ", "DE", "DK",
                                       "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                                       "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE",
                                       "SI", "SK", "IS", "LI", "NO", NULL };
    for (const char *const *e = eea; *e; e++)
        if (strcmp(r, *e) == 0)
            return 1;
    return 0;
}

/* What a purpose means, in the document's language: the core's vocabulary has German
 * words too; a tenant's own purposes are described as its policy does. */
static const char *purpose_text(const ctx *c, const char *name)
{
    static const struct { const char *name, *de; } core_de[] = {
        { "call_handling", "Bearbeitung dieses Anrufs und des Anliegens darin" },
        { "transcription", "eine schriftliche Abschrift des Anrufs" },
        { "ai_processing", "Verarbeitung des Gesagten durch den KI-Assistenten während des Anrufs" },
        { "ai_improvement", "Verbesserung des KI-Assistenten mit dem Anruf" },
        { "quality_assurance", "Prüfung der Qualität des Dienstes" },
        { "personalised_offers", "persönliche Angebote" },
        { "marketing", "Werbung und Marketing" },
        { "analytics", "Statistiken über Anrufe" },
        { "crm_sync", "Weitergabe des Anliegens an die Kundenverwaltung des Unternehmens" },
    };
    for (size_t i = 0; i < c->p->nown_purposes; i++)
        if (strcmp(c->p->own_purposes[i].name, name) == 0)
            return c->p->own_purposes[i].description;
    for (size_t i = 0; c->de && i < sizeof core_de / sizeof core_de[0]; i++)
        if (strcmp(core_de[i].name, name) == 0)
            return core_de[i].de;
    return or_dash(cw_policy_purpose_description(c->p, name));
}

/* Every purpose any level names, once, in level order. */
static size_t all_purposes(const cw_policy *p, const char *out[], size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nlevels; i++)
        for (size_t k = 0; k < p->levels[i].npurposes; k++) {
            const char *name = p->levels[i].purposes[k];
            size_t j = 0;
            while (j < n && strcmp(out[j], name) != 0)
                j++;
            if (j == n && n < cap)
                out[n++] = name;
        }
    return n;
}

static void level_purposes(const cw_policy_level *l, char *out, size_t cap)
{
    out[0] = 0;
    for (size_t k = 0; k < l->npurposes; k++) {
        size_t at = strlen(out);
        snprintf(out + at, cap - at, "%s%s", k ? ", " : "", l->purposes[k]);
    }
}

/* The endpoints data may go to: what they are for, host, region. */
static void recipients_table(ctx *c)
{
    const cw_policy *p = c->p;
    const char *head[] = { T(c, "Empfänger", "Recipient"), T(c, "Wofür", "What for"),
                           T(c, "Adresse", "Address"), T(c, "Zweck", "Purpose") };
    cw_doc_table(&c->d, 4, head);
    struct { const char *what_de, *what_en; const cw_policy_endpoint *e; } ai[] = {
        { "KI-Dienst (Dialog)", "AI service (conversation)", &p->ai_chat },
        { "KI-Dienst (Spracherkennung)", "AI service (speech recognition)", &p->ai_transcribe },
        { "KI-Dienst (Sprachausgabe)", "AI service (speech synthesis)", &p->ai_speech },
    };
    for (size_t i = 0; i < 3; i++) {
        if (!ai[i].e->url)
            continue;
        char what[200];
        snprintf(what, sizeof what, "%s%s%s", T(c, ai[i].what_de, ai[i].what_en),
                 ai[i].e->model ? ", model " : "", ai[i].e->model ? ai[i].e->model : "");
        const char *row[] = { T(c, "Auftragsverarbeiter (Art. 28 DSGVO)",
                                "Processor (Art. 28 GDPR)"), what, ai[i].e->url,
                              ai[i].e->purpose };
        cw_doc_row(&c->d, row);
    }
    if (p->webhook_url) {
        char events[200] = "";
        for (size_t i = 0; i < p->nwebhook_events; i++) {
            size_t at = strlen(events);
            snprintf(events + at, sizeof events - at, "%s%s", i ? ", " : "",
                     p->webhook_events[i]);
        }
        char what[300];
        snprintf(what, sizeof what, "%s: %s", T(c, "Kundenverwaltung (CRM), Ereignisse",
                                                "customer records (CRM), events"), events);
        const char *row[] = { T(c, "Verantwortlicher selbst (eigenes System)",
                                "The controller's own system"), what, p->webhook_url,
                              "crm_sync" };
        cw_doc_row(&c->d, row);
    }
    if (p->withdrawal_code_hook) {
        const char *row[] = { T(c, "SMS-Dienst (Auftragsverarbeiter)", "SMS service (processor)"),
                              T(c, "Code für den Widerruf außerhalb des Anrufs: Rufnummer und "
                                   "Code", "the code of a withdrawal outside the call: number "
                                   "and code"),
                              p->withdrawal_code_hook, CW_PURPOSE_WITHDRAWAL_CODE };
        cw_doc_row(&c->d, row);
    }
    for (size_t i = 0; i < p->nlevels; i++) {
        const cw_policy_level *l = &p->levels[i];
        if (!l->recipients || !*l->recipients)
            continue;
        char what[120], purposes[600];
        snprintf(what, sizeof what, "%s \"%s\"", T(c, "bei Einwilligungsstufe",
                                                   "with consent level"), l->name);
        level_purposes(l, purposes, sizeof purposes);
        const char *row[] = { l->recipients, what, "-", purposes };
        cw_doc_row(&c->d, row);
    }
    if (p->handover_target) {
        const char *row[] = { T(c, "Mitarbeitende des Verantwortlichen", "The controller's staff"),
                              p->handover_carries_over
                                  ? T(c, "Weiterleitung an einen Menschen; die Einwilligung "
                                         "gilt dort weiter", "handover to a person; the consent "
                                         "stays valid there")
                                  : T(c, "Weiterleitung an einen Menschen; die Einwilligung "
                                         "gilt dort nicht weiter", "handover to a person; the "
                                         "consent does not carry over"),
                              p->handover_target, "call_handling" };
        cw_doc_row(&c->d, row);
    }
    cw_doc_table_end(&c->d);
}

static void transfers(ctx *c)
{
    const cw_policy *p = c->p;
    int third = 0;
    for (size_t i = 0; i < p->negress_allow; i++)
        third |= !eu_region(p->egress_allow[i].region);
    char regions[120] = "";
    for (size_t i = 0; i < p->negress_regions; i++) {
        size_t at = strlen(regions);
        snprintf(regions + at, sizeof regions - at, "%s%s", i ? ", " : "", p->egress_regions[i]);
    }
    cw_doc_p(&c->d, T(c, "Daten verlassen unser System nur zu den folgenden Stellen, jede mit "
                         "der Region, in der sie verarbeitet; zugelassen sind die Regionen %s. "
                         "Jede andere Adresse, unverschlüsselte Verbindungen und Anfragen ohne "
                         "passende Einwilligung weist die Software ab.",
                      "Data leaves our system only for the following places, each with the "
                      "region it is processed in; the regions permitted are %s. Any other "
                      "address, unencrypted connections and requests without a matching "
                      "consent are refused by the software."), regions);
    if (p->negress_allow) {
        const char *head[] = { T(c, "Adresse", "Address"), T(c, "Region", "Region") };
        cw_doc_table(&c->d, 2, head);
        for (size_t i = 0; i < p->negress_allow; i++) {
            char host[300];
            const cw_policy_host *h = &p->egress_allow[i];
            if (h->port)
                snprintf(host, sizeof host, "%s:%u", h->host, h->port);
            else
                snprintf(host, sizeof host, "%s", h->host);
            const char *row[] = { host, h->region };
            cw_doc_row(&c->d, row);
        }
        cw_doc_table_end(&c->d);
    }
    cw_doc_p(&c->d, "%s", third
                 ? T(c, "Mindestens eine dieser Stellen liegt außerhalb der EU und des EWR: "
                        "eine Übermittlung in ein Drittland findet statt (Art. 44 ff. DSGVO; "
                        "die Garantien dafür nennt Ihnen der Verantwortliche).",
                     "At least one of these places is outside the EU and the EEA: data is "
                     "transferred to a third country (Art. 44 et seq. GDPR; the controller "
                     "names the safeguards).")
                 : T(c, "Eine Übermittlung in Drittländer außerhalb der EU und des EWR findet "
                        "nicht statt.",
                     "No data is transferred to third countries outside the EU and the EEA."));
}

static void retention_table(ctx *c)
{
    const cw_policy *p = c->p;
    const char *head[] = { T(c, "Einwilligungsstufe", "Consent level"), T(c, "Taste", "Key"),
                           T(c, "Zwecke", "Purposes"), T(c, "Speicherdauer", "Retention"),
                           T(c, "Mindestalter", "Minimum age") };
    cw_doc_table(&c->d, 5, head);
    for (size_t i = 0; i < p->nlevels; i++) {
        const cw_policy_level *l = &p->levels[i];
        char key[2] = { l->key, 0 }, purposes[600], age[16];
        level_purposes(l, purposes, sizeof purposes);
        snprintf(age, sizeof age, "%u", l->min_age);
        const char *row[] = { l->name, key, purposes, l->retention, l->min_age ? age : "-" };
        cw_doc_row(&c->d, row);
    }
    cw_doc_table_end(&c->d);
}

static void controller(ctx *c)
{
    const cw_policy *p = c->p;
    cw_doc_li(&c->d, "%s", p->controller_name);
    if (p->controller_address)
        cw_doc_li(&c->d, "%s", p->controller_address);
    cw_doc_li(&c->d, "%s: %s", T(c, "Kontakt", "Contact"), or_dash(p->controller_contact));
    cw_doc_h(&c->d, 2, "%s", T(c, "Datenschutzbeauftragter", "Data protection officer"));
    cw_doc_p(&c->d, "%s", p->dpo ? p->dpo : T(c, "Es ist kein Datenschutzbeauftragter benannt.",
                                             "No data protection officer is named."));
}

static void measures(ctx *c)
{
    const cw_policy *p = c->p;
    char redact[120] = "";
    static const struct { unsigned bit; const char *de, *en, *name; } kinds[] = {
        { CW_REDACT_PHONE, "Telefonnummern", "phone numbers", "phone" },
        { CW_REDACT_EMAIL, "E-Mail-Adressen", "e-mail addresses", "email" },
        { CW_REDACT_IBAN, "IBAN", "IBANs", "iban" },
        { CW_REDACT_BIRTHDATE, "Geburtsdaten", "dates of birth", "birthdate" },
    };
    for (size_t i = 0; i < 4; i++)
        if (p->ai_redact & kinds[i].bit) {
            size_t at = strlen(redact);
            snprintf(redact + at, sizeof redact - at, "%s%s (%s)", at ? ", " : "",
                     T(c, kinds[i].de, kinds[i].en), kinds[i].name);
        }
    cw_doc_li(&c->d, "%s", T(c, "KI-Hinweis vor allem anderen: Der Anruf beginnt mit dem Hinweis, "
                               "dass eine KI spricht; vorher läuft nichts anderes (G1).",
                            "AI disclosure before anything else: the call begins with the notice "
                            "that an AI speaks; nothing else runs before it (G1)."));
    cw_doc_li(&c->d, "%s", T(c, "Keine Aufzeichnung und keine Übermittlung an eine KI, bevor die "
                               "Einwilligung dauerhaft gespeichert ist; die Software prüft das "
                               "für jedes 20-ms-Stück Audio (G2).",
                            "No recording and nothing sent to an AI before the consent is "
                            "durably stored; the software checks it for every 20 ms of audio "
                            "(G2)."));
    cw_doc_li(&c->d, "%s", T(c, "Einwilligungsnachweise verschlüsselt (AES-256-GCM) und "
                               "manipulationssicher: Hash-Baum nach RFC 6962 mit signierten "
                               "Prüfpunkten (ECDSA P-256), prüfbar mit dem öffentlichen Schlüssel "
                               "(G4).",
                            "Consent proofs encrypted (AES-256-GCM) and tamper-evident: an "
                            "RFC 6962 hash tree with signed checkpoints (ECDSA P-256), "
                            "verifiable with the public key alone (G4)."));
    cw_doc_li(&c->d, "%s", T(c, "Inhalte (Aufnahmen, Abschriften) mit einem Schlüssel je Anrufer "
                               "verschlüsselt; Löschen vernichtet den Schlüssel (Crypto-Shredding).",
                            "Content (recordings, transcripts) encrypted under a key per caller; "
                            "erasure destroys the key (crypto-shredding)."));
    cw_doc_li(&c->d, T(c, "Widerruf beendet die Aufzeichnung sofort (Taste %c im Anruf, die "
                          "Widerrufsseite oder die Verwaltungsschnittstelle) und löscht die "
                          "Inhalte dieser Einwilligung (G5).",
                       "Withdrawal stops the recording at once (key %c during the call, the "
                       "withdrawal page or the admin API) and erases the consent's content "
                       "(G5)."), p->key_withdraw ? p->key_withdraw : '-');
    cw_doc_li(&c->d, "%s", T(c, "Übermittlung nur über eine Stelle in der Software: nur per HTTPS "
                               "(TLS 1.2 oder höher, geprüfte Zertifikate), nur an die oben "
                               "genannten Adressen und Regionen, nur für eingewilligte Zwecke (G6).",
                            "Data leaves through one place in the software only: HTTPS only "
                            "(TLS 1.2 or higher, verified certificates), only to the addresses "
                            "and regions above, only for consented purposes (G6)."));
    if (redact[0])
        cw_doc_li(&c->d, T(c, "Vor der Übermittlung an ein Sprachmodell werden entfernt: %s.",
                           "Removed before text goes to a language model: %s."), redact);
    cw_doc_li(&c->d, "%s", T(c, "Automatisches Löschen nach Ablauf der Speicherdauer, jede Löschung "
                               "protokolliert (G7).",
                            "Automatic deletion when the retention ends, each deletion logged "
                            "(G7)."));
    cw_doc_li(&c->d, "%s", T(c, "Mandanten getrennt: eigene Schlüssel, eigene Datenbanken (G8).",
                            "Tenants separated: own keys, own databases (G8)."));
    cw_doc_li(&c->d, "%s", T(c, "Verwaltungszugriff nur mit Rolle (admin, dpo, auditor, agent), "
                               "gespeichert nur als Hash; admin und dpo zusätzlich mit "
                               "Zwei-Faktor-Code (TOTP); jeder Zugriff auf Einwilligungsdaten wird "
                               "protokolliert.",
                            "Administrative access only with a role (admin, dpo, auditor, agent), "
                            "tokens stored only as hashes; admin and dpo also with a two-factor "
                            "code (TOTP); every access to consent data is logged."));
    cw_doc_li(&c->d, "%s", T(c, "Schlüssel im gesperrten Arbeitsspeicher, keine Speicherabbilder "
                               "(core dumps); Rufnummern und Abschriften nie im Klartext in "
                               "Protokollen.",
                            "Keys in locked memory, no core dumps; phone numbers and transcripts "
                            "never in clear in logs."));
}

static int open_pair(const char *dir, const char *name, const char *lang, FILE **md, FILE **html,
                     char *err, size_t errlen)
{
    char path[CW_PATH_LEN + 64];
    snprintf(path, sizeof path, "%s/%s.%s.md", dir, name, lang);
    *md = fopen(path, "w");
    snprintf(path, sizeof path, "%s/%s.%s.html", dir, name, lang);
    *html = *md ? fopen(path, "w") : NULL;
    if (!*html) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (*md)
            fclose(*md);
        return -1;
    }
    return 0;
}

static void version_line(ctx *c)
{
    cw_doc_p(&c->d, T(c, "Erzeugt aus der Richtlinie des Mandanten %s, Version %.12s (SHA-256 "
                         "%s); dieselbe Richtlinie steuert die Anrufe, und jeder "
                         "Einwilligungsnachweis nennt ihre Version.",
                      "Generated from the policy of tenant %s, version %.12s (SHA-256 %s); the "
                      "same policy drives the calls, and every consent record names its "
                      "version."), c->p->tenant, c->p->hash, c->p->hash);
}

/* ---- Art. 13 --------------------------------------------------------------------- */

static void privacy_notice(ctx *c)
{
    const cw_policy *p = c->p;
    cw_doc_begin(&c->d, c->lang, T(c, "Datenschutzhinweise für Anrufer", "Privacy notice for callers"));
    cw_doc_h(&c->d, 1, "%s: %s", T(c, "Datenschutzhinweise für Anrufer", "Privacy notice for callers"),
             p->controller_name);
    cw_doc_p(&c->d, "%s", T(c, "Informationen nach Art. 13 DSGVO, wenn Sie uns anrufen und mit "
                              "unserem KI-Assistenten sprechen.",
                           "Information under Art. 13 GDPR when you call us and speak with our "
                           "AI assistant."));
    cw_doc_h(&c->d, 2, "%s", T(c, "Verantwortlicher", "Controller"));
    controller(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Was beim Anruf geschieht", "What happens on the call"));
    const cw_policy_lang *l = cw_policy_lang_get(p, c->lang);
    if (!l)
        l = cw_policy_lang_get(p, p->default_lang);
    cw_doc_p(&c->d, T(c, "Zu Beginn hören Sie: \"%s\" Danach fragen wir, ob Sie einwilligen: "
                         "\"%s\"", "First you hear: \"%s\" Then we ask whether you consent: "
                         "\"%s\""), l->disclosure, l->question);
    for (size_t i = 0; i < l->nvariants; i++)
        cw_doc_p(&c->d, T(c, "Wir erproben auch diese Formulierung (Variante %s): \"%s\"",
                          "We also try this wording (variant %s): \"%s\""), l->variants[i].id,
                 l->variants[i].question);
    cw_doc_p(&c->d, "%s", T(c, "Ohne Ihre Einwilligung wird nichts aufgezeichnet und nichts an "
                              "eine KI übermittelt; Ihr Anliegen wird trotzdem bearbeitet. Die "
                              "Einwilligung ist freiwillig.",
                           "Without your consent nothing is recorded and nothing is sent to an "
                           "AI; your request is handled all the same. Consent is voluntary."));
    cw_doc_h(&c->d, 2, "%s", T(c, "Zwecke und Rechtsgrundlagen", "Purposes and legal bases"));
    const char *purposes[64];
    size_t np = all_purposes(p, purposes, 64);
    for (size_t i = 0; i < np; i++)
        cw_doc_li(&c->d, "%s: %s (%s)", purposes[i], purpose_text(c, purposes[i]),
                  T(c, "Einwilligung, Art. 6 Abs. 1 lit. a DSGVO, und soweit Sie Angaben zur "
                       "Gesundheit machen Art. 9 Abs. 2 lit. a DSGVO",
                    "consent, Art. 6(1)(a) GDPR, and where you mention your health Art. 9(2)(a) "
                    "GDPR"));
    cw_doc_li(&c->d, "%s", T(c, "Nachweis Ihrer Einwilligung und Ihres Widerrufs: Art. 6 Abs. 1 "
                               "lit. c i. V. m. Art. 7 Abs. 1 DSGVO.",
                            "Proof of your consent and withdrawal: Art. 6(1)(c) with Art. 7(1) "
                            "GDPR."));
    retention_table(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Empfänger", "Recipients"));
    recipients_table(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Übermittlung in Drittländer", "Transfers to third countries"));
    transfers(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Speicherdauer", "Retention"));
    for (size_t i = 0; i < p->nlevels; i++)
        cw_doc_li(&c->d, T(c, "Stufe %s: %s, danach automatisch gelöscht.",
                           "Level %s: %s, then deleted automatically."), p->levels[i].name,
                  p->levels[i].retention);
    cw_doc_li(&c->d, T(c, "Einwilligungsnachweise: %lld Jahre (Verjährungsfrist, Art. 17 Abs. 3 "
                          "lit. e DSGVO); sie enthalten Ihre Rufnummer nicht.",
                       "Consent proofs: %lld years (limitation period, Art. 17(3)(e) GDPR); they "
                       "do not contain your number."),
              (long long)(CW_PROOF_RETAIN_MS / (365LL * 86400 * 1000)));
    cw_doc_h(&c->d, 2, "%s", T(c, "Widerruf", "Withdrawal"));
    if (p->key_withdraw)
        cw_doc_li(&c->d, T(c, "Im Anruf: Taste %c. Die Aufzeichnung endet sofort.",
                           "During the call: key %c. The recording stops at once."),
                  p->key_withdraw);
    cw_doc_li(&c->d, T(c, "Im Internet: auf unserer Widerrufsseite (/withdraw/%s) mit Ihrer "
                          "Rufnummer und einem Code%s.",
                       "On the web: on our withdrawal page (/withdraw/%s) with your number and a "
                       "code%s."), p->tenant,
              p->withdrawal_code_hook ? T(c, ", den wir per SMS senden", " we send by text message")
                                      : "");
    if (p->notice_email)
        cw_doc_li(&c->d, T(c, "Per E-Mail: %s", "By e-mail: %s"), p->notice_email);
    cw_doc_p(&c->d, "%s", T(c, "Der Widerruf gilt für die Zukunft; was bis dahin aufgrund der "
                              "Einwilligung geschah, bleibt rechtmäßig (Art. 7 Abs. 3 DSGVO). "
                              "Die Inhalte zu dieser Einwilligung werden gelöscht.",
                           "The withdrawal applies from then on; what was done under the consent "
                           "until then stays lawful (Art. 7(3) GDPR). The content of that "
                           "consent is erased."));
    cw_doc_h(&c->d, 2, "%s", T(c, "Ihre Rechte", "Your rights"));
    cw_doc_li(&c->d, "%s", T(c, "Auskunft (Art. 15), Berichtigung (Art. 16), Löschung (Art. 17), "
                               "Einschränkung (Art. 18), Datenübertragbarkeit (Art. 20), "
                               "Widerspruch (Art. 21 DSGVO).",
                            "Access (Art. 15), rectification (Art. 16), erasure (Art. 17), "
                            "restriction (Art. 18), portability (Art. 20), objection (Art. 21 "
                            "GDPR)."));
    cw_doc_li(&c->d, T(c, "Beschwerde bei einer Datenschutz-Aufsichtsbehörde (Art. 77 DSGVO), "
                          "etwa der zuständigen Behörde in %s oder an Ihrem Wohnort.",
                       "A complaint to a data protection supervisory authority (Art. 77 GDPR), "
                       "e.g. the competent authority in %s or where you live."), p->jurisdiction);
    cw_doc_li(&c->d, "%s", T(c, "Es gibt keine automatisierte Entscheidung mit rechtlicher Wirkung "
                               "(Art. 22 DSGVO); auf Wunsch sprechen Sie mit einem Menschen.",
                            "There is no automated decision with legal effect (Art. 22 GDPR); "
                            "you can ask for a person."));
    cw_doc_h(&c->d, 2, "%s", T(c, "Weitere Informationen", "More information"));
    if (p->notice_url)
        cw_doc_p(&c->d, "%s", p->notice_url);
    version_line(c);
    cw_doc_end(&c->d);
}

/* Everything the runtime says, per language, as the policy words it. */
static void wording(ctx *c)
{
    const cw_policy *p = c->p;
    cw_doc_h(&c->d, 2, "%s", T(c, "Wortlaut je Sprache", "Wording per language"));
    for (size_t i = 0; i < p->nlangs; i++) {
        const cw_policy_lang *l = &p->langs[i];
        cw_doc_h(&c->d, 3, "%s", l->lang);
        struct { const char *de, *en, *text; } w[] = {
            { "KI-Hinweis", "AI disclosure", l->disclosure },
            { "Aufnahme des KI-Hinweises", "Recording of the disclosure", l->disclosure_audio },
            { "Einwilligungsfrage", "Consent question", l->question },
            { "Mehr Informationen", "More information", l->more },
            { "In einfacher Sprache", "In simple language", l->simple },
            { "Altersfrage", "Age question", l->age_question },
            { "Zugestimmt", "Accepted", l->accepted },
            { "Abgelehnt", "Refused", l->refused },
            { "Widerrufen", "Withdrawn", l->withdrawn },
            { "Keine Antwort", "No answer", l->timeout },
            { "Vor der Weiterleitung", "Before a handover", l->handover_notice },
            { "Bei einer Störung", "On a failure", l->goodbye },
            { "Wenn die KI langsam ist", "When the AI is slow", l->ai_wait },
            { "Wenn die KI ausfällt", "When the AI fails", l->ai_unavailable },
        };
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            if (w[k].text)
                cw_doc_li(&c->d, "%s: %s", T(c, w[k].de, w[k].en), w[k].text);
        for (size_t k = 0; k < l->nvariants; k++)
            cw_doc_li(&c->d, T(c, "Variante %s (Gewicht %u): %s", "Variant %s (weight %u): %s"),
                      l->variants[k].id, l->variants[k].weight, l->variants[k].question);
        char yes[600] = "", no[600] = "";
        for (size_t k = 0; k < l->nyes; k++) {
            size_t at = strlen(yes);
            snprintf(yes + at, sizeof yes - at, "%s\"%s\"", k ? ", " : "", l->yes[k]);
        }
        for (size_t k = 0; k < l->nno; k++) {
            size_t at = strlen(no);
            snprintf(no + at, sizeof no - at, "%s\"%s\"", k ? ", " : "", l->no[k]);
        }
        if (l->nyes || l->nno)
            cw_doc_li(&c->d, T(c, "Gesprochene Antworten: ja %s; nein %s",
                               "Spoken answers: yes %s; no %s"), yes, no);
    }
}

/* ---- Art. 30 --------------------------------------------------------------------- */

static void processing_record(ctx *c)
{
    const cw_policy *p = c->p;
    cw_doc_begin(&c->d, c->lang, T(c, "Verzeichnis von Verarbeitungstätigkeiten",
                                   "Record of processing activities"));
    cw_doc_h(&c->d, 1, "%s: %s", T(c, "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)",
                                   "Record of processing activities (Art. 30 GDPR)"),
             T(c, "KI-Telefonassistent", "AI phone assistant"));
    cw_doc_h(&c->d, 2, "%s", T(c, "Verantwortlicher", "Controller"));
    controller(c);
    cw_doc_li(&c->d, "%s: %s", T(c, "Rechtsordnung", "Jurisdiction"), p->jurisdiction);
    if (p->notice_url)
        cw_doc_li(&c->d, "%s: %s", T(c, "Datenschutzhinweise", "Privacy notice"), p->notice_url);
    if (p->notice_email)
        cw_doc_li(&c->d, "%s: %s", T(c, "Datenschutz-Kontakt", "Privacy contact"), p->notice_email);
    cw_doc_h(&c->d, 2, "%s", T(c, "Zwecke der Verarbeitung", "Purposes of the processing"));
    const char *purposes[64];
    size_t np = all_purposes(p, purposes, 64);
    for (size_t i = 0; i < np; i++)
        cw_doc_li(&c->d, "%s: %s", purposes[i], purpose_text(c, purposes[i]));
    cw_doc_h(&c->d, 2, "%s", T(c, "Kategorien betroffener Personen", "Categories of data subjects"));
    cw_doc_p(&c->d, "%s", T(c, "Anrufer (Patienten, Kunden, Bürger und andere, die die Nummer "
                              "anrufen).", "Callers (patients, customers, citizens and others "
                              "who call the number)."));
    cw_doc_h(&c->d, 2, "%s", T(c, "Kategorien personenbezogener Daten", "Categories of personal data"));
    cw_doc_li(&c->d, "%s", T(c, "Rufnummer (nur im Schlüsselspeicher; überall sonst ein "
                               "zufälliges Kennzeichen)", "Phone number (only in the key store; "
                               "a random reference everywhere else)"));
    cw_doc_li(&c->d, "%s", T(c, "Einwilligungsnachweise: Zeitpunkt, Stufe, Wortlaut-Version, "
                               "Antwort, Sprache", "Consent proofs: time, level, wording version, "
                               "answer, language"));
    cw_doc_li(&c->d, "%s", T(c, "Mit Einwilligung: Aufnahmen, Abschriften, Gesprächsinhalte, "
                               "darunter gegebenenfalls Gesundheitsdaten (Art. 9 DSGVO)",
                            "With consent: recordings, transcripts, conversation content, "
                            "possibly including health data (Art. 9 GDPR)"));
    if (p->key_human || p->handover_target)
        cw_doc_li(&c->d, "%s", T(c, "Tastendrücke (DTMF) zur Steuerung", "Key presses (DTMF) to "
                                   "steer the call"));
    cw_doc_h(&c->d, 2, "%s", T(c, "Empfänger", "Recipients"));
    recipients_table(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Übermittlung in Drittländer", "Transfers to third countries"));
    transfers(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Löschfristen", "Erasure periods"));
    retention_table(c);
    cw_doc_li(&c->d, T(c, "Einwilligungsnachweise: %lld Jahre.", "Consent proofs: %lld years."),
              (long long)(CW_PROOF_RETAIN_MS / (365LL * 86400 * 1000)));
    cw_doc_h(&c->d, 2, "%s", T(c, "Technische und organisatorische Maßnahmen (Art. 32 DSGVO), wie "
                                  "die Software sie umsetzt", "Technical and organisational "
                                  "measures (Art. 32 GDPR) as the software implements them"));
    measures(c);
    cw_doc_h(&c->d, 2, "%s", T(c, "Ablauf des Anrufs", "How a call runs"));
    char keys[200];
    snprintf(keys, sizeof keys, "%s %c, %s %c, %s %c", T(c, "mehr Informationen", "more information"),
             p->key_more ? p->key_more : '-', T(c, "Widerruf", "withdraw"),
             p->key_withdraw ? p->key_withdraw : '-', T(c, "Mensch", "a person"),
             p->key_human ? p->key_human : '-');
    cw_doc_li(&c->d, "%s: %s", T(c, "Tasten", "Keys"), keys);
    cw_doc_li(&c->d, T(c, "Antwortzeit %u ms, %u Wiederholungen der Frage",
                       "Answer time %u ms, %u repetitions of the question"), p->answer_timeout_ms,
              p->retries);
    char langs[120] = "";
    for (size_t i = 0; i < p->nlangs; i++) {
        size_t at = strlen(langs);
        snprintf(langs + at, sizeof langs - at, "%s%s", i ? ", " : "", p->langs[i].lang);
    }
    cw_doc_li(&c->d, "%s: %s (%s %s)", T(c, "Sprachen", "Languages"), langs,
              T(c, "Standard", "default"), p->default_lang);
    if (p->handover_target)
        cw_doc_li(&c->d, "%s: %s (%s)", T(c, "Weiterleitung", "Handover"), p->handover_target,
                  p->handover_bridge ? "bridge" : "refer");
    for (size_t i = 0; i < p->nprefixes; i++)
        cw_doc_li(&c->d, T(c, "Rufnummern mit %s: Sprache %s", "Numbers starting %s: language %s"),
                  p->prefixes[i].prefix, p->prefixes[i].lang);
    for (size_t i = 0; i < p->nmenu; i++)
        cw_doc_li(&c->d, T(c, "Sprachmenü: Taste %c für %s", "Language menu: key %c for %s"),
                  p->menu[i].key, p->menu[i].lang);
    if (p->ai_chat.url || p->ai_transcribe.url || p->ai_speech.url)
        cw_doc_li(&c->d, T(c, "KI: höchstens %u ms Wartezeit je Anfrage, %u Wiederholungen",
                           "AI: at most %u ms of waiting per request, %u retries"),
                  p->ai_timeout_ms, p->ai_retries);
    wording(c);
    version_line(c);
    cw_doc_end(&c->d);
}

int cw_docs_write(const cw_policy *p, const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < p->nlangs; i++) {
        ctx c = { .p = p, .lang = p->langs[i].lang, .de = strncmp(p->langs[i].lang, "de", 2) == 0 };
        struct { const char *name; void (*fn)(ctx *); } docs[] = {
            { "privacy-notice", privacy_notice }, { "processing-record", processing_record },
        };
        for (size_t k = 0; k < 2; k++) {
            if (open_pair(dir, docs[k].name, c.lang, &c.d.md, &c.d.html, err, errlen) != 0)
                return -1;
            docs[k].fn(&c);
            int bad = ferror(c.d.md) || ferror(c.d.html);
            bad |= fclose(c.d.md) != 0;
            bad |= fclose(c.d.html) != 0;
            if (bad) {
                snprintf(err, errlen, "%s: cannot write %s", dir, docs[k].name);
                return -1;
            }
        }
    }
    return 0;
}
