/* api_withdraw.c  Withdrawal by the caller, outside the call (G5, seed 001: "as easy as
 * consent, also on the website"): the caller gives the number they called from, the
 * runtime sends a one-time code to that number through the policy's withdrawal
 * code_hook (an SMS gateway, through the egress gate), and the code withdraws every
 * consent of that caller that is still in force, as a withdrawal by consent id does.
 *
 *   POST /v1/tenants/T/withdrawals          {"number"}          -> 202
 *   POST /v1/tenants/T/withdrawals/confirm  {"number", "code"}  -> 200 {withdrawn: [...]}
 * and the same as HTML forms for people (withdraw_page.c).
 *
 * Whether a number has consents is never told: the first answer is the same either
 * way. A code is 6 random digits, held only as its SHA-256, valid 10 minutes, 5 tries;
 * a number gets at most one code a minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/log.h"
#include "callwarden/outbox.h"
#include "callwarden/runtime.h"
#include "callwarden/vault.h"
#include "api_int.h"

#define CODE_TTL_MS (10 * 60 * 1000)
#define CODE_EVERY_MS (60 * 1000)
#define CODE_TRIES 5

/* ---- what the caller has consented to (worker thread) ---------------------------- */

typedef struct active {
    const char *ref;
    json_t *given;                  /* consent id -> GIVEN body */
} active;

static int collect(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                   size_t len)
{
    active *a = ud;
    (void)seq;
    json_t *rec = body ? json_loadb((const char *)body, len, 0, NULL) : NULL;
    const char *cid = json_string_value(json_object_get(rec, "consent_id"));
    const char *ref = json_string_value(json_object_get(rec, "subject_ref"));
    if (cid && strcmp(event_type, "GIVEN") == 0 && ref && strcmp(ref, a->ref) == 0)
        json_object_set(a->given, cid, rec);
    else if (cid && (strcmp(event_type, "WITHDRAWN") == 0 || strcmp(event_type, "ERASED") == 0 ||
                     strcmp(event_type, "EXPIRED") == 0))
        json_object_del(a->given, cid);
    json_decref(rec);
    return 0;
}

/* j->number's subject (ref into j->id) and its consents in force (j->ud: an object of
 * consent id -> GIVEN body, possibly empty). The reading is logged as ACCESSED when
 * the number is a subject's. */
static void find_active(cw_api_job *j)
{
    char err[512];
    cw_vault *v = NULL;
    j->status = 200;
    j->id[0] = 0;
    if (cw_vault_open(j->data_dir, j->tenant, &v, err, sizeof err) != 0) {
        j->status = 503;
        snprintf(j->err, sizeof j->err, "the tenant's vault cannot be opened");
        cw_log(CW_LOG_ERROR, "admin", "tenant=%s withdrawal: %s", j->tenant, err);
        return;
    }
    char ref[CW_VAULT_REF_LEN];
    int found = cw_vault_find_subject(v, j->number, ref, err, sizeof err);
    cw_vault_close(v);
    json_t *given = json_object();
    j->ud = given;
    if (found != 0)
        return;                        /* no such caller: nothing in force */
    snprintf(j->id, sizeof j->id, "%s", ref);
    char path[1100], what[64];
    cw_ledger_keys *k = NULL;
    char *msg = NULL;
    size_t msglen = 0;
    FILE *out = open_memstream(&msg, &msglen);
    snprintf(what, sizeof what, "subject %s", ref);
    int rc = out ? cw_audit_open(j->data_dir, j->tenant, "withdrawal by phone", what, path,
                                 sizeof path, &k, out) : 2;
    if (out)
        fclose(out);
    free(msg);
    active a = { ref, given };
    if (rc != 0 || cw_ledger_read(path, k, collect, &a, err, sizeof err) != 0) {
        j->status = 503;
        snprintf(j->err, sizeof j->err, "the tenant's ledger cannot be read");
    }
    cw_ledger_keys_free(k);
}

/* ---- the codes ------------------------------------------------------------------- */

