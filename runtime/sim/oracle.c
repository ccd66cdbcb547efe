/* oracle.c  The guarantees, checked on what a scenario call's trace shows.
 *
 * Whatever a scenario asserts, every call it makes is checked here against G1-G10:
 * from what the caller heard (identified by the bytes on the line), what the recorder
 * kept (identified by the caller's own frames), what the vault holds afterwards and what
 * the ledger says. Each violation names the guarantee, the moment and the evidence, so
 * that a business reads why its flow would break the law, not just that it would.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/trace.h"

#define MAX_SILENCE_AFTER_ERROR_MS 3000
#define WITHDRAW_FRAME_MS 20
#define SIP_JITTER_MS 500               /* over a real line: a ledger time vs ours */

typedef struct found {
    cw_violation *v;
    size_t max, n;
} found;

/* A moment of the trace as the call's own time, in seconds since its INVITE. */
static double at(const cw_trace *t, uint64_t ms)
{
    return ms >= t->t_invite ? (double)(ms - t->t_invite) / 1000.0 : 0.0;
}

static void report(found *f, const char *g, uint64_t t, const char *fmt, ...)
{
    if (f->n < f->max) {
        cw_violation *v = &f->v[f->n];
        snprintf(v->guarantee, sizeof v->guarantee, "%s", g);
        v->t_ms = t;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->what, sizeof v->what, fmt, ap);
        va_end(ap);
    }
    f->n++;
}

/* The consent state in force just before event seq: the last state change before it. */
static const cw_trace_consent *consent_before(const cw_trace *t, uint64_t seq)
{
    const cw_trace_consent *last = NULL;
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].seq < seq)
            last = &t->consents[i];
    return last;
}

static const cw_trace_consent *given_with_id(const cw_trace *t, const char *id)
{
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].state == CW_TRACE_GIVEN && strcmp(t->consents[i].id, id) == 0)
            return &t->consents[i];
    return NULL;
}

static int covers(const cw_trace_consent *c, const char *purpose)
{
    for (unsigned i = 0; i < c->npurposes; i++)
        if (strcmp(c->purposes[i], purpose) == 0)
            return 1;
    return 0;
}

static int has_record(const cw_trace *t, const char *event, const char *consent_id)
{
    for (size_t i = 0; i < t->nrecords; i++) {
        const cw_trace_record *r = &t->records[i];
        if (strcmp(r->event, event) == 0 &&
            (!consent_id || !consent_id[0] || !r->consent_id[0] ||
             strcmp(r->consent_id, consent_id) == 0))
            return 1;
    }
    return 0;
}

static const char *state_name(int s)
{
    switch (s) {
    case CW_TRACE_ASKED: return "asked";
    case CW_TRACE_COMMITTING: return "committing";
    case CW_TRACE_GIVEN: return "given";
    case CW_TRACE_REFUSED: return "refused";
    case CW_TRACE_WITHDRAWN: return "withdrawn";
    case CW_TRACE_NOT_GIVEN: return "not stored";
    default: return "none";
    }
}

static int disclosure_complete(const cw_trace_heard *h, const char *disclosure)
{
    return strcmp(h->text, disclosure) == 0 && h->first == 0 && h->last + 1 >= h->frames;
}

/* G1: the first audio of an answered call is the whole disclosure. */
static void check_g1(const cw_trace *t, found *f)
{
    if (!t->answered || !t->has_policy)
        return;
    if (t->nheard == 0) {
        if (strcmp(t->ended_by, "callwarden") == 0)
            report(f, "G1", t->t_end, "the call was answered and ended by callwarden "
                   "without the caller hearing the disclosure");
        return;
    }
    const cw_trace_heard *h = &t->heard[0];
    if (strcmp(h->text, t->disclosure) != 0) {
        report(f, "G1", h->t0, "the first audio the caller heard was %s \"%.120s\", not "
               "the disclosure \"%.120s\"", h->prompt[0] ? h->prompt : "unknown audio",
               h->text, t->disclosure);
        return;
    }
    if (h->first != 0)
        report(f, "G1", h->t0, "the disclosure began at its frame %u, not at its start",
               h->first);
    else if (h->last + 1 < h->frames &&
             !(strcmp(t->ended_by, "caller") == 0 && t->t_end <= h->t1 + 2 * 20))
        report(f, "G1", h->t1, "the disclosure stopped after frame %u of %u while the "
               "caller was still on the line", h->last + 1, h->frames);
}

/* G2: nothing of the caller's audio is kept before a consent for its purpose is
 * committed; G5: nor later than a frame after the withdraw key. */
