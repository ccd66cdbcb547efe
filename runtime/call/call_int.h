/* call_int.h  What stays inside the call part. */
#ifndef CW_CALL_INT_H
#define CW_CALL_INT_H

#include "callwarden/call.h"

/* Stop the call's media and log its figures; idempotent. */
void cw_call_end(cw_call *c, const char *reason);

/* Start the Lua flow of version v on c (flow_ops.c); the call takes over the
 * reference. */
void cw_call_start_flow(cw_call *c, cw_flow_version *v);

/* Parse and negotiate an offer (or an answer to ours): our codecs, our address family;
 * 0, or -1 with the text for a 488 in reason. */
int cw_call_negotiate(cw_call *c, const char *sdp, size_t len, cw_sdp *offer,
                      cw_sdp_choice *ch, char *reason, size_t rlen);

/* The ACK brought the answer to our offer: a call:answer() waiting for it resumes. */
void cw_call_media_ready(cw_call *c);

/* The tenant for a request-URI user: by the configured number map, then by name, then
 * the default tenant; NULL with the reason for a 404 in why. */
cw_tenant *cw_route_find(cw_runtime *rt, const char *user, char *why, size_t whylen);

/* The tenant version the call runs on (the flow's once it started), and its policy
 * (NULL: the tenant has none). Both live as long as the call. */
const cw_flow_version *cw_call_version(const cw_call *c);

/* The fallback (G10) after why: a human if the tenant has one, else the goodbye;
 * flow_ops.c. */
void cw_call_fallback(cw_call *c, const char *why);
/* The fallback's goodbye (its transfer could not be made). */
void cw_call_fallback_goodbye(cw_call *c);

/* A worker's job for the call is done: the call may be freed now if it ended. */
void cw_call_unpin(cw_call *c);

/* ---- G1 (disclosure.c) ---- */

/* 1 if the call's tenant has a policy, so its disclosure comes before the flow. */
int cw_disclosure_needed(const cw_call *c);
/* The call is answered and the caller can hear us: play the disclosure, then start the
 * flow. */
void cw_disclosure_start(cw_call *c);
/* A key arrived: 1 if the disclosure plays and it was discarded. */
int cw_disclosure_takes_digit(cw_call *c, char digit);

/* ---- G3 (consent.c) ---- */

/* call:consent{...}: ask, take the answer, wake the flow with the level or nil. */
int cw_consent_start(cw_call *c, const cw_consent_args *a, char *err, size_t errlen);
/* A key arrived: 1 if the consent question took it. */
int cw_consent_takes_digit(cw_call *c, char digit);
/* An RFC 4733 key went down: the withdraw key shuts the gate at once (G5). */
void cw_consent_key_down(cw_call *c, char digit);

/* ---- G3 by speech (consent_speech.c) ---- */

/* 1 if the call's consent question can be answered by speaking: the policy has speech
 * words for the call's language and a speech recognition (ai.transcribe). */
int cw_consent_speech_possible(const cw_call *c);
/* One frame of the caller's audio while the answer is awaited. */
void cw_consent_speech_frame(cw_call *c, const int16_t *pcm, size_t n);
/* The answer came (or the question ended): stop hearing, wipe, cancel a recognition. */
void cw_consent_speech_stop(cw_call *c);
/* The recognised words of a spoken answer (consent.c): yes gives the first level the
 * caller may be given, no refuses, anything else leaves the question standing. */
void cw_consent_spoken(cw_call *c, const char *text, double confidence);
/* A recognition ended without an answer: a pending answer timeout runs now. */
void cw_consent_speech_unheard(cw_call *c);

/* The multipart/form-data body of a transcription request (listen.c): model (may be
 * NULL), response_format, the call's language, the WAV as "file". NULL if out of
 * memory. */
char *cw_listen_multipart(const cw_call *c, const char *model, const char *format,
                          const uint8_t *wav, size_t wlen, const char *boundary,
                          size_t *len);
/* The text of a transcription answer ({"text"} or text/plain), trimmed; *confidence
 * from verbose_json's segments (exp of their mean avg_logprob), else -1. NULL if none. */
char *cw_ai_transcript(const cw_egress_response *r, double *confidence);

/* ---- G3's evidence: the caller's answer (evidence.c) ---- */

/* The question was heard: hold the caller's audio from now on, until the answer. */
void cw_evidence_listen(cw_call *c);
/* One frame of the caller's audio (kept only while listening). */
void cw_evidence_frame(cw_call *c, const int16_t *pcm, size_t n);
/* The answer came: the snippet as WAV with its id and hash for the GIVEN; 1 if there
 * is one. */
int cw_evidence_take(cw_call *c);
/* The GIVEN is durable: seal the snippet into the vault (level l's retention). */
void cw_evidence_store(cw_call *c, const cw_policy_level *l);
/* Refused, failed, hung up: wipe whatever was held. */
void cw_evidence_drop(cw_call *c);

/* ---- G2 (recorder.c) ---- */

/* call:record{purpose=, direction=}: 0 recording (both: also what the caller hears, as
 * the second channel), or -1 with the reason (naming G2) in err. */
int cw_recorder_start(cw_call *c, const char *purpose, int both, char *err, size_t errlen);
/* Pause (1) or resume (0) the recording: 0, or -1 "not recording". */
int cw_recorder_pause(cw_call *c, int paused, char *err, size_t errlen);
/* Stop recording: keep stores what was recorded in the vault, else it is wiped. */
void cw_recorder_finish(cw_call *c, int keep);

/* Say text in the call's language (local TTS), then next(c, completed) (consent.c). */
void cw_call_speak(cw_call *c, const char *text, cw_play_cb next);

