/* handover.c  G9: a transfer to a human tells the caller, passes the consent on, and is
 * logged.
 *
 * For a tenant with a policy, call:transfer(target) (target nil: the policy's handover
 * target) first plays the policy's handover notice in the caller's language (which also
 * says whether the consent carries over), then sends the REFER with the consent status
 * as headers, on the REFER and inside the Refer-To URI so that the INVITE to the human
 * carries them as well:
 *
 *     X-Consent-Id: <the consent's UUID, or "none">
 *     X-Consent-Level: <level, or "none", "refused", "withdrawn">
 *     X-Consent-Purposes: <the level's purposes, comma-separated, or "none">
 *     X-Consent-Carries-Over: yes | no   (the policy's handover.carries_over)
 *
 * These are the core's: a flow's own headers named X-Consent-* are dropped, so that no
 * flow can claim a consent the caller did not give. HANDED_OVER goes to the ledger once
 * the transfer is accepted. A tenant without a policy transfers as before (no consent
 * exists to pass on).
 *
 * With mode "bridge" (the flow's option, or the policy's handover.mode) the same
 * headers go on our own INVITE to the human instead, and the call stays with us, its
 * media relayed (bridge.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "call_int.h"

static void add_header(cw_call *c, const char *name, const char *value)
{
    if (c->ho_n == sizeof c->ho / sizeof c->ho[0])
        return;
    snprintf(c->ho[c->ho_n].name, sizeof c->ho[0].name, "%s", name);
    snprintf(c->ho[c->ho_n].value, sizeof c->ho[0].value, "%s", value);
    c->ho_n++;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const cw_header *)a)->name, ((const cw_header *)b)->name);
}

/* The transfer could not be made: the flow learns why, or, when it is the fallback's,
 * the caller hears the goodbye instead. */
static void transfer_failed(cw_call *c, const char *why)
{
    c->handing_over = 0;
    if (c->in_fallback) {
        cw_call_fallback_goodbye(c);
        return;
    }
    cw_flow_wake_bool(&c->flow, 0, why);
}

static void after_notice(cw_call *c, int completed)
{
    (void)completed;
    if (c->state != CW_CALL_ANSWERED)
        return;
    cw_header h[CW_FLOW_MAX_HEADERS + 4];
    for (size_t i = 0; i < c->ho_n; i++) {
        h[i].name = c->ho[i].name;
        h[i].value = c->ho[i].value;
    }
    qsort(h, c->ho_n, sizeof h[0], by_name);   /* the same order on every call */
    char err[256];
    if (c->ho_bridge) {
        if (cw_bridge_start(c, c->ho_target, h, c->ho_n, c->ho_timeout_s, err,
                            sizeof err) != 0) {
            transfer_failed(c, err);
            return;
        }
        c->handing_over = 1;
        cw_log(CW_LOG_INFO, "call", "call=%llu handover INVITE sent consent=%s headers=%zu",
               (unsigned long long)c->id,
               c->consent == CW_CONSENT_GIVEN ? c->consent_level : "none", c->ho_n);
        return;
    }
    if (!c->sig->refer || c->sig->refer(c, c->ho_target, h, c->ho_n, err, sizeof err) != 0) {
        transfer_failed(c, c->sig->refer ? err : "transfer not supported");
        return;
    }
    c->refer_pending = 1;
    c->handing_over = 1;
    cw_log(CW_LOG_INFO, "call", "call=%llu handover REFER sent consent=%s headers=%zu",
           (unsigned long long)c->id, c->consent == CW_CONSENT_GIVEN ? c->consent_level : "none",
           c->ho_n);
}

int cw_handover_start(cw_call *c, const cw_transfer_args *t, char *err, size_t errlen)
{
    const cw_policy *p = cw_call_policy(c);
    const cw_header *h = t->headers;
    size_t nh = t->nheaders;
    const char *to = t->target && t->target[0] ? t->target : p ? p->handover_target : NULL;
    if (!to) {
        snprintf(err, errlen, "G9: no target: the flow names none and the policy has no "
                 "handover target");
        return -1;
    }
    const cw_policy_lang *l = p ? cw_policy_lang_get(p, c->lang) : NULL;
    if (p && (!l || !l->handover_notice)) {
        snprintf(err, errlen, "G9: the policy has no handover notice for \"%s\", so the "
                 "caller cannot be told", c->lang);
        return -1;
    }
    snprintf(c->ho_target, sizeof c->ho_target, "%s", to);
    c->ho_bridge = t->mode == CW_TRANSFER_BRIDGE ||
                   (t->mode == CW_TRANSFER_POLICY && p && p->handover_bridge);
    c->ho_timeout_s = t->timeout_s ? t->timeout_s : p ? p->handover_timeout_s : 0;
    c->ho_n = 0;
    for (size_t i = 0; i < nh; i++)
        if (!p || strncasecmp(h[i].name, "X-Consent", 9) != 0)
            add_header(c, h[i].name, h[i].value);
    if (!p) {
        after_notice(c, 1);            /* no policy: nothing to tell, nothing to pass on */
        return 0;
    }
    int given = c->consent == CW_CONSENT_GIVEN;
    char purposes[512] = "";
    const cw_policy_level *lv = given ? cw_policy_level_get(p, c->consent_level) : NULL;
    for (size_t i = 0; lv && i < lv->npurposes; i++)
        snprintf(purposes + strlen(purposes), sizeof purposes - strlen(purposes), "%s%s",
                 i ? "," : "", lv->purposes[i]);
    add_header(c, "X-Consent-Id", given ? c->consent_id : "none");
    add_header(c, "X-Consent-Level", given ? c->consent_level
                                   : c->consent == CW_CONSENT_REFUSED ? "refused"
                                   : c->consent == CW_CONSENT_WITHDRAWN ? "withdrawn" : "none");
    add_header(c, "X-Consent-Purposes", purposes[0] ? purposes : "none");
    add_header(c, "X-Consent-Carries-Over", p->handover_carries_over ? "yes" : "no");
    cw_call_speak(c, l->handover_notice, after_notice);
    return 0;
}

void cw_handover_accepted(cw_call *c)
{
    if (!c->handing_over)
        return;
    c->handing_over = 0;
    cw_call_log_handed_over(c);
}
