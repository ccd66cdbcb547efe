#define _GNU_SOURCE                  /* memmem */
/* test_vault.c  The content vault (G5, G7) on real files: the master key file and its
 * refusals; subjects by number in any spelling, withheld callers; sealed round trips
 * inline and in blob files; a consent bound to one subject; tampering that get names
 * (the bytes, the wrapped keys, and every field of a row's AAD: consent, purpose, kind,
 * created_ms, delete_after_ms); erasure that leaves none of the ciphertext, the wrapped
 * keys or the number in any file of the tenant (db, -wal, -shm, blobs); withdrawal of
 * one consent that crypto-shreds it (a backup of content.db and its blob, restored
 * next to the current keys.db, no longer opens, the subject's other consent does);
 * retention on a virtual clock; re-erasure of subjects and consents after a backup of
 * keys.db came back; corrupt, foreign and old-version database files refused unchanged.
 * The attacks use SQLite and the file system directly, as someone with the files would. */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "callwarden/crypto.h"
#include "callwarden/vault.h"
#include "check.h"

#define FAR 4102444800000LL             /* 2100-01-01: no sweep in this test reaches it */
#define MARKER "SECRET-TRANSCRIPT-4711 "
#define NUMBER "+49 171 5550199"
#define NUMBER_NORM "+491715550199"
#define CONSENT_A "4f1c2a7e-0000-4000-8000-00000000000a"
#define CONSENT_B "4f1c2a7e-0000-4000-8000-00000000000b"

static char data_dir[64];
static char tdir[128];                  /* DATA/t1 */
static char err[512];

/* ---- files ------------------------------------------------------------------------ */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void spit(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(fwrite(data, 1, len, f), len);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    uint8_t *b = slurp(from, &n);
    CHECK(b != NULL);
    if (b)
        spit(to, b, n);
    free(b);
}

/* The files under dir (recursively) that contain needle; names the first into where. */
static int count_in_dir(const char *dir, const void *needle, size_t len, char *where)
{
    DIR *d = opendir(dir);
    int hits = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            hits += count_in_dir(path, needle, len, where);
        } else if (S_ISREG(sb.st_mode)) {
            size_t n;
            uint8_t *b = slurp(path, &n);
            if (b && memmem(b, n, needle, len)) {
                if (hits == 0 && where)
                    snprintf(where, 256, "%.250s", path);
                hits++;
            }
            free(b);
        }
    }
    closedir(d);
    return hits;
}

/* 1 if no file of the tenant holds needle; else says which does. */
static int absent(const void *needle, size_t len)
{
    char where[256] = "";
    int n = count_in_dir(tdir, needle, len, where);
    if (n)
        fprintf(stderr, "  (found in %s)\n", where);
    return n == 0;
}

/* 1 if some file of the tenant holds needle (the scanner sees what is there). */
static int present(const void *needle, size_t len)
{
    return count_in_dir(tdir, needle, len, NULL) > 0;
}

/* ---- SQLite, as the attacker uses it ---------------------------------------------- */

