/* hooks.c  What the line cannot show, from the core's hooks (cw_sim_hooks): each change
 * of the consent state, each frame of the caller's audio the recorder kept (traced by
 * its signature to when it was sent), recordings starting and ending, the fallback,
 * and the texts the TTS renders (to name what the caller heard). The hooks only
 * watch; the oracle judges what they saw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static int trace_state(int consent)
{
    switch (consent) {
    case CW_CONSENT_ASKING: return CW_TRACE_ASKED;
    case CW_CONSENT_COMMITTING: return CW_TRACE_COMMITTING;
    case CW_CONSENT_GIVEN: return CW_TRACE_GIVEN;
    case CW_CONSENT_REFUSED: return CW_TRACE_REFUSED;
    case CW_CONSENT_WITHDRAWN: return CW_TRACE_WITHDRAWN;
    default: return CW_TRACE_NOT_GIVEN;
    }
}

static void hook_consent(void *ud, cw_call *c)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    cw_trace_consent *e = cw_trace_push((void **)&sc->tr.consents, &sc->tr.nconsents,
                                        &sc->tr.capconsents, sizeof *e);
    if (!e)
        return;
    e->t = sc->run->now;
    e->seq = sim_seq(sc);
    e->state = trace_state(c->consent);
    snprintf(e->id, sizeof e->id, "%s", c->consent_id);
    snprintf(e->level, sizeof e->level, "%s", c->consent_level);
    snprintf(e->variant, sizeof e->variant, "%s", c->consent_variant);
    /* the purposes from the policy, not from the gate: the oracle checks the gate */
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_level *l = p && e->state == CW_TRACE_GIVEN
                                   ? cw_policy_level_get(p, c->consent_level) : NULL;
    for (size_t i = 0; l && i < l->npurposes && e->npurposes < 16; i++)
        snprintf(e->purposes[e->npurposes++], sizeof e->purposes[0], "%s", l->purposes[i]);
}

static void found_frame(void *ud, unsigned call_no, uint32_t period)
{
    sim_call *sc = ud;
    if (call_no != SIM_SIGNED_CALL(sc->run->run_tag, sc->no))
        return;
    cw_trace_frame *f = cw_trace_push((void **)&sc->tr.frames, &sc->tr.nframes,
                                      &sc->tr.capframes, sizeof *f);
    if (f) {
        f->t_sent = (uint64_t)period * CW_FRAME_MS;
        f->t_kept = sc->run->now;
        f->seq = sim_seq(sc);
    }
}

static void hook_recorded(void *ud, cw_call *c, const int16_t *pcm, size_t n)
{
    (void)ud;
    sim_find_signatures(pcm, n, 1, found_frame, sim_call_of(c));
}

static void hook_recording(void *ud, cw_call *c, const char *purpose, int on, int kept)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    if (on) {
        cw_trace_recording *rec = cw_trace_push((void **)&sc->tr.recs, &sc->tr.nrecs,
                                                &sc->tr.caprecs, sizeof *rec);
        if (rec) {
            rec->t0 = sc->run->now;
            rec->seq0 = sim_seq(sc);
            snprintf(rec->purpose, sizeof rec->purpose, "%s", purpose);
        }
        return;
    }
    for (size_t i = sc->tr.nrecs; i-- > 0;) {
        cw_trace_recording *rec = &sc->tr.recs[i];
        if (!rec->seq1) {
            rec->t1 = sc->run->now;
            rec->seq1 = sim_seq(sc);
            rec->kept = kept;
            break;
        }
    }
}

static void hook_fallback(void *ud, cw_call *c, const char *why)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    sc->tr.fallback = 1;
    sc->tr.t_fallback = sc->run->now;
    if (!sc->tr.t_error) {
        sc->tr.t_error = sc->run->now ? sc->run->now : 1;
        snprintf(sc->tr.error, sizeof sc->tr.error, "%s", why ? why : "failed");
    }
}

static void hook_egress(void *ud, cw_call *c, const char *url, const char *purpose,
                        int caller_data)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    cw_trace_egress *e = cw_trace_push((void **)&sc->tr.egress, &sc->tr.negress,
                                       &sc->tr.capegress, sizeof *e);
    if (!e)
        return;
    e->t = sc->run->now;
    e->seq = sim_seq(sc);
    cw_egress_url u;
    if (cw_egress_parse_url(url, &u) == 0) {
        snprintf(e->scheme, sizeof e->scheme, "%s", u.scheme);
        snprintf(e->host, sizeof e->host, "%s", u.host);
        e->port = u.port;
    }
    snprintf(e->purpose, sizeof e->purpose, "%s", purpose);
    e->caller_data = caller_data;
}

static void hook_egress_done(void *ud, cw_call *c, int cancelled)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    for (size_t i = sc->tr.negress; i-- > 0;) {
        cw_trace_egress *e = &sc->tr.egress[i];
        if (!e->seq_done) {
            e->t_done = sc->run->now;
            e->seq_done = sim_seq(sc);
            e->cancelled = cancelled;
            break;
        }
    }
}

static cw_media_io *hook_media_open(void *ud, cw_call *c, int leg)
{
    (void)ud;
    sim_call *sc = sim_call_of(c);
    if (leg == 0) {
        sc->media_up = 1;
        return &sc->io;
    }
    sc->human_media_up = 1;
    return &sc->human_io;
}

static uint64_t hook_call_seed(void *ud, cw_call *c)
{
    (void)ud;
    return sim_call_of(c)->seed;
}

static void tts_named(void *ud, const char *voice, const char *text, const char *path)
{
    (void)voice;
    sim_tts_named_text(ud, path, text);
}

void sim_tts_named_text(sim_run *r, const char *path, const char *text)
{
    if (sim_text_of(r, path))
        return;
    struct sim_text *t = cw_trace_push((void **)&r->texts, &r->ntexts, &r->captexts,
                                       sizeof *t);
    if (t) {
        t->path = strdup(path);
        t->text = strdup(text);
    }
}

void sim_hooks_init(sim_run *r)
{
    r->hooks = (cw_sim_hooks){
        .ud = r,
        .media_open = hook_media_open,
        .consent_changed = hook_consent,
        .recorded = hook_recorded,
        .recording = hook_recording,
        .fallback = hook_fallback,
        .call_seed = hook_call_seed,
        .egress = hook_egress,
        .egress_done = hook_egress_done,
    };
}

void sim_tts_watch(sim_run *r)
{
    r->rt.tts.named = tts_named;
    r->rt.tts.named_ud = r;
}
