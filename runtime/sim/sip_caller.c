/* sip_caller.c  The scenario runner's caller on a real SIP line (`callwarden test --sip
 * HOST:PORT`): a sofia-sip user agent that dials the runtime under test, in a thread of
 * its own with the events handed to the loop, as the runtime's own agent does
 * (runtime/sip/agent.c). It INVITEs with an SDP offer for its RTP socket, takes the
 * answer from the 200, hangs up with BYE, is hung up on, and answers a REFER as the
 * scenario says (202, 486 or 603), keeping the REFER's headers for the trace. Media is
 * off in nua: the SDP is ours on the way out and parsed by our own parser on the way in.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/su.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su_log.h>

#include "callwarden/log.h"
#include "sip_caller.h"

typedef struct caller_event {
    nua_saved_event_t saved[1];
    nua_handle_t *nh;
    struct caller_event *next;
} caller_event;

struct sim_sip {
    pthread_t thread;
    int thread_started;
    su_root_t *root;
    nua_t *nua;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int start_state;               /* 0 pending, 1 up, -1 failed */
    int stopped;
    caller_event *head, *tail;
    uv_async_t async;
    char target[128];              /* HOST:PORT */
    sim_sip_events ev;
    void *ud;
};

static void callback(nua_event_t event, int status, char const *phrase, nua_t *nua,
                     nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic,
                     sip_t const *sip, tagi_t tags[])
{
    sim_sip *s = (sim_sip *)magic;
    (void)status, (void)phrase, (void)hmagic, (void)sip, (void)tags;
    if (event == nua_r_shutdown && status >= 200)
        su_root_break(s->root);
    caller_event *e = calloc(1, sizeof *e);
    if (!e)
        return;
    if (nua_save_event(nua, e->saved) != 1) {
        free(e);
        return;
    }
    e->nh = nh ? nua_handle_ref(nh) : NULL;
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = e;
    else
        s->head = e;
    s->tail = e;
    pthread_mutex_unlock(&s->lock);
    uv_async_send(&s->async);
}

/* The X-Consent-* (and every other unknown) header of a REFER. */
static size_t unknown_headers(const sip_t *sip, sim_sip_header *h, size_t max)
{
    size_t n = 0;
    for (const sip_unknown_t *u = sip ? sip->sip_unknown : NULL; u && n < max; u = u->un_next) {
        snprintf(h[n].name, sizeof h[n].name, "%s", u->un_name ? u->un_name : "");
        snprintf(h[n].value, sizeof h[n].value, "%s", u->un_value ? u->un_value : "");
        n++;
    }
    return n;
}

static void dispatch(sim_sip *s, caller_event *e)
{
    nua_event_data_t const *d = nua_event_data(e->saved);
    if (!d)
        return;
    const sip_t *sip = d->e_msg ? sip_object(d->e_msg) : NULL;
    void *call = e->nh ? nua_handle_magic(e->nh) : NULL;
    switch (d->e_event) {
    case nua_r_invite:
        if (!call || d->e_status < 200)
            break;
        if (d->e_status < 300) {
            const char *body = sip && sip->sip_payload ? sip->sip_payload->pl_data : NULL;
            size_t len = sip && sip->sip_payload ? sip->sip_payload->pl_len : 0;
            const char *callid = sip && sip->sip_call_id ? sip->sip_call_id->i_id : "";
            s->ev.answered(s->ud, call, body, len, callid);
        } else {
            s->ev.ended(s->ud, call, "callwarden", d->e_status, d->e_phrase);
        }
        break;
    case nua_i_bye:
        if (call)
            s->ev.ended(s->ud, call, "callwarden", 0, "bye");
        break;
    case nua_i_refer: {
        if (!call)
            break;
        sim_sip_header h[20];
        size_t n = unknown_headers(sip, h, 20);
        char target[256] = "";
        if (sip && sip->sip_refer_to) {
            const url_t *u = sip->sip_refer_to->r_url;
            snprintf(target, sizeof target, "%s:%s%s%s", u->url_scheme ? u->url_scheme : "sip",
                     u->url_user ? u->url_user : "", u->url_user ? "@" : "",
                     u->url_host ? u->url_host : "");
        }
        int status = s->ev.refer(s->ud, call, target, h, n);
        nua_respond(e->nh, status, status < 300 ? "Accepted" : status == 486 ? "Busy Here"
                                                             : "Decline",
                    NUTAG_WITH_SAVED(e->saved), TAG_END());
        break;
    }
    case nua_i_state: {
        int cs = nua_callstate_init;
        tl_gets(d->e_tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
        if (cs == nua_callstate_terminated && call)
            s->ev.terminated(s->ud, call);
        break;
    }
    case nua_r_shutdown:
        if (d->e_status >= 200)
            s->stopped = 1;
        break;
    default:
        break;
    }
}

static void async_cb(uv_async_t *a)
{
    sim_sip *s = a->data;
    pthread_mutex_lock(&s->lock);
    caller_event *e = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->lock);
    while (e) {
        caller_event *next = e->next;
        dispatch(s, e);
        nua_destroy_event(e->saved);
        if (e->nh)
            nua_handle_unref(e->nh);
        free(e);
        e = next;
    }
}

