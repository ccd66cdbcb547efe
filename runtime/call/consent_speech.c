/* consent_speech.c  G3 by speech: the caller answers the consent question by saying
 * "ja" (or "nein"), as the policy's speech words allow.
 *
 * The answer is heard from the end of the question (the same frames as its evidence),
 * cut by voice activity (vad.c), and sent to the tenant's speech recognition. That is
 * caller audio leaving before any consent, so it is the one narrow exception the egress
 * gate makes (CW_PURPOSE_CONSENT_ANSWER): only this utterance, only while the question
 * is being answered, only to the policy's transcribe endpoint on its allow-list. The
 * recognised words go into the GIVEN or REFUSED record (method SPEECH, the text and
 * the recognition's confidence) beside the evidence snippet; nothing else of it is
 * kept. A key pressed meanwhile wins, and the recognition is cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/crypto.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "callwarden/vad.h"
#include "callwarden/wav.h"
#include "call_int.h"

#define ANSWER_MAX_FRAMES 200          /* 4 s: "ja", "nein danke", not a speech */
#define ANSWER_END_FRAMES 30           /* 600 ms of silence end the answer */

struct cw_spoken {
    cw_vad vad;
    int16_t pcm[ANSWER_MAX_FRAMES * CW_FRAME_SAMPLES];
    size_t n;
    cw_preroll pre;
};

int cw_consent_speech_possible(const cw_call *c)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_policy_lang *l = p ? cw_policy_lang_get(p, c->lang) : NULL;
    return p && l && p->ai_transcribe.url && (l->nyes || l->nno);
}

static void wipe(cw_call *c)
{
    if (!c->spoken)
        return;
    cw_wipe(c->spoken, sizeof *c->spoken);
    free(c->spoken);
    c->spoken = NULL;
}

void cw_consent_speech_stop(cw_call *c)
{
    wipe(c);
    c->answer_timeout_pending = 0;
    if (c->ai_job && c->ai_kind == CW_AI_CONSENT)
        cw_ai_cancel(c, "the consent question is over");
}

static void heard(void *ud, const cw_egress_response *r)
{
    cw_call *c = ud;
    c->ai_job = NULL;
    const cw_sim_hooks *sim = c->rt->sim;
    if (sim && sim->egress_done)
        sim->egress_done(sim->ud, c, r->cancelled);
    if (r->cancelled || c->consent != CW_CONSENT_ASKING)
        return;
    double confidence = -1;
    char *text = r->error ? NULL : cw_ai_transcript(r, &confidence);
    if (!text) {
        cw_log(CW_LOG_WARN, "call", "call=%llu spoken consent answer not recognised: %s",
               (unsigned long long)c->id, r->error ? r->error : "no text");
        cw_consent_speech_unheard(c);
        return;
    }
    cw_consent_spoken(c, text, confidence);
    cw_wipe(text, strlen(text));
    free(text);
}

/* The utterance is over: to the recognition, under the consent-answer exception. */
static void answer_done(cw_call *c)
{
    struct cw_spoken *s = c->spoken;
    const cw_policy *p = cw_call_policy(c);
    size_t wlen = 0;
    uint8_t *wav = cw_wav_encode(s->pcm, s->n, &wlen);
    cw_vad_init(&s->vad, ANSWER_END_FRAMES);
    s->n = 0;                               /* ready for another answer */
    char rnd[17], boundary[48];
    cw_random_hex(rnd, 8);
    snprintf(boundary, sizeof boundary, "callwarden-%s", rnd);
    size_t blen = 0;
    char *body = wav ? cw_listen_multipart(c, p->ai_transcribe.model, "verbose_json", wav,
                                           wlen, boundary, &blen)
                     : NULL;
    if (wav)
        cw_wipe(wav, wlen);
    free(wav);
    if (!body)
        return;
    char ct[96], why[512];
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", boundary);
    cw_egress_request rq = {
        .url = p->ai_transcribe.url, .purpose = CW_PURPOSE_CONSENT_ANSWER,
        .content_type = ct, .body = body, .body_len = blen,
    };
    cw_ai_ctx x;
    cw_ai_prepare(c, &x, &rq);
    x.consent = (cw_egress_consent){ .answering = 1 };   /* the answer, nothing else */
    c->ai_kind = CW_AI_CONSENT;
    c->ai_job = cw_egress_send(c->rt->egress, &rq, heard, c, why, sizeof why);
    cw_wipe(body, blen);
    free(body);
    if (!c->ai_job) {
        cw_log(CW_LOG_WARN, "call", "call=%llu spoken consent answer: %s",
               (unsigned long long)c->id, why);
        return;
    }
    cw_log(CW_LOG_INFO, "call", "call=%llu spoken consent answer to be recognised (%.1f s)",
           (unsigned long long)c->id, (double)(wlen > 44 ? (wlen - 44) / 2 : 0) / 8000.0);
    cw_ai_sent(c, &rq);
}

void cw_consent_speech_frame(cw_call *c, const int16_t *pcm, size_t n)
{
    if (c->ai_job || n > CW_FRAME_SAMPLES)
        return;                        /* one answer recognised at a time */
    if (!c->spoken) {
        c->spoken = calloc(1, sizeof *c->spoken);
        if (!c->spoken)
            return;
        cw_vad_init(&c->spoken->vad, ANSWER_END_FRAMES);
    }
    struct cw_spoken *s = c->spoken;
    int ev = cw_vad_frame(&s->vad, pcm, n);
    if (ev == CW_VAD_QUIET) {
        cw_preroll_push(&s->pre, pcm, n);
        return;
    }
    if (ev == CW_VAD_ONSET)
        s->n = cw_preroll_take(&s->pre, s->pcm);      /* the answer's first syllable */
    memcpy(s->pcm + s->n, pcm, n * sizeof *pcm);
    s->n += n;
    if (ev == CW_VAD_END || s->n + CW_FRAME_SAMPLES > ANSWER_MAX_FRAMES * CW_FRAME_SAMPLES)
        answer_done(c);
}
