/* records.c  What a call puts into its tenant's consent ledger (G4): DISCLOSED once
 * the disclosure was played in full, GIVEN or REFUSED for the consent question. Each
 * record names the caller by the vault's random subject reference (the
 * number never enters the ledger), the policy and flow versions in force, and the
 * call by a hash of its Call-ID.
 *
 * The subject is found or made in the vault on a worker thread while the disclosure
 * plays; the call stays allocated (pinned) until that look-up is back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/receipt.h"
#include "callwarden/runtime.h"
#include "call_int.h"

void cw_call_disclosure_hash(cw_call *c, const cw_policy_lang *l)
{
    /* the wording as the caller hears it; a recording's bytes are pinned by the policy
     * hash, which covers every file of the policy directory */
    cw_sha256 h;
    cw_sha256_init(&h);
    cw_sha256_update(&h, l->lang, strlen(l->lang) + 1);
    cw_sha256_update(&h, l->disclosure, strlen(l->disclosure) + 1);
    if (l->disclosure_audio)
        cw_sha256_update(&h, l->disclosure_audio, strlen(l->disclosure_audio));
    cw_sha256_hex(&h, c->disclosure_sha256);
}

static void logged(void *ud, int ok, uint64_t seq, const char *err)
{
    unsigned long long id = (unsigned long long)(uintptr_t)ud;
    if (ok)
        cw_log(CW_LOG_DEBUG, "ledger", "call=%llu record seq=%llu", id,
               (unsigned long long)seq);
    else
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu record not written: %s", id, err);
}

static void append_disclosed(cw_call *c)
{
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    const cw_flow_version *v = cw_call_version(c);
    if (!ts || !ts->ledger || !v || !v->policy) {
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu tenant=%s no ledger: DISCLOSED not written",
               (unsigned long long)c->id, c->tenant);
        return;
    }
    const cw_policy *p = v->policy;
    char call_hash[65], version[13], err[256];
    cw_sha256_hex_of(c->call_id, strlen(c->call_id), call_hash);
    call_hash[32] = 0;
    snprintf(version, sizeof version, "%.12s", p->hash);
    cw_receipt r = {
        .event_type = "DISCLOSED", .subject_ref = c->subject_ref,
        .cli_withheld = c->cli_withheld, .ts_ms = c->disclosed_at_ms,
        .jurisdiction = p->jurisdiction, .language = c->lang,
        .controller = p->controller_name, .policy_url = p->notice_url,
        .policy_version = version, .disclosure_sha256 = c->disclosure_sha256,
        .disclosed_at_ms = c->disclosed_at_ms, .call_id_hash = call_hash,
        .tenant = c->tenant, .build = CW_VERSION, .policy_hash = p->hash,
        .flow_hash = v->hash,
    };
    size_t len;
    char *body = cw_receipt_json(&r, &len, err, sizeof err);
    cw_ledger_event ev = { .ts_ms = r.ts_ms, .event_type = "DISCLOSED", .body = body,
                           .body_len = len };
    if (!body || cw_ledger_append(ts->ledger, &ev, logged, (void *)(uintptr_t)c->id) != 0)
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu DISCLOSED not written: %s",
               (unsigned long long)c->id, body ? "append refused" : err);
    free(body);
}

typedef struct consent_wait {
    cw_call *c;
    void (*done)(cw_call *c, int ok);
} consent_wait;

static void consent_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    consent_wait *w = ud;
    cw_call *c = w->c;
    if (!ok)
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu consent record not written: %s",
               (unsigned long long)c->id, err);
    else
        cw_log(CW_LOG_DEBUG, "ledger", "call=%llu consent record seq=%llu",
               (unsigned long long)c->id, (unsigned long long)seq);
    void (*done)(cw_call *, int) = w->done;
    free(w);
    done(c, ok);
    cw_call_unpin(c);
}