static int sql_blob(const char *db_name, const char *sql, const char *param, uint8_t *out,
                    int cap)
{
    char path[256];
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = -1;
    snprintf(path, sizeof path, "%s/%s", tdir, db_name);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        n = sqlite3_column_bytes(st, 0);
        if (n > cap)
            n = cap;
        memcpy(out, sqlite3_column_blob(st, 0), (size_t)n);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The integer sql gives for ?1 = param, or -1 for no row or NULL. */
static int64_t sql_int(const char *db_name, const char *sql, const char *param)
{
    char path[256];
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;
    snprintf(path, sizeof path, "%s/%s", tdir, db_name);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The wrapped key of a consent as keys.db holds it (60 bytes), or -1: destroyed. */
static int consent_key_of(const char *consent, uint8_t out[64])
{
    return sql_blob("keys.db", "SELECT key_wrapped FROM consents WHERE consent_id = ?1",
                    consent, out, 64);
}

/* Run sql with ?1 = blob (if any) and ?2 = text on db_name. */
static void sql_run(const char *db_name, const char *sql, const void *blob, int len,
                    const char *text)
{
    char path[256];
    sqlite3 *db;
    sqlite3_stmt *st;
    snprintf(path, sizeof path, "%s/%s", tdir, db_name);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (blob)
        sqlite3_bind_blob(st, 1, blob, len, SQLITE_TRANSIENT);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- the attacker's own opening: master.key, keys.db and the crypto, no vault code -- */

/* The master key from DATA/t1/master.key (a comment line, then 64 hex digits). 0 or -1. */
static int attacker_master(uint8_t key[32])
{
    char path[256];
    size_t n;
    snprintf(path, sizeof path, "%s/master.key", tdir);
    uint8_t *text = slurp(path, &n);
    const char *hex = text ? memchr(text, '\n', n) : NULL;
    int rc = hex && (size_t)((const uint8_t *)hex + 65 - text) <= n ? 0 : -1;
    for (int i = 0; rc == 0 && i < 32; i++) {
        unsigned b = 0;
        if (sscanf(hex + 1 + 2 * i, "%2x", &b) != 1)
            rc = -1;
        key[i] = (uint8_t)b;
    }
    free(text);
    return rc;
}

/* HKDF(ikm, salt, info) into out: the vault's key schedule, spelled out again. */
static void attacker_hkdf(const uint8_t ikm[32], const char *salt, const char *info,
                          uint8_t out[32])
{
    CHECK_EQ_INT(cw_hkdf_sha256(salt, salt ? strlen(salt) : 0, ikm, 32, info, strlen(info),
                                out, 32), 0);
}

/* Open a wrapped key (nonce || ct || tag, 60 bytes) under kek with aad. 0 or -1. */
static int attacker_unwrap(const uint8_t kek[32], const uint8_t *wrapped, int len,
                           const void *aad, size_t aad_len, uint8_t out[32])
{
    if (len != 60)
        return -1;
    return cw_aead_open(kek, wrapped, aad, aad_len, wrapped + 12, 48, out);
}

/* The subject's key, unwrapped from keys.db with the master key. 0 or -1 (erased). */
static int attacker_subject_key(const char *ref, uint8_t out[32])
{
    uint8_t master[32], kek[32], wrapped[64];
    if (attacker_master(master) != 0)
        return -1;
    attacker_hkdf(master, NULL, "callwarden-vault-kek", kek);
    int wl = sql_blob("keys.db", "SELECT key_wrapped FROM subjects WHERE subject_ref = ?1",
                      ref, wrapped, sizeof wrapped);
    return attacker_unwrap(kek, wrapped, wl, ref, 32, out);
}

/* The consent's key, unwrapped from keys.db with its subject's key. 0 or -1 (destroyed). */
static int attacker_consent_key(const uint8_t subject_key[32], const char *consent,
                                const char *ref, uint8_t out[32])
{
    uint8_t kek[32], wrapped[64], aad[80];
    size_t cl = strlen(consent) + 1;
    memcpy(aad, consent, cl);
    memcpy(aad + cl, ref, 33);
    attacker_hkdf(subject_key, NULL, "callwarden-vault-consent-kek", kek);
    return attacker_unwrap(kek, wrapped, consent_key_of(consent, wrapped), aad, cl + 33, out);
}

/* Try to open an artifact's sealed bytes with an item key derived from ikm under info
 * (the row's metadata as AAD, as seal.c builds it). 1 if it opens to plain/len. */
static int attacker_opens(const uint8_t ikm[32], const char *info, const char *id,
                          const char *ref, const char *consent, const char *purpose,
                          const char *kind, int64_t created, int64_t expires,
                          const uint8_t *sealed, size_t sealed_len, const void *plain,
                          size_t len)
{
    uint8_t key[32], aad[256];
    size_t n = 0;
    const char *parts[5] = { id, ref, consent, purpose, kind };
    for (int i = 0; i < 5; i++) {
        memcpy(aad + n, parts[i], strlen(parts[i]) + 1);
        n += strlen(parts[i]) + 1;
    }
    for (int i = 0; i < 8; i++) {
        aad[n + i] = (uint8_t)((uint64_t)created >> (56 - 8 * i));
        aad[n + 8 + i] = (uint8_t)((uint64_t)expires >> (56 - 8 * i));
    }
    n += 16;
    if (sealed_len != len + 28)
        return 0;
    attacker_hkdf(ikm, id, info, key);
    uint8_t *out = malloc(len + 1);
    int ok = cw_aead_open(key, sealed, aad, n, sealed + 12, sealed_len - 12, out) == 0 &&
             memcmp(out, plain, len) == 0;
    free(out);
    return ok;
}

/* ---- vault helpers ------------------------------------------------------------------ */

static cw_vault_item item(const char *ref, const char *consent, const char *purpose,
                          int64_t created, int64_t expires)
{
    cw_vault_item it = { ref, consent, purpose, "text/plain", created, expires, NULL };
    return it;
}

static int put(cw_vault *v, const cw_vault_item *it, const void *data, size_t len, char *id)
{
    char sha[65];
    int rc = cw_vault_put(v, it, data, len, id, sha, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "put: %s\n", err);
    return rc;
}

/* 1 if artifact id opens to exactly data/len. */
static int opens_to(cw_vault *v, const char *id, const void *data, size_t len)
{
    uint8_t *got;
    size_t n;
    int rc = cw_vault_get(v, id, &got, &n, NULL, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "get %s: %d %s\n", id, rc, err);
    int ok = rc == 0 && n == len && memcmp(got, data, len) == 0;
    cw_vault_free_data(got, n);
    return ok;
}

static int get_rc(cw_vault *v, const char *id)
{
    uint8_t *got;
    size_t n;
    int rc = cw_vault_get(v, id, &got, &n, NULL, err, sizeof err);
    cw_vault_free_data(got, n);
    return rc;
}

typedef struct seen {
    int n;
    cw_vault_meta m[16];
    cw_vault *v;
    int gone_when_told;                 /* each one was already unreadable in fn */
} seen;

static int on_meta(void *ud, const cw_vault_meta *m)
{
    seen *s = ud;
    if (s->n < 16)
        s->m[s->n] = *m;
    s->n++;
    if (s->v && get_rc(s->v, m->id) == 1)
        s->gone_when_told++;
    return 0;
}

static int count_list(cw_vault *v, const char *subject, const char *consent)
{
    seen s = { 0 };
    CHECK_EQ_INT(cw_vault_list(v, subject, consent, on_meta, &s, err, sizeof err), 0);
    return s.n;
}

static void blob_file(const char *id, char *path)
{
    snprintf(path, 256, "%s/blobs/%s.bin", tdir, id);
}

static void reopen(cw_vault **v)
{
    cw_vault_close(*v);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", v, err, sizeof err), 0);
}

/* ---- the parts ----------------------------------------------------------------------- */

static void test_master_key(void)
{
    cw_vault *v = NULL;
    char path[256];

    /* no master key: a clear message, and not one file made */
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(v == NULL);
    CHECK(strstr(err, "master.key") != NULL);
    CHECK(strstr(err, "callwarden keys init") != NULL);
    CHECK(!exists(tdir));

    CHECK_EQ_INT(cw_vault_master_create(data_dir, "t1", err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/master.key", tdir);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    size_t n1, n2;
    uint8_t *before = slurp(path, &n1);
    CHECK(before && before[0] == '#');
    /* a comment line and 64 hex digits */
    const char *nl = before ? memchr(before, '\n', n1) : NULL;
    CHECK(nl && strspn(nl + 1, "0123456789abcdef") == 64);

    /* never overwritten */
    CHECK_EQ_INT(cw_vault_master_create(data_dir, "t1", err, sizeof err), -1);
    CHECK(strstr(err, "never overwritten") != NULL);
    uint8_t *after = slurp(path, &n2);
    CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
    free(after);

    /* readable by others: refused, and still no database made */
    CHECK_EQ_INT(chmod(path, 0644), 0);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(strstr(err, "readable by others") != NULL);
    CHECK(strstr(err, "0600") != NULL);
    char db[256];
    snprintf(db, sizeof db, "%s/keys.db", tdir);
    CHECK(!exists(db));
    snprintf(db, sizeof db, "%s/content.db", tdir);
    CHECK(!exists(db));
    snprintf(db, sizeof db, "%s/blobs", tdir);
    CHECK(!exists(db));
    CHECK_EQ_INT(chmod(path, 0600), 0);

    /* a key file that is not one */
    char t2key[256];
    CHECK_EQ_INT(cw_vault_master_create(data_dir, "t2", err, sizeof err), 0);
    snprintf(t2key, sizeof t2key, "%s/t2/master.key", data_dir);
    spit(t2key, "# comment\nnot hex at all\n", 25);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t2", &v, err, sizeof err), -1);
    CHECK(strstr(err, "hex digits") != NULL);

    /* bad tenant names never reach the file system */
    CHECK_EQ_INT(cw_vault_master_create(data_dir, "../evil", err, sizeof err), -1);
    CHECK_EQ_INT(cw_vault_open(data_dir, "a/b", &v, err, sizeof err), -1);
    free(before);
}

static void test_open_files(cw_vault *v)
{
    (void)v;
    char path[256];
    struct stat sb;
    /* both databases really in WAL mode: header bytes 18 and 19 are 2 */
    const char *dbs[] = { "keys.db", "content.db" };
    for (int i = 0; i < 2; i++) {
        size_t n;
        snprintf(path, sizeof path, "%s/%s", tdir, dbs[i]);
        uint8_t *b = slurp(path, &n);
        CHECK(b && n >= 100 && memcmp(b, "SQLite format 3", 15) == 0);
        CHECK(b && b[18] == 2 && b[19] == 2);
        free(b);
    }
    snprintf(path, sizeof path, "%s/blobs", tdir);
    CHECK(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0700);
}

static void test_subjects(cw_vault *v)
{
    char a[33], b[33], c[33], w1[33], w2[33], num[CW_VAULT_NUMBER_LEN];
    CHECK_EQ_INT(cw_vault_subject(v, "+49 30 1234-567", 1000, a, err, sizeof err), 0);
    CHECK_EQ_INT(strlen(a), 32);
    CHECK_EQ_INT(cw_vault_subject(v, "+49301234567", 1001, b, err, sizeof err), 0);
    CHECK_STR(a, b);
    CHECK_EQ_INT(cw_vault_subject(v, "+49 (30) 1234/567", 1002, c, err, sizeof err), 0);
    CHECK_STR(a, c);
    CHECK_EQ_INT(cw_vault_find_subject(v, "+4930 1234 567", c, err, sizeof err), 0);
    CHECK_STR(a, c);
    CHECK_EQ_INT(cw_vault_find_subject(v, "+49301234568", c, err, sizeof err), 1);
    CHECK_EQ_INT(cw_vault_find_subject(v, "049301234567", c, err, sizeof err), 1);
    CHECK_EQ_INT(cw_vault_subject_number(v, a, num, sizeof num, err, sizeof err), 0);
    CHECK_STR(num, "+49301234567");
    CHECK_EQ_INT(cw_vault_subject_number(v, a, num, 5, err, sizeof err), -1);

    /* withheld: a new subject every time, with no number to give back */
    CHECK_EQ_INT(cw_vault_subject(v, NULL, 1003, w1, err, sizeof err), 0);
    CHECK_EQ_INT(cw_vault_subject(v, "", 1004, w2, err, sizeof err), 0);
    CHECK(strcmp(w1, w2) != 0 && strcmp(w1, a) != 0);
    CHECK_EQ_INT(cw_vault_subject_number(v, w1, num, sizeof num, err, sizeof err), 1);
    CHECK(strstr(err, "withheld") != NULL);
    CHECK_EQ_INT(cw_vault_find_subject(v, "", c, err, sizeof err), 1);

    /* refused spellings; the message does not repeat the number */
    const char *bad[] = { "+49 30 abc", "+49+30", "sip:+4930", "+", "--", "49*30",
                          "+123456789012345678901234567890123" /* 33 digits */ };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(cw_vault_subject(v, bad[i], 1005, c, err, sizeof err), -1);
        CHECK(strstr(err, "phone number") != NULL);
        CHECK_EQ_INT(cw_vault_find_subject(v, bad[i], c, err, sizeof err), -1);
    }
    CHECK_EQ_INT(cw_vault_subject(v, "+12345678901234567890123456789012", 1006, c, err,
                                  sizeof err), 0);        /* 32 digits are fine */
    CHECK_EQ_INT(cw_vault_subject_number(v, "00000000000000000000000000000000", num,
                                         sizeof num, err, sizeof err), 1);
    CHECK_EQ_INT(cw_vault_subject_number(v, "../x", num, sizeof num, err, sizeof err), -1);
}

static void test_round_trip(cw_vault *v)
{
    char s[33], id1[33], id2[33], id3[33], id4[33], id5[33], sha[65], path[256];
    CHECK_EQ_INT(cw_vault_subject(v, "+43 1 5551234", 1000, s, err, sizeof err), 0);

    const char small[] = "Guten Tag, ich moechte einen Termin.";
    cw_vault_item it = item(s, CONSENT_A, "transcript", 1000, FAR);
    CHECK_EQ_INT(cw_vault_put(v, &it, small, sizeof small - 1, id1, sha, err, sizeof err), 0);
    CHECK_EQ_INT(strlen(id1), 32);
    CHECK(opens_to(v, id1, small, sizeof small - 1));

    /* the sha256 is that of the sealed bytes as stored */
    uint8_t stored[8192];
    int n = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1", id1,
                     stored, sizeof stored);
    CHECK_EQ_INT(n, (int)(sizeof small - 1) + 28);
    char hex[65];
    cw_sha256_hex_of(stored, (size_t)n, hex);
    CHECK_STR(hex, sha);
    cw_vault_meta m;
    uint8_t *got;
    size_t len;
    CHECK_EQ_INT(cw_vault_get(v, id1, &got, &len, &m, err, sizeof err), 0);
    cw_vault_free_data(got, len);
    CHECK_STR(m.sha256_hex, sha);
    CHECK_STR(m.subject_ref, s);
    CHECK_STR(m.consent_id, CONSENT_A);
    CHECK_STR(m.purpose, "transcript");
    CHECK_EQ_INT(m.in_blob, 0);
    CHECK_EQ_INT(m.size, sizeof small - 1);
    CHECK_EQ_INT(m.delete_after_ms, FAR);

    /* an id chosen beforehand (a GIVEN names its evidence before it is stored): used as
     * given, once; a malformed one refused */
    char s9[33];
    CHECK_EQ_INT(cw_vault_subject(v, "+43 1 5550009", 1000, s9, err, sizeof err), 0);
    it = item(s9, "evidence-test", "consent_evidence", 1000, FAR);
    it.id = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";
    CHECK_EQ_INT(cw_vault_put(v, &it, small, 5, id2, sha, err, sizeof err), 0);
    CHECK_STR(id2, "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0");
    CHECK(opens_to(v, id2, small, 5));
    CHECK_EQ_INT(cw_vault_put(v, &it, small, 5, id2, sha, err, sizeof err), -1);
    it.id = "../../etc/passwd";
    CHECK_EQ_INT(cw_vault_put(v, &it, small, 5, id2, sha, err, sizeof err), -1);
    CHECK(strstr(err, "bad artifact id") != NULL);

    /* 200 KiB: a blob file, 0600, whose SHA-256 is the one put returned */
    size_t big_len = 200 * 1024;
    uint8_t *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 9));
    it = item(s, CONSENT_A, "recording", 1000, FAR);
    it.kind = "audio/wav";
    CHECK_EQ_INT(cw_vault_put(v, &it, big, big_len, id2, sha, err, sizeof err), 0);
    CHECK(opens_to(v, id2, big, big_len));
    blob_file(id2, path);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK_EQ_INT(sb.st_size, big_len + 28);
    size_t fl;
    uint8_t *file = slurp(path, &fl);
    cw_sha256_hex_of(file, fl, hex);
    CHECK_STR(hex, sha);
    CHECK(memmem(file, fl, big + 1000, 64) == NULL);   /* not the plaintext */
    free(file);
    CHECK_EQ_INT(sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1",
                          id2, stored, sizeof stored), -1);          /* no inline copy */

    /* the inline limit, both sides; and an empty artifact */
    it = item(s, CONSENT_B, "consent_snippet", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, big, CW_VAULT_INLINE_MAX, id3), 0);
    CHECK_EQ_INT(put(v, &it, big, CW_VAULT_INLINE_MAX + 1, id4), 0);
    CHECK_EQ_INT(put(v, &it, "", 0, id5), 0);
    blob_file(id3, path);
    CHECK(!exists(path));
    blob_file(id4, path);
    CHECK(exists(path));
    CHECK(opens_to(v, id3, big, CW_VAULT_INLINE_MAX));
    CHECK(opens_to(v, id4, big, CW_VAULT_INLINE_MAX + 1));
    CHECK(opens_to(v, id5, "", 0));

    CHECK_EQ_INT(count_list(v, s, NULL), 5);
    CHECK_EQ_INT(count_list(v, s, CONSENT_A), 2);
    CHECK_EQ_INT(count_list(v, NULL, CONSENT_B), 3);
    CHECK_EQ_INT(count_list(v, "ffffffffffffffffffffffffffffffff", NULL), 0);

    /* refusals */
    char bad[33];
    it = item(s, CONSENT_A, "transcript", 1000, 0);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    CHECK(strstr(err, "expiry") != NULL);
    it = item(s, CONSENT_A, "transcript", 5000, 5000);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    const char *purposes[] = { "Recording", "", "a-b", "x23456789012345678901234567890123" };
    for (size_t i = 0; i < 4; i++) {
        it = item(s, CONSENT_A, purposes[i], 1000, FAR);
        CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
        CHECK(strstr(err, "purpose") != NULL);
    }
    it = item(s, "a b", "transcript", 1000, FAR);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    it = item(s, CONSENT_A, "transcript", 1000, FAR);
    it.kind = "text plain";
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    it = item("0123456789abcdef0123456789abcdef", CONSENT_A, "transcript", 1000, FAR);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    CHECK(strstr(err, "unknown") != NULL);
    /* a consent belongs to the subject of its first put: under another one, refused */
    char s2[33];
    CHECK_EQ_INT(cw_vault_subject(v, "+43 1 5559999", 1000, s2, err, sizeof err), 0);
    it = item(s2, CONSENT_A, "transcript", 1000, FAR);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, bad, sha, err, sizeof err), -1);
    CHECK(strstr(err, CONSENT_A) != NULL && strstr(err, "another data subject") != NULL);
    CHECK_EQ_INT(count_list(v, s2, NULL), 0);
    CHECK_EQ_INT(count_list(v, s, NULL), 5);            /* nothing of that was stored */

    /* keys.db: a row per consent, bound to its subject, its key wrapped (60 bytes) */
    uint8_t ck[64];
    CHECK_EQ_INT(consent_key_of(CONSENT_A, ck), 60);
    CHECK_EQ_INT(consent_key_of(CONSENT_B, ck), 60);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT count(*) FROM consents WHERE subject_ref = ?1", s),
                 2);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT count(*) FROM consents WHERE subject_ref = ?1",
                         s2), 0);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT created_ms FROM consents WHERE consent_id = ?1",
                         CONSENT_A), 1000);

    CHECK_EQ_INT(get_rc(v, "0123456789abcdef0123456789abcdef"), 1);
    CHECK_EQ_INT(get_rc(v, "../../../../etc/passwd"), -1);
    free(big);
}

