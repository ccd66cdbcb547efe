/* erase.c  Erasure: withdrawal of one consent (G5), erasure of a data subject (Art. 17),
 * and re-erasure after keys.db came back from a backup.
 *
 * Both kinds of erasure are crypto-shredding first and deletion second. A withdrawal
 * destroys the consent's key (consent.c), an erasure the subject's key and all of its
 * consents' keys; that one commit alone is followed by a checkpoint of keys.db, so that
 * the old page holding the wrapped keys is gone from the WAL too. From that commit on
 * the content is unreadable, whatever happens next and wherever a copy of its
 * ciphertext lies: a backup of content.db or blobs/ taken before still holds the sealed
 * bytes, but no key that opens them. Deleting the artifacts afterwards (rows with
 * secure_delete, blob files overwritten with zeros and unlinked, then content.db
 * checkpointed and its WAL truncated) only removes ciphertext nobody can open, and
 * makes the vault's own files say what the ledger says.
 *
 * What the shredding cannot reach is a backup of keys.db taken before: restored, it
 * brings the keys back. cw_vault_reconcile destroys them again, from the ledger's list
 * of erased subjects and withdrawn consents.
 *
 * Deletion goes in batches of VAULT_BATCH: select, delete the rows in one transaction,
 * then remove the blob files. A crash after the commit leaves a blob without a row,
 * which the sweeper's orphan pass removes; a crash before it deletes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "callwarden/error.h"
#include "vault_int.h"

typedef struct batch {
    size_t n;
    cw_store_artifact a[VAULT_BATCH];
    char ids[VAULT_BATCH][CW_STORE_REF_LEN];
} batch;

static int collect(void *ud, const cw_store_artifact *a)
{
    batch *b = ud;
    b->a[b->n] = *a;
    memcpy(b->ids[b->n], a->id, CW_STORE_REF_LEN);
    b->n++;
    return b->n == VAULT_BATCH;
}

int vault_delete(cw_vault *v, const cw_store_filter *f,
                 int (*fn)(void *ud, const cw_vault_meta *m), void *ud, uint64_t *n,
                 char *err, size_t errlen)
{
    batch *b = malloc(sizeof *b);
    if (!b)
        return cw_error(err, errlen, "out of memory");
    cw_store_filter one = *f;
    one.limit = VAULT_BATCH;
    int rc = 0, stop = 0;
    while (rc == 0 && !stop) {
        b->n = 0;
        if (cw_store_content_select(v->content, &one, collect, b, err, errlen) != 0 ||
            cw_store_content_delete(v->content, (const char (*)[CW_STORE_REF_LEN])b->ids,
                                    b->n, err, errlen) != 0) {
            rc = -1;
            break;
        }
        /* the rows are gone for good: remove the files, then tell the caller */
        int blobs = 0;
        for (size_t i = 0; i < b->n; i++) {
            char path[CW_PATH_LEN];
            if (b->a[i].sealed_len != 0)
                continue;
            blobs = 1;
            if (vault_blob_path(v, b->ids[i], ".bin", path) != 0 ||
                vault_blob_destroy(path, err, errlen) != 0)
                rc = -1;        /* an orphan now: the next sweep tries again */
        }
        if (blobs && vault_blobs_sync(v, rc ? NULL : err, rc ? 0 : errlen) != 0)
            rc = -1;
        for (size_t i = 0; i < b->n; i++) {
            cw_vault_meta m;
            vault_meta_of(&b->a[i], &m);
            if (n)
                (*n)++;
            if (fn && fn(ud, &m) != 0)
                stop = 1;
        }
        if (b->n < VAULT_BATCH)
            break;
    }
    free(b);
    return rc;
}

/* Withdraw one consent: destroy its key (one committed UPDATE), checkpoint keys.db if
 * asked, then delete its artifacts (content.db not checkpointed). *destroyed: a key was
 * there. 0; 1 consent unknown to keys.db (its artifacts still deleted); -1. A failed
 * destruction touches nothing else; a failed keys.db checkpoint is reported, but the
 * artifacts are still deleted: the content is unreadable from the UPDATE's commit on. */
