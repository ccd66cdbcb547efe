/* listen.c  call:listen(): the caller's next utterance, cut by voice activity and sent to
 * the tenant's speech recognition.
 *
 * G2: the frames come from the media gate's listen consumer (cw_gate_inbound), which
 * admits them only while the disclosure was played and a durably given consent covers
 * the endpoint's purpose, checked frame by frame: a withdrawal stops the hearing with
 * the next frame, and what was heard is wiped. G6: before a single frame is kept the
 * egress gate is asked whether the recording could leave to the endpoint at all; the
 * transcription request goes through cw_ai_send like call:ask.
 *
 * Voice activity (vad.c): an utterance begins with the 200 ms before its onset and
 * ends after `silence` ms of non-speech or `max` ms. No speech within `timeout` is
 * nil, "no speech".
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


struct cw_listen {
    int16_t *pcm;                      /* the utterance */
    size_t n, cap;                     /* samples */
    cw_preroll pre;
    cw_vad vad;
    unsigned max_frames, frames;
    char purpose[CW_POLICY_NAME_LEN];
    char url[1024];
};

static void wipe_free(struct cw_listen *l)
{
    if (!l)
        return;
    if (l->pcm)
        cw_wipe(l->pcm, l->cap * sizeof *l->pcm);
    free(l->pcm);
    cw_wipe(l, sizeof *l);
    free(l);
}

/* Stop hearing: the gate's consumer goes, the timer too. */
static void detach(cw_call *c)
{
    c->stream.listen_purpose = NULL;
    c->stream.listen_frame = NULL;
    cw_call_timer_stop(c);
}

static void wake_after_confirmation(cw_call *c, int completed)
{
    (void)completed;
    cw_flow_wake_result(&c->flow, NULL, c->ai_why);
}

void cw_listen_cancel(cw_call *c, const char *why)
{
    if (!c->listen)
        return;
    detach(c);
    wipe_free(c->listen);
    c->listen = NULL;
    cw_log(CW_LOG_INFO, "call", "call=%llu listen stopped: %s", (unsigned long long)c->id,
           why);
    snprintf(c->ai_why, sizeof c->ai_why, "%s", why);
    if (c->state >= CW_CALL_ENDING)
        return;
    if (c->withdraw_confirming)
        c->withdraw_flow_cb = wake_after_confirmation;   /* G5: the confirmation first */
    else
        cw_flow_wake_result(&c->flow, NULL, why);
}

/* multipart/form-data: model, response_format, language, and the WAV as "file". */
char *cw_listen_multipart(const cw_call *c, const char *model, const char *format,
                          const uint8_t *wav, size_t wlen, const char *boundary,
                          size_t *len)
{
    char head[1024];
    int hn = 0;
    if (model)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "--%s\r\nContent-Disposition: "
                       "form-data; name=\"model\"\r\n\r\n%s\r\n", boundary, model);
    hn += snprintf(head + hn, sizeof head - (size_t)hn, "--%s\r\nContent-Disposition: "
                   "form-data; name=\"response_format\"\r\n\r\n%s\r\n", boundary, format);
    if (c->lang[0])
        hn += snprintf(head + hn, sizeof head - (size_t)hn, "--%s\r\nContent-Disposition: "
                       "form-data; name=\"language\"\r\n\r\n%.2s\r\n", boundary, c->lang);
    hn += snprintf(head + hn, sizeof head - (size_t)hn, "--%s\r\nContent-Disposition: "
                   "form-data; name=\"file\"; filename=\"speech.wav\"\r\nContent-Type: "
                   "audio/wav\r\n\r\n", boundary);
    char tail[96];
    int tn = snprintf(tail, sizeof tail, "\r\n--%s--\r\n", boundary);
    if (hn <= 0 || (size_t)hn >= sizeof head)
        return NULL;
    char *b = malloc((size_t)hn + wlen + (size_t)tn + 1);
    if (!b)
        return NULL;
    memcpy(b, head, (size_t)hn);
    memcpy(b + hn, wav, wlen);
    memcpy(b + (size_t)hn + wlen, tail, (size_t)tn);
    *len = (size_t)hn + wlen + (size_t)tn;
    b[*len] = 0;
    return b;
}

/* The utterance is over: to the speech recognition. */
static void utterance_done(cw_call *c)
{
    struct cw_listen *l = c->listen;
    c->listen = NULL;
    detach(c);
    const cw_policy *p = cw_call_policy(c);
    size_t wlen = 0;
    uint8_t *wav = cw_wav_encode(l->pcm, l->n, &wlen);
    char rnd[17], boundary[48];
    cw_random_hex(rnd, 8);
    snprintf(boundary, sizeof boundary, "callwarden-%s", rnd);
    size_t blen = 0;
    char *body = wav ? cw_listen_multipart(c, p->ai_transcribe.model, "json", wav, wlen,
                                           boundary, &blen)
                     : NULL;
    cw_log(CW_LOG_INFO, "call", "call=%llu listen heard %.1f s", (unsigned long long)c->id,
           (double)l->n / 8000.0);
    if (wav)
        cw_wipe(wav, wlen);
    free(wav);
    char url[sizeof l->url], purpose[sizeof l->purpose];
    snprintf(url, sizeof url, "%s", l->url);
    snprintf(purpose, sizeof purpose, "%s", l->purpose);
    wipe_free(l);
    if (!body) {
        cw_flow_wake_result(&c->flow, NULL, "out of memory");
        return;
    }
    char ct[96];
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", boundary);
    cw_egress_request rq = { .url = url, .purpose = purpose, .content_type = ct,
                             .body = body, .body_len = blen };
    cw_ai_send(c, &rq, CW_AI_TRANSCRIBE);
    cw_wipe(body, blen);
    free(body);
}

