/*
 * trace.h  What happened in one scenario call, as the scenario runner saw it from the
 * caller's side of the line and from the stores afterwards (runtime/sim), and the
 * oracle that checks it against the guarantees G1-G10 whatever the scenario asserted.
 *
 * Times are milliseconds of the virtual clock since the run started; seq orders the
 * events of one instant (a frame kept and a consent committed in the same millisecond).
 * The trace is plain data, so that a test can build one with a violation and see the
 * oracle report it.
 */
#ifndef CALLWARDEN_TRACE_H
#define CALLWARDEN_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define CW_TRACE_NAME 160
#define CW_TRACE_TEXT 1024

/* A stretch of audio the caller heard: one prompt, identified by its bytes, or audio
 * that is no known prompt (prompt ""). */
typedef struct cw_trace_heard {
    uint64_t t0, t1, seq;           /* first and last frame's time */
    char prompt[CW_TRACE_NAME];     /* "praxis/de/menu", "tts:de", "" (unknown) */
    char text[CW_TRACE_TEXT];       /* its words, as far as known */
    unsigned first, last, frames;   /* which of the prompt's frames were heard */
} cw_trace_heard;

typedef struct cw_trace_key {
    uint64_t t_down, t_up, seq;
    char digit;
} cw_trace_key;

typedef struct cw_trace_said {
    uint64_t t0, t1;
    char words[256];
} cw_trace_said;

/* Consent states as the trace names them. */
enum {
    CW_TRACE_ASKED = 1, CW_TRACE_COMMITTING, CW_TRACE_GIVEN, CW_TRACE_REFUSED,
    CW_TRACE_WITHDRAWN, CW_TRACE_NOT_GIVEN   /* the commit failed */
};

typedef struct cw_trace_consent {
    uint64_t t, seq;
    int state;                      /* CW_TRACE_* */
    char id[40], level[33], variant[33];
    char purposes[16][33];          /* the level's, from the policy */
    unsigned npurposes;
} cw_trace_consent;

typedef struct cw_trace_recording {
    uint64_t t0, t1, seq0, seq1;    /* t1 0: still running when the call ended */
    char purpose[33];
    int kept;                       /* stored in the vault at its end */
} cw_trace_recording;

/* A frame of the caller's audio that the recorder kept: when the caller sent it. */
typedef struct cw_trace_frame {
    uint64_t t_sent, t_kept, seq;
} cw_trace_frame;

typedef struct cw_trace_header {
    char name[64], value[256];
} cw_trace_header;

typedef struct cw_trace_transfer {
    uint64_t t, seq;
    char target[256];
    char mode[8];                   /* "refer" or "bridge" */
    cw_trace_header headers[20];
    unsigned nheaders;
    int accepted;                   /* the REFER was accepted / the human answered */
} cw_trace_transfer;

/* An artifact in the tenant's vault that holds audio of this call, after the run. */
typedef struct cw_trace_artifact {
    char id[33], consent_id[40], purpose[33], kind[64];
    int64_t created_ms, delete_after_ms;
    unsigned frames;                /* of this call's caller audio */
    uint64_t first_sent, last_sent; /* when the caller sent the first and last of them */
} cw_trace_artifact;

/* A consent ledger record of this call (found by the hash of its Call-ID). */
typedef struct cw_trace_record {
    uint64_t seq;
    char event[24];
    char consent_id[40];
} cw_trace_record;

/* A request that left through the egress gate (G6): where to, for what, when it ended. */
typedef struct cw_trace_egress {
    uint64_t t, seq;                /* sent */
    uint64_t t_done, seq_done;      /* answered, failed or cancelled; 0: still in flight */
    char scheme[16], host[256];
    unsigned port;
    char purpose[33];
    int caller_data;                /* derived from the caller: needs the consent */
    int cancelled;
} cw_trace_egress;

/* A host of the policy's egress.allow, as the trace keeps it for the oracle. */
typedef struct cw_trace_host {
    char host[256];
    unsigned port;                  /* 0: any */
    char region[8];
} cw_trace_host;

typedef struct cw_trace {
    char name[CW_TRACE_NAME];       /* the scenario (file:line of its dial) */
    char tenant[64];
    char lang[8];                   /* the language the call ran in */
    char call_id[96];
    int has_policy;
    char disclosure[CW_TRACE_TEXT]; /* the policy's disclosure in that language */
    char handover_notice[CW_TRACE_TEXT];
    int answered;
    uint64_t t_invite, t_answer, t_end;
    int rejected;                   /* the status of a refusal to answer, 0 if none */
    char ended_by[16];              /* "caller", "callwarden" */
    char end_reason[64];
    uint64_t t_withdraw_key;        /* the withdraw key went down; 0: never */
    char withdraw_key;
    uint64_t t_error;               /* the flow failed; 0: never */
    char error[256];
    int fallback;                   /* the fallback began */
    uint64_t t_fallback;

    cw_trace_heard *heard;       size_t nheard, capheard;
    cw_trace_key *keys;          size_t nkeys, capkeys;
    cw_trace_said *said;         size_t nsaid, capsaid;
    cw_trace_consent *consents;  size_t nconsents, capconsents;
    cw_trace_recording *recs;    size_t nrecs, caprecs;
    cw_trace_frame *frames;      size_t nframes, capframes;
    cw_trace_transfer *transfers; size_t ntransfers, captransfers;
    cw_trace_artifact *artifacts; size_t nartifacts, capartifacts;
    cw_trace_record *records;    size_t nrecords, caprecords;
    cw_trace_egress *egress;     size_t negress, capegress;

    /* the policy's egress.allow and permitted regions (G6) */
    cw_trace_host allow[32];
    size_t nallow;
    char regions[8][8];
    size_t nregions;

    int over_sip;                   /* a real line: no hooks; times have network jitter */
    int stores_read;                /* the tenant's ledger and vault were read afterwards */
    int audit_problems;             /* cw_ledger_verify's count on the tenant's ledger */
    char audit_error[256];          /* it could not run: why */
    unsigned foreign;               /* records or audio of this call in another tenant's stores */
    unsigned erased_left;           /* artifacts of a withdrawn consent still in the vault */
    uint64_t next_seq;
} cw_trace;

/* A fresh zeroed element at the end of the array *arr (n used, cap allocated, size
 * bytes each); NULL when out of memory. */
void *cw_trace_push(void **arr, size_t *n, size_t *cap, size_t size);

/* Free the trace's arrays (the struct itself is the caller's). */
void cw_trace_free(cw_trace *t);

/* One broken guarantee: which, when, and what the trace shows. */
typedef struct cw_violation {
    char guarantee[4];              /* "G1" ... "G10" */
    uint64_t t_ms;
    char what[512];
} cw_violation;

/* Check t against G1-G10; the violations found go to v (at most max of them). Returns
 * how many there are (also beyond max). */
size_t cw_oracle_check(const cw_trace *t, cw_violation *v, size_t max);

#endif
