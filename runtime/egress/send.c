/* send.c  cw_egress_send, the one function through which data leaves (G6): the gate
 * first (gate.c), the audit hook for a refusal, then the transfer (http.c) with its
 * retries, and exactly one callback per accepted request: on its answer, its last
 * failure, its cancellation or the engine's close.
 *
 * Retries: a failed connection, a timeout of one try, 429 and 5xx are tried again
 * after 250 ms, 500 ms, ... while the request's whole time (timeout_ms) lasts; a TLS
 * or certificate failure and any other answer are final.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "egress_int.h"

#define DEFAULT_TIMEOUT_MS 10000
#define FIRST_BACKOFF_MS 250

static void job_closed(uv_handle_t *h)
{
    cw_egress_job *j = h->data;
    cw_egress *eg = j->eg;
    free(j);
    egress_handle_closed(eg);
}

/* Unlink and free j (its callback has run or will not). */
static void job_free(cw_egress_job *j)
{
    cw_egress *eg = j->eg;
    egress_http_stop(j);
    if (j->easy)
        curl_easy_cleanup(j->easy);
    curl_slist_free_all(j->headers);
    free(j->url);
    free(j->body);
    free(j->resp);
    if (j->prev)
        j->prev->next = j->next;
    else
        eg->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    eg->in_flight--;
    uv_timer_stop(&j->retry);
    uv_close((uv_handle_t *)&j->retry, job_closed);
}

static void finish(cw_egress_job *j, int status, const char *error, int cancelled)
{
    cw_egress *eg = j->eg;
    const char *ct = NULL;
    if (j->easy)
        curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
    cw_egress_response r = {
        .status = status, .content_type = ct ? ct : "",
        .body = j->resp ? j->resp : "", .len = j->resp ? j->resp_len : 0,
        .error = error, .cancelled = cancelled, .attempts = j->attempts,
        .elapsed_ms = uv_now(eg->loop) - j->started_ms,
    };
    if (cancelled)
        eg->stats.cancelled++;
    else if (error)
        eg->stats.failed++;
    cw_egress_cb cb = j->cb;
    void *ud = j->ud;
    j->cb = NULL;
    cb(ud, &r);
    job_free(j);
}

static void retry_cb(uv_timer_t *t)
{
    cw_egress_job *j = t->data;
    if (egress_http_start(j) != 0)
        finish(j, 0, j->error, 0);
}

static int retryable(CURLcode result, long status)
{
    if (result == CURLE_OK)
        return status == 429 || status >= 500;
    return result == CURLE_COULDNT_CONNECT || result == CURLE_OPERATION_TIMEDOUT ||
           result == CURLE_RECV_ERROR || result == CURLE_SEND_ERROR ||
           result == CURLE_GOT_NOTHING || result == CURLE_COULDNT_RESOLVE_HOST;
}

void egress_transfer_done(cw_egress_job *j, CURLcode result, long status)
{
    cw_egress *eg = j->eg;
    char error[CURL_ERROR_SIZE + 64];
    if (result == CURLE_OK && status >= 200 && status < 300) {
        finish(j, (int)status, NULL, 0);
        return;
    }
    if (result == CURLE_WRITE_ERROR && j->too_big)
        snprintf(error, sizeof error, "the answer is larger than %u bytes",
                 EGRESS_MAX_RESPONSE);
    else if (result == CURLE_OPERATION_TIMEDOUT)
        snprintf(error, sizeof error, "timeout");
    else if (result != CURLE_OK)
        snprintf(error, sizeof error, "%s", j->error[0] ? j->error : curl_easy_strerror(result));
    else
        snprintf(error, sizeof error, "HTTP %ld", status);
    uint64_t now = uv_now(eg->loop);
    uint64_t backoff = (uint64_t)FIRST_BACKOFF_MS << (j->attempts > 4 ? 4 : j->attempts - 1);
    if (!eg->closing && j->retries_left > 0 && retryable(result, status) &&
        now + backoff + 50 < j->deadline_ms) {
        j->retries_left--;
        eg->stats.retried++;
        cw_log(CW_LOG_INFO, "egress", "call=%llu tenant=%s try %u failed (%s): again in "
               "%llu ms", (unsigned long long)j->call, j->tenant, j->attempts, error,
               (unsigned long long)backoff);
        uv_timer_start(&j->retry, retry_cb, backoff, 0);
        return;
    }
    cw_log(CW_LOG_WARN, "egress", "call=%llu tenant=%s request failed after %u tries: %s",
           (unsigned long long)j->call, j->tenant, j->attempts, error);
    finish(j, result == CURLE_OK ? (int)status : 0, error, 0);
}

static int add_header(cw_egress_job *j, const char *line)
{
    struct curl_slist *l = curl_slist_append(j->headers, line);
    if (!l)
        return -1;
    j->headers = l;
    return 0;
}

/* A header line a caller gave: "Name: value", one line, no way to add a second. */
static int header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h)
        return 0;
    for (const char *c = h; *c; c++)
        if (*c == '\r' || *c == '\n')
            return 0;
    return 1;
}

