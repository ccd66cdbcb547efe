/* sqlite_util.c  The SQLite back ends' shared opening and error steps (sqlite_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/error.h"
#include "sqlite_int.h"

int cw_sq_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errlen)
{
    return cw_error(err, errlen, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

int cw_sq_exec(sqlite3 *db, const char *path, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        cw_error(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int cw_sq_pragma_int(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = SQLITE_OK;
    sqlite3_finalize(st);
    return rc;
}

int cw_sq_open(const char *path, sqlite3 **db, char *err, size_t errlen)
{
    *db = NULL;
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                      SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        cw_error(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000);
    return 0;
}

int cw_sq_durable(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return cw_sq_fail(db, path, "journal_mode", err, errlen);
    int rc = sqlite3_step(st);
    const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    int ok = mode && strcmp((const char *)mode, "wal") == 0;
    if (!ok) {
        if (rc == SQLITE_ROW)
            cw_error(err, errlen, "%s: cannot use WAL (journal mode %s)", path,
                     mode ? (const char *)mode : "?");
        else
            cw_sq_fail(db, path, "journal_mode", err, errlen);
    }
    sqlite3_finalize(st);
    if (!ok || cw_sq_exec(db, path, "PRAGMA synchronous=FULL", err, errlen) != 0)
        return -1;
    /* secure_delete must really be on: a build could have it compiled out of reach */
    int64_t sd = 0;
    if (cw_sq_pragma_int(db, "PRAGMA secure_delete=ON", &sd) != SQLITE_OK || sd != 1)
        return cw_error(err, errlen, "%s: cannot turn secure_delete on", path);
    return 0;
}

/* What a mark means: its file's name and what it is. */
static const char *marked_file(int64_t app)
{
    return app == CW_SQ_KEYS_APP_ID ? "keys.db" : app == CW_SQ_CONTENT_APP_ID ? "content.db"
           : app == CW_SQ_OUTBOX_APP_ID ? "outbox.db" : NULL;
}

static const char *marked_as(int64_t app)
{
    return app == CW_SQ_KEYS_APP_ID ? "a callwarden vault keys database"
           : app == CW_SQ_OUTBOX_APP_ID ? "a callwarden webhook outbox"
                                        : "a callwarden vault content database";
}

int cw_sq_identify(sqlite3 *db, const char *path, uint32_t app_id, int version,
                   const char *old_hint, char *err, size_t errlen)
{
    int64_t app = 0, pages = 0, v = 0;
    if (cw_sq_pragma_int(db, "PRAGMA application_id", &app) != SQLITE_OK ||
        cw_sq_pragma_int(db, "PRAGMA page_count", &pages) != SQLITE_OK)
        return cw_error(err, errlen, "%s: %s: refused, left unchanged", path,
                        sqlite3_errmsg(db));
    if (pages == 0)
        return 1;
    if (app != (int64_t)(int32_t)app_id) {
        if (marked_file(app))
            return cw_error(err, errlen, "%s: this is the vault's %s, not %s: refused, left "
                            "unchanged", path, marked_file(app), marked_file((int32_t)app_id));
        return cw_error(err, errlen, "%s: not %s (application_id 0x%08llx): refused, left "
                        "unchanged", path, marked_as((int32_t)app_id),
                        (unsigned long long)(uint32_t)app);
    }
    if (cw_sq_pragma_int(db, "PRAGMA user_version", &v) != SQLITE_OK)
        return cw_sq_fail(db, path, "reading the schema version", err, errlen);
    if (v != version)
        return cw_error(err, errlen, "%s: schema version %lld, this build reads %d%s%s%s",
                        path, (long long)v, version, v < version && old_hint ? " (" : "",
                        v < version && old_hint ? old_hint : "",
                        v < version && old_hint ? ")" : "");
    return 0;
}

int cw_sq_create(sqlite3 *db, const char *path, const char *schema, uint32_t app_id,
                 int version, char *err, size_t errlen)
{
    size_t cap = strlen(schema) + 128;
    char *sql = malloc(cap);
    if (!sql)
        return cw_error(err, errlen, "%s: out of memory", path);
    snprintf(sql, cap, "BEGIN IMMEDIATE; %s PRAGMA application_id=%d; PRAGMA user_version=%d;"
             " COMMIT;", schema, (int32_t)app_id, version);
    int rc = cw_sq_exec(db, path, sql, err, errlen);
    if (rc != 0)
        cw_sq_exec(db, path, "ROLLBACK", NULL, 0);
    free(sql);
    return rc;
}

int cw_sq_open_marked(const char *path, uint32_t app_id, int version, const char *old_hint,
                      const char *schema, sqlite3 **db, char *err, size_t errlen)
{
    if (cw_sq_open(path, db, err, errlen) != 0)
        return -1;
    int fresh = cw_sq_identify(*db, path, app_id, version, old_hint, err, errlen);
    int rc = fresh < 0 ? -1 : cw_sq_durable(*db, path, err, errlen);
    if (rc == 0 && fresh == 1)
        rc = cw_sq_create(*db, path, schema, app_id, version, err, errlen);
    if (rc != 0) {
        sqlite3_close(*db);
        *db = NULL;
    }
    return rc;
}
