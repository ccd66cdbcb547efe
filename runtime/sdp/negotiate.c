/* negotiate.c  Choosing what to answer (RFC 3264 section 6): one audio stream, G.711,
 * over plain RTP or SRTP as the tenant's transport.srtp asks.
 *
 * We take the first audio m= line we can serve: port != 0, proto RTP/AVP (or RTP/SAVP,
 * or RTP/AVP with a=crypto, when SRTP is on), a connection address, and PCMU or PCMA
 * among its formats. Of those two, the offerer's first in its
 * own order wins (RFC 3264 6.1: the offer lists formats in order of preference). A
 * format is PCMU or PCMA by its static payload type (0, 8) when it has no a=rtpmap, or
 * by rtpmap name at 8000 Hz mono under any payload type. telephone-event is answered
 * only if offered (RFC 4733), at 8000 Hz, under the offered payload type.
 *
 * The answer reuses the payload type the offer gave the codec, also a dynamic one
 * ("96 PCMU/8000"): an answer may only name formats of the offer (RFC 3264 6.1), and
 * the stream sends and accepts that number.
 *
 * The reasons returned go into a SIP Warning header: they echo only numbers and the
 * proto, which the parser has checked to be an RFC 4566 token (no quotes, no '\\').
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "callwarden/error.h"
#include "callwarden/sdp.h"

/* Which of our codecs format f is, or -1. */
static int codec_of(const cw_sdp_format *f)
{
    if (f->name[0] == 0) {
        if (f->pt == CW_CODEC_PCMU || f->pt == CW_CODEC_PCMA)
            return f->pt;
        return -1;
    }
    if (f->rate != 8000 || f->channels != 1)
        return -1;
    if (strcasecmp(f->name, "PCMU") == 0)
        return CW_CODEC_PCMU;
    if (strcasecmp(f->name, "PCMA") == 0)
        return CW_CODEC_PCMA;
    return -1;
}

/* c=IN IP4 0.0.0.0 (RFC 2543 hold) or its IPv6 twin ::. The parser stores canonical
 * text, so a string compare suffices. */
static int is_hold_addr(const char *addr)
{
    return strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
}

/* Our direction in the answer to a stream the peer marked dir (RFC 3264 6.1); with a
 * hold address the peer cannot receive, so we never send. */
static cw_sdp_dir answer_dir(cw_sdp_dir dir, int hold_addr)
{
    switch (dir) {
    case CW_SDP_SENDONLY: return CW_SDP_RECVONLY;
    case CW_SDP_RECVONLY: return hold_addr ? CW_SDP_INACTIVE : CW_SDP_SENDONLY;
    case CW_SDP_INACTIVE: return CW_SDP_INACTIVE;
    default: return hold_addr ? CW_SDP_RECVONLY : CW_SDP_SENDRECV;
    }
}

/* The payload types of m as "0 18 96", cut short with "..." to fit cap bytes. */
static void list_formats(const cw_sdp_media *m, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t k = 0; k < m->nformats; k++) {
        if (used + 9 > cap) {   /* room for " 127" and " ..." and the NUL */
            snprintf(out + used, cap - used, " ...");
            return;
        }
        used += (size_t)snprintf(out + used, cap - used, "%s%u", k ? " " : "",
                                 (unsigned)m->formats[k].pt);
    }
}

/* The first a=crypto line of m whose suite this libsrtp2 has, or NULL. */
static const cw_sdes_crypto *usable_crypto(const cw_sdp_media *m)
{
    for (size_t k = 0; k < m->ncrypto && k < CW_SDP_MAX_CRYPTO; k++)
        if (cw_srtp_suite_available(m->crypto[k].suite))
            return &m->crypto[k];
    return NULL;
}

/* Why the lines of an offer were passed over, for the reason when none is taken. */
typedef struct skipped {
    const cw_sdp_media *nocodec, *noproto, *nocrypto, *plain;
} skipped;

/* Take m into ch if it can be served as want_srtp says: 1 taken, 0 passed over (noted
 * in sk), -1 an error in err. */
