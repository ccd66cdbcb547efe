/* channel.c  The simulated line between the virtual caller and the real call core.
 *
 * The core sees what it sees from a SIP stack and an RTP socket: an INVITE with an SDP
 * offer, RTP audio every 20 ms carrying the caller's signed frames, RFC 4733 events
 * when the caller presses a key, BYE when they hang up, answers to its REFER and to its
 * INVITE of a human. What comes back (its RTP, its signalling) is written into the
 * call's trace: audio is named by its bytes (prompt_index.c), never by asking the core
 * what it meant to play (heard.c). The caller's own frames and keys are caller.c's;
 * what the line cannot show comes from the core's hooks (hooks.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "sim_int.h"

uint64_t sim_seq(sim_call *sc)
{
    /* over a real line the consent's states come later, from the ledger's times: order
     * everything by time there, so that they fall into place */
    uint64_t s = sc->run->over_sip ? sc->run->now * 16 : 0;
    if (s <= sc->tr.next_seq)
        s = sc->tr.next_seq + 1;
    return sc->tr.next_seq = s;
}

sim_call *sim_call_of(cw_call *c)
{
    return c->sig_handle;
}
static int line_send(cw_media_io *io, const uint8_t *pkt, size_t len, const struct sockaddr *to)
{
    (void)to;
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, io));
    cw_rtp_packet p;
    if (cw_rtp_parse(pkt, len, &p) != 0)
        return 0;
    /* a prompt started between two periods sends its first frame at once, so two
     * frames can share a period */
    if (p.pt == sc->audio_pt && p.payload_len == CW_FRAME_SAMPLES)
        sim_heard_frame(sc, p.payload, sc->run->now <= sc->last_out + CW_FRAME_MS, 0);
    return 0;
}

static void line_close(cw_media_io *io)
{
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, io));
    sc->media_up = 0;
}

static int human_send(cw_media_io *io, const uint8_t *pkt, size_t len,
                      const struct sockaddr *to)
{
    (void)io, (void)pkt, (void)len, (void)to;  /* the human hears the caller: not traced */
    return 0;
}

static void human_close(cw_media_io *io)
{
    sim_call *sc = (sim_call *)((char *)io - offsetof(sim_call, human_io));
    sc->human_media_up = 0;
}
/* ---- signalling ------------------------------------------------------------------- */

void sim_ended(sim_call *sc, const char *by, const char *reason)
{
    if (sc->ended)
        return;
    sc->ended = 1;
    sc->tr.t_end = sc->run->now;
    snprintf(sc->tr.ended_by, sizeof sc->tr.ended_by, "%s", by);
    snprintf(sc->tr.end_reason, sizeof sc->tr.end_reason, "%s", reason);
    sim_heard_close(sc);
}

static void sig_ringing(cw_call *c)
{
    (void)c;
}

static void sig_answer(cw_call *c, const char *sdp)
{
    (void)sdp;
    sim_call *sc = sim_call_of(c);
    if (sc->answered)
        return;                        /* a re-INVITE's answer */
    sc->answered = 1;
    sc->tr.answered = 1;
    sc->tr.t_answer = sc->run->now;
    /* what our answer chose, as a phone learns it from the SDP */
    sc->codec = c->choice.codec;
    sc->audio_pt = c->choice.codec_pt;
    sc->te_pt = c->choice.te_pt >= 0 ? c->choice.te_pt : SIM_TE_PT_DEFAULT;
}

static void sig_reject(cw_call *c, int status, const char *phrase, const char *warning,
                       unsigned retry_after)
{
    (void)retry_after;
    sim_call *sc = sim_call_of(c);
    if (sc->answered)
        return;                        /* a failed re-INVITE: the call goes on */
    sc->tr.rejected = status;
    char why[64];
    snprintf(why, sizeof why, "%d %s%s%.30s", status, phrase, warning[0] ? ": " : "", warning);
    sim_ended(sc, "callwarden", why);
    sc->sig_end_pending = 1;
}