static void check_frames(const cw_trace *t, found *f)
{
    size_t early = 0, late = 0, wrong = 0;
    for (size_t i = 0; i < t->nframes; i++) {
        const cw_trace_frame *fr = &t->frames[i];
        const cw_trace_consent *c = consent_before(t, fr->seq);
        if (!c || c->state != CW_TRACE_GIVEN) {
            int after_withdrawal = c && c->state == CW_TRACE_WITHDRAWN;
            if (after_withdrawal ? late++ == 0 : early++ == 0)
                report(f, after_withdrawal ? "G5" : "G2", fr->t_kept, "the recorder kept the "
                       "caller's audio sent at %.2f s while the consent was %s",
                       at(t, fr->t_sent), c ? state_name(c->state) : "never asked");
            continue;
        }
        if (fr->t_sent < c->t && early++ == 0)
            report(f, "G2", fr->t_kept, "the recorder kept audio the caller sent at %.2f s, "
                   "before the consent was committed at %.2f s", at(t, fr->t_sent),
                   at(t, c->t));
        for (size_t r = 0; r < t->nrecs; r++) {
            const cw_trace_recording *rec = &t->recs[r];
            if (rec->seq0 < fr->seq && (rec->seq1 == 0 || rec->seq1 > fr->seq) &&
                !covers(c, rec->purpose) && wrong++ == 0)
                report(f, "G2", fr->t_kept, "a recording for \"%s\" kept audio, but the "
                       "consent (%s) does not cover that purpose", rec->purpose, c->level);
        }
        if (t->t_withdraw_key && fr->t_sent > t->t_withdraw_key + WITHDRAW_FRAME_MS &&
            late++ == 0)
            report(f, "G5", fr->t_kept, "audio the caller sent at %.2f s was kept after the "
                   "withdraw key went down at %.2f s", at(t, fr->t_sent),
                   at(t, t->t_withdraw_key));
    }
}

/* G2, G3, G7: what the vault holds of the call afterwards. */
static void check_artifacts(const cw_trace *t, found *f)
{
    int refused = 0;
    for (size_t i = 0; i < t->nconsents; i++)
        refused |= t->consents[i].state == CW_TRACE_REFUSED;
    for (size_t i = 0; i < t->nartifacts; i++) {
        const cw_trace_artifact *a = &t->artifacts[i];
        if (a->delete_after_ms <= a->created_ms)
            report(f, "G7", t->t_end, "artifact %s (%s) has no expiry after its creation",
                   a->id, a->purpose);
        if (a->frames == 0)
            continue;
        const cw_trace_consent *c = given_with_id(t, a->consent_id);
        if (!c) {
            report(f, refused ? "G3" : "G2", t->t_end, "artifact %s holds %u frames of the "
                   "caller's audio under consent %s, which was never given%s", a->id,
                   a->frames, a->consent_id[0] ? a->consent_id : "(none)",
                   refused ? " (the caller refused)" : "");
            continue;
        }
        if (strcmp(a->purpose, "consent_evidence") != 0 && !covers(c, a->purpose))
            report(f, "G2", t->t_end, "artifact %s holds the caller's audio for \"%s\", "
                   "which the consent (%s) does not cover", a->id, a->purpose, c->level);
        if (strcmp(a->purpose, "consent_evidence") != 0 && a->first_sent < c->t)
            report(f, "G2", t->t_end, "artifact %s (%s) holds audio the caller sent at "
                   "%.2f s, before the consent was committed at %.2f s", a->id, a->purpose,
                   at(t, a->first_sent), at(t, c->t));
    }
}

/* G4: every consent event is in the ledger, and the ledger verifies. */
static void check_ledger(const cw_trace *t, found *f)
{
    static const struct { int state; const char *event; } ev[] = {
        { CW_TRACE_GIVEN, "GIVEN" }, { CW_TRACE_REFUSED, "REFUSED" },
        { CW_TRACE_WITHDRAWN, "WITHDRAWN" },
    };
    for (size_t i = 0; i < t->nconsents; i++) {
        const cw_trace_consent *c = &t->consents[i];
        for (size_t k = 0; k < sizeof ev / sizeof ev[0]; k++)
            if (c->state == ev[k].state && !has_record(t, ev[k].event, c->id))
                report(f, "G4", c->t, "the consent was %s at %.2f s, but the ledger has no "
                       "%s record of it", state_name(c->state), at(t, c->t), ev[k].event);
    }
    if (t->nheard && t->has_policy && disclosure_complete(&t->heard[0], t->disclosure) &&
        !has_record(t, "DISCLOSED", NULL))
        report(f, "G4", t->heard[0].t1, "the disclosure was played in full, but the ledger "
               "has no DISCLOSED record");
    for (size_t i = 0; i < t->ntransfers; i++)
        if (t->transfers[i].accepted && !has_record(t, "HANDED_OVER", NULL))
            report(f, "G4", t->transfers[i].t, "the call was handed over to %s, but the "
                   "ledger has no HANDED_OVER record", t->transfers[i].target);
    if (t->audit_error[0])
        report(f, "G4", t->t_end, "the ledger could not be verified: %s", t->audit_error);
    else if (t->audit_problems > 0)
        report(f, "G4", t->t_end, "audit verify found %d problems in the tenant's ledger",
               t->audit_problems);
}

