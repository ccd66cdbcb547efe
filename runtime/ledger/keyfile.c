/* keyfile.c  A tenant's ledger keys on disk: DATA/<tenant>/ledger.key (0600: the log's
 * origin, then one line per key, oldest first: its id, the secret the bodies are sealed
 * under, the checkpoint signing key) and DATA/<tenant>/ledger.pub (one line per key:
 * its name and public key, for auditors; the first line is the key to trust).
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
#include "ledger_int.h"

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

/* Write the ring to the key file (0600) through a temporary file, fsync'd and renamed
 * over it, so a crash leaves the old ring or the new one, never half of one. */
static int write_ring(const char *key, const char *tenant, const cw_ledger_keys *ks, int excl,
                      char *err, size_t errlen)
{
    char tmp[CW_PATH_LEN + 8];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", key) >= sizeof tmp)
        return cw_error(err, errlen, "%s: path too long", key);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return cw_error(err, errlen, "%s: %s", tmp, strerror(errno));
    char text[256];
    int n = snprintf(text, sizeof text, "# callwarden ledger keys of tenant %s: keep this file "
                     "secret and backed up; the last key is in use\norigin %s\n", tenant,
                     ks->origin);
    int ok = n > 0 && write(fd, text, (size_t)n) == n;
    for (unsigned i = 0; ok && i < ks->n; i++) {
        char secret[65], sign[65];
        hex(ks->key[i].bytes, sizeof ks->key[i].bytes, secret);
        hex(ks->key[i].sign, sizeof ks->key[i].sign, sign);
        n = snprintf(text, sizeof text, "key %s %s %s\n", ks->key[i].id, secret, sign);
        ok = n > 0 && write(fd, text, (size_t)n) == n;
        cw_wipe(secret, sizeof secret);
        cw_wipe(sign, sizeof sign);
    }
    cw_wipe(text, sizeof text);
    ok = ok && fsync(fd) == 0;
    close(fd);
    /* keys init must not replace a ring that exists: link fails then, rename would not */
    if (ok && excl) {
        ok = link(tmp, key) == 0;
        int saved = errno;
        unlink(tmp);
        if (!ok)
            return cw_error(err, errlen, "%s: %s%s", key, strerror(saved),
                            saved == EEXIST ? " (keys are never overwritten)" : "");
    } else if (ok) {
        ok = rename(tmp, key) == 0;
    }
    if (!ok) {
        unlink(tmp);
        return cw_error(err, errlen, "%s: cannot write", key);
    }
    return 0;
}

/* A new key with this id: random secret, new P-256 signing key; its public key to pub. */
static int new_key(cw_ledger_key *k, const char *id, uint8_t pub[CW_P256_PUB_LEN])
{
    memset(k, 0, sizeof *k);
    snprintf(k->id, sizeof k->id, "%s", id);
    cw_p256_key *signer = cw_p256_generate();
    if (!signer || cw_random(k->bytes, sizeof k->bytes) != 0) {
        cw_p256_free(signer);
        return -1;
    }
    cw_p256_private(signer, k->sign);
    cw_p256_public(signer, pub);
    cw_p256_free(signer);
    return 0;
}

/* Add "NAME HEX" for a key to ledger.pub (the auditors' file). */
static int add_public(const char *pub_path, const char *origin, const char *id,
                      const uint8_t pub[CW_P256_PUB_LEN], char *err, size_t errlen)
{
    char phex[2 * CW_P256_PUB_LEN + 1];
    hex(pub, CW_P256_PUB_LEN, phex);
    FILE *f = fopen(pub_path, "a");
    if (!f || fprintf(f, "%s-%s %s\n", origin, id, phex) < 0 || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
        if (f)
            fclose(f);
        return cw_error(err, errlen, "%s: cannot write", pub_path);
    }
    return fclose(f) == 0 ? 0 : cw_error(err, errlen, "%s: cannot write", pub_path);
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
    if (access(key, F_OK) == 0)
        return cw_error(err, errlen, "%s: exists (keys are never overwritten)", key);
    cw_ledger_keys *ks = cw_ledger_keys_new();
    uint8_t p[CW_P256_PUB_LEN];
    if (!ks)
        return cw_error(err, errlen, "out of memory");
    snprintf(ks->origin, sizeof ks->origin, "callwarden/%s/ledger", tenant);
    ks->n = 1;
    int rc = new_key(&ks->key[0], "k1", p) == 0
                 ? write_ring(key, tenant, ks, 1, err, errlen)
                 : cw_error(err, errlen, "cannot make keys (no randomness)");
    if (rc == 0) {
        unlink(pub);                   /* a stale public file of keys that are gone */
        rc = add_public(pub, ks->origin, "k1", p, err, errlen);
    }
    cw_ledger_keys_free(ks);
    return rc;
}

