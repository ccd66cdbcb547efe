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
 *
 * A policy's language menu (languages.menu) is offered after the disclosure, never
 * before it: a key that chooses another language has the disclosure said again in that
 * language, and DISCLOSED names the one the caller chose.
 */
#include <stdio.h>
#include <string.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

/* Played in full (in the language the caller chose, if there is a menu): the flow's
 * turn. */
static void disclosure_finished(cw_call *c)
{
    cw_call_timer_stop(c);
    c->disclosure = CW_DISCLOSURE_DONE;
    c->rt->metrics.disclosed++;
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

static void menu_timeout(cw_call *c)
{
    if (c->disclosure == CW_DISCLOSURE_MENU)
        disclosure_finished(c);        /* no key: the language stays */
}

static void menu_said(cw_call *c, int completed)
{
    (void)completed;
    if (c->disclosure == CW_DISCLOSURE_MENU)
        cw_call_timer_start(c, menu_timeout, c->version->policy->answer_timeout_ms);
}

static void disclosure_played(cw_call *c, int completed)
{
    c->stream.gate_only = NULL;
    if (!completed || c->state != CW_CALL_ANSWERED)
        return;                        /* hung up during it: nothing else happens */
    const cw_policy *p = c->version->policy;
    if (p->nmenu && !c->lang_menu_offered) {
        /* the language menu comes after the disclosure, never before it (G1) */
        c->lang_menu_offered = 1;
        c->disclosure = CW_DISCLOSURE_MENU;
        cw_call_speak(c, p->menu_prompt, menu_said);
        return;
    }
    disclosure_finished(c);
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
    cw_call_fallback(c, why);
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

/* Play the disclosure in language l: its recording, else its text by the TTS. */
static void disclose_in(cw_call *c, const cw_policy_lang *l)
{
    snprintf(c->lang, sizeof c->lang, "%s", l->lang);
    c->disclosure = CW_DISCLOSURE_PLAYING;
    cw_call_disclosure_hash(c, l);
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

void cw_disclosure_start(cw_call *c)
{
    if (c->disclosure != CW_DISCLOSURE_NONE || c->state != CW_CALL_ANSWERED)
        return;
    cw_call_find_subject(c);           /* for the DISCLOSED record, meanwhile */
    disclose_in(c, cw_policy_lang_for(c->version->policy, c->caller));
}

/* A key while the language menu stands: a language's key says the disclosure again in
 * that language (then the flow starts in it); the key of the language already spoken
 * ends the menu at once; any other key is ignored. */
static void menu_key(cw_call *c, char digit)
{
    const cw_policy *p = c->version->policy;
    for (size_t i = 0; i < p->nmenu; i++) {
        if (p->menu[i].key != digit)
            continue;
        c->play_cb = NULL;
        c->consent_next = NULL;
        cw_tts_cancel(&c->tts_wait);
        cw_stream_stop(&c->stream);
        cw_call_timer_stop(c);
        cw_log(CW_LOG_INFO, "call", "call=%llu language chosen lang=%s", (unsigned long long)c->id,
               p->menu[i].lang);
        if (strcmp(p->menu[i].lang, c->lang) == 0)
            disclosure_finished(c);
        else
            disclose_in(c, cw_policy_lang_get(p, p->menu[i].lang));
        return;
    }
}

int cw_disclosure_takes_digit(cw_call *c, char digit)
{
    if (c->disclosure == CW_DISCLOSURE_MENU) {
        menu_key(c, digit);
        return 1;
    }
    if (c->disclosure != CW_DISCLOSURE_PLAYING)
        return 0;
    c->keys_discarded++;
    cw_log(CW_LOG_INFO, "call", "call=%llu dtmf digit=%c discarded: the disclosure plays (G1)",
           (unsigned long long)c->id, digit);
    return 1;
}
