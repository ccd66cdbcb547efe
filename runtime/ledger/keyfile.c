/* keyfile.c  A tenant's ledger keys on disk: DATA/<tenant>/ledger.key (0600: the id, the
 * log's origin, the secret the bodies are sealed under, the checkpoint signing key)
 * and DATA/<tenant>/ledger.pub (the signing key's name and public key, for auditors).
 *
 * A key file anyone else can read is refused, as ssh refuses a private key: a consent
 * ledger whose key leaked proves nothing. Creating keys never overwrites existing ones:
 * the records sealed under them would be lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "callwarden/keyfile.h"
#include "callwarden/tenant.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

int cw_keyfile_paths(const char *data_dir, const char *tenant, char *dir, char *key,
                     char *pub, size_t cap)
{
    if (!cw_tenant_name_ok(tenant))
        return -1;
    if ((size_t)snprintf(dir, cap, "%s/%s", data_dir, tenant) >= cap ||
        (size_t)snprintf(key, cap, "%s/ledger.key", dir) >= cap ||
        (size_t)snprintf(pub, cap, "%s/ledger.pub", dir) >= cap)
        return -1;
    return 0;
}

int cw_keyfile_create(const char *data_dir, const char *tenant, char *err, size_t errlen)
{
    char dir[CW_PATH_LEN], key[CW_PATH_LEN], pub[CW_PATH_LEN];
    if (cw_keyfile_paths(data_dir, tenant, dir, key, pub, sizeof dir) != 0)
        return cw_error(err, errlen, "bad tenant name or data directory");
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
        return cw_error(err, errlen, "%s: %s", data_dir, strerror(errno));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cw_error(err, errlen, "%s: %s", dir, strerror(errno));
    cw_ledger_key k;
    memset(&k, 0, sizeof k);
    snprintf(k.id, sizeof k.id, "k1");
    snprintf(k.origin, sizeof k.origin, "callwarden/%s/ledger", tenant);
    cw_p256_key *signer = cw_p256_generate();
    if (!signer || cw_random(k.bytes, sizeof k.bytes) != 0) {
        cw_p256_free(signer);
        return cw_error(err, errlen, "cannot make keys (no randomness)");
    }
    cw_p256_private(signer, k.sign);
    uint8_t p[CW_P256_PUB_LEN];
    cw_p256_public(signer, p);
    cw_p256_free(signer);

    int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        cw_wipe(&k, sizeof k);
        return cw_error(err, errlen, "%s: %s%s", key, strerror(errno),
                        errno == EEXIST ? " (keys are never overwritten)" : "");
    }
    char secret[65], sign[65], text[512];
    hex(k.bytes, sizeof k.bytes, secret);
    hex(k.sign, sizeof k.sign, sign);
    int n = snprintf(text, sizeof text,
                     "# callwarden ledger keys of tenant %s: keep this file secret and backed up\n"
                     "id %s\norigin %s\nsecret %s\nsign %s\n",
                     tenant, k.id, k.origin, secret, sign);
    int ok = n > 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    close(fd);
    cw_wipe(text, sizeof text);
    cw_wipe(secret, sizeof secret);
    cw_wipe(sign, sizeof sign);
    cw_wipe(&k, sizeof k);
    if (!ok) {
        unlink(key);
        return cw_error(err, errlen, "%s: cannot write", key);
    }
    char phex[2 * CW_P256_PUB_LEN + 1];
    hex(p, sizeof p, phex);
    FILE *f = fopen(pub, "w");
    if (!f || fprintf(f, "callwarden/%s/ledger-k1 %s\n", tenant, phex) < 0 || fclose(f) != 0)
        return cw_error(err, errlen, "%s: cannot write", pub);
    return 0;
}

int cw_keyfile_load(const char *data_dir, const char *tenant, cw_ledger_key *k, char *err,
                    size_t errlen)
{
    char dir[CW_PATH_LEN], key[CW_PATH_LEN], pub[CW_PATH_LEN];
    if (cw_keyfile_paths(data_dir, tenant, dir, key, pub, sizeof dir) != 0)
        return cw_error(err, errlen, "bad tenant name or data directory");
    struct stat sb;
    if (stat(key, &sb) != 0)
        return cw_error(err, errlen, "%s: %s (make it with: callwarden keys init --data %s "
                        "--tenant %s)", key, strerror(errno), data_dir, tenant);
    if (sb.st_mode & 077)
        return cw_error(err, errlen, "%s: readable by others (mode %03o); it must be 0600",
                        key, (unsigned)(sb.st_mode & 0777));
    FILE *f = fopen(key, "r");
    if (!f)
        return cw_error(err, errlen, "%s: %s", key, strerror(errno));
    memset(k, 0, sizeof *k);
    char line[256];
    int have = 0, lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        char name[16], value[200];
        if (sscanf(line, "%15s %199s", name, value) != 2)
            rc = cw_error(err, errlen, "%s:%d: expected \"name value\"", key, lineno);
        else if (strcmp(name, "id") == 0 && strlen(value) < sizeof k->id)
            memcpy(k->id, value, strlen(value) + 1), have |= 1;
        else if (strcmp(name, "origin") == 0 && strlen(value) < sizeof k->origin)
            memcpy(k->origin, value, strlen(value) + 1), have |= 2;
        else if (strcmp(name, "secret") == 0 && unhex(value, k->bytes, sizeof k->bytes) == 0)
            have |= 4;
        else if (strcmp(name, "sign") == 0 && unhex(value, k->sign, sizeof k->sign) == 0)
            have |= 8;
        else
            rc = cw_error(err, errlen, "%s:%d: bad \"%s\" line", key, lineno, name);
        cw_wipe(line, sizeof line);
        cw_wipe(value, sizeof value);
    }
    fclose(f);
    if (rc == 0 && have != 15)
        rc = cw_error(err, errlen, "%s: incomplete (id, origin, secret and sign are needed)",
                      key);
    if (rc != 0)
        cw_wipe(k, sizeof *k);
    return rc;
}
