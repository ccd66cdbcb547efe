/* dtmf.h  Receiving DTMF: RFC 4733 telephone-events over RTP and SIP INFO dtmf-relay. */
#ifndef CALLWARDEN_DTMF_H
#define CALLWARDEN_DTMF_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/rtp.h"

/*
 * Per-stream receiver state for RFC 4733. A digit is reported once, when the first
 * packet with the end bit of an event arrives; the retransmitted end packets (same
 * RTP timestamp) are ignored. An event whose end packets were all lost is reported
 * when the next event (a later timestamp) begins. Packets of an earlier event that
 * arrive late (up to 2 s behind) are ignored, and the segments of a key held past
 * 0xFFFF units (RFC 4733 2.5.1.5) continue one event, whose duration then saturates
 * at 0xFFFF units. Zero-initialise before use; zero again when the SSRC changes.
 * After each packet, began tells whether it started a new event, so that a key can
 * take effect when it goes down (the withdraw key, G5), before it is reported.
 */
typedef struct cw_dtmf_rx {
    int in_event;          /* an event with timestamp ts is in progress */
    int reported;          /* the event with timestamp ts was reported */
    uint32_t ts;
    uint8_t event;
    uint16_t duration;     /* in timestamp units */
    int began;             /* the last packet fed began a new event (a key went down) */
} cw_dtmf_rx;

/* One digit heard; digit is one of "0123456789*#ABCD". */
typedef struct cw_dtmf_digit {
    char digit;
    unsigned duration_ms;
} cw_dtmf_digit;

/*
 * Feed one telephone-event RTP packet p (clock rate rate_hz, usually 8000).
 * Returns the number of digits written to out (0, 1 or 2; out has room for 2; two
 * when an unreported event is flushed by a new one that is already ended), or -1 if
 * the payload is shorter than 4 bytes. An event above 15 (not a key) returns 0.
 */
int cw_dtmf_rfc4733_input(cw_dtmf_rx *rx, const cw_rtp_packet *p, uint32_t rate_hz,
                          cw_dtmf_digit out[2]);

/*
 * Parse a SIP INFO body of type application/dtmf-relay ("Signal=5\r\nDuration=160")
 * or application/dtmf ("5"). content_type may carry parameters. Returns 0 with out
 * filled, or -1 if this is not a DTMF body we understand.
 */
int cw_dtmf_info_parse(const char *content_type, const char *body, size_t len,
                       cw_dtmf_digit *out);

/* Map an RFC 4733 event code (0-15) to its character, or 0 if out of range. */
char cw_dtmf_event_char(uint8_t event);

#endif
