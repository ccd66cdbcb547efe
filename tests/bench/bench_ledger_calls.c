/* bench_ledger_calls.c  make bench: the consent ledger's append -> callback latency on
 * the runtime's own loop thread, idle and while calls with RTP run on it (issue 4's
 * "callback p99 <= 5 ms while 400 calls run").
 *
 * It is `callwarden run` (the same cw_runtime: SIP thread, media clock, Lua flows, the
 * tenants' stores) with a probe on the loop: a timer that appends RATE records a second
 * to one tenant's ledger and times each from cw_ledger_append to its callback, which
 * runs on that loop only after COMMIT returned. The calls keep the loop busy with their
 * RTP in and out, as the consent events of issue 5 will find it. Two phases: IDLE_S
 * seconds right after start (no calls), then, once CALLS calls are up, CALLS_S seconds.
 * Each phase prints one key=value line; nothing is asserted.
 *
 *   bench_ledger_calls TENANT RATE IDLE_S CALLS CALLS_S key=value...
 *
 * The key=value settings are those of the config file (listen, rtp_ports, data, scripts,
 * prompts, max_calls, digit_timeout_ms, ...). The probe's records are ACCESSED records
 * in the bench's own data directory. SIGTERM drains and ends it, as for the runtime.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "callwarden/audit.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"

#define MAX_SAMPLES (1 << 20)

typedef struct probe {
    cw_runtime *rt;
    const char *tenant;
    unsigned rate;
    unsigned idle_s, calls_s;
    size_t want_calls;
    uv_timer_t timer;
    int phase;                      /* -1 warming up, 0 idle, 1 waiting for the calls,
                                       2 calls, 3 done */
    uint64_t phase_start_ns, sent;
    uint64_t *lat_ns;
    size_t nlat, failed, inflight;
    size_t calls_min, calls_max;
} probe;

typedef struct sample {
    probe *p;
    uint64_t t0;
    int phase;
} sample;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t i = (size_t)(q * (double)(n - 1));
    return (double)v[i] / 1e6;
}

static void report(probe *p, const char *name)
{
    qsort(p->lat_ns, p->nlat, sizeof *p->lat_ns, cmp_u64);
    printf("phase=%s appends=%" PRIu64 " acked=%zu failed=%zu p50_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f calls_min=%zu calls_max=%zu\n", name, p->sent, p->nlat, p->failed,
           pct(p->lat_ns, p->nlat, 0.5), pct(p->lat_ns, p->nlat, 0.99),
           pct(p->lat_ns, p->nlat, 1.0), p->calls_min, p->calls_max);
    fflush(stdout);
    p->sent = 0;
    p->nlat = p->failed = 0;
}

static void on_ack(void *ud, int ok, uint64_t seq, const char *err)
{
    sample *s = ud;
    probe *p = s->p;
    (void)seq;
    (void)err;
    p->inflight--;
    if (s->phase == p->phase) {
        if (!ok)
            p->failed++;
        else if (p->nlat < MAX_SAMPLES)
            p->lat_ns[p->nlat++] = uv_hrtime() - s->t0;
    }
    free(s);
}

static void start_phase(probe *p, int phase)
{
    p->phase = phase;
    p->phase_start_ns = uv_hrtime();
    p->calls_min = p->calls_max = p->rt->ncalls;
}

static void tick(uv_timer_t *t)
{
    probe *p = t->data;
    uint64_t now = uv_hrtime();
    size_t calls = p->rt->ncalls;
    if (p->phase == -1) {
        start_phase(p, 0);             /* after the start-up's own writes settled */
        return;
    }
    if (p->phase == 1) {
        if (calls >= p->want_calls)
            start_phase(p, 2);
        return;
    }
    if (p->phase == 3)
        return;
    unsigned secs = p->phase == 0 ? p->idle_s : p->calls_s;
    if (now - p->phase_start_ns >= (uint64_t)secs * 1000000000ull) {
        report(p, p->phase == 0 ? "idle" : "calls");
        if (p->phase == 0)
            p->phase = 1;
        else
            p->phase = 3;
        return;
    }
    if (calls < p->calls_min)
        p->calls_min = calls;
    if (calls > p->calls_max)
        p->calls_max = calls;
    cw_tenant_store *ts = cw_stores_find(&p->rt->stores, p->tenant);
    if (!ts || !ts->ledger)
        return;
    /* the appends due by now at RATE/s since the phase began */
    uint64_t due = (now - p->phase_start_ns) * p->rate / 1000000000ull;
    static const char body[] = "{\"access\":\"bench probe\",\"what\":\"latency\"}";
    while (p->sent < due) {
        sample *s = malloc(sizeof *s);
        if (!s)
            return;
        s->p = p;
        s->phase = p->phase;
        s->t0 = uv_hrtime();
        cw_ledger_event ev = { .ts_ms = cw_now_ms(), .event_type = "ACCESSED", .body = body,
                               .body_len = sizeof body - 1 };
        if (cw_ledger_append(ts->ledger, &ev, on_ack, s) != 0) {
            free(s);
            p->failed++;
        } else {
            p->inflight++;
        }
        p->sent++;
    }
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench_ledger_calls TENANT RATE IDLE_S CALLS CALLS_S "
                        "key=value...\n");
        return 2;
    }
    cw_config cfg;
    cw_config_defaults(&cfg);
    char err[1024];
    for (int i = 6; i < argc; i++) {
        char key[64];
        const char *eq = strchr(argv[i], '=');
        if (!eq || (size_t)(eq - argv[i]) >= sizeof key) {
            fprintf(stderr, "bench_ledger_calls: \"%s\" is not key=value\n", argv[i]);
            return 2;
        }
        memcpy(key, argv[i], (size_t)(eq - argv[i]));
        key[eq - argv[i]] = 0;
        if (cw_config_set(&cfg, key, eq + 1, err, sizeof err) != 0) {
            fprintf(stderr, "bench_ledger_calls: %s\n", err);
            return 2;
        }
    }
    cw_log_set_level(CW_LOG_INFO);
    uv_loop_t loop;
    uv_loop_init(&loop);
    static cw_runtime rt;
    static probe p;
    p.rt = &rt;
    p.tenant = argv[1];
    p.rate = (unsigned)atoi(argv[2]);
    p.idle_s = (unsigned)atoi(argv[3]);
    p.want_calls = (size_t)atoi(argv[4]);
    p.calls_s = (unsigned)atoi(argv[5]);
    p.lat_ns = calloc(MAX_SAMPLES, sizeof *p.lat_ns);
    if (!p.lat_ns || cw_runtime_start(&rt, &loop, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_ledger_calls: %s\n", p.lat_ns ? err : "out of memory");
        return 1;
    }
    cw_log(CW_LOG_INFO, "main", "ready version=%s (ledger probe: %u/s to %s)", CW_VERSION,
           p.rate, p.tenant);
    uv_timer_init(&loop, &p.timer);
    p.timer.data = &p;
    uv_unref((uv_handle_t *)&p.timer);       /* the runtime's drain ends the loop */
    p.phase = -1;
    uv_timer_start(&p.timer, tick, 1000, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&p.timer, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    cw_runtime_free(&rt);
    uv_loop_close(&loop);
    free(p.lat_ns);
    return 0;
}
