/* writer.c  The ledger's writer thread and group commit (G2's durability, G4's log).
 *
 * Appends come from the loop thread into a queue; one writer thread takes what is
 * queued, waits up to window_us after the first record for more (a group), and
 * commits the group in one transaction (runtime/store: BEGIN IMMEDIATE .. COMMIT with
 * synchronous=FULL, one fsync for the group). Finished requests go back to the loop
 * through a uv_async, where their callbacks run in append order. So a callback never
 * runs before its record's COMMIT returned, and every accepted append gets exactly
 * one callback, also when the ledger closes.
 *
 * Keys: the writer seals under the newest key of its ring. If the log still names an
 * older key, opening first appends the KEY_ROTATED record (sealed under the old key)
 * together with a checkpoint the old key signs, in one transaction, so the hand-over
 * is never half done. Other processes (the audit CLI) may append to the same file: a
 * batch takes the write lock (BEGIN IMMEDIATE) before it is sealed, reads what others
 * appended since into its tree, follows any rotation among them (reloading the ring
 * when it names a key it lacks), and only then gives the records their positions.
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
    char *note;                     /* a checkpoint request: the signed note, else NULL */
    uint64_t t0_ns;                 /* when it was appended (uv_hrtime) */
    cw_ledger_checkpoint_cb checkpoint_cb;
    struct request *next;
} request;

struct cw_ledger {
    uv_loop_t *loop;
    cw_store *store;
    char path[1024];
    cw_ledger_keys *keys;           /* locked memory; replaced only by the writer */
    cw_body_keys *body_keys;
    unsigned cur;                   /* the key in use: keys->key[cur] */
    char log_key[16];               /* the key the log names as in force ("" if empty) */
    cw_merkle tree;                 /* writer thread; under lock for the head */
    uint64_t next_seq;              /* writer thread */
    uint64_t head_size;             /* under lock */
    uint8_t head_root[32];
    cw_p256_key *signer;            /* the checkpoint signing key of keys->key[cur] */
    char key_name[CW_CHECKPOINT_NAME_MAX];
    uint64_t checkpoint_size;       /* writer thread: the size last signed */
    uint64_t checkpoint_ns;         /* ... and when */
    cw_ledger_opts opts;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    request *queue, *queue_tail;    /* from the loop to the writer */
    size_t queued;
    request *signing, *signing_tail;    /* checkpoints asked for (cw_ledger_checkpoint) */
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

static int catch_up(cw_ledger *lg, char *err, size_t errlen);

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
                                  lg->keys->key[lg->cur].id, NULL);
        free(r->sealed);
        size_t sl = 0;
        r->sealed = hl < 0 ? NULL : cw_ledger_seal(lg->body_keys->key[lg->cur],
                                                   (const uint8_t *)r->header, (size_t)hl,
                                                   r->plain, r->plain_len, &sl);
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

/* Writer thread: sign the current tree head and store it, the note into out (at least
 * CW_CHECKPOINT_MAX bytes) if not NULL. 0, or -1 with err (also logged; the next
 * checkpoint covers the same records). */
static int write_checkpoint(cw_ledger *lg, char *out, char *err, size_t errlen)
{
    char note[CW_CHECKPOINT_MAX], root[32], why[256];
    if (!err) {
        err = why;
        errlen = sizeof why;
    }
    cw_merkle_root(&lg->tree, lg->tree.n, (uint8_t *)root);
    if (cw_checkpoint_sign(lg->signer, lg->key_name, lg->keys->origin, lg->tree.n,
                           (uint8_t *)root, note, sizeof note) < 0) {
        cw_error(err, errlen, "cannot sign a checkpoint at %llu",
                 (unsigned long long)lg->tree.n);
        cw_log(CW_LOG_ERROR, "ledger", "%s", err);
        return -1;
    }
    if (cw_store_checkpoint_put(lg->store, lg->tree.n, note, err, errlen) != 0) {
        cw_log(CW_LOG_ERROR, "ledger", "%s", err);
        return -1;
    }
    lg->checkpoint_size = lg->tree.n;
    lg->checkpoint_ns = uv_hrtime();
    if (out)
        memcpy(out, note, strlen(note) + 1);
    return 0;
}

/* Writer thread, lock held: sign the head for every checkpoint asked for (one
 * signature serves them all) and hand them back to the loop. Records another process
 * appended are read first, so the note covers them too. */
