/*
 * call.h  The call core: one cw_call per SIP dialog, its media, and the flow API
 * (answer, play, gather, hangup) that the demo flow uses today and the Lua host will
 * bind later. All of it runs on the loop thread.
 *
 * The call core never calls sofia-sip: it signals through cw_signaling, which the SIP
 * part implements (runtime/sip) and the scenario runner can replace.
 */
#ifndef CALLWARDEN_CALL_H
#define CALLWARDEN_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "callwarden/flow.h"
#include "callwarden/media.h"
#include "callwarden/policy.h"
#include "callwarden/sdp.h"
#include "callwarden/tts.h"
#include "callwarden/vad.h"

typedef struct cw_runtime cw_runtime;
typedef struct cw_call cw_call;

/* What the call core asks of the signalling side. */
typedef struct cw_signaling {
    /* 180 Ringing */
    void (*ringing)(cw_call *c);
    /* 200 OK to the pending INVITE (first or re-INVITE) carrying sdp */
    void (*answer)(cw_call *c, const char *sdp);
    /* a final error to the pending INVITE; warning ("" for none) and retry_after (0 for
     * none) become the Warning and Retry-After headers */
    void (*reject)(cw_call *c, int status, const char *phrase, const char *warning,
                   unsigned retry_after);
    /* send BYE */
    void (*bye)(cw_call *c);
    /* send REFER to target with extra headers (also put into the Refer-To URI, so the
     * transferee's INVITE carries them); cw_call_refer_result reports the answer.
     * Returns 0, or -1 with a reason in err. */
    int (*refer)(cw_call *c, const char *target, const cw_header *h, size_t nh,
                 char *err, size_t errlen);
    /* the call is about to be freed: forget it and release the dialog */
    void (*release)(cw_call *c);

    /* The bridged leg of a handover (G9): INVITE target from the caller (from_user,
     * "anonymous" when withheld) with our offer sdp and the extra headers; *handle is
     * the new dialog's. Its answers come back through cw_call_bridge_*. Returns 0, or
     * -1 with a reason in err. */
    int (*bridge_invite)(cw_call *c, void **handle, const char *target,
                         const char *from_user,
                         const char *sdp, const cw_header *h, size_t nh,
                         char *err, size_t errlen);
    /* end the bridged leg: CANCEL while it rings (answered 0), BYE once answered */
    void (*bridge_hangup)(cw_call *c, int answered);
    /* the bridged leg is over: release its dialog */
    void (*bridge_release)(cw_call *c);
} cw_signaling;

typedef struct cw_bridge cw_bridge;
typedef struct cw_evidence cw_evidence;

typedef enum cw_call_state {
    CW_CALL_NEW = 0,      /* INVITE received, not answered */
    CW_CALL_ANSWERED,     /* 200 OK sent, media running */
    CW_CALL_ENDING,       /* BYE sent or received, CANCELled, or rejected */
    CW_CALL_CLOSING       /* signalling over, handles closing, then freed */
} cw_call_state;

/* Where a call is with its disclosure (G1). */
enum {
    CW_DISCLOSURE_NONE = 0,         /* not started, or the tenant has no policy */
    CW_DISCLOSURE_PLAYING,          /* answered; only the disclosure may be heard */
    CW_DISCLOSURE_MENU,             /* played; the policy's language menu is asked */
    CW_DISCLOSURE_DONE              /* played in full; the flow runs */
};

/* A recording in progress (recorder.c): the caller's admitted frames, in memory. */
typedef struct cw_recording {
    int16_t *pcm;
    size_t n, cap;                  /* samples */
    char purpose[33];
    int64_t started_ms;
    int paused;                     /* call:pause_record(): frames are not kept */
    uint64_t last_frame;            /* the stream's audio_frames_in at the last one kept */
    int both;                       /* also what the caller heard (the right channel) */
    int16_t *out;
    size_t out_n, out_cap;
} cw_recording;

