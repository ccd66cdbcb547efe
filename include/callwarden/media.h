/*
 * media.h  A call's RTP media: the shared media clock, per-call streams, the prompt
 * cache, the RTP port pool and the two media-gate functions.
 *
 * Time and packet I/O enter through explicit arguments and a small I/O interface, so
 * that the scenario runner can drive the same code with a virtual clock and a simulated
 * channel instead of uv timers and UDP sockets.
 */
#ifndef CALLWARDEN_MEDIA_H
#define CALLWARDEN_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "callwarden/dtmf.h"
#include "callwarden/g711.h"
#include "callwarden/rtp.h"
#include "callwarden/sdp.h"

#define CW_FRAME_MS 20
#define CW_FRAME_SAMPLES 160            /* 20 ms at 8 kHz */
#define CW_FRAME_NS (20ull * 1000 * 1000)

/* ---- prompts -------------------------------------------------------------------- */

/* A prompt loaded once and shared by every call that plays it; never freed while a
 * stream may still play it (the cache owns it until cw_prompt_cache_free). */
typedef struct cw_prompt {
    char key[1200];         /* "<tenant>/<lang>/<id>", or the file's path */
    int64_t mtime_ns;       /* of the file when it was loaded: a changed file reloads */
    int64_t size;
    size_t nsamples;
    int16_t *pcm;           /* linear, 8 kHz mono */
    uint8_t *pcmu;          /* the same, pre-encoded */
    uint8_t *pcma;
    struct cw_prompt *next;
} cw_prompt;

typedef struct cw_prompt_cache {
    char dir[1024];
    cw_prompt *head;
} cw_prompt_cache;

/* Set up an empty cache that loads from dir/<tenant>/<lang>/<id>.wav. */
void cw_prompt_cache_init(cw_prompt_cache *pc, const char *dir);

/* Return the prompt, loading it on first use; NULL with a reason in err on failure. */
cw_prompt *cw_prompt_get(cw_prompt_cache *pc, const char *tenant, const char *lang,
                         const char *id, char *err, size_t errlen);

/* Return the prompt in the WAV file at path, loading it on first use and again when the
 * file changed since (the old one stays for the streams that play it); NULL with a
 * reason in err. */
cw_prompt *cw_prompt_get_file(cw_prompt_cache *pc, const char *path, char *err,
                              size_t errlen);

/* Free every prompt. No stream may be playing one. */
void cw_prompt_cache_free(cw_prompt_cache *pc);

/* Number of 20 ms frames a prompt takes (the last one padded with silence). */
size_t cw_prompt_frames(const cw_prompt *p);

/* ---- RTP port pool -------------------------------------------------------------- */

typedef struct cw_port_pool {
    uint16_t min, max;      /* even min, inclusive range */
    uint8_t *used;          /* one byte per pair */
    size_t npairs;
    size_t next;            /* round-robin start, so a port is not reused at once */
    size_t in_use;
} cw_port_pool;

/* Set up a pool for RTP ports min..max (RTP even, RTCP odd). Returns 0 or -1. */
int cw_port_pool_init(cw_port_pool *pp, uint16_t min, uint16_t max);
/* Take a free pair; returns the even RTP port, or 0 if the pool is exhausted. */
uint16_t cw_port_pool_take(cw_port_pool *pp);
/* Mark the pair starting at rtp_port unused again. */
void cw_port_pool_give(cw_port_pool *pp, uint16_t rtp_port);
/* Free the pool's memory. */
void cw_port_pool_free(cw_port_pool *pp);

/* ---- streams -------------------------------------------------------------------- */

typedef struct cw_stream cw_stream;

/* Audio from the other leg of a bridge, waiting to be sent on this one: a few frames,
 * so that the media clock, not the arrival of the other leg's packets, paces it. */
#define CW_RELAY_FRAMES 6
typedef struct cw_relay {
    int16_t pcm[CW_RELAY_FRAMES][CW_FRAME_SAMPLES];
    unsigned head, count;
    int primed;                     /* sending; after running dry it waits for two frames */
    uint64_t frames_in, frames_sent, frames_dropped;  /* dropped: the queue was full */
} cw_relay;

/* How a stream's packets leave: UDP sockets for real calls, a simulated channel for
 * the scenario runner. send() returns 0 or a negative error; it must not block. */
typedef struct cw_media_io {
    int (*send)(struct cw_media_io *io, const uint8_t *pkt, size_t len,
                const struct sockaddr *to);
    void (*close)(struct cw_media_io *io);  /* release; the io may be freed after */
} cw_media_io;

