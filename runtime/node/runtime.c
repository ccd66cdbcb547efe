/* runtime.c  The loop's context object: start-up of every part, signals, shutdown. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/admin.h"
#include "callwarden/log.h"
#include "callwarden/outbox.h"
#include "callwarden/runtime.h"

/* Two sockets per call and the SIP transports: lift the soft descriptor limit to
 * the hard one, so that thousands of calls do not hit the default 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    cw_runtime *rt = s->data;
    cw_log(CW_LOG_INFO, "main", "signal=%d: draining", signum);
    cw_runtime_drain(rt);
}

static int choose_media_address(const cw_config *cfg, char addr[CW_ADDR_LEN], int *family,
                                char *err, size_t errlen)
{
    char host[CW_ADDR_LEN];
    uint16_t port;
    const char *a = cfg->media_address;
    if (!a[0]) {
        if (cw_config_split_hostport(cfg->listen, host, sizeof host, &port) != 0) {
            snprintf(err, errlen, "listen: bad address \"%s\"", cfg->listen);
            return -1;
        }
        a = host;
    }
    if (strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0) {
        snprintf(err, errlen, "listening on the wildcard address %s needs media_address "
                              "(the address to put in the SDP)", a);
        return -1;
    }
    snprintf(addr, CW_ADDR_LEN, "%s", a);
    *family = strchr(a, ':') ? AF_INET6 : AF_INET;
    return 0;
}

/* sofia-sip starts without TLS when the certificate is unusable and says so only in
 * its own debug log; check the directory here so a bad one stops the start-up. */
static int check_tls_dir(const char *dir, char *err, size_t errlen)
{
    char path[CW_PATH_LEN + 16];
    snprintf(path, sizeof path, "%s/agent.pem", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "TLS: cannot read %s: %s (it must hold the private key and "
                 "the certificate)", path, strerror(errno));
        return -1;
    }
    char line[256];
    int key = 0, cert = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "-----BEGIN ", 11) == 0) {
            if (strstr(line, "PRIVATE KEY"))
                key = 1;
            if (strstr(line, "CERTIFICATE"))
                cert = 1;
        }
    }
    fclose(f);
    if (!key || !cert) {
        snprintf(err, errlen, "TLS: %s lacks a %s in PEM form", path,
                 !key ? "private key" : "certificate");
        return -1;
    }
    return 0;
}

/* The data directory holds the ledger and vault files of later issues: create it now
 * (0700: consent data is nobody else's business) and make sure it is writable, so
 * that a wrong --data fails at start, not at the first consent. */
