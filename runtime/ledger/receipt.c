/* receipt.c  A consent record's body (receipt.h): which event needs which field, and
 * the JSON the ledger seals. The checks are the lawyer's list from the seeds: a
 * consent names who asked (controller, policy), what was asked (wording and its hash,
 * the level and each purpose with its retention), how it was answered (method, the
 * answer), when (disclosure before it), and how long the proof is kept. */
#include <stdio.h>
#include <string.h>

#include "callwarden/error.h"
#include "callwarden/json.h"
#include "callwarden/receipt.h"

static int set(const char *s)
{
    return s && s[0];
}

static int is_one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static const char *const consent_events[] = { "DISCLOSED", "GIVEN", "REFUSED", "WITHDRAWN",
                                              "HANDED_OVER", NULL };
static const char *const known_events[] = { "DISCLOSED", "GIVEN", "REFUSED", "WITHDRAWN",
                                            "EXPIRED", "ERASED", "HANDED_OVER",
                                            "POLICY_VERSION", "FLOW_VERSION", "ACCESSED",
                                            NULL };

/* The first thing missing or wrong for the event, or NULL. */
static const char *missing(const cw_receipt *r)
{
    const char *e = r->event_type;
    if (!set(e) || !is_one_of(e, known_events))
        return "a known event type (KEY_ROTATED is the ledger's own)";
    if (!set(r->tenant))
        return "tenant";
    if (!set(r->build))
        return "build";
    if (r->ts_ms <= 0)
        return "ts_ms";
    int consent = is_one_of(e, consent_events);
    if (consent) {
        if (!set(r->subject_ref))
            return "subject_ref";
        if (!set(r->jurisdiction))
            return "jurisdiction";
        if (!set(r->language))
            return "language";
        if (!set(r->controller))
            return "controller";
        if (!set(r->policy_version) || !set(r->policy_hash))
            return "policy_version and policy_hash";
        if (!set(r->flow_hash) && strcmp(e, "WITHDRAWN") != 0)
            return "flow_hash";
    }
    if (strcmp(e, "DISCLOSED") == 0 && (!set(r->disclosure_sha256) || r->disclosed_at_ms <= 0))
        return "disclosure_sha256 and disclosed_at_ms";
    if (strcmp(e, "GIVEN") == 0 || strcmp(e, "REFUSED") == 0) {
        if (!set(r->consent_id))
            return "consent_id";
        if (!set(r->wording_version) || !set(r->wording_text_sha256))
            return "wording_version and wording_text_sha256";
        if (!set(r->method) || !set(r->answer))
            return "method and answer";
        if (r->disclosed_at_ms <= 0 || r->disclosed_at_ms > r->ts_ms)
            return "disclosed_at_ms (the disclosure comes before the answer)";
        if (r->proof_retain_until_ms <= r->ts_ms)
            return "proof_retain_until_ms (after the event)";
    }
    if (strcmp(e, "GIVEN") == 0) {
        if (!set(r->level))
            return "level";
        if (r->npurposes == 0)
            return "purposes";
        for (size_t i = 0; i < r->npurposes; i++)
            if (!set(r->purposes[i].name) || !set(r->purposes[i].retention) ||
                r->purposes[i].delete_after_ms <= r->ts_ms)
                return "every purpose with name, retention and delete_after_ms";
        if (r->delete_after_ms <= r->ts_ms)
            return "delete_after_ms";
    }
    if (strcmp(e, "HANDED_OVER") == 0 && !set(r->handover_target))
        return "handover_target";
    if (strcmp(e, "WITHDRAWN") == 0 && (!set(r->consent_id) || !set(r->refers_to) ||
                                        !set(r->method)))
        return "consent_id, refers_to (the GIVEN event) and method";
    if ((strcmp(e, "EXPIRED") == 0 || strcmp(e, "ERASED") == 0) && !set(r->consent_id) &&
        !set(r->subject_ref))
        return "consent_id or subject_ref";
    return NULL;
}

