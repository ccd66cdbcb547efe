/* sqlite_int.h  What the SQLite back ends (ledger, keys.db, content.db) share: opening a
 * file the way each of them promises it (durable, WAL and secure_delete checked, never
 * changing a file that is not ours), and their error messages. */
#ifndef CW_SQLITE_INT_H
#define CW_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* "<path>: <what>: <sqlite's message>" into err; returns -1. */
int cw_sq_fail(sqlite3 *db, const char *path, const char *what, char *err, size_t errlen);

/* Run sql; 0, or -1 with "<path>: <message>" in err (err may be NULL). */
int cw_sq_exec(sqlite3 *db, const char *path, const char *sql, char *err, size_t errlen);

/* The one integer a pragma (or query) answers into *v; a SQLite result code. */
int cw_sq_pragma_int(sqlite3 *db, const char *sql, int64_t *v);

/* Open (creating) path for one thread, with a busy timeout. 0, or -1 with err (*db is
 * then closed and NULL). */
int cw_sq_open(const char *path, sqlite3 **db, char *err, size_t errlen);

/* WAL or nothing (the pragma answers with the mode it got, which is not WAL on a file
 * system without shared memory, and then commits would not be what we promise; a file
 * that is no database fails here and is left as it was), synchronous=FULL, and
 * secure_delete really on. 0, or -1 with err. */
int cw_sq_durable(sqlite3 *db, const char *path, char *err, size_t errlen);

/* A file marked with its SQLite application_id, checked read-only before anything is
 * written: 1 new (empty), 0 ours at schema version, -1 refused (someone else's database,
 * another of ours in its place, another version: old_hint says what an older version
 * lacks). */
int cw_sq_identify(sqlite3 *db, const char *path, uint32_t app_id, int version,
                   const char *old_hint, char *err, size_t errlen);

/* A new marked file: schema, application_id and version in one transaction, so a crash
 * leaves it empty or done. 0, or -1 with err. */
int cw_sq_create(sqlite3 *db, const char *path, const char *schema, uint32_t app_id,
                 int version, char *err, size_t errlen);

/* All of opening a marked file: cw_sq_open, cw_sq_identify, cw_sq_durable, and
 * cw_sq_create if it is new. 0 with *db, or -1 with err (nothing opened). */
int cw_sq_open_marked(const char *path, uint32_t app_id, int version, const char *old_hint,
                      const char *schema, sqlite3 **db, char *err, size_t errlen);

#define CW_SQ_KEYS_APP_ID 0x43574b59     /* "CWKY": keys.db */
#define CW_SQ_CONTENT_APP_ID 0x43574354  /* "CWCT": content.db */
#define CW_SQ_OUTBOX_APP_ID 0x43574f42   /* "CWOB": outbox.db */

#endif
