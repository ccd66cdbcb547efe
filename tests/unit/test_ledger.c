#define _GNU_SOURCE                  /* memmem */
/* test_ledger.c  The ledger writer and its SQLite store: callbacks only after COMMIT,
 * in append order, exactly once (also at close); group commit; sealed records that
 * verify, and tampering of every kind that verify names (G4); refusals that change
 * nothing (a file that is no ledger, bad fields). The tampering uses SQLite directly:
 * it plays the attacker with write access to the file. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "callwarden/checkpoint.h"
#include "callwarden/crypto.h"
#include "callwarden/ledger.h"
#include "callwarden/merkle.h"
#include "callwarden/store.h"
#include "check.h"

#define N 5000

typedef struct got {
    uint64_t seq[N + 200];
    int ok[N + 200];
    size_t n;
    int closed;
} got;

static got g;

static void on_ack(void *ud, int ok, uint64_t seq, const char *err)
{
    size_t i = (size_t)(uintptr_t)ud;
    (void)err;
    CHECK(i == g.n);                    /* in append order */
    g.seq[g.n] = seq;
    g.ok[g.n] = ok;
    g.n++;
}

static void on_closed(void *ud)
{
    (void)ud;
    g.closed = 1;
}

static cw_ledger_keys key = { .origin = "callwarden/test/ledger", .n = 1,
                              .key = { { .id = "k1" } } };

static void append(cw_ledger *lg, size_t i)
{
    char body[64];
    int bl = snprintf(body, sizeof body, "{\"caller\":\"+49301234%zu\",\"digit\":\"1\"}", i);
    cw_ledger_event ev = { .ts_ms = 1700000000000 + (int64_t)i, .event_type = "GIVEN",
                           .consent_id = "4f1c2a7e-0000-4000-8000-000000000001",
                           .body = body, .body_len = (size_t)bl };
    CHECK_EQ_INT(cw_ledger_append(lg, &ev, on_ack, (void *)(uintptr_t)i), 0);
}

/* ---- verify and tampering ------------------------------------------------------- */

static uint64_t problem_seq[64];
static int nproblems;

static void on_problem(void *ud, uint64_t seq, const char *what)
{
    (void)ud;
    (void)what;
    if (nproblems < 64)
        problem_seq[nproblems] = seq;
    nproblems++;
}

static int verify(const char *path, const cw_ledger_keys *k)
{
    char err[512];
    uint64_t size;
    uint8_t root[32];
    nproblems = 0;
    int n = cw_ledger_verify(path, k, on_problem, NULL, &size, root, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "verify: %s\n", err);
    return n;
}

/* Run sql (with one blob parameter, if blob) on the file, as an attacker would. */
static void tamper(const char *path, const char *sql, const void *blob, int len)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (blob)
        sqlite3_bind_blob(st, 1, blob, len, SQLITE_TRANSIENT);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A column of one record, as the attacker reads it. */
static int read_blob(const char *path, const char *col, int seq, uint8_t *out, int cap)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM ledger WHERE seq = %d", col, seq);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int n = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_bytes(st, 0);
        if (n > cap)
            n = cap;
        memcpy(out, sqlite3_column_blob(st, 0), (size_t)n);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Flip one bit of column col of record seq; verify must name that record alone. */
static void flip_and_verify(const char *path, const char *col, int seq, int byte)
{
    uint8_t v[1024];
    int n = read_blob(path, col, seq, v, sizeof v);
    CHECK(n > byte);
    v[byte] ^= 0x01;
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE ledger SET %s = ? WHERE seq = %d", col, seq);
    tamper(path, sql, v, n);
    int found = verify(path, &key);
    CHECK(found >= 1);
    for (int i = 0; i < nproblems && i < 64; i++)
        CHECK_EQ_INT(problem_seq[i], seq);
    v[byte] ^= 0x01;                   /* put it back: verify passes again */
    tamper(path, sql, v, n);
    CHECK_EQ_INT(verify(path, &key), 0);
}

