/* writer.c  The ledger's writer thread and group commit (G2's durability, G4's log).
 *
 * Appends come from the loop thread into a queue; one writer thread takes what is
 * queued, waits up to window_us after the first record for more (a group), and
 * commits the group in one transaction (runtime/store: BEGIN IMMEDIATE .. COMMIT with
 * synchronous=FULL, one fsync for the group). Finished requests go back to the loop
 * through a uv_async, where their callbacks run in append order. So a callback never
 * runs before its record's COMMIT returned, and every accepted append gets exactly
 * one callback, also when the ledger closes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callwarden/error.h"
#include "callwarden/ledger.h"
#include "callwarden/log.h"
#include "callwarden/store.h"

typedef struct request {
    cw_store_record rec;
    uint8_t *data;                  /* header then body, one allocation */
    cw_ledger_cb cb;
    void *ud;
    int ok;
    char err[160];
    struct request *next;
} request;

struct cw_ledger {
    uv_loop_t *loop;
    cw_store *store;
    cw_ledger_opts opts;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    request *queue, *queue_tail;    /* from the loop to the writer */
    size_t queued;
    request *done, *done_tail;      /* from the writer back to the loop */
    int stop;
    int closing;
    uv_async_t async;
    cw_ledger_stats stats;          /* loop thread */
    uint64_t batches, max_batch;    /* writer thread, under lock when read */
    void (*closed)(void *ud);
    void *closed_ud;
};

static void push(request **head, request **tail, request *r)
{
    r->next = NULL;
    if (*tail)
        (*tail)->next = r;
    else
        *head = r;
    *tail = r;
}

/* ---- the writer thread ---------------------------------------------------------- */

static void deadline_after(struct timespec *ts, unsigned us)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_nsec += (long)us * 1000;
    while (ts->tv_nsec >= 1000000000) {
        ts->tv_nsec -= 1000000000;
        ts->tv_sec++;
    }
}

static void *writer_main(void *arg)
{
    cw_ledger *lg = arg;
    size_t cap = lg->opts.max_batch;
    cw_store_record *recs = malloc(cap * sizeof *recs);
    request **batch = malloc(cap * sizeof *batch);
    pthread_mutex_lock(&lg->lock);
    for (;;) {
        while (!lg->queue && !lg->stop)
            pthread_cond_wait(&lg->wake, &lg->lock);
        if (!lg->queue && lg->stop)
            break;
        if (lg->opts.window_us && lg->queued < cap && !lg->stop) {
            /* a group: what else comes within the window joins this commit */
            struct timespec until;
            deadline_after(&until, lg->opts.window_us);
            while (lg->queued < cap && !lg->stop &&
                   pthread_cond_timedwait(&lg->wake, &lg->lock, &until) != ETIMEDOUT)
                ;
        }
        size_t n = 0;
        while (lg->queue && n < cap) {
            request *r = lg->queue;
            lg->queue = r->next;
            if (!lg->queue)
                lg->queue_tail = NULL;
            lg->queued--;
            batch[n++] = r;
        }
        pthread_mutex_unlock(&lg->lock);

        char err[160] = "";
        int ok = 0;
        if (recs && batch) {
            for (size_t i = 0; i < n; i++)
                recs[i] = batch[i]->rec;
            ok = cw_store_ledger_append(lg->store, recs, n, err, sizeof err) == 0;
        } else {
            snprintf(err, sizeof err, "out of memory");
        }

        pthread_mutex_lock(&lg->lock);
        for (size_t i = 0; i < n; i++) {
            batch[i]->ok = ok;
            if (ok)
                batch[i]->rec.seq = recs[i].seq;
            else
                memcpy(batch[i]->err, err, sizeof err);
            push(&lg->done, &lg->done_tail, batch[i]);
        }
        lg->batches++;
        if (n > lg->max_batch)
            lg->max_batch = n;
        uv_async_send(&lg->async);
    }
    pthread_mutex_unlock(&lg->lock);
    free(recs);
    free(batch);
    return NULL;
}

/* ---- the loop side -------------------------------------------------------------- */

