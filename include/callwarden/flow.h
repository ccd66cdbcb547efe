/*
 * flow.h  A call's flow: one coroutine of its tenant version's lua_State running
 * flow.lua with a `call` object. The call API's waiting methods (answer, play, say,
 * gather, sleep, consent, transfer, ask) start an operation through cw_flow_ops and yield; the call
 * core wakes the flow with the operation's result. After the call ended every waiting
 * method raises "call ended".
 *
 * G10: a Lua error, a spent instruction budget or the call's memory share ends the
 * flow, never the process; ops->finished(call, error) then lets the call core run the
 * tenant's fallback. The Lua host never calls the call core but through these ops
 * (DESIGN.md: call -> script, never script -> call).
 */
#ifndef CALLWARDEN_FLOW_H
#define CALLWARDEN_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "callwarden/tenant.h"

#define CW_FLOW_MAX_DIGITS 31
#define CW_FLOW_MAX_HEADERS 16
#define CW_FLOW_CALL_ENDED "call ended"

/* call:gather{...} as the flow asked for it, checked. */
typedef struct cw_gather_args {
    unsigned max;                   /* 1..CW_FLOW_MAX_DIGITS */
    int timeout_ms;                 /* after the prompt; -1: the configured default */
    char terminators[17];           /* keys that end the input early ("" none) */
    const char *prompt;             /* NULL, or played with barge-in while collecting */
    const char *language;
} cw_gather_args;

/* call:consent{...} as the flow asked for it, checked (G3). */
typedef struct cw_consent_args {
    const char *levels[8];          /* the levels offered (names); none: every level */
    size_t nlevels;
    int age;                        /* the caller's age if the flow knows it, else -1 */
    int simple;                     /* ask in the policy's simplified language */
} cw_consent_args;

typedef struct cw_header {
    const char *name, *value;
} cw_header;

/* How a transfer reaches the human (G9). */
typedef enum cw_transfer_mode {
    CW_TRANSFER_POLICY = 0,         /* what the policy says (refer unless it says bridge) */
    CW_TRANSFER_REFER,              /* blind: a REFER, and the caller leaves us */
    CW_TRANSFER_BRIDGE              /* our INVITE to the human, media relayed through us */
} cw_transfer_mode;

/* call:transfer(target, headers, options) as the flow asked for it, checked. */
typedef struct cw_transfer_args {
    const char *target;             /* "" or NULL: the policy's handover target */
    const cw_header *headers;
    size_t nheaders;
    cw_transfer_mode mode;
    unsigned timeout_s;             /* bridge: how long the human's phone rings; 0 policy */
} cw_transfer_args;

#define CW_FLOW_MAX_MESSAGES 64
#define CW_FLOW_MAX_MESSAGE 16384      /* bytes of one message's content */

/* One message of a conversation with the AI (call:ask). */
typedef struct cw_ai_message {
    const char *role;               /* "system", "user" or "assistant" */
    const char *content;
} cw_ai_message;

/* call:ask(messages, options) as the flow asked for it, checked. */
typedef struct cw_ask_args {
    const cw_ai_message *messages;
    size_t nmessages;
    const char *model;              /* NULL: the policy's ai.chat.model */
    const char *url;                /* NULL: the policy's ai.chat.url (the gate checks it) */
    const char *purpose;            /* NULL: the endpoint's purpose */
    int stream;                     /* ask for a streamed answer (SSE) */
    int max_tokens;                 /* 0: the endpoint's default */
    double temperature;             /* < 0: the endpoint's default */
} cw_ask_args;

/* call:listen{...} as the flow asked for it, checked. */
typedef struct cw_listen_args {
    unsigned timeout_ms;            /* for speech to begin (default 5000) */
    unsigned max_ms;                /* the longest utterance (default 15000) */
    unsigned silence_ms;            /* this much silence ends it (default 800) */
    const char *url;                /* NULL: the policy's ai.transcribe.url */
    const char *purpose;            /* NULL: the endpoint's purpose */
} cw_listen_args;

/*
 * What the Lua host asks of the call core. A waiting op returns 0 once started and
 * the core later calls one cw_flow_wake_* (it may do so before the op returns); or -1
 * with a reason in err. The flow sees -1 as a Lua error, except for record and
 * transfer, which return nil and the reason (a refusal, not a bug).
 */
