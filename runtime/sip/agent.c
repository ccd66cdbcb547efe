/* agent.c  The sofia-sip agent in a thread of its own, and the hand-over to the loop.
 *
 * sofia-sip runs its own event loop (su_root), so it gets a dedicated thread, as in
 * FreeSWITCH, drachtio and Janus. Its callback does nothing but save the event
 * (nua_save_event keeps the message and the handle alive), queue it, and wake the
 * libuv loop with uv_async_send; every decision is taken on the loop thread. The loop
 * thread answers through nua_respond/nua_bye, which sofia-sip passes to its own thread
 * as messages, so the stack's state is only ever touched by the SIP thread.
 *
 * Media is off in nua (NUTAG_MEDIA_ENABLE(0)): sofia's SDP parser never sees the
 * network's SDP (see sdp.h). 100rel is off (Supported: timer only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/su.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/su_log.h>

#include "callwarden/log.h"
#include "sip_int.h"

#define CW_ALLOW "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"

/* SIP thread: queue the event for the loop. */
static void nua_callback(nua_event_t event, int status, char const *phrase, nua_t *nua,
                         nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic,
                         sip_t const *sip, tagi_t tags[])
{
    cw_sip *s = (cw_sip *)magic;
    (void)phrase;
    (void)hmagic;
    (void)sip;
    (void)tags;

    if (event == nua_r_shutdown && status >= 200) {
        /* nua is done: leave su_root_run; the loop learns it from this same event */
        su_root_break(s->root);
    }
    cw_sip_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return;   /* the stack resends or times out; nothing better to do */
    if (nua_save_event(nua, ev->saved) != 1) {
        free(ev);
        return;
    }
    /* nua clears e_nh in the saved event before calling us (nua_application_event),
     * so the handle travels here, referenced until the event has been dispatched */
    ev->nh = nh ? nua_handle_ref(nh) : NULL;
    ev->t_ns = uv_hrtime();
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = ev;
    else
        s->head = ev;
    s->tail = ev;
    pthread_mutex_unlock(&s->lock);
    uv_async_send(&s->async);
}

/* Loop thread: take everything queued and dispatch it in order. */
static void async_cb(uv_async_t *a)
{
    cw_sip *s = a->data;
    pthread_mutex_lock(&s->lock);
    cw_sip_event *ev = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->lock);
    while (ev) {
        cw_sip_event *next = ev->next;
        cw_sip_dispatch(s, ev);
        nua_destroy_event(ev->saved);
        if (ev->nh)
            nua_handle_unref(ev->nh);
        free(ev);
        ev = next;
    }
}

static void report_start(cw_sip *s, int state, const char *error)
{
    pthread_mutex_lock(&s->lock);
    s->start_state = state;
    if (error)
        snprintf(s->start_error, sizeof s->start_error, "%s", error);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void url_for(char *out, size_t cap, const char *scheme, const char *hostport)
{
    snprintf(out, cap, "%s:%s", scheme, hostport);
}

static void *sip_thread(void *arg)
{
    cw_sip *s = arg;
    const cw_config *cfg = &s->rt->cfg;
    char url[CW_ADDR_LEN + 16], sips_url[CW_ADDR_LEN + 16];

    su_init();
    s->root = su_root_create(s);
    if (!s->root) {
        report_start(s, -1, "sofia-sip: cannot create its event loop");
        su_deinit();
        return NULL;
    }
    su_root_threading(s->root, 0);

    url_for(url, sizeof url, "sip", cfg->listen);
    sips_url[0] = 0;
    if (cfg->listen_tls[0])
        url_for(sips_url, sizeof sips_url, "sips", cfg->listen_tls);

    s->nua = nua_create(s->root, nua_callback, (nua_magic_t *)s,
                        NUTAG_URL(url),
                        TAG_IF(sips_url[0], NUTAG_SIPS_URL(sips_url)),
                        TAG_IF(sips_url[0], TPTAG_CERTIFICATE(cfg->tls_cert_dir)),
                        NUTAG_MEDIA_ENABLE(0),
                        NUTAG_AUTOANSWER(0),
                        NUTAG_ENABLEINVITE(1),
                        SIPTAG_ALLOW_STR(CW_ALLOW),
                        NUTAG_APPL_METHOD("INFO"),  /* dispatch.c answers INFO */   /* NUTAG_ALLOW would add to nua's defaults */
                        SIPTAG_SUPPORTED_STR("timer"),
                        SIPTAG_USER_AGENT_STR("callwarden/" CW_VERSION),
                        TAG_END());
    if (!s->nua) {
        char why[512];
        snprintf(why, sizeof why,
                 "cannot listen for SIP on %s%s%s (address in use, not local, or the TLS "
                 "certificate directory lacks agent.pem)", url, sips_url[0] ? " and " : "",
                 sips_url);
        report_start(s, -1, why);
        su_root_destroy(s->root);
        s->root = NULL;
        su_deinit();
        return NULL;
    }
    report_start(s, 1, NULL);

    su_root_run(s->root);

    nua_destroy(s->nua);
    s->nua = NULL;
    su_root_destroy(s->root);
    s->root = NULL;
    su_deinit();
    return NULL;
}

int cw_sip_start(cw_runtime *rt, cw_sip **out, char *err, size_t errlen)
{
    cw_sip *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->rt = rt;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    uv_async_init(rt->loop, &s->async, async_cb);
    s->async.data = s;
    s->async_open = 1;
    *out = s;

    if (getenv("CW_SOFIA_DEBUG") == NULL)
        su_log_set_level(NULL, 0);   /* sofia logs to stdout by itself otherwise */

    if (pthread_create(&s->thread, NULL, sip_thread, s) != 0) {
        snprintf(err, errlen, "cannot start the SIP thread");
        return -1;
    }
    s->thread_started = 1;
    pthread_mutex_lock(&s->lock);
    while (s->start_state == 0)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    if (s->start_state < 0) {
        snprintf(err, errlen, "%s", s->start_error);
        return -1;
    }
    cw_log(CW_LOG_INFO, "sip", "listening on sip:%s (udp, tcp)%s%s%s", rt->cfg.listen,
           rt->cfg.listen_tls[0] ? " and sips:" : "", rt->cfg.listen_tls,
           rt->cfg.listen_tls[0] ? " (tls)" : "");
    return 0;
}

void cw_sip_shutdown(cw_sip *s, void (*done)(cw_runtime *rt))
{
    s->shutdown_done = done;
    nua_shutdown(s->nua);
}

static void async_closed(uv_handle_t *h)
{
    (void)h;
}

/* Called by dispatch.c when nua_r_shutdown arrived with a final status. */
void cw_sip_shutdown_finished(cw_sip *s)
{
    if (s->async_open) {
        s->async_open = 0;
        uv_close((uv_handle_t *)&s->async, async_closed);
    }
    if (s->shutdown_done)
        s->shutdown_done(s->rt);
}

void cw_sip_free(cw_sip *s)
{
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    /* events the thread queued after the loop stopped listening */
    cw_sip_event *ev = s->head;
    while (ev) {
        cw_sip_event *next = ev->next;
        nua_destroy_event(ev->saved);
        /* ev->nh is not unreferenced: nua_destroy has freed every handle already */
        free(ev);
        ev = next;
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