static void test_tampering(cw_vault *v)
{
    char s[33], small_id[33], blob_id[33], path[256];
    const char *consent = "4f1c2a7e-0000-4000-8000-0000000000ee";
    CHECK_EQ_INT(cw_vault_subject(v, "+33 1 555 0000", 1000, s, err, sizeof err), 0);
    cw_vault_item it = item(s, consent, "transcript", 1000, FAR);
    const char text[] = "a small transcript that someone will change";
    CHECK_EQ_INT(put(v, &it, text, sizeof text, small_id), 0);
    uint8_t big[20000];
    memset(big, 'r', sizeof big);
    CHECK_EQ_INT(put(v, &it, big, sizeof big, blob_id), 0);

    /* one bit of a blob file */
    blob_file(blob_id, path);
    size_t n;
    uint8_t *file = slurp(path, &n);
    file[1000] ^= 1;
    spit(path, file, n);
    CHECK_EQ_INT(get_rc(v, blob_id), -1);
    CHECK(strstr(err, "corrupt") != NULL && strstr(err, blob_id) != NULL);
    file[1000] ^= 1;
    spit(path, file, n);
    CHECK(opens_to(v, blob_id, big, sizeof big));
    /* cut short */
    spit(path, file, n - 1);
    CHECK_EQ_INT(get_rc(v, blob_id), -1);
    CHECK(strstr(err, "cut short") != NULL);
    spit(path, file, n);
    free(file);

    /* one bit of the inline data: the SHA-256 no longer matches */
    uint8_t sealed[256];
    int sl = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1",
                      small_id, sealed, sizeof sealed);
    CHECK(sl > 28);
    sealed[20] ^= 0x80;
    sql_run("content.db", "UPDATE artifacts SET data = ?1 WHERE artifact_id = ?2", sealed, sl,
            small_id);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "corrupt") != NULL && strstr(err, "SHA-256") != NULL);

    /* ... and with its SHA-256 fixed up too, the GCM tag still says no */
    char hex[65];
    cw_sha256_hex_of(sealed, (size_t)sl, hex);
    sql_run("content.db", "UPDATE artifacts SET sha256 = CAST(?1 AS TEXT) "
            "WHERE artifact_id = ?2", hex, 64, small_id);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "authentication failed") != NULL);
    sealed[20] ^= 0x80;
    cw_sha256_hex_of(sealed, (size_t)sl, hex);
    sql_run("content.db", "UPDATE artifacts SET data = ?1 WHERE artifact_id = ?2", sealed, sl,
            small_id);
    sql_run("content.db", "UPDATE artifacts SET sha256 = CAST(?1 AS TEXT) "
            "WHERE artifact_id = ?2", hex, 64, small_id);
    CHECK(opens_to(v, small_id, text, sizeof text));

    /* moving an artifact to another consent or purpose (AAD) */
    sql_run("content.db", "UPDATE artifacts SET consent_id = 'other' WHERE artifact_id = ?2",
            NULL, 0, small_id);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "authentication failed") != NULL);
    sql_run("content.db", "UPDATE artifacts SET consent_id = '4f1c2a7e-0000-4000-8000-"
            "0000000000ee', purpose = 'recording' WHERE artifact_id = ?2", NULL, 0, small_id);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    sql_run("content.db", "UPDATE artifacts SET purpose = 'transcript' WHERE artifact_id = ?2",
            NULL, 0, small_id);
    CHECK(opens_to(v, small_id, text, sizeof text));
    /* ... or to a consent of another subject, which keys.db knows is not this one's */
    sql_run("content.db", "UPDATE artifacts SET consent_id = '" CONSENT_A "' "
            "WHERE artifact_id = ?2", NULL, 0, small_id);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "another subject") != NULL);
    sql_run("content.db", "UPDATE artifacts SET consent_id = '4f1c2a7e-0000-4000-8000-"
            "0000000000ee' WHERE artifact_id = ?2", NULL, 0, small_id);
    CHECK(opens_to(v, small_id, text, sizeof text));

    /* relabelling its kind, moving its retention date or its creation time (AAD) */
    const struct { const char *set, *undo, *field; } edits[] = {
        { "kind = 'audio/wav'", "kind = 'text/plain'", "kind" },
        { "delete_after_ms = delete_after_ms + 1", "delete_after_ms = delete_after_ms - 1",
          "delete_after_ms" },
        { "delete_after_ms = delete_after_ms + 31536000000",
          "delete_after_ms = delete_after_ms - 31536000000", "delete_after_ms" },
        { "delete_after_ms = 1001", "delete_after_ms = 4102444800000", "delete_after_ms" },
        { "created_ms = created_ms - 1", "created_ms = created_ms + 1", "created_ms" },
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        const char *ids[2] = { small_id, blob_id };
        for (int k = 0; k < 2; k++) {
            char sql[256];
            snprintf(sql, sizeof sql, "UPDATE artifacts SET %s WHERE artifact_id = ?2",
                     edits[i].set);
            sql_run("content.db", sql, NULL, 0, ids[k]);
            CHECK_EQ_INT(get_rc(v, ids[k]), -1);
            CHECK(strstr(err, "authentication failed") != NULL);
            CHECK(strstr(err, edits[i].field) != NULL);
            snprintf(sql, sizeof sql, "UPDATE artifacts SET %s WHERE artifact_id = ?2",
                     edits[i].undo);
            sql_run("content.db", sql, NULL, 0, ids[k]);
        }
        CHECK(opens_to(v, small_id, text, sizeof text));
        CHECK(opens_to(v, blob_id, big, sizeof big));
    }

    /* a kind of the longest length, then longer: the cut value would match the AAD,
     * so a column longer than the vault writes is itself refused */
    const char *consent2 = "4f1c2a7e-0000-4000-8000-0000000000ef";
    char long_kind[CW_VAULT_KIND_LEN], long_id[33];
    memset(long_kind, 'x', sizeof long_kind - 1);
    memcpy(long_kind, "text/", 5);
    long_kind[sizeof long_kind - 1] = 0;
    cw_vault_item it2 = item(s, consent2, "transcript", 1000, FAR);
    it2.kind = long_kind;
    CHECK_EQ_INT(put(v, &it2, text, sizeof text, long_id), 0);
    CHECK(opens_to(v, long_id, text, sizeof text));
    sql_run("content.db", "UPDATE artifacts SET kind = kind || 'y' WHERE artifact_id = ?2",
            NULL, 0, long_id);
    CHECK_EQ_INT(get_rc(v, long_id), -1);
    CHECK(strstr(err, "altered") != NULL);
    sql_run("content.db", "UPDATE artifacts SET kind = substr(kind, 1, 63) "
            "WHERE artifact_id = ?2", NULL, 0, long_id);
    CHECK(opens_to(v, long_id, text, sizeof text));

    /* a consent's wrapped key changed, or copied into another consent's row */
    uint8_t ck[64], ck2[64];
    CHECK_EQ_INT(consent_key_of(consent, ck), 60);
    CHECK_EQ_INT(consent_key_of(consent2, ck2), 60);
    ck[30] ^= 1;
    sql_run("keys.db", "UPDATE consents SET key_wrapped = ?1 WHERE consent_id = ?2", ck, 60,
            consent);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "wrapped key does not verify") != NULL && strstr(err, consent) != NULL);
    ck[30] ^= 1;
    sql_run("keys.db", "UPDATE consents SET key_wrapped = ?1 WHERE consent_id = ?2", ck, 60,
            consent2);
    CHECK_EQ_INT(get_rc(v, long_id), -1);
    CHECK(strstr(err, "wrapped key does not verify") != NULL);
    sql_run("keys.db", "UPDATE consents SET key_wrapped = ?1 WHERE consent_id = ?2", ck, 60,
            consent);
    sql_run("keys.db", "UPDATE consents SET key_wrapped = ?1 WHERE consent_id = ?2", ck2, 60,
            consent2);
    CHECK(opens_to(v, small_id, text, sizeof text));
    CHECK(opens_to(v, long_id, text, sizeof text));

    /* a wrapped key that was changed */
    uint8_t wrapped[64];
    int wl = sql_blob("keys.db", "SELECT key_wrapped FROM subjects WHERE subject_ref = ?1", s,
                      wrapped, sizeof wrapped);
    CHECK_EQ_INT(wl, 60);
    wrapped[30] ^= 1;
    sql_run("keys.db", "UPDATE subjects SET key_wrapped = ?1 WHERE subject_ref = ?2", wrapped,
            wl, s);
    CHECK_EQ_INT(get_rc(v, small_id), -1);
    CHECK(strstr(err, "wrapped key does not verify") != NULL);
    wrapped[30] ^= 1;
    sql_run("keys.db", "UPDATE subjects SET key_wrapped = ?1 WHERE subject_ref = ?2", wrapped,
            wl, s);
    CHECK(opens_to(v, small_id, text, sizeof text));

    uint64_t gone = 0;
    CHECK_EQ_INT(cw_vault_erase_consent(v, consent, 1500, &gone, err, sizeof err), 0);
    CHECK_EQ_INT(gone, 2);
    CHECK_EQ_INT(cw_vault_erase_consent(v, consent2, 1500, &gone, err, sizeof err), 0);
    CHECK_EQ_INT(gone, 1);
}

