/* metrics.c  GET /metrics: the runtime's counters in the Prometheus text format
 * (version 0.0.4): "# HELP", "# TYPE", then one "name{labels} value" line a series. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "callwarden/outbox.h"
#include "callwarden/runtime.h"
#include "api_int.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void value(FILE *f, const char *name, unsigned long long v)
{
    fprintf(f, "%s %llu\n", name, v);
}

void cw_api_metrics(cw_http_req *r, const char *tenant, const char *id)
{
    (void)tenant;
    (void)id;
    cw_runtime *rt = r->admin->rt;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        cw_http_error(r, 500, "out of memory");
        return;
    }
    family(f, "callwarden_calls_total", "counter", "Calls offered (initial INVITEs).");
    value(f, "callwarden_calls_total", rt->stats.calls_total);
    family(f, "callwarden_calls_rejected_total", "counter",
           "Initial INVITEs answered with 4xx or 5xx.");
    value(f, "callwarden_calls_rejected_total", rt->stats.calls_rejected);
    family(f, "callwarden_calls_completed_total", "counter", "Calls that ended.");
    value(f, "callwarden_calls_completed_total", rt->stats.calls_completed);
    family(f, "callwarden_calls_active", "gauge", "Calls in progress.");
    value(f, "callwarden_calls_active", rt->ncalls);
    family(f, "callwarden_rtp_packets_total", "counter",
           "RTP packets of ended calls, by direction.");
    fprintf(f, "callwarden_rtp_packets_total{direction=\"sent\"} %llu\n",
            (unsigned long long)rt->stats.rtp_sent);
    fprintf(f, "callwarden_rtp_packets_total{direction=\"received\"} %llu\n",
            (unsigned long long)rt->stats.rtp_received);
    fprintf(f, "callwarden_rtp_packets_total{direction=\"dropped\"} %llu\n",
            (unsigned long long)rt->stats.rtp_dropped);
    family(f, "callwarden_ledger_records_total", "counter",
           "Ledger appends of this process by tenant and outcome.");
    for (cw_tenant_store *ts = rt->stores.head; ts; ts = ts->next) {
        if (!ts->ledger)
            continue;
        cw_ledger_stats st = cw_ledger_get_stats(ts->ledger);
        fprintf(f, "callwarden_ledger_records_total{tenant=\"%s\",outcome=\"committed\"} %llu\n",
                ts->name, (unsigned long long)st.appended);
        fprintf(f, "callwarden_ledger_records_total{tenant=\"%s\",outcome=\"failed\"} %llu\n",
                ts->name, (unsigned long long)st.failed);
    }
    family(f, "callwarden_ledger_commit_seconds", "histogram",
           "From a ledger append to its durable commit (callback), by tenant.");
    for (cw_tenant_store *ts = rt->stores.head; ts; ts = ts->next) {
        if (!ts->ledger)
            continue;
        cw_ledger_stats st = cw_ledger_get_stats(ts->ledger);
        uint64_t cum = 0;
        for (size_t i = 0; i <= CW_LEDGER_LATENCY_BUCKETS; i++) {
            cum += st.latency_le[i];
            if (i < CW_LEDGER_LATENCY_BUCKETS)
                fprintf(f, "callwarden_ledger_commit_seconds_bucket{tenant=\"%s\",le=\"%g\"} "
                        "%llu\n", ts->name, cw_ledger_latency_bounds[i], (unsigned long long)cum);
            else
                fprintf(f, "callwarden_ledger_commit_seconds_bucket{tenant=\"%s\",le=\"+Inf\"} "
                        "%llu\n", ts->name, (unsigned long long)cum);
        }
        fprintf(f, "callwarden_ledger_commit_seconds_sum{tenant=\"%s\"} %.6f\n", ts->name,
                st.latency_sum_s);
        fprintf(f, "callwarden_ledger_commit_seconds_count{tenant=\"%s\"} %llu\n", ts->name,
                (unsigned long long)cum);
    }
    const cw_metrics *m = &rt->metrics;
    family(f, "callwarden_calls_answered_total", "counter", "Calls answered (200 OK).");
    value(f, "callwarden_calls_answered_total", m->answered);
    family(f, "callwarden_disclosures_completed_total", "counter",
           "AI disclosures played in full (G1).");
    value(f, "callwarden_disclosures_completed_total", m->disclosed);
    family(f, "callwarden_handovers_total", "counter", "Calls handed over to a human (G9).");
    value(f, "callwarden_handovers_total", m->handovers);
    static const struct { const char *name, *help; int leveled; } cs[] = {
        { "callwarden_consent_asked_total", "Consent questions asked, by wording variant.", 0 },
        { "callwarden_consent_given_total", "Consents given, by wording variant and level.", 1 },
        { "callwarden_consent_refused_total", "Consents refused, by wording variant.", 0 },
        { "callwarden_consent_withdrawn_total",
          "Consents withdrawn during the call or through the admin API, by variant and level.", 1 },
        { "callwarden_consent_dropoff_total",
          "Calls that ended while the consent question stood, by wording variant.", 0 },
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        family(f, cs[k].name, "counter", cs[k].help);
        for (size_t i = 0; i < m->nconsent; i++) {
            const cw_consent_counts *c = &m->consent[i];
            uint64_t v = k == 0 ? c->asked : k == 1 ? c->given : k == 2 ? c->refused
                       : k == 3 ? c->withdrawn : c->dropped;
            if (cs[k].leveled != (c->level[0] != 0) || (!v && k != 0 && k != 2 && k != 4))
                continue;
            if (cs[k].leveled)
                fprintf(f, "%s{tenant=\"%s\",variant=\"%s\",level=\"%s\"} %llu\n", cs[k].name,
                        c->tenant, c->variant, c->level, (unsigned long long)v);
            else
                fprintf(f, "%s{tenant=\"%s\",variant=\"%s\"} %llu\n", cs[k].name, c->tenant,
                        c->variant, (unsigned long long)v);
        }
    }
    family(f, "callwarden_refusals_total", "counter",
           "What the core refused a flow, by the guarantee it protects.");
    for (int g = 1; g <= 10; g++)
        fprintf(f, "callwarden_refusals_total{guarantee=\"G%d\"} %llu\n", g,
                (unsigned long long)m->refused[g]);
    if (rt->egress) {
        cw_egress_stats es = cw_egress_get_stats(rt->egress);
        family(f, "callwarden_egress_refused_total", "counter",
               "Requests the egress gate refused (G6), by verdict.");
        for (int v = 1; v < CW_EGRESS_NVERDICTS; v++)
            fprintf(f, "callwarden_egress_refused_total{verdict=\"%s\"} %llu\n",
                    cw_egress_verdict_name((cw_egress_verdict)v),
                    (unsigned long long)es.refused_by[v]);
        family(f, "callwarden_egress_requests_total", "counter",
               "Requests sent through the egress gate, by outcome.");
        fprintf(f, "callwarden_egress_requests_total{outcome=\"sent\"} %llu\n",
                (unsigned long long)es.sent);
        fprintf(f, "callwarden_egress_requests_total{outcome=\"failed\"} %llu\n",
                (unsigned long long)es.failed);
    }
    family(f, "callwarden_event_loop_lag_seconds", "histogram",
           "How late a 100 ms timer of the event loop fired.");
    uint64_t cum = 0;
    for (size_t i = 0; i <= CW_LAG_BUCKETS; i++) {
        cum += m->lag_le[i];
        if (i < CW_LAG_BUCKETS)
            fprintf(f, "callwarden_event_loop_lag_seconds_bucket{le=\"%g\"} %llu\n",
                    cw_lag_bounds_s[i], (unsigned long long)cum);
        else
            fprintf(f, "callwarden_event_loop_lag_seconds_bucket{le=\"+Inf\"} %llu\n",
                    (unsigned long long)cum);
    }
    fprintf(f, "callwarden_event_loop_lag_seconds_sum %.6f\n", m->lag_sum_s);
    fprintf(f, "callwarden_event_loop_lag_seconds_count %llu\n", (unsigned long long)cum);
    family(f, "callwarden_event_loop_lag_max_seconds", "gauge",
           "The longest event-loop lag seen since the start.");
    fprintf(f, "callwarden_event_loop_lag_max_seconds %.6f\n", m->lag_max_s);
    family(f, "callwarden_reloads_total", "counter", "Tenant reloads (any trigger).");
    value(f, "callwarden_reloads_total", rt->reloader.reloads);
    if (rt->outbox) {
        uint64_t delivered = 0, failed = 0;
        cw_outbox_counts(rt->outbox, &delivered, &failed);
        family(f, "callwarden_webhooks_total", "counter", "CRM webhook posts by outcome.");
        fprintf(f, "callwarden_webhooks_total{outcome=\"delivered\"} %llu\n",
                (unsigned long long)delivered);
        fprintf(f, "callwarden_webhooks_total{outcome=\"failed\"} %llu\n",
                (unsigned long long)failed);
    }
    family(f, "callwarden_admin_requests_total", "counter", "Admin API requests.");
    value(f, "callwarden_admin_requests_total", r->admin->requests);
    family(f, "callwarden_admin_denied_total", "counter",
           "Admin API requests refused with 401 or 403.");
    value(f, "callwarden_admin_denied_total", r->admin->denied);
    family(f, "callwarden_start_time_seconds", "gauge", "When the runtime started (unix time).");
    fprintf(f, "callwarden_start_time_seconds %.3f\n", (double)rt->metrics.start_time_ms / 1000);
    family(f, "callwarden_draining", "gauge", "1 while the runtime drains (SIGTERM).");
    value(f, "callwarden_draining", (unsigned long long)rt->draining);
    fclose(f);
    cw_http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}
