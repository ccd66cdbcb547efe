/* stores.c  The tenants' ledgers and vaults in the running runtime (stores.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/keyfile.h"
#include "callwarden/log.h"
#include "callwarden/receipt.h"
#include "callwarden/stores.h"
#include "callwarden/subject.h"

static int reload_ring(void *ud, cw_ledger_keys *out)
{
    cw_tenant_store *ts = ud;
    char err[512];
    if (cw_keyfile_load(ts->data_dir, ts->name, out, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s %s", ts->name, err);
        return -1;
    }
    return 0;
}

/* The tenant's keys, made on its first start; then its ledger and vault. */
static void open_store(cw_stores *s, cw_tenant_store *ts)
{
    char err[512], path[2 * CW_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s/%s/ledger.key", s->data_dir, ts->name);
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        if (cw_keyfile_create(s->data_dir, ts->name, err, sizeof err) != 0) {
            cw_log(CW_LOG_ERROR, "ledger", "tenant=%s cannot make its keys: %s", ts->name, err);
            return;
        }
        cw_log(CW_LOG_INFO, "ledger", "tenant=%s made its ledger keys in %s/%s (back up "
               "ledger.key and master.key; give auditors ledger.pub)", ts->name, s->data_dir,
               ts->name);
    }
    snprintf(path, sizeof path, "%s/%s/master.key", s->data_dir, ts->name);
    if (access(path, F_OK) != 0 && errno == ENOENT &&
        cw_vault_master_create(s->data_dir, ts->name, err, sizeof err) != 0)
        cw_log(CW_LOG_ERROR, "vault", "tenant=%s cannot make its master key: %s", ts->name,
               err);

    cw_ledger_keys *k = cw_ledger_keys_new();
    snprintf(path, sizeof path, "%s/%s/consent.db", s->data_dir, ts->name);
    cw_ledger_opts opts = { .window_us = 1000, .reload_keys = reload_ring, .reload_ud = ts };
    if (!k || cw_keyfile_load(s->data_dir, ts->name, k, err, sizeof err) != 0 ||
        cw_ledger_open(s->loop, path, k, &opts, &ts->ledger, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s no consent ledger, so no consent can be "
               "recorded and nothing is recorded: %s", ts->name, k ? err : "out of memory");
        ts->ledger = NULL;
    }
    cw_ledger_keys_free(k);
    if (cw_vault_open(s->data_dir, ts->name, &ts->vault, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "vault", "tenant=%s no vault: %s", ts->name, err);
        ts->vault = NULL;
    }
}

static void logged(void *ud, int ok, uint64_t seq, const char *err)
{
    cw_tenant_store *ts = ud;
    if (!ok)
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s a record was not written: %s", ts->name, err);
    (void)seq;
}

/* POLICY_VERSION: the policy now in force, by its hash (the file itself is the
 * business's; its hash pins what every later record was asked under). */
static void log_policy_version(cw_tenant_store *ts, const cw_tenant *t)
{
    const cw_policy *p = t->current ? t->current->policy : NULL;
    if (!ts->ledger || !p || strcmp(ts->policy_logged, p->hash) == 0)
        return;
    char err[256];
    size_t len;
    cw_receipt r = { .event_type = "POLICY_VERSION", .ts_ms = cw_now_ms(), .tenant = t->name,
                     .build = CW_VERSION, .policy_hash = p->hash,
                     .jurisdiction = p->jurisdiction, .controller = p->controller_name,
                     .policy_url = p->notice_url };
    char *body = cw_receipt_json(&r, &len, err, sizeof err);
    cw_ledger_event ev = { .ts_ms = r.ts_ms, .event_type = "POLICY_VERSION", .body = body,
                           .body_len = len };
    if (body && cw_ledger_append(ts->ledger, &ev, logged, ts) == 0)
        memcpy(ts->policy_logged, p->hash, sizeof ts->policy_logged);
    else
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s cannot log its policy version: %s", t->name,
               body ? "append refused" : err);
    free(body);
}

static void log_flow_version(cw_tenant_store *ts, const cw_tenant *t)
{
    log_policy_version(ts, t);
    if (!ts->ledger || !t->current || strcmp(ts->flow_logged, t->current->hash) == 0)
        return;
    char err[256];
    size_t len;
    cw_receipt r = { .event_type = "FLOW_VERSION", .ts_ms = cw_now_ms(), .tenant = t->name,
                     .build = CW_VERSION, .flow_hash = t->current->hash };
    char *body = cw_receipt_json(&r, &len, err, sizeof err);
    cw_ledger_event ev = { .ts_ms = r.ts_ms, .event_type = "FLOW_VERSION", .body = body,
                           .body_len = len };
    if (body && cw_ledger_append(ts->ledger, &ev, logged, ts) == 0)
        memcpy(ts->flow_logged, t->current->hash, sizeof ts->flow_logged);
    else
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s cannot log its flow version: %s", t->name,
               body ? "append refused" : err);
    free(body);
}

