#define _GNU_SOURCE                  /* memmem */
/* audit.c  `callwarden keys init`, `callwarden audit verify|show`: the ledger from the
 * command line, for a business and its data-protection officer.
 *
 * Reading consent records is itself an access to consent data: `audit show` appends an
 * ACCESSED record (through the same durable writer) before it prints anything. The
 * ledger is DATA/<tenant>/consent.db, its keys DATA/<tenant>/ledger.key.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "callwarden/audit.h"
#include "callwarden/error.h"
#include "callwarden/json.h"
#include "callwarden/keyfile.h"
#include "callwarden/ledger.h"
#include "callwarden/vault.h"
#include "ledger_int.h"

static int ledger_path(const char *data_dir, const char *tenant, char *path, size_t cap)
{
    char dir[1024], key[1024], pub[1024];
    if (cw_keyfile_paths(data_dir, tenant, dir, key, pub, sizeof dir) != 0)
        return -1;
    return (size_t)snprintf(path, cap, "%s/consent.db", dir) < cap ? 0 : -1;
}

int cw_audit_keys_init(const char *data_dir, const char *tenant, FILE *out)
{
    char err[512];
    if (cw_keyfile_create(data_dir, tenant, err, sizeof err) != 0) {
        fprintf(out, "callwarden keys init: %s\n", err);
        return 1;
    }
    /* the vault's master key too, unless it is there already (never replaced) */
    char master[1100];
    snprintf(master, sizeof master, "%s/%s/master.key", data_dir, tenant);
    if (access(master, F_OK) != 0 && cw_vault_master_create(data_dir, tenant, err,
                                                            sizeof err) != 0) {
        fprintf(out, "callwarden keys init: %s\n", err);
        return 1;
    }
    fprintf(out, "keys of tenant %s: %s/%s/ledger.key and master.key (secret, 0600: back "
            "them up), %s/%s/ledger.pub (for auditors)\n", tenant, data_dir, tenant,
            data_dir, tenant);
    return 0;
}

int cw_audit_keys_rotate(const char *data_dir, const char *tenant, FILE *out)
{
    char path[1100], err[512], id[16];
    cw_ledger_keys *k;
    /* the ring must load and the ledger exist before anything changes */
    int status = cw_audit_open(data_dir, tenant, "keys rotate", NULL, path, sizeof path, &k,
                               out);
    if (status)
        return status;
    cw_ledger_keys_free(k);
    if (cw_keyfile_rotate(data_dir, tenant, id, sizeof id, err, sizeof err) != 0) {
        fprintf(out, "callwarden keys rotate: %s\n", err);
        return 2;
    }
    /* opening the ledger with the new ring appends the hand-over; the access record
     * that follows is the first one sealed under the new key */
    k = cw_ledger_keys_new();
    if (!k || cw_keyfile_load(data_dir, tenant, k, err, sizeof err) != 0 ||
        cw_audit_log_access(path, k, "keys rotate", id, err, sizeof err) != 0) {
        fprintf(out, "callwarden keys rotate: key %s is in the key file, but the ledger could "
                "not take it yet (%s); the next writer to open it will\n", id,
                k ? err : "out of memory");
        cw_ledger_keys_free(k);
        return 2;
    }
    cw_ledger_keys_free(k);
    fprintf(out, "tenant %s: key %s in use; the retired keys stay in %s/%s/ledger.key to "
            "open older records, and ledger.pub lists the new public key\n", tenant, id,
            data_dir, tenant);
    return 0;
}

static void print_problem(void *ud, uint64_t seq, const char *what)
{
    fprintf(ud, "record %" PRIu64 ": %s\n", seq, what);
}

int cw_audit_open(const char *data_dir, const char *tenant, const char *cmd,
                  const char *access_what, char *path, size_t cap, cw_ledger_keys **keys,
                  FILE *out)
{
    *keys = NULL;
    char err[512];
    struct stat sb;
    if (ledger_path(data_dir, tenant, path, cap) != 0) {
        fprintf(out, "callwarden %s: bad tenant name \"%s\"\n", cmd, tenant);
        return 2;
    }
    /* no command creates a ledger: a wrong --data or --tenant changes nothing */
    if (stat(path, &sb) != 0) {
        fprintf(out, "callwarden %s: %s: no ledger\n", cmd, path);
        return 2;
    }
    cw_ledger_keys *k = cw_ledger_keys_new();
    if (!k || cw_keyfile_load(data_dir, tenant, k, err, sizeof err) != 0) {
        fprintf(out, "callwarden %s: %s\n", cmd, k ? err : "out of memory");
        cw_ledger_keys_free(k);
        return 2;
    }
    if (access_what && cw_audit_log_access(path, k, cmd, access_what, err, sizeof err) != 0) {
        cw_ledger_keys_free(k);
        fprintf(out, "callwarden %s: %s\n", cmd, err);
        return 2;
    }
    *keys = k;
    return 0;
}

