/* ledger_load.c  Drives the ledger writer (runtime/ledger) for the durability test and
 * make bench.
 *
 *   ledger_load append DB INFLIGHT SECONDS   append with INFLIGHT outstanding for at
 *       most SECONDS; print "ack SEQ ID" (unbuffered) for each callback, i.e. for each
 *       record the ledger said is durable. Meant to be killed with SIGKILL.
 *   ledger_load verify DB ACKS               every acknowledged record of ACKS (the
 *       lines printed by append, possibly cut short) must be in DB with its body; the
 *       sequence must have no holes. Exit 1 naming the first that is not.
 *   ledger_load fill DATA TENANT COUNT        append COUNT records to the tenant's
 *       ledger (DATA/TENANT/consent.db) with its key file, for the audit CLI test;
 *       record i (from 0) belongs to consent 00000000-0000-4000-8000-<i / 100, 12 digits>.
 *       fill DATA TENANT COUNT INFLIGHT keeps at most INFLIGHT outstanding (1: one by
 *       one, slow, to overlap other processes appending to the same file); the key ring
 *       is reloaded from the key file when another process rotated the key.
 *   ledger_load sql DB STATEMENT              run one SQL statement on DB (an attacker).
 *   ledger_load forge DATA TENANT KEYID SIZE   sign a checkpoint of the first SIZE
 *       records with key KEYID of the ring and store it: a retired key's signature.
 *   ledger_load flip DB SEQ                   flip one bit of record SEQ's body, as an
 *       attacker with write access to the file would.
 *   ledger_load bench DB                      durable appends/s one by one and grouped,
 *       append -> callback latency p50/p99 under grouped load; key=value lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include <sqlite3.h>

#include "callwarden/checkpoint.h"
#include "callwarden/keyfile.h"
#include "callwarden/ledger.h"
#include "callwarden/merkle.h"
#include "callwarden/store.h"

/* a fixed key: this tool tests durability, not secrecy */
static const cw_ledger_keys test_key = {
    .origin = "callwarden/load/ledger",
    .n = 1,
    .key = { {
    .id = "load",
    .bytes = { 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
               0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
               0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42 },
    .sign = { 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,
              0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,
              0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24 },
    } },
};

typedef struct load {
    uv_loop_t *loop;
    cw_ledger *lg;
    uint64_t next_id, acked, inflight, max_inflight;
    uint64_t stop_ns;
    int stopping;
    uint64_t *lat_ns;               /* bench: latencies, by id */
    uint64_t *sent_ns;
    size_t lat_cap, nlat;
    int print;
    int with_consent;               /* fill: record i belongs to consent i / 100 */
    uint64_t limit;                 /* fill: append this many in all (0: no limit) */
} load;

static void append_one(load *ld);

/* Per-append context: the load and the id. */
typedef struct ctx {
    load *ld;
    uint64_t id;
} ctx;

static void on_ack(void *ud, int ok, uint64_t seq, const char *err)
{
    ctx *c = ud;
    load *ld = c->ld;
    ld->inflight--;
    if (!ok) {
        fprintf(stderr, "ledger_load: append %" PRIu64 " failed: %s\n", c->id, err);
        exit(1);
    }
    ld->acked++;
    if (ld->sent_ns && ld->nlat < ld->lat_cap)
        ld->lat_ns[ld->nlat++] = uv_hrtime() - ld->sent_ns[c->id % ld->lat_cap];
    if (ld->print) {
        char line[64];
        int n = snprintf(line, sizeof line, "ack %" PRIu64 " %" PRIu64 "\n", seq, c->id);
        if (write(1, line, (size_t)n) != n)
            exit(1);
    }
    free(c);
    if (!ld->stopping && (uv_hrtime() >= ld->stop_ns || (ld->limit && ld->next_id >= ld->limit)))
        ld->stopping = 1;
    while (!ld->stopping && ld->inflight < ld->max_inflight)
        append_one(ld);
    if (ld->stopping && ld->inflight == 0)
        uv_stop(ld->loop);
}

static void append_one(load *ld)
{
    ctx *c = malloc(sizeof *c);
    c->ld = ld;
    c->id = ld->next_id++;
    char body[64], consent[48] = "";
    int bl = snprintf(body, sizeof body, "record %" PRIu64, c->id);
    if (ld->with_consent)
        snprintf(consent, sizeof consent, "00000000-0000-4000-8000-%012" PRIu64,
                 (uint64_t)((c->id / 100) % 1000000000000u));
    cw_ledger_event ev = { .ts_ms = (int64_t)(uv_hrtime() / 1000000), .event_type = "GIVEN",
                           .consent_id = consent, .body = body, .body_len = (size_t)bl };
    if (ld->sent_ns)
        ld->sent_ns[c->id % ld->lat_cap] = uv_hrtime();
    if (cw_ledger_append(ld->lg, &ev, on_ack, c) != 0) {
        fprintf(stderr, "ledger_load: append refused\n");
        exit(1);
    }
    ld->inflight++;
}

