/* flow_ops.c  What a Lua flow's call API does to a call: the cw_flow_ops the Lua host
 * calls, and the fallback when a flow fails (G10: never a crash, never silence).
 *
 * Each waiting op starts media or signalling work and wakes the flow from that work's
 * completion. Ops that need the caller to hear something answer the call first, as
 * FreeSWITCH's playback does. The fallback plays the tenant's "fallback" prompt (or
 * callwarden's own) and hangs up; the flow is over by then and cannot interfere.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

#define SYSTEM_PROMPTS "_callwarden"     /* callwarden's own prompts, beside tenants' */

static cw_call *call_of(void *call)
{
    return call;
}

/* Answer if not yet answered; 0 if the caller can hear us now (or will at the ACK). */
static int ensure_answered(cw_call *c, char *err, size_t errlen)
{
    if (c->state == CW_CALL_ANSWERED)
        return 0;
    if (c->state != CW_CALL_NEW || cw_call_answer(c) != 0) {
        snprintf(err, errlen, "the call cannot be answered");
        return -1;
    }
    return 0;
}

/* Find a prompt: a file of the tenant ("prompts/x.wav"), or an id looked up in the
 * tenant's prompts/<lang>/<id>.wav, then in the rendered prompts <prompts>/<tenant>/. */
static cw_prompt *find_prompt(cw_call *c, const char *what, const char *lang, char *err,
                              size_t errlen)
{
    cw_prompt_cache *pc = &c->rt->prompts;
    const char *dir = c->flow.v ? c->flow.v->st.dir : "";
    char path[CW_PATH_LEN + 256];
    if (strchr(what, '/') || strstr(what, ".wav")) {
        snprintf(path, sizeof path, "%s/%s", dir, what);
        return cw_prompt_get_file(pc, path, err, errlen);
    }
    snprintf(path, sizeof path, "%s/prompts/%s/%s.wav", dir, lang, what);
    struct stat sb;
    if (dir[0] && stat(path, &sb) == 0)
        return cw_prompt_get_file(pc, path, err, errlen);
    return cw_prompt_get(pc, c->tenant, lang, what, err, errlen);
}

/* ---- waiting ops ------------------------------------------------------------ */

static int op_answer(void *call, char *err, size_t errlen)
{
    cw_call *c = call_of(call);
    if (ensure_answered(c, err, errlen) != 0)
        return -1;
    if (c->offer_in_answer)
        c->answer_waits = 1;           /* resumes at the ACK (cw_call_media_ready) */
    else
        cw_flow_wake_none(&c->flow);
    return 0;
}

void cw_call_media_ready(cw_call *c)
{
    if (c->answer_waits) {
        c->answer_waits = 0;
        cw_flow_wake_none(&c->flow);
    }
}

static void play_done(cw_call *c, int completed)
{
    int barged = c->barged;
    c->barged = c->play_barge = 0;
    cw_flow_wake_bool(&c->flow, completed, barged ? "barge-in" : NULL);
}

static int start_play(cw_call *c, cw_prompt *p, cw_play_cb cb, char *err, size_t errlen)
{
    if (ensure_answered(c, err, errlen) != 0)
        return -1;
    c->play_cb = NULL;                 /* a replaced prompt does not call its old callback */
    c->play_barge = c->barged = 0;
    cw_stream_play(&c->stream, p);
    c->play_cb = cb;
    if (cb == play_done && c->barge_wanted) {
        /* the flow's own prompt only: the disclosure and the consent wording are the
         * core's and play in full (G1) */
        c->play_barge = 1;
        cw_vad_init(&c->barge_vad, 1);
    }
    return 0;
}

static int op_play(void *call, const char *what, const char *lang, char *err,
                   size_t errlen)
{
    cw_call *c = call_of(call);
    cw_prompt *p = find_prompt(c, what, lang, err, errlen);
    if (!p)
        return -1;
    c->barge_wanted = c->flow.barge;
    return start_play(c, p, play_done, err, errlen);
}

/* The rendering of call:say() is there (or failed): play it. */
void cw_call_said(void *ud, const char *path, const char *why)
{
    cw_call *c = ud;
    char err[512];
    cw_prompt *p = path ? cw_prompt_get_file(&c->rt->prompts, path, err, sizeof err) : NULL;
    if (!p) {
        cw_log(CW_LOG_WARN, "call", "call=%llu say failed: %s", (unsigned long long)c->id,
               path ? err : why);
        cw_flow_wake_bool(&c->flow, 0, "text-to-speech failed");
        return;
    }
    if (start_play(c, p, play_done, err, sizeof err) != 0)
        cw_flow_wake_bool(&c->flow, 0, err);
}