static void code_hash(const char *tenant, const char *ref, const char *code, uint8_t out[32])
{
    char buf[200];
    snprintf(buf, sizeof buf, "%s/%s/%s", tenant, ref, code);
    cw_sha256_of(buf, strlen(buf), out);
    cw_wipe(buf, sizeof buf);
}

static cw_withdraw_code *code_slot(cw_admin *a, const char *tenant, const char *ref, int make)
{
    uint64_t now = uv_now(a->rt->loop);
    cw_withdraw_code *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < CW_ADMIN_CODES; i++) {
        cw_withdraw_code *c = &a->codes[i];
        if (c->until_ms && c->until_ms > now && strcmp(c->tenant, tenant) == 0 &&
            strcmp(c->ref, ref) == 0)
            return c;
        if (!c->until_ms || c->until_ms <= now)
            free_slot = free_slot ? free_slot : c;
        else if (!oldest || c->until_ms < oldest->until_ms)
            oldest = c;
    }
    if (!make)
        return NULL;
    cw_withdraw_code *c = free_slot ? free_slot : oldest;
    memset(c, 0, sizeof *c);
    snprintf(c->tenant, sizeof c->tenant, "%s", tenant);
    snprintf(c->ref, sizeof c->ref, "%s", ref);
    return c;
}

static const cw_policy *tenant_policy(cw_runtime *rt, const char *tenant)
{
    cw_tenant *t = cw_tenants_find(&rt->tenants, tenant);
    return t && t->current ? t->current->policy : NULL;
}

static const char *webhook_secret(cw_runtime *rt, const char *tenant)
{
    for (size_t i = 0; i < rt->cfg.nwebhook_secrets; i++)
        if (strcmp(rt->cfg.webhook_secrets[i].tenant, tenant) == 0)
            return rt->cfg.webhook_secrets[i].key;
    return NULL;
}

typedef struct sending {
    char tenant[64];
} sending;

static void code_sent(void *ud, const cw_egress_response *resp)
{
    sending *s = ud;
    if (resp->error)
        cw_log(CW_LOG_ERROR, "admin", "tenant=%s withdrawal code not delivered: %s", s->tenant,
               resp->error);
    else
        cw_log(CW_LOG_INFO, "admin", "tenant=%s withdrawal code delivered (HTTP %d)", s->tenant,
               resp->status);
    free(s);
}

/* Make and send a code for the caller j->number (subject j->id). 0, or -1 (logged). */
static int send_code(cw_api_job *j, const char *lang)
{
    cw_runtime *rt = j->r->admin->rt;
    const cw_policy *p = tenant_policy(rt, j->tenant);
    if (!p || !p->withdrawal_code_hook) {
        cw_log(CW_LOG_WARN, "admin", "tenant=%s a withdrawal code was asked for, but the "
               "policy names no withdrawal code_hook", j->tenant);
        return -1;
    }
    uint64_t now = uv_now(rt->loop);
    cw_withdraw_code *c = code_slot(j->r->admin, j->tenant, j->id, 0);
    if (c && now - c->sent_ms < CODE_EVERY_MS) {
        cw_log(CW_LOG_INFO, "admin", "tenant=%s withdrawal code: one a minute per caller",
               j->tenant);
        return -1;
    }
    uint8_t rnd[4];
    if (cw_random(rnd, sizeof rnd) != 0)
        return -1;
    char code[8];
    snprintf(code, sizeof code, "%06u",
             (unsigned)(((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
                         (uint32_t)rnd[2] << 8 | rnd[3]) % 1000000u));
    c = code_slot(j->r->admin, j->tenant, j->id, 1);
    code_hash(j->tenant, j->id, code, c->sha256);
    c->sent_ms = now;
    c->until_ms = now + CODE_TTL_MS;
    c->tries_left = CODE_TRIES;
    int de = strcmp(lang, "de") == 0;
    char text[400];
    snprintf(text, sizeof text, de ? "Ihr Code zum Widerruf Ihrer Einwilligung bei %s: %s "
                                     "(10 Minuten gültig)"
                                   : "Your code to withdraw your consent at %s: %s "
                                     "(valid for 10 minutes)",
             p->controller_name ? p->controller_name : j->tenant, code);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "tenant", j->tenant, "to",
                             j->number, "code", code, "language", de ? "de" : "en", "text", text,
                             "expires_in", CODE_TTL_MS / 1000);
    char *json = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    cw_wipe(code, sizeof code);
    cw_wipe(text, sizeof text);
    char sig[160] = "";
    const char *secret = webhook_secret(rt, j->tenant);
    const char *headers[1];
    size_t nheaders = 0;
    if (json && secret && cw_webhook_sign(secret, json, strlen(json), (int64_t)time(NULL), sig,
                                          sizeof sig) == 0)
        headers[nheaders++] = sig;       /* signed as the webhooks are */
    sending *s = calloc(1, sizeof *s);
    char why[300];
    cw_egress_request rq = {
        .policy = p, .tenant = j->tenant, .url = p->withdrawal_code_hook,
        .purpose = CW_PURPOSE_WITHDRAWAL_CODE, .content_type = "application/json",
        .body = json, .body_len = json ? strlen(json) : 0, .headers = headers,
        .nheaders = nheaders, .timeout_ms = 10000, .retries = 2,
    };
    int rc = 0;
    if (s)
        snprintf(s->tenant, sizeof s->tenant, "%s", j->tenant);
    if (!json || !s || !rt->egress || !cw_egress_send(rt->egress, &rq, code_sent, s, why,
                                                      sizeof why)) {
        cw_log(CW_LOG_ERROR, "admin", "tenant=%s withdrawal code not sent: %s", j->tenant,
               json && s && rt->egress ? why : "out of memory");
        free(s);
        rc = -1;
    }
    if (json) {
        cw_wipe(json, strlen(json));
        free(json);
    }
    return rc;
}