typedef struct cw_flow_ops {
    int (*answer)(void *call, char *err, size_t errlen);          /* wake: none */
    int (*play)(void *call, const char *what, const char *lang,   /* wake: bool */
                char *err, size_t errlen);
    int (*say)(void *call, const char *text, const char *lang,    /* wake: bool */
               char *err, size_t errlen);
    int (*gather)(void *call, const cw_gather_args *g,            /* wake: string */
                  char *err, size_t errlen);
    int (*sleep)(void *call, unsigned ms, char *err, size_t errlen);  /* wake: none */
    int (*consent)(void *call, const cw_consent_args *a,           /* wake: result */
                   char *err, size_t errlen);
    int (*transfer)(void *call, const cw_transfer_args *t,       /* wake: bool */
                    char *err, size_t errlen);
    int (*record)(void *call, const char *purpose, int both,      /* now */
                  char *err, size_t errlen);
    int (*stop_record)(void *call, char *err, size_t errlen);                   /* now */
    int (*pause_record)(void *call, int paused, char *err, size_t errlen);      /* now */
    void (*hangup)(void *call, const char *cause);                              /* now */
    /* the AI's answer through the egress gate (G6): wake with its text, or nil and why
     * (a refusal, a timeout, the AI down) */
    int (*ask)(void *call, const cw_ask_args *a, char *err, size_t errlen);    /* result */
    /* the caller's next utterance, cut by voice activity, transcribed through the gate
     * (G2, G6): wake with its text, or nil and why ("no speech", a refusal, ...) */
    int (*listen)(void *call, const cw_listen_args *a, char *err, size_t errlen); /* result */
    /* the flow is over: error NULL when it returned (or ended with the call), else
     * "file:line: message" or the kill reason; the core runs the fallback then */
    void (*finished)(void *call, const char *error);
} cw_flow_ops;

/* The fixed facts of a call, copied into the run. */
typedef struct cw_flow_info {
    uint64_t id;
    const char *caller, *callee, *call_id, *language;
    /* where call:log() lines go; NULL: the runtime's log */
    void (*log)(void *ud, const char *msg);
    void *log_ud;
} cw_flow_info;

typedef struct cw_flow_result {
    int kind;                       /* CW_FLOW_WAKE_* */
    int ok;
    char text[256];
} cw_flow_result;

/* One call's flow. The call core owns it (embedded in the call); start it once,
 * free it once, when the call is freed. */
typedef struct cw_flow_run {
    cw_tenants *ts;
    cw_flow_version *v;             /* a reference, released by cw_flow_free */
    const cw_flow_ops *ops;
    void *call;
    lua_State *co;                  /* the flow's coroutine; NULL once it is over */
    int co_ref;                     /* registry references: the coroutine, */
    int obj_ref;                    /* the `call` object, */
    int on_hangup_ref, on_dtmf_ref; /* and the hooks */
    int on_withdraw_ref;
    int withdraw_hook_due;          /* a withdrawal came while the flow ran */
    size_t mem;                     /* the memory the flow holds (its share) */
    int running;                    /* inside a resume */
    int waiting;                    /* yielded in a call API method */
    int barge;                      /* the play/say being started may be interrupted by
                                     * the caller's voice or a key (barge-in) */
    int ended;                      /* the call ended */
    int woken_ended;                /* woken because the call ended: raise */
    int hangup_hook_due;
    cw_flow_result pending;         /* a result that arrived while running */
    char *pending_long;             /* its text when longer than pending.text (malloc'd) */
    size_t pending_long_len;
    int has_pending;
    char dtmf_queue[16];            /* keys that came while the flow ran, for on_dtmf */
    size_t ndtmf;
    uint64_t id;
    void (*log)(void *ud, const char *msg);
    void *log_ud;
    char tenant[CW_TENANT_NAME_LEN];
    char caller[64], callee[64], call_id[128], language[16], end_cause[32];
    char withdrawn_level[33];
    char injected[128];             /* the scenario runner's fault: the wait raises it */
} cw_flow_run;

/* Start call's flow on version v (the run takes over the caller's reference).
 * Runs it until it first waits; on failure to start ops->finished reports it. */
void cw_flow_start(cw_flow_run *r, cw_tenants *ts, cw_flow_version *v,
                   const cw_flow_ops *ops, void *call, const cw_flow_info *info);

/* Wake a waiting flow with no value, a boolean (+ a reason when false), a string. */
void cw_flow_wake_none(cw_flow_run *r);
void cw_flow_wake_bool(cw_flow_run *r, int ok, const char *why);
void cw_flow_wake_string(cw_flow_run *r, const char *s);
/* Wake with value (a string), or with nil and why if value is NULL. */
void cw_flow_wake_result(cw_flow_run *r, const char *value, const char *why);

/* Wake with a value of any length (len bytes; the AI's answer), or nil and why if
 * value is NULL. */
void cw_flow_wake_text(cw_flow_run *r, const char *value, size_t len, const char *why);

/* A key the caller pressed: runs the flow's on_dtmf hook, if it set one. */
void cw_flow_dtmf(cw_flow_run *r, char digit);

/* The caller withdrew the consent (G5; the core has already stopped and erased): the
 * flow's on_withdraw hook runs, with the level that was withdrawn. */
void cw_flow_withdrawn(cw_flow_run *r, const char *level);

/* The call ended (either side): on_hangup runs, a waiting method raises "call ended". */
void cw_flow_ended(cw_flow_run *r, const char *cause);

/* Fault injection for compliance scenarios: the call method the flow waits in raises
 * why, as a bug in the flow would. 0, or -1 if the flow is not waiting. */
int cw_flow_inject_error(cw_flow_run *r, const char *why);

/* Is the flow still running (started and not finished)? */
int cw_flow_active(const cw_flow_run *r);

/* Free what the run holds (its coroutine, hooks, the version reference). */
void cw_flow_free(cw_flow_run *r);

/* The names of the call object's methods and fields (NULL-terminated), for the API
 * description test and `callwarden check`. */
extern const char *const cw_flow_api_methods[];
extern const char *const cw_flow_api_fields[];

#endif