int cw_call_log_consent(cw_call *c, const cw_policy_level *l, const char *answer,
                        void (*done)(cw_call *c, int ok), char *err, size_t errlen)
{
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    const cw_flow_version *v = cw_call_version(c);
    if (!ts || !ts->ledger || !v || !v->policy || !c->subject_ref[0]) {
        snprintf(err, errlen, "the tenant's ledger or the caller's data subject is missing");
        return -1;
    }
    const cw_policy *p = v->policy;
    int64_t now = cw_now_ms();
    char call_hash[65], version[13], wording_sha[65], age[16] = "";
    cw_sha256_hex_of(c->call_id, strlen(c->call_id), call_hash);
    call_hash[32] = 0;
    snprintf(version, sizeof version, "%.12s", p->hash);
    cw_sha256_hex_of(c->consent_question, strlen(c->consent_question), wording_sha);
    if (c->consent_age >= 0)
        snprintf(age, sizeof age, "%d", c->consent_age);
    cw_receipt_purpose purposes[CW_POLICY_MAX_PURPOSES];
    size_t np = 0;
    for (size_t i = 0; l && i < l->npurposes; i++, np++) {
        purposes[i].name = l->purposes[i];
        purposes[i].retention = l->retention;
        purposes[i].delete_after_ms = now + l->retention_ms;
        purposes[i].recipients = l->recipients ? l->recipients : "";
    }
    cw_ledger_uuid(c->consent_id);
    /* the snippet is sealed under the consent's own key in the vault */
    char evidence_key[48];
    snprintf(evidence_key, sizeof evidence_key, "consent:%s", c->consent_id);
    cw_receipt r = {
        .event_type = l ? "GIVEN" : "REFUSED", .consent_id = c->consent_id,
        .subject_ref = c->subject_ref, .cli_withheld = c->cli_withheld, .ts_ms = now,
        .jurisdiction = p->jurisdiction, .language = c->lang,
        .controller = p->controller_name, .policy_url = p->notice_url,
        .policy_version = version, .wording_version = c->consent_variant,
        .wording_text_sha256 = wording_sha, .level = l ? l->name : NULL,
        .purposes = purposes, .npurposes = np,
        .method = c->consent_by_speech ? "SPEECH" : "DTMF",
        .answer = c->consent_by_speech ? c->consent_speech : answer,
        .confidence = c->consent_by_speech ? c->consent_confidence : 1, .disclosure_sha256 = c->disclosure_sha256,
        .disclosed_at_ms = c->disclosed_at_ms, .age_answer = age,
        .evidence_ref = l && c->evidence_id[0] ? c->evidence_id : NULL,
        .evidence_sha256 = c->evidence_sha256, .evidence_key_id = evidence_key,
        .evidence_ms = c->evidence_ms,
        .call_id_hash = call_hash, .tenant = c->tenant, .build = CW_VERSION,
        .policy_hash = p->hash, .flow_hash = v->hash,
        .delete_after_ms = l ? now + l->retention_ms : 0,
        .proof_retain_until_ms = now + CW_PROOF_RETAIN_MS,
    };
    size_t len;
    char *body = cw_receipt_json(&r, &len, err, errlen);
    if (!body)
        return -1;
    consent_wait *w = malloc(sizeof *w);
    cw_ledger_event ev = { .ts_ms = now, .event_type = r.event_type,
                           .consent_id = c->consent_id, .body = body, .body_len = len };
    int rc = w ? 0 : -1;
    if (w) {
        w->c = c;
        w->done = done;
        c->pending_handles++;          /* the call lives until the record's callback */
        rc = cw_ledger_append(ts->ledger, &ev, consent_logged, w);
        if (rc != 0) {
            c->pending_handles--;
            free(w);
        }
    }
    free(body);
    if (rc != 0)
        snprintf(err, errlen, "the ledger refused the record");
    return rc;
}

/* A record that nothing waits for, built from the call's consent (withdrawal). */
static void append_plain(cw_call *c, const char *event, const char *body, size_t len)
{
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = event,
                           .consent_id = c->consent_id, .refers_to = c->consent_id,
                           .body = body, .body_len = len };
    if (!ts || !ts->ledger || !body ||
        cw_ledger_append(ts->ledger, &ev, logged, (void *)(uintptr_t)c->id) != 0)
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu %s not written", (unsigned long long)c->id,
               event);
}