static int op_say(void *call, const char *text, const char *lang, char *err,
                  size_t errlen)
{
    cw_call *c = call_of(call);
    if (ensure_answered(c, err, errlen) != 0)
        return -1;
    c->barge_wanted = c->flow.barge;
    int remote = cw_speech_say(c, text, lang, err, errlen);
    if (remote != 0)
        return remote > 0 ? 0 : -1;
    return cw_call_say_local(c, text, lang, err, errlen);
}

int cw_call_say_local(cw_call *c, const char *text, const char *lang, char *err,
                      size_t errlen)
{
    return cw_tts_render(&c->rt->tts, lang, text, &c->tts_wait, cw_call_said, c, err, errlen);
}

static void gather_done(cw_call *c, const char *digits)
{
    c->gather_barge = 0;
    cw_flow_wake_string(&c->flow, digits);
}

/* The gather's prompt ended (or a key stopped it): now the timeout runs. */
static void gather_prompt_done(cw_call *c, int completed)
{
    (void)completed;
    if (c->gather_cb)
        cw_call_gather(c, c->max_digits, (unsigned)c->flow_gather_timeout, gather_done);
}

static int op_gather(void *call, const cw_gather_args *g, char *err, size_t errlen)
{
    cw_call *c = call_of(call);
    unsigned timeout = g->timeout_ms > 0 ? (unsigned)g->timeout_ms
                                         : c->rt->cfg.digit_timeout_ms;
    snprintf(c->terminators, sizeof c->terminators, "%s", g->terminators);
    c->flow_gather_timeout = timeout;
    c->gather_barge = 0;
    if (g->prompt) {
        cw_prompt *p = find_prompt(c, g->prompt, g->language, err, errlen);
        if (!p)
            return -1;
        /* keys typed ahead may complete it at once, before the prompt starts */
        cw_call_gather(c, g->max, 0, gather_done);
        if (!c->gather_cb)
            return 0;
        if (start_play(c, p, gather_prompt_done, err, errlen) != 0) {
            c->gather_cb = NULL;
            return -1;
        }
        c->gather_barge = 1;
        return 0;
    }
    if (ensure_answered(c, err, errlen) != 0)
        return -1;
    cw_call_gather(c, g->max, timeout, gather_done);
    return 0;
}

static void sleep_done(cw_call *c)
{
    cw_flow_wake_none(&c->flow);
}

static int op_sleep(void *call, unsigned ms, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    cw_call *c = call_of(call);
    cw_call_timer_start(c, sleep_done, ms);
    return 0;
}

/* A refusal the core gives the flow, counted by the guarantee it names ("G2: ..."). */
static int refused(cw_call *c, int rc, const char *err)
{
    if (rc != 0)
        cw_metrics_refusal(&c->rt->metrics, err);
    return rc;
}

static int op_consent(void *call, const cw_consent_args *a, char *err, size_t errlen)
{
    return refused(call_of(call), cw_consent_start(call_of(call), a, err, errlen), err);
}

static int op_transfer(void *call, const cw_transfer_args *t, char *err, size_t errlen)
{
    cw_call *c = call_of(call);
    if (c->state != CW_CALL_ANSWERED) {
        snprintf(err, errlen, "only an answered call can be transferred");
        return -1;
    }
    return refused(c, cw_handover_start(c, t, err, errlen), err);
}

static void fallback_goodbye(cw_call *c);

void cw_call_fallback_goodbye(cw_call *c)
{
    fallback_goodbye(c);
}

void cw_call_refer_result(cw_call *c, int status, const char *phrase)
{
    if (!c->refer_pending)
        return;
    c->refer_pending = 0;
    cw_log(CW_LOG_INFO, "call", "call=%llu transfer status=%d", (unsigned long long)c->id,
           status);
    if (c->in_fallback) {
        /* the fallback's transfer: done, or the goodbye after all */
        if (status >= 200 && status < 300) {
            cw_handover_accepted(c);
            cw_call_hangup(c, "fallback-transfer");
        } else {
            c->handing_over = 0;
            fallback_goodbye(c);
        }
        return;
    }
    if (status >= 200 && status < 300) {
        cw_handover_accepted(c);
        cw_flow_wake_bool(&c->flow, 1, NULL);
    } else {
        char why[128];
        snprintf(why, sizeof why, "REFER refused: %d %s", status, phrase ? phrase : "");
        cw_flow_wake_bool(&c->flow, 0, why);
    }
}