cw_tenant_store *cw_stores_find(cw_stores *s, const char *tenant)
{
    for (cw_tenant_store *ts = s->head; ts; ts = ts->next)
        if (strcmp(ts->name, tenant) == 0)
            return ts;
    return NULL;
}

void cw_stores_sync(cw_stores *s, cw_tenants *tenants)
{
    for (cw_tenant *t = tenants->head; t; t = t->next) {
        cw_tenant_store *ts = cw_stores_find(s, t->name);
        if (!ts) {
            ts = calloc(1, sizeof *ts);
            if (!ts)
                continue;
            snprintf(ts->name, sizeof ts->name, "%s", t->name);
            snprintf(ts->data_dir, sizeof ts->data_dir, "%s", s->data_dir);
            ts->owner = s;
            ts->sweep.data = ts;
            uv_mutex_init(&ts->vault_lock);
            open_store(s, ts);
            ts->next = s->head;
            s->head = ts;
        }
        log_flow_version(ts, t);
    }
}

/* ---- the retention sweeper (G7) --------------------------------------------------- */

static int collect_expired(void *ud, const cw_vault_meta *m)
{
    cw_tenant_store *ts = ud;
    if (ts->nexpired == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        cw_vault_meta *e = realloc(ts->expired, cap * sizeof *e);
        if (!e)
            return 1;                  /* stop; the rest expires at the next sweep */
        ts->expired = e;
        ts->cap = cap;
    }
    ts->expired[ts->nexpired++] = *m;
    return 0;
}

/* Worker thread: the deletions. */
static void sweep_work(uv_work_t *w)
{
    cw_tenant_store *ts = w->data;
    uint64_t n = 0;
    ts->sweep_err[0] = 0;
    uv_mutex_lock(&ts->vault_lock);
    if (cw_vault_sweep(ts->vault, ts->sweep_now, collect_expired, ts, &n, ts->sweep_err,
                       sizeof ts->sweep_err) != 0 && !ts->sweep_err[0])
        snprintf(ts->sweep_err, sizeof ts->sweep_err, "the sweep failed");
    uv_mutex_unlock(&ts->vault_lock);
}

static void close_store(cw_tenant_store *ts);

static void expired_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    cw_tenant_store *ts = ud;
    (void)seq;
    if (ok)
        ts->owner->expired_logged++;
    else
        cw_log(CW_LOG_ERROR, "ledger", "tenant=%s an EXPIRED record was not written: %s",
               ts->name, err);
}

/* Loop thread: one EXPIRED record per deletion. */
static void sweep_done(uv_work_t *w, int status)
{
    cw_tenant_store *ts = w->data;
    (void)status;
    if (ts->sweep_err[0])
        cw_log(CW_LOG_ERROR, "vault", "tenant=%s retention sweep: %s", ts->name, ts->sweep_err);
    for (size_t i = 0; i < ts->nexpired; i++) {
        size_t len;
        char *body = cw_expired_body(&ts->expired[i], ts->name, ts->sweep_now, &len);
        cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "EXPIRED",
                               .consent_id = ts->expired[i].consent_id, .body = body,
                               .body_len = len };
        if (!body || !ts->ledger || cw_ledger_append(ts->ledger, &ev, expired_logged, ts) != 0)
            cw_log(CW_LOG_ERROR, "ledger", "tenant=%s artifact %s expired and was deleted, "
                   "but its EXPIRED record could not be queued", ts->name, ts->expired[i].id);
        free(body);
    }
    if (ts->nexpired)
        cw_log(CW_LOG_INFO, "vault", "tenant=%s expired=%zu deleted (G7)", ts->name,
               ts->nexpired);
    ts->nexpired = 0;
    ts->sweeping = 0;
    if (ts->close_after_sweep)
        close_store(ts);
}