int cw_audit_verify(const char *data_dir, const char *tenant, FILE *out)
{
    char path[1100], err[512];
    cw_ledger_keys *k;
    int status = cw_audit_open(data_dir, tenant, "audit verify", NULL, path, sizeof path, &k,
                               out);
    if (status)
        return status;
    uint64_t size = 0;
    uint8_t root[32];
    int n = cw_ledger_verify(path, k, print_problem, out, &size, root, err, sizeof err);
    /* logged after the check, so that a damaged ledger (that takes no record) is still
     * checked and its damage named */
    char lerr[512];
    if (n >= 0 && cw_audit_log_access(path, k, "audit verify", "all", lerr, sizeof lerr) != 0)
        fprintf(out, "callwarden audit verify: %s\n", lerr);
    cw_ledger_keys_free(k);
    if (n < 0) {
        fprintf(out, "callwarden audit verify: %s\n", err);
        return 2;
    }
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", root[i]);
    fprintf(out, "%s: %" PRIu64 " records, root %s: %s\n", path, size, hex,
            n ? "PROBLEMS FOUND" : "ok");
    return n ? 1 : 0;
}

typedef struct show {
    FILE *out;
    const char *consent_id;
} show;

static int show_record(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                       size_t len)
{
    show *sh = ud;
    if (sh->consent_id && (!body || !memmem(body, len, sh->consent_id,
                                             strlen(sh->consent_id))))
        return 0;
    fprintf(sh->out, "%s seq=%" PRIu64 " ", event_type, seq);
    if (!body) {
        fprintf(sh->out, "(does not authenticate: run callwarden audit verify)\n");
        return 0;
    }
    for (size_t i = 0; i < len; i++)   /* one line each, whatever the body holds */
        fputc(body[i] == '\n' || body[i] < 0x20 ? ' ' : body[i], sh->out);
    fputc('\n', sh->out);
    return 0;
}

static void appended(void *ud, int ok, uint64_t seq, const char *err)
{
    (void)seq;
    (void)err;
    *(int *)ud = ok;
}

static void closed(void *ud)
{
    (void)ud;
}

static int keys_from_file(void *ud, cw_ledger_keys *out)
{
    (void)ud;
    (void)out;
    return -1;                         /* a short-lived writer: no reload */
}

int cw_ledger_append_now(const char *path, const cw_ledger_keys *k, const cw_ledger_event *ev,
                         char *err, size_t errlen)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    cw_ledger *lg;
    cw_ledger_opts opts = { .window_us = 0, .reload_keys = keys_from_file };
    if (cw_ledger_open(&loop, path, k, &opts, &lg, err, errlen) != 0) {
        uv_loop_close(&loop);
        return -1;
    }
    int ok = 0;
    int rc = cw_ledger_append(lg, ev, appended, &ok);
    cw_ledger_close(lg, closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (rc != 0 || !ok) {
        snprintf(err, errlen, "the %s record could not be written to the ledger",
                 ev->event_type);
        return -1;
    }
    return 0;
}

int64_t cw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Who is reading, per thread: an admin API job names its user; else the login. */
static _Thread_local char actor[128];

void cw_audit_set_actor(const char *who)
{
    snprintf(actor, sizeof actor, "%s", who ? who : "");
}

const char *cw_audit_actor(char *buf, size_t cap)
{
    if (actor[0])
        return actor;
    struct passwd *pw = getpwuid(getuid());
    snprintf(buf, cap, "cli:%s", pw ? pw->pw_name : "?");
    return buf;
}

int cw_audit_log_access(const char *path, const cw_ledger_keys *k, const char *access,
                        const char *what, char *err, size_t errlen)
{
    char who[128];
    cw_json j;
    cw_json_init(&j);
    cw_json_object(&j, NULL);
    cw_json_str(&j, "access", access);
    cw_json_str(&j, "what", what);
    cw_json_str(&j, "by", cw_audit_actor(who, sizeof who));
    cw_json_end_object(&j);
    size_t n;
    char *body = cw_json_finish(&j, &n);
    if (!body)
        return cw_error(err, errlen, "out of memory");
    cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "ACCESSED", .body = body,
                           .body_len = n };
    int rc = cw_ledger_append_now(path, k, &ev, err, errlen);
    free(body);
    return rc;                         /* err says why the access could not be logged */
}

int cw_audit_show(const char *data_dir, const char *tenant, const char *consent_id,
                  FILE *out)
{
    char path[1100], err[512];
    if (consent_id && (strlen(consent_id) > 64 || strpbrk(consent_id, "\"\\\n"))) {
        fprintf(out, "callwarden audit show: bad consent id\n");
        return 2;
    }
    cw_ledger_keys *k;
    int status = cw_audit_open(data_dir, tenant, "audit show", consent_id ? consent_id : "all",
                               path, sizeof path, &k, out);
    if (status)
        return status;
    show sh = { out, consent_id };
    int rc = cw_ledger_read(path, k, show_record, &sh, err, sizeof err);
    cw_ledger_keys_free(k);
    if (rc != 0) {
        fprintf(out, "callwarden audit show: %s\n", err);
        return 2;
    }
    return 0;
}
