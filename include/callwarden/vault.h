/*
 * vault.h  The content vault (issue 4; G5, G7): where a tenant's recordings, transcripts
 * and consent snippets are kept, apart from the consent ledger, encrypted, erasable by
 * destroying keys (crypto-shredding), and deleted when their retention ends.
 *
 * Per tenant, under DATA/<tenant>/:
 *   master.key   the tenant's vault master key (0600, made once, never overwritten)
 *   keys.db      one row per data subject: its random key, wrapped under the master key;
 *                one row per consent: its random key, wrapped under a key derived from
 *                its subject's key
 *   content.db   one row per artifact: clear metadata, and the sealed bytes of small ones
 *   blobs/       <artifact_id>.bin: the sealed bytes of larger artifacts (0600)
 *
 * Every artifact is sealed (AES-256-GCM) under a key derived from its consent's key,
 * with its row's metadata (id, subject, consent, purpose, kind, created_ms,
 * delete_after_ms) as AAD. Withdrawal of one consent (G5) destroys that consent's key;
 * erasure of a subject (Art. 17) destroys the subject's key and all of its consents'
 * keys. Either way the content is unreadable from that commit on, wherever a copy of
 * the ciphertext lies (a backup of content.db or blobs/ included); the rows are deleted
 * (secure_delete) and blob files overwritten and unlinked after it. The sweeper deletes
 * what expired, and a row whose expiry or kind was changed does not open.
 *
 * All calls are synchronous (fsync'd: run them on a worker thread, not the loop). A
 * handle is used by one thread at a time. Every function that can fail returns -1 with
 * a reason in err (errlen bytes; err may be NULL); where a function returns 1 ("not
 * found", "erased") err says which, too.
 */
#ifndef CALLWARDEN_VAULT_H
#define CALLWARDEN_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define CW_VAULT_REF_LEN 33             /* a 128-bit id as 32 hex digits and the NUL */
#define CW_VAULT_SHA256_HEX_LEN 65
#define CW_VAULT_NUMBER_LEN 34          /* a normalised number: '+', 32 digits, NUL */
#define CW_VAULT_CONSENT_LEN 40
#define CW_VAULT_PURPOSE_LEN 33
#define CW_VAULT_KIND_LEN 64
#define CW_VAULT_INLINE_MAX 4096        /* larger artifacts go to blob files */
#define CW_VAULT_ITEM_MAX ((size_t)1 << 30)  /* 1 GiB: one artifact at most */

typedef struct cw_vault cw_vault;

/* What the caller says about an artifact it stores. All strings are the caller's. */
typedef struct cw_vault_item {
    const char *subject_ref;            /* from cw_vault_subject */
    const char *consent_id;             /* the ledger's consent UUID: [A-Za-z0-9-]{1,39};
                                           a consent belongs to one subject */
    const char *purpose;                /* "recording", "transcript", ...: [a-z0-9_]{1,32} */
    const char *kind;                   /* e.g. "audio/wav", "text/plain": [a-z0-9_./+-]{1,63} */
    int64_t created_ms;
    int64_t delete_after_ms;            /* required (G7): 0 or <= created_ms is refused */
    const char *id;                     /* NULL: a new random id; else the one to use
                                           ([0-9a-f]{32}, unused: a ledger record named it
                                           before the content was stored) */
} cw_vault_item;

/* What the vault tells about a stored artifact: metadata only, never content. */
typedef struct cw_vault_meta {
    char id[CW_VAULT_REF_LEN];
    char subject_ref[CW_VAULT_REF_LEN];
    char consent_id[CW_VAULT_CONSENT_LEN];
    char purpose[CW_VAULT_PURPOSE_LEN];
    char kind[CW_VAULT_KIND_LEN];
    int64_t created_ms;
    int64_t delete_after_ms;
    uint64_t size;                      /* plaintext bytes */
    char sha256_hex[CW_VAULT_SHA256_HEX_LEN];  /* of the sealed bytes (nonce||ct||tag) as
                                                  stored: the ledger's evidence reference */
    int in_blob;                        /* 1: in blobs/<id>.bin; 0: inline in content.db */
} cw_vault_meta;

/* Counts for metrics. */
typedef struct cw_vault_stats {
    uint64_t subjects;                  /* subject rows in keys.db, erased ones included */
    uint64_t subjects_erased;
    uint64_t artifacts;
    uint64_t bytes;                     /* plaintext bytes of all artifacts */
} cw_vault_stats;

