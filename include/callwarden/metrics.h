/*
 * metrics.h  What the runtime counts for /metrics (admin API) beyond its call stats:
 * answered calls, completed disclosures, the consent question per tenant, wording
 * variant and level (asked, given, refused, withdrawn, and the drop-off: hang-ups while
 * the question stood), handovers, refusals of the core by the guarantee they name, and
 * the event loop's lag (a timer that notes how late it fires). Loop thread only.
 */
#ifndef CALLWARDEN_METRICS_H
#define CALLWARDEN_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct cw_call cw_call;

/* One row of the consent question's counts; level "" for what has no level. */
typedef struct cw_consent_counts {
    char tenant[64];
    char variant[33];
    char level[33];
    uint64_t asked, given, refused, withdrawn, dropped;
} cw_consent_counts;

#define CW_LAG_BUCKETS 9
extern const double cw_lag_bounds_s[CW_LAG_BUCKETS];

typedef struct cw_metrics {
    int64_t start_time_ms;          /* unix time */
    uint64_t answered, disclosed, handovers;
    uint64_t refused[11];           /* by guarantee G1..G10 (0 unused) */
    cw_consent_counts *consent;
    size_t nconsent, cap;
    /* event-loop lag: how late a 100 ms timer fires */
    uv_timer_t lag_timer;
    int lag_running;
    uint64_t lag_due_ns;
    uint64_t lag_le[CW_LAG_BUCKETS + 1];
    uint64_t lag_count;
    double lag_sum_s, lag_max_s;
} cw_metrics;

typedef enum {
    CW_METRIC_ASKED, CW_METRIC_GIVEN, CW_METRIC_REFUSED, CW_METRIC_WITHDRAWN,
    CW_METRIC_DROPPED,
} cw_consent_metric;

/* Count one step of c's consent question (its tenant, variant and, for given and
 * withdrawn, level). */
void cw_metrics_consent(cw_metrics *m, const cw_call *c, cw_consent_metric what);

/* The core refused the flow something; err names the guarantee ("G2: ...") or not. */
void cw_metrics_refusal(cw_metrics *m, const char *err);

/* Start and stop the lag probe on loop. */
void cw_metrics_start(cw_metrics *m, uv_loop_t *loop);
void cw_metrics_stop(cw_metrics *m, uv_close_cb cb);
void cw_metrics_free(cw_metrics *m);

#endif