char *cw_receipt_json(const cw_receipt *r, size_t *len, char *err, size_t errlen)
{
    const char *m = missing(r);
    if (m) {
        cw_error(err, errlen, "%s needs %s", set(r->event_type) ? r->event_type : "a record",
                 m);
        return NULL;
    }
    /* G3: the audio of a refusal is never kept, not even as evidence */
    if (strcmp(r->event_type, "REFUSED") == 0 && set(r->evidence_ref)) {
        cw_error(err, errlen, "REFUSED must not keep evidence (refusal audio is never stored)");
        return NULL;
    }
    cw_json j;
    cw_json_init(&j);
    cw_json_object(&j, NULL);
    cw_json_str(&j, "schema", "callwarden-consent/1");
    cw_json_str(&j, "event_type", r->event_type);
    if (set(r->consent_id))
        cw_json_str(&j, "consent_id", r->consent_id);
    if (set(r->refers_to))
        cw_json_str(&j, "refers_to", r->refers_to);
    if (set(r->subject_ref)) {
        cw_json_str(&j, "subject_ref", r->subject_ref);
        cw_json_str(&j, "cli_status", r->cli_withheld ? "withheld" : "present");
    }
    cw_json_int(&j, "ts_utc_ms", r->ts_ms);
    if (set(r->jurisdiction))
        cw_json_str(&j, "jurisdiction", r->jurisdiction);
    if (set(r->language))
        cw_json_str(&j, "language", r->language);
    if (set(r->controller))
        cw_json_str(&j, "controller", r->controller);
    if (set(r->policy_url))
        cw_json_str(&j, "policy_url", r->policy_url);
    if (set(r->policy_version))
        cw_json_str(&j, "policy_version", r->policy_version);
    if (set(r->wording_version)) {
        cw_json_object(&j, "wording");
        cw_json_str(&j, "version", r->wording_version);
        cw_json_str(&j, "text_sha256", r->wording_text_sha256);
        if (set(r->wording_audio_sha256))
            cw_json_str(&j, "audio_sha256", r->wording_audio_sha256);
        cw_json_end_object(&j);
    }
    if (set(r->level))
        cw_json_str(&j, "level", r->level);
    if (r->npurposes) {
        cw_json_array(&j, "purposes");
        for (size_t i = 0; i < r->npurposes; i++) {
            const cw_receipt_purpose *p = &r->purposes[i];
            cw_json_object(&j, NULL);
            cw_json_str(&j, "purpose", p->name);
            cw_json_str(&j, "retention", p->retention);
            cw_json_int(&j, "delete_after_ms", p->delete_after_ms);
            cw_json_str(&j, "recipients", p->recipients ? p->recipients : "");
            cw_json_end_object(&j);
        }
        cw_json_end_array(&j);
    }
    if (set(r->method)) {
        cw_json_object(&j, "method");
        cw_json_str(&j, "kind", r->method);
        if (set(r->answer))
            cw_json_str(&j, "answer", r->answer);
        if (strcmp(r->method, "SPEECH") == 0 && r->confidence >= 0)
            cw_json_num(&j, "confidence", r->confidence);
        cw_json_end_object(&j);
    }
    if (set(r->evidence_ref)) {
        cw_json_object(&j, "evidence");
        cw_json_str(&j, "ref", r->evidence_ref);
        cw_json_str(&j, "sha256", r->evidence_sha256);
        cw_json_str(&j, "key_id", r->evidence_key_id);
        cw_json_int(&j, "duration_ms", r->evidence_ms);
        cw_json_end_object(&j);
    }
    if (set(r->disclosure_sha256))
        cw_json_str(&j, "disclosure_sha256", r->disclosure_sha256);
    if (r->disclosed_at_ms > 0)
        cw_json_int(&j, "disclosed_at_ms", r->disclosed_at_ms);
    if (r->recording_notice_ms > 0)
        cw_json_int(&j, "recording_notice_ms", r->recording_notice_ms);
    if (set(r->age_answer))
        cw_json_str(&j, "age_answer", r->age_answer);
    if (set(r->handover_target)) {
        cw_json_object(&j, "handover");
        cw_json_str(&j, "target", r->handover_target);
        cw_json_bool(&j, "carries_over", r->carries_over);
        if (set(r->handover_mode))
            cw_json_str(&j, "mode", r->handover_mode);
        cw_json_end_object(&j);
    }
    if (set(r->call_id_hash))
        cw_json_str(&j, "call_id_hash", r->call_id_hash);
    cw_json_str(&j, "tenant", r->tenant);
    cw_json_str(&j, "build", r->build);
    if (set(r->policy_hash))
        cw_json_str(&j, "policy_hash", r->policy_hash);
    if (set(r->flow_hash))
        cw_json_str(&j, "flow_hash", r->flow_hash);
    if (r->delete_after_ms > 0)
        cw_json_int(&j, "delete_after_ms", r->delete_after_ms);
    if (r->proof_retain_until_ms > 0)
        cw_json_int(&j, "proof_retain_until_ms", r->proof_retain_until_ms);
    cw_json_end_object(&j);
    char *out = cw_json_finish(&j, len);
    if (!out)
        cw_error(err, errlen, "out of memory");
    return out;
}
