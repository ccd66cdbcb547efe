/* vault_cmd.c  `callwarden vault reconcile` and `callwarden vault sweep` (subject.h), and
 * the EXPIRED record the runtime's sweeper appends too.
 *
 * Reconcile exists because crypto-shredding lives in keys.db: restore that file from
 * an old backup and keys destroyed since come back. The ledger remembers every
 * erasure (ERASED records, sealed and in the Merkle tree, so not to be lost quietly),
 * and reconcile replays them against the restored file.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/json.h"
#include "callwarden/subject.h"

char *cw_expired_body(const cw_vault_meta *m, const char *tenant, int64_t now_ms,
                      size_t *len)
{
    cw_json j;
    cw_json_init(&j);
    cw_json_object(&j, NULL);
    cw_json_str(&j, "schema", "callwarden-consent/1");
    cw_json_str(&j, "event_type", "EXPIRED");
    cw_json_str(&j, "consent_id", m->consent_id);
    cw_json_str(&j, "subject_ref", m->subject_ref);
    cw_json_object(&j, "artifact");
    cw_json_str(&j, "id", m->id);
    cw_json_str(&j, "purpose", m->purpose);
    cw_json_str(&j, "kind", m->kind);
    cw_json_str(&j, "sha256", m->sha256_hex);
    cw_json_int(&j, "created_ms", m->created_ms);
    cw_json_int(&j, "delete_after_ms", m->delete_after_ms);
    cw_json_end_object(&j);
    cw_json_int(&j, "deleted_at_ms", now_ms);
    cw_json_str(&j, "tenant", tenant);
    cw_json_str(&j, "build", CW_VERSION);
    cw_json_end_object(&j);
    return cw_json_finish(&j, len);
}

/* ---- reconcile ------------------------------------------------------------------- */

typedef struct erased {
    char **refs, **consents;
    size_t nrefs, nconsents, cap_refs, cap_consents;
    int failed;
} erased;

static void add(char ***list, size_t *n, size_t *cap, const char *s, int *failed)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        char **l = realloc(*list, c * sizeof *l);
        if (!l) {
            *failed = 1;
            return;
        }
        *list = l;
        *cap = c;
    }
    if (!((*list)[*n] = strdup(s)))
        *failed = 1;
    else
        (*n)++;
}

/* Subjects erased (ERASED with a subject_ref) and consents whose content went (ERASED
 * of a consent, WITHDRAWN: withdrawal erases). */
static int collect_erased(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                          size_t len)
{
    erased *e = ud;
    char v[64];
    (void)seq;
    int er = strcmp(event_type, "ERASED") == 0, wd = strcmp(event_type, "WITHDRAWN") == 0;
    if (!body || (!er && !wd))
        return 0;
    if (er && cw_json_get_str((const char *)body, len, "subject_ref", v, sizeof v) == 0)
        add(&e->refs, &e->nrefs, &e->cap_refs, v, &e->failed);
    else if (cw_json_get_str((const char *)body, len, "consent_id", v, sizeof v) == 0)
        add(&e->consents, &e->nconsents, &e->cap_consents, v, &e->failed);
    return e->failed;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

int cw_vault_reconcile_cmd(const char *data_dir, const char *tenant, FILE *out)
{
    char path[1100], err[512];
    cw_ledger_keys *k;
    int rc = cw_audit_open(data_dir, tenant, "vault reconcile", "erasures", path,
                           sizeof path, &k, out);
    if (rc)
        return rc;
    erased e;
    memset(&e, 0, sizeof e);
    cw_vault *v = NULL;
    rc = cw_ledger_read(path, k, collect_erased, &e, err, sizeof err);
    if (rc == 0 && e.failed)
        rc = -1, snprintf(err, sizeof err, "out of memory");
    if (rc == 0)
        rc = cw_vault_open(data_dir, tenant, &v, err, sizeof err);
    uint64_t n = 0;
    if (rc == 0)
        rc = cw_vault_reconcile(v, (const char *const *)e.refs, e.nrefs,
                                (const char *const *)e.consents, e.nconsents, cw_now_ms(), &n,
                                err, sizeof err);
    if (rc != 0)
        fprintf(out, "callwarden vault reconcile: %s\n", err);
    else
        fprintf(out, "tenant %s: the ledger names %zu erased subjects and %zu erased consents; "
                "%" PRIu64 " keys had come back and are destroyed again\n", tenant, e.nrefs,
                e.nconsents, n);
    cw_vault_close(v);
    free_list(e.refs, e.nrefs);
    free_list(e.consents, e.nconsents);
    cw_ledger_keys_free(k);
    return rc == 0 ? 0 : 2;
}

/* ---- sweep ----------------------------------------------------------------------- */

typedef struct sweeping {
    cw_ledger *lg;
    const char *tenant;
    int64_t now;
    uint64_t queued, logged;
    int refused;
} sweeping;

static void expired_logged(void *ud, int ok, uint64_t seq, const char *err)
{
    sweeping *s = ud;
    (void)seq;
    (void)err;
    if (ok)
        s->logged++;
}

static void ledger_closed(void *ud)
{
    (void)ud;
}

/* One EXPIRED record per deleted artifact, queued to the ledger's writer (it commits
 * them in groups while the sweep goes on; the callbacks count them at the end). */
static int log_expired(void *ud, const cw_vault_meta *m)
{
    sweeping *s = ud;
    size_t len;
    char *body = cw_expired_body(m, s->tenant, s->now, &len);
    cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "EXPIRED",
                           .consent_id = m->consent_id, .body = body, .body_len = len };
    int rc = body ? cw_ledger_append(s->lg, &ev, expired_logged, s) : -1;
    free(body);
    if (rc != 0) {
        s->refused = 1;
        return 1;                      /* stop: what is deleted is reported, the rest waits */
    }
    s->queued++;
    return 0;
}

int cw_vault_sweep_cmd(const char *data_dir, const char *tenant, int64_t now_ms, FILE *out)
{
    char path[1100], err[512];
    cw_ledger_keys *k;
    int rc = cw_audit_open(data_dir, tenant, "vault sweep", NULL, path, sizeof path, &k, out);
    if (rc)
        return rc;
    uv_loop_t loop;
    uv_loop_init(&loop);
    cw_vault *v = NULL;
    sweeping s = { .tenant = tenant, .now = now_ms };
    uint64_t n = 0;
    rc = cw_ledger_open(&loop, path, k, NULL, &s.lg, err, sizeof err);
    if (rc == 0 && (rc = cw_vault_open(data_dir, tenant, &v, err, sizeof err)) == 0)
        rc = cw_vault_sweep(v, now_ms, log_expired, &s, &n, err, sizeof err);
    if (s.lg)
        cw_ledger_close(s.lg, ledger_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    int lost = s.refused || s.logged != s.queued;
    if (rc != 0)
        fprintf(out, "callwarden vault sweep: %s\n", err);
    else if (lost)
        fprintf(out, "callwarden vault sweep: %" PRIu64 " artifacts deleted, but only %" PRIu64
                " EXPIRED records could be written\n", n, s.logged);
    else
        fprintf(out, "tenant %s: %" PRIu64 " artifacts expired and deleted, %" PRIu64
                " EXPIRED records\n", tenant, n, s.logged);
    cw_vault_close(v);
    cw_ledger_keys_free(k);
    return rc == 0 && !lost ? 0 : 2;
}
