/*
 * policy.h  A tenant's policy (issue 5): what its business has decided about
 * disclosure, consent, retention and handover, written declaratively in
 * policies/<tenant>/policy.lua, loaded in a sandbox of its own and validated in C. What
 * it says, the core enforces (G1, G2, G3, G5, G9); a flow can only ask.
 *
 * The policy language is a handful of statements, each a function call, so that every
 * error can name the file and line of the statement it is about:
 *
 *     controller { name = "...", address = "...", contact = "...", dpo = "..." }
 *     jurisdiction "DE"
 *     languages { default = "de", "de", "en", prefixes = { ["+44"] = "en" },
 *                 menu = { ["1"] = "de", ["2"] = "en", prompt = "..." } }
 *     notice { url = "https://...", email = "datenschutz@..." }      -- one at least
 *     disclosure "de" { text = "...", audio = "disclosure_de.wav" }    -- per language
 *     consent "de" { question = "...", more = "...", accepted = "...", refused = "...",
 *                    withdrawn = "...", timeout = "...", simple = "...", age = "...",
 *                    variants = { { id = "B", weight = 50, question = "..." } } }
 *     purposes { referral = "passing the request to a partner workshop" }
 *     level "basic" { key = "1", purposes = { "call_handling" }, retention = "30d",
 *                     recipients = {}, min_age = 0 }
 *     keys { more = "9", withdraw = "0", human = "#" }
 *     speech "de" { yes = { "ja" }, no = { "nein" } }
 *     timeouts { answer_ms = 6000, retries = 2 }
 *     handover { target = "sip:empfang@...", carries_over = true, mode = "bridge",
 *                timeout = 30, notice = { de = "...", en = "..." } }
 *     fallback { goodbye = { de = "...", en = "..." } }
 *     egress { regions = { "EU", "EEA" }, allow = { ["ai.example.eu"] = "EU" } }
 *     ai { chat = { url = "https://ai.example.eu/v1/chat/completions", model = "...",
 *                   purpose = "call_handling" },
 *          transcribe = { ... }, speech = { ..., voice = "..." },
 *          timeout_ms = 4000, retries = 1, redact = { "phone", "email" },
 *          wait = { de = "Einen Moment bitte." }, unavailable = { de = "..." } }
 *     webhook { url = "https://crm.example.eu/hooks/consent",
 *               events = { "GIVEN", "REFUSED", "WITHDRAWN", "ERASED" } }
 *     withdrawal { code_hook = "https://sms.example.eu/send" }
 *
 * Required: controller (name, contact), jurisdiction (two upper-case letters), languages
 * (a default among the listed), notice (an https:// url or an email), for every listed
 * language a disclosure and a consent (question, accepted, refused, withdrawn; more when
 * keys.more is set), and at least one level (key, purposes, retention). Optional, with
 * their defaults: keys (withdraw "0", more and human not offered), timeouts (6000 ms, 2
 * retries), speech, handover (required when keys.human is set; a notice for every
 * listed language; mode "refer" (default) or "bridge", timeout 1..600 s, default 30:
 * how long a bridged human's phone rings), fallback, purposes (the tenant's own, beside
 * the core's vocabulary: a level's purpose must be one or the other), egress (G6: the
 * hosts caller data may go to, each with the region it is in, and the regions permitted,
 * default EU and EEA), ai (the assistant's OpenAI-compatible endpoints, each https://,
 * on egress.allow in a permitted region, for one known purpose; the whole wait of one AI
 * request, default 4000 ms, 500..30000; retries 0..3, default 1; what is redacted before
 * text goes to a model, default all four kinds; wait: said when an answer is slow, and
 * unavailable: said when the AI fails, per language), webhook (the CRM: an https:// URL
 * on egress.allow that consent events are posted to, purpose crm_sync; events among
 * DISCLOSED GIVEN REFUSED WITHDRAWN EXPIRED ERASED HANDED_OVER), withdrawal (code_hook:
 * an https:// URL on egress.allow that the one-time code of a withdrawal by phone
 * number is posted to, e.g. an SMS gateway's; purpose withdrawal_code). A retention is a whole number and one of m(inutes), h, d,
 * w, y (365 days), at most 100y. Each statement appears once, or once per language or
 * level name. An unknown field, a wrong type, a duplicate or colliding key is an error;
 * the loader invents no level and no wording.
 *
 * The policy's version is the SHA-256 of the files in policies/<tenant>/, as a flow's
 * is of scripts/<tenant>/; every consent record names both.
 */
#ifndef CALLWARDEN_POLICY_H
#define CALLWARDEN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/crypto.h"

