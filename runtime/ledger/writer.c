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

#include "callwarden/checkpoint.h"
#include "callwarden/error.h"
#include "callwarden/ledger.h"
#include "callwarden/log.h"
#include "callwarden/merkle.h"
#include "callwarden/store.h"
#include "ledger_int.h"

typedef struct request {
    cw_store_record rec;
    uint8_t *plain;                 /* the body in clear, until the writer sealed it */
    size_t plain_len;
    char refers_to[40];
    uint8_t *sealed;                /* writer thread: the sealed body */
    char header[CW_LEDGER_HEADER_MAX];
    cw_ledger_cb cb;
    void *ud;
    int ok;
    char err[160];
    struct request *next;
} request;

struct cw_ledger {
    uv_loop_t *loop;
    cw_store *store;
    cw_ledger_key key;
    uint8_t body_key[CW_AES256_KEY_LEN];
    cw_merkle tree;                 /* writer thread; under lock for the head */
    uint64_t next_seq;              /* writer thread */
    uint64_t head_size;             /* under lock */
    uint8_t head_root[32];
    cw_p256_key *signer;            /* the checkpoint signing key */
    char key_name[CW_CHECKPOINT_NAME_MAX];
    uint64_t checkpoint_size;       /* writer thread: the size last signed */
    uint64_t checkpoint_ns;         /* ... and when */
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

/* Writer thread: give each record of the batch its position, header, sealed body and
 * leaf. 0, or -1 with err (nothing of the batch is then written). */
static int seal_batch(cw_ledger *lg, request **batch, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        request *r = batch[i];
        char id[37];
        cw_ledger_uuid(id);
        r->rec.seq = lg->next_seq + i;
        int hl = cw_ledger_header(r->header, sizeof r->header, r->rec.seq, r->rec.event_type,
                                  id, r->rec.consent_id, r->refers_to, r->rec.ts_ms,
                                  lg->key.id);
        free(r->sealed);
        size_t sl = 0;
        r->sealed = hl < 0 ? NULL : cw_ledger_seal(lg->body_key, (const uint8_t *)r->header,
                                                   (size_t)hl, r->plain, r->plain_len, &sl);
        if (!r->sealed)
            return cw_error(err, errlen, "cannot seal record %llu",
                            (unsigned long long)r->rec.seq);
        r->rec.header = (const uint8_t *)r->header;
        r->rec.header_len = (size_t)hl;
        r->rec.body = r->sealed;
        r->rec.body_len = sl;
        cw_ledger_leaf(r->rec.header, r->rec.header_len, r->rec.body, r->rec.body_len,
                       r->rec.leaf);
    }
    return 0;
}

/* Writer thread: sign the current tree head and store it. A failure is logged; the
 * next checkpoint covers the same records. */
static void write_checkpoint(cw_ledger *lg)
{
    char note[CW_CHECKPOINT_MAX], root[32], err[256];
    cw_merkle_root(&lg->tree, lg->tree.n, (uint8_t *)root);
    if (cw_checkpoint_sign(lg->signer, lg->key_name, lg->key.origin, lg->tree.n,
                           (uint8_t *)root, note, sizeof note) < 0) {
        cw_log(CW_LOG_ERROR, "ledger", "cannot sign a checkpoint at %llu",
               (unsigned long long)lg->tree.n);
        return;
    }
    if (cw_store_checkpoint_put(lg->store, lg->tree.n, note, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "ledger", "%s", err);
        return;
    }
    lg->checkpoint_size = lg->tree.n;
    lg->checkpoint_ns = uv_hrtime();
}

static void *writer_main(void *arg)
{
    cw_ledger *lg = arg;
    size_t cap = lg->opts.max_batch;
    cw_store_record *recs = malloc(cap * sizeof *recs);
    request **batch = malloc(cap * sizeof *batch);
    pthread_mutex_lock(&lg->lock);
    for (;;) {
        while (!lg->queue && !lg->stop) {
            /* idle: wake for the periodic checkpoint of what is not yet signed */
            struct timespec until;
            deadline_after(&until, lg->opts.checkpoint_ms * 1000u);
            if (pthread_cond_timedwait(&lg->wake, &lg->lock, &until) == ETIMEDOUT &&
                lg->tree.n > lg->checkpoint_size) {
                pthread_mutex_unlock(&lg->lock);
                write_checkpoint(lg);
                pthread_mutex_lock(&lg->lock);
            }
        }
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
            ok = seal_batch(lg, batch, n, err, sizeof err) == 0;
            for (size_t i = 0; ok && i < n; i++)
                recs[i] = batch[i]->rec;
            ok = ok && cw_store_ledger_append(lg->store, recs, n, err, sizeof err) == 0;
            if (ok) {
                lg->next_seq += n;
                for (size_t i = 0; i < n; i++)
                    if (cw_merkle_append(&lg->tree, batch[i]->rec.leaf) != 0)
                        abort();   /* the tree must hold what the file holds */
            }
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
        if (ok) {
            lg->head_size = lg->tree.n;
            cw_merkle_root(&lg->tree, lg->tree.n, lg->head_root);
        }
        uv_async_send(&lg->async);
        if (ok && (lg->tree.n - lg->checkpoint_size >= lg->opts.checkpoint_leaves ||
                   uv_hrtime() - lg->checkpoint_ns >= lg->opts.checkpoint_ms * 1000000ull)) {
            pthread_mutex_unlock(&lg->lock);
            write_checkpoint(lg);
            pthread_mutex_lock(&lg->lock);
        }
    }
    pthread_mutex_unlock(&lg->lock);
    if (lg->tree.n > lg->checkpoint_size)
        write_checkpoint(lg);          /* the last records get signed at close */
    free(recs);
    free(batch);
    return NULL;
}