static void sign_requested(cw_ledger *lg)
{
    request *r = lg->signing;
    lg->signing = lg->signing_tail = NULL;
    pthread_mutex_unlock(&lg->lock);
    char err[160] = "", note[CW_CHECKPOINT_MAX] = "";
    int ok = cw_store_ledger_begin(lg->store, err, sizeof err) == 0 &&
             catch_up(lg, err, sizeof err) == 0;
    if (ok)
        cw_store_ledger_rollback(lg->store);   /* nothing written: only the lock was held */
    ok = ok && write_checkpoint(lg, note, err, sizeof err) == 0;
    pthread_mutex_lock(&lg->lock);
    if (ok) {
        lg->head_size = lg->tree.n;
        cw_merkle_root(&lg->tree, lg->tree.n, lg->head_root);
    }
    while (r) {
        request *next = r->next;
        r->ok = ok;
        r->rec.seq = lg->tree.n;
        memcpy(ok ? r->note : r->err, ok ? note : err, ok ? strlen(note) + 1 : sizeof err);
        push(&lg->done, &lg->done_tail, r);
        r = next;
    }
    uv_async_send(&lg->async);
}

static void *writer_main(void *arg)
{
    cw_ledger *lg = arg;
    size_t cap = lg->opts.max_batch;
    cw_store_record *recs = malloc(cap * sizeof *recs);
    request **batch = malloc(cap * sizeof *batch);
    pthread_mutex_lock(&lg->lock);
    for (;;) {
        while (!lg->queue && !lg->signing && !lg->stop) {
            /* idle: wake for the periodic checkpoint of what is not yet signed */
            struct timespec until;
            deadline_after(&until, lg->opts.checkpoint_ms * 1000u);
            if (pthread_cond_timedwait(&lg->wake, &lg->lock, &until) == ETIMEDOUT &&
                lg->tree.n > lg->checkpoint_size) {
                pthread_mutex_unlock(&lg->lock);
                write_checkpoint(lg, NULL, NULL, 0);
                pthread_mutex_lock(&lg->lock);
            }
        }
        if (lg->signing && !lg->queue) {
            sign_requested(lg);            /* after the records queued before it */
            continue;
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
            /* the write lock first: then what catch_up reads is all that another
             * process appended, and the positions sealed into the headers are free */
            ok = cw_store_ledger_begin(lg->store, err, sizeof err) == 0 &&
                 catch_up(lg, err, sizeof err) == 0 &&
                 seal_batch(lg, batch, n, err, sizeof err) == 0;
            for (size_t i = 0; ok && i < n; i++)
                recs[i] = batch[i]->rec;
            ok = ok && cw_store_ledger_append(lg->store, recs, n, 0, NULL, err,
                                              sizeof err) == 0 &&
                 cw_store_ledger_commit(lg->store, err, sizeof err) == 0;
            if (!ok)
                cw_store_ledger_rollback(lg->store);
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
            write_checkpoint(lg, NULL, NULL, 0);
            pthread_mutex_lock(&lg->lock);
        }
    }
    pthread_mutex_unlock(&lg->lock);
    if (lg->tree.n > lg->checkpoint_size)
        write_checkpoint(lg, NULL, NULL, 0);   /* the last records get signed at close */
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
    free(r->note);
    free(r);
}

const double cw_ledger_latency_bounds[CW_LEDGER_LATENCY_BUCKETS] = {
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
};

static void count_commit(cw_ledger *lg, const request *r)
{
    double s = (double)(uv_hrtime() - r->t0_ns) / 1e9;
    size_t i = 0;
    while (i < CW_LEDGER_LATENCY_BUCKETS && s > cw_ledger_latency_bounds[i])
        i++;
    lg->stats.latency_le[i]++;
    lg->stats.latency_sum_s += s;
    lg->stats.appended++;
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
        if (r->note)
            r->checkpoint_cb(r->ud, r->ok ? r->rec.seq : 0, r->ok ? r->note : NULL,
                             r->ok ? NULL : r->err);
        else if (r->ok)
            count_commit(lg, r);
        else
            lg->stats.failed++;
        if (!r->note)
            r->cb(r->ud, r->ok, r->ok ? r->rec.seq : 0, r->ok ? "" : r->err);
        free_request(r);
        r = next;
    }
}