static void run_done(cw_ledger *lg)
{
    pthread_mutex_lock(&lg->lock);
    request *r = lg->done;
    lg->done = lg->done_tail = NULL;
    lg->stats.batches = lg->batches;
    lg->stats.max_batch = lg->max_batch;
    pthread_mutex_unlock(&lg->lock);
    while (r) {
        request *next = r->next;
        if (r->ok)
            lg->stats.appended++;
        else
            lg->stats.failed++;
        r->cb(r->ud, r->ok, r->ok ? r->rec.seq : 0, r->ok ? "" : r->err);
        free(r->data);
        free(r);
        r = next;
    }
}

static void on_async(uv_async_t *a)
{
    run_done(a->data);
}

static void free_on_close(uv_handle_t *h)
{
    free(h->data);
}

int cw_ledger_open(uv_loop_t *loop, const char *path, const cw_ledger_opts *opts,
                   cw_ledger **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_ledger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return cw_error(err, errlen, "out of memory");
    lg->loop = loop;
    lg->opts.window_us = opts ? opts->window_us : 1000;
    lg->opts.max_batch = opts && opts->max_batch ? opts->max_batch : 4096;
    if (cw_store_ledger_open(path, &lg->store, err, errlen) != 0) {
        free(lg);
        return -1;
    }
    pthread_mutex_init(&lg->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&lg->wake, &ca);
    pthread_condattr_destroy(&ca);
    uv_async_init(loop, &lg->async, on_async);
    lg->async.data = lg;
    if (pthread_create(&lg->thread, NULL, writer_main, lg) != 0) {
        cw_error(err, errlen, "%s: cannot start the ledger writer thread", path);
        cw_store_close(lg->store);
        uv_close((uv_handle_t *)&lg->async, free_on_close);
        return -1;
    }
    *out = lg;
    return 0;
}

int cw_ledger_append(cw_ledger *lg, const cw_ledger_event *ev, cw_ledger_cb cb, void *ud)
{
    if (lg->closing)
        return -1;
    const char *cid = ev->consent_id ? ev->consent_id : "";
    request *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    if (strlen(ev->event_type) >= sizeof r->rec.event_type ||
        strlen(cid) >= sizeof r->rec.consent_id) {
        free(r);
        return -1;
    }
    r->data = malloc(ev->header_len + ev->body_len + 1);
    if (!r->data) {
        free(r);
        return -1;
    }
    if (ev->header_len)
        memcpy(r->data, ev->header, ev->header_len);
    if (ev->body_len)
        memcpy(r->data + ev->header_len, ev->body, ev->body_len);
    r->rec.ts_ms = ev->ts_ms;
    memcpy(r->rec.event_type, ev->event_type, strlen(ev->event_type) + 1);
    memcpy(r->rec.consent_id, cid, strlen(cid) + 1);
    r->rec.header = r->data;
    r->rec.header_len = ev->header_len;
    r->rec.body = r->data + ev->header_len;
    r->rec.body_len = ev->body_len;
    r->cb = cb;
    r->ud = ud;
    pthread_mutex_lock(&lg->lock);
    push(&lg->queue, &lg->queue_tail, r);
    lg->queued++;
    pthread_cond_signal(&lg->wake);
    pthread_mutex_unlock(&lg->lock);
    return 0;
}

cw_ledger_stats cw_ledger_get_stats(cw_ledger *lg)
{
    return lg->stats;
}

static void async_closed(uv_handle_t *h)
{
    cw_ledger *lg = h->data;
    void (*done)(void *) = lg->closed;
    void *ud = lg->closed_ud;
    pthread_mutex_destroy(&lg->lock);
    pthread_cond_destroy(&lg->wake);
    free(lg);
    if (done)
        done(ud);
}

void cw_ledger_close(cw_ledger *lg, void (*done)(void *ud), void *ud)
{
    lg->closing = 1;
    lg->closed = done;
    lg->closed_ud = ud;
    pthread_mutex_lock(&lg->lock);
    lg->stop = 1;
    pthread_cond_signal(&lg->wake);
    pthread_mutex_unlock(&lg->lock);
    /* the writer commits what is queued, then ends: a short wait at shutdown only */
    pthread_join(lg->thread, NULL);
    run_done(lg);
    cw_store_close(lg->store);
    lg->store = NULL;
    uv_close((uv_handle_t *)&lg->async, async_closed);
}
