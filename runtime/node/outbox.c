/* outbox.c  The CRM webhooks (outbox.h): the ledger's consent events, posted at least
 * once, through the egress gate, across restarts.
 *
 * One timer on the loop; each tick (when no job runs and nothing is being posted)
 * queues one worker job that, for every tenant with a webhook, notes the outcome of
 * the last round's posts in outbox.db, scans the ledger from where it stopped for the
 * policy's events, and reads up to ROUND due deliveries with their records. Back on the
 * loop the deliveries are signed and posted (cw_egress_send); their outcomes wait in
 * memory for the next job. The worker owns the outbox.db handles; the loop owns the
 * rest. SQLite and the ledger's decryption never run on the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/keyfile.h"
#include "callwarden/log.h"
#include "callwarden/outbox.h"
#include "callwarden/runtime.h"
#include "callwarden/store_outbox.h"

#define ROUND 16                        /* deliveries posted per tenant and round */
#define SCAN_MAX 2000                   /* ledger records read per tenant and round */
#define MAX_BACKOFF_MS 300000

typedef struct ob_delivery {
    uint64_t seq;
    char event[24];
    unsigned attempts;                  /* before this try */
    char *body;                         /* the JSON posted */
    size_t len;
    char key[33];                       /* its Idempotency-Key */
    int done, ok;                       /* the outcome, set on the loop */
    char error[128];
} ob_delivery;

typedef struct ob_tenant {
    struct cw_outbox *ob;
    char name[CW_TENANT_NAME_LEN];
    char ledger_path[CW_PATH_LEN + 32], outbox_path[CW_PATH_LEN + 32];
    cw_ledger_keys *keys;
    cw_store_outbox *store;             /* the worker's */
    char events[8][24];                 /* the policy's, copied at the tick */
    size_t nevents;
    int active;                         /* the current policy has a webhook and a secret */
    int warned;                         /* ... a webhook without a secret was logged */
    ob_delivery due[ROUND];
    size_t ndue;
    unsigned in_flight;
    char error[1400];                   /* the worker's last problem, for the loop's log */
    struct ob_tenant *next;
} ob_tenant;

struct cw_outbox {
    cw_runtime *rt;
    uv_timer_t timer;
    uv_work_t work;
    int busy, stopping, timer_open;
    ob_tenant *tenants;
    uint64_t delivered, failed;
};

int cw_webhook_sign(const char *secret, const void *body, size_t len, int64_t ts, char *out,
                    size_t cap)
{
    /* the signature covers the time and the body: a captured post cannot be replayed
     * later as new */
    size_t mlen = len + 32;
    char *msg = malloc(mlen);
    if (!msg)
        return -1;
    int hl = snprintf(msg, mlen, "%lld.", (long long)ts);
    memcpy(msg + hl, body, len);
    uint8_t mac[32];
    char hex[65];
    cw_hmac_sha256(secret, strlen(secret), msg, (size_t)hl + len, mac);
    cw_wipe(msg, mlen);
    free(msg);
    cw_hex(mac, sizeof mac, hex);
    snprintf(out, cap, "X-Callwarden-Signature: t=%lld,v1=%s", (long long)ts, hex);
    return 0;
}

/* ---- the worker job ----------------------------------------------------------------- */

typedef struct scan_ctx {
    ob_tenant *t;
    cw_outbox_row rows[SCAN_MAX];
    size_t n;
    uint64_t last;
    unsigned seen;
    int64_t now;
} scan_ctx;

static int wanted(const ob_tenant *t, const char *event)
{
    for (size_t i = 0; i < t->nevents; i++)
        if (strcmp(t->events[i], event) == 0)
            return 1;
    return 0;
}

static int scan_record(void *ud, uint64_t seq, const char *event, const uint8_t *body,
                       size_t len)
{
    (void)body, (void)len;
    scan_ctx *sc = ud;
    sc->last = seq;
    if (wanted(sc->t, event)) {
        cw_outbox_row *r = &sc->rows[sc->n++];
        memset(r, 0, sizeof *r);
        r->seq = seq;
        snprintf(r->event, sizeof r->event, "%s", event);
        r->next_ms = sc->now;
    }
    return ++sc->seen >= SCAN_MAX;
}

typedef struct body_ctx {
    ob_delivery *d;
    const ob_tenant *t;
} body_ctx;