#define CW_POLICY_LANG_LEN 8           /* "de", "en", "de-CH" */
#define CW_POLICY_NAME_LEN 33          /* level and purpose names: [a-z0-9_]{1,32} */
#define CW_POLICY_MAX_LANGS 8
#define CW_POLICY_MAX_LEVELS 8
#define CW_POLICY_MAX_PURPOSES 16      /* per level */
#define CW_POLICY_MAX_VARIANTS 8
#define CW_POLICY_MAX_WORDS 16         /* speech answers per language and kind */
#define CW_POLICY_MAX_PREFIXES 32
#define CW_POLICY_MAX_EGRESS 32        /* hosts on egress.allow */
#define CW_POLICY_MAX_REGIONS 8
#define CW_POLICY_REGION_LEN 8         /* "EU", "EEA", "CH" */

/* One consent wording variant (A/B test): its id, weight and question. */
typedef struct cw_policy_variant {
    char id[CW_POLICY_NAME_LEN];
    unsigned weight;                /* relative; 0 = never chosen */
    char *question;
} cw_policy_variant;

/* Everything said in one language. Strings are NUL-terminated, owned by the policy. */
typedef struct cw_policy_lang {
    char lang[CW_POLICY_LANG_LEN];
    char *disclosure;               /* the AI disclosure's text (always there) */
    char *disclosure_audio;         /* its recording, an absolute path, or NULL (TTS) */
    char *question;                 /* the short consent question (layer 1) */
    char *more;                     /* the longer information ("9", layer 2) */
    char *accepted, *refused, *withdrawn, *timeout;
    char *simple;                   /* the question in simplified language, or NULL */
    char *age_question;             /* asks the age in years (keys, then '#'), or NULL:
                                     * levels with a min_age then need the flow's age */
    cw_policy_variant variants[CW_POLICY_MAX_VARIANTS];
    size_t nvariants;
    char *handover_notice;          /* said before a transfer, or NULL */
    char *goodbye;                  /* the fallback's goodbye, or NULL */
    char *yes[CW_POLICY_MAX_WORDS], *no[CW_POLICY_MAX_WORDS];  /* speech answers */
    size_t nyes, nno;
    char *ai_wait;                  /* said while an AI answer is slow, or NULL */
    char *ai_unavailable;           /* said when the AI failed, or NULL */
} cw_policy_lang;

/* A consent level: what the caller agrees to by choosing it. */
typedef struct cw_policy_level {
    char name[CW_POLICY_NAME_LEN];
    char key;                       /* the DTMF key that chooses it */
    char purposes[CW_POLICY_MAX_PURPOSES][CW_POLICY_NAME_LEN];
    size_t npurposes;
    char retention[16];             /* as written: "30d", "12h", "1y" */
    int64_t retention_ms;
    char *recipients;               /* comma-separated names, "" for none */
    unsigned min_age;               /* 0: no age question */
    int line;                       /* where it is declared */
} cw_policy_level;

/* A host caller data may be sent to (G6), and the region its processing is in. */
typedef struct cw_policy_host {
    char host[256];                 /* lower case, as in a URL ("ai.example.eu", "::1") */
    unsigned port;                  /* 0: any port */
    char region[CW_POLICY_REGION_LEN];
} cw_policy_host;

/* One AI endpoint of the ai statement (url NULL: not configured). */
typedef struct cw_policy_endpoint {
    char *url;                      /* https://, its host on egress.allow */
    char *model;                    /* the "model" of the request, or NULL */
    char *voice;                    /* speech only: the "voice", or NULL */
    char purpose[CW_POLICY_NAME_LEN];   /* what the caller must have consented to */
    int line;
} cw_policy_endpoint;