/* ---- immediate ops ---------------------------------------------------------- */

static int op_record(void *call, const char *purpose, int both, char *err, size_t errlen)
{
    return refused(call_of(call), cw_recorder_start(call_of(call), purpose, both, err, errlen),
                   err);
}

static int op_stop_record(void *call, char *err, size_t errlen)
{
    cw_call *c = call_of(call);
    if (!c->rec) {
        snprintf(err, errlen, "not recording");
        return -1;
    }
    cw_recorder_finish(c, 1);
    return 0;
}

static int op_pause_record(void *call, int paused, char *err, size_t errlen)
{
    return refused(call_of(call), cw_recorder_pause(call_of(call), paused, err, errlen), err);
}

static void op_hangup(void *call, const char *cause)
{
    cw_call *c = call_of(call);
    if (c->withdraw_confirming) {
        snprintf(c->hangup_after_confirm, sizeof c->hangup_after_confirm, "%s", cause);
        return;                        /* G5: the caller hears the confirmation first */
    }
    cw_call_hangup(c, cause);
}

/* ---- the end of a flow, and the fallback ------------------------------------ */

static void fallback_done(cw_call *c, int completed)
{
    (void)completed;
    cw_call_hangup(c, "fallback");
}

/* callwarden's own goodbye, the last resort: it is checked at start-up. */
static void system_goodbye(cw_call *c)
{
    char err[512];
    const char *lang = c->lang[0] ? c->lang : c->flow.language[0] ? c->flow.language : "en";
    cw_prompt *p = cw_prompt_get(&c->rt->prompts, SYSTEM_PROMPTS, lang, "fallback", err,
                                 sizeof err);
    if (!p)
        p = cw_prompt_get(&c->rt->prompts, SYSTEM_PROMPTS, "en", "fallback", err, sizeof err);
    if (!p || start_play(c, p, fallback_done, err, sizeof err) != 0) {
        cw_log(CW_LOG_ERROR, "call", "call=%llu fallback prompt: %s", (unsigned long long)c->id,
               err);
        cw_call_hangup(c, "fallback");
        return;
    }
    cw_log(CW_LOG_INFO, "call", "call=%llu fallback plays=%s", (unsigned long long)c->id,
           p->key);
}

static void policy_goodbye_done(cw_call *c, int completed)
{
    if (!completed) {
        system_goodbye(c);             /* it could not be said: ours instead */
        return;
    }
    cw_call_hangup(c, "fallback");
}

/* The polite goodbye: the tenant's recorded fallback prompt, else its policy's goodbye
 * wording, else callwarden's own. */
static void fallback_goodbye(cw_call *c)
{
    char err[512];
    const char *lang = c->lang[0] ? c->lang : c->flow.language[0] ? c->flow.language : "en";
    cw_prompt *p = find_prompt(c, "fallback", lang, err, sizeof err);
    if (p && start_play(c, p, fallback_done, err, sizeof err) == 0) {
        cw_log(CW_LOG_INFO, "call", "call=%llu fallback plays=%s", (unsigned long long)c->id,
               p->key);
        return;
    }
    const cw_policy *pol = cw_call_policy(c);
    const cw_policy_lang *l = pol ? cw_policy_lang_get(pol, lang) : NULL;
    if (pol && !l)
        l = cw_policy_lang_for(pol, c->caller);
    if (l && l->goodbye) {
        cw_log(CW_LOG_INFO, "call", "call=%llu fallback says the policy's goodbye",
               (unsigned long long)c->id);
        cw_call_speak(c, l->goodbye, policy_goodbye_done);
        return;
    }
    system_goodbye(c);
}

static const char *fallback_target(cw_call *c)
{
    const cw_config *cfg = &c->rt->cfg;
    for (size_t i = 0; i < cfg->nfallbacks; i++)
        if (strcmp(cfg->fallbacks[i].tenant, c->tenant) == 0)
            return cfg->fallbacks[i].uri;
    return NULL;
}

