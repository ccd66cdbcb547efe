/* sqlite_keys.c  keys.db, the vault's keys (G5): one row per data subject and one row
 * per consent.
 *
 * This file is what crypto-shredding rests on. An artifact is sealed under a key
 * derived from its consent's key; the consent key exists only here, wrapped under a key
 * derived from its subject's key, and the subject key exists only here, wrapped under
 * the tenant's master key. Withdrawal of a consent (G5) is one UPDATE that sets that
 * consent's wrapped key to NULL; erasure of a subject (Art. 17) is one transaction that
 * sets the subject's wrapped key, sealed number and number index and the wrapped keys
 * of all of its consents to NULL. Once that committed, the content is unreadable
 * wherever its ciphertext still lies (a backup of content.db or blobs/ included).
 * Three settings make that commit final: synchronous=FULL (COMMIT returns after the
 * fsync), secure_delete=ON (SQLite overwrites the old cell with zeros instead of
 * leaving it in the page's free space) and a checkpoint with TRUNCATE afterwards (the
 * WAL still holds the old page until the checkpoint copies the new one over it and cuts
 * the log to zero bytes).
 *
 * A row whose key was destroyed stays, as a tombstone: it says the consent (or subject)
 * is gone, so that no new content is taken under it and get reports "shredded", and it
 * keeps a consent bound to its one subject.
 *
 * The file is marked with its own SQLite application_id: a corrupt file, someone
 * else's database or content.db put in its place is refused before anything is
 * written, so it is left exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "callwarden/error.h"
#include "callwarden/store_vault.h"
#include "sqlite_int.h"

#define SCHEMA_VERSION 2             /* 2: the consents table (per-consent keys) */
#define OLD_VERSION "version 1 had no per-consent keys; its content cannot be opened " \
                    "by this build"

struct cw_store_keys {
    sqlite3 *db;
    char path[1024];
};

/* An erased row has no key material left; a live row has its key. */
static const char schema[] =
    "CREATE TABLE subjects ("
    "  subject_ref TEXT PRIMARY KEY NOT NULL CHECK (length(subject_ref) = 32),"
    "  number_index BLOB UNIQUE,"       /* HMAC of the normalised number; NULL: withheld */
    "  number_sealed BLOB,"             /* nonce || AES-GCM(number) || tag; NULL: withheld */
    "  key_wrapped BLOB,"               /* nonce || AES-GCM(subject key) || tag */
    "  created_ms INTEGER NOT NULL,"
    "  erased_ms INTEGER,"
    "  CHECK (erased_ms IS NULL OR (key_wrapped IS NULL AND number_sealed IS NULL"
    "                               AND number_index IS NULL)),"
    "  CHECK (erased_ms IS NOT NULL OR key_wrapped IS NOT NULL));"
    "CREATE TABLE consents ("
    "  consent_id TEXT PRIMARY KEY NOT NULL CHECK (length(consent_id) BETWEEN 1 AND 39),"
    "  subject_ref TEXT NOT NULL CHECK (length(subject_ref) = 32),"
    "  key_wrapped BLOB,"               /* nonce || AES-GCM(consent key) || tag; NULL: destroyed */
    "  created_ms INTEGER NOT NULL,"
    "  erased_ms INTEGER,"
    "  CHECK (erased_ms IS NULL OR key_wrapped IS NULL),"
    "  CHECK (erased_ms IS NOT NULL OR key_wrapped IS NOT NULL));"
    "CREATE INDEX consents_by_subject ON consents (subject_ref);";

static int fail(cw_store_keys *s, char *err, size_t errlen, const char *what)
{
    return cw_sq_fail(s->db, s->path, what, err, errlen);
}

static int exec(cw_store_keys *s, const char *sql, char *err, size_t errlen)
{
    return cw_sq_exec(s->db, s->path, sql, err, errlen);
}

