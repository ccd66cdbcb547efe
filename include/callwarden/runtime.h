/*
 * runtime.h  The loop's context object: everything one callwarden process owns. There
 * is no global mutable state outside it (DESIGN.md); every part reaches the runtime
 * through the call or handle it was given.
 */
#ifndef CALLWARDEN_RUNTIME_H
#define CALLWARDEN_RUNTIME_H

#include <stdint.h>

#include <uv.h>

#include "callwarden/call.h"
#include "callwarden/config.h"
#include "callwarden/egress.h"
#include "callwarden/media.h"
#include "callwarden/metrics.h"
#include "callwarden/stores.h"
#include "callwarden/tenant.h"
#include "callwarden/tts.h"

typedef struct cw_sip cw_sip;
typedef struct cw_watch cw_watch;

/* Hot reload (runtime/node/reload.c): directory watches, SIGHUP, a debounce timer. */
typedef struct cw_reloader {
    cw_runtime *rt;
    uv_timer_t debounce;
    uv_signal_t sighup;
    unsigned debounce_ms;
    cw_watch *watches;
    uint64_t reloads;
} cw_reloader;

/* The scenario runner's window into the core (runtime/sim): it replaces the network
 * and the clock, and watches what the guarantees are about, to check them afterwards
 * (the oracle). NULL in a live runtime; every hook may be NULL. */
typedef struct cw_sim_hooks {
    void *ud;
    /* the packet I/O of a stream of c, instead of UDP sockets: leg 0 the caller's,
     * leg 1 a bridged human's (NULL: no media, 503); its close() runs when the media
     * stops */
    cw_media_io *(*media_open)(void *ud, cw_call *c, int leg);
    /* c->consent changed (asked, committing, given, refused, withdrawn) */
    void (*consent_changed)(void *ud, cw_call *c);
    /* the recorder kept one frame of the caller's audio for its purpose */
    void (*recorded)(void *ud, cw_call *c, const int16_t *pcm, size_t n);
    /* a recording for purpose started (on 1) or ended (on 0, kept or not) */
    void (*recording)(void *ud, cw_call *c, const char *purpose, int on, int kept);
    /* the flow failed (why) and the fallback begins */
    void (*fallback)(void *ud, cw_call *c, const char *why);
    /* a request of c left through the egress gate (url, purpose; caller_data: it is
     * derived from the caller), and later its end (cancelled or not) */
    void (*egress)(void *ud, cw_call *c, const char *url, const char *purpose,
                   int caller_data);
    void (*egress_done)(void *ud, cw_call *c, int cancelled);
    /* the seed of a new call's random numbers (cw_call_random) */
    uint64_t (*call_seed)(void *ud, cw_call *c);
} cw_sim_hooks;

typedef struct cw_runtime_stats {
    uint64_t calls_total;
    uint64_t calls_rejected;        /* 4xx/5xx to an initial INVITE */
    uint64_t calls_completed;
    uint64_t rtp_sent;              /* summed when calls end */
    uint64_t rtp_received;
    uint64_t rtp_dropped;
} cw_runtime_stats;

struct cw_runtime {
    uv_loop_t *loop;
    cw_config cfg;
    char media_addr[CW_ADDR_LEN];   /* the address RTP binds to and SDP announces */
    int media_family;
    cw_prompt_cache prompts;
    cw_port_pool ports;
    cw_media_clock clock;
    cw_sip *sip;
    cw_tenants tenants;
    cw_stores stores;               /* each tenant's ledger and vault */
    cw_reloader reloader;
    cw_tts tts;
    cw_egress *egress;              /* the one way out (G6) */
    struct cw_outbox *outbox;       /* the CRM webhooks (outbox.h), live runtime only */
    struct cw_admin *admin;         /* the admin API (admin.h), live runtime only */

    cw_call *calls;
    size_t ncalls;
    uint64_t next_call_id;
    cw_runtime_stats stats;
    cw_metrics metrics;             /* for /metrics (metrics.h) */

    /* the scenario runner (runtime/sim): its hooks, and the virtual clock that then
     * drives the call timers and the media clock instead of the loop's */
    const cw_sim_hooks *sim;
    int virtual_clock;
    uint64_t vnow_ms;

    int draining;                   /* SIGTERM seen: new INVITEs get 503 */
    int pid_file_written;
    int stopping;                   /* SIP shutdown under way */
    uv_timer_t drain_timer;
    uv_signal_t sigterm, sigint;
};

/* Reload every tenant now (SIGHUP, the admin API): the number whose new version was
 * rejected (they keep their running one). */
int cw_reloader_reload(cw_reloader *rl, const char *trigger);

/* Set up rt from cfg on loop: prompt cache, port pool, media clock, SIP agent, signal
 * handlers. Returns 0, or -1 with a reason in err. */
int cw_runtime_start(cw_runtime *rt, uv_loop_t *loop, const cw_config *cfg, char *err,
                     size_t errlen);

/* Set up rt for the scenario runner: what cw_runtime_start does, but no SIP, no
 * sockets, no signals and no reloader; calls come from hooks' side, and the virtual
 * clock (rt->vnow_ms) drives timers and media. 0, or -1 with err. */
int cw_runtime_start_sim(cw_runtime *rt, uv_loop_t *loop, const cw_config *cfg,
                         const cw_sim_hooks *hooks, char *err, size_t errlen);

/* Close what the scenario runner's runtime opened (stores, TTS); the loop must run on
 * until their handles closed, then cw_runtime_free. */
void cw_runtime_stop_sim(cw_runtime *rt);

/* Begin draining (what SIGTERM does): 503 to new INVITEs, BYE to calls after the drain
 * timeout, then stop SIP and let the loop end. */
void cw_runtime_drain(cw_runtime *rt);

/* Called by the call core whenever a call was freed (drain progress). */
void cw_runtime_call_freed(cw_runtime *rt);

/* Free what cw_runtime_start allocated, after uv_run returned. */
void cw_runtime_free(cw_runtime *rt);

/* Watch the tenants' directories and SIGHUP; a change reloads them debounce_ms after
 * the first event of a burst. */
int cw_reloader_start(cw_reloader *rl, cw_runtime *rt, unsigned debounce_ms);

/* Stop watching; cb runs for each of the reloader's own handles as it closes. */
void cw_reloader_stop(cw_reloader *rl, uv_close_cb cb);

/* The egress gate's audit hook (cw_egress_opts.refused; ud the runtime): an
 * EGRESS_REFUSED record in the tenant's ledger. */
void cw_node_egress_refused(void *ud, const cw_egress_request *rq, cw_egress_verdict v,
                            const char *why);

/* ---- the SIP part (runtime/sip) ---------------------------------------------------- */

/* Start the sofia-sip thread listening as cfg says; returns 0 once it listens, or -1
 * with a reason in err (the address is taken, the certificate is missing, ...). */
int cw_sip_start(cw_runtime *rt, cw_sip **out, char *err, size_t errlen);

/* Ask the SIP stack to shut down; done() runs on the loop thread once it has. */
void cw_sip_shutdown(cw_sip *sip, void (*done)(cw_runtime *rt));

/* Join the SIP thread and free it (after done ran). */
void cw_sip_free(cw_sip *sip);

#endif
