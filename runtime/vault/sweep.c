/* sweep.c  Retention (G7): every artifact carries delete_after_ms, and the sweeper
 * deletes it when that time has come, then tells the caller, who logs it.
 *
 * The clock is a parameter: the runtime passes the wall clock, tests and the simulator
 * a virtual one; cw_vault_next_expiry says when the timer should fire next. Deletion is
 * that of erase.c, VAULT_BATCH per transaction, and the callback runs only after the
 * rows' deletion committed and their blob files are gone, so the ledger never records
 * an expiry that did not happen. (A crash between that commit and the caller's ledger
 * append loses the EXPIRED record, not the deletion.)
 *
 * The sweep also removes orphan blob files (at most once per VAULT_ORPHAN_AGE_S, as it
 * reads the whole directory): a crash between writing a blob and committing its row
 * (put.c), or between deleting a row and removing its file (erase.c), leaves a file no
 * row names, which no expiry would ever reach. A file is an orphan only when it is
 * older than VAULT_ORPHAN_AGE_S by the file system's clock (the virtual clock says
 * nothing about files), so that a put in progress is not touched.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "callwarden/error.h"
#include "vault_int.h"

/* "<32 hex>.bin" or "<32 hex>.tmp": the id into id. 1 blob, 2 temp file, 0 other. */
static int blob_name(const char *name, char id[CW_VAULT_REF_LEN])
{
    if (strlen(name) != 36)
        return 0;
    memcpy(id, name, 32);
    id[32] = 0;
    if (!vault_ref_ok(id))
        return 0;
    return strcmp(name + 32, ".bin") == 0 ? 1 : strcmp(name + 32, ".tmp") == 0 ? 2 : 0;
}

int cw_vault_remove_orphans(cw_vault *v, uint64_t *n_removed, char *err, size_t errlen)
{
    uint64_t removed_n = 0;
    if (n_removed)
        *n_removed = 0;
    v->orphans_checked = time(NULL);
    DIR *d = opendir(v->blobs);
    if (!d)
        return cw_error(err, errlen, "%s: %s", v->blobs, strerror(errno));
    time_t now = time(NULL);
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char id[CW_VAULT_REF_LEN], path[CW_PATH_LEN];
        struct stat sb;
        int kind = blob_name(e->d_name, id);
        if (kind == 0 || vault_blob_path(v, id, kind == 1 ? ".bin" : ".tmp", path) != 0 ||
            lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
            now - sb.st_mtime < VAULT_ORPHAN_AGE_S)
            continue;
        int named = kind == 1 ? cw_store_content_exists(v->content, id) : 0;
        if (named < 0) {
            rc = cw_error(err, errlen, "%s: cannot look up artifact %s", v->blobs, id);
            break;
        }
        if (named)
            continue;
        if (vault_blob_destroy(path, err, errlen) != 0) {
            rc = -1;
            break;
        }
        removed_n++;
    }
    closedir(d);
    if (removed_n && vault_blobs_sync(v, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    if (n_removed)
        *n_removed = removed_n;
    return rc;
}

int cw_vault_sweep(cw_vault *v, int64_t now_ms, int (*fn)(void *ud, const cw_vault_meta *m),
                   void *ud, uint64_t *n_erased, char *err, size_t errlen)
{
    uint64_t n = 0;
    cw_store_filter f = { NULL, NULL, 1, now_ms, 0 };
    int rc = vault_delete(v, &f, fn, ud, &n, err, errlen);
    if (n > 0 &&
        cw_store_content_checkpoint(v->content, rc ? NULL : err, rc ? 0 : errlen) != 0)
        rc = -1;
    /* the orphan pass reads the whole directory: once per VAULT_ORPHAN_AGE_S is enough */
    if (rc == 0 && (v->orphans_checked == 0 ||
                    time(NULL) - v->orphans_checked >= VAULT_ORPHAN_AGE_S))
        rc = cw_vault_remove_orphans(v, NULL, err, errlen);
    if (n_erased)
        *n_erased = n;
    return rc;
}

int64_t cw_vault_next_expiry(cw_vault *v)
{
    return cw_store_content_next_expiry(v->content);
}