static void on_async(uv_async_t *a)
{
    run_done(a->data);
}


/* Use the ring's key with this id for sealing and signing. 0, or -1 if the ring has no
 * such key or it is unusable. */
static int use_key(cw_ledger *lg, const char *id)
{
    for (unsigned i = 0; i < lg->keys->n; i++) {
        if (strcmp(lg->keys->key[i].id, id) != 0)
            continue;
        cw_p256_key *signer = cw_p256_from_private(lg->keys->key[i].sign);
        if (!signer || (size_t)snprintf(lg->key_name, sizeof lg->key_name, "%s-%s",
                                        lg->keys->origin, id) >= sizeof lg->key_name) {
            cw_p256_free(signer);
            return -1;
        }
        cw_p256_free(lg->signer);
        lg->signer = signer;
        lg->cur = i;
        return 0;
    }
    return -1;
}

/* Take a new ring (owned from now on) and its body keys. 0, or -1 (the old one stays). */
static int take_keys(cw_ledger *lg, cw_ledger_keys *ks)
{
    cw_body_keys *bk = ks->n ? cw_body_keys_new(ks) : NULL;
    if (!bk) {
        cw_ledger_keys_free(ks);
        return -1;
    }
    cw_ledger_keys_free(lg->keys);
    cw_body_keys_free(lg->body_keys);
    lg->keys = ks;
    lg->body_keys = bk;
    return 0;
}

/* The records from tree.n + 1 on (at open: all) into the tree, following the keys. */
typedef struct follow {
    cw_ledger *lg;
    int hole;
} follow;

static int add_leaf(void *ud, const cw_store_record *r)
{
    follow *f = ud;
    cw_ledger *lg = f->lg;
    if (r->seq != lg->tree.n + 1) {
        f->hole = 1;                   /* cw_ledger_verify names it */
        return 1;
    }
    char id[16];
    uint8_t pub[CW_P256_PUB_LEN];
    if (!lg->log_key[0] && cw_ledger_header_key(r->header, r->header_len, id) == 0)
        memcpy(lg->log_key, id, sizeof id);
    if (strcmp(r->event_type, "KEY_ROTATED") == 0 &&
        cw_ledger_header_next(r->header, r->header_len, id, pub) == 1)
        memcpy(lg->log_key, id, sizeof id);
    return cw_merkle_append(&lg->tree, r->leaf) != 0;
}

static int read_new_records(cw_ledger *lg, char *err, size_t errlen)
{
    follow f = { lg, 0 };
    uint64_t from = lg->tree.n + 1;
    if (cw_store_ledger_scan(lg->store, from, add_leaf, &f, err, errlen) != 0)
        return -1;
    if (f.hole)
        return cw_error(err, errlen, "%s: the ledger has a hole after record %llu (run "
                        "callwarden audit verify)", lg->path, (unsigned long long)lg->tree.n);
    lg->next_seq = lg->tree.n + 1;
    return 0;
}

/* At open: the newest record must open with the ring, or this is another tenant's (or a
 * replaced) key file, and every record appended with it would fail to verify. */
typedef struct key_probe {
    cw_ledger *lg;
    int ok;
} key_probe;

static int probe_record(void *ud, const cw_store_record *r)
{
    key_probe *p = ud;
    const uint8_t *bk = cw_body_keys_for(p->lg->body_keys, r->header, r->header_len);
    uint8_t *buf = malloc(r->body_len + 1);
    size_t n = 0;
    p->ok = bk && buf && cw_ledger_open_body(bk, r->header, r->header_len, r->body,
                                             r->body_len, buf, &n) == 0;
    if (buf) {
        cw_wipe(buf, r->body_len);
        free(buf);
    }
    return 1;
}

