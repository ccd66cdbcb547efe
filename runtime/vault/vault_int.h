/* vault_int.h  What stays inside the vault part: the handle, the keys in locked memory,
 * and the helpers its files share (master key file, sealing, subject and consent keys,
 * blob files, deletion). */
#ifndef CW_VAULT_INT_H
#define CW_VAULT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "callwarden/config.h"
#include "callwarden/crypto.h"
#include "callwarden/store_vault.h"
#include "callwarden/vault.h"

/* HKDF info strings: one key per job. The first three from the master key (salt
 * empty), the consent-wrapping key from a subject key (salt empty), item keys from a
 * consent key (salt = artifact id; "/2": not the per-subject item keys of keys.db v1). */
#define VAULT_INFO_INDEX "callwarden-vault-index"
#define VAULT_INFO_NUMBER "callwarden-vault-number"
#define VAULT_INFO_KEK "callwarden-vault-kek"
#define VAULT_INFO_CONSENT_KEK "callwarden-vault-consent-kek"
#define VAULT_INFO_ITEM "callwarden-vault-item/2"

#define VAULT_SEAL_OVERHEAD (CW_GCM_NONCE_LEN + CW_GCM_TAG_LEN)   /* 28 */
/* An artifact's AAD at most: five NUL-terminated fields and two 8-byte times. */
#define VAULT_ITEM_AAD_MAX (2 * CW_VAULT_REF_LEN + CW_VAULT_CONSENT_LEN + \
                            CW_VAULT_PURPOSE_LEN + CW_VAULT_KIND_LEN + 16)
#define VAULT_BATCH 500                 /* artifacts deleted per transaction */
#define VAULT_ORPHAN_AGE_S 600          /* a blob file without a row this old is a leftover */

/* Every key the vault holds, in one page from cw_secmem_alloc (locked, not dumped). The
 * master key lives here only while the others are derived from it. */
typedef struct vault_secrets {
    uint8_t master[CW_AES256_KEY_LEN];
    uint8_t index_key[CW_AES256_KEY_LEN];   /* HMAC key of the number index */
    uint8_t number_key[CW_AES256_KEY_LEN];  /* seals subjects' numbers */
    uint8_t kek[CW_AES256_KEY_LEN];         /* wraps subject keys */
    /* scratch, for one call and wiped at its end (vault_wipe_scratch): */
    uint8_t subject_key[CW_AES256_KEY_LEN]; /* the subject key */
    uint8_t consent_kek[CW_AES256_KEY_LEN]; /* from it: wraps the subject's consent keys */
    uint8_t consent_key[CW_AES256_KEY_LEN]; /* the consent key */
    uint8_t item_key[CW_AES256_KEY_LEN];    /* from it: the artifact key */
} vault_secrets;

struct cw_vault {
    char dir[CW_PATH_LEN];              /* DATA/<tenant> */
    char blobs[CW_PATH_LEN];            /* DATA/<tenant>/blobs */
    cw_store_keys *keys;
    cw_store_content *content;
    vault_secrets *sec;
    int locked;                         /* 1 if sec is locked in RAM */
    time_t orphans_checked;             /* last orphan pass (wall clock), 0: none yet */
};

/* ---- master.c ---- */

/* DATA/<tenant> into dir (cap bytes). 0, or -1 with err (bad tenant name, too long). */
int vault_tenant_dir(const char *data_dir, const char *tenant, char *dir, size_t cap,
                     char *err, size_t errlen);
/* Read DATA/<tenant>/master.key into key (refusing a file others can read). 0 or -1. */
int vault_master_load(const char *data_dir, const char *tenant,
                      uint8_t key[CW_AES256_KEY_LEN], char *err, size_t errlen);

/* ---- seal.c ---- */

/* 1 if s is 32 lower-case hex digits (a subject ref or artifact id), else 0. */
int vault_ref_ok(const char *s);
/* 1 if s is a consent id: the ledger's UUID, or any [A-Za-z0-9-]{1,39}; else 0. */
int vault_consent_ok(const char *s);
/* Seal len bytes under key with a random nonce: out gets nonce || ciphertext || tag
 * (len + VAULT_SEAL_OVERHEAD bytes). 0 or -1. */
int vault_seal(const uint8_t key[CW_AES256_KEY_LEN], const void *aad, size_t aad_len,
               const void *plain, size_t len, uint8_t *out);
