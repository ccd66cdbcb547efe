/* http.c  libcurl's multi interface inside the libuv loop: curl tells which sockets it
 * waits on (socket callback: a uv_poll each) and when it next needs to run (timer
 * callback: one uv_timer); the loop calls curl_multi_socket_action when either fires.
 * Nothing here blocks the loop: name resolution runs in curl's resolver thread.
 *
 * Every transfer is pinned to what G6 needs on the wire: https only (also for anything
 * a redirect or a proxy could lead to: redirects are not followed, environment proxies
 * are off), TLS 1.2 or higher, the peer's certificate and host name verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/log.h"
#include "egress_int.h"

typedef struct poll_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    cw_egress *eg;
} poll_ctx;

static void check_done(cw_egress *eg)
{
    CURLMsg *m;
    int left;
    while (!eg->closing && (m = curl_multi_info_read(eg->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        cw_egress_job *j = NULL;
        long status = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        CURLcode result = m->data.result;
        egress_http_stop(j);
        egress_transfer_done(j, result, status);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    poll_ctx *p = h->data;
    cw_egress *eg = p->eg;
    int flags = 0, running;
    if (eg->closing)
        return;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(eg->multi, p->fd, flags, &running);
    check_done(eg);
}

static void poll_closed(uv_handle_t *h)
{
    poll_ctx *p = h->data;
    cw_egress *eg = p->eg;
    free(p);
    egress_handle_closed(eg);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    cw_egress *eg = userp;
    poll_ctx *p = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (p) {
            uv_poll_stop(&p->poll);
            if (!eg->closing)
                curl_multi_assign(eg->multi, fd, NULL);
            uv_close((uv_handle_t *)&p->poll, poll_closed);
        }
        return 0;
    }
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return -1;
        p->fd = fd;
        p->eg = eg;
        if (uv_poll_init_socket(eg->loop, &p->poll, fd) != 0) {
            free(p);
            return -1;
        }
        p->poll.data = p;
        eg->open_handles++;
        curl_multi_assign(eg->multi, fd, p);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&p->poll, events, poll_cb);
    return 0;
}

static void timer_cb(uv_timer_t *t)
{
    cw_egress *eg = t->data;
    int running;
    curl_multi_socket_action(eg->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(eg);
}

static int timerfunction_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    cw_egress *eg = userp;
    if (eg->closing)
        return 0;                      /* the timer is the shutdown's now */
    if (timeout_ms < 0)
        uv_timer_stop(&eg->timer);
    else                               /* 0: as soon as the loop comes round */
        uv_timer_start(&eg->timer, timer_cb, (uint64_t)timeout_ms, 0);
    return 0;
}

int egress_http_init(cw_egress *eg, char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl cannot be initialised");
        return -1;
    }
    eg->multi = curl_multi_init();
    if (!eg->multi) {
        snprintf(err, errlen, "libcurl: no multi handle");
        return -1;
    }
    uv_timer_init(eg->loop, &eg->timer);
    eg->timer.data = eg;
    eg->open_handles++;
    curl_multi_setopt(eg->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(eg->multi, CURLMOPT_SOCKETDATA, eg);
    curl_multi_setopt(eg->multi, CURLMOPT_TIMERFUNCTION, timerfunction_cb);
    curl_multi_setopt(eg->multi, CURLMOPT_TIMERDATA, eg);
    return 0;
}

static size_t write_cb(char *data, size_t size, size_t n, void *ud)
{
    cw_egress_job *j = ud;
    size_t len = size * n;
    if (j->resp_len + len > EGRESS_MAX_RESPONSE) {
        j->too_big = 1;
        return 0;                      /* curl stops the transfer: CURLE_WRITE_ERROR */
    }
    if (j->resp_len + len + 1 > j->resp_cap) {
        size_t cap = j->resp_cap ? j->resp_cap : 4096;
        while (cap < j->resp_len + len + 1)
            cap *= 2;
        char *b = realloc(j->resp, cap);
        if (!b)
            return 0;
        j->resp = b;
        j->resp_cap = cap;
    }
    memcpy(j->resp + j->resp_len, data, len);
    j->resp_len += len;
    j->resp[j->resp_len] = 0;
    return len;
}

/* The options every transfer has, whatever asked for it (G6 on the wire). */
static void pin_transport(cw_egress_job *j, CURL *e)
{
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (j->eg->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, j->eg->ca_file);
    curl_easy_setopt(e, CURLOPT_PROXY, "");          /* no https_proxy from the environment */
    curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
}

int egress_http_start(cw_egress_job *j)
{
    cw_egress *eg = j->eg;
    uint64_t now = uv_now(eg->loop);
    uint64_t left = j->deadline_ms > now ? j->deadline_ms - now : 1;
    if (!j->easy) {
        j->easy = curl_easy_init();
        if (!j->easy) {
            snprintf(j->error, sizeof j->error, "libcurl: no handle");
            return -1;
        }
        CURL *e = j->easy;
        pin_transport(j, e);
        curl_easy_setopt(e, CURLOPT_URL, j->url);
        curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)j);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->error);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "callwarden/" CW_VERSION);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
        if (j->body) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
        }
    }
    j->resp_len = 0;
    j->too_big = 0;
    j->error[0] = 0;
    if (j->resp)
        j->resp[0] = 0;
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)left);
    curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < 3000 ? left : 3000));
    if (curl_multi_add_handle(eg->multi, j->easy) != CURLM_OK) {
        snprintf(j->error, sizeof j->error, "libcurl: the transfer cannot start");
        return -1;
    }
    j->in_multi = 1;
    j->attempts++;
    return 0;
}

void egress_http_stop(cw_egress_job *j)
{
    if (j->in_multi) {
        curl_multi_remove_handle(j->eg->multi, j->easy);
        j->in_multi = 0;
    }
}

void egress_http_cleanup(cw_egress *eg)
{
    if (eg->multi)
        curl_multi_cleanup(eg->multi);
    eg->multi = NULL;
}
