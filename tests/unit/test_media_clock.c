/* test_media_clock.c  The media clock and a stream, driven by a virtual clock and a
 * captured channel (the interface the scenario runner will use): frame pacing, catch
 * up after a stall, the marker bit, packet counts, hold, latching, DTMF. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/media.h"
#include "check.h"

typedef struct capture {
    cw_media_io io;
    int sent;
    int markers;
    uint16_t last_seq;
    uint32_t last_ts;
    uint8_t last_pt;
    struct sockaddr_storage last_to;
} capture;

static int cap_send(cw_media_io *io, const uint8_t *pkt, size_t len,
                    const struct sockaddr *to)
{
    capture *c = (capture *)io;
    cw_rtp_packet p;
    if (cw_rtp_parse(pkt, len, &p) != 0)
        return -1;
    if (c->sent > 0 && (uint16_t)(c->last_seq + 1) != p.seq)
        return -1;   /* sequence numbers must be consecutive */
    c->sent++;
    c->markers += p.marker;
    c->last_seq = p.seq;
    c->last_ts = p.ts;
    c->last_pt = p.pt;
    memcpy(&c->last_to, to, sizeof(struct sockaddr_in));
    return 0;
}

typedef struct owner {
    cw_stream *stream;
    const cw_prompt *chain;     /* play this next when a prompt completes, once */
    int play_done, completed;
    char digits[16];
    int frames_in;
} owner;

static void on_digit(void *o, const cw_dtmf_digit *d, const char *method)
{
    owner *w = o;
    (void)method;
    size_t n = strlen(w->digits);
    w->digits[n] = d->digit;
    w->digits[n + 1] = 0;
}

static void on_play_done(void *o, int completed)
{
    owner *w = o;
    w->play_done++;
    w->completed = completed;
    if (completed && w->chain) {
        const cw_prompt *next = w->chain;
        w->chain = NULL;
        cw_stream_play(w->stream, next);
    }
}

static void on_frame(void *o, const int16_t *pcm, size_t n)
{
    owner *w = o;
    (void)pcm;
    if (n == CW_FRAME_SAMPLES)
        w->frames_in++;
}

static const cw_stream_events events = { on_digit, on_play_done, on_frame, NULL };

static cw_prompt *make_prompt(size_t nsamples)
{
    cw_prompt *p = calloc(1, sizeof *p);
    p->nsamples = nsamples;
    p->pcm = calloc(nsamples, sizeof(int16_t));
    p->pcmu = malloc(nsamples);
    p->pcma = malloc(nsamples);
    memset(p->pcmu, 0xFF, nsamples);
    memset(p->pcma, 0xD5, nsamples);
    return p;
}

static void free_prompt(cw_prompt *p)
{
    free(p->pcm);
    free(p->pcmu);
    free(p->pcma);
    free(p);
}