/* Open nonce || ciphertext || tag (in_len >= VAULT_SEAL_OVERHEAD) into out
 * (in_len - VAULT_SEAL_OVERHEAD bytes). 0, or -1 if it does not verify. */
int vault_unseal(const uint8_t key[CW_AES256_KEY_LEN], const void *aad, size_t aad_len,
                 const uint8_t *in, size_t in_len, uint8_t *out);
/* The artifact's key (from v->sec->consent_key, salt = id) into v->sec->item_key. 0 or -1. */
int vault_item_key(cw_vault *v, const char *id);
/* An artifact's AAD from its row: id, subject ref, consent id, purpose and kind, each
 * followed by a NUL, then created_ms and delete_after_ms as 8 bytes big-endian each,
 * into out (cap bytes; VAULT_ITEM_AAD_MAX is enough). Its length, or 0 if it does not fit. */
size_t vault_item_aad(uint8_t *out, size_t cap, const cw_store_artifact *a);
/* Wipe the scratch keys of a call (subject, consent-wrapping, consent, item key). */
void vault_wipe_scratch(cw_vault *v);

/* ---- subject.c ---- */

/* Unwrap the subject's key into v->sec->subject_key: 0; 1 erased or unknown (err says
 * which); -1 if the wrapped key does not verify or on error. */
int vault_subject_key(cw_vault *v, const char *ref, char *err, size_t errlen);

/* ---- consent.c ---- */

/* For a put: the consent's key into v->sec->consent_key, made (and stored durably,
 * created_ms = now_ms) if the consent is new. v->sec->subject_key must hold the key of
 * subject_ref. 0, or -1 with err: the consent belongs to another subject, was withdrawn
 * (its key destroyed), its wrapped key does not verify, or on error. */
int vault_consent_make(cw_vault *v, const char *consent_id, const char *subject_ref,
                       int64_t now_ms, char *err, size_t errlen);
/* For a get: the key of an existing consent of subject_ref into v->sec->consent_key
 * (v->sec->subject_key loaded as above). 0; 1 destroyed (withdrawn or its subject
 * erased); -1 with err: no such consent in keys.db, a consent of another subject (the
 * row was altered, or keys.db is older than the artifact), a key that does not verify.
 * err reads as the end of "artifact <id>: ...". */
int vault_consent_open(cw_vault *v, const char *consent_id, const char *subject_ref,
                       char *err, size_t errlen);

/* ---- number.c ---- */

/* Normalise a phone number into out: 0; 1 if it is withheld (NULL or ""); -1 with err. */
int vault_number_normalise(const char *in, char out[CW_VAULT_NUMBER_LEN], char *err,
                           size_t errlen);

/* ---- blob.c ---- */

/* DATA/<tenant>/blobs/<id><suffix> into path (CW_PATH_LEN). 0, or -1 if too long. */
int vault_blob_path(const cw_vault *v, const char *id, const char *suffix, char *path);
/* Write a new blob file durably: temp name, fsync, rename, fsync of blobs/. 0 or -1. */
int vault_blob_write(cw_vault *v, const char *id, const uint8_t *data, size_t len,
                     char *err, size_t errlen);
/* Read blob id, which must hold exactly expect bytes, into *out (malloc'd). 0 or -1. */
int vault_blob_read(cw_vault *v, const char *id, size_t expect, uint8_t **out, char *err,
                    size_t errlen);
/* Overwrite the file at path with zeros, fsync it, unlink it (a missing file is fine);
 * the caller fsyncs the directory. 0 or -1. */
int vault_blob_destroy(const char *path, char *err, size_t errlen);
/* fsync the blobs/ directory (after renames and unlinks). 0 or -1. */
int vault_blobs_sync(cw_vault *v, char *err, size_t errlen);

/* ---- erase.c ---- */

/* Delete every artifact the filter selects (its limit ignored), VAULT_BATCH per
 * transaction: rows, then blob files; fn (may be NULL) sees each after that, and its
 * non-zero return stops after the batch. Adds the count to *n. 0 or -1 with err. */
int vault_delete(cw_vault *v, const cw_store_filter *f,
                 int (*fn)(void *ud, const cw_vault_meta *m), void *ud, uint64_t *n,
                 char *err, size_t errlen);
/* A store row's metadata as the vault's public type. */
void vault_meta_of(const cw_store_artifact *a, cw_vault_meta *m);

#endif
