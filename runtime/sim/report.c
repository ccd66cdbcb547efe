/* report.c  What a scenario run says: for people, one timeline per call (what the caller
 * heard as text, what they pressed and when, what the consent did, when recording ran
 * and where it stopped, what the ledger and the vault hold); for CI, TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_int.h"

typedef struct line {
    uint64_t t, seq;
    char text[1200];
} line;

typedef struct lines {
    line *v;
    size_t n, cap;
} lines;

static line *add(lines *ls, uint64_t t, uint64_t seq)
{
    line *l = cw_trace_push((void **)&ls->v, &ls->n, &ls->cap, sizeof *l);
    if (l) {
        l->t = t;
        l->seq = seq;
    }
    return l;
}

static int by_time(const void *a, const void *b)
{
    const line *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *consent_word(int s)
{
    switch (s) {
    case CW_TRACE_ASKED: return "asked";
    case CW_TRACE_COMMITTING: return "answered, being logged";
    case CW_TRACE_GIVEN: return "GIVEN (durable)";
    case CW_TRACE_REFUSED: return "REFUSED";
    case CW_TRACE_WITHDRAWN: return "WITHDRAWN";
    default: return "not given (the record could not be stored)";
    }
}

static void build(const cw_trace *t, lines *ls)
{
    line *l;
    if (t->answered && (l = add(ls, t->t_answer, 0)))
        snprintf(l->text, sizeof l->text, "answered");
    for (size_t i = 0; i < t->nheard; i++) {
        const cw_trace_heard *h = &t->heard[i];
        if (!(l = add(ls, h->t0, h->seq)))
            continue;
        int whole = h->first == 0 && h->last + 1 >= h->frames;
        char part[64] = "";
        if (!whole && h->prompt[0])
            snprintf(part, sizeof part, ", frames %u-%u of %u", h->first + 1, h->last + 1,
                     h->frames);
        snprintf(l->text, sizeof l->text, "hears    \"%s\" (%.1f s%s)", h->text[0] ? h->text
                 : h->prompt, (double)(h->t1 + 20 - h->t0) / 1000.0, part);
    }
    for (size_t i = 0; i < t->nkeys; i++)
        if ((l = add(ls, t->keys[i].t_down, t->keys[i].seq)))
            snprintf(l->text, sizeof l->text, "presses  %c%s", t->keys[i].digit,
                     t->t_withdraw_key == t->keys[i].t_down ? " (the withdraw key)" : "");
    for (size_t i = 0; i < t->nsaid; i++)
        if ((l = add(ls, t->said[i].t0, 0)))
            snprintf(l->text, sizeof l->text, "says     \"%s\"", t->said[i].words);
    for (size_t i = 0; i < t->nconsents; i++) {
        const cw_trace_consent *c = &t->consents[i];
        if (!(l = add(ls, c->t, c->seq)))
            continue;
        if (c->state == CW_TRACE_GIVEN || c->state == CW_TRACE_WITHDRAWN)
            snprintf(l->text, sizeof l->text, "consent  %s: level %s (wording %s)",
                     consent_word(c->state), c->level, c->variant);
        else
            snprintf(l->text, sizeof l->text, "consent  %s%s%s", consent_word(c->state),
                     c->variant[0] ? " (wording " : "", c->variant[0] ? c->variant : "");
        if (c->variant[0] && c->state != CW_TRACE_GIVEN && c->state != CW_TRACE_WITHDRAWN)
            strncat(l->text, ")", sizeof l->text - strlen(l->text) - 1);
    }
    for (size_t i = 0; i < t->nrecs; i++) {
        const cw_trace_recording *r = &t->recs[i];
        if ((l = add(ls, r->t0, r->seq0)))
            snprintf(l->text, sizeof l->text, "record   starts for %s", r->purpose);
        if (r->seq1 && (l = add(ls, r->t1, r->seq1)))
            snprintf(l->text, sizeof l->text, "record   stops (%s)", r->kept ? "stored"
                     : "discarded");
    }
    for (size_t i = 0; i < t->ntransfers; i++) {
        const cw_trace_transfer *x = &t->transfers[i];
        if (!(l = add(ls, x->t, x->seq)))
            continue;
        int n = snprintf(l->text, sizeof l->text, "transfer %s to %s%s", x->mode, x->target,
                         x->accepted ? "" : " (not taken)");
        for (unsigned k = 0; k < x->nheaders && n > 0 && (size_t)n < sizeof l->text; k++)
            n += snprintf(l->text + n, sizeof l->text - (size_t)n, "\n%22s%s: %s", "",
                          x->headers[k].name, x->headers[k].value);
    }
    for (size_t i = 0; i < t->negress; i++) {
        const cw_trace_egress *e = &t->egress[i];
        if ((l = add(ls, e->t, e->seq)))
            snprintf(l->text, sizeof l->text, "egress   %s://%s:%u for %s%s", e->scheme,
                     e->host, e->port, e->purpose, e->caller_data ? " (caller data)" : "");
        if (e->seq_done && (l = add(ls, e->t_done, e->seq_done)))
            snprintf(l->text, sizeof l->text, "egress   %s %s", e->host,
                     e->cancelled ? "cancelled" : "ended");
    }
    if (t->t_error && (l = add(ls, t->t_error, 0)))
        snprintf(l->text, sizeof l->text, "flow     failed: %s", t->error);
    if (t->fallback && (l = add(ls, t->t_fallback, 0)))
        snprintf(l->text, sizeof l->text, "fallback begins");
    if ((l = add(ls, t->t_end, UINT64_MAX)))
        snprintf(l->text, sizeof l->text, "%s hangs up (%s)",
                 t->ended_by[0] ? t->ended_by : "nobody", t->end_reason);
}

void scn_print_timeline(FILE *out, const scn_result *res)
{
    const cw_trace *t = res->sc ? &res->sc->tr : NULL;
    fprintf(out, "\n%s — %s\n", res->file, res->name[0] ? res->name : "(unnamed)");
    if (t) {
        fprintf(out, "  call from %s to %s, language %s\n", res->sc->from, res->sc->to,
                t->lang[0] ? t->lang : "-");
        lines ls = { 0 };
        build(t, &ls);
        qsort(ls.v, ls.n, sizeof *ls.v, by_time);
        for (size_t i = 0; i < ls.n; i++)
            fprintf(out, "  %8.3f  %s\n", (double)(ls.v[i].t - t->t_invite) / 1000.0,
                    ls.v[i].text);
        free(ls.v);
        fprintf(out, "  ledger:  ");
        for (size_t i = 0; i < t->nrecords; i++)
            fprintf(out, "%s%s", i ? " " : "", t->records[i].event);
        fprintf(out, "%s (audit verify: %s)\n", t->nrecords ? "" : "nothing",
                t->audit_error[0] ? t->audit_error : t->audit_problems ? "PROBLEMS" : "ok");
        fprintf(out, "  vault:   ");
        for (size_t i = 0; i < t->nartifacts; i++) {
            const cw_trace_artifact *a = &t->artifacts[i];
            fprintf(out, "%s%s %.1f s of the caller (sent %.2f-%.2f s), deleted after %.0f d",
                    i ? "; " : "", a->purpose, a->frames * 0.02,
                    (double)(a->first_sent - t->t_invite) / 1000.0,
                    (double)(a->last_sent + 20 - t->t_invite) / 1000.0,
                    (double)(a->delete_after_ms - a->created_ms) / 86400000.0);
        }
        fprintf(out, "%s\n", t->nartifacts ? "" : "nothing of the caller's audio");
        if (t->nframes)
            fprintf(out, "  recorded %zu frames of the caller, sent %.2f-%.2f s\n",
                    t->nframes, (double)(t->frames[0].t_sent - t->t_invite) / 1000.0,
                    (double)(t->frames[t->nframes - 1].t_sent + 20 - t->t_invite) / 1000.0);
    }
    if (res->skipped[0]) {
        fprintf(out, "  SKIPPED %s\n", res->skipped);
        return;
    }
    for (size_t i = 0; i < res->nunchecked; i++)
        fprintf(out, "  note    %s\n", res->unchecked[i]);
    if (res->failed)
        fprintf(out, "  FAILED  %s\n", res->failure);
    for (size_t i = 0; i < res->nunmet; i++)
        fprintf(out, "  FAILED  %s\n", res->unmet[i]);
    for (size_t i = 0; i < res->nviolations && i < 16; i++)
        fprintf(out, "  VIOLATION %s at %.3f s: %s\n", res->violations[i].guarantee,
                (double)(res->violations[i].t_ms - (t ? t->t_invite : 0)) / 1000.0,
                res->violations[i].what);
    if (!res->failed && !res->nunmet && !res->nviolations)
        fprintf(out, "  ok: as expected, and G1-G10 hold\n");
}

void scn_print_tap(FILE *out, const scn_result *res, size_t n)
{
    int bad = !res->skipped[0] && (res->failed || res->nunmet || res->nviolations);
    fprintf(out, "%s %zu - %s%s%s%s%s\n", bad ? "not ok" : "ok", n, res->file,
            res->name[0] ? ": " : "", res->name, res->skipped[0] ? " # SKIP " : "",
            res->skipped);
    for (size_t i = 0; i < res->nunchecked; i++)
        fprintf(out, "# %s\n", res->unchecked[i]);
    if (!bad)
        return;
    /* the reasons as TAP diagnostics, one per line */
    if (res->failed)
        fprintf(out, "# %s\n", res->failure);
    for (size_t i = 0; i < res->nunmet; i++)
        fprintf(out, "# %s\n", res->unmet[i]);
    uint64_t t0 = res->sc ? res->sc->tr.t_invite : 0;
    for (size_t i = 0; i < res->nviolations && i < 16; i++)
        fprintf(out, "# %s violated at %.3f s: %s\n", res->violations[i].guarantee,
                (double)(res->violations[i].t_ms - t0) / 1000.0, res->violations[i].what);
}