void cw_call_log_withdrawn(cw_call *c, const char *method, const char *answer)
{
    const cw_flow_version *v = cw_call_version(c);
    if (!v || !v->policy)
        return;
    const cw_policy *p = v->policy;
    char version[13], err[256];
    snprintf(version, sizeof version, "%.12s", p->hash);
    cw_receipt r = {
        .event_type = "WITHDRAWN", .consent_id = c->consent_id, .refers_to = c->consent_id,
        .subject_ref = c->subject_ref, .cli_withheld = c->cli_withheld,
        .ts_ms = cw_now_ms(), .jurisdiction = p->jurisdiction, .language = c->lang,
        .controller = p->controller_name, .policy_version = version, .policy_hash = p->hash,
        .flow_hash = v->hash, .level = c->consent_level, .method = method,
        .answer = answer, .confidence = 1, .tenant = c->tenant,
        .build = CW_VERSION,
    };
    size_t len;
    char *body = cw_receipt_json(&r, &len, err, sizeof err);
    if (!body)
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu WITHDRAWN: %s", (unsigned long long)c->id,
               err);
    append_plain(c, "WITHDRAWN", body, len);
    free(body);
}

void cw_call_log_handed_over(cw_call *c)
{
    c->rt->metrics.handovers++;
    const cw_flow_version *v = cw_call_version(c);
    if (!v || !v->policy || !c->subject_ref[0])
        return;
    const cw_policy *p = v->policy;
    char version[13], err[256], call_hash[65];
    snprintf(version, sizeof version, "%.12s", p->hash);
    cw_sha256_hex_of(c->call_id, strlen(c->call_id), call_hash);
    call_hash[32] = 0;
    int given = c->consent == CW_CONSENT_GIVEN;
    cw_receipt r = {
        .event_type = "HANDED_OVER", .consent_id = given ? c->consent_id : NULL,
        .subject_ref = c->subject_ref, .cli_withheld = c->cli_withheld,
        .ts_ms = cw_now_ms(), .jurisdiction = p->jurisdiction, .language = c->lang,
        .controller = p->controller_name, .policy_version = version, .policy_hash = p->hash,
        .flow_hash = v->hash, .level = given ? c->consent_level : NULL,
        .handover_target = c->ho_target, .carries_over = p->handover_carries_over,
        .handover_mode = c->bridge ? "bridge" : "refer",
        .call_id_hash = call_hash, .tenant = c->tenant, .build = CW_VERSION,
    };
    size_t len;
    char *body = cw_receipt_json(&r, &len, err, sizeof err);
    if (!body)
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu HANDED_OVER: %s", (unsigned long long)c->id,
               err);
    append_plain(c, "HANDED_OVER", body, len);
    free(body);
}

void cw_call_log_erased(cw_call *c, uint64_t n)
{
    char body[512];
    int len = snprintf(body, sizeof body, "{\"schema\":\"callwarden-consent/1\","
                       "\"event_type\":\"ERASED\",\"consent_id\":\"%s\","
                       "\"reason\":\"withdrawn\",\"artifacts\":%llu,\"tenant\":\"%s\","
                       "\"build\":\"%s\"}", c->consent_id, (unsigned long long)n,
                       c->tenant, CW_VERSION);
    append_plain(c, "ERASED", body, (size_t)len);
}

static void subject_found(void *ud, const char *ref, int withheld, const char *err)
{
    cw_call *c = ud;
    c->subject_pending = 0;
    if (ref) {
        snprintf(c->subject_ref, sizeof c->subject_ref, "%s", ref);
        c->cli_withheld = withheld;
    } else {
        cw_log(CW_LOG_ERROR, "vault", "call=%llu tenant=%s no data subject: %s",
               (unsigned long long)c->id, c->tenant, err);
    }
    if (c->disclosed_pending) {
        c->disclosed_pending = 0;
        if (c->subject_ref[0])
            append_disclosed(c);
    }
    cw_call_unpin(c);
}

void cw_call_find_subject(cw_call *c)
{
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    c->pending_handles++;              /* the call lives until the look-up is back */
    c->subject_pending = 1;
    if (cw_stores_subject(&c->rt->stores, ts, c->caller, subject_found, c) != 0) {
        c->subject_pending = 0;
        c->pending_handles--;
        cw_log(CW_LOG_ERROR, "vault", "call=%llu tenant=%s no vault: no consent can be "
               "recorded on this call", (unsigned long long)c->id, c->tenant);
    }
}

void cw_call_log_disclosed(cw_call *c)
{
    if (c->subject_ref[0])
        append_disclosed(c);
    else if (c->subject_pending)
        c->disclosed_pending = 1;
}