int cw_keyfile_rotate(const char *data_dir, const char *tenant, char *new_id, size_t idlen,
                      char *err, size_t errlen)
{
    char dir[CW_PATH_LEN], key[CW_PATH_LEN], pub[CW_PATH_LEN];
    if (cw_keyfile_paths(data_dir, tenant, dir, key, pub, sizeof dir) != 0)
        return cw_error(err, errlen, "bad tenant name or data directory");
    cw_ledger_keys *ks = cw_ledger_keys_new();
    if (!ks)
        return cw_error(err, errlen, "out of memory");
    int rc = cw_keyfile_load(data_dir, tenant, ks, err, errlen);
    if (rc == 0 && ks->n == CW_LEDGER_KEYS_MAX)
        rc = cw_error(err, errlen, "%s: already %d keys", key, CW_LEDGER_KEYS_MAX);
    /* the new id: one more than the highest "kN" */
    unsigned high = 0;
    for (unsigned i = 0; rc == 0 && i < ks->n; i++) {
        unsigned v;
        if (sscanf(ks->key[i].id, "k%u", &v) == 1 && v > high)
            high = v;
    }
    char id[16];
    uint8_t p[CW_P256_PUB_LEN];
    snprintf(id, sizeof id, "k%u", high + 1);
    if (rc == 0 && new_key(&ks->key[ks->n], id, p) != 0)
        rc = cw_error(err, errlen, "cannot make keys (no randomness)");
    if (rc == 0) {
        ks->n++;
        /* the public key first: a ring with a key auditors cannot get is worse */
        rc = add_public(pub, ks->origin, id, p, err, errlen);
    }
    if (rc == 0)
        rc = write_ring(key, tenant, ks, 0, err, errlen);
    if (rc == 0)
        snprintf(new_id, idlen, "%s", id);
    cw_ledger_keys_free(ks);
    return rc;
}

int cw_keyfile_load(const char *data_dir, const char *tenant, cw_ledger_keys *ks, char *err,
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
    memset(ks, 0, sizeof *ks);
    char line[256];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#' || line[0] == 0)
            continue;
        char name[16], a[100], b[100], c[100];
        int got = sscanf(line, "%15s %99s %99s %99s", name, a, b, c);
        if (got == 2 && strcmp(name, "origin") == 0 && strlen(a) < sizeof ks->origin) {
            memcpy(ks->origin, a, strlen(a) + 1);
        } else if (got == 4 && strcmp(name, "key") == 0 && strlen(a) < sizeof ks->key[0].id &&
                   ks->n < CW_LEDGER_KEYS_MAX &&
                   unhex(b, ks->key[ks->n].bytes, sizeof ks->key[0].bytes) == 0 &&
                   unhex(c, ks->key[ks->n].sign, sizeof ks->key[0].sign) == 0) {
            if (cw_ledger_keys_find(ks, a))
                rc = cw_error(err, errlen, "%s:%d: key %s twice", key, lineno, a);
            memcpy(ks->key[ks->n].id, a, strlen(a) + 1);
            ks->n++;
        } else {
            rc = cw_error(err, errlen, "%s:%d: expected \"origin NAME\" or \"key ID SECRET "
                          "SIGN\"", key, lineno);
        }
        cw_wipe(line, sizeof line);
        cw_wipe(b, sizeof b);
        cw_wipe(c, sizeof c);
    }
    fclose(f);
    if (rc == 0 && (!ks->origin[0] || ks->n == 0))
        rc = cw_error(err, errlen, "%s: incomplete (an origin and at least one key are "
                      "needed)", key);
    if (rc != 0)
        cw_wipe(ks, sizeof *ks);
    return rc;
}