/* Where a call is with its consent (G3). */
enum {
    CW_CONSENT_NONE = 0,            /* not asked */
    CW_CONSENT_ASKING,              /* the question, "more", the answer's timeout */
    CW_CONSENT_COMMITTING,          /* an answer came; its record is being written */
    CW_CONSENT_GIVEN,               /* durably given: the gate may open for its purposes */
    CW_CONSENT_REFUSED,             /* refused (or timed out): nothing is recorded */
    CW_CONSENT_WITHDRAWN
};

typedef void (*cw_play_cb)(cw_call *c, int completed);
typedef void (*cw_gather_cb)(cw_call *c, const char *digits);   /* "" = timeout */

/* What the SIP side knows of a new INVITE. */
typedef struct cw_call_params {
    const char *user;               /* request-URI user: a tenant name or a number */
    const char *caller;             /* From user ("" if none or anonymous) */
    const char *call_id;            /* the Call-ID */
    const char *sdp;                /* the offer, NULL for an INVITE without SDP */
    size_t sdp_len;
} cw_call_params;

struct cw_call {
    cw_runtime *rt;
    uint64_t id;                    /* "call=<id>" in logs; no number is ever logged */
    const cw_signaling *sig;
    void *sig_handle;               /* the SIP side's dialog (a nua handle) */
    cw_call_state state;
    char tenant[64];
    char caller[64];                /* From user; never logged */
    char callee[64];                /* request-URI user */
    char call_id[128];
    int signaling_done;
    int media_open;
    int pending_handles;            /* uv handles still to be closed before free */
    char end_reason[32];

    /* media */
    uint16_t rtp_port;
    cw_sdp_choice choice;
    cw_stream stream;
    cw_udp_media udp;
    cw_media_io *media_io;          /* &udp.io, or the scenario runner's channel */
    uint64_t sdp_version;
    int offer_in_answer;            /* INVITE without SDP: our offer went in the 200 */
    char local_sdp[2048];           /* our answer (or offer) for the pending INVITE */

    /* timing (uv_hrtime ns) for the latency figures */
    uint64_t t_invite;

    /* the flow's pending operations (one of each at a time) */
    uv_timer_t timer;               /* ringing, then the gather timeout */
    void (*timer_cb)(cw_call *c);   /* what cw_call_timer_start armed, NULL if none */
    uint64_t timer_due_ms;          /* on the virtual clock, when it runs (scenarios) */
    cw_play_cb play_cb;
    cw_gather_cb gather_cb;
    char digits[32];                /* collected, not yet consumed */
    size_t max_digits;
    char terminators[17];           /* keys that end a gather early */
    int gather_barge;               /* a key stops the gather's prompt */
    int barge_wanted;               /* the flow's play/say asked for barge-in */
    int play_barge;                 /* the flow's prompt playing may be interrupted */
    int barged;                     /* ... and was: it returns false, "barge-in" */
    cw_vad barge_vad;               /* the caller's voice while such a prompt plays */
    unsigned flow_gather_timeout;   /* ms, armed when the gather's prompt ended */
    int flow_started;

    /* the tenant's Lua flow (NULL version: the built-in C demo flow) */
    cw_flow_run flow;
    cw_flow_version *version;       /* taken at the INVITE, handed to the flow */
    int in_fallback;                /* the fallback plays: the flow is over */
    int answer_waits;               /* call:answer() waits for the ACK */
    int refer_pending;
    cw_tts_wait tts_wait;           /* call:say() waiting for its rendering */

    /* G1 and the call's consent records (disclosure.c, records.c) */
    int disclosure;                 /* CW_DISCLOSURE_* */
    char lang[8];                   /* the caller's language, from the policy */
    char disclosure_sha256[65];
    int64_t disclosure_start_ms, disclosed_at_ms;
    unsigned keys_discarded;        /* pressed during the disclosure */
    int lang_menu_offered;
    char subject_ref[33];           /* the caller's data subject in the vault, "" if not yet */
    int cli_withheld;
    int subject_pending;            /* the look-up runs on a worker thread (pins the call) */
    int disclosed_pending;          /* DISCLOSED waits for the subject */

