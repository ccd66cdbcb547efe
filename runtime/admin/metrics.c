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
    family(f, "callwarden_draining", "gauge", "1 while the runtime drains (SIGTERM).");
    value(f, "callwarden_draining", (unsigned long long)rt->draining);
    fclose(f);
    cw_http_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}