static int nsigned;
static uint64_t signed_size;
static char signed_note[CW_CHECKPOINT_MAX];

static void on_signed(void *ud, uint64_t size, const char *note, const char *err)
{
    (void)ud;
    CHECK(note != NULL && err == NULL);
    if (note)
        snprintf(signed_note, sizeof signed_note, "%s", note);
    signed_size = size;
    nsigned++;
}

static uint64_t *cp_sizes;
static int cp_count;

static int count_cp(void *ud, uint64_t size, const char *note)
{
    (void)ud;
    (void)note;
    if (cp_count < 64)
        cp_sizes[cp_count] = size;
    cp_count++;
    return 0;
}

static int plain_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return memmem(buf, n, needle, strlen(needle)) != NULL;
}

int main(void)
{
    char dir[] = "/tmp/cw_ledger_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/consent.db", dir);

    uv_loop_t loop;
    uv_loop_init(&loop);
    cw_ledger *lg;
    memset(key.key[0].bytes, 0x5a, sizeof key.key[0].bytes);
    cw_p256_key *signer = cw_p256_generate();
    cw_p256_private(signer, key.key[0].sign);
    cw_p256_free(signer);
    cw_ledger_opts opts = { .window_us = 1000, .checkpoint_leaves = 1000 };
    CHECK_EQ_INT(cw_ledger_open(&loop, path, &key, &opts, &lg, err, sizeof err), 0);
    for (size_t i = 0; i < N; i++)
        append(lg, i);
    CHECK_EQ_INT(g.n, 0);               /* nothing is acknowledged before its commit ran */
    while (g.n < N)
        uv_run(&loop, UV_RUN_ONCE);
    for (size_t i = 0; i < N; i++) {
        CHECK_EQ_INT(g.ok[i], 1);
        CHECK_EQ_INT(g.seq[i], i + 1);
    }
    cw_ledger_stats st = cw_ledger_get_stats(lg);
    CHECK_EQ_INT(st.appended, N);
    CHECK(st.batches < N / 10);         /* grouped: far fewer commits than records */

    /* refused: fields too long; nothing queued, no callback */
    char long_type[64];
    memset(long_type, 'X', sizeof long_type - 1);
    long_type[63] = 0;
    cw_ledger_event bad = { .event_type = long_type };
    CHECK_EQ_INT(cw_ledger_append(lg, &bad, on_ack, NULL), -1);
    cw_ledger_event bad2 = { .event_type = "GIVEN\nseq 1" };   /* no header injection */
    CHECK_EQ_INT(cw_ledger_append(lg, &bad2, on_ack, NULL), -1);
    cw_ledger_event bad3 = { .event_type = "GIVEN", .consent_id = "a\nseq 1" };
    CHECK_EQ_INT(cw_ledger_append(lg, &bad3, on_ack, NULL), -1);
    uint64_t head_size;
    uint8_t head_root[32];
    cw_ledger_head(lg, &head_size, head_root);
    CHECK_EQ_INT(head_size, N);

    /* close commits what is queued and runs every callback before done */
    for (size_t i = N; i < N + 100; i++)
        append(lg, i);
    cw_ledger_close(lg, on_closed, NULL);
    CHECK_EQ_INT(g.n, N + 100);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(g.closed, 1);
    CHECK_EQ_INT(g.seq[N + 99], N + 100);

    /* the file holds every record, sealed: it verifies, its tree head is the writer's,
     * and no body is in the file in clear */
    cw_store *s;
    CHECK_EQ_INT(cw_store_ledger_open(path, &s, err, sizeof err), 0);
    CHECK_EQ_INT(cw_store_ledger_last_seq(s), N + 100);
    cw_store_close(s);
    uint64_t vsize;
    uint8_t vroot[32];
    CHECK_EQ_INT(cw_ledger_verify(path, &key, on_problem, NULL, &vsize, vroot, err,
                                  sizeof err), 0);
    CHECK_EQ_INT(vsize, N + 100);
    CHECK(!plain_in_file(path, "+493012341234"));
    char walpath[300];
    snprintf(walpath, sizeof walpath, "%s-wal", path);
    CHECK(!plain_in_file(walpath, "+493012341234"));

    /* reopened, the writer goes on where the file ends, with the same tree */
    CHECK_EQ_INT(cw_ledger_open(&loop, path, &key, NULL, &lg, err, sizeof err), 0);
    cw_ledger_head(lg, &head_size, head_root);
    CHECK_EQ_INT(head_size, N + 100);
    CHECK(memcmp(head_root, vroot, 32) == 0);
    append(lg, N + 100);
    /* a checkpoint on request covers what was appended before it, at once */
    CHECK_EQ_INT(cw_ledger_checkpoint(lg, on_signed, NULL), 0);
    CHECK_EQ_INT(cw_ledger_checkpoint(lg, on_signed, NULL), 0);
    while (g.n < N + 101 || nsigned < 2)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_EQ_INT(g.seq[N + 100], N + 101);
    CHECK_EQ_INT(signed_size, N + 101);
    CHECK(strstr(signed_note, "callwarden/test/ledger\n5101\n") == signed_note);
    {
        uint8_t pub[CW_P256_PUB_LEN], croot[32];
        uint64_t csize = 0;
        char origin[96], why[128];
        cw_p256_key *k = cw_p256_from_private(key.key[0].sign);
        cw_p256_public(k, pub);
        cw_p256_free(k);
        CHECK_EQ_INT(cw_checkpoint_verify(signed_note, "callwarden/test/ledger-k1", pub, origin,
                                          sizeof origin, &csize, croot, why, sizeof why), 1);
        CHECK_EQ_INT(csize, N + 101);
    }
    g.closed = 0;
    cw_ledger_close(lg, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(verify(path, &key), 0);

    /* checkpoints were signed as the log grew (every 1000 records) and at close */
    CHECK_EQ_INT(cw_store_ledger_open(path, &s, err, sizeof err), 0);
    uint64_t cps[64];
    cp_count = 0;
    cp_sizes = cps;
    CHECK_EQ_INT(cw_store_checkpoint_scan(s, count_cp, NULL, err, sizeof err), 0);
    cw_store_close(s);
    CHECK(cp_count >= 3);              /* after each 1000 records or more, and at close */
    CHECK_EQ_INT(cps[cp_count - 1], N + 101);
    for (int i = 1; i < cp_count && i < 64; i++)
        CHECK(cps[i] > cps[i - 1]);

    /* a forged checkpoint (another log's name in it): its signature fails */
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE checkpoints SET note = replace(note, 'test/ledger\n', "
             "'evil/ledger\n') WHERE size = %llu", (unsigned long long)cps[0]);
    tamper(path, sql, NULL, 0);
    CHECK_EQ_INT(verify(path, &key), 1);
    CHECK_EQ_INT(problem_seq[0], cps[0]);
    snprintf(sql, sizeof sql, "UPDATE checkpoints SET note = replace(note, 'evil/ledger\n', "
             "'test/ledger\n') WHERE size = %llu", (unsigned long long)cps[0]);
    tamper(path, sql, NULL, 0);
    CHECK_EQ_INT(verify(path, &key), 0);

    /* a cut-off tail (on a copy): every checkpoint beyond it says records are missing */
    char copy[300], cpcmd[2048];
    snprintf(copy, sizeof copy, "%s/copy.db", dir);
    snprintf(cpcmd, sizeof cpcmd, "cp %s %s && { [ ! -e %s-wal ] || cp %s-wal %s-wal; }", path,
             copy, path, path, copy);
    CHECK_EQ_INT(system(cpcmd), 0);
    tamper(copy, "DELETE FROM ledger WHERE seq > 5090", NULL, 0);
    int beyond = 0;
    for (int i = 0; i < cp_count && i < 64; i++)
        beyond += cps[i] > 5090;
    CHECK(beyond >= 1);
    CHECK_EQ_INT(verify(copy, &key), beyond);
    CHECK_EQ_INT(problem_seq[beyond - 1], N + 101);

    /* a changed record fails its own checks and every checkpoint that covers it */
    uint8_t b[1024];
    int bl = read_blob(path, "body", 3000, b, sizeof b);
    b[20] ^= 1;
    tamper(path, "UPDATE ledger SET body = ? WHERE seq = 3000", b, bl);
    int covering = 0;
    for (int i = 0; i < cp_count && i < 64; i++)
        covering += cps[i] >= 3000;
    CHECK_EQ_INT(verify(path, &key), 2 + covering);   /* leaf and body, then checkpoints */
    CHECK_EQ_INT(problem_seq[0], 3000);
    b[20] ^= 1;
    tamper(path, "UPDATE ledger SET body = ? WHERE seq = 3000", b, bl);
    CHECK_EQ_INT(verify(path, &key), 0);

    /* the record-level checks below are exact without checkpoints in the way */
    tamper(path, "DELETE FROM checkpoints", NULL, 0);

    /* tampering, each named by the record it hit */
    flip_and_verify(path, "body", 7, 20);       /* a ciphertext byte */
    flip_and_verify(path, "body", 8, 2);        /* the nonce */
    flip_and_verify(path, "header", 9, 30);     /* the clear header */
    flip_and_verify(path, "leaf", 10, 0);       /* the stored leaf */
    tamper(path, "UPDATE ledger SET event_type = 'REFUSED' WHERE seq = 11", NULL, 0);
    CHECK_EQ_INT(verify(path, &key), 1);
    CHECK_EQ_INT(problem_seq[0], 11);
    tamper(path, "UPDATE ledger SET event_type = 'GIVEN' WHERE seq = 11", NULL, 0);
    /* a record moved into another's place: swap 12 and 13 */
    tamper(path, "UPDATE ledger SET seq = -1 WHERE seq = 12", NULL, 0);
    tamper(path, "UPDATE ledger SET seq = 12 WHERE seq = 13", NULL, 0);
    tamper(path, "UPDATE ledger SET seq = 13 WHERE seq = -1", NULL, 0);
    CHECK_EQ_INT(verify(path, &key), 2);
    CHECK_EQ_INT(problem_seq[0], 12);
    CHECK_EQ_INT(problem_seq[1], 13);
    /* a deleted record */
    tamper(path, "DELETE FROM ledger WHERE seq = 20", NULL, 0);
    CHECK(verify(path, &key) >= 3);
    /* the writer refuses a file with a hole rather than write on */
    CHECK_EQ_INT(cw_ledger_open(&loop, path, &key, NULL, &lg, err, sizeof err), -1);
    CHECK(strstr(err, "hole after record 19") != NULL);
    /* another key: every record fails to authenticate */
    cw_ledger_keys wrong = key;
    wrong.key[0].bytes[0] ^= 1;
    CHECK(verify(path, &wrong) >= N);

    /* a file that is no ledger is refused and left as it was */
    char other[256];
    snprintf(other, sizeof other, "%s/notes.txt", dir);
    FILE *f = fopen(other, "w");
    fputs("these are not consent records\n", f);
    fclose(f);
    CHECK_EQ_INT(cw_store_ledger_open(other, &s, err, sizeof err), -1);
    CHECK(strstr(err, "notes.txt") != NULL);
    f = fopen(other, "r");
    char back[64] = "";
    CHECK(fgets(back, sizeof back, f) != NULL);
    fclose(f);
    CHECK_STR(back, "these are not consent records\n");

    /* a directory that does not exist */
    CHECK_EQ_INT(cw_ledger_open(&loop, "/nonexistent/dir/consent.db", &key, NULL, &lg, err,
                                sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/dir/consent.db") != NULL);

    uv_loop_close(&loop);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("ledger");
}
