/* erase.c  Erasure: withdrawal of one consent (G5), erasure of a data subject (Art. 17),
 * and re-erasure after keys.db came back from a backup.
 *
 * A subject's erasure destroys its key first and commits that alone, then checkpoints
 * keys.db so that the old page holding the wrapped key is gone from the WAL too. From
 * that commit on the subject's content is unreadable, whatever happens next; deleting
 * the artifacts afterwards only removes ciphertext nobody can open.
 *
 * A withdrawal keeps the subject's key (the caller's other consents still hold), so it
 * can only delete: rows with secure_delete, blob files overwritten with zeros and
 * unlinked, then content.db checkpointed and its WAL truncated. A backup of content.db
 * or blobs/ taken before the withdrawal still opens with the live subject key; only the
 * subject's erasure shreds such copies too.
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

/* Delete a consent's or a subject's artifacts and checkpoint content.db. */
static int delete_and_checkpoint(cw_vault *v, const cw_store_filter *f, uint64_t *n,
                                 char *err, size_t errlen)
{
    int rc = vault_delete(v, f, NULL, NULL, n, err, errlen);
    if (cw_store_content_checkpoint(v->content, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    return rc;
}

int cw_vault_erase_consent(cw_vault *v, const char *consent_id, uint64_t *n_erased,
                           char *err, size_t errlen)
{
    uint64_t n = 0;
    if (n_erased)
        *n_erased = 0;
    if (!consent_id || !*consent_id || strlen(consent_id) >= CW_VAULT_CONSENT_LEN)
        return cw_error(err, errlen, "bad consent id");
    cw_store_filter f = { NULL, consent_id, 0, 0, 0 };
    int rc = delete_and_checkpoint(v, &f, &n, err, errlen);
    if (n_erased)
        *n_erased = n;
    return rc;
}

/* Erase one subject: destroy its key, sealed number and index (one committed UPDATE),
 * checkpoint keys.db if asked, then delete its artifacts (content.db not checkpointed).
 * *destroyed: a key was there. 0; 1 unknown subject (its artifacts still deleted); -1.
 * A failed keys.db checkpoint is reported, but the artifacts are still deleted: the
 * content is unreadable from the UPDATE's commit on. */
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
    if (known == 0 && cw_store_keys_shred(v->keys, ref, now_ms, destroyed, err, errlen) != 0)
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
    /* checkpoint both files even after a failure: what was destroyed must leave the WAL */
    if (cw_store_keys_checkpoint(v->keys, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (cw_store_content_checkpoint(v->content, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (n_reshredded)
        *n_reshredded = again;
    return rc;
}