/* Run appends with max_inflight outstanding for seconds; returns the acked count. */
static uint64_t run(load *ld, uint64_t max_inflight, double seconds)
{
    ld->max_inflight = max_inflight;
    ld->stopping = 0;
    ld->acked = 0;
    ld->stop_ns = uv_hrtime() + (uint64_t)(seconds * 1e9);
    for (uint64_t i = 0; i < max_inflight; i++)
        append_one(ld);
    uv_run(ld->loop, UV_RUN_DEFAULT);
    return ld->acked;
}

/* Paced: per_ms appends every millisecond for seconds (a steady stream such as many
 * calls' consent events), outstanding ones unbounded. */
typedef struct pace {
    load *ld;
    uv_timer_t timer;
    unsigned per_ms;
    uint64_t until_ns;
} pace;

static void pace_tick(uv_timer_t *t)
{
    pace *p = t->data;
    if (uv_hrtime() >= p->until_ns) {
        uv_timer_stop(t);
        p->ld->stopping = 1;
        if (p->ld->inflight == 0)
            uv_stop(p->ld->loop);
        return;
    }
    for (unsigned i = 0; i < p->per_ms; i++)
        append_one(p->ld);
}

static uint64_t run_paced(load *ld, unsigned per_ms, double seconds)
{
    pace p = { .ld = ld, .per_ms = per_ms };
    p.until_ns = uv_hrtime() + (uint64_t)(seconds * 1e9);
    ld->max_inflight = 0;            /* on_ack appends nothing more */
    ld->stopping = 0;
    ld->acked = 0;
    ld->stop_ns = p.until_ns + 60ull * 1000000000;
    uv_timer_init(ld->loop, &p.timer);
    p.timer.data = &p;
    uv_timer_start(&p.timer, pace_tick, 1, 1);
    uv_run(ld->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&p.timer, NULL);
    uv_run(ld->loop, UV_RUN_NOWAIT);
    return ld->acked;
}

static void closed(void *ud)
{
    (void)ud;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)(p * (double)n);
    return (double)v[i >= n ? n - 1 : i] / 1e6;
}

static int open_load(load *ld, uv_loop_t *loop, const char *db, unsigned window_us)
{
    char err[512];
    memset(ld, 0, sizeof *ld);
    ld->loop = loop;
    cw_ledger_opts o = { .window_us = window_us, .max_batch = 4096 };
    if (cw_ledger_open(loop, db, &test_key, &o, &ld->lg, err, sizeof err) != 0) {
        fprintf(stderr, "ledger_load: %s\n", err);
        return -1;
    }
    return 0;
}

static void close_load(load *ld)
{
    cw_ledger_close(ld->lg, closed, NULL);
    uv_run(ld->loop, UV_RUN_DEFAULT);
}

/* ---- verify --------------------------------------------------------------------- */

typedef struct seen {
    uint64_t *ids;                 /* by seq: 1 + the record's id, 0 if absent */
    uint64_t cap, last, holes;
} seen;

static int collect(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                   size_t len)
{
    seen *s = ud;
    (void)event_type;
    if (seq >= s->cap) {
        uint64_t ncap = (seq + 1) * 2;
        s->ids = realloc(s->ids, ncap * sizeof *s->ids);
        memset(s->ids + s->cap, 0, (ncap - s->cap) * sizeof *s->ids);
        s->cap = ncap;
    }
    char text[64];
    uint64_t id;
    if (body && len < sizeof text) {
        memcpy(text, body, len);
        text[len] = 0;
        if (sscanf(text, "record %" SCNu64, &id) == 1)
            s->ids[seq] = id + 1;
    }
    if (seq != s->last + 1)
        s->holes++;
    s->last = seq;
    return 0;
}

