/* bridge.c  G9 by a bridged INVITE: our own call to the human, with the media relayed
 * through us (a B2BUA, as FreeSWITCH's bridge or Twilio's <Dial>).
 *
 * After the handover notice the core INVITEs the target from the caller's number, with
 * an offer of its own (a second RTP port) and the consent headers. While the human's
 * phone rings the caller hears nothing new; the policy's (or the flow's) timeout
 * CANCELs it. Once the human answers, HANDED_OVER goes to the ledger and each leg's
 * decoded audio is queued on the other leg's stream, which sends it on the media clock
 * (cw_relay): the caller's audio reaches the human as in any phone call, and it is not
 * kept by this, so the relay is not behind the consent gate; the recorder still is. A
 * recording in progress ends at the handover unless the policy says the consent carries
 * over. The caller's keys keep working during the bridge: the withdraw key withdraws
 * (G5), and its confirmation is heard over the relayed audio.
 *
 * call:transfer() resumes when the bridge ends: true once the human hung up (the caller
 * is still with the flow), nil and the reason when the human never answered. The caller
 * hanging up ends the bridged leg too (CANCEL or BYE).
 *
 * Ownership: the call owns its one bridge. Its RTP sockets and its SIP dialog each pin
 * the call until they are closed, so the bridge is freed with the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

enum { BRIDGE_INVITING = 1, BRIDGE_UP, BRIDGE_DONE };

struct cw_bridge {
    cw_call *call;
    void *sig_handle;               /* the SIP side's dialog with the human */
    int state;
    int signaling_alive;            /* the dialog pins the call until it is over */
    int media_open;                 /* the sockets pin the call until they are closed */
    uint16_t rtp_port;
    cw_udp_media udp;
    cw_media_io *io;                    /* &udp.io, or the scenario runner's channel */
    cw_stream stream;               /* our side of the human's leg */
    cw_relay to_human, to_caller;
    unsigned timeout_s;
    int timed_out;
    uint64_t answered_ns;
    char local_sdp[1024];
};

static void log_bridge(cw_call *c, const char *what)
{
    cw_log(CW_LOG_INFO, "call", "call=%llu bridge %s", (unsigned long long)c->id, what);
}

static void udp_closed(cw_udp_media *um)
{
    cw_bridge *b = (cw_bridge *)((char *)um - offsetof(cw_bridge, udp));
    cw_port_pool_give(&b->call->rt->ports, b->rtp_port);
    cw_call_unpin(b->call);
}

/* Stop the bridge's media: off the clock, nothing relayed any more, sockets closing. */
static void stop_media(cw_bridge *b)
{
    cw_call *c = b->call;
    cw_media_clock_remove(&c->rt->clock, &b->stream);
    b->stream.relay = NULL;
    if (c->stream.relay == &b->to_caller)
        c->stream.relay = NULL;
    if (b->media_open) {
        b->media_open = 0;
        if (c->rt->sim) {
            if (b->io)
                b->io->close(b->io);
            b->io = NULL;
            cw_port_pool_give(&c->rt->ports, b->rtp_port);
        } else {
            c->pending_handles++;
            cw_udp_media_close(&b->udp, udp_closed);
        }
    }
}

static void finish(cw_bridge *b, int human_spoke, const char *why)
{
    cw_call *c = b->call;
    int was = b->state;
    b->state = BRIDGE_DONE;
    stop_media(b);
    if (was == BRIDGE_UP) {
        char line[256];
        snprintf(line, sizeof line, "ended reason=%s seconds=%.1f relayed_to_human=%llu "
                 "relayed_to_caller=%llu dropped=%llu", why,
                 (double)(uv_hrtime() - b->answered_ns) / 1e9,
                 (unsigned long long)b->to_human.frames_sent,
                 (unsigned long long)b->to_caller.frames_sent,
                 (unsigned long long)(b->to_human.frames_dropped +
                                      b->to_caller.frames_dropped));
        log_bridge(c, line);
    } else {
        char line[192];
        snprintf(line, sizeof line, "failed reason=\"%s\"", why);
        log_bridge(c, line);
    }
    if (c->state == CW_CALL_ANSWERED && c->flow.v)
        cw_flow_wake_bool(&c->flow, human_spoke, human_spoke ? NULL : why);
}

static void ring_timeout(cw_call *c)
{
    cw_bridge *b = c->bridge;
    if (!b || b->state != BRIDGE_INVITING)
        return;
    b->timed_out = 1;
    c->sig->bridge_hangup(c, 0);       /* CANCEL: the 487 that follows ends the attempt */
}