/* G5: the withdraw key withdraws, erases and is logged. */
static void check_withdrawal(const cw_trace *t, found *f)
{
    if (!t->t_withdraw_key)
        return;
    const cw_trace_consent *w = NULL;
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].state == CW_TRACE_WITHDRAWN)
            w = &t->consents[i];
    if (!w) {
        report(f, "G5", t->t_withdraw_key, "the withdraw key '%c' went down while the "
               "consent was given, but the consent was not withdrawn", t->withdraw_key);
        return;
    }
    /* the withdrawal itself comes with the key's end (RFC 4733 reports a digit when it
     * is let go); the gate shut when it went down, which check_frames measures */
    uint64_t up = t->t_withdraw_key;
    for (size_t i = 0; i < t->nkeys; i++)
        if (t->keys[i].t_down == t->t_withdraw_key && t->keys[i].t_up > up)
            up = t->keys[i].t_up;
    if (w->t > up + (t->over_sip ? SIP_JITTER_MS : WITHDRAW_FRAME_MS))
        report(f, "G5", w->t, "the consent was withdrawn %llu ms after the withdraw key was "
               "let go", (unsigned long long)(w->t - up));
    if (!t->stores_read)
        return;
    if (t->erased_left)
        report(f, "G5", t->t_end, "%u artifacts of the withdrawn consent are still in the "
               "vault", t->erased_left);
    if (!has_record(t, "ERASED", NULL))
        report(f, "G5", w->t, "the withdrawal's erasure is not in the ledger (no ERASED)");
}

static const char *header(const cw_trace_transfer *x, const char *name)
{
    for (unsigned i = 0; i < x->nheaders; i++)
        if (strcasecmp(x->headers[i].name, name) == 0)
            return x->headers[i].value;
    return NULL;
}

/* G9: a handover tells the caller first and passes the consent status on. */
static void check_handover(const cw_trace *t, found *f)
{
    for (size_t i = 0; i < t->ntransfers; i++) {
        const cw_trace_transfer *x = &t->transfers[i];
        const cw_trace_consent *c = consent_before(t, x->seq);
        const char *want = !c ? "none"
                         : c->state == CW_TRACE_GIVEN ? c->level
                         : c->state == CW_TRACE_REFUSED ? "refused"
                         : c->state == CW_TRACE_WITHDRAWN ? "withdrawn" : "none";
        const char *level = header(x, "X-Consent-Level");
        if (!level)
            report(f, "G9", x->t, "the transfer to %s carries no X-Consent-Level (the "
                   "consent was %s)", x->target, want);
        else if (strcmp(level, want) != 0)
            report(f, "G9", x->t, "the transfer to %s says X-Consent-Level: %s, but the "
                   "consent was %s", x->target, level, want);
        const char *id = header(x, "X-Consent-Id");
        if (c && c->state == CW_TRACE_GIVEN && (!id || strcmp(id, c->id) != 0))
            report(f, "G9", x->t, "the transfer to %s names consent %s, not the given %s",
                   x->target, id ? id : "(none)", c->id);
        else if ((!c || c->state != CW_TRACE_GIVEN) && id && strcmp(id, "none") != 0)
            report(f, "G9", x->t, "the transfer to %s names consent %s, but none is given",
                   x->target, id);
        if (t->handover_notice[0]) {
            int told = 0;
            for (size_t k = 0; k < t->nheard; k++)
                told |= strcmp(t->heard[k].text, t->handover_notice) == 0 &&
                        t->heard[k].t1 <= x->t;
            if (!told)
                report(f, "G9", x->t, "the caller was transferred to %s without hearing "
                       "the handover notice first", x->target);
        }
    }
}

