/* call.c  A call's life: from the INVITE to the moment its last handle is closed.
 *
 * The call core decides; the SIP side only carries the decision. An INVITE is checked
 * here (draining, call limit, RTP ports, our own SDP parser) and either rejected with a
 * clear status and reason, or becomes a call whose media is set up at once, so that the
 * answer's SDP names a port that already listens. Media stops the moment a call ends
 * (BYE, CANCEL, our hangup): the stream leaves the media clock before anything else.
 * The call is freed only when the SIP side said the dialog is over and every uv handle
 * of the call has been closed, in whichever order those happen.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

static const cw_stream_events stream_events;

static void maybe_free(cw_call *c)
{
    if (!c->signaling_done || c->pending_handles > 0 || c->state != CW_CALL_CLOSING)
        return;
    cw_runtime *rt = c->rt;
    if (c->sig && c->sig->release)
        c->sig->release(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        rt->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    rt->ncalls--;
    cw_bridge_free(c);
    cw_evidence_drop(c);
    if (c->flow.v)
        cw_flow_free(&c->flow);        /* releases the version */
    else if (c->version)
        cw_flow_version_release(&rt->tenants, c->version);
    cw_log(CW_LOG_DEBUG, "call", "call=%llu freed", (unsigned long long)c->id);
    free(c);
    cw_runtime_call_freed(rt);
}

const cw_flow_version *cw_call_version(const cw_call *c)
{
    return c->flow.v ? c->flow.v : c->version;
}

const cw_policy *cw_call_policy(const cw_call *c)
{
    const cw_flow_version *v = cw_call_version(c);
    return v ? v->policy : NULL;
}

