/*
 * receipt.h  What a consent record's sealed body says (G4): the fields of a Kantara
 * Consent Receipt v1.1 and ISO/IEC TS 27560 consent record that a phone call can
 * give, as one JSON object ("schema": "callwarden-consent/1"). The policy core fills
 * it (issue 5); this part checks that each event carries what proves it, and refuses
 * what must never be stored (a refusal with an audio snippet: G3).
 *
 * Kantara names in brackets: consent_id [consentReceiptID], ts_ms [consentTimestamp],
 * jurisdiction, language, controller [piiControllers], policy_url [policyUrl], level and
 * purposes [services/purposes with termination and thirdPartyName], method
 * [collectionMethod], subject_ref [piiPrincipalId: a random id, never the number].
 */
#ifndef CALLWARDEN_RECEIPT_H
#define CALLWARDEN_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

/* How long a consent's proof is kept after the event: the general limitation period
 * for claims (3 years, BGB §195) to its year end and a margin, so that a business can
 * show the consent as long as anyone can contest it (Art. 7(1), 17(3)(e) GDPR). The
 * privacy documents (callwarden docs) quote the same constant. */
#define CW_PROOF_RETAIN_MS (4LL * 365 * 86400 * 1000)

/* One purpose a consent covers, with its retention and who receives the data. */
typedef struct cw_receipt_purpose {
    const char *name;               /* "call_handling", "ai_improvement", ... */
    const char *retention;          /* as the policy states it: "30d" */
    int64_t delete_after_ms;        /* when its data goes (UTC ms) */
    const char *recipients;         /* comma-separated names, "" for none */
} cw_receipt_purpose;

typedef struct cw_receipt {
    const char *event_type;         /* DISCLOSED, GIVEN, REFUSED, WITHDRAWN, ... */
    const char *consent_id;         /* UUID */
    const char *refers_to;          /* the event this one answers (a withdrawal: GIVEN's) */
    const char *subject_ref;        /* random id; the number is only in the key store */
    int cli_withheld;               /* the caller withheld the number */
    int64_t ts_ms;
    const char *jurisdiction;       /* "DE" */
    const char *language;           /* "de" */
    const char *controller;         /* name and contact as the policy gives them */
    const char *policy_url, *policy_version;
    const char *wording_version;    /* the consent wording's id (and A/B variant) */
    const char *wording_text_sha256, *wording_audio_sha256;
    const char *level;              /* "basic", "extended", ... */
    const cw_receipt_purpose *purposes;
    size_t npurposes;
    const char *method;             /* "DTMF", "SPEECH", "ADMIN" */
    const char *answer;             /* the digit, or the recognised words */
    double confidence;              /* speech recognition's, 0..1 (DTMF: 1) */
    const char *evidence_ref;       /* the vault artifact holding the answer snippet */
    const char *evidence_sha256, *evidence_key_id;
    int64_t evidence_ms;            /* its duration */
    const char *disclosure_sha256;  /* the AI disclosure as played */
    int64_t disclosed_at_ms, recording_notice_ms;
    const char *age_answer;         /* "" if the policy asks none */
    const char *call_id_hash;       /* HMAC of the SIP Call-ID, to find the call's records */
    const char *tenant, *build, *policy_hash, *flow_hash;
    const char *handover_target;    /* HANDED_OVER: where the call went */
    int carries_over;               /* HANDED_OVER: the consent stays valid there */
    const char *handover_mode;      /* HANDED_OVER: "refer" or "bridge" */
    int64_t delete_after_ms;        /* when the consent's data goes at the latest */
    int64_t proof_retain_until_ms;  /* how long this proof is kept (Art. 17(3)(e)) */
} cw_receipt;

/*
 * The record body for r: a new NUL-terminated JSON text (*len bytes; the caller frees
 * it), or NULL with err naming the first field that is missing or not allowed for the
 * event (e.g. "GIVEN needs level", "REFUSED must not keep evidence").
 */
char *cw_receipt_json(const cw_receipt *r, size_t *len, char *err, size_t errlen);

#endif
