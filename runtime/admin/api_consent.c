/* api_consent.c  One consent through the admin API: its records (look-up), their
 * inclusion proofs, and its withdrawal outside the call (G5).
 *
 * A look-up and a proof are readings of consent data: the ACCESSED record, naming the
 * API user, is durable before anything is read. A withdrawal is the same as the
 * caller's withdraw key: if the consent's call is still up, that call withdraws it
 * (gate shut at once, recording discarded); otherwise WITHDRAWN is logged (method
 * ADMIN, the user as the answer), the consent's content crypto-shredded in the vault,
 * and ERASED logged; the answer comes when all of it is durable. The CRM hears of it
 * through the webhook outbox, which follows the ledger.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/receipt.h"
#include "callwarden/runtime.h"
#include "api_int.h"

/* ---- reading a consent's records (worker thread) --------------------------------- */

typedef struct collecting {
    const char *id;
    json_t *records;
} collecting;

static int collect(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                   size_t len)
{
    collecting *c = ud;
    if (!body)
        return 0;
    json_t *rec = json_loadb((const char *)body, len, 0, NULL);
    const char *cid = json_string_value(json_object_get(rec, "consent_id"));
    if (!cid)
        cid = json_string_value(json_object_get(rec, "refers_to"));
    if (cid && strcmp(cid, c->id) == 0)
        json_array_append_new(c->records, json_pack("{s:I, s:s, s:O}", "seq", (json_int_t)seq,
                                                    "event", event_type, "record", rec));
    json_decref(rec);
    return 0;
}

json_t *cw_api_consent_records(const char *data_dir, const char *tenant, const char *id,
                               char *err, size_t errlen)
{
    char path[1100];
    cw_ledger_keys *k = NULL;
    char *msg = NULL;
    size_t msglen = 0;
    FILE *out = open_memstream(&msg, &msglen);
    int rc = out ? cw_audit_open(data_dir, tenant, "api consent", NULL, path, sizeof path,
                                 &k, out) : 2;
    if (out)
        fclose(out);
    if (rc) {
        snprintf(err, errlen, "%s", msg ? msg : "out of memory");
        err[strcspn(err, "\n")] = 0;
        free(msg);
        return NULL;
    }
    free(msg);
    collecting c = { id, json_array() };
    if (cw_ledger_read(path, k, collect, &c, err, errlen) != 0) {
        json_decref(c.records);
        c.records = NULL;
    }
    cw_ledger_keys_free(k);
    return c.records;
}

/* What the records say of the consent now. */
static const char *state_of(json_t *records)
{
    const char *state = "unknown";
    size_t i;
    json_t *x;
    json_array_foreach(records, i, x) {
        const char *ev = json_string_value(json_object_get(x, "event"));
        if (strcmp(ev, "GIVEN") == 0 && strcmp(state, "withdrawn") != 0)
            state = "given";
        else if (strcmp(ev, "REFUSED") == 0)
            state = "refused";
        else if (strcmp(ev, "WITHDRAWN") == 0)
            state = "withdrawn";
        else if (strcmp(ev, "EXPIRED") == 0 && strcmp(state, "given") == 0)
            state = "expired";
    }
    return state;
}

/* ---- look-up ---------------------------------------------------------------------- */

static void read_records(cw_api_job *j)
{
    json_t *recs = cw_api_consent_records(j->data_dir, j->tenant, j->id, j->err, sizeof j->err);
    if (!recs)
        return;
    if (json_array_size(recs) == 0) {
        json_decref(recs);
        j->status = 404;
        snprintf(j->err, sizeof j->err, "tenant %s has no consent %s", j->tenant, j->id);
        return;
    }
    j->status = 200;
    j->json = json_pack("{s:s, s:s, s:s, s:o}", "tenant", j->tenant, "consent_id", j->id,
                        "state", state_of(recs), "records", recs);
}

/* The ACCESSED record is durable: now the reading may start. */
static void access_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    cw_api_job *j = ud;
    (void)seq;
    if (!ok) {
        j->status = 503;
        snprintf(j->err, sizeof j->err, "the access could not be logged (%s): nothing is "
                 "shown", err);
        cw_api_job_answer(j);
        return;
    }
    cw_api_job_start(j, j->run, NULL);
}

/* Log ACCESSED (what, by the user) through the runtime's ledger, then run on a worker. */
static void log_then(cw_http_req *r, cw_api_job *j, const char *access,
                     void (*run)(cw_api_job *))
{
    cw_tenant_store *ts = cw_stores_find(&r->admin->rt->stores, j->tenant);
    json_t *body = json_pack("{s:s, s:s, s:s}", "access", access, "what", j->id, "by", j->actor);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "ACCESSED", .body = text,
                           .body_len = text ? strlen(text) : 0 };
    j->run = run;
    if (!ts || !ts->ledger || !text || cw_ledger_append(ts->ledger, &ev, access_logged, j) != 0) {
        free(text);
        j->status = 503;
        snprintf(j->err, sizeof j->err, "tenant %s's ledger is not open: nothing is shown",
                 j->tenant);
        cw_api_job_answer(j);
        return;
    }
    free(text);
    cw_http_later(r);
}

