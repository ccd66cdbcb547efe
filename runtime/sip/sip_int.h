/* sip_int.h  What stays inside the SIP part: the agent and its event queue. */
#ifndef CW_SIP_INT_H
#define CW_SIP_INT_H

#include <pthread.h>

#include <sofia-sip/su.h>
#include <sofia-sip/nua.h>

#include "callwarden/runtime.h"

/* One nua event, saved in the SIP thread and handled on the loop thread. */
typedef struct cw_sip_event {
    nua_saved_event_t saved[1];
    nua_handle_t *nh;               /* the event's handle (referenced), NULL for none */
    uint64_t t_ns;                  /* when the SIP thread got it */
    struct cw_sip_event *next;
} cw_sip_event;

struct cw_sip {
    cw_runtime *rt;
    pthread_t thread;
    int thread_started;

    /* owned by the SIP thread */
    su_root_t *root;
    nua_t *nua;

    /* start-up handshake: the thread reports whether it listens */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int start_state;                /* 0 pending, 1 listening, -1 failed */
    char start_error[512];

    /* the hand-over queue: filled by the SIP thread, emptied on the loop thread */
    cw_sip_event *head, *tail;
    uv_async_t async;
    int async_open;

    void (*shutdown_done)(cw_runtime *rt);
};

/* Handle one event on the loop thread (dispatch.c). */
void cw_sip_dispatch(cw_sip *sip, cw_sip_event *ev);

/* The call core's view of SIP (signaling.c). */
extern const cw_signaling cw_sip_signaling;

#endif
