/*
 * store_vault.h  The vault's part of the storage interface (DESIGN.md: no SQL outside
 * runtime/store/): two SQLite files per tenant, kept apart on purpose (G5, G7).
 *
 *   keys.db     one row per data subject: the subject's key (wrapped), its phone number
 *               (sealed) and the number's blind index; and one row per consent: the
 *               consent's key, wrapped under a key derived from its subject's key.
 *               Withdrawing a consent destroys that consent's key here, erasing a
 *               subject destroys the subject's key and all of its consent keys: either
 *               makes the content sealed under them unreadable (crypto-shredding).
 *   content.db  one row per stored artifact: clear metadata (who, which consent, which
 *               purpose, when it expires, the ciphertext's SHA-256) and, for small
 *               items, the sealed bytes themselves; larger ones live in blob files that
 *               runtime/vault writes.
 *
 * The store sees only sealed bytes: sealing and opening are runtime/vault's job. Both
 * files use WAL (checked), synchronous=FULL and secure_delete=ON, and carry a SQLite
 * application_id, so a file that is corrupt, foreign or the other one of the pair is
 * refused without being changed. A handle is used by one thread at a time.
 */
#ifndef CALLWARDEN_STORE_VAULT_H
#define CALLWARDEN_STORE_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define CW_STORE_REF_LEN 33             /* 128-bit id as 32 hex digits and the NUL */
#define CW_STORE_INDEX_LEN 32           /* HMAC-SHA256 of the normalised number */
#define CW_STORE_SEALED_NUMBER_MAX 64   /* nonce + number (<= 33) + tag = at most 61 */
#define CW_STORE_WRAPPED_KEY_LEN 60     /* nonce + 32-byte key + tag */
#define CW_STORE_CONSENT_LEN 40
#define CW_STORE_PURPOSE_LEN 33
#define CW_STORE_KIND_LEN 64

/* ---- keys.db ------------------------------------------------------------------- */

typedef struct cw_store_keys cw_store_keys;

/* One subject row. A withheld number has no index and no sealed number; an erased
 * subject has none of index, sealed number and wrapped key. */
typedef struct cw_store_subject {
    char ref[CW_STORE_REF_LEN];
    int has_index;
    uint8_t index[CW_STORE_INDEX_LEN];
    size_t number_sealed_len;           /* 0: none (withheld or erased) */
    uint8_t number_sealed[CW_STORE_SEALED_NUMBER_MAX];
    size_t key_wrapped_len;             /* 0: none (erased) */
    uint8_t key_wrapped[CW_STORE_WRAPPED_KEY_LEN];
    int64_t created_ms;
    int erased;                         /* 1 once erased; erased_ms is then valid */
    int64_t erased_ms;
} cw_store_subject;

/* Open (creating) keys.db at path. 0, or -1 with err (corrupt/foreign: refused, unchanged). */
int cw_store_keys_open(const char *path, cw_store_keys **out, char *err, size_t errlen);

/* Close the handle (NULL is fine). */
void cw_store_keys_close(cw_store_keys *s);

/* Insert a new subject row, durably. 0; 1 if its index is already taken (another
 * subject has that number: look it up again); -1 with err. */
int cw_store_keys_insert(cw_store_keys *s, const cw_store_subject *subj, char *err,
                         size_t errlen);

/* The subject whose number has this index. 0 and ref filled; 1 none; -1 with err. */
int cw_store_keys_find(cw_store_keys *s, const uint8_t index[CW_STORE_INDEX_LEN],
                       char ref[CW_STORE_REF_LEN], char *err, size_t errlen);

/* The subject row ref into *out. 0; 1 no such subject; -1 with err. */
int cw_store_keys_get(cw_store_keys *s, const char *ref, cw_store_subject *out, char *err,
                      size_t errlen);

/* Destroy a subject's key, sealed number and index and every key of its consents, and
 * set their erased_ms, durably (one committed transaction). *destroyed is 1 if the
 * subject's key was there, 0 if the subject was already erased or is unknown. 0, or -1
 * with err (then nothing was destroyed). */
int cw_store_keys_shred(cw_store_keys *s, const char *ref, int64_t now_ms, int *destroyed,
                        char *err, size_t errlen);

/* One consent row. The consent belongs to exactly one subject; a destroyed consent key
 * (withdrawal, or its subject's erasure) leaves the row with no wrapped key. */
typedef struct cw_store_consent {
    char consent_id[CW_STORE_CONSENT_LEN];
    char subject_ref[CW_STORE_REF_LEN];
    size_t key_wrapped_len;             /* 0: none (destroyed) */
    uint8_t key_wrapped[CW_STORE_WRAPPED_KEY_LEN];
    int64_t created_ms;
    int erased;                         /* 1 once destroyed; erased_ms is then valid */
    int64_t erased_ms;
} cw_store_consent;