static int try_media(const cw_sdp_media *m, int want_srtp, cw_sdp_choice *ch, skipped *sk,
                     char *err, size_t errlen)
{
    int avp = strcmp(m->proto, "RTP/AVP") == 0, savp = strcmp(m->proto, "RTP/SAVP") == 0;
    if (!avp && !savp) {
        if (!sk->noproto)
            sk->noproto = m;
        return 0;
    }
    const cw_sdes_crypto *crypto = usable_crypto(m);
    if (want_srtp && !crypto) {
        if (savp && !sk->nocrypto)
            sk->nocrypto = m;
        if (avp && !sk->plain)
            sk->plain = m;
        return 0;
    }
    if (!want_srtp && savp) {
        if (!sk->noproto)
            sk->noproto = m;
        return 0;
    }
    int codec = -1;
    uint8_t codec_pt = 0;
    for (size_t k = 0; k < m->nformats && k < CW_SDP_MAX_FORMATS && codec < 0; k++) {
        codec = codec_of(&m->formats[k]);
        codec_pt = m->formats[k].pt;
    }
    if (codec < 0) {
        if (!sk->nocodec)
            sk->nocodec = m;
        return 0;
    }
    if (!m->addr[0])
        return cw_error(err, errlen, "no connection address (c=) for the audio stream");

    ch->codec = (cw_codec)codec;
    ch->codec_pt = codec_pt;
    for (size_t k = 0; k < m->nformats && k < CW_SDP_MAX_FORMATS; k++) {
        const cw_sdp_format *f = &m->formats[k];
        /* the codec's number cannot also be the event's */
        if (strcasecmp(f->name, "telephone-event") == 0 && f->rate == 8000 &&
            f->pt != codec_pt) {
            ch->te_pt = f->pt;
            break;
        }
    }
    ch->ptime = 20;
    if (m->ptime >= 10 && m->ptime <= 60 && m->ptime % 10 == 0)
        ch->ptime = m->ptime;
    int hold_addr = is_hold_addr(m->addr);
    ch->dir = answer_dir(m->dir, hold_addr);
    ch->hold = hold_addr || m->dir == CW_SDP_SENDONLY || m->dir == CW_SDP_INACTIVE;
    ch->remote_family = m->family;
    memcpy(ch->remote_addr, m->addr, sizeof ch->remote_addr);
    ch->remote_port = m->port;
    memcpy(ch->proto, m->proto, sizeof ch->proto);
    if (want_srtp) {
        ch->srtp = 1;
        ch->remote_crypto = *crypto;
    }
    return 1;
}

/* Nothing was taken: the reason, most telling first. */
static int refuse(const skipped *sk, cw_srtp_mode mode, char *err, size_t errlen)
{
    const char *rule = mode == CW_SRTP_REQUIRED ? "transport.srtp = required: " : "";
    if (sk->nocodec) {
        char pts[64];
        list_formats(sk->nocodec, pts, sizeof pts);
        return cw_error(err, errlen, "no common codec (offered: %s; we take PCMU, PCMA)", pts);
    }
    if (sk->nocrypto)
        return cw_error(err, errlen, "%sno crypto suite we take on the RTP/SAVP stream (%s)",
                        rule, sk->nocrypto->crypto_refused ? sk->nocrypto->crypto_err
                                                           : "no a=crypto line");
    if (mode == CW_SRTP_REQUIRED && sk->plain)
        return cw_error(err, errlen, "%sthe offer has no RTP/SAVP stream, only plain RTP", rule);
    if (sk->noproto && mode == CW_SRTP_OFF && strcmp(sk->noproto->proto, "RTP/SAVP") == 0)
        return cw_error(err, errlen, "no audio stream over RTP/AVP (offered: RTP/SAVP, and "
                        "transport.srtp is off)");
    if (sk->noproto)
        return cw_error(err, errlen, "%sno audio stream over RTP/AVP or RTP/SAVP (offered: %s)",
                        rule, sk->noproto->proto);
    return cw_error(err, errlen, "no audio stream");
}

/*
 * offer: a parsed offer (or the answer to our offer). mode: the tenant's
 * transport.srtp. choice: filled on success, zeroed with media_index -1 on error.
 * err/errlen: the reason on error.
 */
int cw_sdp_negotiate_srtp(const cw_sdp *offer, cw_srtp_mode mode, cw_sdp_choice *ch,
                          char *err, size_t errlen)
{
    skipped sk = { 0 };
    /* pass 0 looks for SRTP, pass 1 for plain RTP */
    for (int pass = mode == CW_SRTP_OFF; pass <= (mode == CW_SRTP_REQUIRED ? 0 : 1); pass++) {
        for (size_t i = 0; i < offer->nmedia && i < CW_SDP_MAX_MEDIA; i++) {
            const cw_sdp_media *m = &offer->media[i];
            if (strcmp(m->type, "audio") != 0 || m->port == 0)
                continue;
            memset(ch, 0, sizeof *ch);
            ch->te_pt = -1;
            int rc = try_media(m, pass == 0, ch, &sk, err, errlen);
            if (rc == 1) {
                ch->media_index = (int)i;
                return 0;
            }
            if (rc < 0) {
                cw_sdes_wipe(&ch->remote_crypto);
                memset(ch, 0, sizeof *ch);
                ch->media_index = -1;
                ch->te_pt = -1;
                return -1;
            }
        }
    }
    memset(ch, 0, sizeof *ch);
    ch->media_index = -1;
    ch->te_pt = -1;
    return refuse(&sk, mode, err, errlen);
}

int cw_sdp_negotiate(const cw_sdp *offer, cw_sdp_choice *ch, char *err, size_t errlen)
{
    return cw_sdp_negotiate_srtp(offer, CW_SRTP_OFF, ch, err, errlen);
}
