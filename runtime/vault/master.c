/* master.c  The tenant's vault master key on disk: DATA/<tenant>/master.key, 32 random
 * bytes as 64 hex digits under a comment line, mode 0600.
 *
 * Every key the vault uses is derived from this one (vault.c), so: it is made once and
 * never overwritten (O_EXCL: overwriting it would make all content unreadable); a file
 * that group or others can read is refused, as ssh refuses a private key; and it is read
 * with read(2) into a buffer that is wiped, not through stdio, whose buffer nobody wipes.
 * The caller's key buffer is in locked memory (cw_secmem_alloc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "callwarden/tenant.h"
#include "vault_int.h"

#define MASTER_FILE "master.key"
#define MASTER_TEXT_MAX 512             /* a comment and 64 hex digits fit easily */

int vault_tenant_dir(const char *data_dir, const char *tenant, char *dir, size_t cap,
                     char *err, size_t errlen)
{
    if (!tenant || !cw_tenant_name_ok(tenant))
        return cw_error(err, errlen, "bad tenant name \"%s\"", tenant ? tenant : "");
    if (!data_dir || !*data_dir)
        return cw_error(err, errlen, "no data directory");
    if ((size_t)snprintf(dir, cap, "%s/%s", data_dir, tenant) >= cap)
        return cw_error(err, errlen, "%s/%s: path too long", data_dir, tenant);
    return 0;
}

/* fsync a directory so that a new name in it survives a crash. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cw_vault_master_create(const char *data_dir, const char *tenant, char *err,
                           size_t errlen)
{
    char dir[CW_PATH_LEN], path[CW_PATH_LEN];
    if (vault_tenant_dir(data_dir, tenant, dir, sizeof dir, err, errlen) != 0)
        return -1;
    if ((size_t)snprintf(path, sizeof path, "%s/" MASTER_FILE, dir) >= sizeof path)
        return cw_error(err, errlen, "%s: path too long", dir);
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
        return cw_error(err, errlen, "%s: %s", data_dir, strerror(errno));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw_error(err, errlen, "%s: %s", dir, strerror(errno));

    /* the key and its text only ever in locked memory */
    typedef struct { uint8_t key[CW_AES256_KEY_LEN]; char text[MASTER_TEXT_MAX]; } secret;
    secret *s = cw_secmem_alloc(sizeof *s, NULL);
    if (!s)
        return cw_error(err, errlen, "%s: out of memory", path);
    if (cw_random(s->key, sizeof s->key) != 0) {
        cw_secmem_free(s, sizeof *s);
        return cw_error(err, errlen, "%s: no randomness", path);
    }
    int n = snprintf(s->text, sizeof s->text,
                     "# callwarden vault master key of tenant %s: keep it secret and backed "
                     "up; without it no stored content can be read\n", tenant);
    for (size_t i = 0; i < sizeof s->key; i++) {
        static const char digits[] = "0123456789abcdef";
        s->text[n++] = digits[s->key[i] >> 4];
        s->text[n++] = digits[s->key[i] & 15];
    }
    s->text[n++] = '\n';

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        cw_secmem_free(s, sizeof *s);
        return cw_error(err, errlen, "%s: %s%s", path, strerror(e),
                        e == EEXIST ? " (a master key is never overwritten: all content "
                                      "sealed under it would be lost)" : "");
    }
    int ok = write(fd, s->text, (size_t)n) == n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    cw_secmem_free(s, sizeof *s);
    if (!ok) {
        int e = errno;
        unlink(path);
        return cw_error(err, errlen, "%s: cannot write: %s", path, strerror(e));
    }
    if (sync_dir(dir) != 0)
        return cw_error(err, errlen, "%s: fsync: %s", dir, strerror(errno));
    return 0;
}

/* The one line of 64 hex digits among comments and blank lines, into key. 0 or -1. */
static int parse(const char *text, size_t len, uint8_t key[CW_AES256_KEY_LEN])
{
    int found = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        size_t e = end;
        while (e > i && (text[e - 1] == '\r' || text[e - 1] == ' ' || text[e - 1] == '\t'))
            e--;
        if (e > i && text[i] != '#') {
            if (found || e - i != 2 * CW_AES256_KEY_LEN)
                return -1;
            for (size_t k = 0; k < CW_AES256_KEY_LEN; k++) {
                int hi = hexval(text[i + 2 * k]), lo = hexval(text[i + 2 * k + 1]);
                if (hi < 0 || lo < 0)
                    return -1;
                key[k] = (uint8_t)(hi << 4 | lo);
            }
            found = 1;
        }
        i = end + 1;
    }
    return found ? 0 : -1;
}

int vault_master_load(const char *data_dir, const char *tenant,
                      uint8_t key[CW_AES256_KEY_LEN], char *err, size_t errlen)
{
    char dir[CW_PATH_LEN], path[CW_PATH_LEN];
    if (vault_tenant_dir(data_dir, tenant, dir, sizeof dir, err, errlen) != 0)
        return -1;
    if ((size_t)snprintf(path, sizeof path, "%s/" MASTER_FILE, dir) >= sizeof path)
        return cw_error(err, errlen, "%s: path too long", dir);
    /* a symlink (a secrets mount) is fine: the mode checked is that of the file read */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return cw_error(err, errlen, "%s: no vault master key (make it with: callwarden "
                            "keys init --data %s --tenant %s)", path, data_dir, tenant);
        return cw_error(err, errlen, "%s: %s", path, strerror(errno));
    }
    /* fstat the file we opened, not the name: no window to swap it */
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return cw_error(err, errlen, "%s: not a regular file", path);
    }
    if (sb.st_mode & 077) {
        close(fd);
        return cw_error(err, errlen, "%s: readable by others (mode %03o); it must be 0600 "
                        "(chmod 600 %s)", path, (unsigned)(sb.st_mode & 0777), path);
    }
    if (sb.st_size >= MASTER_TEXT_MAX) {
        close(fd);
        return cw_error(err, errlen, "%s: too long for a master key file", path);
    }
    char text[MASTER_TEXT_MAX];
    size_t len = 0;
    ssize_t r;
    int bad_read = 0;
    while (len < sizeof text && (r = read(fd, text + len, sizeof text - len)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            bad_read = errno;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    if (bad_read) {
        cw_wipe(text, sizeof text);
        return cw_error(err, errlen, "%s: %s", path, strerror(bad_read));
    }
    int rc = len < sizeof text ? parse(text, len, key) : -1;
    cw_wipe(text, sizeof text);
    if (rc != 0) {
        cw_wipe(key, CW_AES256_KEY_LEN);
        return cw_error(err, errlen, "%s: expected one line of %d hex digits (and # "
                        "comments)", path, 2 * CW_AES256_KEY_LEN);
    }
    return 0;
}
