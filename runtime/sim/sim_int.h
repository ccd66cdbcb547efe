/* sim_int.h  The scenario runner's parts (runtime/sim): the simulated line between a
 * virtual caller and the real call core, the virtual clock that drives both, and the
 * trace each call leaves for the oracle. */
#ifndef CW_SIM_INT_H
#define CW_SIM_INT_H

#include <stdint.h>

#include <lua.h>

#include "callwarden/runtime.h"
#include "callwarden/trace.h"
#include "sip_caller.h"

typedef struct sim_run sim_run;
typedef struct sim_call sim_call;

/* ---- the caller's audio, signed frame by frame (signature.c) ---- */

/* Write the signature of (call number, clock period) into the first SIM_SIGNATURE_LEN
 * samples of a frame of linear audio; speaking fills the rest with speech-like sound. */
#define SIM_SIGNATURE_LEN 27
/* The signed call number: the run's tag and the call's number in the run. */
#define SIM_SIGNED_CALL(tag, no) ((unsigned)(tag) << 18 | ((unsigned)(no) & 0x3ffffu))
void sim_sign_frame(int16_t *pcm, unsigned call_no, uint32_t period, int speaking);
/* Only the signature (the first SIM_SIGNATURE_LEN samples). */
void sim_sign(int16_t *pcm, unsigned call_no, uint32_t period);
/* Find signed frames in samples (stride: channels): fn(ud, call_no, period) for each. */
void sim_find_signatures(const int16_t *s, size_t n, size_t stride,
                         void (*fn)(void *ud, unsigned call_no, uint32_t period), void *ud);

/* ---- what the caller hears: prompts identified by their bytes (prompt_index.c) ---- */

typedef struct sim_prompt_index sim_prompt_index;
sim_prompt_index *sim_index_new(void);
void sim_index_free(sim_prompt_index *ix);
/* The prompt whose frame this payload (160 bytes of codec) is, and which frame: 1, or
 * 0 if none of the prompts in pc (indexed on demand) has it. When several share the
 * bytes: the one whose previous frame is prev (the frame heard just before, NULL if
 * none), else one that starts (frame 0). */
int sim_index_find(sim_prompt_index *ix, cw_prompt_cache *pc, cw_codec codec,
                   const uint8_t *payload, const uint8_t *prev, const cw_prompt **p,
                   unsigned *frame);
/* A frame no louder than this (linear) is heard as silence: the lead-in of a rendered
 * prompt, alike in many prompts, names none of them. */
#define SIM_QUIET 100
/* 1 if the frame (160 bytes of codec) is quiet; frame k of p is quiet. */
int sim_frame_quiet(const uint8_t *payload, cw_codec codec);
int sim_prompt_frame_quiet(const cw_prompt *p, cw_codec codec, unsigned k);
/* 1 if payload is frame k of p in codec (the last one padded with silence). */
int sim_prompt_frame_is(const cw_prompt *p, cw_codec codec, unsigned k,
                        const uint8_t *payload);

/* ---- a scheduled caller action or signalling answer (channel.c) ---- */

typedef struct sim_key {
    char digit;
    uint64_t t_down;               /* virtual ms */
    unsigned ms;                   /* held this long */
} sim_key;

struct sim_call {
    sim_run *run;
    unsigned no;                   /* 1, 2, ... in the run */
    cw_call *c;                    /* NULL once the core freed it */
    cw_trace tr;
    char from[64], to[64];
    uint64_t seed;                 /* of the core's random numbers for this call */

    /* the line */
    cw_media_io io;                /* the caller's stream sends through here */
    cw_media_io human_io;          /* a bridged human's leg */
    int media_up, human_media_up;
    cw_codec codec;
    int te_pt;
    uint8_t audio_pt;
    uint16_t seq;
    uint32_t ts, ssrc;
    struct sockaddr_storage addr;  /* where "our" RTP comes from */
    int answered, ended, freed;
    int bye_when_answered;          /* over SIP: hung up before the 200 OK came */
    int sig_end_pending;           /* the dialog ends after the current callback */

    /* what the caller does */
    sim_key keys[64];
    size_t nkeys, next_key;
    int key_active;                /* sending the events of keys[next_key] */
    uint16_t key_dur;
    unsigned key_end_sent;
    uint64_t speak_until;          /* the caller talks until then */
    int transfer_answer;           /* 202 or a refusal's status for REFER */
    int human_answers;             /* the bridged human picks up */
    unsigned human_ring_ms, human_talk_ms;
    uint64_t human_answer_at, human_bye_at;
    uint64_t refer_result_at;

    /* what the caller hears: the open stretch */
    cw_trace_heard *open;          /* the last heard stretch, if it may go on */
    const cw_prompt *open_p;
    unsigned open_next;
    uint8_t prev[CW_FRAME_SAMPLES];    /* the frame heard last, if contiguous with now */
    uint64_t last_out;             /* time of the last audio frame */

    /* over a real line (--sip): the dialog, our RTP socket, the runtime's RTP address */
    void *nh;
    uv_udp_t rtp;
    int rtp_open, rtp_closing, remote_known, have_rx;
    uint16_t rx_seq;
    struct sockaddr_storage remote;
    uint8_t rxbuf[CW_RTP_MAX_PACKET];
    sim_call *next;                /* every call of the run, newest first */
    sim_call *live_next;           /* the calls the core still holds */
};

/* What the oracle needs of the stores once the run is over (collect.c). */
void sim_collect(sim_run *r);

/* ---- the run: a runtime on the virtual clock (driver.c) ---- */