static void on_sweep_timer(uv_timer_t *t)
{
    cw_stores *s = t->data;
    int64_t now = cw_now_ms();
    for (cw_tenant_store *ts = s->head; ts; ts = ts->next) {
        if (!ts->vault || ts->sweeping || cw_vault_next_expiry(ts->vault) > now)
            continue;
        ts->sweeping = 1;
        ts->sweep_now = now;
        if (uv_queue_work(s->loop, &ts->sweep, sweep_work, sweep_done) != 0)
            ts->sweeping = 0;
    }
}

void cw_stores_open(cw_stores *s, uv_loop_t *loop, const char *data_dir, cw_tenants *ts,
                    unsigned sweep_ms)
{
    memset(s, 0, sizeof *s);
    s->loop = loop;
    snprintf(s->data_dir, sizeof s->data_dir, "%s", data_dir);
    s->sweep_ms = sweep_ms ? sweep_ms : 60000;
    cw_stores_sync(s, ts);
    uv_timer_init(loop, &s->sweep_timer);
    s->sweep_timer.data = s;
    uv_timer_start(&s->sweep_timer, on_sweep_timer, s->sweep_ms, s->sweep_ms);
}

/* ---- a caller's subject ------------------------------------------------------------ */

typedef struct subject_job {
    uv_work_t work;
    cw_stores *s;
    cw_tenant_store *ts;
    char number[64];
    char ref[CW_VAULT_REF_LEN];
    char err[256];
    int rc;
    int withheld;
    cw_subject_cb cb;
    void *ud;
} subject_job;

static void subject_work(uv_work_t *w)
{
    subject_job *j = w->data;
    uv_mutex_lock(&j->ts->vault_lock);
    j->rc = cw_vault_subject(j->ts->vault, j->number[0] ? j->number : NULL, cw_now_ms(),
                             j->ref, j->err, sizeof j->err);
    /* a From user that is no phone number (a SIP user name) is kept as nothing: the
     * caller gets a subject of this call only, as a withheld number does */
    if (j->rc != 0 && j->number[0]) {
        j->withheld = 1;
        j->rc = cw_vault_subject(j->ts->vault, NULL, cw_now_ms(), j->ref, j->err,
                                 sizeof j->err);
    }
    uv_mutex_unlock(&j->ts->vault_lock);
}

static void subject_done(uv_work_t *w, int status)
{
    subject_job *j = w->data;
    j->s->jobs--;
    int withheld = j->withheld || !j->number[0];
    cw_wipe(j->number, sizeof j->number);
    if (status != 0 && j->rc == 0)
        j->rc = -1, snprintf(j->err, sizeof j->err, "cancelled");
    j->cb(j->ud, j->rc == 0 ? j->ref : NULL, withheld, j->rc == 0 ? NULL : j->err);
    free(j);
}

int cw_stores_subject(cw_stores *s, cw_tenant_store *ts, const char *number, cw_subject_cb cb,
                      void *ud)
{
    if (!ts || !ts->vault || ts->close_after_sweep)
        return -1;
    subject_job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work.data = j;
    j->s = s;
    j->ts = ts;
    j->cb = cb;
    j->ud = ud;
    /* an anonymous caller is a withheld number, whatever the From user says */
    if (number && strcmp(number, "anonymous") != 0)
        snprintf(j->number, sizeof j->number, "%s", number);
    if (uv_queue_work(s->loop, &j->work, subject_work, subject_done) != 0) {
        free(j);
        return -1;
    }
    s->jobs++;
    return 0;
}

/* ---- storing an artifact --------------------------------------------------------- */

typedef struct put_job {
    uv_work_t work;
    cw_stores *s;
    cw_tenant_store *ts;
    char subject[CW_VAULT_REF_LEN], consent[CW_VAULT_CONSENT_LEN];
    char purpose[CW_VAULT_PURPOSE_LEN], kind[CW_VAULT_KIND_LEN], chosen_id[CW_VAULT_REF_LEN];
    cw_vault_item item;
    uint8_t *data;
    size_t len;
    char id[CW_VAULT_REF_LEN], sha[CW_VAULT_SHA256_HEX_LEN], err[256];
    int rc;
    cw_put_cb cb;
    void *ud;
} put_job;

static void put_work(uv_work_t *w)
{
    put_job *j = w->data;
    uv_mutex_lock(&j->ts->vault_lock);
    j->rc = cw_vault_put(j->ts->vault, &j->item, j->data, j->len, j->id, j->sha, j->err,
                         sizeof j->err);
    uv_mutex_unlock(&j->ts->vault_lock);
    cw_wipe(j->data, j->len);
}

