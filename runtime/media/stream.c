/* stream.c  One call's RTP stream: sends prompt audio, receives RTP and DTMF.
 *
 * Outbound: each clock period takes the next 20 ms of the playing prompt, passes it
 * through the outbound media gate, and sends it as one RTP packet. Nothing is sent
 * while no prompt plays (like Asterisk without transmit_silence), but the timestamp
 * keeps advancing with the clock, and the first packet after a pause carries the
 * marker bit, so the peer's jitter buffer sees a new talkspurt.
 *
 * Inbound: packets are validated (version, lengths, payload type we negotiated),
 * the remote address is latched to the source of the first valid packet (symmetric
 * RTP: NATed phones send from somewhere other than their SDP says), an SSRC change is
 * accepted and counted, telephone-events go to the RFC 4733 receiver, and decoded audio
 * goes through the inbound media gate.
 */
#include <string.h>

#include "callwarden/media.h"

static socklen_t sockaddr_len(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

static void copy_addr(struct sockaddr_storage *dst, const struct sockaddr *src)
{
    memset(dst, 0, sizeof *dst);
    if (src)
        memcpy(dst, src, sockaddr_len(src));
}

void cw_stream_init(cw_stream *s, void *owner, const cw_stream_events *ev, cw_media_io *io,
                    cw_codec codec, uint8_t audio_pt, int te_pt, const struct sockaddr *remote,
                    const struct sockaddr *remote_rtcp, uint32_t ssrc, uint16_t seq)
{
    memset(s, 0, sizeof *s);
    s->owner = owner;
    s->ev = ev;
    s->io = io;
    s->codec = codec;
    s->audio_pt = audio_pt;
    s->te_pt = te_pt;
    s->ssrc = ssrc;
    s->seq = seq;
    s->ts = ssrc ^ 0x5bd1e995u;   /* random start (RFC 3550 5.1) */
    s->send_enabled = 1;
    s->talkspurt_start = 1;
    copy_addr(&s->remote, remote);
    copy_addr(&s->remote_rtcp, remote_rtcp);
}

void cw_stream_update(cw_stream *s, cw_codec codec, uint8_t audio_pt, int te_pt,
                      const struct sockaddr *remote,
                      const struct sockaddr *remote_rtcp, int send_enabled)
{
    s->codec = codec;
    s->audio_pt = audio_pt;
    s->te_pt = te_pt;
    s->send_enabled = send_enabled;
    /* A re-offer may move the peer (a new address after a transfer or unhold): trust
     * the new SDP and latch again on the next valid packet. */
    if (remote && memcmp(remote, &s->remote, sockaddr_len(remote)) != 0) {
        copy_addr(&s->remote, remote);
        copy_addr(&s->remote_rtcp, remote_rtcp);
        s->latched = 0;
    }
    if (send_enabled)
        s->talkspurt_start = 1;
}

static void finish_play(cw_stream *s, int completed)
{
    if (!s->playing)
        return;
    s->playing = NULL;
    s->play_pos = 0;
    if (s->ev && s->ev->play_done)
        s->ev->play_done(s->owner, completed);
}

void cw_stream_play(cw_stream *s, const cw_prompt *p)
{
    finish_play(s, 0);
    s->playing = p;
    s->play_pos = 0;
    s->talkspurt_start = 1;
    /* The first frame of a talkspurt goes out now rather than at the next clock period
     * (up to 20 ms away): the caller hears the answer sooner, and the marker bit tells
     * the peer's jitter buffer to resynchronise. The timestamp advances with it. Not
     * when the new prompt was started from inside a tick (a prompt chained in
     * play_done): that period has sent its frame, and a second one would put the
     * stream a frame ahead of the clock for every chained prompt. */
    if (s->on_clock && !s->in_tick)
        cw_stream_tick(s);
}

void cw_stream_stop(cw_stream *s)
{
    finish_play(s, 0);
}

static int remote_known(const cw_stream *s)
{
    return s->remote.ss_family == AF_INET || s->remote.ss_family == AF_INET6;
}

/* Packetise one frame of payload with timestamp ts and send it (through the gate).
 * Returns 1 if it went out. */
static int send_frame(cw_stream *s, uint8_t *payload, uint32_t ts)
{
    if (!s->send_enabled || !remote_known(s) ||
        !cw_gate_outbound(s, payload, CW_FRAME_SAMPLES))
        return 0;
    cw_rtp_packet pkt = {
        .marker = (uint8_t)s->talkspurt_start,
        .pt = s->audio_pt,
        .seq = s->seq++,
        .ts = ts,
        .ssrc = s->ssrc,
        .payload = payload,
        .payload_len = CW_FRAME_SAMPLES,
    };
    uint8_t buf[CW_RTP_HEADER_LEN + CW_FRAME_SAMPLES];
    size_t len = cw_rtp_write(buf, sizeof buf, &pkt);
    s->talkspurt_start = 0;
    if (len == 0 || s->io->send(s->io, buf, len, (struct sockaddr *)&s->remote) != 0)
        return 0;
    if (s->stats.rtp_sent++ == 0)
        s->stats.first_sent_ns = uv_hrtime();
    return 1;
}

void cw_stream_relay_push(cw_stream *s, const int16_t *pcm, size_t n)
{
    cw_relay *r = s->relay;
    if (!r)
        return;
    r->frames_in++;
    if (r->count == CW_RELAY_FRAMES) {
        r->head = (r->head + 1) % CW_RELAY_FRAMES;
        r->count--;
        r->frames_dropped++;
    }
    int16_t *f = r->pcm[(r->head + r->count) % CW_RELAY_FRAMES];
    size_t k = n < CW_FRAME_SAMPLES ? n : CW_FRAME_SAMPLES;
    memcpy(f, pcm, k * sizeof *f);
    memset(f + k, 0, (CW_FRAME_SAMPLES - k) * sizeof *f);
    r->count++;
}

/* No prompt plays: send the oldest relayed frame, if any, encoded into payload. A
 * prompt (the withdrawal's confirmation during a bridge) goes first; the relay then
 * waits or gives way. Returns 1 if a frame went out. */
static int send_relayed(cw_stream *s, uint32_t ts, uint8_t *payload)
{
    cw_relay *r = s->relay;
    if (!r)
        return 0;
    /* one frame of play-out delay absorbs the other leg's jitter: after running dry,
     * sending resumes with two frames queued, as a new talkspurt */
    if (r->count == 0 || (!r->primed && r->count < 2)) {
        r->primed = 0;
        s->talkspurt_start = 1;
        return 0;
    }
    r->primed = 1;
    cw_g711_encode(s->codec, r->pcm[r->head], payload, CW_FRAME_SAMPLES);
    r->head = (r->head + 1) % CW_RELAY_FRAMES;
    r->count--;
    r->frames_sent++;
    return send_frame(s, payload, ts);
}

/* The next frame of the playing prompt into payload, and send it; 1 if it went out. */
static int send_prompt(cw_stream *s, uint32_t ts, uint8_t *payload)
{
    const cw_prompt *p = s->playing;
    const uint8_t *src = s->codec == CW_CODEC_PCMA ? p->pcma : p->pcmu;
    size_t left = p->nsamples - s->play_pos;
    size_t n = left < CW_FRAME_SAMPLES ? left : CW_FRAME_SAMPLES;
    memcpy(payload, src + s->play_pos, n);
    if (n < CW_FRAME_SAMPLES)
        memset(payload + n, cw_g711_silence(s->codec), CW_FRAME_SAMPLES - n);
    s->play_pos += n;
    int sent = send_frame(s, payload, ts);
    if (s->play_pos >= p->nsamples) {
        s->in_tick = 1;
        finish_play(s, 1);
        s->in_tick = 0;
    }
    return sent;
}

void cw_stream_tick(cw_stream *s)
{
    uint32_t ts = s->ts;
    s->ts += CW_FRAME_SAMPLES;
    uint8_t payload[CW_FRAME_SAMPLES];
    int sent = 0;
    if (!s->playing) {
        sent = send_relayed(s, ts, payload);
    } else if (s->send_enabled || !s->gate_only || s->playing != s->gate_only) {
        /* The prompt advances while the peer holds us: a held caller misses that
         * part, as with music on hold, rather than the flow stalling. Not the
         * disclosure (G1: in full): it waits where it was until the caller takes
         * the call back. */
        sent = send_prompt(s, ts, payload);
    }
    if (s->record_out) {
        int16_t pcm[CW_FRAME_SAMPLES];
        if (sent)
            cw_g711_decode(s->codec, payload, pcm, CW_FRAME_SAMPLES);
        else
            memset(pcm, 0, sizeof pcm);
        s->record_out(s->owner, pcm, CW_FRAME_SAMPLES);
    }
}

static int same_addr(const struct sockaddr *a, const struct sockaddr_storage *b)
{
    if (a->sa_family != b->ss_family)
        return 0;
    return memcmp(a, b, sockaddr_len(a)) == 0;
}

static void deliver_digits(cw_stream *s, const cw_dtmf_digit *d, int n, const char *method)
{
    for (int i = 0; i < n; i++) {
        s->stats.digits++;
        if (s->ev && s->ev->digit)
            s->ev->digit(s->owner, &d[i], method);
    }
}

void cw_stream_rtp_input(cw_stream *s, const uint8_t *buf, size_t len,
                         const struct sockaddr *from)
{
    cw_rtp_packet p;
    if (cw_rtp_parse(buf, len, &p) != 0) {
        s->stats.rtp_dropped++;
        return;
    }
    int is_te = s->te_pt >= 0 && p.pt == (uint8_t)s->te_pt;
    if (!is_te && p.pt != s->audio_pt) {
        s->stats.rtp_dropped++;
        return;
    }

    /* Symmetric RTP: the first valid packet decides where we send (NATed phones send
     * from somewhere other than their SDP says). After that the stream is locked to
     * that source, as Asterisk's strictrtp does: packets from anywhere else are a
     * stranger's and are dropped, until a re-INVITE gives a new address. */
    if (!s->latched) {
        copy_addr(&s->remote, from);
        s->latched = 1;
    } else if (!same_addr(from, &s->remote)) {
        s->stats.rtp_dropped++;
        return;
    }
    if (!s->have_remote_ssrc) {
        s->have_remote_ssrc = 1;
        s->remote_ssrc = p.ssrc;
    } else if (p.ssrc != s->remote_ssrc) {
        /* A new source (a media server switching streams): new sequence space and, for
         * DTMF, a new timestamp space. */
        s->remote_ssrc = p.ssrc;
        s->stats.ssrc_changes++;
        memset(&s->dtmf, 0, sizeof s->dtmf);
    }
    s->stats.rtp_received++;

    if (is_te) {
        cw_dtmf_digit d[2];
        int n = cw_dtmf_rfc4733_input(&s->dtmf, &p, 8000, d);
        if (n < 0)
            s->stats.rtp_dropped++;
        else
            deliver_digits(s, d, n, "rfc4733");
        if (n >= 0 && s->dtmf.began && s->ev && s->ev->key_down)
            s->ev->key_down(s->owner, cw_dtmf_event_char(s->dtmf.event));
        return;
    }

    int16_t pcm[CW_RTP_MAX_PACKET];
    size_t n = p.payload_len < CW_RTP_MAX_PACKET ? p.payload_len : CW_RTP_MAX_PACKET;
    cw_g711_decode(s->codec, p.payload, pcm, n);
    s->stats.audio_frames_in++;
    cw_gate_inbound(s, pcm, n);
}

void cw_stream_info_digit(cw_stream *s, const cw_dtmf_digit *d)
{
    deliver_digits(s, d, 1, "info");
}