void cw_api_consent_get(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = cw_api_job_new(r, tenant, id);
    if (j)
        log_then(r, j, "api consent", read_records);
}

/* ---- inclusion proof (the CLI's `audit prove`, which logs its own ACCESSED) -------- */

static void prove(cw_api_job *j)
{
    char dir[1200], file[1300];
    snprintf(dir, sizeof dir, "%s/admin/tmp.XXXXXX", j->data_dir);
    char admin_dir[1100];
    snprintf(admin_dir, sizeof admin_dir, "%s/admin", j->data_dir);
    mkdir(admin_dir, 0700);
    if (!mkdtemp(dir)) {
        snprintf(j->err, sizeof j->err, "cannot make a directory under %s", admin_dir);
        return;
    }
    snprintf(file, sizeof file, "%s/proof", dir);
    char *msg = NULL;
    size_t msglen = 0;
    FILE *out = open_memstream(&msg, &msglen);
    int rc = out ? cw_audit_prove(j->data_dir, j->tenant, j->id, file, out) : 2;
    if (out)
        fclose(out);
    size_t len = 0;
    char *buf = rc == 0 ? cw_api_read_file(file, &len) : NULL;
    if (buf) {
        j->text = buf;
        j->text_len = len;
        j->type = "text/plain; charset=utf-8";
        j->status = 200;
    } else {
        j->status = rc == 1 ? 404 : 500;
        snprintf(j->err, sizeof j->err, "%s", msg ? msg : "out of memory");
        j->err[strcspn(j->err, "\n")] = 0;
    }
    free(msg);
    unlink(file);
    rmdir(dir);
}

void cw_api_consent_proof(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = cw_api_job_new(r, tenant, id);
    if (j)
        cw_api_job_start(j, prove, NULL);
}

/* ---- withdrawal ------------------------------------------------------------------ */

/* One consent's withdrawal outside the call, from its GIVEN record on. */
typedef struct withdrawal {
    cw_runtime *rt;
    char tenant[64], id[64], method[24], answer[128];
    uint64_t erased;
    cw_api_withdrawn_cb cb;
    void *ud;
} withdrawal;

static void withdrawal_end(withdrawal *w, int during_call, const char *err)
{
    w->cb(w->ud, during_call, w->erased, err);
    free(w);
}

static void erased_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    withdrawal *w = ud;
    char msg[400];
    (void)seq;
    if (!ok)
        snprintf(msg, sizeof msg, "withdrawn and erased, but ERASED could not be logged (%s)",
                 err);
    withdrawal_end(w, 0, ok ? NULL : msg);
}

static void content_erased(void *ud, uint64_t n, const char *err)
{
    withdrawal *w = ud;
    cw_tenant_store *ts = cw_stores_find(&w->rt->stores, w->tenant);
    if (err) {
        char msg[400];
        snprintf(msg, sizeof msg, "withdrawn, but the content could not be erased (%s): "
                 "`callwarden vault reconcile` erases it from the WITHDRAWN record", err);
        withdrawal_end(w, 0, msg);
        return;
    }
    w->erased = n;
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s}", "schema",
                             "callwarden-consent/1", "event_type", "ERASED", "consent_id",
                             w->id, "reason", "withdrawn", "artifacts", (json_int_t)n, "by",
                             w->answer, "tenant", w->tenant, "build", CW_VERSION);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "ERASED", .consent_id = w->id,
                           .refers_to = w->id, .body = text,
                           .body_len = text ? strlen(text) : 0 };
    if (!ts || !ts->ledger || !text || cw_ledger_append(ts->ledger, &ev, erased_logged, w) != 0)
        withdrawal_end(w, 0, "withdrawn and erased, but ERASED could not be logged");
    free(text);
}

static void withdrawn_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    withdrawal *w = ud;
    (void)seq;
    cw_tenant_store *ts = cw_stores_find(&w->rt->stores, w->tenant);
    if (!ok) {
        char msg[400];
        snprintf(msg, sizeof msg, "WITHDRAWN could not be logged (%s): nothing changed", err);
        withdrawal_end(w, 0, msg);
        return;
    }
    cw_log(CW_LOG_INFO, "admin", "tenant=%s consent %s withdrawn (%s, %s)", w->tenant, w->id,
           w->method, w->answer);
    if (!ts || cw_stores_erase_consent(&w->rt->stores, ts, w->id, content_erased, w) != 0)
        content_erased(w, 0, "the tenant's vault is not open");
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