/* Make DATA/<tenant>/master.key (32 random bytes as hex, 0600; the directories 0700 if
 * new). An existing key is never overwritten: -1 then, as on any failure, with err. */
int cw_vault_master_create(const char *data_dir, const char *tenant, char *err,
                           size_t errlen);

/*
 * Open the tenant's vault: load master.key (it must exist and be readable by its owner
 * only), open or create keys.db, content.db and blobs/ (0700). No file is created when
 * master.key is missing or refused; a corrupt or foreign database is refused and left
 * unchanged. 0 and *out (free it with cw_vault_close), or -1 with err.
 */
int cw_vault_open(const char *data_dir, const char *tenant, cw_vault **out, char *err,
                  size_t errlen);

/* Close the databases, wipe and free the keys (NULL is fine). */
void cw_vault_close(cw_vault *v);

/*
 * The subject for a caller's number, made if new, into ref. The number is normalised
 * ("+49 30 1234-567" is "+49301234567": a leading '+' and digits kept; spaces, '-',
 * '/', '(', ')' dropped; anything else, no digit or more than 32 digits is refused; no
 * country code is inferred, so "030..." and "+4930..." are two subjects). number NULL or
 * "" is a withheld caller: always a new subject (a per-call key), never looked up. A
 * subject that was erased is not found again: its caller gets a new subject. 0 or -1.
 */
int cw_vault_subject(cw_vault *v, const char *number, int64_t now_ms,
                     char ref[CW_VAULT_REF_LEN], char *err, size_t errlen);

/* Look up the subject of a number without making one: 0 found (ref filled), 1 not
 * found (also for an erased subject or an empty number), -1 error (a bad number). */
int cw_vault_find_subject(cw_vault *v, const char *number, char ref[CW_VAULT_REF_LEN],
                          char *err, size_t errlen);

/* The subject's normalised number, decrypted into number (cap bytes; CW_VAULT_NUMBER_LEN
 * is enough), for a subject access export. 0; 1 withheld, erased or unknown; -1 error
 * (a sealed number that does not verify). */
int cw_vault_subject_number(cw_vault *v, const char *ref, char *number, size_t cap,
                            char *err, size_t errlen);

/*
 * Seal and store len bytes of data as a new artifact of item->subject_ref under
 * item->consent_id, durably: up to CW_VAULT_INLINE_MAX bytes in content.db, more in a
 * blob file (temp name, fsync, rename, directory fsync). The first put under a consent
 * makes its key in keys.db and binds the consent to this subject. The new artifact's id
 * and the SHA-256 of its sealed bytes go into id and sha256_hex. Refused (-1 with err):
 * an unknown or erased subject, a withdrawn consent, a consent of another subject, no
 * delete_after_ms or one not after created_ms, a bad consent id, purpose or kind, len
 * above CW_VAULT_ITEM_MAX.
 */
int cw_vault_put(cw_vault *v, const cw_vault_item *item, const void *data, size_t len,
                 char id[CW_VAULT_REF_LEN], char sha256_hex[CW_VAULT_SHA256_HEX_LEN],
                 char *err, size_t errlen);

/*
 * Open artifact id: its plaintext in *data (malloc'd, *len bytes; the caller owns it and
 * should release it with cw_vault_free_data, which wipes it first) and its metadata in
 * *meta (may be NULL). 0; 1 if there is no such artifact or its subject's or consent's
 * key was destroyed (shredded: also for a row or blob restored from a backup), *data
 * NULL; -1 if the stored bytes or their metadata were altered (the SHA-256 or the GCM
 * tag does not verify, e.g. a changed delete_after_ms or kind, or the row names a
 * consent keys.db does not have or one of another subject: err says which), a blob
 * file is missing, or on I/O errors.
 */
int cw_vault_get(cw_vault *v, const char *id, uint8_t **data, size_t *len,
                 cw_vault_meta *meta, char *err, size_t errlen);

/* Wipe len bytes at data and free them (data from cw_vault_get; NULL is fine). */
void cw_vault_free_data(uint8_t *data, size_t len);

/* Call fn with the metadata of every artifact of a subject and/or a consent (NULL: any),
 * oldest first, until fn returns non-zero. 0, or -1 with err. */