static int verify(const char *db, const char *acks)
{
    char err[512];
    seen s = { 0 };
    if (cw_ledger_read(db, &test_key, collect, &s, err, sizeof err) != 0) {
        fprintf(stderr, "verify: %s\n", err);
        return 1;
    }
    uint64_t size;
    uint8_t root[32];
    int problems = cw_ledger_verify(db, &test_key, NULL, NULL, &size, root, err, sizeof err);
    if (problems != 0) {
        fprintf(stderr, "verify: %d problems (%s)\n", problems, problems < 0 ? err : "");
        return 1;
    }
    FILE *f = fopen(acks, "r");
    if (!f) {
        perror(acks);
        return 1;
    }
    uint64_t seq, id, n = 0;
    int rc = 0;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n'))
            break;                 /* the last line, cut by the kill: not acknowledged */
        if (sscanf(line, "ack %" SCNu64 " %" SCNu64, &seq, &id) != 2)
            continue;
        n++;
        if (seq >= s.cap || s.ids[seq] != id + 1) {
            fprintf(stderr, "verify: acknowledged record seq=%" PRIu64 " id=%" PRIu64
                    " is not in the ledger\n", seq, id);
            rc = 1;
            break;
        }
    }
    fclose(f);
    printf("acknowledged=%" PRIu64 " in_ledger=%" PRIu64 " holes=%" PRIu64 "\n", n, s.last,
           s.holes);
    free(s.ids);
    return rc || s.holes ? 1 : 0;
}

static const char *fill_data, *fill_tenant;

static int reload_ring(void *ud, cw_ledger_keys *out)
{
    char err[512];
    (void)ud;
    if (cw_keyfile_load(fill_data, fill_tenant, out, err, sizeof err) != 0) {
        fprintf(stderr, "ledger_load: %s\n", err);
        return -1;
    }
    return 0;
}

static int add_tree_leaf(void *ud, const cw_store_record *r)
{
    return cw_merkle_append(ud, r->leaf) != 0;
}

