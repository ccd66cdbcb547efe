/* fuzz_sdp.c  Fuzz target: parse, negotiate and answer any bytes, and check invariants.
 *
 * Crashes and sanitizer reports are found by libFuzzer itself; what it cannot see is a
 * wrong result, so every step checks what must always hold and abort()s otherwise:
 * the parse result stays inside its bounds, an error text is fit for a quoted SIP
 * Warning header, the same bytes always parse the same, a choice points at a usable
 * line, and our answer parses again, mirrors the offer line for line and, negotiated
 * as if it were an offer, gives back the same codec, events and direction. Our own
 * offer (cw_sdp_build_offer) is built for fixed addresses and for every address and
 * port the input carried, and must parse and negotiate to PCMU with events at 101.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "callwarden/sdp.h"

#define REQUIRE(cond)                                                     \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "fuzz_sdp: invariant failed: %s (line %d)\n", \
                    #cond, __LINE__);                                     \
            abort();                                                      \
        }                                                                 \
    } while (0)

/* A C string inside its array. */
static int fits(const char *s, size_t cap)
{
    return memchr(s, 0, cap) != NULL;
}

/* An error text we may put in quotes in a Warning header: printable, no '"' or '\'. */
static void check_reason(const char *err, size_t cap)
{
    REQUIRE(fits(err, cap));
    REQUIRE(err[0] != 0);
    for (const char *p = err; *p; p++)
        REQUIRE(*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\');
}

static void check_parsed(const cw_sdp *s)
{
    REQUIRE(s->nmedia <= CW_SDP_MAX_MEDIA);
    for (size_t i = 0; i < s->nmedia; i++) {
        const cw_sdp_media *m = &s->media[i];
        REQUIRE(fits(m->type, sizeof m->type) && m->type[0]);
        REQUIRE(fits(m->proto, sizeof m->proto) && m->proto[0]);
        REQUIRE(fits(m->fmt_raw, sizeof m->fmt_raw) && m->fmt_raw[0]);
        REQUIRE(fits(m->addr, sizeof m->addr));
        REQUIRE(m->nformats <= CW_SDP_MAX_FORMATS);
        REQUIRE(m->dir >= CW_SDP_SENDRECV && m->dir <= CW_SDP_INACTIVE);
        if (m->addr[0]) {
            unsigned char bin[16];
            REQUIRE(m->family == AF_INET || m->family == AF_INET6);
            REQUIRE(inet_pton(m->family, m->addr, bin) == 1);
        } else {
            REQUIRE(m->family == 0);
        }
        for (size_t k = 0; k < m->nformats; k++) {
            const cw_sdp_format *f = &m->formats[k];
            REQUIRE(f->pt <= 127);
            REQUIRE(fits(f->name, sizeof f->name));
            REQUIRE(f->channels >= 1);
        }
        /* nothing that could end or split a line of our answer */
        REQUIRE(strpbrk(m->type, " \r\n") == NULL && strpbrk(m->proto, " \r\n") == NULL);
        REQUIRE(strpbrk(m->fmt_raw, "\r\n") == NULL);
    }
}

static void check_choice(const cw_sdp *offer, const cw_sdp_choice *ch)
{
    REQUIRE(ch->media_index >= 0 && (size_t)ch->media_index < offer->nmedia);
    const cw_sdp_media *m = &offer->media[ch->media_index];
    REQUIRE(strcmp(m->type, "audio") == 0 && strcmp(m->proto, ch->proto) == 0);
    /* plain RTP only over RTP/AVP; SRTP over RTP/SAVP, or RTP/AVP with a key */
    REQUIRE(ch->srtp ? strcmp(m->proto, "RTP/SAVP") == 0 || strcmp(m->proto, "RTP/AVP") == 0
                     : strcmp(m->proto, "RTP/AVP") == 0);
    REQUIRE(!ch->srtp || (m->ncrypto > 0 && cw_srtp_suite_available(ch->remote_crypto.suite)));
    REQUIRE(m->port != 0 && ch->remote_port == m->port);
    REQUIRE(ch->codec == CW_CODEC_PCMU || ch->codec == CW_CODEC_PCMA);
    REQUIRE(ch->te_pt >= -1 && ch->te_pt <= 127 && ch->te_pt != (int)ch->codec);
    REQUIRE(ch->ptime >= 10 && ch->ptime <= 60 && ch->ptime % 10 == 0);
    REQUIRE(ch->remote_addr[0] && strcmp(ch->remote_addr, m->addr) == 0);
    REQUIRE(ch->remote_family == m->family);
    REQUIRE(ch->hold == 0 || ch->hold == 1);
    /* on hold we never send */
    if (ch->hold && m->dir != CW_SDP_RECVONLY)
        REQUIRE(ch->dir == CW_SDP_RECVONLY || ch->dir == CW_SDP_INACTIVE);
}

/* Build the answer with local, parse it, and compare it with offer and choice. */
static void check_answer(const cw_sdp *offer, const cw_sdp_choice *ch, const cw_sdp_local *l)
{
    char buf[4096], err[256];
    int n = cw_sdp_build_answer(offer, ch, l, buf, sizeof buf);
    REQUIRE(n > 0 && (size_t)n < sizeof buf && strlen(buf) == (size_t)n);

    /* too small by one (no room for the NUL) fails, exactly enough works */
    char small[4096];
    REQUIRE(cw_sdp_build_answer(offer, ch, l, small, (size_t)n) == -1 && small[0] == 0);
    REQUIRE(cw_sdp_build_answer(offer, ch, l, small, (size_t)n + 1) == n);
    REQUIRE(memcmp(small, buf, (size_t)n + 1) == 0);

    cw_sdp ans;
    if (cw_sdp_parse(buf, (size_t)n, &ans, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_sdp: our answer does not parse: %s\n%s", err, buf);
        abort();
    }
    check_parsed(&ans);
    REQUIRE(ans.nmedia == offer->nmedia);
    REQUIRE(ans.origin_id == l->session_id && ans.origin_version == l->session_version);
    for (size_t i = 0; i < ans.nmedia; i++) {
        const cw_sdp_media *a = &ans.media[i], *o = &offer->media[i];
        if ((int)i == ch->media_index) {
            REQUIRE(a->port == l->port && a->dir == ch->dir && a->ptime == ch->ptime);
            REQUIRE(a->family == l->family && strcmp(a->proto, ch->proto) == 0);
            /* an SRTP answer carries our one key, read back as written */
            REQUIRE(a->ncrypto == (ch->srtp ? 1u : 0u));
            REQUIRE(!ch->srtp || (a->crypto[0].tag == l->crypto[0].tag &&
                                  memcmp(a->crypto[0].key, l->crypto[0].key,
                                         l->crypto[0].key_len) == 0));
        } else {
            REQUIRE(a->port == 0);
            REQUIRE(strcmp(a->type, o->type) == 0 && strcmp(a->proto, o->proto) == 0);
            REQUIRE(strcmp(a->fmt_raw, o->fmt_raw) == 0);
        }
    }

    /* our answer read as an offer: the same stream, codec and events */
    cw_sdp_choice back;
    if (cw_sdp_negotiate_srtp(&ans, ch->srtp ? CW_SRTP_REQUIRED : CW_SRTP_OFF, &back, err,
                              sizeof err) != 0) {
        fprintf(stderr, "fuzz_sdp: our answer does not negotiate: %s\n%s", err, buf);
        abort();
    }
    check_choice(&ans, &back);
    REQUIRE(back.media_index == ch->media_index && back.codec == ch->codec);
    REQUIRE(back.te_pt == ch->te_pt && back.ptime == ch->ptime);
    REQUIRE(back.remote_port == l->port && back.srtp == ch->srtp);
    cw_sdes_wipe(&back.remote_crypto);
    cw_sdp_wipe(&ans);
}

/* Our offer for l: any cap too small fails and empties buf, cap 0 does not touch it;
 * the offer parses and, read by ourselves, negotiates to what cw_sdp_build_offer
 * promises (PCMU first, telephone-event 101, 20 ms, sendrecv unless l is a hold
 * address). */
static void check_offer(const cw_sdp_local *l)
{
    char buf[1024], small[1024], err[256];
    int n = cw_sdp_build_offer(l, buf, sizeof buf);
    REQUIRE(n > 0 && (size_t)n < sizeof buf && strlen(buf) == (size_t)n);
    small[0] = 'x';
    REQUIRE(cw_sdp_build_offer(l, small, 0) == -1 && small[0] == 'x');
    size_t caps[] = { 1, (size_t)n / 2, (size_t)n };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        REQUIRE(cw_sdp_build_offer(l, small, caps[i]) == -1 && small[0] == 0);
    REQUIRE(cw_sdp_build_offer(l, small, (size_t)n + 1) == n);
    REQUIRE(memcmp(small, buf, (size_t)n + 1) == 0);

    cw_sdp off;
    if (cw_sdp_parse(buf, (size_t)n, &off, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_sdp: our offer does not parse: %s\n%s", err, buf);
        abort();
    }
    check_parsed(&off);
    REQUIRE(off.nmedia == 1 && off.media[0].port == l->port);
    REQUIRE(off.origin_id == l->session_id && off.origin_version == l->session_version);
    REQUIRE(off.media[0].family == l->family && off.media[0].ptime == 20);
    REQUIRE(off.media[0].dir == CW_SDP_SENDRECV);

    cw_sdp_choice ch;
    int rc = cw_sdp_negotiate(&off, &ch, err, sizeof err);
    if (l->port == 0) {   /* a disabled stream: nothing to take part in */
        REQUIRE(rc == -1 && strstr(err, "no audio stream") != NULL);
        return;
    }
    if (rc != 0) {
        fprintf(stderr, "fuzz_sdp: our offer does not negotiate: %s\n%s", err, buf);
        abort();
    }
    check_choice(&off, &ch);
    REQUIRE(ch.codec == CW_CODEC_PCMU && ch.te_pt == 101 && ch.ptime == 20);
    int hold = strcmp(off.media[0].addr, "0.0.0.0") == 0 || strcmp(off.media[0].addr, "::") == 0;
    REQUIRE(ch.hold == hold);
    REQUIRE(ch.dir == (hold ? CW_SDP_RECVONLY : CW_SDP_SENDRECV));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cw_sdp offer, again;
    char err[256], err2[256];
    memset(err, 'x', sizeof err);

    int rc = cw_sdp_parse((const char *)data, size, &offer, err, sizeof err);
    int rc2 = cw_sdp_parse((const char *)data, size, &again, err2, sizeof err2);
    REQUIRE(rc == rc2 && memcmp(&offer, &again, sizeof offer) == 0);
    if (rc != 0) {
        check_reason(err, sizeof err);
        REQUIRE(strcmp(err, err2) == 0);
        REQUIRE(offer.nmedia == 0);
        return 0;
    }
    REQUIRE(size <= CW_SDP_MAX_LEN);
    check_parsed(&offer);

    /* our offer, from the addresses, ports and ids the input carried */
    for (size_t i = 0; i < offer.nmedia; i++) {
        const cw_sdp_media *m = &offer.media[i];
        if (!m->addr[0])
            continue;
        cw_sdp_local l = { m->family, m->addr, m->port, offer.origin_id,
                           offer.origin_version, NULL, 0, NULL };
        check_offer(&l);
    }

    cw_sdp_choice ch;
    if (cw_sdp_negotiate(&offer, &ch, err, sizeof err) != 0) {
        check_reason(err, sizeof err);
        REQUIRE(ch.media_index == -1);
        return 0;
    }
    check_choice(&offer, &ch);

    cw_sdp_local v4 = { AF_INET, "192.0.2.10", 40000, 1, 2, NULL, 0, NULL };
    cw_sdp_local v6 = { AF_INET6, "2001:db8::10", 65535, UINT64_MAX, 0, NULL, 0, NULL };
    check_answer(&offer, &ch, &v4);
    check_answer(&offer, &ch, &v6);
    check_offer(&v4);
    check_offer(&v6);
    /* answering from the peer's own address and port: any literal the parser took */
    cw_sdp_local mirror = { ch.remote_family, ch.remote_addr, ch.remote_port,
                            offer.origin_id, offer.origin_version, NULL, 0, NULL };
    check_answer(&offer, &ch, &mirror);

    /* the same offer for a tenant that wants SRTP: an SRTP choice is answered with a
     * key of ours under the offer's tag, and that answer reads back */
    cw_sdp_choice sch;
    if (cw_sdp_negotiate_srtp(&offer, CW_SRTP_REQUIRED, &sch, err, sizeof err) != 0) {
        check_reason(err, sizeof err);
        REQUIRE(sch.media_index == -1);
    } else {
        check_choice(&offer, &sch);
        REQUIRE(sch.srtp == 1 && sch.remote_crypto.key_len == cw_srtp_key_len(sch.remote_crypto.suite));
        cw_sdes_crypto mine;
        REQUIRE(cw_sdes_new_key(&mine, sch.remote_crypto.suite, sch.remote_crypto.tag) == 0);
        v4.crypto = &mine;
        v4.ncrypto = 1;
        check_answer(&offer, &sch, &v4);
        cw_sdes_wipe(&mine);
        cw_sdes_wipe(&sch.remote_crypto);
    }
    cw_sdp_wipe(&offer);
    return 0;
}
