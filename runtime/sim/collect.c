/* collect.c  The stores' side of each scenario call, read once the run is over: the
 * consent ledger records of the call (found by the hash of its Call-ID and its consent
 * ids) and whether the ledger verifies, and every vault artifact that holds the call's
 * audio (found by the signatures in the caller's frames, whatever the artifact claims
 * to be). Every tenant's stores are read, so that a call's data in another tenant's
 * files shows (G8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/crypto.h"
#include "callwarden/ledger.h"
#include "callwarden/vault.h"
#include "sim_int.h"

typedef struct rec {
    uint64_t seq;
    char event[24];
    char *body;                    /* the opened body, NUL-terminated */
    char call_hash[40];            /* its call_id_hash and consent_id, read once */
    char consent_id[40];
} rec;

typedef struct art {
    cw_vault_meta meta;
    /* per call number: frames found, first and last period */
    unsigned *frames;
    uint32_t *first, *last;
} art;

typedef struct tenant_facts {
    char name[64];
    rec *recs;
    size_t nrecs, caprecs;
    art *arts;
    size_t narts, caparts;
    int problems;
    char err[256];
} tenant_facts;

/* Where the stores are: the simulated runtime's, or the one under test (--data). */
static const char *stores_dir(const sim_run *r)
{
    return r->collect_dir[0] ? r->collect_dir : r->data_dir;
}

/* A field of a record's JSON body: a string's text or a number's digits. */
static void json_field(const char *body, const char *key, char *out, size_t cap)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *p = body ? strstr(body, needle) : NULL;
    out[0] = 0;
    if (!p)
        return;
    p += strlen(needle);
    int quoted = *p == '"';
    p += quoted;
    size_t n = 0;
    while (p[n] && n + 1 < cap && (quoted ? p[n] != '"' : p[n] != ',' && p[n] != '}'))
        n++;
    memcpy(out, p, n);
    out[n] = 0;
}

static int read_rec(void *ud, uint64_t seq, const char *event_type, const uint8_t *body,
                    size_t len)
{
    tenant_facts *tf = ud;
    rec *r = cw_trace_push((void **)&tf->recs, &tf->nrecs, &tf->caprecs, sizeof *r);
    if (!r)
        return 1;
    r->seq = seq;
    snprintf(r->event, sizeof r->event, "%s", event_type);
    r->body = malloc(len + 1);
    if (r->body) {
        if (body)
            memcpy(r->body, body, len);
        r->body[body ? len : 0] = 0;
    }
    json_field(r->body, "call_id_hash", r->call_hash, sizeof r->call_hash);
    json_field(r->body, "consent_id", r->consent_id, sizeof r->consent_id);
    return 0;
}

static void no_problem_cb(void *ud, uint64_t seq, const char *what)
{
    (void)ud, (void)seq, (void)what;
}

static void read_ledger(sim_run *r, tenant_facts *tf)
{
    char path[1100];
    cw_ledger_keys *keys = NULL;
    FILE *quiet = fopen("/dev/null", "w");
    int st = cw_audit_open(stores_dir(r), tf->name, "test", NULL, path, sizeof path, &keys,
                           quiet ? quiet : stderr);
    if (quiet)
        fclose(quiet);
    if (st != 0) {
        snprintf(tf->err, sizeof tf->err, "the ledger of %s cannot be opened", tf->name);
        return;
    }
    uint64_t size;
    uint8_t root[32];
    char err[256];
    tf->problems = cw_ledger_verify(path, keys, no_problem_cb, NULL, &size, root, err,
                                    sizeof err);
    if (tf->problems < 0)
        snprintf(tf->err, sizeof tf->err, "%s", err);
    if (cw_ledger_read(path, keys, read_rec, tf, err, sizeof err) != 0 && !tf->err[0])
        snprintf(tf->err, sizeof tf->err, "%s", err);
    cw_ledger_keys_free(keys);
}

/* 16-bit or mu-law samples of a WAV's data chunk, and its channel count. */
static int16_t *wav_samples(const uint8_t *b, size_t len, size_t *n, unsigned *channels)
{
    unsigned fmt = 0, bits = 0;
    *channels = 1;
    size_t at = 12;
    while (len >= 12 && at + 8 <= len) {
        uint32_t sz = (uint32_t)b[at + 4] | (uint32_t)b[at + 5] << 8 |
                      (uint32_t)b[at + 6] << 16 | (uint32_t)b[at + 7] << 24;
        const uint8_t *d = b + at + 8;
        if (sz > len - at - 8)
            sz = (uint32_t)(len - at - 8);
        if (memcmp(b + at, "fmt ", 4) == 0 && sz >= 16) {
            fmt = d[0] | d[1] << 8;
            *channels = d[2] | d[3] << 8;
            bits = d[14] | d[15] << 8;
        } else if (memcmp(b + at, "data", 4) == 0) {
            size_t count = fmt == 7 ? sz : bits == 16 ? sz / 2 : 0;
            int16_t *s = malloc((count ? count : 1) * sizeof *s);
            if (!s)
                return NULL;
            for (size_t i = 0; i < count; i++)
                s[i] = fmt == 7 ? cw_g711_ulaw_decode(d[i])
                                : (int16_t)(d[2 * i] | d[2 * i + 1] << 8);
            *n = count;
            return s;
        }
        at += 8 + sz + (sz & 1);
    }
    return NULL;
}

