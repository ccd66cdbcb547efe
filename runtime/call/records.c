/* records.c  What a call puts into its tenant's consent ledger (G4): today DISCLOSED,
 * once the disclosure was played in full; the consent events follow with the consent
 * capture. Each record names the caller by the vault's random subject reference (the
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
#include <time.h>

#include "callwarden/log.h"
#include "callwarden/receipt.h"
#include "callwarden/runtime.h"
#include "call_int.h"

int64_t cw_call_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
        cw_log(CW_LOG_DEBUG, "ledger", "call=%llu DISCLOSED seq=%llu", id,
               (unsigned long long)seq);
    else
        cw_log(CW_LOG_ERROR, "ledger", "call=%llu DISCLOSED not written: %s", id, err);
}

static void append_disclosed(cw_call *c)
{
    cw_tenant_store *ts = cw_stores_find(&c->rt->stores, c->tenant);
    const cw_flow_version *v = c->flow.v ? c->flow.v : c->version;
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