/* ---- the two steps, for the JSON API and the page -------------------------------- */

static void start_found(cw_api_job *j)
{
    json_t *given = j->ud;
    j->ud = NULL;
    cw_withdraw_step *st = j->step;
    if (j->status == 200 && j->id[0] && json_object_size(given) > 0)
        send_code(j, st->lang);
    json_decref(given);
    st->done(j, j->status == 200 ? CW_WITHDRAW_CODE_SENT : CW_WITHDRAW_FAILED, 0, 0);
}

void cw_withdraw_start(cw_api_job *j)
{
    cw_api_job_start(j, find_active, start_found);
}

/* Withdrawing the caller's consents one after the other. */
typedef struct confirming {
    cw_api_job *j;
    json_t *given;                  /* consent id -> GIVEN */
    void *iter;
    unsigned withdrawn;
    uint64_t erased;
    char answer[64];
} confirming;

static void next_consent(confirming *cf);

static void one_done(void *ud, int during_call, uint64_t erased, const char *err)
{
    confirming *cf = ud;
    (void)during_call;
    if (err)
        cw_log(CW_LOG_ERROR, "admin", "tenant=%s withdrawal by code: %s", cf->j->tenant, err);
    else
        cf->withdrawn++;
    cf->erased += erased;
    cf->iter = json_object_iter_next(cf->given, cf->iter);
    next_consent(cf);
}

static void next_consent(confirming *cf)
{
    cw_api_job *j = cf->j;
    if (cf->iter) {
        cw_api_withdraw(j->r->admin->rt, j->tenant, json_object_iter_key(cf->iter),
                        json_object_iter_value(cf->iter), "CODE", cf->answer, one_done, cf);
        return;
    }
    size_t total = json_object_size(cf->given);
    json_decref(cf->given);
    cw_withdraw_step *st = j->step;
    unsigned n = cf->withdrawn;
    uint64_t erased = cf->erased;
    free(cf);
    st->done(j, n == total ? CW_WITHDRAW_DONE : CW_WITHDRAW_FAILED, n, erased);
}

