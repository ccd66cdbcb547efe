/* test_ledger.c  The ledger writer and its SQLite store: callbacks only after COMMIT,
 * in append order, exactly once (also at close); group commit; what a reopened file
 * holds; refusals that change nothing (a file that is no ledger, fields too long). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callwarden/ledger.h"
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

static void append(cw_ledger *lg, size_t i)
{
    char header[32], body[32];
    int hl = snprintf(header, sizeof header, "h%zu", i);
    int bl = snprintf(body, sizeof body, "body of %zu", i);
    cw_ledger_event ev = { .ts_ms = 1700000000000 + (int64_t)i, .event_type = "GIVEN",
                           .consent_id = "4f1c2a7e-0000-4000-8000-000000000001",
                           .header = header, .header_len = (size_t)hl, .body = body,
                           .body_len = (size_t)bl };
    CHECK_EQ_INT(cw_ledger_append(lg, &ev, on_ack, (void *)(uintptr_t)i), 0);
}

static size_t scanned;

static int check_row(void *ud, const cw_store_record *r)
{
    (void)ud;
    char want[32];
    snprintf(want, sizeof want, "body of %" PRIu64, r->seq - 1);
    CHECK(r->body_len == strlen(want) && memcmp(r->body, want, r->body_len) == 0);
    CHECK_STR(r->event_type, "GIVEN");
    CHECK_EQ_INT(r->ts_ms, 1700000000000 + (int64_t)(r->seq - 1));
    scanned++;
    return 0;
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
    CHECK_EQ_INT(cw_ledger_open(&loop, path, NULL, &lg, err, sizeof err), 0);
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

    /* close commits what is queued and runs every callback before done */
    for (size_t i = N; i < N + 100; i++)
        append(lg, i);
    cw_ledger_close(lg, on_closed, NULL);
    CHECK_EQ_INT(g.n, N + 100);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(g.closed, 1);
    CHECK_EQ_INT(g.seq[N + 99], N + 100);

    /* the file holds every record, in order */
    cw_store *s;
    CHECK_EQ_INT(cw_store_ledger_open(path, &s, err, sizeof err), 0);
    CHECK_EQ_INT(cw_store_ledger_last_seq(s), N + 100);
    CHECK_EQ_INT(cw_store_ledger_scan(s, 1, check_row, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(scanned, N + 100);
    cw_store_close(s);

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
    CHECK_EQ_INT(cw_ledger_open(&loop, "/nonexistent/dir/consent.db", NULL, &lg, err,
                                sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/dir/consent.db") != NULL);

    uv_loop_close(&loop);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("ledger");
}
