/* training.c  `callwarden export training`: the transcripts a business may use to
 * improve its AI, and nothing else, pseudonymised.
 *
 * A transcript (a vault artifact of kind text/plain that call:listen kept) is exported
 * only when the consent it was kept under covers ai_improvement (the GIVEN record's
 * purposes, read from the ledger, not from the policy of today), is not withdrawn (no
 * WITHDRAWN record; its key would be destroyed anyway) and has not expired (its
 * delete_after is after now). Each line of the output (JSON Lines) has the text with
 * the redaction of every kind applied again, the day it was said, and the caller as a
 * pseudonym: HMAC-SHA256 of the subject reference under a key drawn for this export
 * and thrown away after it, so that one export's lines of one caller belong together
 * but no export links to another, to the vault or to the ledger. The reading itself is
 * an ACCESSED record in the ledger, before anything is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/redact.h"
#include "callwarden/subject.h"

typedef struct consent_facts {
    char id[CW_VAULT_CONSENT_LEN];
    int improvement;                   /* its GIVEN covers ai_improvement */
    int withdrawn;
} consent_facts;

typedef struct training {
    consent_facts *c;
    size_t n, cap;
    cw_vault *v;
    FILE *f;
    int64_t now;
    uint8_t key[32];
    unsigned exported, not_covered, withdrawn, expired, unreadable;
} training;

static consent_facts *facts(training *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->c[i].id, id) == 0)
            return &t->c[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        consent_facts *c = realloc(t->c, cap * sizeof *c);
        if (!c)
            return NULL;
        t->c = c;
        t->cap = cap;
    }
    consent_facts *f = &t->c[t->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->id, sizeof f->id, "%s", id);
    return f;
}

/* GIVEN: does it cover ai_improvement? WITHDRAWN: mark it. */
static int read_record(void *ud, uint64_t seq, const char *event, const uint8_t *body,
                       size_t len)
{
    (void)seq;
    training *t = ud;
    int given = strcmp(event, "GIVEN") == 0, withdrawn = strcmp(event, "WITHDRAWN") == 0;
    if (!body || (!given && !withdrawn))
        return 0;
    json_error_t e;
    json_t *o = json_loadb((const char *)body, len, 0, &e);
    const char *id = o ? json_string_value(json_object_get(o, "consent_id")) : NULL;
    consent_facts *f = id ? facts(t, id) : NULL;
    if (f && withdrawn)
        f->withdrawn = 1;
    json_t *purposes = f && given ? json_object_get(o, "purposes") : NULL;
    for (size_t i = 0; json_is_array(purposes) && i < json_array_size(purposes); i++) {
        const char *p = json_string_value(json_object_get(json_array_get(purposes, i),
                                                          "purpose"));
        if (p && strcmp(p, "ai_improvement") == 0)
            f->improvement = 1;
    }
    json_decref(o);
    return 0;
}

static void pseudonym(const training *t, const char *subject_ref, char out[33])
{
    uint8_t mac[32];
    cw_hmac_sha256(t->key, sizeof t->key, subject_ref, strlen(subject_ref), mac);
    cw_hex(mac, 16, out);                  /* 128 bits of it are plenty for a pseudonym */
}

static int export_one(void *ud, const cw_vault_meta *m)
{
    training *t = ud;
    if (strcmp(m->kind, "text/plain") != 0)
        return 0;
    consent_facts *f = NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->c[i].id, m->consent_id) == 0)
            f = &t->c[i];
    if (!f || !f->improvement) {
        t->not_covered++;
        return 0;
    }
    if (f->withdrawn) {
        t->withdrawn++;
        return 0;
    }
    if (m->delete_after_ms <= t->now) {
        t->expired++;
        return 0;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    char err[256];
    if (cw_vault_get(t->v, m->id, &data, &len, NULL, err, sizeof err) != 0) {
        t->unreadable++;
        return 0;
    }
    char *text = malloc(len + 1);
    if (!text) {
        cw_vault_free_data(data, len);
        return 1;
    }
    memcpy(text, data, len);
    text[len] = 0;
    cw_vault_free_data(data, len);
    time_t secs = (time_t)(m->created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char day[16], pseudo[33];
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    pseudonym(t, m->subject_ref, pseudo);
    char *clean = cw_redact(text, CW_REDACT_ALL, tm.tm_year + 1900, NULL);
    cw_wipe(text, len);
    free(text);
    json_t *o = clean ? json_pack("{s:s, s:s, s:s}", "caller", pseudo, "day", day, "text",
                                  clean) : NULL;
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (line) {
        fprintf(t->f, "%s\n", line);
        t->exported++;
    } else {
        t->unreadable++;               /* not UTF-8: left out */
    }
    free(line);
    json_decref(o);
    free(clean);
    return 0;
}

int cw_training_export(const char *data_dir, const char *tenant, const char *out_path,
                       int64_t now_ms, FILE *out)
{
    char path[1100], err[512];
    cw_ledger_keys *keys;
    int rc = cw_audit_open(data_dir, tenant, "export training", "transcripts for training",
                           path, sizeof path, &keys, out);
    if (rc)
        return rc;
    training t = { .now = now_ms ? now_ms : cw_now_ms() };
    if (cw_random(t.key, sizeof t.key) != 0 ||
        cw_ledger_read(path, keys, read_record, &t, err, sizeof err) != 0) {
        fprintf(out, "callwarden export training: %s\n", err);
        cw_ledger_keys_free(keys);
        free(t.c);
        return 2;
    }
    cw_ledger_keys_free(keys);
    if (cw_vault_open(data_dir, tenant, &t.v, err, sizeof err) != 0) {
        fprintf(out, "callwarden export training: %s\n", err);
        free(t.c);
        return 2;
    }
    t.f = fopen(out_path, "wx");       /* never over an earlier export */
    if (!t.f) {
        fprintf(out, "callwarden export training: %s: cannot create it (it must not exist)\n",
                out_path);
        cw_vault_close(t.v);
        free(t.c);
        return 2;
    }
    rc = cw_vault_list(t.v, NULL, NULL, export_one, &t, err, sizeof err);
    int closed = fclose(t.f);
    cw_vault_close(t.v);
    cw_wipe(t.key, sizeof t.key);
    free(t.c);
    if (rc != 0 || closed != 0) {
        fprintf(out, "callwarden export training: %s\n", rc ? err : "cannot write the file");
        return 2;
    }
    fprintf(out, "exported %u transcripts to %s; left out: %u not consented to for AI "
            "improvement, %u withdrawn, %u expired, %u unreadable\n", t.exported, out_path,
            t.not_covered, t.withdrawn, t.expired, t.unreadable);
    return 0;
}