static void sig_bye(cw_call *c)
{
    sim_call *sc = sim_call_of(c);
    sim_ended(sc, "callwarden", c->end_reason);
    sc->sig_end_pending = 1;
}

void sim_record_transfer(sim_call *sc, const char *target, const char *mode,
                         const cw_header *h, size_t nh)
{
    cw_trace_transfer *x = cw_trace_push((void **)&sc->tr.transfers, &sc->tr.ntransfers,
                                         &sc->tr.captransfers, sizeof *x);
    if (!x)
        return;
    x->t = sc->run->now;
    x->seq = sim_seq(sc);
    snprintf(x->target, sizeof x->target, "%s", target);
    snprintf(x->mode, sizeof x->mode, "%s", mode);
    for (size_t i = 0; i < nh && x->nheaders < 20; i++, x->nheaders++) {
        snprintf(x->headers[x->nheaders].name, sizeof x->headers[0].name, "%s", h[i].name);
        snprintf(x->headers[x->nheaders].value, sizeof x->headers[0].value, "%s", h[i].value);
    }
}

static int sig_refer(cw_call *c, const char *target, const cw_header *h, size_t nh,
                     char *err, size_t errlen)
{
    (void)err, (void)errlen;
    sim_call *sc = sim_call_of(c);
    sim_record_transfer(sc, target, "refer", h, nh);
    sc->refer_result_at = sc->run->now + 100;  /* the phone answers the REFER */
    return 0;
}

static void sig_release(cw_call *c)
{
    sim_call *sc = sim_call_of(c);
    sc->c = NULL;
    sc->freed = 1;
}

static int sig_bridge_invite(cw_call *c, void **handle, const char *target,
                             const char *from_user, const char *sdp, const cw_header *h,
                             size_t nh, char *err, size_t errlen)
{
    (void)from_user, (void)sdp, (void)err, (void)errlen;
    sim_call *sc = sim_call_of(c);
    *handle = sc;
    sim_record_transfer(sc, target, "bridge", h, nh);
    sc->human_answer_at = sc->run->now + sc->human_ring_ms;
    return 0;
}

static void sig_bridge_hangup(cw_call *c, int answered)
{
    (void)answered;
    sim_call *sc = sim_call_of(c);
    sc->human_answer_at = sc->human_bye_at = 0;
    cw_call_bridge_signaling_ended(c);
}

static void sig_bridge_release(cw_call *c)
{
    (void)c;
}

const cw_signaling sim_signaling = {
    .ringing = sig_ringing,
    .answer = sig_answer,
    .reject = sig_reject,
    .bye = sig_bye,
    .refer = sig_refer,
    .release = sig_release,
    .bridge_invite = sig_bridge_invite,
    .bridge_hangup = sig_bridge_hangup,
    .bridge_release = sig_bridge_release,
};

/* The human's answer to the bridged INVITE: a plain PCMU answer on loopback. */
static const char human_sdp[] =
    "v=0\r\no=human 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";

uint64_t sim_line_next(const sim_call *sc)
{
    uint64_t t = UINT64_MAX;
    if (sc->refer_result_at && sc->refer_result_at < t)
        t = sc->refer_result_at;
    if (sc->human_answer_at && sc->human_answer_at < t)
        t = sc->human_answer_at;
    if (sc->human_bye_at && sc->human_bye_at < t)
        t = sc->human_bye_at;
    return t;
}

