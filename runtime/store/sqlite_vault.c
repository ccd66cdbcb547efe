/* sqlite_vault.c  content.db, the vault's artifact table (G5, G7): one row per stored
 * recording, transcript or snippet, apart from the consent ledger and from keys.db.
 *
 * A row holds clear metadata only: whose (a random subject ref, never the number), under
 * which consent and purpose, when it must be gone (delete_after_ms, required: G7), its
 * size and the SHA-256 of its sealed bytes (the evidence reference the ledger names).
 * Small items carry their sealed bytes in the row; larger ones live in blob files that
 * runtime/vault writes and removes. The metadata is clear so that the sweeper and
 * withdrawal can select by it, but not trusted: the vault seals every artifact with its
 * row's metadata as AAD, so a row whose expiry, kind or consent was changed no longer
 * opens (runtime/vault/seal.c).
 *
 * Deletion must leave nothing readable: secure_delete=ON overwrites the deleted cells
 * and freed pages with zeros, and the vault follows every erasure with a checkpoint
 * that copies those zeroed pages into the main file and cuts the WAL, which still held
 * the old ones, to zero bytes. The opening steps are those of sqlite_keys.c: a corrupt
 * or foreign file (or keys.db in the wrong place) is refused before anything is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "callwarden/error.h"
#include "callwarden/store_vault.h"
#include "sqlite_int.h"

#define SCHEMA_VERSION 2             /* 2: rows sealed under per-consent keys, the AAD
                                       with kind, created_ms and delete_after_ms */
#define OLD_VERSION "version 1 sealed under per-subject item keys; this build cannot " \
                    "open them"

struct cw_store_content {
    sqlite3 *db;
    char path[1024];
};

static const char schema[] =
    "CREATE TABLE artifacts ("
    "  artifact_id TEXT PRIMARY KEY NOT NULL CHECK (length(artifact_id) = 32),"
    "  subject_ref TEXT NOT NULL,"
    "  consent_id TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  delete_after_ms INTEGER NOT NULL,"     /* G7: no artifact without an expiry */
    "  size INTEGER NOT NULL,"                /* plaintext bytes */
    "  sha256 TEXT NOT NULL,"                 /* of the sealed bytes: the evidence ref */
    "  data BLOB);"                           /* sealed inline; NULL: blobs/<id>.bin */
    "CREATE INDEX artifacts_by_subject ON artifacts (subject_ref);"
    "CREATE INDEX artifacts_by_consent ON artifacts (consent_id);"
    "CREATE INDEX artifacts_by_expiry ON artifacts (delete_after_ms);";

static int fail(cw_store_content *s, char *err, size_t errlen, const char *what)
{
    return cw_sq_fail(s->db, s->path, what, err, errlen);
}

static int exec(cw_store_content *s, const char *sql, char *err, size_t errlen)
{
    return cw_sq_exec(s->db, s->path, sql, err, errlen);
}

int cw_store_content_open(const char *path, cw_store_content **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    cw_store_content *s = calloc(1, sizeof *s);
    if (!s)
        return cw_error(err, errlen, "%s: out of memory", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (cw_sq_open_marked(path, CW_SQ_CONTENT_APP_ID, SCHEMA_VERSION, OLD_VERSION, schema, &s->db,
                          err, errlen) != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void cw_store_content_close(cw_store_content *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int cw_store_content_insert(cw_store_content *s, const cw_store_artifact *a, char *err,
                            size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO artifacts (artifact_id, subject_ref, "
                                  "consent_id, purpose, kind, created_ms, delete_after_ms, "
                                  "size, sha256, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing an artifact insert");
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->subject_ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->consent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->purpose, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->created_ms);
    sqlite3_bind_int64(st, 7, a->delete_after_ms);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)a->size);
    sqlite3_bind_text(st, 9, a->sha256_hex, -1, SQLITE_STATIC);
    if (a->sealed)
        sqlite3_bind_blob(st, 10, a->sealed, (int)a->sealed_len, SQLITE_STATIC);
    int ret = sqlite3_step(st) == SQLITE_DONE ? 0 : fail(s, err, errlen, "inserting an artifact");
    sqlite3_finalize(st);
    return ret;
}

#define COLUMNS "artifact_id, subject_ref, consent_id, purpose, kind, created_ms, " \
                "delete_after_ms, size, sha256, length(data)"

/* A text column into out (cap bytes); 0 if it did not fit and was cut. */
static int copy_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return (size_t)snprintf(out, cap, "%s", t ? (const char *)t : "") < cap;
}

/* The metadata columns of a row (COLUMNS) into *a; sealed stays NULL. 1 if every text
 * column fitted its field, 0 if one was cut (longer than the vault ever writes). */
