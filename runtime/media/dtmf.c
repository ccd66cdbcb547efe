/* dtmf.c  DTMF receive: RFC 4733 telephone-events and SIP INFO bodies.
 *
 * RFC 4733 senders repeat the packets of an event (same RTP timestamp, growing
 * duration) and send the final one with the end bit three times. A digit is reported
 * on the first end packet; the repeats are recognised by their timestamp. If every end
 * packet was lost, the digit is reported when the next event begins, so that a key is
 * never lost and never counted twice. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "callwarden/dtmf.h"

char cw_dtmf_event_char(uint8_t event)
{
    static const char map[] = "0123456789*#ABCD";
    return event < 16 ? map[event] : 0;
}

static void emit(const cw_dtmf_rx *rx, uint32_t rate_hz, cw_dtmf_digit *d)
{
    d->digit = cw_dtmf_event_char(rx->event);
    d->duration_ms = rate_hz ? (unsigned)((uint32_t)rx->duration * 1000u / rate_hz) : 0;
}

int cw_dtmf_rfc4733_input(cw_dtmf_rx *rx, const cw_rtp_packet *p, uint32_t rate_hz,
                          cw_dtmf_digit out[2])
{
    if (p->payload_len < 4)
        return -1;
    uint8_t event = p->payload[0];
    int end = (p->payload[1] & 0x80) != 0;
    uint16_t duration = (uint16_t)((p->payload[2] << 8) | p->payload[3]);
    if (event > 15)
        return 0;   /* flash, tones: not a key */

    int n = 0;
    if (rx->in_event && p->ts == rx->ts) {
        /* the same event: a continuation or a repeated end */
        if (rx->reported)
            return 0;
        if (duration > rx->duration)
            rx->duration = duration;
        if (end) {
            emit(rx, rate_hz, &out[n++]);
            rx->reported = 1;
        }
        return n;
    }
    /* a new event; the previous one lost all its end packets */
    if (rx->in_event && !rx->reported)
        emit(rx, rate_hz, &out[n++]);
    rx->in_event = 1;
    rx->reported = 0;
    rx->ts = p->ts;
    rx->event = event;
    rx->duration = duration;
    if (end) {
        emit(rx, rate_hz, &out[n++]);
        rx->reported = 1;
    }
    return n;
}

static int signal_char(const char *s, size_t n, char *out)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 1) {
        char c = (char)toupper((unsigned char)s[0]);
        if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) {
            *out = c;
            return 0;
        }
        return -1;
    }
    if (n == 2 && s[0] == '1' && (s[1] == '0' || s[1] == '1')) {
        *out = s[1] == '0' ? '*' : '#';
        return 0;
    }
    return -1;
}

/* Compare the media type of a Content-Type value, ignoring parameters and case. */
static int type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    if (strncasecmp(ctype, want, n) != 0)
        return 0;
    return ctype[n] == 0 || ctype[n] == ';' || ctype[n] == ' ';
}

int cw_dtmf_info_parse(const char *content_type, const char *body, size_t len,
                       cw_dtmf_digit *out)
{
    if (!content_type || !body)
        return -1;
    if (type_is(content_type, "application/dtmf")) {
        out->duration_ms = 0;
        return signal_char(body, len, &out->digit);
    }
    if (!type_is(content_type, "application/dtmf-relay"))
        return -1;

    int have_signal = 0;
    out->duration_ms = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = body + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        const char *eq = memchr(line, '=', n);
        if (!eq)
            continue;
        size_t klen = (size_t)(eq - line);
        while (klen && isspace((unsigned char)line[klen - 1]))
            klen--;
        size_t k0 = 0;
        while (k0 < klen && isspace((unsigned char)line[k0]))
            k0++;
        const char *val = eq + 1;
        size_t vlen = n - (size_t)(val - line);
        if (klen - k0 == 6 && strncasecmp(line + k0, "signal", 6) == 0) {
            if (signal_char(val, vlen, &out->digit) != 0)
                return -1;
            have_signal = 1;
        } else if (klen - k0 == 8 && strncasecmp(line + k0, "duration", 8) == 0) {
            char num[16];
            size_t m = vlen < sizeof num - 1 ? vlen : sizeof num - 1;
            memcpy(num, val, m);
            num[m] = 0;
            long d = strtol(num, NULL, 10);
            out->duration_ms = d > 0 && d < 600000 ? (unsigned)d : 0;
        }
    }
    return have_signal ? 0 : -1;
}