/* What the stream tells its owner (the call); all run on the loop thread. */
typedef struct cw_stream_events {
    void (*digit)(void *owner, const cw_dtmf_digit *d, const char *method);
    void (*play_done)(void *owner, int completed);   /* completed=0: stopped early */
    void (*inbound_frame)(void *owner, const int16_t *pcm, size_t n);
    /* an RFC 4733 key went down (its digit follows when it ends); may be NULL */
    void (*key_down)(void *owner, char digit);
} cw_stream_events;

typedef struct cw_stream_stats {
    uint64_t rtp_sent;
    uint64_t rtp_received;
    uint64_t rtp_dropped;       /* invalid, wrong payload type, or from a stranger */
    uint64_t rtcp_received;
    uint64_t ssrc_changes;
    uint64_t digits;
    uint64_t audio_frames_in;   /* decoded inbound audio frames (the caller's frame clock) */
    uint64_t gate_refused;      /* outbound frames the gate held back (G1) */
    uint64_t first_sent_ns;     /* uv_hrtime() of the first RTP packet sent, 0 if none */
} cw_stream_stats;

struct cw_stream {
    /* set up by cw_stream_init */
    void *owner;
    const cw_stream_events *ev;
    cw_media_io *io;
    cw_codec codec;
    uint8_t audio_pt;           /* the payload type negotiated for codec */
    int te_pt;                  /* telephone-event payload type, -1 if none */
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts;                /* advances 160 per frame whether or not we send */
    int send_enabled;           /* 0 while the peer holds the call */

    /* remote address: from SDP, then latched to the source of valid RTP */
    struct sockaddr_storage remote;
    struct sockaddr_storage remote_rtcp;
    int latched;
    int have_remote_ssrc;
    uint32_t remote_ssrc;
    cw_dtmf_rx dtmf;

    /* G1: while set, only this prompt's frames leave (the disclosure); the call core
     * sets it before the disclosure plays and clears it after its last frame */
    const cw_prompt *gate_only;

    /* G2: what the call's consent allows; set by the call core from the GIVEN record's
     * callback only, cleared at withdrawal */
    struct {
        int disclosed;              /* the disclosure was played in full */
        int given;                  /* a consent is durably committed and not withdrawn */
        const char *purposes[16];   /* the purposes it covers (the policy's strings) */
        size_t npurposes;
        uint64_t refused;           /* record attempts refused */
    } consent_gate;
    /* the consumer of admitted inbound frames for the recording purpose (the recorder) */
    const char *record_purpose;     /* NULL: nothing records */
    void (*record_frame)(void *owner, const int16_t *pcm, size_t n);
    /* a recording of both directions: each clock period, what the caller heard (a frame
     * of silence when nothing was sent) */
    void (*record_out)(void *owner, const int16_t *pcm, size_t n);
    /* the consumer of admitted inbound frames for speech recognition (call:listen) */
    const char *listen_purpose;     /* NULL: nothing listens */
    void (*listen_frame)(void *owner, const int16_t *pcm, size_t n);

    /* bridged (G9): frames from the other leg, sent when no prompt plays (else NULL) */
    cw_relay *relay;

    /* the prompt being played */
    const cw_prompt *playing;
    size_t play_pos;            /* next sample */
    int talkspurt_start;        /* set the marker bit on the next packet */
    int in_tick;                /* cw_stream_tick is on the stack */

    cw_stream_stats stats;
    struct cw_stream *clock_next, *clock_prev;  /* in the media clock's list */
    int on_clock;
};

/* Set up s for codec (under payload type audio_pt) and te_pt, sending to the SDP
 * remote address (copied). */
void cw_stream_init(cw_stream *s, void *owner, const cw_stream_events *ev, cw_media_io *io,
                    cw_codec codec, uint8_t audio_pt, int te_pt, const struct sockaddr *remote,
                    const struct sockaddr *remote_rtcp, uint32_t ssrc, uint16_t seq);

/* Apply a new offer (re-INVITE): codec, payload type, remote address, hold. */
void cw_stream_update(cw_stream *s, cw_codec codec, uint8_t audio_pt, int te_pt,
                      const struct sockaddr *remote,
                      const struct sockaddr *remote_rtcp, int send_enabled);

/* Start playing p from its start; a prompt already playing is stopped (play_done(0)). */
void cw_stream_play(cw_stream *s, const cw_prompt *p);

/* Stop the current prompt, if any; play_done(0) runs. */
void cw_stream_stop(cw_stream *s);

/* Produce this stream's next 20 ms frame (called by the media clock once per frame). */
void cw_stream_tick(cw_stream *s);