static void ignore_digit(void *owner, const cw_dtmf_digit *d, const char *method)
{
    (void)owner;
    (void)d;
    (void)method;                      /* the human's keys are not the caller's answers */
}

static void to_caller(void *owner, const int16_t *pcm, size_t n)
{
    cw_bridge *b = owner;
    if (b->state == BRIDGE_UP)
        cw_stream_relay_push(&b->call->stream, pcm, n);
}

static const cw_stream_events human_events = {
    .digit = ignore_digit,
    .inbound_frame = to_caller,
};

/* The bridge (or a new one) for c; a previous one must be over. */
static cw_bridge *bridge_for(cw_call *c, char *err, size_t errlen)
{
    cw_bridge *b = c->bridge;
    if (b && (b->state != BRIDGE_DONE || b->signaling_alive || b->media_open)) {
        snprintf(err, errlen, "G9: a bridged handover of this call is still in progress");
        return NULL;
    }
    if (!b && !(b = malloc(sizeof *b))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memset(b, 0, sizeof *b);
    b->call = c;
    c->bridge = b;
    return b;
}

int cw_bridge_start(cw_call *c, const char *target, const cw_header *h, size_t nh,
                    unsigned timeout_s, char *err, size_t errlen)
{
    if (!c->sig->bridge_invite) {
        snprintf(err, errlen, "G9: bridged transfers are not supported here");
        return -1;
    }
    if (strncmp(target, "sip:", 4) != 0 && strncmp(target, "sips:", 5) != 0) {
        snprintf(err, errlen, "G9: a bridged transfer needs a sip: or sips: target");
        return -1;
    }
    cw_bridge *b = bridge_for(c, err, errlen);
    if (!b)
        return -1;
    cw_runtime *rt = c->rt;
    b->timeout_s = timeout_s ? timeout_s : 30;
    b->rtp_port = cw_port_pool_take(&rt->ports);
    if (b->rtp_port == 0) {
        b->state = BRIDGE_DONE;
        snprintf(err, errlen, "G9: no free RTP port for the bridged leg");
        return -1;
    }
    char why[256];
    b->media_open = 1;
    if (rt->sim) {
        b->io = rt->sim->media_open ? rt->sim->media_open(rt->sim->ud, c, 1) : NULL;
        if (!b->io) {
            b->state = BRIDGE_DONE;
            stop_media(b);
            snprintf(err, errlen, "G9: no simulated media channel for the bridged leg");
            return -1;
        }
    } else if (cw_udp_media_open(&b->udp, rt->loop, rt->media_addr, b->rtp_port, &b->stream,
                                 why, sizeof why) != 0) {
        b->state = BRIDGE_DONE;
        stop_media(b);
        snprintf(err, errlen, "G9: %s", why);
        return -1;
    }
    /* the caller's codec, until the human's answer says which one it takes */
    if (!rt->sim)
        b->io = &b->udp.io;
    cw_stream_init(&b->stream, b, &human_events, b->io, c->choice.codec,
                   c->choice.codec_pt, -1, NULL, NULL, cw_call_random(c),
                   (uint16_t)cw_call_random(c));
    cw_sdp_local local = {
        .family = rt->media_family, .addr = rt->media_addr, .port = b->rtp_port,
        .session_id = c->id + 500000, .session_version = 1,
    };
    if (cw_sdp_build_offer(&local, b->local_sdp, sizeof b->local_sdp) < 0) {
        b->state = BRIDGE_DONE;
        stop_media(b);
        snprintf(err, errlen, "G9: the offer does not fit");
        return -1;
    }
    const char *from = c->cli_withheld || !c->caller[0] ? "anonymous" : c->caller;
    if (c->sig->bridge_invite(c, &b->sig_handle, target, from, b->local_sdp, h, nh, err,
                              errlen) != 0) {
        b->state = BRIDGE_DONE;
        stop_media(b);
        return -1;
    }
    b->state = BRIDGE_INVITING;
    b->signaling_alive = 1;
    c->pending_handles++;              /* until the dialog with the human is over */
    cw_call_timer_start(c, ring_timeout, (uint64_t)b->timeout_s * 1000);
    return 0;
}

/* The human answered with sdp: relay both ways from now on. */
static void answered(cw_call *c, cw_bridge *b, const char *sdp, size_t len)
{
    char reason[256];
    cw_sdp answer;
    cw_sdp_choice ch;
    struct sockaddr_storage rtp, rtcp;
    if (!sdp || len == 0 ||
        cw_call_negotiate(c, sdp, len, &answer, &ch, reason, sizeof reason) != 0 || ch.hold ||
        cw_sockaddr_from(ch.remote_addr, ch.remote_port, &rtp) != 0 ||
        cw_sockaddr_from(ch.remote_addr, (uint16_t)(ch.remote_port + 1), &rtcp) != 0) {
        if (!sdp || len == 0)
            snprintf(reason, sizeof reason, "no SDP in the answer");
        c->sig->bridge_hangup(c, 1);   /* BYE: the answer cannot carry audio */
        char why[300];
        snprintf(why, sizeof why, "the human's answer is unusable: %s", reason);
        finish(b, 0, why);
        return;
    }
    cw_call_timer_stop(c);
    cw_stream_update(&b->stream, ch.codec, ch.codec_pt, ch.te_pt, (struct sockaddr *)&rtp,
                     (struct sockaddr *)&rtcp, ch.dir == CW_SDP_SENDRECV ||
                                               ch.dir == CW_SDP_SENDONLY);
    b->state = BRIDGE_UP;
    b->answered_ns = uv_hrtime();
    b->stream.relay = &b->to_human;
    c->stream.relay = &b->to_caller;
    cw_media_clock_add(&c->rt->clock, &b->stream);
    const cw_policy *p = cw_call_policy(c);
    if (c->rec && !(p && p->handover_carries_over)) {
        /* the consent does not reach the conversation with the human */
        cw_recorder_finish(c, 1);
    }
    char line[96];
    snprintf(line, sizeof line, "up codec=%s", cw_codec_name(ch.codec));
    log_bridge(c, line);
    cw_handover_accepted(c);
}

void cw_call_bridge_response(cw_call *c, int status, const char *phrase, const char *sdp,
                             size_t sdp_len)
{
    cw_bridge *b = c->bridge;
    if (!b || b->state != BRIDGE_INVITING)
        return;
    if (status < 200) {
        if (status == 180 || status == 183)
            log_bridge(c, "ringing");
        return;
    }
    if (status < 300) {
        answered(c, b, sdp, sdp_len);
        return;
    }
    cw_call_timer_stop(c);
    char why[160];
    if (b->timed_out)
        snprintf(why, sizeof why, "no answer within %u s", b->timeout_s);
    else
        snprintf(why, sizeof why, "%d %s", status, phrase ? phrase : "");
    c->handing_over = 0;
    finish(b, 0, why);
}

void cw_call_bridge_remote_end(cw_call *c, const char *reason)
{
    cw_bridge *b = c->bridge;
    if (!b || b->state == BRIDGE_DONE)
        return;
    if (b->state == BRIDGE_INVITING) {
        cw_call_timer_stop(c);
        c->handing_over = 0;
        finish(b, 0, reason);
        return;
    }
    finish(b, 1, reason);              /* the human hung up: back to the flow */
}

void cw_call_bridge_signaling_ended(cw_call *c)
{
    cw_bridge *b = c->bridge;
    if (!b || !b->signaling_alive)
        return;
    cw_call_bridge_remote_end(c, "terminated");
    b->signaling_alive = 0;
    if (c->sig->bridge_release)
        c->sig->bridge_release(c);
    b->sig_handle = NULL;
    cw_call_unpin(c);
}

void *cw_call_bridge_handle(const cw_call *c)
{
    return c->bridge ? c->bridge->sig_handle : NULL;
}

void cw_bridge_call_ended(cw_call *c)
{
    cw_bridge *b = c->bridge;
    if (!b || b->state == BRIDGE_DONE)
        return;
    if (b->signaling_alive)
        c->sig->bridge_hangup(c, b->state == BRIDGE_UP);   /* BYE, or CANCEL */
    b->state = BRIDGE_DONE;
    stop_media(b);
    log_bridge(c, "ended reason=caller-gone");
}

void cw_bridge_free(cw_call *c)
{
    free(c->bridge);
    c->bridge = NULL;
}

void cw_bridge_caller_frame(cw_call *c, const int16_t *pcm, size_t n)
{
    cw_bridge *b = c->bridge;
    if (b && b->state == BRIDGE_UP)
        cw_stream_relay_push(&b->stream, pcm, n);
}

int cw_bridge_pins(const cw_call *c)
{
    return c->bridge && c->bridge->signaling_alive ? 1 : 0;
}
