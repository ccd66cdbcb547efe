/* sqlite_outbox.c  The webhook outbox (store_outbox.h) in outbox.db beside the tenant's
 * ledger: a row per ledger record to post, and the position the scan has reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/error.h"
#include "callwarden/store_outbox.h"
#include "sqlite_int.h"

#define SCHEMA_VERSION 1

struct cw_store_outbox {
    sqlite3 *db;
    char path[1024];
};

static const char schema[] =
    "CREATE TABLE deliveries ("
    "  seq INTEGER PRIMARY KEY NOT NULL CHECK (seq > 0),"   /* the ledger position */
    "  event TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER,"
    "  last_error TEXT);"
    "CREATE INDEX deliveries_due ON deliveries (next_ms) WHERE delivered_ms IS NULL;"
    "CREATE TABLE scan (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);"
    "INSERT INTO scan VALUES (1, 0);";

int cw_store_outbox_open(const char *path, cw_store_outbox **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_store_outbox *s = calloc(1, sizeof *s);
    if (!s)
        return cw_error(err, errlen, "%s: out of memory", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (cw_sq_open_marked(path, CW_SQ_OUTBOX_APP_ID, SCHEMA_VERSION, NULL, schema, &s->db, err,
                          errlen) != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void cw_store_outbox_close(cw_store_outbox *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int64_t cw_store_outbox_scanned(cw_store_outbox *s)
{
    int64_t v = 0;
    return cw_sq_pragma_int(s->db, "SELECT seq FROM scan WHERE id = 1", &v) == SQLITE_OK ? v
                                                                                        : -1;
}

int cw_store_outbox_add(cw_store_outbox *s, const cw_outbox_row *rows, size_t n,
                        uint64_t scanned_to, char *err, size_t errlen)
{
    if (cw_sq_exec(s->db, s->path, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    sqlite3_stmt *ins = NULL, *up = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO deliveries (seq, event, next_ms) "
                           "VALUES (?, ?, ?)", -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "UPDATE scan SET seq = max(seq, ?) WHERE id = 1", -1, &up,
                           NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)rows[i].seq);
        sqlite3_bind_text(ins, 2, rows[i].event, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, rows[i].next_ms);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(ins);
    }
    sqlite3_bind_int64(up, 1, (sqlite3_int64)scanned_to);
    if (sqlite3_step(up) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(ins);
    sqlite3_finalize(up);
    return cw_sq_exec(s->db, s->path, "COMMIT", err, errlen);
fail:
    cw_sq_fail(s->db, s->path, "adding deliveries", err, errlen);
    sqlite3_finalize(ins);
    sqlite3_finalize(up);
    cw_sq_exec(s->db, s->path, "ROLLBACK", NULL, 0);
    return -1;
}

int cw_store_outbox_due(cw_store_outbox *s, int64_t now_ms, cw_outbox_row *rows, size_t max,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, event, attempts, next_ms, "
                           "coalesce(last_error, '') FROM deliveries WHERE delivered_ms IS "
                           "NULL AND next_ms <= ? ORDER BY seq LIMIT ?", -1, &st,
                           NULL) != SQLITE_OK)
        return cw_sq_fail(s->db, s->path, "due deliveries", err, errlen);
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cw_outbox_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        snprintf(r->event, sizeof r->event, "%s", (const char *)sqlite3_column_text(st, 1));
        r->attempts = (unsigned)sqlite3_column_int(st, 2);
        r->next_ms = sqlite3_column_int64(st, 3);
        snprintf(r->last_error, sizeof r->last_error, "%s",
                 (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return cw_sq_fail(s->db, s->path, "due deliveries", err, errlen);
    return n;
}

int cw_store_outbox_mark(cw_store_outbox *s, uint64_t seq, int64_t delivered_ms,
                         int64_t next_ms, const char *error, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    const char *sql = delivered_ms
        ? "UPDATE deliveries SET attempts = attempts + 1, delivered_ms = ?2, "
          "last_error = NULL WHERE seq = ?1"
        : "UPDATE deliveries SET attempts = attempts + 1, next_ms = ?3, last_error = ?4 "
          "WHERE seq = ?1";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return cw_sq_fail(s->db, s->path, "marking a delivery", err, errlen);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    if (delivered_ms) {
        sqlite3_bind_int64(st, 2, delivered_ms);
    } else {
        sqlite3_bind_int64(st, 3, next_ms);
        sqlite3_bind_text(st, 4, error ? error : "", -1, SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return cw_sq_fail(s->db, s->path, "marking a delivery", err, errlen);
    return 0;
}

int cw_store_outbox_counts(cw_store_outbox *s, uint64_t *delivered, uint64_t *waiting)
{
    int64_t d = 0, w = 0;
    if (cw_sq_pragma_int(s->db, "SELECT count(*) FROM deliveries WHERE delivered_ms IS NOT "
                         "NULL", &d) != SQLITE_OK ||
        cw_sq_pragma_int(s->db, "SELECT count(*) FROM deliveries WHERE delivered_ms IS NULL",
                         &w) != SQLITE_OK)
        return -1;
    *delivered = (uint64_t)d;
    *waiting = (uint64_t)w;
    return 0;
}