static void put_done(uv_work_t *w, int status)
{
    put_job *j = w->data;
    j->s->jobs--;
    if (status != 0 && j->rc == 0)
        j->rc = -1, snprintf(j->err, sizeof j->err, "cancelled");
    j->cb(j->ud, j->rc == 0 ? j->id : NULL, j->rc == 0 ? j->sha : NULL,
          j->rc == 0 ? NULL : j->err);
    free(j->data);
    free(j);
}

int cw_stores_put(cw_stores *s, cw_tenant_store *ts, const cw_vault_item *item, uint8_t *data,
                  size_t len, cw_put_cb cb, void *ud)
{
    put_job *j = ts && ts->vault && !ts->close_after_sweep ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        cw_wipe(data, len);
        free(data);
        return -1;
    }
    j->work.data = j;
    j->s = s;
    j->ts = ts;
    snprintf(j->subject, sizeof j->subject, "%s", item->subject_ref);
    snprintf(j->consent, sizeof j->consent, "%s", item->consent_id);
    snprintf(j->purpose, sizeof j->purpose, "%s", item->purpose);
    snprintf(j->kind, sizeof j->kind, "%s", item->kind);
    j->item = *item;
    j->item.subject_ref = j->subject;
    j->item.consent_id = j->consent;
    j->item.purpose = j->purpose;
    j->item.kind = j->kind;
    if (item->id) {
        snprintf(j->chosen_id, sizeof j->chosen_id, "%s", item->id);
        j->item.id = j->chosen_id;
    }
    j->data = data;
    j->len = len;
    j->cb = cb;
    j->ud = ud;
    if (uv_queue_work(s->loop, &j->work, put_work, put_done) != 0) {
        cw_wipe(data, len);
        free(data);
        free(j);
        return -1;
    }
    s->jobs++;
    return 0;
}

/* ---- withdrawal --------------------------------------------------------------------- */

typedef struct erase_job {
    uv_work_t work;
    cw_stores *s;
    cw_tenant_store *ts;
    char consent[CW_VAULT_CONSENT_LEN];
    uint64_t n;
    char err[256];
    int rc;
    cw_erase_cb cb;
    void *ud;
} erase_job;

static void erase_work(uv_work_t *w)
{
    erase_job *j = w->data;
    uv_mutex_lock(&j->ts->vault_lock);
    j->rc = cw_vault_erase_consent(j->ts->vault, j->consent, cw_now_ms(), &j->n, j->err,
                                   sizeof j->err);
    uv_mutex_unlock(&j->ts->vault_lock);
}

static void erase_done(uv_work_t *w, int status)
{
    erase_job *j = w->data;
    j->s->jobs--;
    /* 1: the vault never held anything of this consent: nothing to erase */
    int ok = status == 0 && j->rc >= 0;
    j->cb(j->ud, ok ? j->n : 0, ok ? NULL : j->err[0] ? j->err : "cancelled");
    free(j);
}

int cw_stores_erase_consent(cw_stores *s, cw_tenant_store *ts, const char *consent_id,
                            cw_erase_cb cb, void *ud)
{
    erase_job *j = ts && ts->vault && !ts->close_after_sweep ? calloc(1, sizeof *j) : NULL;
    if (!j)
        return -1;
    j->work.data = j;
    j->s = s;
    j->ts = ts;
    snprintf(j->consent, sizeof j->consent, "%s", consent_id);
    j->cb = cb;
    j->ud = ud;
    if (uv_queue_work(s->loop, &j->work, erase_work, erase_done) != 0) {
        free(j);
        return -1;
    }
    s->jobs++;
    return 0;
}

/* ---- closing ---------------------------------------------------------------------- */

static void ledger_closed(void *ud)
{
    free(ud);
}

static void close_store(cw_tenant_store *ts)
{
    cw_vault_close(ts->vault);
    uv_mutex_destroy(&ts->vault_lock);
    ts->vault = NULL;
    free(ts->expired);
    if (ts->ledger)
        cw_ledger_close(ts->ledger, ledger_closed, ts);
    else
        free(ts);
}

static void timer_closed(uv_handle_t *h)
{
    (void)h;
}

void cw_stores_close(cw_stores *s)
{
    uv_close((uv_handle_t *)&s->sweep_timer, timer_closed);
    for (cw_tenant_store *ts = s->head, *next; ts; ts = next) {
        next = ts->next;
        if (ts->sweeping)
            ts->close_after_sweep = 1; /* its deletions get their records first */
        else
            close_store(ts);
    }
    s->head = NULL;
}