/* ---- the loop side -------------------------------------------------------------- */

static void free_request(request *r)
{
    if (r->plain) {
        cw_wipe(r->plain, r->plain_len);
        free(r->plain);
    }
    free(r->sealed);
    free(r);
}

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
        free_request(r);
        r = next;
    }
}

static void on_async(uv_async_t *a)
{
    run_done(a->data);
}


/* At open: the tree of the records already in the file. */
static int add_leaf(void *ud, const cw_store_record *r)
{
    cw_ledger *lg = ud;
    if (r->seq != lg->tree.n + 1)
        return 1;                      /* a hole: cw_ledger_verify names it */
    return cw_merkle_append(&lg->tree, r->leaf) != 0;
}

static int max_size(void *ud, uint64_t size, const char *note)
{
    (void)note;
    uint64_t *m = ud;
    if (size > *m)
        *m = size;
    return 0;
}

/* The size of the newest checkpoint in the file (0 if none). */
static uint64_t last_checkpoint(cw_ledger *lg)
{
    uint64_t m = 0;
    char err[256];
    cw_store_checkpoint_scan(lg->store, max_size, &m, err, sizeof err);
    return m;
}

static void ledger_free(cw_ledger *lg)
{
    cw_p256_free(lg->signer);
    cw_wipe(&lg->key, sizeof lg->key);
    cw_wipe(lg->body_key, sizeof lg->body_key);
    cw_merkle_free(&lg->tree);
    free(lg);
}

static void free_on_close(uv_handle_t *h)
{
    ledger_free(h->data);
}

int cw_ledger_open(uv_loop_t *loop, const char *path, const cw_ledger_key *key,
                   const cw_ledger_opts *opts, cw_ledger **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_ledger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return cw_error(err, errlen, "out of memory");
    lg->loop = loop;
    lg->opts.window_us = opts ? opts->window_us : 1000;
    lg->opts.max_batch = opts && opts->max_batch ? opts->max_batch : 4096;
    lg->opts.checkpoint_leaves = opts && opts->checkpoint_leaves ? opts->checkpoint_leaves : 1000;
    lg->opts.checkpoint_ms = opts && opts->checkpoint_ms ? opts->checkpoint_ms : 60000;
    lg->key = *key;
    lg->signer = cw_p256_from_private(key->sign);
    if (!lg->signer || !key->origin[0] ||
        (size_t)snprintf(lg->key_name, sizeof lg->key_name, "%s-%s", key->origin, key->id) >=
            sizeof lg->key_name) {
        ledger_free(lg);
        return cw_error(err, errlen, "%s: the ledger's signing key or origin is not usable",
                        path);
    }
    cw_merkle_init(&lg->tree);
    if (cw_ledger_body_key(key, lg->body_key) != 0) {
        ledger_free(lg);
        return cw_error(err, errlen, "%s: cannot derive the ledger's body key", path);
    }
    if (cw_store_ledger_open(path, &lg->store, err, errlen) != 0) {
        ledger_free(lg);
        return -1;
    }
    int64_t last = cw_store_ledger_last_seq(lg->store);
    if (last < 0 || cw_store_ledger_scan(lg->store, 1, add_leaf, lg, err, errlen) != 0 ||
        lg->tree.n != (uint64_t)last) {
        if (last >= 0 && lg->tree.n != (uint64_t)last)
            cw_error(err, errlen, "%s: the ledger has a hole after record %llu (run "
                     "callwarden audit verify)", path, (unsigned long long)lg->tree.n);
        cw_store_close(lg->store);
        ledger_free(lg);
        return -1;
    }
    lg->next_seq = (uint64_t)last + 1;
    lg->checkpoint_size = last_checkpoint(lg);
    lg->checkpoint_ns = uv_hrtime();
    lg->head_size = lg->tree.n;
    cw_merkle_root(&lg->tree, lg->tree.n, lg->head_root);
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
    const char *ref = ev->refers_to ? ev->refers_to : "";
    request *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    if (!ev->event_type || !ev->event_type[0] ||
        strspn(ev->event_type, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(ev->event_type) ||
        strlen(ev->event_type) >= sizeof r->rec.event_type ||
        strlen(cid) >= sizeof r->rec.consent_id || strlen(ref) >= sizeof r->refers_to ||
        strpbrk(cid, " \n") || strpbrk(ref, " \n")) {
        free(r);
        return -1;
    }
    r->plain = malloc(ev->body_len + 1);
    if (!r->plain) {
        free(r);
        return -1;
    }
    if (ev->body_len)
        memcpy(r->plain, ev->body, ev->body_len);
    r->plain_len = ev->body_len;
    r->rec.ts_ms = ev->ts_ms;
    memcpy(r->rec.event_type, ev->event_type, strlen(ev->event_type) + 1);
    memcpy(r->rec.consent_id, cid, strlen(cid) + 1);
    memcpy(r->refers_to, ref, strlen(ref) + 1);
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

void cw_ledger_head(cw_ledger *lg, uint64_t *size, uint8_t root[32])
{
    pthread_mutex_lock(&lg->lock);
    *size = lg->head_size;
    memcpy(root, lg->head_root, 32);
    pthread_mutex_unlock(&lg->lock);
}

static void async_closed(uv_handle_t *h)
{
    cw_ledger *lg = h->data;
    void (*done)(void *) = lg->closed;
    void *ud = lg->closed_ud;
    pthread_mutex_destroy(&lg->lock);
    pthread_cond_destroy(&lg->wake);
    ledger_free(lg);
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
