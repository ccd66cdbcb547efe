/* vad.h  Voice activity by energy (runtime/media/vad.c): call:listen and the spoken
 * answer to the consent question cut the caller's utterances with it. A frame is
 * speech when its mean absolute level is above max(CW_VAD_MIN_LEVEL, 4 x the running
 * level of the quiet frames); two speech frames in a row begin an utterance, a given
 * number of non-speech frames end it. */
#ifndef CALLWARDEN_VAD_H
#define CALLWARDEN_VAD_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/media.h"

#define CW_VAD_MIN_LEVEL 320            /* mean |sample|, about -40 dBFS */

typedef struct cw_vad {
    double floor;                   /* the running level of quiet frames */
    unsigned speech_run, quiet_run;
    unsigned end_frames;            /* this many quiet frames end an utterance */
    int speaking;
} cw_vad;

enum { CW_VAD_QUIET = 0, CW_VAD_ONSET, CW_VAD_SPEECH, CW_VAD_END };

#define CW_PREROLL_FRAMES 10           /* 200 ms before an onset belong to the utterance */

/* The last frames before an utterance began: its first syllable starts quietly. */
typedef struct cw_preroll {
    int16_t f[CW_PREROLL_FRAMES][CW_FRAME_SAMPLES];
    unsigned n, next;
} cw_preroll;

/* Keep one frame (n samples at most a frame; the rest is silence), the oldest going. */
void cw_preroll_push(cw_preroll *p, const int16_t *pcm, size_t n);

/* The kept frames, oldest first, into out (room for CW_PREROLL_FRAMES frames); returns
 * the samples written. p is wiped and empty after. */
size_t cw_preroll_take(cw_preroll *p, int16_t *out);

/* Start (again) with end_frames quiet frames ending an utterance (at least 1). */
void cw_vad_init(cw_vad *v, unsigned end_frames);

/* One frame: CW_VAD_QUIET before an utterance, CW_VAD_ONSET on the frame that begins
 * one, CW_VAD_SPEECH within it, CW_VAD_END on the frame that ends it (then quiet
 * again). */
int cw_vad_frame(cw_vad *v, const int16_t *pcm, size_t n);

#endif