static int withdraw_one(cw_vault *v, const char *consent_id, int64_t now_ms, int checkpoint,
                        int *destroyed, uint64_t *n, char *err, size_t errlen)
{
    *destroyed = 0;
    if (!vault_consent_ok(consent_id))
        return cw_error(err, errlen, "bad consent id \"%.40s\"", consent_id ? consent_id : "");
    cw_store_consent c;
    int known = cw_store_keys_consent_get(v->keys, consent_id, &c, err, errlen);
    cw_wipe(&c, sizeof c);
    if (known < 0)
        return -1;
    if (known == 0 &&
        cw_store_keys_consent_shred(v->keys, consent_id, now_ms, destroyed, err, errlen) != 0)
        return -1;              /* the key is still there: touch nothing else */
    int rc = checkpoint ? cw_store_keys_checkpoint(v->keys, err, errlen) : 0;
    cw_store_filter f = { NULL, consent_id, 0, 0, 0 };
    if (vault_delete(v, &f, NULL, NULL, n, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (rc == 0 && known == 1) {
        cw_error(err, errlen, "no consent %s in keys.db", consent_id);
        return 1;
    }
    return rc;
}

int cw_vault_erase_consent(cw_vault *v, const char *consent_id, int64_t now_ms,
                           uint64_t *n_erased, char *err, size_t errlen)
{
    uint64_t n = 0;
    int destroyed;
    /* the key first, and out of keys.db's WAL, before any artifact is touched */
    int rc = withdraw_one(v, consent_id, now_ms, 1, &destroyed, &n, err, errlen);
    if (cw_store_content_checkpoint(v->content, rc < 0 ? NULL : err, rc < 0 ? 0 : errlen)
        != 0)
        rc = -1;
    if (n_erased)
        *n_erased = n;
    return rc;
}

/* Erase one subject: destroy its key, sealed number and index and its consents' keys
 * (one committed transaction), checkpoint keys.db if asked, then delete its artifacts
 * (content.db not checkpointed). *destroyed: the subject's key was there. 0; 1 unknown
 * subject (its artifacts still deleted); -1. A failed keys.db checkpoint is reported,
 * but the artifacts are still deleted: the content is unreadable from the commit on. */
static int erase_one(cw_vault *v, const char *ref, int64_t now_ms, int checkpoint,
                     int *destroyed, uint64_t *n, char *err, size_t errlen)
{
    *destroyed = 0;
    if (!vault_ref_ok(ref))
        return cw_error(err, errlen, "bad subject ref \"%.40s\"", ref ? ref : "");
    cw_store_subject s;
    int known = cw_store_keys_get(v->keys, ref, &s, err, errlen);
    cw_wipe(&s, sizeof s);
    if (known < 0)
        return -1;
    /* also for an unknown subject: any consent keys of that ref go all the same */
    if (cw_store_keys_shred(v->keys, ref, now_ms, destroyed, err, errlen) != 0)
        return -1;              /* the key is still there: touch nothing else */
    int rc = checkpoint ? cw_store_keys_checkpoint(v->keys, err, errlen) : 0;
    cw_store_filter f = { ref, NULL, 0, 0, 0 };
    if (vault_delete(v, &f, NULL, NULL, n, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (rc == 0 && known == 1) {
        cw_error(err, errlen, "no subject %s in keys.db", ref);
        return 1;
    }
    return rc;
}

int cw_vault_erase_subject(cw_vault *v, const char *subject_ref, int64_t now_ms,
                           uint64_t *n_erased, char *err, size_t errlen)
{
    uint64_t n = 0;
    int destroyed;
    /* the key first, and out of keys.db's WAL, before any artifact is touched */
    int rc = erase_one(v, subject_ref, now_ms, 1, &destroyed, &n, err, errlen);
    if (cw_store_content_checkpoint(v->content, rc < 0 ? NULL : err, rc < 0 ? 0 : errlen)
        != 0)
        rc = -1;
    if (n_erased)
        *n_erased = n;
    return rc;
}

int cw_vault_reconcile(cw_vault *v, const char *const *erased_subject_refs, size_t n,
                       const char *const *erased_consent_ids, size_t nconsents,
                       int64_t now_ms, uint64_t *n_reshredded, char *err, size_t errlen)
{
    uint64_t again = 0, deleted = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int destroyed = 0;
        if (erase_one(v, erased_subject_refs[i], now_ms, 0, &destroyed, &deleted, err,
                      errlen) < 0)
            rc = -1;
        again += (uint64_t)destroyed;
    }
    for (size_t i = 0; rc == 0 && i < nconsents; i++) {
        int destroyed = 0;
        if (withdraw_one(v, erased_consent_ids[i], now_ms, 0, &destroyed, &deleted, err,
                         errlen) < 0)
            rc = -1;
        again += (uint64_t)destroyed;
    }
    /* checkpoint both files even after a failure: what was destroyed must leave the WAL */
    if (cw_store_keys_checkpoint(v->keys, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (cw_store_content_checkpoint(v->content, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (n_reshredded)
        *n_reshredded = again;
    return rc;
}