typedef struct scan {
    art *a;
    unsigned ncalls;
    uint16_t tag;
} scan;

static void count_frame(void *ud, unsigned signed_no, uint32_t period)
{
    scan *s = ud;
    unsigned call_no = signed_no & 0x3ffffu;
    if (signed_no >> 18 != s->tag || call_no == 0 || call_no > s->ncalls)
        return;                        /* another run's audio, or no call of ours */
    art *a = s->a;
    if (a->frames[call_no]++ == 0 || period < a->first[call_no])
        a->first[call_no] = period;
    if (period > a->last[call_no])
        a->last[call_no] = period;
}

typedef struct list_ctx {
    sim_run *r;
    tenant_facts *tf;
    cw_vault *v;
} list_ctx;

static int read_art(void *ud, const cw_vault_meta *m)
{
    list_ctx *lc = ud;
    tenant_facts *tf = lc->tf;
    art *a = cw_trace_push((void **)&tf->arts, &tf->narts, &tf->caparts, sizeof *a);
    if (!a)
        return 1;
    a->meta = *m;
    unsigned n = lc->r->ncalls + 1;
    a->frames = calloc(n, sizeof *a->frames);
    a->first = calloc(n, sizeof *a->first);
    a->last = calloc(n, sizeof *a->last);
    uint8_t *data = NULL;
    size_t len = 0;
    char err[256];
    if (!a->frames || !a->first || !a->last ||
        cw_vault_get(lc->v, m->id, &data, &len, NULL, err, sizeof err) != 0)
        return 0;
    if (strncmp(m->kind, "audio/", 6) == 0) {
        size_t ns = 0;
        unsigned ch = 1;
        int16_t *s = wav_samples(data, len, &ns, &ch);
        if (s && ch) {
            scan sc = { a, lc->r->ncalls, lc->r->run_tag };
            sim_find_signatures(s, ns / ch, ch, count_frame, &sc);
        }
        free(s);
    }
    cw_vault_free_data(data, len);
    return 0;
}

static void read_vault(sim_run *r, tenant_facts *tf)
{
    cw_vault *v;
    char err[256];
    if (cw_vault_open(stores_dir(r), tf->name, &v, err, sizeof err) != 0)
        return;
    list_ctx lc = { r, tf, v };
    cw_vault_list(v, NULL, NULL, read_art, &lc, err, sizeof err);
    cw_vault_close(v);
}

static int is_consent_of(const cw_trace *t, const rec *r, const char *call_hash)
{
    if (r->call_hash[0] && strcmp(r->call_hash, call_hash) == 0)
        return 1;
    if (!r->consent_id[0])
        return 0;
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].id[0] && strcmp(t->consents[i].id, r->consent_id) == 0)
            return 1;
    return 0;
}

static int withdrawn_id(const cw_trace *t, const char *id)
{
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].state == CW_TRACE_WITHDRAWN && strcmp(t->consents[i].id, id) == 0)
            return 1;
    return 0;
}


/* Over a real line the core's hooks are not there: the consent's states come from its
 * records, at the times the ledger gives (the wall clock, mapped onto the run's). */
static void consent_from_record(sim_call *sc, const char *event, const char *body)
{
    static const struct { const char *event; int state; } map[] = {
        { "GIVEN", CW_TRACE_GIVEN }, { "REFUSED", CW_TRACE_REFUSED },
        { "WITHDRAWN", CW_TRACE_WITHDRAWN },
    };
    int state = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(event, map[i].event) == 0)
            state = map[i].state;
    if (!state)
        return;
    cw_trace *t = &sc->tr;
    cw_trace_consent *c = cw_trace_push((void **)&t->consents, &t->nconsents,
                                        &t->capconsents, sizeof *c);
    if (!c)
        return;
    char ts[32];
    json_field(body, "ts_utc_ms", ts, sizeof ts);
    int64_t wall = strtoll(ts, NULL, 10);
    c->t = wall > sc->run->wall0_ms ? (uint64_t)(wall - sc->run->wall0_ms) : 0;
    c->seq = c->t * 16;                /* in time order; the line's events have none */
    c->state = state;
    json_field(body, "consent_id", c->id, sizeof c->id);
    json_field(body, "level", c->level, sizeof c->level);
    const cw_policy *p = sim_policy_of(sc);
    const cw_policy_level *l = p && state == CW_TRACE_GIVEN ? cw_policy_level_get(p, c->level)
                                                            : NULL;
    for (size_t i = 0; l && i < l->npurposes && c->npurposes < 16; i++)
        snprintf(c->purposes[c->npurposes++], sizeof c->purposes[0], "%s", l->purposes[i]);
}

