/* gate.c  The media gate: the one place every frame of a call's audio passes.
 *
 * G1 (the disclosure is the first audio): while the call core has set gate_only (from
 * the answer until the disclosure's last frame), the outbound path sends that prompt's
 * frames and nothing else, whatever else was asked to play. G2 (no recording,
 * transcription or AI processing before the disclosure ended and a consent is durably
 * committed) will be enforced here too: the recorder and the AI egress will take the
 * caller's audio from cw_gate_inbound and from nowhere else.
 */
#include <stdio.h>

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

void cw_gate_inbound(cw_stream *s, const int16_t *pcm, size_t n)
{
    if (s->ev && s->ev->inbound_frame)
        s->ev->inbound_frame(s->owner, pcm, n);
}

int cw_gate_may_record(cw_stream *s, const char *purpose, char *err, size_t errlen)
{
    (void)s;
    snprintf(err, errlen, "refused by the media gate (G2): no committed consent covers "
             "the purpose \"%s\" on this call", purpose);
    return -1;
}
