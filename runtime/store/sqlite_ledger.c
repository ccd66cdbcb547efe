/* sqlite_ledger.c  The ledger's SQLite back end: one append-only table per tenant file.
 *
 * Durability (G2's "durably committed", G4) rests on three settings: WAL, so that a
 * commit is one sequential append; synchronous=FULL, so that COMMIT returns only after
 * the WAL was fsync'd; and BEGIN IMMEDIATE, so that a batch takes the write lock at
 * once instead of failing half-way. secure_delete overwrites freed pages, so that an
 * erased row (issue 4) leaves nothing readable in the main file. A batch is one
 * transaction: many records, one fsync (group commit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "callwarden/error.h"
#include "callwarden/store.h"
#include "sqlite_int.h"

#define SCHEMA_VERSION 1

struct cw_store {
    sqlite3 *db;
    sqlite3_stmt *insert;
    int in_tx;                          /* inside cw_store_ledger_begin .. commit */
    char path[1024];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ledger ("
    "  seq INTEGER PRIMARY KEY,"          /* the log position, assigned in order */
    "  ts_ms INTEGER NOT NULL,"
    "  event_type TEXT NOT NULL,"
    "  consent_id TEXT NOT NULL,"
    "  header BLOB NOT NULL,"
    "  body BLOB NOT NULL,"
    "  leaf BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS ledger_by_consent ON ledger (consent_id);"
    "CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);";

static int fail(cw_store *s, char *err, size_t errlen, const char *what)
{
    return cw_sq_fail(s->db, s->path, what, err, errlen);
}

static int exec(cw_store *s, const char *sql, char *err, size_t errlen)
{
    return cw_sq_exec(s->db, s->path, sql, err, errlen);
}

/* The file is ours: a ledger of our schema version, or new. */
static int check_version(cw_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM ledger_meta WHERE key = 'schema'", -1,
                           &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "reading the schema version");
    int rc = sqlite3_step(st);
    int ok = 0;
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO ledger_meta VALUES ('schema', '%d')",
                 SCHEMA_VERSION);
        return exec(s, sql, err, errlen);
    }
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        ok = v && atoi((const char *)v) == SCHEMA_VERSION;
        if (!ok)
            cw_error(err, errlen, "%s: ledger schema version %s, this build reads %d", s->path,
                     v ? (const char *)v : "?", SCHEMA_VERSION);
    } else {
        fail(s, err, errlen, "reading the schema version");
    }
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

