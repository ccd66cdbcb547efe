/* driver.c  The virtual clock: a real runtime (tenants, flows, policy, ledger, vault)
 * whose time is the scenario runner's.
 *
 * Time stands still while the core has work in flight (a ledger commit, a vault job, a
 * TTS render): the loop runs until that work is back, then the clock jumps to the next
 * moment something is due (a call's timer, a caller's action, the next 20 ms period).
 * A call therefore runs through the same code as on a phone line, as fast as the work
 * allows, and the same scenario gives the same timeline every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "sim_int.h"

#define SETTLE_REAL_SECONDS 60

int sim_run_open(sim_run *r, const cw_config *cfg, const char *data_dir, const char *sip,
                 const char *tts_dir)
{
    if (uv_loop_init(&r->loop) != 0) {
        snprintf(r->err, sizeof r->err, "cannot start an event loop");
        return -1;
    }
    snprintf(r->data_dir, sizeof r->data_dir, "%s", data_dir);
    r->index = sim_index_new();
    sim_hooks_init(r);
    cw_config c = *cfg;
    snprintf(c.data_dir, sizeof c.data_dir, "%s", data_dir);
    if (cw_runtime_start_sim(&r->rt, &r->loop, &c, &r->hooks, r->err, sizeof r->err) != 0) {
        uv_run(&r->loop, UV_RUN_DEFAULT);
        uv_loop_close(&r->loop);
        return -1;
    }
    sim_tts_watch(r);
    if (sip) {
        /* the runtime under test is elsewhere: this one only knows its tenants */
        uv_timer_init(&r->loop, &r->wait_timer);
        r->wait_timer_open = 1;
        r->over_sip = 1;
        r->run_tag = (uint16_t)(1 + uv_hrtime() % 4095);  /* its stores outlive the run */
        if (sim_line_open(r, sip, tts_dir) != 0)
            return -1;
    }
    return sim_settle(r);
}

/* Work in flight that the virtual clock must wait for: what a call waits for (a
 * ledger record's commit, a vault job), worker jobs of nobody's (libuv counts them as
 * the loop's active requests), TTS renders. */
static int busy(sim_run *r)
{
    if (r->loop.active_reqs.count > 0 || r->rt.tts.jobs)
        return 1;
    for (sim_call *sc = r->live; sc; sc = sc->live_next)
        if (sc->c && (cw_call_jobs_in_flight(sc->c) > 0 || sc->sig_end_pending))
            return 1;
    return 0;
}

/* Forget the calls the core has freed: the clock has nothing more to do for them. */
static void prune(sim_run *r)
{
    for (sim_call **pp = &r->live; *pp;) {
        if ((*pp)->freed && !(*pp)->sig_end_pending)
            *pp = (*pp)->live_next;
        else
            pp = &(*pp)->live_next;
    }
}

int sim_settle(sim_run *r)
{
    if (r->sip) {
        uv_run(&r->loop, UV_RUN_NOWAIT);   /* on the real clock nothing stands still */
        prune(r);
        return 0;
    }
    uint64_t start = uv_hrtime();
    for (;;) {
        for (sim_call *sc = r->live; sc; sc = sc->live_next)
            if (sc->sig_end_pending)
                sim_line_due(sc);
        uv_run(&r->loop, UV_RUN_NOWAIT);
        if (!busy(r)) {
            prune(r);
            return 0;
        }
        if (uv_hrtime() - start > SETTLE_REAL_SECONDS * 1000000000ull) {
            snprintf(r->err, sizeof r->err, "the runtime's work did not finish within %d s",
                     SETTLE_REAL_SECONDS);
            return -1;
        }
        uv_run(&r->loop, UV_RUN_ONCE);
    }
}

uint64_t sim_next_due(sim_run *r)
{
    uint64_t t = (r->now / CW_FRAME_MS + 1) * CW_FRAME_MS;
    for (sim_call *sc = r->live; sc; sc = sc->live_next) {
        if (sc->c && sc->c->timer_cb && sc->c->timer_due_ms < t)
            t = sc->c->timer_due_ms > r->now ? sc->c->timer_due_ms : r->now + 1;
        uint64_t l = sim_line_next(sc);
        if (l < t)
            t = l > r->now ? l : r->now + 1;
    }
    return t;
}

static void wait_fired(uv_timer_t *t)
{
    (void)t;
}

/* Over a real line the clock is the real one: wait until t. */
static void wait_until(sim_run *r, uint64_t t)
{
    for (;;) {
        uint64_t now = sim_real_ms(r);
        if (now >= t)
            return;
        uv_timer_start(&r->wait_timer, wait_fired, t - now, 0);
        uv_run(&r->loop, UV_RUN_ONCE);
    }
}

void sim_advance(sim_run *r, uint64_t t)
{
    if (r->sip) {
        wait_until(r, t);
        r->now = t;
        if (t % CW_FRAME_MS == 0)
            for (sim_call *sc = r->live; sc; sc = sc->live_next)
                sim_caller_tick(sc);
        return;
    }
    r->now = r->rt.vnow_ms = t;
    for (sim_call *sc = r->live; sc; sc = sc->live_next)
        sim_line_due(sc);
    for (sim_call *sc = r->live; sc; sc = sc->live_next)
        if (sc->c && sc->c->timer_cb && sc->c->timer_due_ms <= t)
            cw_call_timer_fire(sc->c);
    if (t % CW_FRAME_MS == 0) {
        for (sim_call *sc = r->live; sc; sc = sc->live_next)
            sim_caller_tick(sc);
        cw_media_clock_advance(&r->rt.clock, t * 1000000ull);
    }
}

static void walk_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void timer_closed(uv_handle_t *h)
{
    (void)h;
}

void sim_run_close(sim_run *r)
{
    /* every call is over: hang up what is left, let the stores finish */
    for (sim_call *sc = r->live; sc; sc = sc->live_next)
        if ((sc->c || r->sip) && !sc->ended)
            sim_hangup(sc);
    sim_settle(r);
    if (r->sip) {
        wait_until(r, sim_real_ms(r) + 500);   /* the records it writes after a hang-up */
        sim_line_close(r);
    }
    if (r->wait_timer_open) {
        r->wait_timer_open = 0;
        uv_close((uv_handle_t *)&r->wait_timer, timer_closed);
    }
    cw_runtime_stop_sim(&r->rt);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    sim_collect(r);
    cw_runtime_free(&r->rt);
    uv_walk(&r->loop, walk_close, NULL);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    uv_loop_close(&r->loop);
    sim_index_free(r->index);
    for (size_t i = 0; i < r->ntexts; i++) {
        free(r->texts[i].path);
        free(r->texts[i].text);
    }
    free(r->texts);
}
