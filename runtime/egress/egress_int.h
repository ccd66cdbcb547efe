/* egress_int.h  What stays inside the egress part: the engine and its jobs. */
#ifndef CW_EGRESS_INT_H
#define CW_EGRESS_INT_H

#include <curl/curl.h>

#include "callwarden/egress.h"

#define EGRESS_MAX_RESPONSE (4u << 20)     /* a bigger answer is cut off: an error */

struct cw_egress_job {
    cw_egress *eg;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *body;
    size_t body_len;
    char *resp;                     /* what came back, NUL-terminated */
    size_t resp_len, resp_cap;
    int too_big;
    char tenant[64];
    uint64_t call;
    cw_egress_cb cb;
    void *ud;
    uint64_t started_ms, deadline_ms;   /* on the loop's clock */
    unsigned retries_left, attempts;
    int in_multi;                   /* added to the multi handle */
    uv_timer_t retry;               /* the pause before the next try */
    char error[CURL_ERROR_SIZE];
    cw_egress_job *next, *prev;
};

struct cw_egress {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;               /* curl's timeout */
    char ca_file[1024];
    cw_egress_refused_cb refused;
    void *refused_ud;
    cw_egress_stats stats;
    cw_egress_job *jobs;
    unsigned in_flight;
    unsigned open_handles;          /* uv handles not yet closed (timers, polls) */
    int closing;
    void (*done)(void *ud);
    void *done_ud;
};

/* http.c: libcurl's multi handle driven by the loop. */
int egress_http_init(cw_egress *eg, char *err, size_t errlen);
/* (Re)start a job's transfer with what time it has left. 0, or -1 (job->error). */
int egress_http_start(cw_egress_job *j);
/* Take a job's transfer out of the multi handle (it can be started again). */
void egress_http_stop(cw_egress_job *j);
/* Free the multi handle (after every job is gone). */
void egress_http_cleanup(cw_egress *eg);

/* send.c: a transfer ended with result and HTTP status: retry or finish. */
void egress_transfer_done(cw_egress_job *j, CURLcode result, long status);
/* A uv handle of the engine closed (the engine frees itself after the last). */
void egress_handle_closed(cw_egress *eg);

#endif