/* The delivery's JSON from its ledger record (the first record read). */
static int build_body(void *ud, uint64_t seq, const char *event, const uint8_t *body,
                      size_t len)
{
    body_ctx *bc = ud;
    ob_delivery *d = bc->d;
    json_error_t e;
    json_t *rec = body ? json_loadb((const char *)body, len, 0, &e) : NULL;
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:o}", "event", event, "seq",
                          (json_int_t)seq, "tenant", bc->t->name, "delivery_id", d->key,
                          "record", rec ? rec : json_null());
    d->body = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    d->len = d->body ? strlen(d->body) : 0;
    json_decref(o);
    return 1;                          /* one record */
}

static int64_t backoff_ms(unsigned attempts)
{
    int64_t ms = 1000;
    for (unsigned i = 1; i < attempts && ms < MAX_BACKOFF_MS; i++)
        ms *= 2;
    return ms < MAX_BACKOFF_MS ? ms : MAX_BACKOFF_MS;
}

static void tenant_round(ob_tenant *t)
{
    char err[512];
    int64_t now = cw_now_ms();
    if (!t->keys)
        return;                        /* a webhook without a secret: nothing to do */
    if (!t->store && cw_store_outbox_open(t->outbox_path, &t->store, err, sizeof err) != 0) {
        snprintf(t->error, sizeof t->error, "%s", err);
        return;
    }
    /* the last round's outcomes */
    for (size_t i = 0; i < t->ndue; i++) {
        ob_delivery *d = &t->due[i];
        if (d->done && cw_store_outbox_mark(t->store, d->seq, d->ok ? now : 0,
                                            now + backoff_ms(d->attempts + 1), d->error, err,
                                            sizeof err) != 0)
            snprintf(t->error, sizeof t->error, "%s", err);
        free(d->body);
    }
    t->ndue = 0;
    if (!t->active)
        return;
    /* what the ledger committed since the last scan */
    int64_t from = cw_store_outbox_scanned(t->store);
    scan_ctx *sc = calloc(1, sizeof *sc);
    if (!sc || from < 0) {
        free(sc);
        snprintf(t->error, sizeof t->error, "%s: cannot read the scan position", t->outbox_path);
        return;
    }
    sc->t = t;
    sc->now = now;
    if (cw_ledger_read_from(t->ledger_path, t->keys, (uint64_t)from + 1, scan_record, sc, err,
                            sizeof err) != 0)
        snprintf(t->error, sizeof t->error, "%s", err);
    else if (sc->last > (uint64_t)from &&
             cw_store_outbox_add(t->store, sc->rows, sc->n, sc->last, err, sizeof err) != 0)
        snprintf(t->error, sizeof t->error, "%s", err);
    free(sc);
    /* what is due now, with its record */
    cw_outbox_row rows[ROUND];
    int n = cw_store_outbox_due(t->store, now, rows, ROUND, err, sizeof err);
    if (n < 0) {
        snprintf(t->error, sizeof t->error, "%s", err);
        return;
    }
    for (int i = 0; i < n; i++) {
        ob_delivery *d = &t->due[t->ndue];
        memset(d, 0, sizeof *d);
        d->seq = rows[i].seq;
        snprintf(d->event, sizeof d->event, "%s", rows[i].event);
        d->attempts = rows[i].attempts;
        char idem[160], hex[CW_SHA256_HEX_LEN];
        snprintf(idem, sizeof idem, "%s/%llu", t->keys->origin, (unsigned long long)d->seq);
        cw_sha256_hex_of(idem, strlen(idem), hex);
        memcpy(d->key, hex, 32);
        d->key[32] = 0;
        body_ctx bc = { d, t };
        if (cw_ledger_read_from(t->ledger_path, t->keys, d->seq, build_body, &bc, err,
                                sizeof err) != 0 || !d->body) {
            snprintf(t->error, sizeof t->error, "ledger record %llu: %s",
                     (unsigned long long)d->seq, d->body ? err : "cannot be read");
            free(d->body);
            continue;
        }
        t->ndue++;
    }
}

static void work_cb(uv_work_t *w)
{
    cw_outbox *ob = w->data;
    for (ob_tenant *t = ob->tenants; t; t = t->next)
        tenant_round(t);
}

/* ---- posting, on the loop ------------------------------------------------------------ */

static void maybe_free(cw_outbox *ob);

typedef struct post_ctx {
    ob_tenant *t;
    ob_delivery *d;
} post_ctx;

static const char *secret_of(const cw_runtime *rt, const char *tenant)
{
    for (size_t i = 0; i < rt->cfg.nwebhook_secrets; i++)
        if (strcmp(rt->cfg.webhook_secrets[i].tenant, tenant) == 0)
            return rt->cfg.webhook_secrets[i].key;
    return NULL;
}