int cw_store_keys_open(const char *path, cw_store_keys **out, char *err, size_t errlen)
{
    *out = NULL;
    cw_store_keys *s = calloc(1, sizeof *s);
    if (!s)
        return cw_error(err, errlen, "%s: out of memory", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    if (cw_sq_open_marked(path, CW_SQ_KEYS_APP_ID, SCHEMA_VERSION, OLD_VERSION, schema, &s->db,
                          err, errlen) != 0) {
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void cw_store_keys_close(cw_store_keys *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

int cw_store_keys_insert(cw_store_keys *s, const cw_store_subject *subj, char *err,
                         size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO subjects (subject_ref, number_index, "
                                  "number_sealed, key_wrapped, created_ms) "
                                  "VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing a subject insert");
    sqlite3_bind_text(st, 1, subj->ref, -1, SQLITE_STATIC);
    if (subj->has_index)
        sqlite3_bind_blob(st, 2, subj->index, CW_STORE_INDEX_LEN, SQLITE_STATIC);
    if (subj->number_sealed_len)
        sqlite3_bind_blob(st, 3, subj->number_sealed, (int)subj->number_sealed_len,
                          SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, subj->key_wrapped, (int)subj->key_wrapped_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, subj->created_ms);
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_CONSTRAINT &&
        sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_UNIQUE && subj->has_index)
        ret = 1;
    else if (rc != SQLITE_DONE)
        ret = fail(s, err, errlen, "inserting a subject");
    sqlite3_finalize(st);
    return ret;
}

int cw_store_keys_find(cw_store_keys *s, const uint8_t index[CW_STORE_INDEX_LEN],
                       char ref[CW_STORE_REF_LEN], char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT subject_ref FROM subjects WHERE number_index = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing a subject look-up");
    sqlite3_bind_blob(st, 1, index, CW_STORE_INDEX_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret = 1;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(ref, CW_STORE_REF_LEN, "%s", t ? (const char *)t : "");
        ret = 0;
    } else if (rc != SQLITE_DONE) {
        ret = fail(s, err, errlen, "looking up a subject");
    }
    sqlite3_finalize(st);
    return ret;
}

/* Copy a blob column of at most cap bytes; -1 if it is longer. */
static int copy_blob(sqlite3_stmt *st, int col, uint8_t *out, size_t cap, size_t *len)
{
    int n = sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    *len = 0;
    if (n == 0 || !p)
        return 0;
    if ((size_t)n > cap)
        return -1;
    memcpy(out, p, (size_t)n);
    *len = (size_t)n;
    return 0;
}

int cw_store_keys_get(cw_store_keys *s, const char *ref, cw_store_subject *out, char *err,
                      size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT number_index, number_sealed, key_wrapped, "
                                  "created_ms, erased_ms FROM subjects WHERE subject_ref = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing a subject read");
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        size_t ilen;
        snprintf(out->ref, sizeof out->ref, "%s", ref);
        if (copy_blob(st, 0, out->index, sizeof out->index, &ilen) != 0 ||
            (ilen != 0 && ilen != CW_STORE_INDEX_LEN) ||
            copy_blob(st, 1, out->number_sealed, sizeof out->number_sealed,
                      &out->number_sealed_len) != 0 ||
            copy_blob(st, 2, out->key_wrapped, sizeof out->key_wrapped,
                      &out->key_wrapped_len) != 0 ||
            (out->key_wrapped_len != 0 && out->key_wrapped_len != CW_STORE_WRAPPED_KEY_LEN))
            ret = cw_error(err, errlen, "%s: subject %s: a key column has the wrong length "
                           "(the file was altered)", s->path, ref);
        out->has_index = ilen == CW_STORE_INDEX_LEN;
        out->created_ms = sqlite3_column_int64(st, 3);
        out->erased = sqlite3_column_type(st, 4) != SQLITE_NULL;
        out->erased_ms = out->erased ? sqlite3_column_int64(st, 4) : 0;
    } else if (rc == SQLITE_DONE) {
        ret = 1;
    } else {
        ret = fail(s, err, errlen, "reading a subject");
    }
    sqlite3_finalize(st);
    if (ret != 0)
        memset(out, 0, sizeof *out);
    return ret;
}

/* Run one UPDATE with ?1 = now_ms and ?2 = key; *changed: rows it changed. 0 or -1. */
static int update(cw_store_keys *s, const char *sql, int64_t now_ms, const char *key,
                  int *changed, const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *changed = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, errlen, what);
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int ret = 0;
    if (sqlite3_step(st) != SQLITE_DONE)
        ret = fail(s, err, errlen, what);
    else
        *changed = sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return ret;
}

/* The subject's key and every key of its consents in one transaction: a crash leaves
 * all of them there or none, never a subject erased with a consent key still live. */