static int keys_match(cw_ledger *lg, char *err, size_t errlen)
{
    key_probe p = { lg, 0 };
    if (lg->tree.n == 0)
        return 0;
    if (cw_store_ledger_scan(lg->store, lg->tree.n, probe_record, &p, err, errlen) != 0)
        return -1;
    if (!p.ok)
        return cw_error(err, errlen, "%s: the key file does not match this ledger (its newest "
                        "record does not open with key %s); nothing was written", lg->path,
                        lg->log_key);
    return 0;
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

/* Writer thread, in the write transaction: the records another process appended since
 * (usually none), and the key in force after them. */
static int catch_up(cw_ledger *lg, char *err, size_t errlen)
{
    uint64_t had = lg->tree.n;
    if (read_new_records(lg, err, errlen) != 0)
        return -1;
    if (lg->tree.n == had)
        return 0;                      /* the usual case: nobody else appended */
    lg->checkpoint_size = last_checkpoint(lg);
    if (strcmp(lg->log_key, lg->keys->key[lg->cur].id) == 0)
        return 0;
    char was[16];
    memcpy(was, lg->keys->key[lg->cur].id, sizeof was);
    if (!cw_ledger_keys_find(lg->keys, lg->log_key) && lg->opts.reload_keys) {
        cw_ledger_keys *ks = cw_ledger_keys_new();
        if (ks && lg->opts.reload_keys(lg->opts.reload_ud, ks) == 0 &&
            cw_ledger_keys_find(ks, was))
            take_keys(lg, ks);
        else
            cw_ledger_keys_free(ks);
        use_key(lg, was);              /* cur indexes the ring in hand again */
    }
    if (use_key(lg, lg->log_key) != 0)
        return cw_error(err, errlen, "%s: the log moved on to key %s, which this process "
                        "does not hold", lg->path, lg->log_key);
    cw_log(CW_LOG_INFO, "ledger", "%s: now sealing under key %s (rotated by another process)",
           lg->path, lg->log_key);
    return 0;
}

/* At open, if the ring's newest key is not the one the log names: the KEY_ROTATED
 * record under the old key, with the old key's checkpoint of the tree up to it. */
static int rotate(cw_ledger *lg, char *err, size_t errlen)
{
    const cw_ledger_key *nk = &lg->keys->key[lg->keys->n - 1];
    uint8_t pub[CW_P256_PUB_LEN];
    if (cw_ledger_key_public(nk, pub) != 0)
        return cw_error(err, errlen, "%s: key %s is not usable", lg->path, nk->id);
    char next[16 + 2 * CW_P256_PUB_LEN + 2], id[37], header[CW_LEDGER_HEADER_MAX];
    int at = snprintf(next, sizeof next, "%s ", nk->id);
    for (int i = 0; i < CW_P256_PUB_LEN; i++)
        at += snprintf(next + at, sizeof next - (size_t)at, "%02x", pub[i]);
    char body[160];
    int bl = snprintf(body, sizeof body, "{\"retired\":\"%s\",\"next\":\"%s\"}",
                      lg->keys->key[lg->cur].id, nk->id);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cw_store_record rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = lg->next_seq;
    rec.ts_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    snprintf(rec.event_type, sizeof rec.event_type, "KEY_ROTATED");
    cw_ledger_uuid(id);
    int hl = cw_ledger_header(header, sizeof header, rec.seq, rec.event_type, id, "", "",
                              rec.ts_ms, lg->keys->key[lg->cur].id, next);
    size_t sl = 0;
    uint8_t *sealed = hl < 0 ? NULL : cw_ledger_seal(lg->body_keys->key[lg->cur],
                                                     (const uint8_t *)header, (size_t)hl,
                                                     body, (size_t)bl, &sl);
    if (!sealed)
        return cw_error(err, errlen, "%s: cannot seal the key rotation", lg->path);
    rec.header = (const uint8_t *)header;
    rec.header_len = (size_t)hl;
    rec.body = sealed;
    rec.body_len = sl;
    cw_ledger_leaf(rec.header, rec.header_len, rec.body, rec.body_len, rec.leaf);
    if (cw_merkle_append(&lg->tree, rec.leaf) != 0) {
        free(sealed);
        return cw_error(err, errlen, "out of memory");
    }
    char note[CW_CHECKPOINT_MAX];
    uint8_t root[32];
    cw_merkle_root(&lg->tree, lg->tree.n, root);
    int rc = cw_checkpoint_sign(lg->signer, lg->key_name, lg->keys->origin, lg->tree.n, root,
                                note, sizeof note) < 0
                 ? cw_error(err, errlen, "%s: cannot sign the hand-over checkpoint", lg->path)
                 : cw_store_ledger_append(lg->store, &rec, 1, lg->tree.n, note, err, errlen);
    free(sealed);
    if (rc != 0)
        return -1;                     /* the caller rolls back and closes */
    cw_log(CW_LOG_INFO, "ledger", "%s: key %s retired at record %llu, now sealing under %s",
           lg->path, lg->keys->key[lg->cur].id, (unsigned long long)rec.seq, nk->id);
    lg->next_seq++;
    lg->checkpoint_size = lg->tree.n;
    memcpy(lg->log_key, nk->id, sizeof lg->log_key);
    return use_key(lg, nk->id) == 0 ? 0 : cw_error(err, errlen, "key %s unusable", nk->id);
}

static void ledger_free(cw_ledger *lg)
{
    cw_p256_free(lg->signer);
    cw_ledger_keys_free(lg->keys);
    cw_body_keys_free(lg->body_keys);
    cw_merkle_free(&lg->tree);
    free(lg);
}

static void free_on_close(uv_handle_t *h)
{
    ledger_free(h->data);
}

int cw_ledger_open(uv_loop_t *loop, const char *path, const cw_ledger_keys *keys,
                   const cw_ledger_opts *opts, cw_ledger **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_ledger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return cw_error(err, errlen, "out of memory");
    lg->loop = loop;
    snprintf(lg->path, sizeof lg->path, "%s", path);
    if (opts)
        lg->opts = *opts;
    lg->opts.window_us = opts ? opts->window_us : 1000;
    lg->opts.max_batch = opts && opts->max_batch ? opts->max_batch : 4096;
    lg->opts.checkpoint_leaves = opts && opts->checkpoint_leaves ? opts->checkpoint_leaves : 1000;
    lg->opts.checkpoint_ms = opts && opts->checkpoint_ms ? opts->checkpoint_ms : 60000;
    cw_merkle_init(&lg->tree);
    cw_ledger_keys *ks = cw_ledger_keys_new();
    if (ks)
        *ks = *keys;
    if (!ks || !keys->n || !keys->origin[0] || take_keys(lg, ks) != 0 ||
        use_key(lg, keys->key[keys->n - 1].id) != 0) {
        ledger_free(lg);
        return cw_error(err, errlen, "%s: the ledger's keys or origin are not usable", path);
    }
    if (cw_store_ledger_open(path, &lg->store, err, errlen) != 0) {
        ledger_free(lg);
        return -1;
    }
    /* the log names an older key of the ring: hand over to the newest one, under the
     * write lock so that nobody appends between reading the log and the hand-over */
    const char *newest = lg->keys->key[lg->keys->n - 1].id;
    int rc = cw_store_ledger_begin(lg->store, err, errlen);
    if (rc == 0)
        rc = read_new_records(lg, err, errlen);
    if (rc == 0)
        rc = keys_match(lg, err, errlen);
    if (rc == 0 && lg->log_key[0] && strcmp(lg->log_key, newest) != 0) {
        if (use_key(lg, lg->log_key) != 0)
            rc = cw_error(err, errlen, "%s: the log is sealed under key %s, which the key "
                          "file does not hold", path, lg->log_key);
        else
            rc = rotate(lg, err, errlen);
    }
    if (rc == 0)
        rc = cw_store_ledger_commit(lg->store, err, errlen);
    else
        cw_store_ledger_rollback(lg->store);
    if (rc != 0) {
        cw_store_close(lg->store);
        ledger_free(lg);
        return -1;
    }
    if (!lg->checkpoint_size)
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
    if (!ev->event_type || !ev->event_type[0] || strcmp(ev->event_type, "KEY_ROTATED") == 0 ||
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
    r->t0_ns = uv_hrtime();
    pthread_mutex_lock(&lg->lock);
    push(&lg->queue, &lg->queue_tail, r);
    lg->queued++;
    pthread_cond_signal(&lg->wake);
    pthread_mutex_unlock(&lg->lock);
    return 0;
}

int cw_ledger_checkpoint(cw_ledger *lg, cw_ledger_checkpoint_cb cb, void *ud)
{
    if (lg->closing)
        return -1;
    request *r = calloc(1, sizeof *r);
    if (!r || !(r->note = malloc(CW_CHECKPOINT_MAX))) {
        free(r);
        return -1;
    }
    r->note[0] = 0;
    r->checkpoint_cb = cb;
    r->ud = ud;
    pthread_mutex_lock(&lg->lock);
    push(&lg->signing, &lg->signing_tail, r);
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