static const cw_policy *policy_of(cw_runtime *rt, const char *tenant)
{
    cw_tenant *t = cw_tenants_find(&rt->tenants, tenant);
    return t && t->current ? t->current->policy : NULL;
}

static void post_done(void *ud, const cw_egress_response *r)
{
    post_ctx *pc = ud;
    ob_tenant *t = pc->t;
    ob_delivery *d = pc->d;
    free(pc);
    d->done = !r->cancelled;           /* a cancelled post is posted again next time */
    d->ok = r->error == NULL;
    snprintf(d->error, sizeof d->error, "%s", r->error ? r->error : "");
    t->in_flight--;
    if (t->ob->stopping) {
        maybe_free(t->ob);
        return;
    }
    if (r->cancelled)
        return;
    if (r->error) {
        t->ob->failed++;
        cw_log(CW_LOG_WARN, "outbox", "tenant=%s %s seq=%llu not delivered (try %u): %s",
               t->name, d->event, (unsigned long long)d->seq, d->attempts + 1, r->error);
    } else {
        t->ob->delivered++;
        cw_log(CW_LOG_INFO, "outbox", "tenant=%s %s seq=%llu delivered (try %u, HTTP %d)",
               t->name, d->event, (unsigned long long)d->seq, d->attempts + 1, r->status);
    }
}

static void post(cw_outbox *ob, ob_tenant *t, ob_delivery *d)
{
    const cw_policy *p = policy_of(ob->rt, t->name);
    const char *secret = secret_of(ob->rt, t->name);
    if (!p || !p->webhook_url || !secret) {
        d->done = 1;
        snprintf(d->error, sizeof d->error, "the tenant has no webhook (or no secret) now");
        return;
    }
    char sig[128], idem[80], ev[64];
    if (cw_webhook_sign(secret, d->body, d->len, cw_now_ms() / 1000, sig, sizeof sig) != 0) {
        d->done = 1;
        snprintf(d->error, sizeof d->error, "out of memory");
        return;
    }
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", d->key);
    snprintf(ev, sizeof ev, "X-Callwarden-Event: %s", d->event);
    const char *headers[] = { sig, idem, ev };
    cw_egress_request rq = {
        .policy = p, .tenant = t->name, .url = p->webhook_url, .purpose = "crm_sync",
        .consent = NULL, .content_type = "application/json", .body = d->body,
        .body_len = d->len, .headers = headers, .nheaders = 3, .timeout_ms = 10000,
    };
    post_ctx *pc = malloc(sizeof *pc);
    char why[512];
    if (!pc) {
        d->done = 1;
        snprintf(d->error, sizeof d->error, "out of memory");
        return;
    }
    pc->t = t;
    pc->d = d;
    t->in_flight++;
    if (!cw_egress_send(ob->rt->egress, &rq, post_done, pc, why, sizeof why)) {
        t->in_flight--;
        free(pc);
        d->done = 1;
        snprintf(d->error, sizeof d->error, "%.120s", why);
    }
}

static void after_work(uv_work_t *w, int status)
{
    (void)status;
    cw_outbox *ob = w->data;
    ob->busy = 0;
    if (ob->stopping) {
        maybe_free(ob);
        return;
    }
    for (ob_tenant *t = ob->tenants; t; t = t->next) {
        if (t->error[0]) {
            cw_log(CW_LOG_ERROR, "outbox", "tenant=%s %s", t->name, t->error);
            t->error[0] = 0;
        }
        for (size_t i = 0; i < t->ndue; i++)
            post(ob, t, &t->due[i]);
    }
}

/* ---- the tick --------------------------------------------------------------------- */

