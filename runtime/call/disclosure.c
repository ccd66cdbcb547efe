/* disclosure.c  G1: the tenant's AI disclosure is the first audio of every answered
 * call, played in full, before the flow even starts.
 *
 * A call whose tenant has a policy is answered by the core, and its flow's coroutine is
 * started only once the disclosure's last frame was sent: there is nothing a flow could
 * do to get ahead of it. Besides that ordering the media gate admits, from the answer
 * on, only the disclosure's frames (cw_stream.gate_only), so that no other path to the
 * caller's ear exists either. Keys pressed meanwhile are discarded and counted, never
 * queued for the flow; a caller who hangs up during it gets nothing else. Its wording is
 * the policy's for the caller's language: the recording the policy names, else its text
 * rendered by the local TTS (cached by hash). When it has been played, DISCLOSED goes to
 * the tenant's ledger (records.c).
 */
#include <stdio.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

static void disclosure_played(cw_call *c, int completed)
{
    c->stream.gate_only = NULL;
    if (!completed || c->state != CW_CALL_ANSWERED)
        return;                        /* hung up during it: nothing else happens */
    c->disclosure = CW_DISCLOSURE_DONE;
    c->stream.consent_gate.disclosed = 1;
    c->disclosed_at_ms = cw_now_ms();
    cw_log(CW_LOG_INFO, "call", "call=%llu disclosure done lang=%s ms=%lld keys_discarded=%u",
           (unsigned long long)c->id, c->lang,
           (long long)(c->disclosed_at_ms - c->disclosure_start_ms), c->keys_discarded);
    cw_call_log_disclosed(c);
    cw_flow_version *v = c->version;
    c->version = NULL;                 /* the flow's run owns the reference now */
    c->flow_started = 1;
    cw_call_start_flow(c, v);
}

static void play_disclosure(cw_call *c, cw_prompt *p)
{
    c->stream.gate_only = p;
    c->play_cb = NULL;
    cw_stream_play(&c->stream, p);
    c->play_cb = disclosure_played;
    c->disclosure_start_ms = cw_now_ms();
}

/* The disclosure cannot be played (its recording or TTS failed): no AI may talk to this
 * caller without it, so the call goes to the fallback's goodbye or a human. */
static void disclosure_failed(cw_call *c, const char *why)
{
    cw_log(CW_LOG_ERROR, "call", "call=%llu tenant=%s the disclosure cannot be played (G1): %s",
           (unsigned long long)c->id, c->tenant, why);
    c->stream.gate_only = NULL;
    cw_call_fallback(c);
}

static void rendered(void *ud, const char *path, const char *why)
{
    cw_call *c = ud;
    char err[512];
    cw_prompt *p = path ? cw_prompt_get_file(&c->rt->prompts, path, err, sizeof err) : NULL;
    if (!p) {
        disclosure_failed(c, path ? err : why);
        return;
    }
    if (c->state == CW_CALL_ANSWERED)
        play_disclosure(c, p);
}

int cw_disclosure_needed(const cw_call *c)
{
    return c->version && c->version->policy;
}

void cw_disclosure_start(cw_call *c)
{
    if (c->disclosure != CW_DISCLOSURE_NONE || c->state != CW_CALL_ANSWERED)
        return;
    const cw_policy *pol = c->version->policy;
    const cw_policy_lang *l = cw_policy_lang_for(pol, c->caller);
    snprintf(c->lang, sizeof c->lang, "%s", l->lang);
    c->disclosure = CW_DISCLOSURE_PLAYING;
    cw_call_disclosure_hash(c, l);
    cw_call_find_subject(c);           /* for the DISCLOSED record, meanwhile */
    /* nothing but the disclosure leaves from now on, even before it is ready */
    static const cw_prompt nothing;
    c->stream.gate_only = &nothing;
    char err[512];
    if (l->disclosure_audio) {
        cw_prompt *p = cw_prompt_get_file(&c->rt->prompts, l->disclosure_audio, err,
                                          sizeof err);
        if (p)
            play_disclosure(c, p);
        else
            disclosure_failed(c, err);
        return;
    }
    if (cw_tts_render(&c->rt->tts, l->lang, l->disclosure, &c->tts_wait, rendered, c, err,
                      sizeof err) != 0)
        disclosure_failed(c, err);
}

int cw_disclosure_takes_digit(cw_call *c, char digit)
{
    if (c->disclosure != CW_DISCLOSURE_PLAYING)
        return 0;
    c->keys_discarded++;
    cw_log(CW_LOG_INFO, "call", "call=%llu dtmf digit=%c discarded: the disclosure plays (G1)",
           (unsigned long long)c->id, digit);
    return 1;
}