    /* G3: the consent of this call (consent.c); GIVEN only once its record is durable */
    int consent;                    /* CW_CONSENT_* */
    char consent_id[37];
    char consent_level[33];
    int64_t consent_ms;             /* when it was given (committed) */
    unsigned consent_levels;        /* bit i: the policy's level i is offered */
    int consent_age;                /* -1 unknown */
    int age_asking;                 /* the core's age question is being answered */
    char age_digits[4];             /* the keys of its answer so far */
    unsigned age_retries;
    int consent_simple;
    unsigned consent_retries;
    char consent_variant[33];       /* the wording asked: "main", "simple" or a variant id */
    const char *consent_question;   /* the policy's text (alive with the version) */
    cw_play_cb consent_next;        /* what follows the wording being rendered */
    cw_recording *rec;              /* call:record{} in progress, or NULL */
    cw_evidence *evidence;          /* the caller's answer being heard (evidence.c) */
    int evidence_listening;         /* from the question's end to the answer */
    char evidence_id[33];           /* the snippet a GIVEN names, "" for none */
    char evidence_sha256[65];
    uint8_t *evidence_wav;          /* it, until stored after the GIVEN is durable */
    size_t evidence_len;
    int64_t evidence_ms;
    struct cw_spoken *spoken;       /* a spoken answer to the question (consent_speech.c) */
    int consent_by_speech;          /* the answer was spoken: method SPEECH */
    char consent_speech[128];       /* what the recognition heard */
    double consent_confidence;      /* its confidence, -1 unknown */
    int answer_timeout_pending;     /* the answer time ran out while a spoken answer was
                                     * being recognised */
    cw_play_cb withdraw_flow_cb;    /* the flow's prompt that gave way to the withdrawal */
    int withdraw_confirming;        /* the confirmation plays */
    uint64_t withdraw_key_frame;    /* audio_frames_in when the withdraw key went down */

    /* G9: a handover in progress (handover.c) */
    char ho_target[256];
    struct { char name[64]; char value[256]; } ho[20];
    size_t ho_n;
    int handing_over;
    int ho_bridge;                  /* by a bridged INVITE, not a REFER */
    unsigned ho_timeout_s;          /* how long the human's phone may ring (0: 30 s) */
    char hangup_after_confirm[32];  /* the flow's hang-up, after it */
    cw_bridge *bridge;              /* a bridged handover's leg to the human, or NULL */

    /* call:ask() in flight (ai.c), through the egress gate (G6) */
    struct cw_egress_job *ai_job;
    int ai_kind;                    /* what it asks: CW_AI_CHAT or CW_AI_TRANSCRIBE */
    char ai_why[256];               /* why the flow gets nil (cancelled, failed) */
    struct cw_listen *listen;       /* call:listen() hearing the caller (listen.c) */
    char *speech_text;              /* call:say() through the TTS endpoint (speech.c) */
    char speech_lang[16];
    char speech_path[CW_TTS_PATH_LEN];

    uint64_t rand_state;            /* the call's own random numbers (cw_call_random) */

    cw_call *next, *prev;           /* the runtime's list of calls */
};

/* ---- from the signalling side ---------------------------------------------------- */

/* A new INVITE. Routes it to a tenant and creates the call (which may reject it at
 * once, through sig: unknown number 404, limits 503, bad SDP 488); NULL only when out
 * of memory (the SIP side answers 503). */
cw_call *cw_call_incoming(cw_runtime *rt, const cw_signaling *sig, void *sig_handle,
                          const cw_call_params *p);

/* The answer to our REFER: status 2xx accepted, anything else refused. */
void cw_call_refer_result(cw_call *c, int status, const char *phrase);

/* A re-INVITE on an answered call (sdp may be NULL: we re-offer in the 200). */
void cw_call_reinvite(cw_call *c, const char *sdp, size_t sdp_len);

