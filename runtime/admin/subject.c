/* subject.c  `callwarden subject export|erase` (Art. 15, Art. 17) and `callwarden vault
 * reconcile|sweep` (subject.h): the vault's content and the ledger's proof of one data
 * subject, together.
 *
 * The ledger knows a subject only by its random subject_ref (in the sealed bodies);
 * the vault maps a number to it through its keyed index. So each command first finds
 * the subject in the vault, then reads or appends ledger records under that reference.
 * An erasure deletes content, never proof: the consent records stay until their
 * proof_retain_until (Art. 17(3)(e)), and the ERASED record says what went.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/json.h"
#include "callwarden/subject.h"

/* The tenant's ledger (path, keys) and vault, opened for cmd; the caller closes both. */
typedef struct opened {
    char path[1100];
    cw_ledger_keys *keys;
    cw_vault *vault;
} opened;

static int open_both(const char *data_dir, const char *tenant, const char *cmd, opened *o,
                     FILE *out)
{
    char err[512];
    memset(o, 0, sizeof *o);
    int rc = cw_audit_open(data_dir, tenant, cmd, NULL, o->path, sizeof o->path, &o->keys,
                           out);
    if (rc)
        return rc;
    if (cw_vault_open(data_dir, tenant, &o->vault, err, sizeof err) != 0) {
        fprintf(out, "callwarden %s: %s\n", cmd, err);
        cw_ledger_keys_free(o->keys);
        return 2;
    }
    return 0;
}

static void close_both(opened *o)
{
    cw_vault_close(o->vault);
    cw_ledger_keys_free(o->keys);
}

/* ---- the subject's ledger records ------------------------------------------------ */

typedef struct records {
    const char *subject_ref;
    cw_json *j;                        /* export: each body into the "records" array */
    char (*consents)[CW_VAULT_CONSENT_LEN];  /* erase: the consent ids met */
    size_t nconsents, cap;
    size_t n;
} records;

static void remember_consent(records *r, const char *id)
{
    for (size_t i = 0; i < r->nconsents; i++)
        if (strcmp(r->consents[i], id) == 0)
            return;
    if (r->nconsents == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char (*c)[CW_VAULT_CONSENT_LEN] = realloc(r->consents, cap * sizeof *c);
        if (!c)
            return;
        r->consents = c;
        r->cap = cap;
    }
    snprintf(r->consents[r->nconsents++], CW_VAULT_CONSENT_LEN, "%s", id);
}

static int subject_record(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                          size_t len)
{
    records *r = ud;
    char ref[CW_VAULT_REF_LEN], cid[CW_VAULT_CONSENT_LEN];
    (void)event_type;
    if (!body || cw_json_get_str((const char *)body, len, "subject_ref", ref, sizeof ref) != 0 ||
        strcmp(ref, r->subject_ref) != 0)
        return 0;
    r->n++;
    if (r->j) {
        cw_json_object(r->j, NULL);
        cw_json_int(r->j, "seq", (int64_t)seq);
        cw_json_raw(r->j, "record", (const char *)body, len);
        cw_json_end_object(r->j);
    }
    if (cw_json_get_str((const char *)body, len, "consent_id", cid, sizeof cid) == 0)
        remember_consent(r, cid);
    return 0;
}

/* ---- export ---------------------------------------------------------------------- */

typedef struct exporting {
    cw_vault *v;
    cw_json *j;
    const char *dir;
    int failed;
    char err[512];
} exporting;

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

static int export_artifact(void *ud, const cw_vault_meta *m)
{
    exporting *e = ud;
    uint8_t *data = NULL;
    size_t len = 0;
    char file[80], path[1200];
    snprintf(file, sizeof file, "%s.bin", m->id);
    snprintf(path, sizeof path, "%s/%s", e->dir, file);
    int rc = cw_vault_get(e->v, m->id, &data, &len, NULL, e->err, sizeof e->err);
    cw_json_object(e->j, NULL);
    cw_json_str(e->j, "id", m->id);
    cw_json_str(e->j, "consent_id", m->consent_id);
    cw_json_str(e->j, "purpose", m->purpose);
    cw_json_str(e->j, "kind", m->kind);
    cw_json_int(e->j, "created_ms", m->created_ms);
    cw_json_int(e->j, "delete_after_ms", m->delete_after_ms);
    cw_json_int(e->j, "size", (int64_t)m->size);
    cw_json_str(e->j, "sha256", m->sha256_hex);
    if (rc == 0 && write_file(path, data, len) == 0) {
        cw_json_str(e->j, "file", file);
    } else {
        cw_json_str(e->j, "file", NULL);
        cw_json_str(e->j, "problem", rc == 0 ? "cannot write the file" : e->err);
        e->failed = 1;
    }
    cw_json_end_object(e->j);
    cw_vault_free_data(data, len);
    return 0;
}