static void confirm_found(cw_api_job *j)
{
    json_t *given = j->ud;
    j->ud = NULL;
    cw_withdraw_step *st = j->step;
    cw_withdraw_code *c = j->id[0] ? code_slot(j->r->admin, j->tenant, j->id, 0) : NULL;
    uint8_t h[32];
    unsigned diff = 1;
    if (c && c->tries_left) {
        code_hash(j->tenant, j->id, st->code, h);
        diff = 0;
        for (int i = 0; i < 32; i++)
            diff |= (unsigned)(h[i] ^ c->sha256[i]);
        if (diff && --c->tries_left == 0)
            memset(c, 0, sizeof *c);    /* five wrong codes: this one is spent */
    }
    if (j->status != 200 || diff) {
        json_decref(given);
        st->done(j, j->status == 200 ? CW_WITHDRAW_BAD_CODE : CW_WITHDRAW_FAILED, 0, 0);
        return;
    }
    memset(c, 0, sizeof *c);           /* a code works once */
    confirming *cf = calloc(1, sizeof *cf);
    if (!cf) {
        json_decref(given);
        st->done(j, CW_WITHDRAW_FAILED, 0, 0);
        return;
    }
    cf->j = j;
    cf->given = given;
    cf->iter = json_object_iter(given);
    snprintf(cf->answer, sizeof cf->answer, "%s", st->html ? "web page, one-time code"
                                                            : "api, one-time code");
    next_consent(cf);
}

void cw_withdraw_confirm(cw_api_job *j)
{
    cw_api_job_start(j, find_active, confirm_found);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_done(cw_api_job *j, cw_withdraw_outcome o, unsigned n, uint64_t erased)
{
    switch (o) {
    case CW_WITHDRAW_CODE_SENT:
        j->status = 202;
        j->json = json_pack("{s:s}", "message", "if this number has a consent in force, a "
                            "code was sent to it; confirm with it within 10 minutes");
        break;
    case CW_WITHDRAW_BAD_CODE:
        j->status = 403;
        snprintf(j->err, sizeof j->err, "the code is wrong, expired or used");
        break;
    case CW_WITHDRAW_DONE:
        j->status = 200;
        j->json = json_pack("{s:i, s:I}", "withdrawn", (int)n, "artifacts_erased",
                            (json_int_t)erased);
        break;
    default:
        if (j->status == 200)
            j->status = 500;
        if (!j->err[0])
            snprintf(j->err, sizeof j->err, "the withdrawal did not complete: try again");
    }
    cw_api_job_answer(j);
}

/* The posted number (and code) into a new job; NULL after a 400. */
static cw_api_job *posted(cw_http_req *r, const char *tenant, int need_code)
{
    cw_api_job *j = cw_api_job_new(r, tenant, NULL);
    cw_withdraw_step *st = j ? calloc(1, sizeof *st) : NULL;
    if (!st) {
        if (j)
            cw_api_job_answer(j);
        return NULL;
    }
    j->step = st;
    st->done = json_done;
    json_t *body = json_loads(r->body, 0, NULL);
    const char *number = json_string_value(json_object_get(body, "number"));
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *lang = json_string_value(json_object_get(body, "language"));
    snprintf(st->lang, sizeof st->lang, "%s", lang && strcmp(lang, "de") == 0 ? "de" : "en");
    int ok = cw_withdraw_number_ok(number) && (!need_code || (code && strlen(code) == 6 &&
                                                              strspn(code, "0123456789") == 6));
    if (ok) {
        snprintf(j->number, sizeof j->number, "%s", number);
        if (code)
            snprintf(st->code, sizeof st->code, "%s", code);
    }
    json_decref(body);
    if (!ok) {
        j->status = 400;
        snprintf(j->err, sizeof j->err, need_code ? "post {\"number\": \"+49...\", \"code\": "
                 "\"123456\"}" : "post {\"number\": \"+49...\"}: the number you called from");
        cw_api_job_answer(j);
        return NULL;
    }
    return j;
}

void cw_api_withdrawals(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    cw_api_job *j = posted(r, tenant, 0);
    if (j)
        cw_withdraw_start(j);
}

void cw_api_withdrawals_confirm(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    cw_api_job *j = posted(r, tenant, 1);
    if (j)
        cw_withdraw_confirm(j);
}

int cw_withdraw_number_ok(const char *n)
{
    return n && strlen(n) >= 3 && strlen(n) < 40 && strspn(n, "+0123456789 -/()") == strlen(n) &&
           strpbrk(n, "0123456789");
}