/* G10: a failed flow leads to the fallback, and the caller is not left in silence. */
static void check_fallback(const cw_trace *t, found *f)
{
    if (!t->t_error)
        return;
    if (!t->fallback) {
        report(f, "G10", t->t_error, "the flow failed (%s) and no fallback followed",
               t->error);
        return;
    }
    uint64_t next = t->t_end;
    for (size_t i = 0; i < t->nheard; i++)
        if (t->heard[i].t0 >= t->t_error && t->heard[i].t0 < next)
            next = t->heard[i].t0;
    for (size_t i = 0; i < t->ntransfers; i++)
        if (t->transfers[i].t >= t->t_error && t->transfers[i].t < next)
            next = t->transfers[i].t;
    if (next > t->t_error + MAX_SILENCE_AFTER_ERROR_MS)
        report(f, "G10", t->t_error, "after the flow failed (%s) the caller heard nothing "
               "for %llu ms", t->error, (unsigned long long)(next - t->t_error));
}

/* G6: every request that left went over https to a host of the policy's list, in a
 * permitted region; what was derived from the caller left only under a given consent
 * that covers its purpose; and a withdrawal while it was in flight cancelled it (G5). */
static void check_egress(const cw_trace *t, found *f)
{
    for (size_t i = 0; i < t->negress; i++) {
        const cw_trace_egress *e = &t->egress[i];
        if (strcmp(e->scheme, "https") != 0) {
            report(f, "G6", e->t, "a request left over %s:// to %s at %.2f s", e->scheme,
                   e->host, at(t, e->t));
            continue;
        }
        const cw_trace_host *h = NULL;
        for (size_t j = 0; j < t->nallow && !h; j++)
            if (strcmp(t->allow[j].host, e->host) == 0 &&
                (t->allow[j].port == 0 || t->allow[j].port == e->port))
                h = &t->allow[j];
        if (!h) {
            report(f, "G6", e->t, "a request left to %s port %u, which is not on the "
                   "policy's egress.allow, at %.2f s", e->host, e->port, at(t, e->t));
            continue;
        }
        int permitted = 0;
        for (size_t j = 0; j < t->nregions; j++)
            permitted |= strcmp(t->regions[j], h->region) == 0;
        if (!permitted)
            report(f, "G6", e->t, "a request left to %s in region %s, which the policy does "
                   "not permit, at %.2f s", e->host, h->region, at(t, e->t));
        if (!e->caller_data)
            continue;
        const cw_trace_consent *c = consent_before(t, e->seq);
        if (strcmp(e->purpose, "consent_answer") == 0) {
            /* the spoken answer, to be recognised: only while the question stands */
            if (!c || c->state != CW_TRACE_ASKED)
                report(f, "G6", e->t, "the consent answer left at %.2f s while the consent "
                       "was %s, not being asked", at(t, e->t),
                       c ? state_name(c->state) : "not asked");
            continue;
        }
        if (!c || c->state != CW_TRACE_GIVEN)
            report(f, "G6", e->t, "caller data left for \"%s\" at %.2f s while the consent "
                   "was %s", e->purpose, at(t, e->t), c ? state_name(c->state) : "not asked");
        else if (!covers(c, e->purpose))
            report(f, "G6", e->t, "caller data left for \"%s\" at %.2f s, which level %s "
                   "does not cover", e->purpose, at(t, e->t), c->level);
        for (size_t j = 0; j < t->nconsents; j++) {
            const cw_trace_consent *w = &t->consents[j];
            if (w->state == CW_TRACE_WITHDRAWN && w->seq > e->seq &&
                (!e->seq_done || w->seq < e->seq_done) && !e->cancelled) {
                report(f, "G5", w->t, "the request to %s went on after the withdrawal at "
                       "%.2f s", e->host, at(t, w->t));
                break;
            }
        }
    }
}

size_t cw_oracle_check(const cw_trace *t, cw_violation *v, size_t max)
{
    found f = { v, max, 0 };
    check_g1(t, &f);
    check_frames(t, &f);
    if (t->stores_read) {
        check_artifacts(t, &f);
        check_ledger(t, &f);
    }
    check_withdrawal(t, &f);
    if (t->foreign)
        report(&f, "G8", t->t_end, "%u records or artifacts of this call are in another "
               "tenant's stores", t->foreign);
    check_handover(t, &f);
    check_fallback(t, &f);
    check_egress(t, &f);
    return f.n;
}

void *cw_trace_push(void **arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void *p = realloc(*arr, c * size);
        if (!p)
            return NULL;
        *arr = p;
        *cap = c;
    }
    void *e = (char *)*arr + *n * size;
    memset(e, 0, size);
    (*n)++;
    return e;
}

void cw_trace_free(cw_trace *t)
{
    free(t->heard);
    free(t->keys);
    free(t->said);
    free(t->consents);
    free(t->recs);
    free(t->frames);
    free(t->transfers);
    free(t->artifacts);
    free(t->records);
    free(t->egress);
    memset(t, 0, sizeof *t);
}