uint32_t cw_call_random(cw_call *c)
{
    /* xorshift64* */
    uint64_t x = c->rand_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rand_state = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

int cw_call_jobs_in_flight(const cw_call *c)
{
    return c->pending_handles - cw_bridge_pins(c) + (c->ai_job != NULL);
}

void cw_call_unpin(cw_call *c)
{
    c->pending_handles--;
    maybe_free(c);
}

static void handle_closed(uv_handle_t *h)
{
    cw_call *c = h->data;
    c->pending_handles--;
    maybe_free(c);
}

static void udp_closed(cw_udp_media *um)
{
    cw_call *c = (cw_call *)((char *)um - offsetof(cw_call, udp));
    cw_port_pool_give(&c->rt->ports, c->rtp_port);
    c->pending_handles--;
    maybe_free(c);
}

/* Stop everything the call does now; the struct lives on until maybe_free. */
static void stop_media(cw_call *c)
{
    cw_media_clock_remove(&c->rt->clock, &c->stream);
    cw_bridge_call_ended(c);           /* the human's leg goes with the caller's */
    if (c->consent != CW_CONSENT_COMMITTING)
        cw_evidence_drop(c);           /* an answer not given is not kept */
    cw_recorder_finish(c, 1);          /* what was recorded with consent is kept */
    c->stream.playing = NULL;
    c->play_cb = NULL;
    c->gather_cb = NULL;
    cw_tts_cancel(&c->tts_wait);
    cw_call_timer_stop(c);
    if (c->media_open) {
        c->media_open = 0;
        cw_runtime *rt = c->rt;
        rt->stats.rtp_sent += c->stream.stats.rtp_sent;
        rt->stats.rtp_received += c->stream.stats.rtp_received;
        rt->stats.rtp_dropped += c->stream.stats.rtp_dropped;
        if (rt->sim) {
            c->media_io->close(c->media_io);
            cw_port_pool_give(&rt->ports, c->rtp_port);
        } else {
            c->pending_handles++;
            cw_udp_media_close(&c->udp, udp_closed);
        }
    } else if (c->rtp_port) {
        cw_port_pool_give(&c->rt->ports, c->rtp_port);
    }
}

/* Enter ENDING: media off, one log line with the call's figures. */
void cw_call_end(cw_call *c, const char *reason)
{
    if (c->state >= CW_CALL_ENDING)
        return;
    c->state = CW_CALL_ENDING;
    snprintf(c->end_reason, sizeof c->end_reason, "%s", reason);
    stop_media(c);
    c->rt->stats.calls_completed++;
    if (c->consent == CW_CONSENT_ASKING)
        cw_metrics_consent(&c->rt->metrics, c, CW_METRIC_DROPPED);   /* hung up on the question */
    cw_log(CW_LOG_INFO, "call",
           "call=%llu ended reason=%s rtp_sent=%llu rtp_received=%llu rtp_dropped=%llu "
           "digits=%llu ssrc_changes=%llu first_rtp_us=%lld",
           (unsigned long long)c->id, reason, (unsigned long long)c->stream.stats.rtp_sent,
           (unsigned long long)c->stream.stats.rtp_received,
           (unsigned long long)c->stream.stats.rtp_dropped,
           (unsigned long long)c->stream.stats.digits,
           (unsigned long long)c->stream.stats.ssrc_changes,
           c->stream.stats.first_sent_ns
               ? (long long)((c->stream.stats.first_sent_ns - c->t_invite) / 1000) : -1LL);
    if (c->flow.v)
        cw_flow_ended(&c->flow, reason);
    cw_ai_cancel(c, "call ended");      /* after the flow ended: nothing is woken */
    cw_listen_cancel(c, "call ended");
    cw_consent_speech_stop(c);
    free(c->speech_text);
    c->speech_text = NULL;
}

static void begin_closing(cw_call *c)
{
    if (c->state == CW_CALL_CLOSING)
        return;
    cw_call_end(c, c->end_reason[0] ? c->end_reason : "signaling");
    c->state = CW_CALL_CLOSING;
    if (!uv_is_closing((uv_handle_t *)&c->timer)) {
        c->pending_handles++;
        uv_close((uv_handle_t *)&c->timer, handle_closed);
    }
    maybe_free(c);
}

static void reject(cw_call *c, int status, const char *phrase, const char *warning,
                   unsigned retry_after)
{
    cw_log(CW_LOG_INFO, "call", "call=%llu rejected status=%d reason=\"%s\"",
           (unsigned long long)c->id, status, warning[0] ? warning : phrase);
    c->rt->stats.calls_rejected++;
    c->sig->reject(c, status, phrase, warning, retry_after);
    char why[sizeof c->end_reason];   /* not c->end_reason: cw_call_end copies into it */
    snprintf(why, sizeof why, "rejected-%d", status);
    cw_call_end(c, why);
}

/* Apply a negotiated choice to the stream (first time: set it up). */
static void apply_choice(cw_call *c, const cw_sdp_choice *ch, int first)
{
    struct sockaddr_storage rtp, rtcp;
    int have = ch->remote_addr[0] && !ch->hold &&
               cw_sockaddr_from(ch->remote_addr, ch->remote_port, &rtp) == 0 &&
               cw_sockaddr_from(ch->remote_addr, (uint16_t)(ch->remote_port + 1), &rtcp) == 0;
    int send = ch->dir == CW_SDP_SENDRECV || ch->dir == CW_SDP_SENDONLY;
    if (first) {
        uint32_t ssrc = cw_call_random(c);
        cw_stream_init(&c->stream, c, &stream_events, c->media_io, ch->codec, ch->codec_pt,
                       ch->te_pt,
                       have ? (struct sockaddr *)&rtp : NULL,
                       have ? (struct sockaddr *)&rtcp : NULL, ssrc, (uint16_t)cw_call_random(c));
        c->stream.send_enabled = send;
    } else {
        cw_stream_update(&c->stream, ch->codec, ch->codec_pt, ch->te_pt,
                         have ? (struct sockaddr *)&rtp : NULL,
                         have ? (struct sockaddr *)&rtcp : NULL, send);
    }
    c->choice = *ch;
}

static void build_local(cw_call *c, cw_sdp_local *l)
{
    memset(l, 0, sizeof *l);
    l->family = c->rt->media_family;
    l->addr = c->rt->media_addr;
    l->port = c->rtp_port;
    l->session_id = c->id + 1000;
    l->session_version = c->sdp_version++;
}

int cw_call_negotiate(cw_call *c, const char *sdp, size_t len, cw_sdp *offer,
                     cw_sdp_choice *ch, char *reason, size_t rlen)
{
    if (cw_sdp_parse(sdp, len, offer, reason, rlen) != 0)
        return -1;
    if (cw_sdp_negotiate(offer, ch, reason, rlen) != 0)
        return -1;
    if (ch->remote_family && ch->remote_family != c->rt->media_family && !ch->hold) {
        snprintf(reason, rlen, "media address family %s not served here",
                 ch->remote_family == AF_INET6 ? "IP6" : "IP4");
        return -1;
    }
    return 0;
}

static cw_call *call_new(cw_runtime *rt, const cw_signaling *sig, void *sig_handle,
                         const char *tenant)
{
    cw_call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->rt = rt;
    c->id = ++rt->next_call_id;
    c->sig = sig;
    c->sig_handle = sig_handle;
    c->t_invite = uv_hrtime();
    c->sdp_version = 1;
    c->rand_state = rt->sim && rt->sim->call_seed
                        ? rt->sim->call_seed(rt->sim->ud, c)
                        : ((uint64_t)random() << 31) ^ (uint64_t)random() ^ c->id;
    if (c->rand_state == 0)
        c->rand_state = 0x9e3779b97f4a7c15ull;
    snprintf(c->terminators, sizeof c->terminators, "#");
    snprintf(c->tenant, sizeof c->tenant, "%s", tenant);
    uv_timer_init(rt->loop, &c->timer);
    c->timer.data = c;
    c->next = rt->calls;
    if (rt->calls)
        rt->calls->prev = c;
    rt->calls = c;
    rt->ncalls++;
    rt->stats.calls_total++;
    return c;
}

/* Build our SDP for the pending INVITE: the answer to offer, or our offer if NULL. */
static int prepare_local_sdp(cw_call *c, const cw_sdp *offer)
{
    cw_sdp_local local;
    build_local(c, &local);
    int n = offer ? cw_sdp_build_answer(offer, &c->choice, &local, c->local_sdp,
                                        sizeof c->local_sdp)
                  : cw_sdp_build_offer(&local, c->local_sdp, sizeof c->local_sdp);
    return n < 0 ? -1 : 0;
}

/* The built-in C demo flow starts once the caller can hear it: at the answer, or,
 * when our offer went in the 200, at the ACK that tells us where to send. */
static void start_c_flow(cw_call *c)
{
    if (c->flow_started || c->state != CW_CALL_ANSWERED)
        return;
    c->flow_started = 1;
    cw_demo_flow_start(c);
}

/* The INVITE is accepted: a Lua flow starts now (it answers when it wants to); the
 * C demo flow is answered for. */
static void accept_call(cw_call *c)
{
    if (cw_disclosure_needed(c)) {
        /* G1: the core answers, the disclosure plays, and only then the flow starts */
        if (cw_call_answer(c) == 0 && !c->offer_in_answer)
            cw_disclosure_start(c);
        return;
    }
    if (c->version) {
        cw_flow_version *v = c->version;
        c->version = NULL;             /* the run owns the reference now */
        c->flow_started = 1;
        cw_call_start_flow(c, v);
        return;
    }
    if (cw_call_answer(c) == 0 && !c->offer_in_answer)
        start_c_flow(c);
}

static void ring_done(cw_call *c)
{
    if (c->state == CW_CALL_NEW)
        accept_call(c);
}

cw_call *cw_call_incoming(cw_runtime *rt, const cw_signaling *sig, void *sig_handle,
                          const cw_call_params *p)
{
    const char *sdp = p->sdp;
    size_t sdp_len = p->sdp_len;
    char why[128];
    cw_tenant *t = cw_route_find(rt, p->user, why, sizeof why);
    cw_call *c = call_new(rt, sig, sig_handle, t ? t->name : "");
    if (!c)
        return NULL;   /* the SIP side answers 503 */
    snprintf(c->caller, sizeof c->caller, "%s", p->caller ? p->caller : "");
    snprintf(c->callee, sizeof c->callee, "%s", p->user ? p->user : "");
    snprintf(c->call_id, sizeof c->call_id, "%s", p->call_id ? p->call_id : "");
    cw_log(CW_LOG_INFO, "call", "call=%llu incoming tenant=%s", (unsigned long long)c->id,
           t ? t->name : "-");

    if (!t) {
        reject(c, 404, "Not Found", why, 0);
        return c;
    }
    int c_flow = rt->cfg.c_demo_flow && strcmp(t->name, "demo") == 0;
    if (!c_flow && !(c->version = cw_tenant_acquire(t))) {
        /* its flow never loaded: the reason was logged at load */
        reject(c, 503, "Service Unavailable", "the tenant's flow did not load", 30);
        return c;
    }
    if (!cw_call_policy(c) && !rt->cfg.serve_without_policy) {
        /* G1: without a policy there is no disclosure to play first, so no answer */
        reject(c, 503, "Service Unavailable", "the tenant has no policy, so its AI "
               "disclosure cannot be played (G1)", 30);
        return c;
    }
    if (rt->draining) {
        reject(c, 503, "Service Unavailable", "draining", 30);
        return c;
    }
    if (rt->ncalls > rt->cfg.max_calls) {
        reject(c, 503, "Service Unavailable", "call limit reached", 5);
        return c;
    }

    char reason[256];
    cw_sdp offer;
    cw_sdp_choice ch;
    if (sdp && sdp_len > 0) {
        if (cw_call_negotiate(c, sdp, sdp_len, &offer, &ch, reason, sizeof reason) != 0) {
            reject(c, 488, "Not Acceptable Here", reason, 0);
            return c;
        }
    } else {
        /* No SDP: we offer in the 200 and take the answer from the ACK (RFC 3261 13.2.1). */
        c->offer_in_answer = 1;
        memset(&ch, 0, sizeof ch);
        ch.codec = CW_CODEC_PCMU;
        ch.codec_pt = 0;
        ch.te_pt = 101;
        ch.ptime = 20;
        ch.dir = CW_SDP_SENDRECV;
    }

    c->rtp_port = cw_port_pool_take(&rt->ports);
    if (c->rtp_port == 0) {
        reject(c, 503, "Service Unavailable", "no free RTP port", 5);
        return c;
    }
    if (rt->sim) {
        /* the scenario runner's simulated channel instead of sockets */
        c->media_io = rt->sim->media_open ? rt->sim->media_open(rt->sim->ud, c, 0) : NULL;
        if (!c->media_io) {
            reject(c, 503, "Service Unavailable", "no simulated media channel", 5);
            return c;
        }
    } else if (cw_udp_media_open(&c->udp, rt->loop, rt->media_addr, c->rtp_port,
                                 &c->stream, reason, sizeof reason) != 0) {
        cw_log(CW_LOG_WARN, "media", "call=%llu %s", (unsigned long long)c->id, reason);
        /* the handles that were opened must still be closed */
        c->media_open = 1;
        reject(c, 503, "Service Unavailable", "RTP port unavailable", 5);
        return c;
    }
    c->media_open = 1;
    if (!rt->sim)
        c->media_io = &c->udp.io;
    apply_choice(c, &ch, 1);
    if (prepare_local_sdp(c, c->offer_in_answer ? NULL : &offer) != 0) {
        reject(c, 500, "Server Internal Error", "SDP too large", 0);
        return c;
    }

    if (rt->cfg.ring_ms > 0) {
        sig->ringing(c);
        cw_call_timer_start(c, ring_done, rt->cfg.ring_ms);
        return c;
    }
    accept_call(c);
    return c;
}

int cw_call_answer(cw_call *c)
{
    if (c->state != CW_CALL_NEW)
        return -1;
    c->sig->answer(c, c->local_sdp);
    c->state = CW_CALL_ANSWERED;
    c->rt->metrics.answered++;
    cw_media_clock_add(&c->rt->clock, &c->stream);
    cw_log(CW_LOG_DEBUG, "call", "call=%llu answered port=%u codec=%s",
           (unsigned long long)c->id, (unsigned)c->rtp_port, cw_codec_name(c->choice.codec));
    return 0;
}

void cw_call_reinvite(cw_call *c, const char *sdp, size_t sdp_len)
{
    if (c->state != CW_CALL_ANSWERED) {
        c->sig->reject(c, 491, "Request Pending", "", 0);
        return;
    }
    char reason[256];
    cw_sdp offer;
    cw_sdp_choice ch;
    if (sdp && sdp_len > 0) {
        if (cw_call_negotiate(c, sdp, sdp_len, &offer, &ch, reason, sizeof reason) != 0) {
            /* A bad re-offer fails the re-INVITE, not the call (RFC 3261 14.2). */
            cw_log(CW_LOG_INFO, "call", "call=%llu re-INVITE rejected reason=\"%s\"",
                   (unsigned long long)c->id, reason);
            c->sig->reject(c, 488, "Not Acceptable Here", reason, 0);
            return;
        }
        apply_choice(c, &ch, 0);
        c->offer_in_answer = 0;
    } else {
        c->offer_in_answer = 1;
    }
    if (prepare_local_sdp(c, c->offer_in_answer ? NULL : &offer) != 0) {
        c->sig->reject(c, 500, "Server Internal Error", "SDP too large", 0);
        return;
    }
    cw_log(CW_LOG_INFO, "call", "call=%llu re-INVITE direction=%s hold=%d",
           (unsigned long long)c->id, cw_sdp_dir_name(c->choice.dir), c->choice.hold);
    c->sig->answer(c, c->local_sdp);
}

void cw_call_ack(cw_call *c, const char *sdp, size_t sdp_len)
{
    if (!c->offer_in_answer || c->state != CW_CALL_ANSWERED)
        return;
    c->offer_in_answer = 0;
    char reason[256];
    cw_sdp answer;
    cw_sdp_choice ch;
    if (!sdp || sdp_len == 0) {
        snprintf(reason, sizeof reason, "no SDP answer in the ACK");
    } else if (cw_call_negotiate(c, sdp, sdp_len, &answer, &ch, reason, sizeof reason) == 0) {
        apply_choice(c, &ch, 0);
        if (c->flow.v)
            cw_call_media_ready(c);
        else if (cw_disclosure_needed(c))
            cw_disclosure_start(c);
        else
            start_c_flow(c);
        return;
    }
    /* Our offer went unanswered or the answer is unusable: the call cannot carry
     * audio, so it ends (RFC 3261 13.2.1: the UAS sends BYE). */
    cw_log(CW_LOG_INFO, "call", "call=%llu bad answer in ACK reason=\"%s\"",
           (unsigned long long)c->id, reason);
    cw_call_hangup(c, "bad-ack-sdp");
}

void cw_call_remote_end(cw_call *c, const char *reason)
{
    cw_call_end(c, reason);
}

void cw_call_info_digit(cw_call *c, const cw_dtmf_digit *d)
{
    if (c->state == CW_CALL_ANSWERED)
        cw_stream_info_digit(&c->stream, d);
}

void cw_call_signaling_ended(cw_call *c)
{
    c->signaling_done = 1;
    begin_closing(c);
}

void cw_call_hangup(cw_call *c, const char *reason)
{
    if (c->state == CW_CALL_NEW) {
        reject(c, 480, "Temporarily Unavailable", reason, 0);
        return;
    }
    if (c->state != CW_CALL_ANSWERED)
        return;
    cw_call_end(c, reason);
    c->sig->bye(c);
}

/* ---- the call's one timer ------------------------------------------------------- */

static void uv_timer_fired(uv_timer_t *t)
{
    cw_call_timer_fire(t->data);
}

void cw_call_timer_start(cw_call *c, void (*cb)(cw_call *c), uint64_t ms)
{
    c->timer_cb = cb;
    if (c->rt->virtual_clock) {
        c->timer_due_ms = c->rt->vnow_ms + ms;
        return;
    }
    uv_timer_start(&c->timer, uv_timer_fired, ms, 0);
}

void cw_call_timer_stop(cw_call *c)
{
    c->timer_cb = NULL;
    if (!c->rt->virtual_clock)
        uv_timer_stop(&c->timer);
}

void cw_call_timer_fire(cw_call *c)
{
    void (*cb)(cw_call *) = c->timer_cb;
    c->timer_cb = NULL;
    if (cb)
        cb(c);
}

/* ---- the flow API ---------------------------------------------------------------- */

int cw_call_play(cw_call *c, const char *lang, const char *id, cw_play_cb cb)
{
    if (c->state != CW_CALL_ANSWERED)
        return -1;
    char err[512];
    cw_prompt *p = cw_prompt_get(&c->rt->prompts, c->tenant, lang, id, err, sizeof err);
    if (!p) {
        cw_log(CW_LOG_ERROR, "call", "call=%llu cannot play: %s", (unsigned long long)c->id,
               err);
        return -1;
    }
    c->play_cb = NULL;             /* a replaced prompt does not call its old callback */
    cw_stream_play(&c->stream, p);
    c->play_cb = cb;
    return 0;
}

static void gather_finish(cw_call *c, const char *digits)
{
    cw_gather_cb cb = c->gather_cb;
    c->gather_cb = NULL;
    cw_call_timer_stop(c);
    if (cb)
        cb(c, digits);
}

static void gather_timeout(cw_call *c)
{
    char got[sizeof c->digits];
    snprintf(got, sizeof got, "%s", c->digits);
    c->digits[0] = 0;
    gather_finish(c, got);
}

/* Take the collected digits if they complete the gather. */
static int gather_check(cw_call *c)
{
    size_t n = strlen(c->digits);
    if (!c->gather_cb || n == 0)
        return 0;
    if (n < c->max_digits && !strchr(c->terminators, c->digits[n - 1]))
        return 0;
    char got[sizeof c->digits];
    snprintf(got, sizeof got, "%s", c->digits);
    c->digits[0] = 0;
    if (strchr(c->terminators, got[n - 1]))
        got[n - 1] = 0;                /* the terminator ends the input, it is not in it */
    gather_finish(c, got);
    return 1;
}

void cw_call_gather(cw_call *c, size_t max, unsigned timeout_ms, cw_gather_cb cb)
{
    if (c->state != CW_CALL_ANSWERED)
        return;
    c->gather_cb = cb;
    c->max_digits = max ? max : 1;
    if (gather_check(c))
        return;
    if (timeout_ms > 0)
        cw_call_timer_start(c, gather_timeout, timeout_ms);
    else
        cw_call_timer_stop(c);
}

/* ---- what the stream tells the call ---------------------------------------------- */

/* The caller speaks or presses a key over a flow's prompt that allows it: the prompt
 * stops, its play/say returns false, "barge-in" (the key stays for a gather). */
static void barge_in(cw_call *c)
{
    c->barged = 1;
    c->play_barge = 0;
    cw_log(CW_LOG_INFO, "call", "call=%llu barge-in", (unsigned long long)c->id);
    cw_stream_stop(&c->stream);
}

static void on_digit(void *owner, const cw_dtmf_digit *d, const char *method)
{
    cw_call *c = owner;
    if (c->state != CW_CALL_ANSWERED)
        return;
    cw_log(CW_LOG_INFO, "call", "call=%llu dtmf digit=%c method=%s duration_ms=%u",
           (unsigned long long)c->id, d->digit, method, d->duration_ms);
    if (cw_disclosure_takes_digit(c, d->digit))
        return;                        /* G1: nothing skips or shortens the disclosure */
    if (cw_consent_takes_digit(c, d->digit))
        return;                        /* G3: an answer to the consent question */
    size_t n = strlen(c->digits);
    if (n + 1 < sizeof c->digits) {
        c->digits[n] = d->digit;
        c->digits[n + 1] = 0;
    }
    /* the flow's on_dtmf sees the key before a gather it completes returns */
    if (c->flow.v)
        cw_flow_dtmf(&c->flow, d->digit);
    if (c->state != CW_CALL_ANSWERED)
        return;                        /* on_dtmf hung up */
    if (c->play_barge && c->stream.playing)
        barge_in(c);
    if (c->gather_cb && c->gather_barge && c->stream.playing) {
        c->gather_barge = 0;
        cw_stream_stop(&c->stream);    /* barge-in: the gather's prompt gives way */
    }
    gather_check(c);
}

static void on_play_done(void *owner, int completed)
{
    cw_call *c = owner;
    cw_play_cb cb = c->play_cb;
    c->play_cb = NULL;
    if (cb && c->state == CW_CALL_ANSWERED)
        cb(c, completed);
}

static void on_inbound_frame(void *owner, const int16_t *pcm, size_t n)
{
    /* The live call only: a bridged human hears the caller. What keeps or processes the
     * caller's audio (the recorder, the AI bridge) takes it behind the gate instead. */
    cw_call *c = owner;
    if (c->play_barge && c->stream.playing &&
        cw_vad_frame(&c->barge_vad, pcm, n) == CW_VAD_ONSET)
        barge_in(c);                   /* energy only: nothing of the voice is kept */
    if (c->bridge)
        cw_bridge_caller_frame(c, pcm, n);
    if (c->evidence_listening) {
        cw_evidence_frame(c, pcm, n);  /* the answer to the consent question, in memory */
        if (c->consent == CW_CONSENT_ASKING && !c->age_asking && cw_consent_speech_possible(c))
            cw_consent_speech_frame(c, pcm, n);   /* ... or spoken (G3 method SPEECH) */
    }
}

static void on_key_down(void *owner, char digit)
{
    cw_call *c = owner;
    if (c->state == CW_CALL_ANSWERED)
        cw_consent_key_down(c, digit);
}

static const cw_stream_events stream_events = {
    .digit = on_digit,
    .play_done = on_play_done,
    .inbound_frame = on_inbound_frame,
    .key_down = on_key_down,
};
