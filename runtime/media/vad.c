/* vad.c  Voice activity by energy against a running floor (vad.h). Simple on purpose:
 * a telephone line's caller, one voice, 8 kHz; what matters is where an utterance
 * begins and ends, not what it says. */
#include <string.h>

#include "callwarden/crypto.h"
#include "callwarden/vad.h"

#define ONSET_FRAMES 2

void cw_vad_init(cw_vad *v, unsigned end_frames)
{
    v->floor = 0;
    v->speech_run = v->quiet_run = 0;
    v->end_frames = end_frames ? end_frames : 1;
    v->speaking = 0;
}

int cw_vad_frame(cw_vad *v, const int16_t *pcm, size_t n)
{
    long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += pcm[i] < 0 ? -(long)pcm[i] : pcm[i];
    double level = n ? (double)sum / (double)n : 0;
    double threshold = v->floor * 4 > CW_VAD_MIN_LEVEL ? v->floor * 4 : CW_VAD_MIN_LEVEL;
    int speech = level > threshold;
    if (!speech)
        v->floor = v->floor * 0.95 + level * 0.05;
    if (!v->speaking) {
        v->speech_run = speech ? v->speech_run + 1 : 0;
        if (v->speech_run < ONSET_FRAMES)
            return CW_VAD_QUIET;
        v->speaking = 1;
        v->quiet_run = 0;
        return CW_VAD_ONSET;
    }
    v->quiet_run = speech ? 0 : v->quiet_run + 1;
    if (v->quiet_run >= v->end_frames) {
        v->speaking = 0;
        v->speech_run = 0;
        return CW_VAD_END;
    }
    return CW_VAD_SPEECH;
}

void cw_preroll_push(cw_preroll *p, const int16_t *pcm, size_t n)
{
    if (n > CW_FRAME_SAMPLES)
        n = CW_FRAME_SAMPLES;
    memcpy(p->f[p->next], pcm, n * sizeof *pcm);
    memset(p->f[p->next] + n, 0, (CW_FRAME_SAMPLES - n) * sizeof *pcm);
    p->next = (p->next + 1) % CW_PREROLL_FRAMES;
    if (p->n < CW_PREROLL_FRAMES)
        p->n++;
}

size_t cw_preroll_take(cw_preroll *p, int16_t *out)
{
    unsigned first = (p->next + CW_PREROLL_FRAMES - p->n) % CW_PREROLL_FRAMES;
    for (unsigned i = 0; i < p->n; i++)
        memcpy(out + (size_t)i * CW_FRAME_SAMPLES, p->f[(first + i) % CW_PREROLL_FRAMES],
               sizeof p->f[0]);
    size_t samples = (size_t)p->n * CW_FRAME_SAMPLES;
    cw_wipe(p, sizeof *p);                 /* the caller's voice: no copy left behind */
    return samples;
}