/* forge DATA TENANT KEYID SIZE */
static int forge(const char *data, const char *tenant, const char *id, uint64_t size)
{
    char err[512], db[1200], name[256], note[CW_CHECKPOINT_MAX];
    cw_ledger_keys *k = cw_ledger_keys_new();
    if (!k || cw_keyfile_load(data, tenant, k, err, sizeof err) != 0) {
        fprintf(stderr, "ledger_load: %s\n", k ? err : "out of memory");
        return 1;
    }
    const cw_ledger_key *key = NULL;
    for (unsigned i = 0; i < k->n; i++)
        if (strcmp(k->key[i].id, id) == 0)
            key = &k->key[i];
    cw_p256_key *signer = key ? cw_p256_from_private(key->sign) : NULL;
    snprintf(db, sizeof db, "%s/%s/consent.db", data, tenant);
    snprintf(name, sizeof name, "%s-%s", k->origin, id);
    cw_store *s = NULL;
    cw_merkle tree;
    cw_merkle_init(&tree);
    uint8_t root[32];
    int rc = signer && cw_store_ledger_open(db, &s, err, sizeof err) == 0 &&
             cw_store_ledger_scan(s, 1, add_tree_leaf, &tree, err, sizeof err) == 0 &&
             cw_merkle_root(&tree, size, root) == 0 &&
             cw_checkpoint_sign(signer, name, k->origin, size, root, note, sizeof note) > 0 &&
             cw_store_checkpoint_put(s, size, note, err, sizeof err) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "ledger_load: cannot forge a checkpoint of %s by %s\n", db, id);
    cw_store_close(s);
    cw_merkle_free(&tree);
    cw_p256_free(signer);
    cw_ledger_keys_free(k);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "forge") == 0)
        return forge(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
    if (argc >= 5 && strcmp(argv[1], "append") == 0) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        load ld;
        if (open_load(&ld, &loop, argv[2], 1000) != 0)
            return 1;
        ld.print = 1;
        run(&ld, strtoull(argv[3], NULL, 10), atof(argv[4]));
        close_load(&ld);
        uv_loop_close(&loop);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "fill") == 0) {
        char err[512], db[1200];
        cw_ledger_keys *k = cw_ledger_keys_new();
        fill_data = argv[2];
        fill_tenant = argv[3];
        if (!k || cw_keyfile_load(argv[2], argv[3], k, err, sizeof err) != 0) {
            fprintf(stderr, "ledger_load: %s\n", err);
            return 1;
        }
        snprintf(db, sizeof db, "%s/%s/consent.db", argv[2], argv[3]);
        uv_loop_t loop;
        uv_loop_init(&loop);
        load ld;
        memset(&ld, 0, sizeof ld);
        ld.loop = &loop;
        cw_ledger_opts o = { .window_us = 1000, .reload_keys = reload_ring };
        int rc = cw_ledger_open(&loop, db, k, &o, &ld.lg, err, sizeof err);
        cw_ledger_keys_free(k);
        if (rc != 0) {
            fprintf(stderr, "ledger_load: %s\n", err);
            return 1;
        }
        uint64_t count = strtoull(argv[4], NULL, 10);
        uint64_t inflight = argc >= 6 ? strtoull(argv[5], NULL, 10) : count;
        ld.with_consent = 1;
        ld.max_inflight = inflight ? inflight : 1;
        ld.limit = count;
        ld.stop_ns = UINT64_MAX;
        for (uint64_t i = 0; i < ld.max_inflight && i < count; i++)
            append_one(&ld);
        if (ld.next_id >= count)
            ld.stopping = 1;
        uv_run(&loop, UV_RUN_DEFAULT);
        close_load(&ld);
        uv_loop_close(&loop);
        return ld.acked == count ? 0 : 1;
    }
    if (argc >= 4 && strcmp(argv[1], "flip") == 0) {
        sqlite3 *dbh;
        sqlite3_stmt *st;
        int rc = 1;
        uint8_t body[4096];
        int n = 0;
        if (sqlite3_open(argv[2], &dbh) == SQLITE_OK &&
            sqlite3_prepare_v2(dbh, "SELECT body FROM ledger WHERE seq = ?", -1, &st, NULL) ==
                SQLITE_OK) {
            sqlite3_bind_int64(st, 1, atoll(argv[3]));
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 20 &&
                sqlite3_column_bytes(st, 0) <= (int)sizeof body) {
                n = sqlite3_column_bytes(st, 0);
                memcpy(body, sqlite3_column_blob(st, 0), (size_t)n);
            }
            sqlite3_finalize(st);
        }
        if (n > 20 && sqlite3_prepare_v2(dbh, "UPDATE ledger SET body = ? WHERE seq = ?", -1,
                                         &st, NULL) == SQLITE_OK) {
            body[20] ^= 1;
            sqlite3_bind_blob(st, 1, body, n, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, atoll(argv[3]));
            rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(dbh) == 1 ? 0 : 1;
            sqlite3_finalize(st);
        }
        if (rc)
            fprintf(stderr, "ledger_load: cannot flip record %s of %s\n", argv[3], argv[2]);
        sqlite3_close(dbh);
        return rc;
    }
    if (argc >= 4 && strcmp(argv[1], "sql") == 0) {
        sqlite3 *dbh;
        int rc = sqlite3_open(argv[2], &dbh) == SQLITE_OK &&
                 sqlite3_exec(dbh, argv[3], NULL, NULL, NULL) == SQLITE_OK ? 0 : 1;
        if (rc)
            fprintf(stderr, "ledger_load: %s: %s\n", argv[2], sqlite3_errmsg(dbh));
        sqlite3_close(dbh);
        return rc;
    }
    if (argc >= 4 && strcmp(argv[1], "verify") == 0)
        return verify(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "bench") == 0) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        load ld;
        if (open_load(&ld, &loop, argv[2], 1000) != 0)
            return 1;
        double t0 = (double)uv_hrtime() / 1e9;
        uint64_t one = run(&ld, 1, 3.0);
        double one_s = (double)uv_hrtime() / 1e9 - t0;
        ld.lat_cap = 1 << 22;
        ld.lat_ns = calloc(ld.lat_cap, sizeof *ld.lat_ns);
        ld.sent_ns = calloc(ld.lat_cap, sizeof *ld.sent_ns);
        t0 = (double)uv_hrtime() / 1e9;
        uint64_t grouped = run(&ld, 4000, 5.0);
        double grouped_s = (double)uv_hrtime() / 1e9 - t0;
        cw_ledger_stats stats = cw_ledger_get_stats(ld.lg);
        double g50 = pct(ld.lat_ns, ld.nlat, 0.5), g99 = pct(ld.lat_ns, ld.nlat, 0.99);
        ld.nlat = 0;
        uint64_t paced = run_paced(&ld, 2, 3.0);
        printf("one_by_one_per_s=%.0f grouped_per_s=%.0f inflight=4000 batches=%" PRIu64
               " max_batch=%" PRIu64 " grouped_latency_p50_ms=%.2f grouped_latency_p99_ms=%.2f"
               " paced_per_s=%.0f paced_latency_p50_ms=%.2f"
               " paced_latency_p99_ms=%.2f\n",
               (double)one / one_s, (double)grouped / grouped_s, stats.batches,
               stats.max_batch, g50, g99, (double)paced / 3.0, pct(ld.lat_ns, ld.nlat, 0.5),
               pct(ld.lat_ns, ld.nlat, 0.99));
        free(ld.lat_ns);
        free(ld.sent_ns);
        close_load(&ld);
        uv_loop_close(&loop);
        return 0;
    }
    fprintf(stderr, "usage: ledger_load append DB INFLIGHT SECONDS | verify DB ACKS | bench DB\n");
    return 2;
}