int cw_store_ledger_open(const char *path, cw_store **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_store *s = calloc(1, sizeof *s);
    if (!s)
        return cw_error(err, errlen, "%s: out of memory", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (cw_sq_open(path, &s->db, err, errlen) != 0) {
        free(s);
        return -1;
    }
    int rc = cw_sq_durable(s->db, path, err, errlen);
    if (rc == 0)
        rc = exec(s, schema, err, errlen);
    if (rc == 0)
        rc = check_version(s, err, errlen);
    if (rc == 0 && sqlite3_prepare_v2(s->db, "INSERT INTO ledger (seq, ts_ms, event_type, "
                                             "consent_id, header, body, leaf) "
                                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                      -1, &s->insert, NULL) != SQLITE_OK)
        rc = fail(s, err, errlen, "preparing the append");
    if (rc != 0) {
        cw_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

static int put_checkpoint(cw_store *s, uint64_t size, const char *note, char *err,
                          size_t errlen);

int cw_store_ledger_begin(cw_store *s, char *err, size_t errlen)
{
    if (s->in_tx)
        return cw_error(err, errlen, "%s: a transaction is already open", s->path);
    if (exec(s, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    s->in_tx = 1;
    return 0;
}

int cw_store_ledger_commit(cw_store *s, char *err, size_t errlen)
{
    s->in_tx = 0;
    if (exec(s, "COMMIT", err, errlen) != 0) {
        exec(s, "ROLLBACK", NULL, 0);
        return -1;
    }
    return 0;
}

void cw_store_ledger_rollback(cw_store *s)
{
    if (s->in_tx)
        exec(s, "ROLLBACK", NULL, 0);
    s->in_tx = 0;
}

int cw_store_ledger_append(cw_store *s, cw_store_record *recs, size_t n,
                           uint64_t checkpoint_size, const char *checkpoint_note, char *err,
                           size_t errlen)
{
    int own = !s->in_tx;
    if (own && cw_store_ledger_begin(s, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cw_store_record *r = &recs[i];
        sqlite3_stmt *st = s->insert;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)r->seq);
        sqlite3_bind_int64(st, 2, r->ts_ms);
        sqlite3_bind_text(st, 3, r->event_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->consent_id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, r->header ? (const void *)r->header : "", (int)r->header_len,
                          SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, r->body ? (const void *)r->body : "", (int)r->body_len,
                          SQLITE_STATIC);
        sqlite3_bind_blob(st, 7, r->leaf, (int)sizeof r->leaf, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fail(s, err, errlen, "append");
            sqlite3_reset(st);
            cw_store_ledger_rollback(s);
            return -1;
        }
    }
    sqlite3_reset(s->insert);
    if (checkpoint_note &&
        put_checkpoint(s, checkpoint_size, checkpoint_note, err, errlen) != 0) {
        cw_store_ledger_rollback(s);
        return -1;
    }
    return own ? cw_store_ledger_commit(s, err, errlen) : 0;
}

int64_t cw_store_ledger_last_seq(cw_store *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(seq), 0) FROM ledger", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

int cw_store_ledger_scan(cw_store *s, uint64_t from,
                         int (*fn)(void *ud, const cw_store_record *r), void *ud,
                         char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, ts_ms, event_type, consent_id, header, body, "
                                  "leaf FROM ledger WHERE seq >= ? ORDER BY seq", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "scan");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cw_store_record r;
        memset(&r, 0, sizeof r);
        r.seq = (uint64_t)sqlite3_column_int64(st, 0);
        r.ts_ms = sqlite3_column_int64(st, 1);
        const unsigned char *t = sqlite3_column_text(st, 2);
        const unsigned char *c = sqlite3_column_text(st, 3);
        snprintf(r.event_type, sizeof r.event_type, "%s", t ? (const char *)t : "");
        snprintf(r.consent_id, sizeof r.consent_id, "%s", c ? (const char *)c : "");
        r.header = sqlite3_column_blob(st, 4);
        r.header_len = (size_t)sqlite3_column_bytes(st, 4);
        r.body = sqlite3_column_blob(st, 5);
        r.body_len = (size_t)sqlite3_column_bytes(st, 5);
        if (sqlite3_column_bytes(st, 6) == (int)sizeof r.leaf)
            memcpy(r.leaf, sqlite3_column_blob(st, 6), sizeof r.leaf);
        if (fn(ud, &r) != 0)
            break;
    }
    int bad = rc != SQLITE_ROW && rc != SQLITE_DONE;
    if (bad)
        fail(s, err, errlen, "scan");
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

static int put_checkpoint(cw_store *s, uint64_t size, const char *note, char *err,
                          size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO checkpoints VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "checkpoint");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, err, errlen, "checkpoint");
    sqlite3_finalize(st);
    return rc;
}

int cw_store_checkpoint_put(cw_store *s, uint64_t size, const char *note, char *err,
                            size_t errlen)
{
    return put_checkpoint(s, size, note, err, errlen);
}

int cw_store_checkpoint_scan(cw_store *s, int (*fn)(void *ud, uint64_t size,
                                                    const char *note),
                             void *ud, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT size, note FROM checkpoints ORDER BY size", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "checkpoint scan");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *note = sqlite3_column_text(st, 1);
        if (fn(ud, (uint64_t)sqlite3_column_int64(st, 0), note ? (const char *)note : ""))
            break;
    }
    int bad = rc != SQLITE_ROW && rc != SQLITE_DONE;
    if (bad)
        fail(s, err, errlen, "checkpoint scan");
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

void cw_store_close(cw_store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    free(s);
}