/* Insert a new consent row with its wrapped key, durably. 0; 1 if the consent id is
 * already there (another handle made it: read it again); -1 with err. */
int cw_store_keys_consent_insert(cw_store_keys *s, const cw_store_consent *c, char *err,
                                 size_t errlen);

/* The consent row consent_id into *out. 0; 1 no such consent; -1 with err. */
int cw_store_keys_consent_get(cw_store_keys *s, const char *consent_id,
                              cw_store_consent *out, char *err, size_t errlen);

/* Destroy a consent's key and set erased_ms, durably (one committed statement).
 * *destroyed is 1 if a key was there, 0 if it was already destroyed or the consent is
 * unknown. 0, or -1 with err. */
int cw_store_keys_consent_shred(cw_store_keys *s, const char *consent_id, int64_t now_ms,
                                int *destroyed, char *err, size_t errlen);

/* PRAGMA wal_checkpoint(TRUNCATE): every committed page into the main file and the WAL
 * cut to zero bytes, so no old page (a destroyed key) stays in keys.db-wal. 0 or -1. */
int cw_store_keys_checkpoint(cw_store_keys *s, char *err, size_t errlen);

/* How many subjects, and how many of them erased. 0 or -1. */
int cw_store_keys_count(cw_store_keys *s, uint64_t *subjects, uint64_t *erased, char *err,
                        size_t errlen);

/* ---- content.db ---------------------------------------------------------------- */

typedef struct cw_store_content cw_store_content;

/* One artifact row. sealed is the inline sealed data (nonce || ciphertext || tag), or
 * NULL when the artifact lives in a blob file. */
typedef struct cw_store_artifact {
    char id[CW_STORE_REF_LEN];
    char subject_ref[CW_STORE_REF_LEN];
    char consent_id[CW_STORE_CONSENT_LEN];
    char purpose[CW_STORE_PURPOSE_LEN];
    char kind[CW_STORE_KIND_LEN];
    int64_t created_ms;
    int64_t delete_after_ms;
    uint64_t size;                      /* plaintext bytes */
    char sha256_hex[65];                /* of the sealed bytes, as stored */
    const uint8_t *sealed;              /* inline data, or NULL: in blobs/<id>.bin */
    size_t sealed_len;
} cw_store_artifact;

/* Which artifacts a select returns: each field narrows, NULL / 0 do not. */
typedef struct cw_store_filter {
    const char *subject_ref;
    const char *consent_id;
    int due;                            /* 1: only delete_after_ms <= due_ms */
    int64_t due_ms;
    unsigned limit;                     /* at most this many rows; 0: all */
} cw_store_filter;

/* Open (creating) content.db at path. 0, or -1 with err (corrupt/foreign: refused, unchanged). */
int cw_store_content_open(const char *path, cw_store_content **out, char *err,
                          size_t errlen);

/* Close the handle (NULL is fine). */
void cw_store_content_close(cw_store_content *s);

/* Insert an artifact row, durably. 0, or -1 with err. */
int cw_store_content_insert(cw_store_content *s, const cw_store_artifact *a, char *err,
                            size_t errlen);

/* The artifact id into *out; its inline sealed bytes, if any, in a malloc'd copy in
 * *sealed (the caller frees it; NULL for a blob artifact). 0; 1 no such artifact; -1
 * (also for a text column longer than its field: the row was altered). */
int cw_store_content_get(cw_store_content *s, const char *id, cw_store_artifact *out,
                         uint8_t **sealed, char *err, size_t errlen);

/* Call fn for each artifact the filter selects (by delete_after_ms, then id when due
 * is set, else by created_ms, then id), metadata only (sealed NULL, sealed_len the
 * inline length or 0), until fn returns non-zero. 0, or -1 with err. */
int cw_store_content_select(cw_store_content *s, const cw_store_filter *f,
                            int (*fn)(void *ud, const cw_store_artifact *a), void *ud,
                            char *err, size_t errlen);

/* Delete these artifact rows in one transaction, durably. 0, or -1 with err (then none
 * was deleted). */
int cw_store_content_delete(cw_store_content *s, const char (*ids)[CW_STORE_REF_LEN],
                            size_t n, char *err, size_t errlen);

/* 1 if an artifact row id exists, 0 if not, -1 on error. */
int cw_store_content_exists(cw_store_content *s, const char *id);

/* The smallest delete_after_ms of all artifacts, INT64_MAX if there is none (or on error). */
int64_t cw_store_content_next_expiry(cw_store_content *s);

/* PRAGMA wal_checkpoint(TRUNCATE) on content.db (see cw_store_keys_checkpoint). 0 or -1. */
int cw_store_content_checkpoint(cw_store_content *s, char *err, size_t errlen);

/* How many artifacts and their plaintext bytes. 0 or -1. */
int cw_store_content_count(cw_store_content *s, uint64_t *artifacts, uint64_t *bytes,
                           char *err, size_t errlen);

#endif
