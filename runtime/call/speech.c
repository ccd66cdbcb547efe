/* speech.c  call:say() through the tenant's TTS endpoint (ai.speech, OpenAI's
 * /v1/audio/speech), when the policy names one and the call's consent covers its
 * purpose; otherwise the local espeak-ng renders (tts.c), as before.
 *
 * The text a flow says may carry what the caller said ("Sie sagten: ..."), so it
 * leaves only as call:ask's messages do: through the egress gate (G6), with the
 * consent. The endpoint's audio (any rate sox reads) is converted to 8 kHz and cached
 * under DATA/tts like the local renders, by a hash of the endpoint, model, voice and
 * text: a text said again is played from the cache and not sent again. If the endpoint
 * fails the local TTS says the text instead: the caller hears it either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

/* Does the consent allow the text to go to the TTS endpoint? */
static int covered(const cw_call *c, const cw_policy *p)
{
    if (!p->ai_speech.url || c->consent != CW_CONSENT_GIVEN || !c->consent_level[0])
        return 0;
    const cw_policy_level *l = cw_policy_level_get(p, c->consent_level);
    return l && cw_policy_level_covers(l, p->ai_speech.purpose);
}

static void engine_of(const cw_policy *p, char *out, size_t cap)
{
    snprintf(out, cap, "%s|%s|%s", p->ai_speech.url, p->ai_speech.model ? p->ai_speech.model
                                                                         : "",
             p->ai_speech.voice ? p->ai_speech.voice : "");
}

/* The fetched audio into a file of its own beside the cache (0600). 0 or -1. */
static int write_source(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        off += (size_t)n;
    }
    close(fd);
    return 0;
}

static void local_instead(cw_call *c, const char *why)
{
    char err[256];
    cw_log(CW_LOG_WARN, "call", "call=%llu tts endpoint: %s; the local TTS says it",
           (unsigned long long)c->id, why);
    if (cw_call_say_local(c, c->speech_text, c->speech_lang, err, sizeof err) != 0)
        cw_flow_wake_bool(&c->flow, 0, err);
}

static void wake_cancelled(cw_call *c, int completed)
{
    (void)completed;
    cw_flow_wake_bool(&c->flow, 0, c->ai_why);
}

static void fetched(void *ud, const cw_egress_response *r)
{
    cw_call *c = ud;
    c->ai_job = NULL;
    const cw_sim_hooks *sim = c->rt->sim;
    if (sim && sim->egress_done)
        sim->egress_done(sim->ud, c, r->cancelled);
    if (r->cancelled) {
        if (c->state >= CW_CALL_ENDING)
            return;
        if (c->withdraw_confirming)
            c->withdraw_flow_cb = wake_cancelled;
        else
            cw_flow_wake_bool(&c->flow, 0, c->ai_why);
        return;
    }
    if (r->error || r->len < 44) {
        local_instead(c, r->error ? r->error : "the answer is no audio");
        return;
    }
    /* one source file per call: two calls may fetch the same text at once */
    char source[CW_TTS_PATH_LEN + 32];
    snprintf(source, sizeof source, "%.*s.%llu.src", (int)(strlen(c->speech_path) - 4),
             c->speech_path, (unsigned long long)c->id);
    char err[256];
    if (write_source(source, r->body, r->len) != 0) {
        local_instead(c, "cannot write the audio");
        return;
    }
    cw_log(CW_LOG_INFO, "call", "call=%llu tts endpoint rendered %zu bytes in %llu ms",
           (unsigned long long)c->id, r->len, (unsigned long long)r->elapsed_ms);
    if (cw_tts_convert(&c->rt->tts, c->speech_lang, c->speech_text, c->speech_path, source,
                       &c->tts_wait, cw_call_said, c, err, sizeof err) != 0) {
        unlink(source);
        local_instead(c, err);
    }
}

int cw_speech_say(cw_call *c, const char *text, const char *lang, char *err, size_t errlen)
{
    const cw_policy *p = cw_call_policy(c);
    if (!p || !covered(c, p))
        return 0;
    char engine[1400];
    engine_of(p, engine, sizeof engine);
    cw_tts_path(&c->rt->tts, engine, lang, text, c->speech_path);
    free(c->speech_text);
    c->speech_text = strdup(text);
    if (!c->speech_text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(c->speech_lang, sizeof c->speech_lang, "%s", lang);
    struct stat sb;
    if (stat(c->speech_path, &sb) == 0) {
        /* said before: from the cache, nothing leaves */
        if (cw_tts_convert(&c->rt->tts, lang, text, c->speech_path, NULL, &c->tts_wait,
                           cw_call_said, c, err, errlen) != 0)
            return -1;
        return 1;
    }
    json_t *o = json_pack("{s:s, s:s}", "input", text, "response_format", "wav");
    if (o && p->ai_speech.model)
        json_object_set_new(o, "model", json_string(p->ai_speech.model));
    if (o && p->ai_speech.voice)
        json_object_set_new(o, "voice", json_string(p->ai_speech.voice));
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!body) {
        snprintf(err, errlen, "the text is not valid UTF-8");
        return -1;
    }
    cw_egress_request rq = {
        .url = p->ai_speech.url, .purpose = p->ai_speech.purpose,
        .content_type = "application/json", .body = body, .body_len = strlen(body),
    };
    cw_ai_ctx x;
    cw_ai_prepare(c, &x, &rq);
    char why[512];
    c->ai_kind = CW_AI_SPEECH;
    c->ai_job = cw_egress_send(c->rt->egress, &rq, fetched, c, why, sizeof why);
    free(body);
    if (!c->ai_job)
        return 0;                      /* refused (audited): the local TTS says it */
    cw_ai_sent(c, &rq);
    return 1;
}