struct sim_run {
    uv_loop_t loop;
    cw_runtime rt;
    cw_sim_hooks hooks;
    char data_dir[CW_PATH_LEN];
    sim_prompt_index *index;
    sim_call *calls;               /* newest first */
    sim_call *live;                /* those the core still holds (the clock serves them) */
    unsigned ncalls;
    uint64_t now;                  /* = rt.vnow_ms */
    uint64_t seed;
    /* the caller's frames beyond the signature, encoded once: [codec][speaking] */
    uint8_t fill[2][2][CW_FRAME_SAMPLES];
    int fill_ready;
    /* over a real line (--sip): the agent, the real clock, the stores read afterwards */
    sim_sip *sip;
    int over_sip;                  /* the run is over a real line (sip may be gone) */
    uint64_t t0_ns;
    int64_t wall0_ms;              /* the wall clock when the run began (ledger times) */
    char collect_dir[CW_PATH_LEN]; /* the runtime's data directory, "" if unknown */
    uint16_t run_tag;              /* in every signed frame: this run's audio, no other */
    char tts_dir[CW_PATH_LEN];     /* the runtime's TTS cache (--tts), "" if unknown */
    uint64_t tts_scanned;          /* when it was last read */
    uv_timer_t wait_timer;
    int wait_timer_open;
    struct sim_render { cw_tts_wait w; } *waits;
    size_t nwaits, capwaits;
    int renders;
    /* TTS texts by file, to name what the caller heard */
    struct sim_text { char *path, *text; } *texts;
    size_t ntexts, captexts;
    char err[512];
};

/* Start a runtime over cfg's tenants with its stores in data_dir; sip "HOST:PORT": the
 * calls go to the runtime there instead, over a real line (its TTS cache in tts_dir, if
 * known). 0 or -1 (r->err). */
int sim_run_open(sim_run *r, const cw_config *cfg, const char *data_dir, const char *sip,
                 const char *tts_dir);
/* Let the core finish what it does now (ledger commits, vault jobs, TTS): the virtual
 * clock stands still meanwhile. 0, or -1 when it does not finish in real seconds. */
int sim_settle(sim_run *r);
/* Advance the virtual clock to t (> now): timers, caller actions, media periods. */
void sim_advance(sim_run *r, uint64_t t);
/* The next moment something is due (a timer, a caller action, the next frame). */
uint64_t sim_next_due(sim_run *r);
/* Collect the stores' side of every call, close the runtime, free it. */
void sim_run_close(sim_run *r);

/* ---- the line (channel.c, heard.c, caller.c, hooks.c) ---- */

/* telephone-event's payload type when an answer names none (what the caller offers) */
#define SIM_TE_PT_DEFAULT 101

/* The scenario call of a core's call (its signalling handle). */
sim_call *sim_call_of(cw_call *c);
/* The stretch of audio being heard is over (silence, a gap, the call's end). */
void sim_heard_close(sim_call *sc);

/* One frame of the runtime's audio reached the caller (contiguous: it follows the last
 * one on the line, after lost frames that went missing on the way). */
void sim_heard_frame(sim_call *sc, const uint8_t *payload, int contiguous, unsigned lost);
/* The call is over for the caller: by whom, why. */
void sim_ended(sim_call *sc, const char *by, const char *reason);
/* A transfer the runtime asked for, into the trace. */
void sim_record_transfer(sim_call *sc, const char *target, const char *mode,
                         const cw_header *h, size_t nh);
/* path holds the rendering of text (to name what the caller hears). */
void sim_tts_named_text(sim_run *r, const char *path, const char *text);
/* The policy the call runs under, as the runner knows it. */
const cw_policy *sim_policy_of(const sim_call *sc);

/* ---- over a real line (sip_line.c) ---- */

/* Start the SIP caller for target and learn the tenants' wording; 0 or -1 (r->err). */
int sim_line_open(sim_run *r, const char *target, const char *tts_dir);
void sim_line_close(sim_run *r);
/* INVITE from our own RTP socket; 0 or -1. */
int sim_line_dial(sim_call *sc, const char *offer_fmt);
void sim_line_hangup(sim_call *sc);
/* Send one RTP packet to the runtime; 0 or -1. */
int sim_line_send(sim_call *sc, const uint8_t *pkt, size_t len);
/* Learn what the runtime rendered since the last look (its TTS cache): 1 if new. */
int sim_line_learn(sim_run *r);
/* Milliseconds since the run began, on the real clock. */
uint64_t sim_real_ms(const sim_run *r);

/* Dial: an INVITE from the caller to the tenant's number; the call's random numbers
 * come from seed. NULL if out of memory. */
sim_call *sim_dial(sim_run *r, const char *from, const char *to, uint64_t seed);
/* The caller hangs up now. */
void sim_hangup(sim_call *sc);
/* The caller presses digits from now on (each held ms, gap ms apart). */
void sim_press(sim_call *sc, const char *digits, unsigned ms, unsigned gap);
/* The caller speaks for ms from now (the words go into the trace). */
void sim_say(sim_call *sc, const char *words, unsigned ms);
/* The caller's side at the start of clock period t: RTP for this period. */
void sim_caller_tick(sim_call *sc);
/* Signalling answers that were due at now (REFER result, the human's). */
void sim_line_due(sim_call *sc);
/* The earliest signalling answer still due, or UINT64_MAX. */
uint64_t sim_line_next(const sim_call *sc);
/* The text the file at path was rendered from, or NULL. */
const char *sim_text_of(sim_run *r, const char *path);
/* The trace's next sequence number. */
uint64_t sim_seq(sim_call *sc);
/* Free a call (after the run). */
void sim_call_free(sim_call *sc);

extern const cw_signaling sim_signaling;
/* Set up the hooks (before the runtime starts) and watch its TTS (after). */
void sim_hooks_init(sim_run *r);
void sim_tts_watch(sim_run *r);

#endif