/* The ACK to our 200; sdp is the answer when our offer was in the 200. */
void cw_call_ack(cw_call *c, const char *sdp, size_t sdp_len);

/* The peer hung up (BYE) or cancelled (CANCEL) or the dialog failed. */
void cw_call_remote_end(cw_call *c, const char *reason);

/* A DTMF digit arrived by SIP INFO. */
void cw_call_info_digit(cw_call *c, const cw_dtmf_digit *d);

/* The dialog is over on the SIP side; the call is freed once its handles closed. */
void cw_call_signaling_ended(cw_call *c);

/* The bridged leg: a response to our INVITE (sdp: the answer's body, for a 2xx). */
void cw_call_bridge_response(cw_call *c, int status, const char *phrase, const char *sdp,
                             size_t sdp_len);
/* The human hung up (BYE) or the bridged dialog failed. */
void cw_call_bridge_remote_end(cw_call *c, const char *reason);
/* The bridged dialog is over on the SIP side (its handle may be released). */
void cw_call_bridge_signaling_ended(cw_call *c);
/* The signalling handle of the bridged leg, or NULL (the SIP side's routing). */
void *cw_call_bridge_handle(const cw_call *c);

/* The call's next random number (A/B wording, RTP SSRC): its own sequence, so that a
 * scenario call replays exactly from its seed. Not for secrets. */
uint32_t cw_call_random(cw_call *c);

/* The policy the call runs under (NULL: the tenant has none); alive as long as the
 * call. */
const cw_policy *cw_call_policy(const cw_call *c);

/* The worker and ledger jobs (and handle closes) the call waits for: the scenario
 * runner's virtual clock waits for them too. */
int cw_call_jobs_in_flight(const cw_call *c);

/* The scenario runner's fault injection (G10): the flow's waiting call method raises
 * why. 0, or -1 if no flow waits. */
int cw_call_inject_flow_error(cw_call *c, const char *why);

/* ---- the call's one timer ---------------------------------------------------------- */

/* Run cb(c) in ms (replacing what was armed): on the loop's clock, or on the virtual
 * clock when the scenario runner drives the runtime. */
void cw_call_timer_start(cw_call *c, void (*cb)(cw_call *c), uint64_t ms);
/* Disarm the call's timer. */
void cw_call_timer_stop(cw_call *c);
/* The virtual clock reached the timer's time: run it (the scenario runner). */
void cw_call_timer_fire(cw_call *c);

/* ---- the flow API ------------------------------------------------------------------ */

/* Answer the pending INVITE (200 with our SDP) and start media. Returns 0 or -1. */
int cw_call_answer(cw_call *c);

/* Play prompt <tenant>/<lang>/<id>; cb(c, completed) runs when it ended. Returns 0, or
 * -1 if the prompt cannot be loaded (logged; cb is not called). */
int cw_call_play(cw_call *c, const char *lang, const char *id, cw_play_cb cb);

/* Collect up to max digits (keys pressed during a prompt count), ending early on a
 * terminator (c->terminators, '#' unless a flow said otherwise; not part of the result);
 * cb(c, digits) runs with what was collected, "" after timeout_ms without a key;
 * timeout_ms 0 waits without a limit (call again with a limit to arm it). */
void cw_call_gather(cw_call *c, size_t max, unsigned timeout_ms, cw_gather_cb cb);

/* Hang up: BYE if answered, else 480; media stops at once. */
void cw_call_hangup(cw_call *c, const char *reason);

/* G5 from outside the call (the admin API): withdraw c's given consent as the withdraw
 * key does (the gate shuts at once, the recording is discarded, the content erased,
 * WITHDRAWN with method and answer and ERASED logged, the caller told). 0, or -1 if c
 * has no given consent. */
int cw_call_withdraw(cw_call *c, const char *method, const char *answer);

/* ---- the demo flow (until the Lua host lands) ------------------------------------- */

/* Start the demo flow on an answered call. */
void cw_demo_flow_start(cw_call *c);

#endif