int cw_vault_list(cw_vault *v, const char *subject_ref, const char *consent_id,
                  int (*fn)(void *ud, const cw_vault_meta *m), void *ud, char *err,
                  size_t errlen);

/*
 * Withdrawal (G5), crypto-shredding: first the consent's key is destroyed (its wrapped
 * key set to NULL, erased_ms = now_ms) and committed, and keys.db's WAL checkpointed
 * and truncated; from that commit on the consent's content is unreadable, also in a
 * backup of content.db or blobs/ taken before, even if a later step fails. Then every
 * artifact of the consent is deleted: rows (secure_delete), blob files overwritten with
 * zeros, fsync'd and unlinked, content.db's WAL checkpointed and truncated. The
 * subject's other consents keep their keys. *n_erased (may be NULL) counts the deleted
 * artifacts. Idempotent: a consent already withdrawn gives 0 (leftover artifacts are
 * deleted now). 0; 1 if keys.db has no such consent (its artifacts, if any, are still
 * deleted); -1 with err (what was destroyed or deleted before the failure stays so;
 * calling again finishes the job).
 */
int cw_vault_erase_consent(cw_vault *v, const char *consent_id, int64_t now_ms,
                           uint64_t *n_erased, char *err, size_t errlen);

/*
 * Erasure of a data subject (Art. 17): first its key, sealed number and number index
 * and the keys of all of its consents are destroyed in one committed transaction, and
 * keys.db's WAL is checkpointed and truncated (from that commit on its content is
 * unreadable, even if a later step fails); then its artifacts are deleted as by
 * cw_vault_erase_consent. Idempotent: a subject already erased gives 0 (its leftover
 * artifacts, if a run was cut short, are deleted now). 0; 1 if keys.db has no such
 * subject (its artifacts, if any, are still deleted); -1.
 */
int cw_vault_erase_subject(cw_vault *v, const char *subject_ref, int64_t now_ms,
                           uint64_t *n_erased, char *err, size_t errlen);

/*
 * Retention (G7): delete every artifact with delete_after_ms <= now_ms, 500 per
 * transaction, and call fn (may be NULL) with each one's metadata after its deletion
 * committed and its blob file is gone (the caller logs EXPIRED/ERASED in the ledger);
 * fn returning non-zero stops the sweep after the current batch (every deleted one is
 * still reported). Then content.db's WAL is checkpointed and truncated, and, at most
 * every 10 minutes, cw_vault_remove_orphans runs. *n_erased (may be NULL) counts the
 * expired ones. 0, or -1 with err.
 */
int cw_vault_sweep(cw_vault *v, int64_t now_ms, int (*fn)(void *ud, const cw_vault_meta *m),
                   void *ud, uint64_t *n_erased, char *err, size_t errlen);

/* Remove blob files that no row names (left by a crash inside put or erase) and are more
 * than 10 minutes old by the file system's clock, overwriting them first. *n_removed
 * (may be NULL) counts them. 0, or -1 with err. */
int cw_vault_remove_orphans(cw_vault *v, uint64_t *n_removed, char *err, size_t errlen);

/* The smallest delete_after_ms of all stored artifacts, INT64_MAX if there is none: the
 * time the sweeper's timer should next fire. */
int64_t cw_vault_next_expiry(cw_vault *v);

/*
 * After keys.db was restored from a backup: destroy again the key of every listed
 * subject that has one (n refs; with the keys of its consents) and of every listed
 * consent that has one (nconsents ids), and delete their artifacts if any came back, as
 * cw_vault_erase_subject and cw_vault_erase_consent do (now_ms becomes their
 * erased_ms). The caller takes both lists from the ledger (its erasure and withdrawal
 * records); either may be NULL when its count is 0; unknown refs and ids are fine.
 * *n_reshredded (may be NULL) counts the listed subjects and consents whose key was
 * there and is destroyed again (consent keys that go with a listed subject are not
 * counted). 0, or -1 with err (subjects first, then consents: the ones after the
 * failing one are not handled: call again).
 */
int cw_vault_reconcile(cw_vault *v, const char *const *erased_subject_refs, size_t n,
                       const char *const *erased_consent_ids, size_t nconsents,
                       int64_t now_ms, uint64_t *n_reshredded, char *err, size_t errlen);

/* Counts of subjects and artifacts into *st. 0, or -1 with err. */
int cw_vault_stats_get(cw_vault *v, cw_vault_stats *st, char *err, size_t errlen);

#endif
