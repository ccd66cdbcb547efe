/* blob.c  The sealed bytes of larger artifacts, one file each: DATA/<tenant>/blobs/
 * <artifact_id>.bin, mode 0600, in a 0700 directory.
 *
 * A blob is written so that a crash leaves either no file or the whole one: a temp name
 * (<id>.tmp, O_EXCL), fsync, rename, fsync of the directory; only then does put.c
 * commit the row that names it. Removing a blob overwrites it with zeros and fsyncs
 * before the unlink, so the sealed bytes do not stay in the freed blocks of an ext4 or
 * xfs file system. (On copy-on-write file systems, snapshots or SSDs that remap blocks
 * the old bytes may survive: there crypto-shredding, the destroyed consent or subject
 * key, is what makes them unreadable: see erase.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "vault_int.h"

int vault_blob_path(const cw_vault *v, const char *id, const char *suffix, char *path)
{
    return (size_t)snprintf(path, CW_PATH_LEN, "%s/%s%s", v->blobs, id, suffix) <
                   CW_PATH_LEN ? 0 : -1;
}

int vault_blobs_sync(cw_vault *v, char *err, size_t errlen)
{
    int fd = open(v->blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return cw_error(err, errlen, "%s: fsync: %s", v->blobs, strerror(e));
    }
    close(fd);
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int vault_blob_write(cw_vault *v, const char *id, const uint8_t *data, size_t len,
                     char *err, size_t errlen)
{
    char tmp[CW_PATH_LEN], path[CW_PATH_LEN];
    if (vault_blob_path(v, id, ".tmp", tmp) != 0 || vault_blob_path(v, id, ".bin", path) != 0)
        return cw_error(err, errlen, "%s: path too long", v->blobs);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return cw_error(err, errlen, "%s: %s", tmp, strerror(errno));
    int ok = write_all(fd, data, len) == 0 && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(tmp);
        return cw_error(err, errlen, "%s: cannot write: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        return cw_error(err, errlen, "%s: rename: %s", path, strerror(e));
    }
    if (vault_blobs_sync(v, err, errlen) != 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

int vault_blob_read(cw_vault *v, const char *id, size_t expect, uint8_t **out, char *err,
                    size_t errlen)
{
    char path[CW_PATH_LEN];
    *out = NULL;
    if (vault_blob_path(v, id, ".bin", path) != 0)
        return cw_error(err, errlen, "%s: path too long", v->blobs);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return cw_error(err, errlen, "artifact %s: blob file %s: %s", id, path,
                        strerror(errno));
    struct stat sb;
    int st = fstat(fd, &sb) != 0 ? errno : S_ISREG(sb.st_mode) ? 0 : EINVAL;
    if (st != 0) {
        close(fd);
        return cw_error(err, errlen, "artifact %s: blob file %s: %s", id, path,
                        st == EINVAL ? "not a regular file" : strerror(st));
    }
    if ((uint64_t)sb.st_size != expect) {
        close(fd);
        return cw_error(err, errlen, "artifact %s: blob file %s has %lld bytes, its row "
                        "says %zu (the file was altered or cut short)", id, path,
                        (long long)sb.st_size, expect);
    }
    uint8_t *buf = malloc(expect ? expect : 1);
    if (!buf) {
        close(fd);
        return cw_error(err, errlen, "artifact %s: out of memory", id);
    }
    size_t got = 0;
    while (got < expect) {
        ssize_t r = read(fd, buf + got, expect - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (got != expect) {
        free(buf);
        return cw_error(err, errlen, "artifact %s: reading %s: %s", id, path,
                        got < expect ? "short read" : strerror(e));
    }
    *out = buf;
    return 0;
}

int vault_blob_destroy(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return cw_error(err, errlen, "%s: %s", path, strerror(errno));
    }
    struct stat sb;
    static const uint8_t zeros[65536];
    int ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    for (off_t left = ok ? sb.st_size : 0; ok && left > 0;) {
        size_t n = left < (off_t)sizeof zeros ? (size_t)left : sizeof zeros;
        ok = write_all(fd, zeros, n) == 0;
        left -= (off_t)n;
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (!ok)
        return cw_error(err, errlen, "%s: overwriting before unlink: %s", path, strerror(e));
    if (unlink(path) != 0 && errno != ENOENT)
        return cw_error(err, errlen, "%s: unlink: %s", path, strerror(errno));
    return 0;
}
