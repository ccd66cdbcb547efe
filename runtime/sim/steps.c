/* steps.c  Carrying a scenario's steps out on the virtual clock, many scenarios side by
 * side: each step starts (dial, keys, speech, a hang-up, an injected fault) and then
 * waits for what it needs (a prompt heard, the keys sent, time to pass); the clock
 * jumps from one moment something is due to the next, for all calls at once, so that
 * an exploration of a thousand callers runs in parallel like a busy day at the
 * practice. Each call's own timeline does not depend on the others'.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "scenario_int.h"

#define END_WITHIN_MS 120000
#define FREE_WITHIN_MS 60000
#define FLOW_WAIT_MS 60000

enum { RUN_SCRIPT = 0, RUN_STEP, RUN_END, RUN_ENDING, RUN_FREEING, RUN_DONE };

/* ---- what a step waits for ------------------------------------------------------- */

static int call_over(scn_runner *ru)
{
    return ru->res->sc->ended;
}

static int call_freed(scn_runner *ru)
{
    return ru->res->sc->freed;
}

static int flow_waits(scn_runner *ru)
{
    const sim_call *sc = ru->res->sc;
    return sc->ended || !sc->c ||
           (sc->c->flow.v && sc->c->flow.waiting && !sc->c->in_fallback);
}

static int keys_sent(scn_runner *ru)
{
    const sim_call *sc = ru->res->sc;
    return sc->ended || sc->next_key >= sc->nkeys;
}

