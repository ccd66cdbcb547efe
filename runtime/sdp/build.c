/* build.c  Writing our SDP: the answer to an offer (RFC 3264 section 6) and an offer.
 *
 * The answer mirrors the offer line for line: one m= line per offered m= line, in the
 * same order, the chosen one with our port and codec, every other one refused with
 * port 0, the offered proto and the offered format list (RFC 3264 6). What we write comes
 * from the local side (trusted) and from the offer's type, proto and formats, which the
 * parser has checked to be RFC 4566 tokens: nothing from the peer can end a line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "callwarden/crypto.h"
#include "callwarden/sdp.h"

#define TE_PT_OFFER 101   /* the telephone-event type we offer (a common choice) */

/* A bounded writer: once something did not fit, everything after is dropped. */
typedef struct out {
    char *buf;
    size_t cap, len;
    int overflow;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out *o, const char *fmt, ...)
{
    if (o->overflow || o->cap == 0) {
        o->overflow = 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->overflow = 1;
        return;
    }
    o->len += (size_t)n;
}

/* The length written, or -1 with buf emptied if it did not fit. */
static int finish(out *o)
{
    if (o->overflow) {
        if (o->cap)
            o->buf[0] = 0;
        return -1;
    }
    return (int)o->len;
}

/* v= o= s= c= t=: the session part is the same for answers and offers. */
static void session_part(out *o, const cw_sdp_local *l)
{
    const char *ip = l->family == AF_INET6 ? "IP6" : "IP4";
    put(o, "v=0\r\n");
    put(o, "o=callwarden %llu %llu IN %s %s\r\n", (unsigned long long)l->session_id,
        (unsigned long long)l->session_version, ip, l->addr);
    put(o, "s=callwarden\r\n");
    put(o, "c=IN %s %s\r\n", ip, l->addr);
    put(o, "t=0 0\r\n");
}

/* a=crypto lines for keys (SDES, RFC 4568). */
static void crypto_lines(out *o, const cw_sdes_crypto *keys, size_t n)
{
    char value[128];
    for (size_t i = 0; i < n; i++) {
        int len = cw_sdes_format(&keys[i], value, sizeof value);
        if (len < 0)
            o->overflow = 1;
        else
            put(o, "a=crypto:%s\r\n", value);
    }
    cw_wipe(value, sizeof value);
}

/* The m= line we take part in, with its attributes. */
static void chosen_media(out *o, const cw_sdp_choice *ch, const cw_sdp_local *l)
{
    const char *name = ch->codec == CW_CODEC_PCMA ? "PCMA" : "PCMU";
    const char *proto = ch->proto[0] ? ch->proto : "RTP/AVP";
    if (ch->te_pt >= 0)
        put(o, "m=audio %u %s %d %d\r\n", (unsigned)l->port, proto, (int)ch->codec_pt,
            ch->te_pt);
    else
        put(o, "m=audio %u %s %d\r\n", (unsigned)l->port, proto, (int)ch->codec_pt);
    put(o, "a=rtpmap:%d %s/8000\r\n", (int)ch->codec_pt, name);
    if (ch->te_pt >= 0) {
        put(o, "a=rtpmap:%d telephone-event/8000\r\n", ch->te_pt);
        put(o, "a=fmtp:%d 0-15\r\n", ch->te_pt);
    }
    put(o, "a=ptime:%u\r\n", ch->ptime ? ch->ptime : 20);
    put(o, "a=%s\r\n", cw_sdp_dir_name(ch->dir));
    if (ch->srtp)
        crypto_lines(o, l->crypto, l->ncrypto);
}

/* A choice that did not come from cw_sdp_negotiate on this offer would make an answer
 * that says something else than the stream does. */
static int choice_fits(const cw_sdp *offer, const cw_sdp_choice *ch, const cw_sdp_local *l)
{
    if (ch->srtp && (!l->crypto || l->ncrypto != 1 || l->crypto[0].tag != ch->remote_crypto.tag))
        return 0;   /* an SRTP answer carries exactly our key, under the offer's tag */
    return ch->media_index >= 0 && (size_t)ch->media_index < offer->nmedia &&
           offer->nmedia <= CW_SDP_MAX_MEDIA &&
           (ch->codec == CW_CODEC_PCMU || ch->codec == CW_CODEC_PCMA) &&
           ch->te_pt >= -1 && ch->te_pt <= 127 && ch->te_pt != (int)ch->codec_pt && ch->codec_pt <= 127;
}

/*
 * offer: the parsed offer; choice: from cw_sdp_negotiate(offer); local: our address,
 * port and session ids; buf/cap: where to write. Returns the length or -1.
 */
int cw_sdp_build_answer(const cw_sdp *offer, const cw_sdp_choice *ch,
                        const cw_sdp_local *local, char *buf, size_t cap)
{
    out o = { buf, cap, 0, 0 };
    if (cap)
        buf[0] = 0;
    if (!local->addr || !choice_fits(offer, ch, local))
        return -1;
    session_part(&o, local);
    for (size_t i = 0; i < offer->nmedia; i++) {
        const cw_sdp_media *m = &offer->media[i];
        if ((int)i == ch->media_index)
            chosen_media(&o, ch, local);
        else
            put(&o, "m=%s 0 %s %s\r\n", m->type, m->proto, m->fmt_raw);
    }
    return finish(&o);
}

/*
 * local: our address, port and session ids; buf/cap: where to write. Returns the
 * length or -1.
 */
int cw_sdp_build_offer(const cw_sdp_local *local, char *buf, size_t cap)
{
    out o = { buf, cap, 0, 0 };
    if (cap)
        buf[0] = 0;
    if (!local->addr)
        return -1;
    session_part(&o, local);
    put(&o, "m=audio %u %s 0 8 %d\r\n", (unsigned)local->port,
        local->proto ? local->proto : "RTP/AVP", TE_PT_OFFER);
    put(&o, "a=rtpmap:0 PCMU/8000\r\n");
    put(&o, "a=rtpmap:8 PCMA/8000\r\n");
    put(&o, "a=rtpmap:%d telephone-event/8000\r\n", TE_PT_OFFER);
    put(&o, "a=fmtp:%d 0-15\r\n", TE_PT_OFFER);
    put(&o, "a=ptime:20\r\n");
    put(&o, "a=sendrecv\r\n");
    if (local->crypto)
        crypto_lines(&o, local->crypto, local->ncrypto);
    return finish(&o);
}