void cw_api_withdraw(cw_runtime *rt, const char *tenant, const char *id, json_t *given,
                     const char *method, const char *answer, cw_api_withdrawn_cb cb, void *ud)
{
    withdrawal *w = calloc(1, sizeof *w);
    if (!w) {
        cb(ud, 0, 0, "out of memory");
        return;
    }
    w->rt = rt;
    snprintf(w->tenant, sizeof w->tenant, "%s", tenant);
    snprintf(w->id, sizeof w->id, "%s", id);
    snprintf(w->method, sizeof w->method, "%s", method);
    snprintf(w->answer, sizeof w->answer, "%s", answer);
    w->cb = cb;
    w->ud = ud;
    /* the call still up: it withdraws as its withdraw key would (the gate shuts now) */
    for (cw_call *c = rt->calls; c; c = c->next)
        if (strcmp(c->tenant, tenant) == 0 && strcmp(c->consent_id, id) == 0 &&
            cw_call_withdraw(c, method, answer) == 0) {
            cw_log(CW_LOG_INFO, "admin", "tenant=%s consent %s withdrawn during call=%llu (%s, "
                   "%s)", tenant, id, (unsigned long long)c->id, method, answer);
            withdrawal_end(w, 1, NULL);
            return;
        }
    cw_receipt rc = {
        .event_type = "WITHDRAWN", .consent_id = id, .refers_to = id,
        .subject_ref = str(given, "subject_ref"),
        .cli_withheld = str(given, "cli_status") && strcmp(str(given, "cli_status"),
                                                           "withheld") == 0,
        .ts_ms = cw_now_ms(), .jurisdiction = str(given, "jurisdiction"),
        .language = str(given, "language"), .controller = str(given, "controller"),
        .policy_version = str(given, "policy_version"),
        .policy_hash = str(given, "policy_hash"), .flow_hash = str(given, "flow_hash"),
        .level = str(given, "level"), .method = method, .answer = answer, .confidence = 1,
        .tenant = tenant, .build = CW_VERSION,
    };
    char err[256], msg[400];
    size_t len = 0;
    char *body = cw_receipt_json(&rc, &len, err, sizeof err);
    cw_tenant_store *ts = cw_stores_find(&rt->stores, tenant);
    cw_ledger_event ev = { .ts_ms = rc.ts_ms, .event_type = "WITHDRAWN", .consent_id = id,
                           .refers_to = id, .body = body, .body_len = len };
    if (!body) {
        snprintf(msg, sizeof msg, "the GIVEN record lacks what a WITHDRAWN needs: %s", err);
        withdrawal_end(w, 0, msg);
    } else if (!ts || !ts->ledger || cw_ledger_append(ts->ledger, &ev, withdrawn_logged, w) != 0) {
        withdrawal_end(w, 0, "the tenant's ledger is not open: nothing changed");
    }
    free(body);
}

/* ---- POST .../consents/ID/withdraw ------------------------------------------------ */

/* worker: is there a consent to withdraw, and what did its GIVEN say? (j->ud: it) */
static void find_given(cw_api_job *j)
{
    json_t *recs = cw_api_consent_records(j->data_dir, j->tenant, j->id, j->err, sizeof j->err);
    if (!recs)
        return;
    const char *state = state_of(recs);
    json_t *given = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(recs, i, x)
        if (strcmp(json_string_value(json_object_get(x, "event")), "GIVEN") == 0 && !given)
            given = json_incref(json_object_get(x, "record"));
    if (!given) {
        j->status = 404;
        snprintf(j->err, sizeof j->err, "tenant %s has no given consent %s", j->tenant, j->id);
    } else if (strcmp(state, "given") != 0) {
        j->status = 409;
        snprintf(j->err, sizeof j->err, "consent %s is %s already", j->id, state);
        json_decref(given);
        given = NULL;
    } else {
        j->status = 200;
    }
    j->ud = given;
    json_decref(recs);
}

static void by_id_done(void *ud, int during_call, uint64_t erased, const char *err)
{
    cw_api_job *j = ud;
    if (err) {
        j->status = 500;
        snprintf(j->err, sizeof j->err, "%s", err);
    } else {
        j->status = 200;
        j->json = json_pack("{s:s, s:s, s:s, s:b, s:I}", "tenant", j->tenant, "consent_id",
                            j->id, "state", "withdrawn", "during_call", during_call,
                            "artifacts_erased", (json_int_t)erased);
    }
    cw_api_job_answer(j);
}

static void given_found(cw_api_job *j)
{
    json_t *given = j->ud;
    j->ud = NULL;
    if (j->status != 200 || !given) {
        json_decref(given);
        cw_api_job_answer(j);
        return;
    }
    cw_api_withdraw(j->r->admin->rt, j->tenant, j->id, given, "ADMIN", j->actor, by_id_done, j);
    json_decref(given);
}

void cw_api_consent_withdraw(cw_http_req *r, const char *tenant, const char *id)
{
    cw_api_job *j = cw_api_job_new(r, tenant, id);
    if (j)
        cw_api_job_start(j, find_given, given_found);
}