/* The tenants whose current policy has a webhook (reloads add and change them). */
static void refresh_tenants(cw_outbox *ob)
{
    cw_runtime *rt = ob->rt;
    for (cw_tenant *tn = rt->tenants.head; tn; tn = tn->next) {
        const cw_policy *p = tn->current ? tn->current->policy : NULL;
        ob_tenant *t = ob->tenants;
        while (t && strcmp(t->name, tn->name) != 0)
            t = t->next;
        int want = p && p->webhook_url && secret_of(rt, tn->name);
        if (p && p->webhook_url && !want && !t) {
            /* logged on every tick would flood; the tenant is remembered as warned */
            t = calloc(1, sizeof *t);
            if (!t)
                continue;
            t->ob = ob;
            t->warned = 1;
            snprintf(t->name, sizeof t->name, "%s", tn->name);
            t->next = ob->tenants;
            ob->tenants = t;
            cw_log(CW_LOG_WARN, "outbox", "tenant=%s has a webhook but no webhook_secret in "
                   "the config: nothing is posted (an unsigned webhook could be forged)",
                   tn->name);
            continue;
        }
        if (!t && !want)
            continue;
        if (want && t && !t->keys) {
            /* a tenant remembered without a secret that has one now: make it whole */
            ob_tenant *x = t;
            if (x == ob->tenants)
                ob->tenants = x->next;
            else {
                ob_tenant *prev = ob->tenants;
                while (prev->next != x)
                    prev = prev->next;
                prev->next = x->next;
            }
            free(x);
            t = NULL;
        }
        if (!t) {
            char dir[CW_PATH_LEN], key[CW_PATH_LEN], pub[CW_PATH_LEN], err[512];
            t = calloc(1, sizeof *t);
            cw_ledger_keys *k = cw_ledger_keys_new();
            if (!t || !k ||
                cw_keyfile_paths(rt->cfg.data_dir, tn->name, dir, key, pub, sizeof dir) != 0 ||
                cw_keyfile_load(rt->cfg.data_dir, tn->name, k, err, sizeof err) != 0) {
                cw_log(CW_LOG_ERROR, "outbox", "tenant=%s no webhooks: %s", tn->name,
                       t && k ? err : "out of memory");
                free(t);
                cw_ledger_keys_free(k);
                continue;
            }
            t->ob = ob;
            t->keys = k;
            snprintf(t->name, sizeof t->name, "%s", tn->name);
            snprintf(t->ledger_path, sizeof t->ledger_path, "%s/consent.db", dir);
            snprintf(t->outbox_path, sizeof t->outbox_path, "%s/outbox.db", dir);
            t->next = ob->tenants;
            ob->tenants = t;
            cw_log(CW_LOG_INFO, "outbox", "tenant=%s webhooks to its CRM", tn->name);
        }
        t->active = want;
        t->nevents = 0;
        for (size_t i = 0; want && i < p->nwebhook_events; i++)
            snprintf(t->events[t->nevents++], sizeof t->events[0], "%s", p->webhook_events[i]);
    }
}

static void tick(uv_timer_t *tm)
{
    cw_outbox *ob = tm->data;
    if (ob->busy || ob->stopping)
        return;
    for (ob_tenant *t = ob->tenants; t; t = t->next)
        if (t->in_flight)
            return;                    /* the round's outcomes are not all in */
    refresh_tenants(ob);
    if (!ob->tenants)
        return;
    ob->busy = 1;
    if (uv_queue_work(ob->rt->loop, &ob->work, work_cb, after_work) != 0)
        ob->busy = 0;
}

int cw_outbox_start(cw_runtime *rt, cw_outbox **out, char *err, size_t errlen)
{
    cw_outbox *ob = calloc(1, sizeof *ob);
    if (!ob) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ob->rt = rt;
    ob->work.data = ob;
    uv_timer_init(rt->loop, &ob->timer);
    ob->timer.data = ob;
    ob->timer_open = 1;
    unsigned ms = rt->cfg.outbox_poll_ms ? rt->cfg.outbox_poll_ms : 1000;
    uv_timer_start(&ob->timer, tick, 0, ms);
    *out = ob;
    return 0;
}

static void maybe_free(cw_outbox *ob)
{
    if (ob->busy || ob->timer_open)
        return;
    for (ob_tenant *t = ob->tenants; t; t = t->next)
        if (t->in_flight)
            return;                    /* post_done comes back here */
    while (ob->tenants) {
        ob_tenant *t = ob->tenants;
        ob->tenants = t->next;
        for (size_t i = 0; i < t->ndue; i++)
            free(t->due[i].body);
        cw_store_outbox_close(t->store);
        cw_ledger_keys_free(t->keys);
        free(t);
    }
    free(ob);
}

static void timer_closed(uv_handle_t *h)
{
    cw_outbox *ob = h->data;
    ob->timer_open = 0;
    maybe_free(ob);
}

void cw_outbox_stop(cw_outbox *ob)
{
    if (!ob || ob->stopping)
        return;
    ob->stopping = 1;
    uv_timer_stop(&ob->timer);
    uv_close((uv_handle_t *)&ob->timer, timer_closed);
}

void cw_outbox_counts(const cw_outbox *ob, uint64_t *delivered, uint64_t *failed)
{
    *delivered = ob ? ob->delivered : 0;
    *failed = ob ? ob->failed : 0;
}