void sim_line_due(sim_call *sc)
{
    uint64_t now = sc->run->now;
    if (sc->sig_end_pending && sc->c) {
        sc->sig_end_pending = 0;
        cw_call_signaling_ended(sc->c);
    }
    if (!sc->c)
        return;
    cw_call *c = sc->c;
    if (sc->refer_result_at && sc->refer_result_at <= now) {
        sc->refer_result_at = 0;
        int st = sc->transfer_answer;
        if (st >= 200 && st < 300 && sc->tr.ntransfers)
            sc->tr.transfers[sc->tr.ntransfers - 1].accepted = 1;
        cw_call_refer_result(c, st, st < 300 ? "Accepted" : "Declined");
    }
    if (sc->human_answer_at && sc->human_answer_at <= now) {
        sc->human_answer_at = 0;
        if (sc->human_answers) {
            if (sc->tr.ntransfers)
                sc->tr.transfers[sc->tr.ntransfers - 1].accepted = 1;
            sc->human_bye_at = now + sc->human_talk_ms;
            cw_call_bridge_response(c, 200, "OK", human_sdp, strlen(human_sdp));
        } else {
            cw_call_bridge_response(c, 486, "Busy Here", NULL, 0);
            cw_call_bridge_signaling_ended(c);
        }
    }
    if (sc->c && sc->human_bye_at && sc->human_bye_at <= now) {
        sc->human_bye_at = 0;
        cw_call_bridge_remote_end(c, "bye");
        cw_call_bridge_signaling_ended(c);
    }
}

/* ---- the caller dials and hangs up ---------------------------------------------- */

static const char offer_fmt[] =
    "v=0\r\no=caller %u 1 IN IP4 127.0.0.1\r\ns=callwarden test\r\nc=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\nm=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";

sim_call *sim_dial(sim_run *r, const char *from, const char *to, uint64_t seed)
{
    sim_call *sc = calloc(1, sizeof *sc);
    if (!sc)
        return NULL;
    sc->run = r;
    sc->seed = seed;
    sc->no = ++r->ncalls;
    sc->next = r->calls;
    r->calls = sc;
    sc->live_next = r->live;
    r->live = sc;
    snprintf(sc->from, sizeof sc->from, "%s", from);
    snprintf(sc->to, sizeof sc->to, "%s", to);
    sc->io.send = line_send;
    sc->io.close = line_close;
    sc->human_io.send = human_send;
    sc->human_io.close = human_close;
    sc->ssrc = 0x5ca1ab1e ^ sc->no;
    sc->seq = (uint16_t)(sc->no * 1000);
    sc->transfer_answer = 202;
    sc->human_answers = 1;
    sc->human_ring_ms = 1000;
    sc->human_talk_ms = 3000;
    uint16_t port = (uint16_t)(20000 + 2 * (sc->no % 10000));
    cw_sockaddr_from("127.0.0.1", port, &sc->addr);
    snprintf(sc->tr.call_id, sizeof sc->tr.call_id, "scenario-%u-%llu@callwarden.test",
             sc->no, (unsigned long long)r->seed);
    sc->tr.t_invite = r->now;
    snprintf(sc->tr.tenant, sizeof sc->tr.tenant, "%s", to);
    if (r->sip) {
        /* a real line: our own RTP socket, the runtime's SIP */
        if (sim_line_dial(sc, offer_fmt) != 0) {
            sim_ended(sc, "caller", "cannot dial");
            sc->freed = 1;
        }
        return sc;
    }
    char sdp[512];
    int n = snprintf(sdp, sizeof sdp, offer_fmt, sc->no, port);
    cw_call_params p = { .user = to, .caller = from, .call_id = sc->tr.call_id, .sdp = sdp,
                         .sdp_len = (size_t)n };
    sc->c = cw_call_incoming(&r->rt, &sim_signaling, sc, &p);
    if (!sc->c) {
        sim_ended(sc, "callwarden", "out of memory");
        sc->freed = 1;
        return sc;
    }
    snprintf(sc->tr.tenant, sizeof sc->tr.tenant, "%s", sc->c->tenant);
    return sc;
}

void sim_hangup(sim_call *sc)
{
    if (sc->run->sip) {
        if (!sc->ended) {
            sim_ended(sc, "caller", "bye");
            sim_line_hangup(sc);
        }
        return;
    }
    if (sc->ended || !sc->c)
        return;
    sim_ended(sc, "caller", "bye");
    cw_call_remote_end(sc->c, "bye");
    sc->sig_end_pending = 1;
}

void sim_call_free(sim_call *sc)
{
    cw_trace_free(&sc->tr);
    free(sc);
}