int scn_heard_matches(const cw_trace_heard *h, const char *x)
{
    size_t n = strlen(x), pn = strlen(h->prompt);
    if (strcmp(h->prompt, x) == 0)
        return 1;
    if (pn > n && h->prompt[pn - n - 1] == '/' && strcmp(h->prompt + pn - n, x) == 0)
        return 1;
    /* the words, ignoring ASCII case */
    for (const char *t = h->text; *t; t++) {
        size_t i = 0;
        while (i < n && t[i] && tolower((unsigned char)t[i]) == tolower((unsigned char)x[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* A heard stretch after the cursor that is over (and matches, unless any). */
static int heard_next(scn_runner *ru, int any)
{
    sim_call *sc = ru->res->sc;
    for (size_t i = ru->hear_cursor; i < sc->tr.nheard; i++) {
        const cw_trace_heard *h = &sc->tr.heard[i];
        if (h == sc->open && !sc->ended)
            break;                     /* still playing: heard once it is over */
        if (any || scn_heard_matches(h, ru->arg)) {
            ru->hear_cursor = i + 1;
            return 1;
        }
    }
    return sc->ended;
}

static int heard_it(scn_runner *ru)
{
    return heard_next(ru, 0);
}

static int heard_any(scn_runner *ru)
{
    return heard_next(ru, 1);
}

/* ---- failures, with the scenario's file:line ------------------------------------- */

static void fail(scn_runner *ru, const char *fmt, const char *a, const char *b)
{
    scn_result *res = ru->res;
    if (ru->lenient) {
        ru->stopped = 1;               /* an explored caller just gives up */
        return;
    }
    if (res->failed)
        return;
    res->failed = 1;
    char what[1100];
    snprintf(what, sizeof what, fmt, a, b);
    snprintf(res->failure, sizeof res->failure, "%.400s:%d: %s", res->file, ru->line, what);
}

static void heard_list(const sim_call *sc, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < sc->tr.nheard && at + 4 < cap; i++) {
        const cw_trace_heard *h = &sc->tr.heard[i];
        int n = snprintf(out + at, cap - at, "%s\"%.60s%s\"", i ? ", " : "",
                         h->text[0] ? h->text : h->prompt, strlen(h->text) > 60 ? "…" : "");
        at += n > 0 ? (size_t)n : 0;
    }
    if (!sc->tr.nheard)
        snprintf(out, cap, "nothing");
}

/* ---- a step begins, a step ends -------------------------------------------------- */

static void wait_for(scn_runner *ru, int (*until)(scn_runner *), uint64_t ms)
{
    ru->until = until;
    ru->deadline = ms == UINT64_MAX ? UINT64_MAX : ru->r->now + ms;
}

static int begin(scn_runner *ru)
{
    sim_run *r = ru->r;
    scn_result *res = ru->res;
    sim_call *sc = res->sc;
    ru->until = NULL;
    ru->deadline = r->now;
    ru->sub = 0;
    switch (ru->step) {
    case STEP_DIAL: {
        char from[64];
        scn_default_from(r, res, from, sizeof from);
        sc = res->sc = sim_dial(r, from, res->to, ru->seed);
        if (!sc) {
            fail(ru, "out of memory%s%s", "", "");
            return -1;
        }
        sc->transfer_answer = res->transfer_answer;
        sc->human_answers = res->human_answers;
        sc->human_ring_ms = res->human_ring_ms;
        sc->human_talk_ms = res->human_talk_ms;
        snprintf(sc->tr.name, sizeof sc->tr.name, "%.140s:%d", res->file, res->dial_line);
        scn_note_policy(sc);
        return 0;
    }
    case STEP_HEARS:
        wait_for(ru, heard_it, ru->ms);
        return 0;
    case STEP_HEARS_ANY:
        wait_for(ru, heard_any, ru->ms);
        return 0;
    case STEP_PRESS:
        ru->sub = 1;                   /* first the wait before the keys */
        wait_for(ru, NULL, ru->after);
        return 0;
    case STEP_SAY:
        if (sc->ended) {
            fail(ru, "say \"%s\": the call is over (%s)", ru->arg, sc->tr.end_reason);
            return -1;
        }
        sim_say(sc, ru->arg, ru->ms);
        wait_for(ru, NULL, ru->ms);
        return 0;
    case STEP_SILENCE:
        wait_for(ru, call_over, ru->ms);
        return 0;
    case STEP_HANGUP:
        sim_hangup(sc);
        return 0;
    case STEP_FLOW_ERROR:
        if (r->over_sip) {
            /* a fault injected into the flow needs the flow in this process */
            snprintf(res->skipped, sizeof res->skipped, "flow_error needs the simulated "
                     "line (run it without --sip)");
            ru->stopped = 1;
            return -1;
        }
        wait_for(ru, flow_waits, FLOW_WAIT_MS);
        return 0;
    }
    return 0;
}

/* 1 the step is done, 0 it waits, -1 it failed. */
static int poll(scn_runner *ru)
{
    sim_run *r = ru->r;
    sim_call *sc = ru->res->sc;
    int met = ru->until ? ru->until(ru) : 0;
    int late = !met && r->now >= ru->deadline;
    if (!met && !late)
        return 0;
    switch (ru->step) {
    case STEP_HEARS: {
        char heard[600], what[700];
        if (late) {
            heard_list(sc, heard, sizeof heard);
            snprintf(what, sizeof what, "%.1f s; heard: %s", ru->ms / 1000.0, heard);
            fail(ru, "expected to hear \"%.200s\" within %s", ru->arg, what);
            return -1;
        }
        if (ru->hear_cursor == 0 || !scn_heard_matches(&sc->tr.heard[ru->hear_cursor - 1],
                                                       ru->arg)) {
            heard_list(sc, heard, sizeof heard);
            fail(ru, "expected to hear \"%.200s\", but the call ended; heard: %s", ru->arg,
                 heard);
            return -1;
        }
        return 1;
    }
    case STEP_PRESS:
        if (ru->sub == 1) {
            if (sc->ended) {
                fail(ru, "press \"%s\": the call is over (%s)", ru->arg, sc->tr.end_reason);
                return -1;
            }
            sim_press(sc, ru->arg, ru->hold, ru->gap);
            ru->sub = 2;
            wait_for(ru, keys_sent, UINT64_MAX);
            return 0;
        }
        return 1;
    case STEP_FLOW_ERROR:
        if (late || sc->ended || !sc->c) {
            fail(ru, late ? "flow_error: the flow did not wait in a call method within %s%s"
                          : "flow_error: the call is over%s%s", late ? "60 s" : "", "");
            return -1;
        }
        sc->tr.t_error = r->now;
        snprintf(sc->tr.error, sizeof sc->tr.error, "%s", ru->arg);
        cw_call_inject_flow_error(sc->c, ru->arg);
        return 1;
    default:
        return 1;
    }
}

/* ---- the driver ------------------------------------------------------------------ */

/* Take ru as far as it goes without the clock moving; 1 if it moved on at all. */
static int step_on(scn_runner *ru)
{
    int moved = 0;
    for (;;) {
        sim_call *sc = ru->res->sc;
        switch (ru->state) {
        case RUN_STEP: {
            int p = poll(ru);
            if (p == 0)
                return moved;
            ru->state = p < 0 ? RUN_END : RUN_SCRIPT;
            moved = 1;
            break;
        }
        case RUN_SCRIPT: {
            int k = ru->res->failed ? -1 : ru->next(ru);
            moved = 1;
            ru->state = k == 1 && begin(ru) == 0 ? RUN_STEP : RUN_END;
            break;
        }
        case RUN_END:
            moved = 1;
            if (!sc) {
                ru->state = RUN_DONE;
                break;
            }
            if (!sc->ended && (ru->res->failed || ru->res->skipped[0]))
                sim_hangup(sc);        /* a failed scenario's caller hangs up at once */
            wait_for(ru, call_over, END_WITHIN_MS);
            ru->state = RUN_ENDING;
            break;
        case RUN_ENDING:
            if (!sc->ended && ru->r->now < ru->deadline)
                return moved;
            if (!sc->ended)
                sim_hangup(sc);        /* two minutes after the script: the caller goes */
            wait_for(ru, call_freed, FREE_WITHIN_MS);
            ru->state = RUN_FREEING;
            moved = 1;
            break;
        case RUN_FREEING:
            if (!sc->freed && ru->r->now < ru->deadline)
                return moved;
            ru->state = RUN_DONE;
            return 1;
        default:
            return moved;
        }
    }
}

void scn_drive(sim_run *r, scn_runner **rs, size_t n, size_t window)
{
    size_t started = 0, first = 0;
    for (;;) {
        int moved = 0;
        size_t active = 0;
        /* a new caller dials as soon as one of the window's calls is over */
        while (first < started && rs[first]->state == RUN_DONE)
            first++;
        for (size_t i = first; i < started; i++)
            active += rs[i]->state != RUN_DONE;
        while (started < n && active < window) {
            started++;
            active++;
        }
        active = 0;
        for (size_t i = first; i < started; i++) {
            if (rs[i]->state == RUN_DONE)
                continue;
            moved |= step_on(rs[i]);
            active += rs[i]->state != RUN_DONE;
        }
        active += n - started;
        if (sim_settle(r) != 0) {
            for (size_t i = first; i < n; i++) {
                if (rs[i]->state == RUN_DONE)
                    continue;
                fail(rs[i], "the runtime stalled: %s%s", r->err, "");
                rs[i]->state = RUN_DONE;
            }
            return;
        }
        if (!active)
            return;
        if (moved)
            continue;                  /* what began may be done at once: look again */
        uint64_t t = sim_next_due(r);
        for (size_t i = first; i < started; i++)
            if (rs[i]->state != RUN_DONE && rs[i]->deadline > r->now && rs[i]->deadline < t)
                t = rs[i]->deadline;
        sim_advance(r, t);
    }
}