static int append(struct cw_listen *l, const int16_t *pcm, size_t n)
{
    if (l->n + n > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8000;
        while (cap < l->n + n)
            cap *= 2;
        int16_t *b = malloc(cap * sizeof *b);
        if (!b)
            return -1;
        if (l->pcm) {
            memcpy(b, l->pcm, l->n * sizeof *b);
            cw_wipe(l->pcm, l->cap * sizeof *l->pcm);   /* no copy of the voice left behind */
            free(l->pcm);
        }
        l->pcm = b;
        l->cap = cap;
    }
    memcpy(l->pcm + l->n, pcm, n * sizeof *pcm);
    l->n += n;
    return 0;
}

static void listen_timeout(cw_call *c);

/* One admitted frame of the caller's audio (the gate checked G2 for it). */
static void listen_frame(void *owner, const int16_t *pcm, size_t n)
{
    cw_call *c = owner;
    struct cw_listen *l = c->listen;
    if (!l || n > CW_FRAME_SAMPLES)
        return;
    int ev = cw_vad_frame(&l->vad, pcm, n);
    if (ev == CW_VAD_QUIET) {
        cw_preroll_push(&l->pre, pcm, n);
        return;
    }
    if (ev == CW_VAD_ONSET) {
        /* the utterance begins, with the frames just before it */
        int16_t pre[CW_PREROLL_FRAMES * CW_FRAME_SAMPLES];
        size_t np = cw_preroll_take(&l->pre, pre);
        int failed = np && append(l, pre, np) != 0;
        cw_wipe(pre, sizeof pre);
        if (failed) {
            utterance_done(c);
            return;
        }
        l->frames = (unsigned)(np / CW_FRAME_SAMPLES);
        /* from now on the utterance's length ends it; the timer only guards against a
         * caller whose audio stops coming */
        cw_call_timer_start(c, listen_timeout, (uint64_t)l->max_frames * CW_FRAME_MS + 1000);
    }
    if (append(l, pcm, n) != 0) {
        utterance_done(c);
        return;
    }
    l->frames++;
    if (ev == CW_VAD_END || l->frames >= l->max_frames)
        utterance_done(c);
}

/* Nothing said within the timeout (or, once speaking, the utterance's time is up
 * without the frames to show it: the caller's RTP stopped). */
static void listen_timeout(cw_call *c)
{
    struct cw_listen *l = c->listen;
    if (!l)
        return;
    if (l->vad.speaking && l->n) {
        utterance_done(c);
        return;
    }
    detach(c);
    wipe_free(l);
    c->listen = NULL;
    cw_flow_wake_result(&c->flow, NULL, "no speech");
}

int cw_listen_start(cw_call *c, const cw_listen_args *a, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    const cw_policy *p = cw_call_policy(c);
    const char *url = a->url ? a->url : p ? p->ai_transcribe.url : NULL;
    if (!p || !url) {
        cw_flow_wake_result(&c->flow, NULL, "the policy names no speech recognition "
                            "(ai { transcribe = { url = \"https://...\" } })");
        return 0;
    }
    const char *purpose = a->purpose ? a->purpose
                          : p->ai_transcribe.purpose[0] ? p->ai_transcribe.purpose
                                                        : "transcription";
    char why[512];
    /* G2: may the caller's audio be processed for this purpose at all? */
    if (cw_gate_may_record(&c->stream, purpose, why, sizeof why) != 0) {
        cw_flow_wake_result(&c->flow, NULL, why);
        return 0;
    }
    /* G6: could it leave to this endpoint? Refused: the gate's own send audits it */
    cw_egress_consent consent = {
        .given = c->consent == CW_CONSENT_GIVEN,
        .withdrawn = c->consent == CW_CONSENT_WITHDRAWN,
        .level = c->consent_level[0] ? c->consent_level : NULL,
        .consent_id = c->consent_id,
    };
    if (cw_egress_check(p, url, purpose, &consent, why, sizeof why) != CW_EGRESS_ALLOWED) {
        cw_egress_request rq = { .url = url, .purpose = purpose };
        cw_ai_send(c, &rq, CW_AI_TRANSCRIBE);      /* refused there, and the flow woken */
        return 0;
    }
    struct cw_listen *l = calloc(1, sizeof *l);
    if (!l) {
        cw_flow_wake_result(&c->flow, NULL, "out of memory");
        return 0;
    }
    snprintf(l->url, sizeof l->url, "%s", url);
    snprintf(l->purpose, sizeof l->purpose, "%s", purpose);
    cw_vad_init(&l->vad, a->silence_ms / CW_FRAME_MS);
    l->max_frames = a->max_ms / CW_FRAME_MS;
    c->listen = l;
    c->stream.listen_purpose = l->purpose;
    c->stream.listen_frame = listen_frame;
    cw_call_timer_start(c, listen_timeout, a->timeout_ms);     /* for speech to begin */
    return 0;
}