cw_egress_job *cw_egress_send(cw_egress *eg, const cw_egress_request *rq, cw_egress_cb cb,
                              void *ud, char *why, size_t whylen)
{
    cw_egress_verdict v = cw_egress_check(rq->policy, rq->url, rq->purpose, rq->consent,
                                          why, whylen);
    if (v == CW_EGRESS_ALLOWED && eg->closing) {
        snprintf(why, whylen, "the runtime is shutting down");
        return NULL;
    }
    if (v != CW_EGRESS_ALLOWED) {
        eg->stats.refused++;
        eg->stats.refused_by[v]++;
        cw_log(CW_LOG_WARN, "egress", "call=%llu tenant=%s G6 refused (%s): %s",
               (unsigned long long)rq->call, rq->tenant ? rq->tenant : "",
               cw_egress_verdict_name(v), why);
        if (eg->refused)
            eg->refused(eg->refused_ud, rq, v, why);
        return NULL;
    }
    cw_egress_job *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    j->eg = eg;
    j->cb = cb;
    j->ud = ud;
    j->call = rq->call;
    snprintf(j->tenant, sizeof j->tenant, "%s", rq->tenant ? rq->tenant : "");
    j->url = strdup(rq->url);
    int bad = !j->url;
    if (rq->body) {
        j->body = malloc(rq->body_len + 1);
        bad |= !j->body;
        if (j->body) {
            memcpy(j->body, rq->body, rq->body_len);
            j->body[rq->body_len] = 0;
            j->body_len = rq->body_len;
        }
        char ct[160];
        snprintf(ct, sizeof ct, "Content-Type: %s",
                 rq->content_type ? rq->content_type : "application/octet-stream");
        bad |= add_header(j, ct) != 0;
        bad |= add_header(j, "Expect:") != 0;       /* no 100-continue round trip */
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        if (!header_ok(rq->headers[i])) {
            snprintf(why, whylen, "header %zu is not one \"Name: value\" line", i + 1);
            bad = 2;
            break;
        }
        bad |= add_header(j, rq->headers[i]) != 0;
    }
    uv_timer_init(eg->loop, &j->retry);
    j->retry.data = j;
    eg->open_handles++;
    j->next = eg->jobs;
    if (eg->jobs)
        eg->jobs->prev = j;
    eg->jobs = j;
    eg->in_flight++;
    j->started_ms = uv_now(eg->loop);
    j->deadline_ms = j->started_ms + (rq->timeout_ms ? rq->timeout_ms : DEFAULT_TIMEOUT_MS);
    j->retries_left = rq->retries;
    if (bad || egress_http_start(j) != 0) {
        if (bad != 2)
            snprintf(why, whylen, "%s", bad ? "out of memory" : j->error);
        j->cb = NULL;
        job_free(j);
        return NULL;
    }
    eg->stats.sent++;
    return j;
}

void cw_egress_cancel(cw_egress_job *j)
{
    if (j && j->cb)
        finish(j, 0, "cancelled", 1);
}

cw_egress_stats cw_egress_get_stats(const cw_egress *eg)
{
    return eg->stats;
}

unsigned cw_egress_in_flight(const cw_egress *eg)
{
    return eg->in_flight;
}

int cw_egress_open(uv_loop_t *loop, const cw_egress_opts *o, cw_egress **out, char *err,
                   size_t errlen)
{
    cw_egress *eg = calloc(1, sizeof *eg);
    if (!eg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    eg->loop = loop;
    if (o) {
        snprintf(eg->ca_file, sizeof eg->ca_file, "%s", o->ca_file ? o->ca_file : "");
        eg->refused = o->refused;
        eg->refused_ud = o->refused_ud;
    }
    if (egress_http_init(eg, err, errlen) != 0) {
        egress_http_cleanup(eg);
        free(eg);
        return -1;
    }
    *out = eg;
    return 0;
}

void egress_handle_closed(cw_egress *eg)
{
    if (--eg->open_handles > 0 || !eg->closing)
        return;
    egress_http_cleanup(eg);
    void (*done)(void *) = eg->done;
    void *ud = eg->done_ud;
    free(eg);
    if (done)
        done(ud);
}

static void timer_closed(uv_handle_t *h)
{
    egress_handle_closed(h->data);
}

/* The loop came round after cw_egress_close: no curl call is on the stack any more. */
static void shutdown_cb(uv_timer_t *t)
{
    cw_egress *eg = t->data;
    /* the jobs' easy handles are gone; freeing the multi handle closes the connections
     * it kept for reuse, and their polls with them (socket callback, CURL_POLL_REMOVE) */
    egress_http_cleanup(eg);
    uv_close((uv_handle_t *)&eg->timer, timer_closed);
}

void cw_egress_close(cw_egress *eg, void (*done)(void *ud), void *ud)
{
    if (eg->closing)
        return;
    eg->closing = 1;
    eg->done = done;
    eg->done_ud = ud;
    /* every job's callback runs now (one whose callback is running, the caller's, is
     * left to finish) */
    for (;;) {
        cw_egress_job *j = eg->jobs;
        while (j && !j->cb)
            j = j->next;
        if (!j)
            break;
        finish(j, 0, "cancelled", 1);  /* its callback may end others: look again */
    }
    /* close may be called from a job's callback, inside curl's result loop: the multi
     * handle is freed on the loop's next turn, not under its feet */
    uv_timer_start(&eg->timer, shutdown_cb, 0, 0);
}