int cw_store_keys_shred(cw_store_keys *s, const char *ref, int64_t now_ms, int *destroyed,
                        char *err, size_t errlen)
{
    int subjects = 0, consents = 0;
    *destroyed = 0;
    int ret = exec(s, "BEGIN IMMEDIATE", err, errlen);
    if (ret == 0)
        ret = update(s, "UPDATE subjects SET key_wrapped = NULL, number_sealed = NULL, "
                        "number_index = NULL, erased_ms = ?1 "
                        "WHERE subject_ref = ?2 AND key_wrapped IS NOT NULL", now_ms, ref,
                     &subjects, "erasing a subject key", err, errlen);
    if (ret == 0)
        ret = update(s, "UPDATE consents SET key_wrapped = NULL, erased_ms = ?1 "
                        "WHERE subject_ref = ?2 AND key_wrapped IS NOT NULL", now_ms, ref,
                     &consents, "erasing a subject's consent keys", err, errlen);
    if (ret == 0)
        ret = exec(s, "COMMIT", err, errlen);
    if (ret != 0) {
        exec(s, "ROLLBACK", NULL, 0);
        return -1;
    }
    *destroyed = subjects > 0;
    return 0;
}

int cw_store_keys_consent_insert(cw_store_keys *s, const cw_store_consent *c, char *err,
                                 size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO consents (consent_id, subject_ref, "
                                  "key_wrapped, created_ms) VALUES (?, ?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "preparing a consent insert");
    sqlite3_bind_text(st, 1, c->consent_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->subject_ref, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, c->key_wrapped, (int)c->key_wrapped_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, c->created_ms);
    int rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_CONSTRAINT &&
        sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
        ret = 1;
    else if (rc != SQLITE_DONE)
        ret = fail(s, err, errlen, "inserting a consent");
    sqlite3_finalize(st);
    return ret;
}

int cw_store_keys_consent_get(cw_store_keys *s, const char *consent_id,
                              cw_store_consent *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT subject_ref, key_wrapped, created_ms, erased_ms "
                                  "FROM consents WHERE consent_id = ?", -1, &st, NULL)
        != SQLITE_OK)
        return fail(s, err, errlen, "preparing a consent read");
    sqlite3_bind_text(st, 1, consent_id, -1, SQLITE_STATIC);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st), ret = 0;
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out->consent_id, sizeof out->consent_id, "%s", consent_id);
        if (!t || strlen((const char *)t) != CW_STORE_REF_LEN - 1 ||
            copy_blob(st, 1, out->key_wrapped, sizeof out->key_wrapped,
                      &out->key_wrapped_len) != 0 ||
            (out->key_wrapped_len != 0 && out->key_wrapped_len != CW_STORE_WRAPPED_KEY_LEN))
            ret = cw_error(err, errlen, "%s: consent %s: its subject or key column has the "
                           "wrong length (the file was altered)", s->path, consent_id);
        else
            memcpy(out->subject_ref, t, CW_STORE_REF_LEN);
        out->created_ms = sqlite3_column_int64(st, 2);
        out->erased = sqlite3_column_type(st, 3) != SQLITE_NULL;
        out->erased_ms = out->erased ? sqlite3_column_int64(st, 3) : 0;
    } else if (rc == SQLITE_DONE) {
        ret = 1;
    } else {
        ret = fail(s, err, errlen, "reading a consent");
    }
    sqlite3_finalize(st);
    if (ret != 0)
        memset(out, 0, sizeof *out);
    return ret;
}

int cw_store_keys_consent_shred(cw_store_keys *s, const char *consent_id, int64_t now_ms,
                                int *destroyed, char *err, size_t errlen)
{
    int changed = 0;
    int ret = update(s, "UPDATE consents SET key_wrapped = NULL, erased_ms = ?1 "
                        "WHERE consent_id = ?2 AND key_wrapped IS NOT NULL", now_ms,
                     consent_id, &changed, "erasing a consent key", err, errlen);
    *destroyed = ret == 0 && changed > 0;
    return ret;
}

int cw_store_keys_checkpoint(cw_store_keys *s, char *err, size_t errlen)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc != SQLITE_OK)
        return cw_error(err, errlen, "%s: checkpoint: %s (old pages may remain in the -wal "
                        "file until the next one succeeds)", s->path, sqlite3_errmsg(s->db));
    return 0;
}

int cw_store_keys_count(cw_store_keys *s, uint64_t *subjects, uint64_t *erased, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), count(erased_ms) FROM subjects", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(s, err, errlen, "counting subjects");
    int ret = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *subjects = (uint64_t)sqlite3_column_int64(st, 0);
        *erased = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        ret = fail(s, err, errlen, "counting subjects");
    }
    sqlite3_finalize(st);
    return ret;
}