/* Handle one packet that arrived on the RTP socket from 'from'. */
void cw_stream_rtp_input(cw_stream *s, const uint8_t *pkt, size_t len,
                         const struct sockaddr *from);

/* Handle one DTMF heard by SIP INFO. */
void cw_stream_info_digit(cw_stream *s, const cw_dtmf_digit *d);

/* Queue one frame (n samples, at most a frame) of the other leg's audio on a bridged
 * stream (s->relay set); when the queue is full the oldest frame gives way, so that the
 * delay stays bounded. */
void cw_stream_relay_push(cw_stream *s, const int16_t *pcm, size_t n);

/* ---- the media gate ------------------------------------------------------------- */

/*
 * Every frame of outbound audio passes here before it is packetised; every decoded
 * inbound frame passes cw_gate_inbound before anything (DTMF aside) may see it.
 * Outbound (G1): while gate_only is set, only that prompt's frames. Inbound (G2): the
 * caller's audio reaches a consumer that keeps or processes it (the recorder, later the
 * AI bridge) only for a purpose that the call's committed, unwithdrawn consent covers,
 * checked frame by frame, so that a withdrawal takes effect with the next frame.
 * Returns 1 to admit the frame, 0 to drop it.
 */
int cw_gate_outbound(cw_stream *s, const uint8_t *payload, size_t len);

/* The inbound half of the gate: pcm is one decoded frame of the caller's audio. */
void cw_gate_inbound(cw_stream *s, const int16_t *pcm, size_t n);

/* May the caller's audio of stream s be kept or processed for purpose? 0 yes, or -1
 * with the reason, naming G2, in err. */
int cw_gate_may_record(cw_stream *s, const char *purpose, char *err, size_t errlen);

/* ---- the media clock ------------------------------------------------------------ */

/*
 * One clock drives every stream at 20 ms. cw_media_clock_advance(now) produces every
 * frame that became due since the last call, for all streams, so a late wake-up is
 * caught up rather than drifting; a real driver calls it from a uv timer with
 * uv_hrtime(), a virtual one with simulated time.
 */
typedef struct cw_media_clock {
    uint64_t start_ns;
    uint64_t frames_done;
    cw_stream *head;
    cw_stream *cursor;          /* next stream of the tick in progress (removal-safe) */
    size_t nstreams;
    uint64_t late_frames;       /* frames produced late (caught up) */
    uint64_t skipped_frames;    /* frames given up after a stall too long to catch up */

    /* real-time driver */
    uv_timer_t timer;
    int running;
} cw_media_clock;

/* Set up the clock; now_ns is the time base. */
void cw_media_clock_init(cw_media_clock *mc, uint64_t now_ns);
/* Add s to the clock (it ticks from the next frame on). */
void cw_media_clock_add(cw_media_clock *mc, cw_stream *s);
/* Remove s; safe from inside a tick. */
void cw_media_clock_remove(cw_media_clock *mc, cw_stream *s);
/* Produce all frames due at now_ns; returns the number of frame periods run. */
unsigned cw_media_clock_advance(cw_media_clock *mc, uint64_t now_ns);
/* Drive the clock from loop with a timer and uv_hrtime(). */
int cw_media_clock_start(cw_media_clock *mc, uv_loop_t *loop);
/* Stop the timer; cb runs when its handle is closed. */
void cw_media_clock_stop(cw_media_clock *mc, uv_close_cb cb);

/* ---- UDP transport -------------------------------------------------------------- */

/* A call's RTP and RTCP sockets, feeding a stream. Allocated and freed by the caller;
 * free it only after the done callback given to cw_udp_media_close ran. */
typedef struct cw_udp_media {
    cw_media_io io;
    uv_udp_t rtp;
    uv_udp_t rtcp;
    cw_stream *stream;
    int open_handles;
    void (*closed)(struct cw_udp_media *um);
    uint8_t rxbuf[CW_RTP_MAX_PACKET];
} cw_udp_media;

/* ss from an IPv4 or IPv6 literal and a port; 0, or a libuv error. */
int cw_sockaddr_from(const char *addr, uint16_t port, struct sockaddr_storage *ss);

/* Bind RTP on addr:port and RTCP on port+1 and start receiving into stream. */
int cw_udp_media_open(cw_udp_media *um, uv_loop_t *loop, const char *addr, uint16_t port,
                      cw_stream *stream, char *err, size_t errlen);

/* Close both sockets; closed(um) runs once both handles are closed. */
void cw_udp_media_close(cw_udp_media *um, void (*closed)(cw_udp_media *um));

#endif