typedef struct cw_policy {
    char tenant[64];
    char path[1024];                /* policies/<tenant>/policy.lua */
    char hash[CW_SHA256_HEX_LEN];   /* SHA-256 over the policy directory's files */

    char *controller_name, *controller_address, *controller_contact, *dpo;
    char jurisdiction[8];
    char *notice_url, *notice_email;            /* at least one */

    char default_lang[CW_POLICY_LANG_LEN];
    cw_policy_lang langs[CW_POLICY_MAX_LANGS];
    size_t nlangs;
    struct { char prefix[16]; char lang[CW_POLICY_LANG_LEN]; } prefixes[CW_POLICY_MAX_PREFIXES];
    size_t nprefixes;
    /* the language menu after the disclosure (languages.menu), nmenu 0 for none */
    struct { char key; char lang[CW_POLICY_LANG_LEN]; } menu[CW_POLICY_MAX_LANGS];
    size_t nmenu;
    char *menu_prompt;

    cw_policy_level levels[CW_POLICY_MAX_LEVELS];
    size_t nlevels;
    char key_more, key_withdraw, key_human;     /* 0 if not offered */

    unsigned answer_timeout_ms;     /* how long the caller has to answer a question */
    unsigned retries;               /* questions repeated before it counts as refused */

    /* the tenant's own purposes (purposes { name = "description" }), beside the core's */
    struct { char name[CW_POLICY_NAME_LEN]; char *description; } own_purposes[32];
    size_t nown_purposes;

    char *handover_target;          /* a sip: or sips: URI, or NULL */
    int handover_carries_over;      /* the consent stays valid with the human (default 0) */
    int handover_bridge;            /* 1: bridge (our INVITE, media through us), 0: REFER */
    unsigned handover_timeout_s;    /* a bridged human's phone rings this long */

    /* G6: where data may leave to (egress), and the AI endpoints (ai) */
    cw_policy_host egress_allow[CW_POLICY_MAX_EGRESS];
    size_t negress_allow;
    char egress_regions[CW_POLICY_MAX_REGIONS][CW_POLICY_REGION_LEN];
    size_t negress_regions;         /* EU and EEA when the policy names none */
    cw_policy_endpoint ai_chat, ai_transcribe, ai_speech;
    unsigned ai_timeout_ms;         /* an AI request's whole wait, retries included */
    unsigned ai_silence_ms;         /* the caller waits this long before ai_wait is said */
    unsigned ai_retries;
    unsigned ai_redact;             /* CW_REDACT_* bits (redact.h) */

    /* the CRM's webhook: consent events posted to url (NULL: none) */
    char *webhook_url;
    /* withdrawal outside the call: the one-time code goes to this hook (NULL: none) */
    char *withdrawal_code_hook;
    char webhook_events[8][24];     /* ledger event types, GIVEN REFUSED WITHDRAWN ERASED
                                     * by default */
    size_t nwebhook_events;
} cw_policy;

/*
 * Load policies/<tenant>/policy.lua from dir (the tenant's policy directory) in a fresh
 * sandbox (text only, no I/O, no require, 16 MiB, an instruction budget), and validate
 * it. On success a new policy (free it with cw_policy_free; it holds no Lua state and
 * may be read from any thread) and err "". On failure NULL, and err holds every problem
 * found in line order, one per line, each "<tenant>/policy.lua:LINE: message" (a missing
 * language, a level without retention, a retention without a unit, an http:// URL,
 * colliding keys, a disclosure missing for a language, ...); a problem of the whole
 * file (it cannot be read) is "<tenant>/policy.lua: message"; beyond 64 problems or
 * errlen, a last line "... and N more problems". A missing statement is reported on
 * line 1. A Lua error (syntax, an unknown name, a budget or memory kill) stops the file
 * there: the statements before it are not validated.
 */
cw_policy *cw_policy_load(const char *tenant, const char *dir, char *err, size_t errlen);

/* Free a policy (NULL is fine). */
void cw_policy_free(cw_policy *p);

/* The language a caller gets: the longest prefix of number in the policy's prefixes, else
 * the default. Never NULL. */
const cw_policy_lang *cw_policy_lang_for(const cw_policy *p, const char *number);

/* The wording in lang, or NULL if the policy does not speak it. */
const cw_policy_lang *cw_policy_lang_get(const cw_policy *p, const char *lang);

/* The level called name, or NULL. */
const cw_policy_level *cw_policy_level_get(const cw_policy *p, const char *name);

/* 1 if the level's purposes include purpose. */
int cw_policy_level_covers(const cw_policy_level *l, const char *purpose);

/* What purpose means (English), from the tenant's purposes statement or the core's
 * vocabulary (call_handling, transcription, ai_processing, ai_improvement,
 * quality_assurance, personalised_offers, marketing, analytics, crm_sync); NULL for an
 * unknown purpose. p may be NULL (the core's vocabulary only). */
const char *cw_policy_purpose_description(const cw_policy *p, const char *purpose);

/* The allow-list entry for host and port (0 when the URL names none: 443), or NULL. */
const cw_policy_host *cw_policy_egress_host(const cw_policy *p, const char *host,
                                            unsigned port);

/* 1 if region is among the regions the policy permits. */
int cw_policy_region_permitted(const cw_policy *p, const char *region);

/* Parse a retention as written ("30d", "12h", "90m", "1y"; a number and a unit) into ms.
 * 0, or -1 if it is not one. */
int cw_policy_parse_retention(const char *s, int64_t *ms);

#endif
