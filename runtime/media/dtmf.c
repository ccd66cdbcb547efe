/* dtmf.c  DTMF receive: RFC 4733 telephone-events over RTP and SIP INFO bodies.
 *
 * RFC 4733 senders repeat the packets of an event (same RTP timestamp, growing
 * duration) and send the final one with the end bit three times. A digit is reported
 * on the first end packet; the repeats are recognised by their timestamp. If every end
 * packet was lost, the digit is reported when the next event (another timestamp)
 * begins, so a key is never lost and never counted twice. That is why one packet can
 * yield two digits: the old event that never ended, and a new one that starts ended.
 *
 * Two more cases would count a key twice if "another timestamp" simply meant "a new
 * event": a repeat of an earlier event that the network delivered after the next event
 * began (its timestamp lies a little behind), and a key held past 65535 timestamp units,
 * which RFC 4733 2.5.1.5 sends as segments, each with a timestamp 0xFFFF after the last.
 * The first is ignored; the second continues the event, whose reported duration then
 * stays at the 0xFFFF units the field can hold (a floor, not the full length). A jump
 * far back in time is a sender that restarted its timeline: a new event, as before. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "callwarden/dtmf.h"

#define EVENT_MAX 15                /* 0-9 * # A-D; above are flash and tones */
#define INFO_DURATION_MAX 600000u   /* ten minutes: more is a broken sender */
#define SEGMENT_MAX 0xFFFFu         /* longest duration one event segment can carry */
#define LATE_WINDOW_S 2             /* how far behind a late packet may lie, in seconds */

/* event: an RFC 4733 event code. */
char cw_dtmf_event_char(uint8_t event)
{
    static const char map[] = "0123456789*#ABCD";
    return event <= EVENT_MAX ? map[event] : 0;
}

/* Write the digit of the event held in rx to d. */
static void emit(const cw_dtmf_rx *rx, uint32_t rate_hz, cw_dtmf_digit *d)
{
    d->digit = cw_dtmf_event_char(rx->event);
    /* 65535 * 1000 still fits in 32 bits */
    d->duration_ms = rate_hz ? (unsigned)((uint32_t)rx->duration * 1000u / rate_hz) : 0;
}

/* Is a packet of event at ts a straggler of an event before the current one in rx? It
 * is if ts lies at most LATE_WINDOW_S seconds behind (RTP serial arithmetic: a wrap of
 * the 32-bit timestamp is no jump back), or is the previous segment of a long press. */
static int is_late(const cw_dtmf_rx *rx, uint8_t event, uint32_t ts, uint32_t rate_hz)
{
    uint64_t window = (uint64_t)(rate_hz ? rate_hz : 8000) * LATE_WINDOW_S;
    uint32_t behind = rx->ts - ts;
    if (window > 0x7FFFFFFF)
        window = 0x7FFFFFFF;    /* half the timestamp space: beyond that is ahead */
    return (behind != 0 && behind <= window) ||
           (behind == SEGMENT_MAX && event == rx->event);
}

/* rx: the stream's state; p: a telephone-event packet; rate_hz: its clock rate;
 * out: room for two digits. */
int cw_dtmf_rfc4733_input(cw_dtmf_rx *rx, const cw_rtp_packet *p, uint32_t rate_hz,
                          cw_dtmf_digit out[2])
{
    if (!p->payload || p->payload_len < 4)
        return -1;
    uint8_t event = p->payload[0];
    int end = (p->payload[1] & 0x80) != 0;
    uint16_t duration = (uint16_t)((p->payload[2] << 8) | p->payload[3]);
    rx->began = 0;
    if (event > EVENT_MAX)
        return 0;   /* not a key; leaves a pending key pending */

    int n = 0;
    if (rx->in_event && p->ts == rx->ts) {
        /* the same event: a continuation, or a repeat of an end already reported */
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
    if (rx->in_event && is_late(rx, event, p->ts, rate_hz))
        return 0;   /* a straggler of an event before the current one */
    if (rx->in_event && !rx->reported && event == rx->event &&
        p->ts - rx->ts == SEGMENT_MAX) {
        /* the next segment of a long key press: the same event goes on */
        rx->ts = p->ts;
        rx->duration = SEGMENT_MAX;
        if (end) {
            emit(rx, rate_hz, &out[n++]);
            rx->reported = 1;
        }
        return n;
    }

    /* a new event; if the previous one never ended for us, it still was a key */
    if (rx->in_event && !rx->reported)
        emit(rx, rate_hz, &out[n++]);
    rx->in_event = 1;
    rx->began = 1;
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

/* Trim spaces and tabs (and CR/LF) from both ends of s, n. */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* A signal value: one of 0-9 * # A-D (any case), or "10" / "11" for * and #. */
static int signal_char(const char *s, size_t n, char *out)
{
    trim(&s, &n);
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

/* A Duration value in ms: digits only; anything else is treated as unknown (0),
 * because the key itself is what matters and senders vary. */
static unsigned duration_value(const char *s, size_t n)
{
    unsigned long v = 0;
    trim(&s, &n);
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > INFO_DURATION_MAX)
            return 0;
    }
    return (unsigned)v;
}

/* Is the media type of Content-Type value ctype want? Case and parameters ignored. */
static int type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    if (strncasecmp(ctype, want, n) != 0)
        return 0;
    ctype += n;
    while (*ctype == ' ' || *ctype == '\t')
        ctype++;
    return *ctype == 0 || *ctype == ';';
}

/* Is key (n bytes, already trimmed) the name name, in any case? */
static int key_is(const char *key, size_t n, const char *name)
{
    return n == strlen(name) && strncasecmp(key, name, n) == 0;
}

/* content_type: the header value; body, len: the body (not NUL-terminated); out: the key. */
int cw_dtmf_info_parse(const char *content_type, const char *body, size_t len,
                       cw_dtmf_digit *out)
{
    if (!content_type || (!body && len))
        return -1;
    if (type_is(content_type, "application/dtmf")) {
        char c;
        if (signal_char(body, len, &c) != 0)
            return -1;
        out->digit = c;
        out->duration_ms = 0;
        return 0;
    }
    if (!type_is(content_type, "application/dtmf-relay"))
        return -1;

    /* lines of key=value; lines without '=' and unknown keys are skipped */
    char digit = 0;
    unsigned duration = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = body + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        const char *eq = memchr(line, '=', n);
        if (!eq)
            continue;
        const char *key = line;
        size_t klen = (size_t)(eq - line);
        trim(&key, &klen);
        const char *val = eq + 1;
        size_t vlen = n - (size_t)(val - line);
        if (key_is(key, klen, "signal")) {
            if (signal_char(val, vlen, &digit) != 0)
                return -1;
        } else if (key_is(key, klen, "duration")) {
            duration = duration_value(val, vlen);
        }
    }
    if (!digit)
        return -1;
    out->digit = digit;
    out->duration_ms = duration;
    return 0;
}