/* The attack on erasure: after it, none of the subject's ciphertext, wrapped key,
 * sealed number or number index is in any file of the tenant, and its plaintext and
 * number never were. */
static void test_erasure_erases(cw_vault **vp)
{
    cw_vault *v = *vp;
    char s[33], other[33], in_id[33], blob_id[33], in2_id[33];
    const char *c1 = "4f1c2a7e-0000-4000-8000-0000000000e1";
    const char *c2 = "4f1c2a7e-0000-4000-8000-0000000000e2";
    const char *c_other = "4f1c2a7e-0000-4000-8000-0000000000e3";
    CHECK_EQ_INT(cw_vault_subject(v, NUMBER, 1000, s, err, sizeof err), 0);
    CHECK_EQ_INT(cw_vault_subject(v, "+44 20 7946 0000", 1000, other, err, sizeof err), 0);

    char text[1200] = "";
    while (strlen(text) + strlen(MARKER) < sizeof text)
        strcat(text, MARKER);
    size_t big_len = 100 * 1024, ml = strlen(MARKER);
    char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = MARKER[i % ml];
    cw_vault_item it = item(s, c1, "transcript", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, text, strlen(text), in_id), 0);
    it = item(s, c2, "recording", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, big, big_len, blob_id), 0);
    CHECK_EQ_INT(put(v, &it, "short " MARKER, 6 + ml, in2_id), 0);
    char ov_id[33];                     /* inline, but longer than a page: overflow pages */
    CHECK_EQ_INT(put(v, &it, big, CW_VAULT_INLINE_MAX, ov_id), 0);
    char oid[33];
    it = item(other, c_other, "transcript", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, text, strlen(text), oid), 0);     /* must survive */

    /* everything is encrypted: no marker, no number in clear, anywhere */
    CHECK(absent("SECRET-TRANSCRIPT", 17));
    CHECK(absent(NUMBER_NORM, strlen(NUMBER_NORM)));
    CHECK(absent("491715550199", 12));
    CHECK(absent("5550199", 7));

    /* what an attacker copies now to look for later */
    uint8_t in_ct[2048], in2_ct[256], wrapped[64], sealed_number[64], index[32];
    int in_len = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1",
                          in_id, in_ct, sizeof in_ct);
    int in2_len = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1",
                           in2_id, in2_ct, sizeof in2_ct);
    int wl = sql_blob("keys.db", "SELECT key_wrapped FROM subjects WHERE subject_ref = ?1", s,
                      wrapped, sizeof wrapped);
    int nl = sql_blob("keys.db", "SELECT number_sealed FROM subjects WHERE subject_ref = ?1",
                      s, sealed_number, sizeof sealed_number);
    int il = sql_blob("keys.db", "SELECT number_index FROM subjects WHERE subject_ref = ?1",
                      s, index, sizeof index);
    uint8_t ck1[64], ck2[64], ck_other[64];
    CHECK_EQ_INT(consent_key_of(c1, ck1), 60);
    CHECK_EQ_INT(consent_key_of(c2, ck2), 60);
    CHECK_EQ_INT(consent_key_of(c_other, ck_other), 60);
    static uint8_t ov_ct[CW_VAULT_INLINE_MAX + 28];
    int ov_len = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1",
                          ov_id, ov_ct, sizeof ov_ct);
    CHECK_EQ_INT(ov_len, CW_VAULT_INLINE_MAX + 28);
    CHECK(in_len > 1000 && in2_len > 28);
    CHECK_EQ_INT(wl, 60);
    CHECK_EQ_INT(nl, (int)strlen(NUMBER_NORM) + 28);
    CHECK_EQ_INT(il, 32);
    char path[256];
    blob_file(blob_id, path);
    size_t bl;
    uint8_t *blob = slurp(path, &bl);
    CHECK(blob && bl == big_len + 28);
    /* the scanner finds them before erasure (the WAL or the main file hold them) */
    CHECK(present(in_ct + 100, 64));
    CHECK(present(wrapped, 60));
    CHECK(present(blob + 50000, 64));
    CHECK(present(ov_ct + ov_len - 64, 64));

    uint64_t n = 99;
    CHECK_EQ_INT(cw_vault_erase_subject(v, s, 2000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 4);

    /* gone from every file: keys.db, content.db, their -wal and -shm, blobs/ */
    CHECK(absent(in_ct, 64));
    CHECK(absent(in_ct + in_len - 64, 64));
    CHECK(absent(in2_ct, (size_t)in2_len));
    CHECK(absent(ov_ct, 64));
    CHECK(absent(ov_ct + 2048, 64));
    CHECK(absent(ov_ct + ov_len - 64, 64));
    CHECK(absent(blob, 64));
    CHECK(absent(blob + 50000, 64));
    CHECK(absent(blob + bl - 64, 64));
    CHECK(absent(wrapped, 60));
    CHECK(absent(wrapped + 12, 32));      /* not even the key's ciphertext */
    CHECK(absent(sealed_number, (size_t)nl));
    CHECK(absent(index, 32));
    /* every consent key of the subject went in the same commit; the other's stays */
    CHECK(absent(ck1, 60));
    CHECK(absent(ck2, 60));
    CHECK(absent(ck2 + 12, 32));
    CHECK_EQ_INT(consent_key_of(c1, ck1), -1);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         c1), 2000);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         c2), 2000);
    CHECK(present(ck_other, 60));
    CHECK(!exists(path));
    char wal[256];
    snprintf(wal, sizeof wal, "%s/keys.db-wal", tdir);
    CHECK(file_size(wal) <= 0);                        /* truncated (or absent) */
    snprintf(wal, sizeof wal, "%s/content.db-wal", tdir);
    CHECK(file_size(wal) <= 0);

    /* and the vault agrees */
    CHECK_EQ_INT(get_rc(v, in_id), 1);
    CHECK_EQ_INT(get_rc(v, blob_id), 1);
    char found[33], num[CW_VAULT_NUMBER_LEN];
    CHECK_EQ_INT(cw_vault_find_subject(v, NUMBER, found, err, sizeof err), 1);
    CHECK_EQ_INT(cw_vault_subject_number(v, s, num, sizeof num, err, sizeof err), 1);
    CHECK(strstr(err, "erased") != NULL);
    it = item(s, c1, "transcript", 3000, FAR);
    CHECK_EQ_INT(cw_vault_put(v, &it, "x", 1, found, path, err, sizeof err), -1);
    CHECK(strstr(err, "erased") != NULL);
    CHECK_EQ_INT(count_list(v, s, NULL), 0);
    CHECK(opens_to(v, oid, text, strlen(text)));       /* the other caller keeps theirs */

    /* idempotent; an unknown subject is said so */
    CHECK_EQ_INT(cw_vault_erase_subject(v, s, 3000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(cw_vault_erase_subject(v, "0123456789abcdef0123456789abcdef", 3000, &n, err,
                                        sizeof err), 1);
    CHECK_EQ_INT(cw_vault_erase_subject(v, "not-a-ref", 3000, &n, err, sizeof err), -1);

    /* the same caller rings again: a new subject, nothing linking it to the old one */
    char again[33];
    CHECK_EQ_INT(cw_vault_subject(v, NUMBER, 4000, again, err, sizeof err), 0);
    CHECK(strcmp(again, s) != 0);

    /* still gone after closing and opening again (nothing came back from a WAL) */
    reopen(vp);
    v = *vp;
    CHECK_EQ_INT(get_rc(v, in_id), 1);
    CHECK(absent(wrapped, 60));
    CHECK(absent(ck1, 60));
    CHECK(absent(in_ct + 100, 64));
    free(blob);
    free(big);
}

/* Withdrawal crypto-shreds: after it, a copy of content.db and of the consent's blob
 * taken before, put back next to the current keys.db, no longer opens, while the same
 * subject's other consent does; the consent's wrapped key is in no file. */
static void test_erase_consent(cw_vault **vp)
{
    cw_vault *v = *vp;
    char s[33], x[3][33], y[2][33], path[256], bad[33], sha[65];
    const char *cx = "4f1c2a7e-0000-4000-8000-0000000000c1";
    const char *cy = "4f1c2a7e-0000-4000-8000-0000000000c2";
    CHECK_EQ_INT(cw_vault_subject(v, "+34 91 555 1234", 1000, s, err, sizeof err), 0);
    uint8_t big[9000];
    memset(big, 'q', sizeof big);
    cw_vault_item ix = item(s, cx, "recording", 1000, FAR);
    cw_vault_item iy = item(s, cy, "recording", 1000, FAR);
    CHECK_EQ_INT(put(v, &ix, "x one", 5, x[0]), 0);
    CHECK_EQ_INT(put(v, &ix, "x two", 5, x[1]), 0);
    CHECK_EQ_INT(put(v, &ix, big, sizeof big, x[2]), 0);
    CHECK_EQ_INT(put(v, &iy, "y one", 5, y[0]), 0);
    CHECK_EQ_INT(put(v, &iy, big, sizeof big, y[1]), 0);
    uint8_t ct[64], ck[64];
    int cl = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1", x[0],
                      ct, sizeof ct);
    CHECK_EQ_INT(cl, 5 + 28);
    CHECK_EQ_INT(consent_key_of(cx, ck), 60);
    CHECK(present(ck, 60));

    /* the attacker's key schedule is the vault's: with the consent key it opens x[0];
     * the subject key alone (the item key of keys.db v1) does not */
    uint8_t sk[32], cxk[32];
    CHECK_EQ_INT(attacker_subject_key(s, sk), 0);
    CHECK_EQ_INT(attacker_consent_key(sk, cx, s, cxk), 0);
    CHECK(attacker_opens(cxk, "callwarden-vault-item/2", x[0], s, cx, "recording",
                         "text/plain", 1000, FAR, ct, (size_t)cl, "x one", 5));
    CHECK(!attacker_opens(sk, "callwarden-vault-item/2", x[0], s, cx, "recording",
                          "text/plain", 1000, FAR, ct, (size_t)cl, "x one", 5));
    CHECK(!attacker_opens(sk, "callwarden-vault-item", x[0], s, cx, "recording",
                          "text/plain", 1000, FAR, ct, (size_t)cl, "x one", 5));

    /* a backup of content.db and of cx's blob, taken before the withdrawal (closing
     * checkpoints the WAL into the main file) */
    char content[256], content_bak[256], blob_bak[256];
    snprintf(content, sizeof content, "%s/content.db", tdir);
    snprintf(content_bak, sizeof content_bak, "%s/content-withdrawal.bak", data_dir);
    snprintf(blob_bak, sizeof blob_bak, "%s/blob-withdrawal.bak", data_dir);
    cw_vault_close(v);
    copy_file(content, content_bak);
    blob_file(x[2], path);
    copy_file(path, blob_bak);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", vp, err, sizeof err), 0);
    v = *vp;

    /* a second name for the blob's inode: what the vault leaves in it is what the
     * file system's blocks keep after the unlink */
    char link_path[256];
    snprintf(link_path, sizeof link_path, "%s/blob-link", data_dir);
    CHECK_EQ_INT(link(path, link_path), 0);

    uint64_t n = 0;
    CHECK_EQ_INT(cw_vault_erase_consent(v, cx, 2500, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 3);
    size_t ll;
    uint8_t *left = slurp(link_path, &ll);
    CHECK_EQ_INT(ll, sizeof big + 28);
    size_t nonzero = 0;
    for (size_t i = 0; left && i < ll; i++)
        nonzero += left[i] != 0;
    CHECK_EQ_INT(nonzero, 0);                       /* overwritten before the unlink */
    free(left);
    unlink(link_path);
    CHECK_EQ_INT(count_list(v, NULL, cx), 0);
    CHECK_EQ_INT(count_list(v, NULL, cy), 2);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(get_rc(v, x[i]), 1);
    blob_file(x[2], path);
    CHECK(!exists(path));
    CHECK(absent(ct, (size_t)cl));
    CHECK(opens_to(v, y[0], "y one", 5));
    CHECK(opens_to(v, y[1], big, sizeof big));

    /* the key is destroyed, out of keys.db and its WAL: a tombstone row is left */
    CHECK(absent(ck, 60));
    CHECK(absent(ck + 12, 32));                     /* not even the key's ciphertext */
    uint8_t none[64];
    CHECK_EQ_INT(consent_key_of(cx, none), -1);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         cx), 2500);
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         cy), -1);
    char wal[256];
    snprintf(wal, sizeof wal, "%s/keys.db-wal", tdir);
    CHECK(file_size(wal) <= 0);
    snprintf(wal, sizeof wal, "%s/content.db-wal", tdir);
    CHECK(file_size(wal) <= 0);

    /* a withdrawn consent takes no new content */
    CHECK_EQ_INT(cw_vault_put(v, &ix, "x new", 5, bad, sha, err, sizeof err), -1);
    CHECK(strstr(err, "withdrawn") != NULL);
    CHECK_EQ_INT(count_list(v, NULL, cx), 0);

    /* the backup of content.db and of the blob comes back, keys.db stays as it is now */
    cw_vault_close(v);
    const char *suffix[] = { "-wal", "-shm" };
    for (int i = 0; i < 2; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", content, suffix[i]);
        unlink(p);
    }
    copy_file(content_bak, content);
    copy_file(blob_bak, path);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", vp, err, sizeof err), 0);
    v = *vp;
    /* the ciphertext is back in the files, and the vault lists it ... */
    CHECK(present(ct, (size_t)cl));
    CHECK(exists(path));
    CHECK_EQ_INT(count_list(v, NULL, cx), 3);
    /* ... but nothing opens it: crypto-shredded */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(get_rc(v, x[i]), 1);
        CHECK(strstr(err, "withdrawn") != NULL && strstr(err, "crypto-shredded") != NULL);
    }
    CHECK(absent(ck, 60));
    /* and not the attacker either, who has master.key, the current keys.db and the
     * restored ciphertext: the subject key is still there, the consent key is not, and
     * nothing derived from what is left opens the inline row or the blob */
    uint8_t restored[64], cyk[32];
    int rl = sql_blob("content.db", "SELECT data FROM artifacts WHERE artifact_id = ?1", x[0],
                      restored, sizeof restored);
    CHECK_EQ_INT(rl, cl);
    CHECK_EQ_INT(attacker_subject_key(s, sk), 0);
    CHECK_EQ_INT(attacker_consent_key(sk, cx, s, cxk), -1);
    CHECK_EQ_INT(attacker_consent_key(sk, cy, s, cyk), 0);
    size_t bl;
    uint8_t *rblob = slurp(path, &bl);
    const uint8_t *ikms[] = { sk, cyk };
    const char *infos[] = { "callwarden-vault-item/2", "callwarden-vault-item" };
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 2; i++) {
            CHECK(!attacker_opens(ikms[k], infos[i], x[0], s, cx, "recording", "text/plain",
                                  1000, FAR, restored, (size_t)rl, "x one", 5));
            CHECK(!attacker_opens(ikms[k], infos[i], x[2], s, cx, "recording", "text/plain",
                                  1000, FAR, rblob, bl, big, sizeof big));
        }
    free(rblob);
    /* (the same tools still open the other consent's restored blob: they do work) */
    blob_file(y[1], path);
    rblob = slurp(path, &bl);
    CHECK(attacker_opens(cyk, "callwarden-vault-item/2", y[1], s, cy, "recording",
                         "text/plain", 1000, FAR, rblob, bl, big, sizeof big));
    free(rblob);
    blob_file(x[2], path);
    cw_wipe(sk, sizeof sk);
    cw_wipe(cxk, sizeof cxk);
    cw_wipe(cyk, sizeof cyk);
    /* the subject's other consent still opens, from the same restored files */
    CHECK(opens_to(v, y[0], "y one", 5));
    CHECK(opens_to(v, y[1], big, sizeof big));

    /* idempotent: withdrawing again deletes what came back */
    CHECK_EQ_INT(cw_vault_erase_consent(v, cx, 3000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 3);
    CHECK(!exists(path));
    CHECK(absent(ct, (size_t)cl));
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         cx), 2500);               /* the first withdrawal's time stays */
    CHECK_EQ_INT(cw_vault_erase_consent(v, cx, 3000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(cw_vault_erase_consent(v, cy, 3000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(cw_vault_erase_consent(v, "4f1c2a7e-0000-4000-8000-0000000000c3", 3000, &n,
                                        err, sizeof err), 1);
    CHECK(strstr(err, "no consent") != NULL);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(cw_vault_erase_consent(v, "a b", 3000, &n, err, sizeof err), -1);
    CHECK_EQ_INT(cw_vault_erase_consent(v, NULL, 3000, &n, err, sizeof err), -1);
    unlink(content_bak);
    unlink(blob_bak);
}

static void test_sweep(cw_vault **vp)
{
    cw_vault *v = *vp;
    char s[33], ids[3][33], path[256], ids_keep[33];
    const char *cs = "4f1c2a7e-0000-4000-8000-0000000000d1";
    CHECK_EQ_INT(cw_vault_subject(v, "+39 06 5550 1111", 0, s, err, sizeof err), 0);
    int64_t far_before = cw_vault_next_expiry(v);
    CHECK(far_before >= FAR);           /* what the other parts stored lasts till 2100 */
    uint8_t big[6000];
    memset(big, 'z', sizeof big);
    cw_vault_item it = item(s, cs, "recording", 0, 3000);
    CHECK_EQ_INT(put(v, &it, big, sizeof big, ids[2]), 0);     /* a blob */
    it.delete_after_ms = 1000;
    CHECK_EQ_INT(put(v, &it, "one", 3, ids[0]), 0);
    it.delete_after_ms = 2000;
    CHECK_EQ_INT(put(v, &it, "two", 3, ids[1]), 0);
    CHECK_EQ_INT(cw_vault_next_expiry(v), 1000);

    seen got = { 0 };
    got.v = v;
    uint64_t n = 0;
    CHECK_EQ_INT(cw_vault_sweep(v, 999, on_meta, &got, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(got.n, 0);
    CHECK_EQ_INT(cw_vault_sweep(v, 1500, on_meta, &got, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(got.n, 1);
    CHECK_STR(got.m[0].id, ids[0]);
    CHECK_EQ_INT(got.m[0].delete_after_ms, 1000);
    CHECK_STR(got.m[0].consent_id, cs);
    CHECK_EQ_INT(got.gone_when_told, 1);            /* fn ran after the deletion */
    CHECK_EQ_INT(get_rc(v, ids[0]), 1);
    CHECK(opens_to(v, ids[1], "two", 3));
    CHECK_EQ_INT(cw_vault_next_expiry(v), 2000);

    CHECK_EQ_INT(cw_vault_sweep(v, 5000, on_meta, &got, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(got.n, 3);
    CHECK_STR(got.m[1].id, ids[1]);                 /* in expiry order */
    CHECK_STR(got.m[2].id, ids[2]);
    CHECK_EQ_INT(got.m[2].in_blob, 1);
    CHECK_EQ_INT(got.m[2].size, sizeof big);
    CHECK_EQ_INT(got.gone_when_told, 3);
    blob_file(ids[2], path);
    CHECK(!exists(path));
    CHECK_EQ_INT(count_list(v, s, NULL), 0);
    CHECK_EQ_INT(cw_vault_next_expiry(v), far_before);
    CHECK_EQ_INT(cw_vault_sweep(v, 5000, NULL, NULL, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);

    /* orphans: an old blob file no row names goes; a fresh one (a put in flight), a
     * file of another name and an old blob with its row stay */
    uint8_t keep[5000];
    memset(keep, 'k', sizeof keep);
    memcpy(keep, "keep me", 7);
    it = item(s, cs, "recording", 0, FAR);
    CHECK_EQ_INT(put(v, &it, keep, sizeof keep, ids_keep), 0);
    char old_orphan[256], new_orphan[256], other[256], old_tmp[256];
    snprintf(old_orphan, sizeof old_orphan, "%s/blobs/%s.bin", tdir,
             "0123456789abcdef0123456789abcdef");
    snprintf(old_tmp, sizeof old_tmp, "%s/blobs/%s.tmp", tdir,
             "1123456789abcdef0123456789abcdef");
    snprintf(new_orphan, sizeof new_orphan, "%s/blobs/%s.bin", tdir,
             "2123456789abcdef0123456789abcdef");
    snprintf(other, sizeof other, "%s/blobs/README", tdir);
    spit(old_orphan, "old", 3);
    spit(old_tmp, "tmp", 3);
    spit(new_orphan, "new", 3);
    spit(other, "keep", 4);
    struct timeval tv[2] = { { time(NULL) - 3600, 0 }, { time(NULL) - 3600, 0 } };
    CHECK_EQ_INT(utimes(old_orphan, tv), 0);
    CHECK_EQ_INT(utimes(old_tmp, tv), 0);
    CHECK_EQ_INT(utimes(other, tv), 0);
    blob_file(ids_keep, path);
    CHECK_EQ_INT(utimes(path, tv), 0);
    CHECK_EQ_INT(cw_vault_remove_orphans(v, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(!exists(old_orphan));
    CHECK(!exists(old_tmp));
    CHECK(exists(new_orphan));
    CHECK(exists(other));
    CHECK(opens_to(v, ids_keep, keep, sizeof keep));     /* a blob with a row stays */
    /* the first sweep after opening runs the pass too */
    spit(old_orphan, "old", 3);
    CHECK_EQ_INT(utimes(old_orphan, tv), 0);
    reopen(vp);
    v = *vp;
    CHECK_EQ_INT(cw_vault_sweep(v, 5000, NULL, NULL, &n, err, sizeof err), 0);
    CHECK(!exists(old_orphan));
    unlink(new_orphan);
    unlink(other);
}

/* A backup of keys.db brings destroyed keys back; reconcile, told by the ledger which
 * subjects were erased and which consents withdrawn, destroys them again. */
static void test_reconcile(cw_vault **vp)
{
    cw_vault *v = *vp;
    char s[33], in_id[33], blob_id[33], path[256], found[33];
    char keys[256], keys_bak[256], content[256], content_bak[256], blob_bak[256];
    const char *cr = "4f1c2a7e-0000-4000-8000-0000000000f1";
    CHECK_EQ_INT(cw_vault_subject(v, "+31 20 555 7777", 1000, s, err, sizeof err), 0);
    cw_vault_item it = item(s, cr, "transcript", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, "restored?", 9, in_id), 0);
    uint8_t big[5000];
    memset(big, 'b', sizeof big);
    CHECK_EQ_INT(put(v, &it, big, sizeof big, blob_id), 0);
    uint8_t wrapped[64], cr_key[64];
    CHECK_EQ_INT(sql_blob("keys.db", "SELECT key_wrapped FROM subjects WHERE subject_ref = ?1",
                          s, wrapped, sizeof wrapped), 60);
    CHECK_EQ_INT(consent_key_of(cr, cr_key), 60);

    /* a second subject: one consent withdrawn after the backup, one kept */
    char t[33], w_in[33], w_blob[33], k_in[33], w_path[256], w_blob_bak[256];
    const char *cw = "4f1c2a7e-0000-4000-8000-0000000000f2";
    const char *ck = "4f1c2a7e-0000-4000-8000-0000000000f3";
    CHECK_EQ_INT(cw_vault_subject(v, "+31 20 555 8888", 1000, t, err, sizeof err), 0);
    it = item(t, cw, "recording", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, "withdrawn?", 10, w_in), 0);
    CHECK_EQ_INT(put(v, &it, big, sizeof big, w_blob), 0);
    it = item(t, ck, "recording", 1000, FAR);
    CHECK_EQ_INT(put(v, &it, "kept", 4, k_in), 0);
    uint8_t cw_key[64];
    CHECK_EQ_INT(consent_key_of(cw, cw_key), 60);

    /* last night's backup: closing checkpoints the WAL into the main files */
    cw_vault_close(v);
    snprintf(keys, sizeof keys, "%s/keys.db", tdir);
    snprintf(content, sizeof content, "%s/content.db", tdir);
    snprintf(keys_bak, sizeof keys_bak, "%s/../keys.bak", tdir);
    snprintf(content_bak, sizeof content_bak, "%s/../content.bak", tdir);
    snprintf(blob_bak, sizeof blob_bak, "%s/../blob.bak", tdir);
    snprintf(w_blob_bak, sizeof w_blob_bak, "%s/../blob-w.bak", tdir);
    blob_file(blob_id, path);
    blob_file(w_blob, w_path);
    copy_file(keys, keys_bak);
    copy_file(content, content_bak);
    copy_file(path, blob_bak);
    copy_file(w_path, w_blob_bak);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", vp, err, sizeof err), 0);
    v = *vp;

    uint64_t n;
    CHECK_EQ_INT(cw_vault_erase_subject(v, s, 5000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(get_rc(v, in_id), 1);
    CHECK_EQ_INT(cw_vault_erase_consent(v, cw, 5000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(get_rc(v, w_in), 1);
    CHECK(absent(cw_key, 60));

    /* the backup comes back, -wal and -shm removed */
    cw_vault_close(v);
    const char *suffix[] = { "-wal", "-shm" };
    for (int i = 0; i < 2; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", keys, suffix[i]);
        unlink(p);
        snprintf(p, sizeof p, "%s%s", content, suffix[i]);
        unlink(p);
    }
    copy_file(keys_bak, keys);
    copy_file(content_bak, content);
    copy_file(blob_bak, path);
    copy_file(w_blob_bak, w_path);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", vp, err, sizeof err), 0);
    v = *vp;
    /* the erased key is back: the content opens again and the number finds it */
    CHECK(opens_to(v, in_id, "restored?", 9));
    CHECK(opens_to(v, blob_id, big, sizeof big));
    CHECK_EQ_INT(cw_vault_find_subject(v, "+31205557777", found, err, sizeof err), 0);
    CHECK(present(wrapped, 60));
    CHECK(present(cr_key, 60));
    /* and so is the withdrawn consent's key */
    CHECK(opens_to(v, w_in, "withdrawn?", 10));
    CHECK(opens_to(v, w_blob, big, sizeof big));
    CHECK(present(cw_key, 60));

    /* the ledger's ERASED records say who was erased: shred them again */
    const char *refs[] = { s, "0123456789abcdef0123456789abcdef" };
    CHECK_EQ_INT(cw_vault_reconcile(v, refs, 2, NULL, 0, 6000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(get_rc(v, in_id), 1);
    CHECK_EQ_INT(get_rc(v, blob_id), 1);
    CHECK(!exists(path));
    CHECK_EQ_INT(cw_vault_find_subject(v, "+31205557777", found, err, sizeof err), 1);
    CHECK(absent(wrapped, 60));
    CHECK(absent(wrapped + 12, 32));
    CHECK(absent(cr_key, 60));                      /* its consent keys went with it */
    CHECK(opens_to(v, w_in, "withdrawn?", 10));     /* not yet: not in this list */

    /* ... and its withdrawal records which consents were withdrawn */
    const char *consents[] = { cw, "4f1c2a7e-0000-4000-8000-0000000000f9" };
    CHECK_EQ_INT(cw_vault_reconcile(v, NULL, 0, consents, 2, 6000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(get_rc(v, w_in), 1);
    CHECK(strstr(err, "no artifact") != NULL);      /* shredded, then deleted */
    CHECK_EQ_INT(get_rc(v, w_blob), 1);
    CHECK(!exists(w_path));
    CHECK_EQ_INT(count_list(v, NULL, cw), 0);
    CHECK(absent(cw_key, 60));
    CHECK(absent(cw_key + 12, 32));
    CHECK(opens_to(v, k_in, "kept", 4));            /* the subject's other consent stays */
    CHECK_EQ_INT(sql_int("keys.db", "SELECT erased_ms FROM consents WHERE consent_id = ?1",
                         cw), 6000);
    char wal[256];
    snprintf(wal, sizeof wal, "%s/keys.db-wal", tdir);
    CHECK(file_size(wal) <= 0);

    /* the content backup once more, next to the reconciled keys.db: shredded for good */
    cw_vault_close(v);
    for (int i = 0; i < 2; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", content, suffix[i]);
        unlink(p);
    }
    copy_file(content_bak, content);
    copy_file(blob_bak, path);
    copy_file(w_blob_bak, w_path);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", vp, err, sizeof err), 0);
    v = *vp;
    CHECK_EQ_INT(get_rc(v, blob_id), 1);
    CHECK(strstr(err, "subject") != NULL && strstr(err, "crypto-shredded") != NULL);
    CHECK_EQ_INT(get_rc(v, w_blob), 1);
    CHECK(strstr(err, "withdrawn") != NULL && strstr(err, "crypto-shredded") != NULL);
    CHECK(opens_to(v, k_in, "kept", 4));

    /* nothing left to shred; what came back with content.db is deleted */
    CHECK_EQ_INT(cw_vault_reconcile(v, refs, 2, consents, 2, 7000, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(count_list(v, s, NULL), 0);
    CHECK_EQ_INT(count_list(v, NULL, cw), 0);
    CHECK(!exists(path));
    CHECK(!exists(w_path));
    const char *bad[] = { "../etc" };
    CHECK_EQ_INT(cw_vault_reconcile(v, bad, 1, NULL, 0, 7000, &n, err, sizeof err), -1);
    const char *bad_consents[] = { "no such/consent" };
    CHECK_EQ_INT(cw_vault_reconcile(v, NULL, 0, bad_consents, 1, 7000, &n, err, sizeof err),
                 -1);
    CHECK(strstr(err, "bad consent id") != NULL);
    unlink(keys_bak);
    unlink(content_bak);
    unlink(blob_bak);
    unlink(w_blob_bak);
}

/* Another tenant's master key opens nothing of this one's (G8). */
static void test_other_tenant(void)
{
    char t3[128], from[256], to[256], num[CW_VAULT_NUMBER_LEN];
    cw_vault *v;
    CHECK_EQ_INT(cw_vault_master_create(data_dir, "t3", err, sizeof err), 0);
    snprintf(t3, sizeof t3, "%s/t3", data_dir);
    snprintf(from, sizeof from, "%s/keys.db", tdir);
    snprintf(to, sizeof to, "%s/keys.db", t3);
    copy_file(from, to);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t3", &v, err, sizeof err), 0);
    /* t1's first subject (from test_subjects) is in the copy, but t3's keys open nothing:
     * the index does not find it and the sealed number does not verify */
    char ref[33];
    CHECK_EQ_INT(cw_vault_find_subject(v, "+49301234567", ref, err, sizeof err), 1);
    char path[256];
    snprintf(path, sizeof path, "%s/keys.db", t3);
    sqlite3 *db;
    sqlite3_stmt *st;
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT subject_ref FROM subjects WHERE "
                                    "number_sealed IS NOT NULL LIMIT 1", -1, &st, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    snprintf(ref, sizeof ref, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK_EQ_INT(cw_vault_subject_number(v, ref, num, sizeof num, err, sizeof err), -1);
    CHECK(strstr(err, "does not verify") != NULL);
    cw_vault_close(v);
}

/* A database file that is not ours is refused and left byte for byte as it was. */
static void test_refused_files(void)
{
    char content[256], keys[256];
    cw_vault *v = NULL;
    snprintf(content, sizeof content, "%s/content.db", tdir);
    snprintf(keys, sizeof keys, "%s/keys.db", tdir);

    size_t n;
    uint8_t *orig = slurp(content, &n);
    CHECK(orig && n > 4096);
    uint8_t *garbage = malloc(n);
    memcpy(garbage, orig, n);
    for (size_t i = 0; i < 4096; i++)
        garbage[i] = (uint8_t)(i * 31 + 7);
    spit(content, garbage, n);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(v == NULL);
    CHECK(strstr(err, "content.db") != NULL);
    CHECK(strstr(err, "not a database") != NULL);
    CHECK(strstr(err, "left unchanged") != NULL);
    size_t m;
    uint8_t *after = slurp(content, &m);
    CHECK(m == n && memcmp(after, garbage, n) == 0);
    free(after);
    spit(content, orig, n);

    /* someone else's SQLite database in keys.db's place */
    size_t kn;
    uint8_t *korig = slurp(keys, &kn);
    unlink(keys);
    sqlite3 *db;
    CHECK_EQ_INT(sqlite3_open(keys, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "CREATE TABLE crm (name TEXT); "
                              "INSERT INTO crm VALUES ('x')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    size_t fn;
    uint8_t *foreign = slurp(keys, &fn);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(strstr(err, "not a callwarden vault keys database") != NULL);
    after = slurp(keys, &m);
    CHECK(m == fn && memcmp(after, foreign, fn) == 0);
    free(after);
    free(foreign);

    /* content.db where keys.db should be */
    spit(keys, orig, n);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(strstr(err, "not keys.db") != NULL);
    after = slurp(keys, &m);
    CHECK(m == n && memcmp(after, orig, n) == 0);
    free(after);

    /* a keys.db of schema version 1 (per-subject item keys, no consent keys) */
    spit(keys, korig, kn);
    CHECK_EQ_INT(sqlite3_open(keys, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), -1);
    CHECK(strstr(err, "version 1") != NULL && strstr(err, "per-consent") != NULL);

    spit(keys, korig, kn);
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), 0);
    cw_vault_stats st;
    CHECK_EQ_INT(cw_vault_stats_get(v, &st, err, sizeof err), 0);
    CHECK(st.subjects > 5 && st.subjects_erased >= 2 && st.artifacts >= 1);
    cw_vault_close(v);
    free(korig);
    free(orig);
    free(garbage);
}

int main(void)
{
    snprintf(data_dir, sizeof data_dir, "/tmp/cw_vault_XXXXXX");
    CHECK(mkdtemp(data_dir) != NULL);
    snprintf(tdir, sizeof tdir, "%s/t1", data_dir);

    test_master_key();
    cw_vault *v = NULL;
    CHECK_EQ_INT(cw_vault_open(data_dir, "t1", &v, err, sizeof err), 0);
    if (!v) {
        fprintf(stderr, "open: %s\n", err);
        return check_summary("vault");
    }
    test_open_files(v);
    test_subjects(v);
    test_round_trip(v);
    test_tampering(v);
    test_erasure_erases(&v);
    test_erase_consent(&v);
    test_sweep(&v);
    test_reconcile(&v);
    cw_vault_close(v);
    test_other_tenant();
    test_refused_files();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", data_dir);
    CHECK_EQ_INT(system(cmd), 0);
    return check_summary("vault");
}