static int row_meta(sqlite3_stmt *st, cw_store_artifact *a)
{
    memset(a, 0, sizeof *a);
    int fits = copy_text(st, 0, a->id, sizeof a->id);
    fits &= copy_text(st, 1, a->subject_ref, sizeof a->subject_ref);
    fits &= copy_text(st, 2, a->consent_id, sizeof a->consent_id);
    fits &= copy_text(st, 3, a->purpose, sizeof a->purpose);
    fits &= copy_text(st, 4, a->kind, sizeof a->kind);
    fits &= copy_text(st, 8, a->sha256_hex, sizeof a->sha256_hex);
    a->created_ms = sqlite3_column_int64(st, 5);
    a->delete_after_ms = sqlite3_column_int64(st, 6);
    a->size = (uint64_t)sqlite3_column_int64(st, 7);
    a->sealed_len = (size_t)sqlite3_column_int64(st, 9);
    return fits;
}

int cw_store_content_get(cw_store_content *s, const char *id, cw_store_artifact *out,
                         uint8_t **sealed, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *sealed = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " COLUMNS ", data FROM artifacts "
                                  "WHERE artifact_id = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing an artifact read");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        /* a cut field could still match the AAD: an altered row is an error here */
        if (!row_meta(st, out)) {
            ret = cw_error(err, errlen, "%s: artifact %s: a text column is longer than the "
                           "vault writes (the row was altered)", s->path, id);
        } else if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
            int n = sqlite3_column_bytes(st, 10);
            const void *p = sqlite3_column_blob(st, 10);
            *sealed = malloc(n > 0 ? (size_t)n : 1);
            if (!*sealed) {
                ret = cw_error(err, errlen, "%s: out of memory", s->path);
            } else {
                if (n > 0)
                    memcpy(*sealed, p, (size_t)n);
                out->sealed = *sealed;
                out->sealed_len = (size_t)n;
            }
        }
    } else if (rc == SQLITE_DONE) {
        ret = 1;
    } else {
        ret = fail(s, err, errlen, "reading an artifact");
    }
    sqlite3_finalize(st);
    return ret;
}

int cw_store_content_select(cw_store_content *s, const cw_store_filter *f,
                            int (*fn)(void *ud, const cw_store_artifact *a), void *ud,
                            char *err, size_t errlen)
{
    /* only fixed fragments go into the text; the values are bound */
    char sql[512];
    int due = f->due;
    snprintf(sql, sizeof sql, "SELECT " COLUMNS " FROM artifacts WHERE 1%s%s%s ORDER BY %s "
             "LIMIT ?4", f->subject_ref ? " AND subject_ref = ?1" : "",
             f->consent_id ? " AND consent_id = ?2" : "",
             due ? " AND delete_after_ms <= ?3" : "",
             due ? "delete_after_ms, artifact_id" : "created_ms, artifact_id");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing an artifact list");
    if (f->subject_ref)
        sqlite3_bind_text(st, 1, f->subject_ref, -1, SQLITE_STATIC);
    if (f->consent_id)
        sqlite3_bind_text(st, 2, f->consent_id, -1, SQLITE_STATIC);
    if (due)
        sqlite3_bind_int64(st, 3, f->due_ms);
    sqlite3_bind_int64(st, 4, f->limit ? (sqlite3_int64)f->limit : -1);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cw_store_artifact a;
        row_meta(st, &a);
        if (fn(ud, &a) != 0)
            break;
    }
    int bad = rc != SQLITE_ROW && rc != SQLITE_DONE;
    if (bad)
        fail(s, err, errlen, "listing artifacts");
    sqlite3_finalize(st);
    return bad ? -1 : 0;
}

int cw_store_content_delete(cw_store_content *s, const char (*ids)[CW_STORE_REF_LEN],
                            size_t n, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (n == 0)
        return 0;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM artifacts WHERE artifact_id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing an artifact delete");
    int ret = exec(s, "BEGIN IMMEDIATE", err, errlen);
    for (size_t i = 0; ret == 0 && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            ret = fail(s, err, errlen, "deleting an artifact");
    }
    sqlite3_finalize(st);
    if (ret == 0)
        ret = exec(s, "COMMIT", err, errlen);
    if (ret != 0)
        exec(s, "ROLLBACK", NULL, 0);
    return ret;
}

int cw_store_content_exists(cw_store_content *s, const char *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM artifacts WHERE artifact_id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int64_t cw_store_content_next_expiry(cw_store_content *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT min(delete_after_ms) FROM artifacts", -1, &st,
                           NULL) != SQLITE_OK)
        return INT64_MAX;
    int64_t v = INT64_MAX;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int cw_store_content_checkpoint(cw_store_content *s, char *err, size_t errlen)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc != SQLITE_OK)
        return cw_error(err, errlen, "%s: checkpoint: %s (deleted pages may remain in the "
                        "-wal file until the next one succeeds)", s->path,
                        sqlite3_errmsg(s->db));
    return 0;
}

int cw_store_content_count(cw_store_content *s, uint64_t *artifacts, uint64_t *bytes,
                           char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(sum(size), 0) FROM artifacts",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "counting artifacts");
    int ret = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *artifacts = (uint64_t)sqlite3_column_int64(st, 0);
        *bytes = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        ret = fail(s, err, errlen, "counting artifacts");
    }
    sqlite3_finalize(st);
    return ret;
}