/* G10: the flow failed; the caller reaches a human if the tenant has one configured,
 * else hears a polite goodbye: never silence. */
void cw_call_fallback(cw_call *c, const char *why)
{
    if (c->state >= CW_CALL_ENDING)
        return;
    const cw_sim_hooks *sim = c->rt->sim;
    if (sim && sim->fallback)
        sim->fallback(sim->ud, c, why);
    c->in_fallback = 1;
    cw_ai_cancel(c, "the flow failed");
    cw_listen_cancel(c, "the flow failed");
    c->gather_cb = NULL;
    c->answer_waits = 0;
    c->refer_pending = 0;
    cw_tts_cancel(&c->tts_wait);
    cw_call_timer_stop(c);
    if (c->state == CW_CALL_NEW && c->offer_in_answer) {
        cw_call_hangup(c, "fallback");     /* nowhere to send audio yet: 480 */
        return;
    }
    char err[512];
    const char *target = fallback_target(c);
    if (target && ensure_answered(c, err, sizeof err) == 0 && c->sig->refer) {
        cw_header h = { "X-Callwarden-Fallback", "flow-failed" };
        c->play_cb = NULL;
        cw_stream_stop(&c->stream);        /* whatever the flow played stops */
        if (cw_call_policy(c)) {
            /* a handover like any other (G9): the notice, the consent's status in the
             * headers, HANDED_OVER once the REFER is accepted */
            cw_transfer_args t = { .target = target, .headers = &h, .nheaders = 1,
                                   .mode = CW_TRANSFER_REFER };
            if (cw_handover_start(c, &t, err, sizeof err) == 0) {
                cw_log(CW_LOG_INFO, "call", "call=%llu fallback transfer with the handover "
                       "notice", (unsigned long long)c->id);
                return;
            }
            cw_log(CW_LOG_WARN, "call", "call=%llu fallback transfer: %s",
                   (unsigned long long)c->id, err);
            fallback_goodbye(c);
            return;
        }
        if (c->sig->refer(c, target, &h, 1, err, sizeof err) == 0) {
            c->refer_pending = 1;
            cw_log(CW_LOG_INFO, "call", "call=%llu fallback transfer REFER sent",
                   (unsigned long long)c->id);
            return;
        }
        cw_log(CW_LOG_WARN, "call", "call=%llu fallback transfer: %s", (unsigned long long)c->id,
               err);
    }
    fallback_goodbye(c);
}

static void op_finished(void *call, const char *error)
{
    cw_call *c = call_of(call);
    if (error) {
        cw_call_fallback(c, error);
        return;
    }
    op_hangup(c, "flow-done");
}

static int op_ask(void *call, const cw_ask_args *a, char *err, size_t errlen)
{
    return refused(call_of(call), cw_ai_ask(call_of(call), a, err, errlen), err);
}

static int op_listen(void *call, const cw_listen_args *a, char *err, size_t errlen)
{
    cw_call *c = call_of(call);
    if (ensure_answered(c, err, errlen) != 0)
        return -1;
    return refused(c, cw_listen_start(c, a, err, errlen), err);
}

static const cw_flow_ops flow_ops = {
    .answer = op_answer,
    .play = op_play,
    .say = op_say,
    .gather = op_gather,
    .sleep = op_sleep,
    .consent = op_consent,
    .transfer = op_transfer,
    .record = op_record,
    .stop_record = op_stop_record,
    .pause_record = op_pause_record,
    .hangup = op_hangup,
    .ask = op_ask,
    .listen = op_listen,
    .finished = op_finished,
};

void cw_call_start_flow(cw_call *c, cw_flow_version *v)
{
    cw_flow_info info = {
        .id = c->id, .caller = c->caller, .callee = c->callee, .call_id = c->call_id,
        .language = c->lang[0] ? c->lang : "en",
    };
    cw_log(CW_LOG_DEBUG, "call", "call=%llu flow tenant=%s version=%.12s",
           (unsigned long long)c->id, c->tenant, v->hash);
    cw_flow_start(&c->flow, &c->rt->tenants, v, &flow_ops, c, &info);
}

int cw_call_inject_flow_error(cw_call *c, const char *why)
{
    if (!c->flow.v || c->in_fallback || c->state != CW_CALL_ANSWERED)
        return -1;
    return cw_flow_inject_error(&c->flow, why);
}