int cw_subject_export(const char *data_dir, const char *tenant, const char *number,
                      const char *out_dir, FILE *out)
{
    char err[512], ref[CW_VAULT_REF_LEN], num[CW_VAULT_NUMBER_LEN];
    if (!number || !out_dir) {
        fprintf(out, "callwarden subject export: a NUMBER and --out DIR are needed\n");
        return 2;
    }
    if (mkdir(out_dir, 0700) != 0) {
        fprintf(out, "callwarden subject export: %s: %s (give a new directory)\n", out_dir,
                strerror(errno));
        return 2;
    }
    opened o;
    int rc = open_both(data_dir, tenant, "subject export", &o, out);
    if (rc) {
        rmdir(out_dir);
        return rc;
    }
    int found = cw_vault_find_subject(o.vault, number, ref, err, sizeof err);
    /* the look-up itself is an access to personal data: logged, by reference only */
    char what[64];
    snprintf(what, sizeof what, "subject %s", found == 0 ? ref : "(none found)");
    if (found < 0 || cw_audit_log_access(o.path, o.keys, "subject export", what, err,
                                         sizeof err) != 0) {
        fprintf(out, "callwarden subject export: %s\n", err);
        close_both(&o);
        rmdir(out_dir);
        return 2;
    }
    if (found == 1) {
        fprintf(out, "tenant %s holds no data about this number\n", tenant);
        close_both(&o);
        rmdir(out_dir);
        return 1;
    }
    if (cw_vault_subject_number(o.vault, ref, num, sizeof num, err, sizeof err) != 0)
        snprintf(num, sizeof num, "%s", "");
    cw_json j;
    cw_json_init(&j);
    cw_json_object(&j, NULL);
    cw_json_str(&j, "schema", "callwarden-subject-export/1");
    cw_json_str(&j, "tenant", tenant);
    cw_json_str(&j, "subject_ref", ref);
    cw_json_str(&j, "number", num[0] ? num : NULL);
    cw_json_int(&j, "exported_at_ms", cw_now_ms());
    cw_json_array(&j, "records");
    records r = { .subject_ref = ref, .j = &j };
    rc = cw_ledger_read(o.path, o.keys, subject_record, &r, err, sizeof err);
    cw_json_end_array(&j);
    cw_json_array(&j, "artifacts");
    exporting e = { .v = o.vault, .j = &j, .dir = out_dir };
    if (rc == 0)
        rc = cw_vault_list(o.vault, ref, NULL, export_artifact, &e, err, sizeof err);
    cw_json_end_array(&j);
    cw_json_end_object(&j);
    size_t len;
    char *text = cw_json_finish(&j, &len);
    char path[1200];
    snprintf(path, sizeof path, "%s/subject.json", out_dir);
    int status = 0;
    if (rc != 0 || !text || write_file(path, (const uint8_t *)text, len) != 0) {
        fprintf(out, "callwarden subject export: %s\n", rc ? err : "cannot write subject.json");
        status = 2;
    } else {
        fprintf(out, "subject %s of tenant %s: %zu consent records, %s; in %s\n", ref, tenant,
                r.n, e.failed ? "SOME ARTIFACTS COULD NOT BE EXPORTED (see subject.json)"
                                : "all artifacts", out_dir);
        status = e.failed ? 1 : 0;
    }
    if (text) {
        cw_wipe(text, len);
        free(text);
    }
    cw_wipe(num, sizeof num);
    free(r.consents);
    close_both(&o);
    return status;
}

/* ---- erase ----------------------------------------------------------------------- */

int cw_subject_erase(const char *data_dir, const char *tenant, const char *number, FILE *out)
{
    char err[512], ref[CW_VAULT_REF_LEN];
    if (!number) {
        fprintf(out, "callwarden subject erase: a NUMBER is needed\n");
        return 2;
    }
    opened o;
    int rc = open_both(data_dir, tenant, "subject erase", &o, out);
    if (rc)
        return rc;
    int found = cw_vault_find_subject(o.vault, number, ref, err, sizeof err);
    if (found != 0) {
        if (found < 0)
            fprintf(out, "callwarden subject erase: %s\n", err);
        else
            fprintf(out, "tenant %s holds no data about this number (nothing erased)\n",
                    tenant);
        close_both(&o);
        return found < 0 ? 2 : 1;
    }
    records r = { .subject_ref = ref };
    uint64_t n = 0;
    rc = cw_ledger_read(o.path, o.keys, subject_record, &r, err, sizeof err);
    if (rc == 0)
        rc = cw_vault_erase_subject(o.vault, ref, cw_now_ms(), &n, err, sizeof err) < 0 ? -1 : 0;
    if (rc == 0) {
        /* the key is gone: now say so in the ledger, with what went */
        cw_json j;
        cw_json_init(&j);
        cw_json_object(&j, NULL);
        cw_json_str(&j, "schema", "callwarden-consent/1");
        cw_json_str(&j, "event_type", "ERASED");
        cw_json_str(&j, "subject_ref", ref);
        cw_json_str(&j, "reason", "art17_request");
        cw_json_int(&j, "artifacts", (int64_t)n);
        cw_json_array(&j, "consents");
        for (size_t i = 0; i < r.nconsents; i++)
            cw_json_str(&j, NULL, r.consents[i]);
        cw_json_end_array(&j);
        cw_json_str(&j, "tenant", tenant);
        cw_json_str(&j, "build", CW_VERSION);
        cw_json_end_object(&j);
        size_t len;
        char *body = cw_json_finish(&j, &len);
        cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "ERASED", .body = body,
                               .body_len = len };
        rc = body ? cw_ledger_append_now(o.path, o.keys, &ev, err, sizeof err) : -1;
        free(body);
        if (rc != 0)
            fprintf(out, "callwarden subject erase: the content is erased, but %s: run the "
                    "command again to log it\n", body ? err : "out of memory");
    } else {
        fprintf(out, "callwarden subject erase: %s\n", err);
    }
    if (rc == 0)
        fprintf(out, "erased subject %s of tenant %s: key destroyed, %" PRIu64 " artifacts "
                "deleted; its %zu consent records stay as proof\n", ref, tenant, n, r.n);
    free(r.consents);
    close_both(&o);
    return rc == 0 ? 0 : 2;
}
