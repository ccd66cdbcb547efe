/* metrics.c  The runtime's counters for /metrics (metrics.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callwarden/call.h"
#include "callwarden/metrics.h"

#define LAG_PERIOD_MS 100

const double cw_lag_bounds_s[CW_LAG_BUCKETS] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};

static cw_consent_counts *row(cw_metrics *m, const char *tenant, const char *variant,
                              const char *level)
{
    for (size_t i = 0; i < m->nconsent; i++) {
        cw_consent_counts *r = &m->consent[i];
        if (strcmp(r->tenant, tenant) == 0 && strcmp(r->variant, variant) == 0 &&
            strcmp(r->level, level) == 0)
            return r;
    }
    if (m->nconsent == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        if (cap > 4096)
            return NULL;               /* bounded: tenants x variants x levels */
        cw_consent_counts *v = realloc(m->consent, cap * sizeof *v);
        if (!v)
            return NULL;
        m->consent = v;
        m->cap = cap;
    }
    cw_consent_counts *r = &m->consent[m->nconsent++];
    memset(r, 0, sizeof *r);
    snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
    snprintf(r->variant, sizeof r->variant, "%s", variant);
    snprintf(r->level, sizeof r->level, "%s", level);
    return r;
}

void cw_metrics_consent(cw_metrics *m, const cw_call *c, cw_consent_metric what)
{
    int leveled = what == CW_METRIC_GIVEN || what == CW_METRIC_WITHDRAWN;
    cw_consent_counts *r = row(m, c->tenant, c->consent_variant[0] ? c->consent_variant : "main",
                               leveled ? c->consent_level : "");
    if (!r)
        return;
    switch (what) {
    case CW_METRIC_ASKED: r->asked++; break;
    case CW_METRIC_GIVEN: r->given++; break;
    case CW_METRIC_REFUSED: r->refused++; break;
    case CW_METRIC_WITHDRAWN: r->withdrawn++; break;
    case CW_METRIC_DROPPED: r->dropped++; break;
    }
}

void cw_metrics_refusal(cw_metrics *m, const char *err)
{
    if (!err || err[0] != 'G' || err[1] < '1' || err[1] > '9')
        return;
    int g = err[1] - '0';
    if (g == 1 && err[2] == '0')
        g = 10;
    else if (err[2] != ':')
        return;
    m->refused[g]++;
}

static void lag_tick(uv_timer_t *t)
{
    cw_metrics *m = t->data;
    uint64_t now = uv_hrtime();
    double late = now > m->lag_due_ns ? (double)(now - m->lag_due_ns) / 1e9 : 0;
    size_t i = 0;
    while (i < CW_LAG_BUCKETS && late > cw_lag_bounds_s[i])
        i++;
    m->lag_le[i]++;
    m->lag_count++;
    m->lag_sum_s += late;
    if (late > m->lag_max_s)
        m->lag_max_s = late;
    m->lag_due_ns = now + LAG_PERIOD_MS * 1000000ull;
}

void cw_metrics_start(cw_metrics *m, uv_loop_t *loop)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    uv_timer_init(loop, &m->lag_timer);
    m->lag_timer.data = m;
    m->lag_due_ns = uv_hrtime() + LAG_PERIOD_MS * 1000000ull;
    uv_timer_start(&m->lag_timer, lag_tick, LAG_PERIOD_MS, LAG_PERIOD_MS);
    m->lag_running = 1;
}

void cw_metrics_stop(cw_metrics *m, uv_close_cb cb)
{
    if (!m->lag_running)
        return;
    m->lag_running = 0;
    uv_close((uv_handle_t *)&m->lag_timer, cb);
}

void cw_metrics_free(cw_metrics *m)
{
    free(m->consent);
    m->consent = NULL;
    m->nconsent = m->cap = 0;
}