static int prepare_data_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* DATA/callwarden.pid: how `callwarden reload` finds us. */
static void write_pid_file(cw_runtime *rt)
{
    char path[CW_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s/callwarden.pid", rt->cfg.data_dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        cw_log(CW_LOG_WARN, "main", "cannot write %s: %s", path, strerror(errno));
        return;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    rt->pid_file_written = 1;
}

/* What a live runtime and the scenario runner's share: prompts, ports, TTS, the
 * tenants and their stores. */
static int start_core(cw_runtime *rt, uv_loop_t *loop, const cw_config *cfg, char *err,
                      size_t errlen)
{
    memset(rt, 0, sizeof *rt);
    rt->loop = loop;
    rt->cfg = *cfg;
    if (prepare_data_dir(cfg->data_dir, err, errlen) != 0)
        return -1;
    if (cw_port_pool_init(&rt->ports, cfg->rtp_port_min, cfg->rtp_port_max) != 0) {
        snprintf(err, errlen, "rtp_ports %u-%u: bad range", cfg->rtp_port_min,
                 cfg->rtp_port_max);
        return -1;
    }
    cw_prompt_cache_init(&rt->prompts, cfg->prompts_dir);
    if (cw_tts_init(&rt->tts, loop, cfg->data_dir, err, errlen) != 0)
        return -1;

    /* The fallback prompt must be there before any flow can fail (G10): a missing one
     * is a start-up error, not a silent call later. */
    if (!cw_prompt_get(&rt->prompts, "_callwarden", "en", "fallback", err, errlen))
        return -1;

    cw_tenant_limits lim = {
        .mem_limit = (size_t)cfg->lua_memory_mb * 1024 * 1024,
        .call_mem = (size_t)cfg->lua_call_memory_kb * 1024,
        .budget = cfg->lua_budget,
    };
    if (cw_tenants_open(&rt->tenants, cfg->scripts_dir, cfg->policies_dir, &lim, err,
                        errlen) != 0)
        return -1;
    size_t ntenants = 0, nloaded = 0;
    for (cw_tenant *t = rt->tenants.head; t; t = t->next, ntenants++)
        nloaded += t->current != NULL;
    cw_log(CW_LOG_INFO, "main", "tenants=%zu loaded=%zu scripts=%s", ntenants, nloaded,
           cfg->scripts_dir);
    if (cfg->default_tenant[0] && !cw_tenants_find(&rt->tenants, cfg->default_tenant)) {
        snprintf(err, errlen, "default_tenant %s: no such tenant in %s", cfg->default_tenant,
                 cfg->scripts_dir);
        return -1;
    }
    cw_stores_open(&rt->stores, loop, cfg->data_dir, &rt->tenants, cfg->retention_sweep_ms);
    cw_egress_opts eo = { .ca_file = cfg->egress_ca_file, .refused = cw_node_egress_refused,
                          .refused_ud = rt };
    if (cw_egress_open(loop, &eo, &rt->egress, err, errlen) != 0) {
        cw_stores_close(&rt->stores);
        return -1;
    }
    return 0;
}

/* The egress engine closes with the stores: what is in flight is cancelled. */
static void close_egress(cw_runtime *rt)
{
    if (rt->egress)
        cw_egress_close(rt->egress, NULL, NULL);
    rt->egress = NULL;
}

int cw_runtime_start(cw_runtime *rt, uv_loop_t *loop, const cw_config *cfg, char *err,
                     size_t errlen)
{
    raise_fd_limit();
    srandom((unsigned)(uv_hrtime() ^ (uint64_t)getpid()));
    char media_addr[CW_ADDR_LEN];
    int media_family;
    if (choose_media_address(cfg, media_addr, &media_family, err, errlen) != 0)
        return -1;
    if (cfg->listen_tls[0] && check_tls_dir(cfg->tls_cert_dir, err, errlen) != 0)
        return -1;
    if (start_core(rt, loop, cfg, err, errlen) != 0)
        return -1;
    memcpy(rt->media_addr, media_addr, sizeof rt->media_addr);
    rt->media_family = media_family;

    cw_media_clock_init(&rt->clock, uv_hrtime());
    if (cw_media_clock_start(&rt->clock, loop) != 0) {
        snprintf(err, errlen, "cannot start the media clock");
        close_egress(rt);
        cw_stores_close(&rt->stores);
        return -1;
    }
    uv_timer_init(loop, &rt->drain_timer);
    rt->drain_timer.data = rt;
    cw_metrics_start(&rt->metrics, loop);
    uv_signal_init(loop, &rt->sigterm);
    uv_signal_init(loop, &rt->sigint);
    rt->sigterm.data = rt->sigint.data = rt;
    uv_signal_start(&rt->sigterm, on_signal, SIGTERM);
    uv_signal_start(&rt->sigint, on_signal, SIGINT);

    /* G7 for the renders of call:say (a live runtime's cache outlives its calls) */
    cw_tts_sweep_start(&rt->tts, cfg->tts_cache_hours);
    /* webhooks from a live runtime only: scenario runs post nothing */
    if (cw_outbox_start(rt, &rt->outbox, err, errlen) != 0) {
        close_egress(rt);
        cw_stores_close(&rt->stores);
        return -1;
    }
    cw_reloader_start(&rt->reloader, rt, cfg->reload_debounce_ms);
    write_pid_file(rt);
    /* before SIP: a bad admin address stops the start while nothing is answered yet */
    if (cw_admin_start(rt, &rt->admin, err, errlen) != 0 ||
        cw_sip_start(rt, &rt->sip, err, errlen) != 0) {
        cw_admin_stop(rt->admin);
        rt->admin = NULL;
        close_egress(rt);
        cw_stores_close(&rt->stores);
        return -1;
    }
    return 0;
}

int cw_runtime_start_sim(cw_runtime *rt, uv_loop_t *loop, const cw_config *cfg,
                         const cw_sim_hooks *hooks, char *err, size_t errlen)
{
    if (start_core(rt, loop, cfg, err, errlen) != 0)
        return -1;
    snprintf(rt->media_addr, sizeof rt->media_addr, "127.0.0.1");
    rt->media_family = AF_INET;
    rt->sim = hooks;
    rt->virtual_clock = 1;
    rt->vnow_ms = 0;
    cw_media_clock_init(&rt->clock, 0);
    return 0;
}

void cw_runtime_stop_sim(cw_runtime *rt)
{
    close_egress(rt);
    cw_stores_close(&rt->stores);
    cw_tts_close(&rt->tts);
}

/* ---- drain and stop ------------------------------------------------------------- */

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

static void sip_stopped(cw_runtime *rt)
{
    /* The last handles: once they are closed uv_run returns and main exits 0. */
    cw_media_clock_stop(&rt->clock, close_cb);
    uv_close((uv_handle_t *)&rt->drain_timer, close_cb);
    uv_close((uv_handle_t *)&rt->sigterm, close_cb);
    uv_close((uv_handle_t *)&rt->sigint, close_cb);
    cw_reloader_stop(&rt->reloader, close_cb);
    cw_metrics_stop(&rt->metrics, close_cb);
    cw_admin_stop(rt->admin);          /* answers in progress finish first */
    rt->admin = NULL;
    cw_metrics_free(&rt->metrics);
    cw_outbox_stop(rt->outbox);        /* before the egress: its posts are cancelled */
    rt->outbox = NULL;
    close_egress(rt);
    cw_stores_close(&rt->stores);
    cw_tts_close(&rt->tts);
    cw_log(CW_LOG_INFO, "main", "stopped calls_total=%llu calls_rejected=%llu",
           (unsigned long long)rt->stats.calls_total,
           (unsigned long long)rt->stats.calls_rejected);
}

static void stop_sip(cw_runtime *rt)
{
    if (rt->stopping)
        return;
    rt->stopping = 1;
    uv_timer_stop(&rt->drain_timer);
    cw_sip_shutdown(rt->sip, sip_stopped);
}

static void drain_timeout(uv_timer_t *t)
{
    cw_runtime *rt = t->data;
    cw_log(CW_LOG_INFO, "main", "drain timeout: hanging up %zu calls", rt->ncalls);
    for (cw_call *c = rt->calls, *next; c; c = next) {
        next = c->next;
        cw_call_hangup(c, "drain");
    }
}

void cw_runtime_drain(cw_runtime *rt)
{
    if (rt->draining) {
        /* a second signal: do not wait any longer */
        drain_timeout(&rt->drain_timer);
        return;
    }
    rt->draining = 1;
    cw_log(CW_LOG_INFO, "main", "draining calls=%zu timeout_ms=%u", rt->ncalls,
           rt->cfg.drain_timeout_ms);
    if (rt->ncalls == 0) {
        stop_sip(rt);
        return;
    }
    uv_timer_start(&rt->drain_timer, drain_timeout, rt->cfg.drain_timeout_ms, 0);
}

void cw_runtime_call_freed(cw_runtime *rt)
{
    if (rt->draining && rt->ncalls == 0)
        stop_sip(rt);
}

void cw_runtime_free(cw_runtime *rt)
{
    if (rt->sip)
        cw_sip_free(rt->sip);
    rt->sip = NULL;
    cw_tenants_close(&rt->tenants);
    if (rt->pid_file_written) {
        char path[CW_PATH_LEN + 32];
        snprintf(path, sizeof path, "%s/callwarden.pid", rt->cfg.data_dir);
        unlink(path);
    }
    cw_prompt_cache_free(&rt->prompts);
    cw_port_pool_free(&rt->ports);
}