static void *thread_main(void *arg)
{
    sim_sip *s = arg;
    su_init();
    s->root = su_root_create(s);
    if (s->root) {
        su_root_threading(s->root, 0);
        s->nua = nua_create(s->root, callback, (nua_magic_t *)s,
                            NUTAG_URL("sip:127.0.0.1:0"),
                            NUTAG_MEDIA_ENABLE(0),
                            NUTAG_APPL_METHOD("REFER"),
                            SIPTAG_SUPPORTED_STR("timer"),
                            SIPTAG_USER_AGENT_STR("callwarden-test/" CW_VERSION),
                            TAG_END());
    }
    pthread_mutex_lock(&s->lock);
    s->start_state = s->nua ? 1 : -1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (s->nua) {
        su_root_run(s->root);
        nua_destroy(s->nua);
    }
    if (s->root)
        su_root_destroy(s->root);
    su_deinit();
    return NULL;
}

sim_sip *sim_sip_start(uv_loop_t *loop, const char *target, const sim_sip_events *ev, void *ud,
                       char *err, size_t errlen)
{
    sim_sip *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(s->target, sizeof s->target, "%s", target);
    s->ev = *ev;
    s->ud = ud;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    uv_async_init(loop, &s->async, async_cb);
    s->async.data = s;
    if (getenv("CW_SOFIA_DEBUG") == NULL)
        su_log_set_level(NULL, 0);
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0) {
        snprintf(err, errlen, "cannot start the SIP caller's thread");
        return s;
    }
    s->thread_started = 1;
    pthread_mutex_lock(&s->lock);
    while (s->start_state == 0)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    if (s->start_state < 0)
        snprintf(err, errlen, "the SIP caller cannot open a SIP socket on 127.0.0.1");
    return s;
}

int sim_sip_ok(const sim_sip *s)
{
    return s && s->start_state == 1;
}

void *sim_sip_invite(sim_sip *s, void *call, const char *from, const char *to,
                     const char *sdp)
{
    char from_uri[256], to_uri[256];
    snprintf(from_uri, sizeof from_uri, "<sip:%s@127.0.0.1>", from[0] ? from : "anonymous");
    snprintf(to_uri, sizeof to_uri, "<sip:%s@%s>", to, s->target);
    nua_handle_t *nh = nua_handle(s->nua, (nua_hmagic_t *)call, SIPTAG_FROM_STR(from_uri),
                                  SIPTAG_TO_STR(to_uri), TAG_END());
    if (!nh)
        return NULL;
    nua_invite(nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
               TAG_END());
    return nh;
}

void sim_sip_bye(sim_sip *s, void *handle)
{
    (void)s;
    nua_bye((nua_handle_t *)handle, TAG_END());
}

void sim_sip_cancel(sim_sip *s, void *handle)
{
    (void)s;
    nua_cancel((nua_handle_t *)handle, TAG_END());
}

void sim_sip_release(sim_sip *s, void *handle)
{
    (void)s;
    nua_handle_destroy((nua_handle_t *)handle);
}

static void async_closed(uv_handle_t *h)
{
    (void)h;
}

void sim_sip_stop(sim_sip *s, uv_loop_t *loop)
{
    if (!s)
        return;
    if (s->nua) {
        nua_shutdown(s->nua);
        uint64_t until = uv_hrtime() + 5000000000ull;
        while (!s->stopped && uv_hrtime() < until)
            uv_run(loop, UV_RUN_ONCE);
    }
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    for (caller_event *e = s->head, *next; e; e = next) {
        next = e->next;
        nua_destroy_event(e->saved);
        free(e);
    }
    uv_close((uv_handle_t *)&s->async, async_closed);
    uv_run(loop, UV_RUN_NOWAIT);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
