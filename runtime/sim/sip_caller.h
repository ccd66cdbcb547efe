/* sip_caller.h  The scenario caller's SIP user agent (sip_caller.c), for
 * `callwarden test --sip`: sofia-sip in its own thread, events on the loop thread. */
#ifndef CW_SIP_CALLER_H
#define CW_SIP_CALLER_H

#include <stddef.h>

#include <uv.h>

typedef struct sim_sip sim_sip;

typedef struct sim_sip_header {
    char name[64], value[256];
} sim_sip_header;

/* What the agent tells the runner, on the loop thread; call is what sim_sip_invite got. */
typedef struct sim_sip_events {
    /* 200 to our INVITE, with its SDP and the dialog's Call-ID */
    void (*answered)(void *ud, void *call, const char *sdp, size_t len, const char *call_id);
    /* the call is over: a final error to our INVITE (status), or the runtime's BYE (0) */
    void (*ended)(void *ud, void *call, const char *by, int status, const char *phrase);
    /* the runtime transfers the caller: the status to answer the REFER with */
    int (*refer)(void *ud, void *call, const char *target, const sim_sip_header *h, size_t n);
    /* the dialog is gone (after either side's BYE or a failed INVITE) */
    void (*terminated)(void *ud, void *call);
} sim_sip_events;

/* Start the agent (a UDP port on 127.0.0.1 of its own) to call target ("HOST:PORT").
 * Returns the agent (stop it in any case); sim_sip_ok says whether it runs, err why not. */
sim_sip *sim_sip_start(uv_loop_t *loop, const char *target, const sim_sip_events *ev, void *ud,
                       char *err, size_t errlen);
int sim_sip_ok(const sim_sip *s);
/* INVITE sip:to@target from sip:from@127.0.0.1 offering sdp; the dialog's handle or NULL. */
void *sim_sip_invite(sim_sip *s, void *call, const char *from, const char *to,
                     const char *sdp);
/* BYE on the dialog. */
void sim_sip_bye(sim_sip *s, void *handle);
/* CANCEL the INVITE of handle (not answered yet). */
void sim_sip_cancel(sim_sip *s, void *handle);
/* Forget the dialog (after it terminated). */
void sim_sip_release(sim_sip *s, void *handle);
/* Shut the agent down (waits for sofia-sip to finish, at most 5 s) and free it. */
void sim_sip_stop(sim_sip *s, uv_loop_t *loop);

#endif