static struct sockaddr_in addr4(const char *ip, uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void send_rtp(cw_stream *s, uint8_t pt, int marker, uint16_t seq, uint32_t ts,
                     uint32_t ssrc, const uint8_t *payload, size_t len,
                     const struct sockaddr_in *from)
{
    uint8_t buf[400];
    cw_rtp_packet p = { (uint8_t)marker, pt, seq, ts, ssrc, payload, len };
    size_t n = cw_rtp_write(buf, sizeof buf, &p);
    cw_stream_rtp_input(s, buf, n, (const struct sockaddr *)from);
}

int main(void)
{
    const uint64_t ms = 1000000ull;
    cw_media_clock mc;
    cw_media_clock_init(&mc, 1000 * ms);

    capture cap = { .io = { cap_send, NULL } };
    owner w = { 0 };
    struct sockaddr_in sdp_addr = addr4("127.0.0.1", 40000);
    cw_stream s;
    cw_stream_init(&s, &w, &events, &cap.io, CW_CODEC_PCMA, 8, 101,
                   (struct sockaddr *)&sdp_addr, NULL, 0x1234, 100);
    cw_media_clock_add(&mc, &s);
    CHECK_EQ_INT(mc.nstreams, 1);

    /* nothing plays: the clock ticks but nothing is sent */
    CHECK_EQ_INT(cw_media_clock_advance(&mc, 1000 * ms + 100 * ms), 5);
    CHECK_EQ_INT(cap.sent, 0);

    /* a prompt of 1010 samples = 7 frames (the last one padded) */
    cw_prompt *p = make_prompt(1010);
    CHECK_EQ_INT(cw_prompt_frames(p), 7);
    cw_stream_play(&s, p);
    cw_media_clock_advance(&mc, 1000 * ms + 240 * ms);   /* 7 more frames due */
    CHECK_EQ_INT(cap.sent, 7);
    CHECK_EQ_INT(cap.markers, 1);
    CHECK_EQ_INT(cap.last_pt, 8);
    CHECK_EQ_INT(w.play_done, 1);
    CHECK_EQ_INT(w.completed, 1);
    CHECK_EQ_INT(ntohs(((struct sockaddr_in *)&cap.last_to)->sin_port), 40000);

    /* calling advance twice for the same time does nothing */
    CHECK_EQ_INT(cw_media_clock_advance(&mc, 1000 * ms + 240 * ms), 0);

    /* a new prompt's first frame goes out at once; then a stall of 100 ms is caught
     * up: 5 frames at once, counted as late */
    uint32_t ts_before = s.ts;
    cw_stream_play(&s, make_prompt(160 * 50));
    const cw_prompt *long_prompt = s.playing;
    CHECK_EQ_INT(cw_media_clock_advance(&mc, 1000 * ms + 340 * ms), 5);
    CHECK_EQ_INT(cap.sent, 13);
    CHECK_EQ_INT(cap.markers, 2);
    CHECK(mc.late_frames >= 4);
    CHECK_EQ_INT(s.ts - ts_before, 6 * 160);

    /* a stall of 1 s is not sent as a burst: at most 10 periods are caught up */
    CHECK_EQ_INT(cw_media_clock_advance(&mc, 1000 * ms + 1340 * ms), 10);
    CHECK(mc.skipped_frames >= 40);
    CHECK_EQ_INT(cap.sent, 23);

    /* hold: the prompt advances but nothing is sent */
    cw_stream_update(&s, CW_CODEC_PCMA, 8, 101, (struct sockaddr *)&sdp_addr, NULL, 0);
    cw_media_clock_advance(&mc, 1000 * ms + 1400 * ms);
    CHECK_EQ_INT(cap.sent, 23);
    cw_stream_update(&s, CW_CODEC_PCMA, 8, 101, (struct sockaddr *)&sdp_addr, NULL, 1);
    cw_media_clock_advance(&mc, 1000 * ms + 1420 * ms);
    CHECK_EQ_INT(cap.sent, 24);
    CHECK_EQ_INT(cap.markers, 3);   /* a new talkspurt after hold */

    /* stopping a prompt reports it as not completed */
    cw_stream_stop(&s);
    CHECK_EQ_INT(w.completed, 0);
    free_prompt((cw_prompt *)long_prompt);

    /* inbound: the first valid packet latches the destination; a stranger is dropped */
    uint8_t audio[160];
    memset(audio, 0xD5, sizeof audio);
    struct sockaddr_in nat = addr4("127.0.0.1", 50002);
    struct sockaddr_in stranger = addr4("127.0.0.9", 50002);
    send_rtp(&s, 8, 1, 1, 1000, 0xAAAA, audio, 160, &nat);
    CHECK_EQ_INT(s.stats.rtp_received, 1);
    CHECK_EQ_INT(w.frames_in, 1);
    send_rtp(&s, 8, 0, 2, 1160, 0xAAAA, audio, 160, &stranger);
    CHECK_EQ_INT(s.stats.rtp_received, 1);
    CHECK_EQ_INT(s.stats.rtp_dropped, 1);
    cw_stream_play(&s, p);
    cw_media_clock_advance(&mc, 1000 * ms + 1440 * ms);
    CHECK_EQ_INT(ntohs(((struct sockaddr_in *)&cap.last_to)->sin_port), 50002);

    /* a payload type we did not negotiate is dropped, a new SSRC is followed */
    send_rtp(&s, 0, 0, 3, 1320, 0xAAAA, audio, 160, &nat);
    CHECK_EQ_INT(s.stats.rtp_dropped, 2);
    send_rtp(&s, 8, 1, 900, 99000, 0xBBBB, audio, 160, &nat);
    CHECK_EQ_INT(s.stats.ssrc_changes, 1);
    CHECK_EQ_INT(w.frames_in, 2);

    /* RFC 4733: digit 5, three end packets, reported once */
    uint8_t ev[4] = { 5, 10, 0, 160 };
    send_rtp(&s, 101, 1, 901, 5000, 0xBBBB, ev, 4, &nat);
    ev[1] = 0x80 | 10;
    ev[3] = 0;
    ev[2] = 3;
    for (int i = 0; i < 3; i++)
        send_rtp(&s, 101, 0, (uint16_t)(902 + i), 5000, 0xBBBB, ev, 4, &nat);
    CHECK_STR(w.digits, "5");
    CHECK_EQ_INT(s.stats.digits, 1);

    /* removal during a tick is safe and stops sending at once */
    cw_media_clock_remove(&mc, &s);
    int sent = cap.sent;
    cw_media_clock_advance(&mc, 1000 * ms + 2000 * ms);
    CHECK_EQ_INT(cap.sent, sent);
    CHECK_EQ_INT(mc.nstreams, 0);

    /* a prompt chained from play_done (inside a tick) waits for the next period: one
     * packet per period, so the stream never runs ahead of the clock */
    capture cap2 = { .io = { cap_send, NULL } };
    owner w2 = { 0 };
    cw_stream s2;
    cw_stream_init(&s2, &w2, &events, &cap2.io, CW_CODEC_PCMU, 0, -1,
                   (struct sockaddr *)&sdp_addr, NULL, 0x55, 1);
    w2.stream = &s2;
    cw_prompt *two = make_prompt(2 * 160), *three = make_prompt(3 * 160);
    w2.chain = three;
    uint64_t t = 1000 * ms + 3000 * ms;
    cw_media_clock_advance(&mc, t);
    cw_media_clock_add(&mc, &s2);
    cw_stream_play(&s2, two);                       /* frame 1 now */
    CHECK_EQ_INT(cap2.sent, 1);
    cw_media_clock_advance(&mc, t + 20 * ms);       /* frame 2, "two" ends, "three" starts */
    CHECK_EQ_INT(cap2.sent, 2);
    CHECK_EQ_INT(w2.play_done, 1);
    cw_media_clock_advance(&mc, t + 80 * ms);       /* three periods: "three" in full */
    CHECK_EQ_INT(cap2.sent, 5);
    CHECK_EQ_INT(w2.play_done, 2);
    CHECK_EQ_INT(cap2.markers, 2);
    CHECK_EQ_INT(cap2.last_pt, 0);
    cw_media_clock_remove(&mc, &s2);
    free_prompt(two);
    free_prompt(three);

    free_prompt(p);
    return check_summary("media_clock");
}
