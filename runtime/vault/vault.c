/* vault.c  The content vault (issue 4): opening a tenant's vault and closing it.
 *
 * G5 (withdrawal erases) and G7 (everything expires) are served here, apart from the
 * consent ledger (G4), which holds proof of consent but no content:
 *
 *   master.key  --HKDF-->  index key  (HMAC: find a subject by its number)
 *                          number key (AES-GCM: the number, for subject access)
 *                          KEK        (AES-GCM: wraps each subject's random key)
 *   subject key --HKDF-->  consent-wrapping key (AES-GCM: wraps each of the subject's
 *                                                consent keys, one random key a consent)
 *   consent key --HKDF(salt = artifact id)-->  item key (AES-GCM: one artifact, its row's
 *                                                        metadata as AAD)
 *
 * keys.db holds the subjects and the consents with their wrapped keys, content.db the
 * artifacts' clear metadata and the sealed bytes of small ones, blobs/ the sealed bytes
 * of larger ones. Both kinds of erasure are crypto-shredding (erase.c): withdrawal of a
 * consent (G5) destroys that consent's key, erasure of a subject (Art. 17) the
 * subject's key and all of its consents' keys; that one committed change is what makes
 * the content unreadable in every copy, a backup of content.db or blobs/ included. The
 * artifacts are deleted after it; the sweeper (sweep.c) deletes expired ones; each
 * erasure ends with a WAL checkpoint so that no destroyed key and no deleted page
 * lingers in a -wal file. A backup of keys.db brings keys back: cw_vault_reconcile
 * destroys them again. Because the AAD covers kind and both times, a row whose
 * retention date was moved or whose kind was relabelled does not open (seal.c).
 *
 * Only derived keys stay in memory, in one locked page that core dumps leave out; the
 * master key is wiped as soon as they are derived, subject, consent and item keys at
 * the end of the call that needed them. Nothing here is created before master.key
 * loaded, so a wrong --data or --tenant leaves no empty vault behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "callwarden/error.h"
#include "callwarden/log.h"
#include "vault_int.h"

static int derive(vault_secrets *s)
{
    struct { const char *info; uint8_t *out; } keys[] = {
        { VAULT_INFO_INDEX, s->index_key },
        { VAULT_INFO_NUMBER, s->number_key },
        { VAULT_INFO_KEK, s->kek },
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof keys / sizeof keys[0]; i++)
        rc = cw_hkdf_sha256(NULL, 0, s->master, sizeof s->master, keys[i].info,
                            strlen(keys[i].info), keys[i].out, CW_AES256_KEY_LEN);
    cw_wipe(s->master, sizeof s->master);
    return rc;
}

/* blobs/ must be a directory of ours, not a symlink somewhere else. */
static int make_blobs_dir(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return cw_error(err, errlen, "%s: %s", path, strerror(errno));
    if (lstat(path, &sb) != 0)
        return cw_error(err, errlen, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return cw_error(err, errlen, "%s: not a directory", path);
    return 0;
}

int cw_vault_open(const char *data_dir, const char *tenant, cw_vault **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    cw_vault *v = calloc(1, sizeof *v);
    if (!v)
        return cw_error(err, errlen, "out of memory");
    char path[CW_PATH_LEN];
    int rc = vault_tenant_dir(data_dir, tenant, v->dir, sizeof v->dir, err, errlen);
    if (rc == 0 && (size_t)snprintf(v->blobs, sizeof v->blobs, "%s/blobs", v->dir) >=
                       sizeof v->blobs)
        rc = cw_error(err, errlen, "%s: path too long", v->dir);
    if (rc == 0 && !(v->sec = cw_secmem_alloc(sizeof *v->sec, &v->locked)))
        rc = cw_error(err, errlen, "out of memory for keys");
    if (rc == 0 && !v->locked)
        cw_log(CW_LOG_WARN, "vault", "tenant %s: cannot lock the vault keys in memory "
               "(RLIMIT_MEMLOCK); they may be swapped out", tenant);
    if (rc == 0)
        rc = vault_master_load(data_dir, tenant, v->sec->master, err, errlen);
    if (rc == 0 && derive(v->sec) != 0)
        rc = cw_error(err, errlen, "cannot derive the vault keys");
    if (rc == 0 && (size_t)snprintf(path, sizeof path, "%s/keys.db", v->dir) < sizeof path)
        rc = cw_store_keys_open(path, &v->keys, err, errlen);
    if (rc == 0 && (size_t)snprintf(path, sizeof path, "%s/content.db", v->dir) < sizeof path)
        rc = cw_store_content_open(path, &v->content, err, errlen);
    if (rc == 0 && (!v->keys || !v->content))
        rc = cw_error(err, errlen, "%s: path too long", v->dir);
    if (rc == 0)
        rc = make_blobs_dir(v->blobs, err, errlen);
    if (rc != 0) {
        cw_vault_close(v);
        return -1;
    }
    *out = v;
    return 0;
}

void cw_vault_close(cw_vault *v)
{
    if (!v)
        return;
    cw_store_content_close(v->content);
    cw_store_keys_close(v->keys);
    cw_secmem_free(v->sec, sizeof *v->sec);
    cw_wipe(v, sizeof *v);
    free(v);
}

void cw_vault_free_data(uint8_t *data, size_t len)
{
    if (!data)
        return;
    cw_wipe(data, len);
    free(data);
}

int cw_vault_stats_get(cw_vault *v, cw_vault_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (cw_store_keys_count(v->keys, &st->subjects, &st->subjects_erased, err, errlen) != 0 ||
        cw_store_content_count(v->content, &st->artifacts, &st->bytes, err, errlen) != 0)
        return -1;
    return 0;
}
