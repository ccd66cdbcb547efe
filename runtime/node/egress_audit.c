/* egress_audit.c  G6's refusals in the tenant's consent ledger: every request the
 * egress gate refused becomes an EGRESS_REFUSED record (sealed and chained like every
 * other), so that an audit shows what a flow tried to send where, and why it did not
 * leave. The record names the host, never the URL's path or query (which is where a
 * flow would hide caller data), and the call by its consent, not by number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "callwarden/audit.h"
#include "callwarden/egress.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"

static void logged(void *ud, int ok, uint64_t seq, const char *err)
{
    (void)ud;
    if (!ok)
        cw_log(CW_LOG_ERROR, "ledger", "EGRESS_REFUSED not written: %s", err);
    else
        cw_log(CW_LOG_DEBUG, "ledger", "EGRESS_REFUSED seq=%llu", (unsigned long long)seq);
}

void cw_node_egress_refused(void *ud, const cw_egress_request *rq, cw_egress_verdict v,
                            const char *why)
{
    cw_runtime *rt = ud;
    cw_tenant_store *ts = rq->tenant ? cw_stores_find(&rt->stores, rq->tenant) : NULL;
    if (!ts || !ts->ledger) {
        cw_log(CW_LOG_ERROR, "egress", "tenant=%s no ledger: EGRESS_REFUSED not written",
               rq->tenant ? rq->tenant : "");
        return;
    }
    cw_egress_url u;
    const char *host = rq->url && cw_egress_parse_url(rq->url, &u) == 0 ? u.host : "";
    const char *consent_id = rq->consent && rq->consent->consent_id
                                 ? rq->consent->consent_id : "";
    int64_t now = cw_now_ms();
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
                          "event_type", "EGRESS_REFUSED", "guarantee", "G6",
                          "ts_ms", (json_int_t)now, "tenant", rq->tenant,
                          "verdict", cw_egress_verdict_name(v), "reason", why,
                          "host", host, "purpose", rq->purpose ? rq->purpose : "",
                          "caller_data", rq->consent != NULL, "consent_id", consent_id,
                          "call_id_hash", rq->call_hash ? rq->call_hash : "");
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!body) {
        cw_log(CW_LOG_ERROR, "egress", "tenant=%s EGRESS_REFUSED not written: out of memory",
               rq->tenant);
        return;
    }
    cw_ledger_event ev = { .ts_ms = now, .event_type = "EGRESS_REFUSED",
                           .consent_id = consent_id, .body = body, .body_len = strlen(body) };
    if (cw_ledger_append(ts->ledger, &ev, logged, NULL) != 0)
        cw_log(CW_LOG_ERROR, "egress", "tenant=%s EGRESS_REFUSED not written: append refused",
               rq->tenant);
    free(body);
}