/* ---- G6: the AI (ai.c) ---- */

/* call:ask(): the request through the egress gate; the flow wakes with the answer's
 * text, or nil and why. 0, or -1 with err (a message that is not UTF-8). */
int cw_ai_ask(cw_call *c, const cw_ask_args *a, char *err, size_t errlen);
/* Cancel a request in flight (withdrawal, the call's end, the fallback): the flow
 * gets nil and why. */
void cw_ai_cancel(cw_call *c, const char *why);

enum { CW_AI_CHAT = 0, CW_AI_TRANSCRIBE, CW_AI_SPEECH, CW_AI_CONSENT };

/* The bearer token of the call's tenant's AI endpoints (the config's ai_key), or NULL. */
const char *cw_call_ai_key(const cw_call *c);

/* ---- call:say (flow_ops.c, speech.c) ---- */

/* Say text with the local TTS, the flow waking when it was played. 0, or -1 with err. */
int cw_call_say_local(cw_call *c, const char *text, const char *lang, char *err,
                      size_t errlen);
/* A rendering for call:say is there (path) or failed (why): play it, wake the flow. */
void cw_call_said(void *ud, const char *path, const char *why);
/* Through the TTS endpoint when the policy names one and the consent covers it: 1 taken
 * over (the flow wakes when it was played), 0 for the local TTS, -1 with err. */
int cw_speech_say(cw_call *c, const char *text, const char *lang, char *err, size_t errlen);

/* What every AI request of a call carries, alive while it is sent: the call's consent
 * as the gate sees it, the bearer key's header, the call's hash for records. */
typedef struct cw_ai_ctx {
    cw_egress_consent consent;
    char auth[300];
    const char *headers[1];
    char call_hash[65];
} cw_ai_ctx;

/* Fill rq's policy, tenant, call, consent, headers, timeout and retries from c (x holds
 * what they point to). */
void cw_ai_prepare(cw_call *c, cw_ai_ctx *x, cw_egress_request *rq);
/* rq left (its job is c->ai_job): the scenario runner is told; a cancellation's reason
 * is "cancelled" until one is given. */
void cw_ai_sent(cw_call *c, const cw_egress_request *rq);

/* Send rq (url, purpose, body and content type filled by the caller; the call's
 * consent, tenant, key, timeouts filled here) through the gate for the flow, which
 * wakes with the answer's text (kind: how to read it) or nil and why. */
void cw_ai_send(cw_call *c, cw_egress_request *rq, int kind);

/* ---- call:listen (listen.c) ---- */

/* Hear the caller's next utterance and transcribe it; the flow wakes with the text, or
 * nil and why. 0, or -1 with err. */
int cw_listen_start(cw_call *c, const cw_listen_args *a, char *err, size_t errlen);
/* Stop hearing (withdrawal, the call's end, the fallback): what was heard is wiped; the
 * flow gets nil and why (after a withdrawal's confirmation). */
void cw_listen_cancel(cw_call *c, const char *why);

/* ---- G9 (handover.c) ---- */

/* call:transfer(target, headers, options): the notice, the consent headers, then the
 * REFER or the bridged INVITE. 0 or -1. */
int cw_handover_start(cw_call *c, const cw_transfer_args *t, char *err, size_t errlen);
/* The REFER was accepted, or the bridged human answered: HANDED_OVER. */
void cw_handover_accepted(cw_call *c);

/* ---- G9 by a bridged INVITE (bridge.c) ---- */

/* INVITE target (the consent headers h) and relay the media once the human answers;
 * the flow wakes when the bridge ends. 0, or -1 with the reason in err. */
int cw_bridge_start(cw_call *c, const char *target, const cw_header *h, size_t nh,
                    unsigned timeout_s, char *err, size_t errlen);
/* One frame of the caller's audio: to the human while bridged. */
void cw_bridge_caller_frame(cw_call *c, const int16_t *pcm, size_t n);
/* The caller's call ended: end the human's leg too. */
void cw_bridge_call_ended(cw_call *c);
/* 1 while the bridged leg's dialog holds its pin on the call (pending_handles). */
int cw_bridge_pins(const cw_call *c);
/* Free the bridge with the call (its sockets and dialog are over by then). */
void cw_bridge_free(cw_call *c);

/* ---- the call's consent records (records.c) ---- */

/* The disclosure's hash for its record. */
void cw_call_disclosure_hash(cw_call *c, const cw_policy_lang *l);
/* Look the caller's subject up in the tenant's vault, on a worker thread. */
void cw_call_find_subject(cw_call *c);
/* The disclosure was played in full: DISCLOSED to the ledger (once the subject is known). */
void cw_call_log_disclosed(cw_call *c);
/* GIVEN (level l, key answer) or REFUSED (l NULL; answer the key or "timeout") to the
 * ledger; done(c, ok) runs on the loop once it is durable or failed (the call is pinned
 * meanwhile). 0, or -1 with err (done never runs then). */
int cw_call_log_consent(cw_call *c, const cw_policy_level *l, const char *answer,
                        void (*done)(cw_call *c, int ok), char *err, size_t errlen);
/* WITHDRAWN to the ledger for the call's consent (not waited for). */
void cw_call_log_withdrawn(cw_call *c, const char *method, const char *answer);
/* ERASED to the ledger: n artifacts of the call's consent erased at its withdrawal. */
void cw_call_log_erased(cw_call *c, uint64_t n);
/* HANDED_OVER to the ledger (not waited for). */
void cw_call_log_handed_over(cw_call *c);


#endif
