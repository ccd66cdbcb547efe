/* gate.c  The media gate: the one place every frame of a call's audio passes.
 *
 * G1 (the disclosure is the first audio): while the call core has set gate_only (from
 * the answer until the disclosure's last frame), the outbound path sends that prompt's
 * frames and nothing else, whatever else was asked to play. G2 (no recording,
 * transcription or AI processing before the disclosure ended and a consent is durably
 * committed) is enforced here too: the recorder and speech recognition (call:listen)
 * take the caller's audio from cw_gate_inbound and from nowhere else, checked frame by
 * frame.
 */
#include <stdio.h>
#include <string.h>

#include "callwarden/media.h"

int cw_gate_outbound(cw_stream *s, const uint8_t *payload, size_t len)
{
    (void)payload;
    (void)len;
    if (s->gate_only && s->playing != s->gate_only) {
        s->stats.gate_refused++;
        return 0;
    }
    return 1;
}

static int covered(const cw_stream *s, const char *purpose)
{
    for (size_t i = 0; i < s->consent_gate.npurposes; i++)
        if (strcmp(s->consent_gate.purposes[i], purpose) == 0)
            return 1;
    return 0;
}

int cw_gate_may_record(cw_stream *s, const char *purpose, char *err, size_t errlen)
{
    /* no stream (a simulated call without media): nothing was consented to either */
    const char *why = !s ? "no committed consent on this call"
                    : !s->consent_gate.disclosed ? "the disclosure has not been played"
                    : !s->consent_gate.given ? "no committed consent on this call"
                    : !covered(s, purpose) ? "the consent does not cover this purpose" : NULL;
    if (!why)
        return 0;
    if (s)
        s->consent_gate.refused++;
    snprintf(err, errlen, "G2: recording refused: %s (purpose \"%s\")", why, purpose);
    return -1;
}

void cw_gate_inbound(cw_stream *s, const int16_t *pcm, size_t n)
{
    if (s->ev && s->ev->inbound_frame)
        s->ev->inbound_frame(s->owner, pcm, n);
    /* checked again for every frame: a withdrawal closes the gate before the next one */
    if (s->record_purpose && s->record_frame && s->consent_gate.disclosed &&
        s->consent_gate.given && covered(s, s->record_purpose))
        s->record_frame(s->owner, pcm, n);
    /* speech recognition (the AI's ears) behind the same check (G2) */
    if (s->listen_purpose && s->listen_frame && s->consent_gate.disclosed &&
        s->consent_gate.given && covered(s, s->listen_purpose))
        s->listen_frame(s->owner, pcm, n);
}