/* Over a real line: the withdraw key, once the consent's times are known. */
static void withdraw_key_from_consents(sim_call *sc)
{
    cw_trace *t = &sc->tr;
    const cw_policy *p = sim_policy_of(sc);
    if (!p || !p->key_withdraw)
        return;
    for (size_t i = 0; i < t->nconsents; i++) {
        if (t->consents[i].state != CW_TRACE_GIVEN)
            continue;
        for (size_t k = 0; k < t->nkeys; k++)
            if (t->keys[k].digit == p->key_withdraw && t->keys[k].t_down > t->consents[i].t) {
                t->t_withdraw_key = t->keys[k].t_down;
                t->withdraw_key = p->key_withdraw;
                return;
            }
    }
}

static void facts_for(sim_call *sc, tenant_facts *tf, int own)
{
    cw_trace *t = &sc->tr;
    char hash[65];
    cw_sha256_hex_of(t->call_id, strlen(t->call_id), hash);
    hash[32] = 0;
    if (own) {
        t->audit_problems = tf->problems > 0 ? tf->problems : 0;
        snprintf(t->audit_error, sizeof t->audit_error, "%s", tf->err);
        t->stores_read = 1;
    }
    for (size_t i = 0; i < tf->nrecs; i++) {
        if (!is_consent_of(t, &tf->recs[i], hash))
            continue;
        if (!own) {
            t->foreign++;
            continue;
        }
        cw_trace_record *r = cw_trace_push((void **)&t->records, &t->nrecords,
                                           &t->caprecords, sizeof *r);
        if (r) {
            r->seq = tf->recs[i].seq;
            snprintf(r->event, sizeof r->event, "%s", tf->recs[i].event);
            snprintf(r->consent_id, sizeof r->consent_id, "%s", tf->recs[i].consent_id);
        }
        if (sc->run->over_sip)
            consent_from_record(sc, tf->recs[i].event, tf->recs[i].body);
    }
    for (size_t i = 0; i < tf->narts; i++) {
        const art *a = &tf->arts[i];
        unsigned n = a->frames ? a->frames[sc->no] : 0;
        if (own && withdrawn_id(t, a->meta.consent_id))
            t->erased_left++;
        if (!n)
            continue;
        if (!own) {
            t->foreign++;
            continue;
        }
        cw_trace_artifact *x = cw_trace_push((void **)&t->artifacts, &t->nartifacts,
                                             &t->capartifacts, sizeof *x);
        if (!x)
            continue;
        snprintf(x->id, sizeof x->id, "%s", a->meta.id);
        snprintf(x->consent_id, sizeof x->consent_id, "%s", a->meta.consent_id);
        snprintf(x->purpose, sizeof x->purpose, "%s", a->meta.purpose);
        snprintf(x->kind, sizeof x->kind, "%s", a->meta.kind);
        x->created_ms = a->meta.created_ms;
        x->delete_after_ms = a->meta.delete_after_ms;
        x->frames = n;
        x->first_sent = (uint64_t)a->first[sc->no] * CW_FRAME_MS;
        x->last_sent = (uint64_t)a->last[sc->no] * CW_FRAME_MS;
    }
}

void sim_collect(sim_run *r)
{
    if (r->over_sip && !r->collect_dir[0]) {
        for (sim_call *sc = r->calls; sc; sc = sc->next)
            sc->tr.over_sip = 1;       /* the runtime's stores are not known here */
        return;
    }
    size_t nt = 0;
    for (cw_tenant *t = r->rt.tenants.head; t; t = t->next)
        nt++;
    tenant_facts *facts = calloc(nt ? nt : 1, sizeof *facts);
    if (!facts)
        return;
    size_t i = 0;
    for (cw_tenant *t = r->rt.tenants.head; t; t = t->next, i++) {
        snprintf(facts[i].name, sizeof facts[i].name, "%s", t->name);
        read_ledger(r, &facts[i]);
        read_vault(r, &facts[i]);
    }
    for (sim_call *sc = r->calls; sc; sc = sc->next) {
        sc->tr.over_sip = r->over_sip;
        for (i = 0; i < nt; i++)
            facts_for(sc, &facts[i], strcmp(facts[i].name, sc->tr.tenant) == 0);
        if (r->over_sip)
            withdraw_key_from_consents(sc);
    }
    for (i = 0; i < nt; i++) {
        for (size_t k = 0; k < facts[i].nrecs; k++)
            free(facts[i].recs[k].body);
        for (size_t k = 0; k < facts[i].narts; k++) {
            free(facts[i].arts[k].frames);
            free(facts[i].arts[k].first);
            free(facts[i].arts[k].last);
        }
        free(facts[i].recs);
        free(facts[i].arts);
    }
    free(facts);
}
