/* judge.c  After the run: did each scenario call do what its file expects, and what
 * does the oracle say about it (whatever the file expects). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_int.h"

void scn_default_from(sim_run *r, const scn_result *res, char *out, size_t cap)
{
    if (res->from[0]) {
        snprintf(out, cap, "%s", res->from);
        return;
    }
    /* a German landline, unless the scenario wants a language the policy gives by
     * another prefix */
    snprintf(out, cap, "+4930123456%02u", r->ncalls % 100);
    cw_tenant *t = cw_tenants_find(&r->rt.tenants, res->tenant);
    const cw_policy *p = t && t->current ? t->current->policy : NULL;
    if (!p || !res->want_lang[0] || strcmp(p->default_lang, res->want_lang) == 0)
        return;
    for (size_t i = 0; i < p->nprefixes; i++)
        if (strcmp(p->prefixes[i].lang, res->want_lang) == 0) {
            snprintf(out, cap, "%s2012345%02u", p->prefixes[i].prefix, r->ncalls % 100);
            return;
        }
}

void scn_note_policy(sim_call *sc)
{
    const cw_policy *p = sim_policy_of(sc);
    if (!p)
        return;
    sc->tr.has_policy = 1;
    for (size_t i = 0; i < p->negress_allow && i < 32; i++) {
        cw_trace_host *h = &sc->tr.allow[sc->tr.nallow++];
        snprintf(h->host, sizeof h->host, "%s", p->egress_allow[i].host);
        h->port = p->egress_allow[i].port;
        snprintf(h->region, sizeof h->region, "%s", p->egress_allow[i].region);
    }
    for (size_t i = 0; i < p->negress_regions && i < 8; i++)
        snprintf(sc->tr.regions[sc->tr.nregions++], sizeof sc->tr.regions[0], "%s",
                 p->egress_regions[i]);
    const cw_policy_lang *l = cw_policy_lang_for(p, sc->from);
    if (!l)
        return;
    snprintf(sc->tr.lang, sizeof sc->tr.lang, "%s", l->lang);
    snprintf(sc->tr.disclosure, sizeof sc->tr.disclosure, "%s", l->disclosure);
    if (l->handover_notice)
        snprintf(sc->tr.handover_notice, sizeof sc->tr.handover_notice, "%s",
                 l->handover_notice);
}

static void add_note(char ***list, size_t *n, const scn_result *res, const scn_expect *e,
                     const char *what)
{
    size_t len = strlen(res->file) + strlen(what) + 32;
    char *s = malloc(len);
    char **u = realloc(*list, (*n + 1) * sizeof *u);
    if (!s || !u) {
        free(s);
        if (u)
            *list = u;
        return;
    }
    snprintf(s, len, "%s:%d: %s", res->file, e->line, what);
    *list = u;
    (*list)[(*n)++] = s;
}

static void unmet(scn_result *res, const scn_expect *e, const char *fmt, const char *a,
                  const char *b)
{
    char what[700];
    snprintf(what, sizeof what, fmt, a, b);
    add_note(&res->unmet, &res->nunmet, res, e, what);
}

/* Over a real line: what cannot be seen from it is said, not guessed. */
static int unobservable(scn_result *res, const scn_expect *e, const cw_trace *t)
{
    const char *why = NULL;
    int withdrawn = 0;
    for (size_t i = 0; i < t->nconsents; i++)
        withdrawn |= t->consents[i].state == CW_TRACE_WITHDRAWN;
    if (!t->over_sip)
        return 0;
    if (!t->stores_read && (e->kind == EXPECT_CONSENT || e->kind == EXPECT_LEDGER ||
                            e->kind == EXPECT_RECORDING))
        why = "needs the runtime's data directory (--data DIR)";
    else if (e->kind == EXPECT_RECORDING && withdrawn)
        why = "a withdrawn recording is erased, and the line does not show what was kept";
    else if (e->kind == EXPECT_FALLBACK)
        why = "the fallback is the core's, the line only hears it";
    if (!why)
        return 0;
    char what[300];
    snprintf(what, sizeof what, "not checked over SIP: %s", why);
    add_note(&res->unchecked, &res->nunchecked, res, e, what);
    return 1;
}

/* Over a real line the recorder's frames are not seen: a recording is what the vault
 * keeps of the caller beyond the consent's evidence. */
static int recorded(const cw_trace *t)
{
    if (!t->over_sip)
        return t->nframes > 0;
    for (size_t i = 0; i < t->nartifacts; i++)
        if (t->artifacts[i].frames && strcmp(t->artifacts[i].purpose, "consent_evidence") != 0)
            return 1;
    return 0;
}

static const char *final_state(const cw_trace *t, const char **level)
{
    const char *s = "none";
    *level = "";
    for (size_t i = 0; i < t->nconsents; i++) {
        switch (t->consents[i].state) {
        case CW_TRACE_GIVEN: s = "given"; *level = t->consents[i].level; break;
        case CW_TRACE_REFUSED: s = "refused"; break;
        case CW_TRACE_WITHDRAWN: s = "withdrawn"; break;
        case CW_TRACE_NOT_GIVEN: s = "none"; break;
        default: break;
        }
    }
    return s;
}

static int given_level(const cw_trace *t, const char *level)
{
    for (size_t i = 0; i < t->nconsents; i++)
        if (t->consents[i].state == CW_TRACE_GIVEN &&
            (!level || strcmp(t->consents[i].level, level) == 0))
            return 1;
    return 0;
}

static int transfer_matches(const cw_trace_transfer *x, const scn_expect *e)
{
    if (e->a[0] && !strstr(x->target, e->a))
        return 0;
    if (e->b[0] && strcmp(x->mode, e->b) != 0)
        return 0;
    for (unsigned i = 0; i < e->nheaders; i++) {
        int ok = 0;
        for (unsigned k = 0; k < x->nheaders && !ok; k++)
            ok = strcasecmp(x->headers[k].name, e->headers[i].name) == 0 &&
                 strcmp(x->headers[k].value, e->headers[i].value) == 0;
        if (!ok)
            return 0;
    }
    return 1;
}

static void judge_one(scn_result *res, const scn_expect *e)
{
    const cw_trace *t = &res->sc->tr;
    const char *level;
    const char *state = final_state(t, &level);
    if (unobservable(res, e, t))
        return;
    switch (e->kind) {
    case EXPECT_CONSENT:
        if (e->flag == 1 && !given_level(t, e->a))
            unmet(res, e, "expected consent level %s, but the consent is %s", e->a,
                  level[0] ? level : state);
        if (e->flag == 0 && given_level(t, NULL))
            unmet(res, e, "expected no consent, but level %s was given%s", level, "");
        if (e->b[0] && strcmp(state, e->b) != 0)
            unmet(res, e, "expected the consent %s, but it is %s", e->b, state);
        break;
    case EXPECT_RECORDING:
        if (e->flag != recorded(t))
            unmet(res, e, e->flag ? "expected a recording, but nothing of the caller was "
                                    "recorded%s%s"
                                  : "expected no recording, but the caller was recorded%s%s",
                  "", "");
        break;
    case EXPECT_TRANSFER: {
        int any = 0;
        for (size_t i = 0; i < t->ntransfers; i++)
            any |= transfer_matches(&t->transfers[i], e);
        if (!e->flag && t->ntransfers)
            unmet(res, e, "expected no transfer, but the call was transferred to %s%s",
                  t->transfers[0].target, "");
        else if (e->flag && !any)
            unmet(res, e, t->ntransfers ? "expected a transfer like the one stated, but it "
                                          "went to %s%s"
                                        : "expected a transfer, but there was none%s%s",
                  t->ntransfers ? t->transfers[0].target : "", "");
        break;
    }
    case EXPECT_LEDGER: {
        int have = 0;
        for (size_t i = 0; i < t->nrecords; i++)
            have |= strcmp(t->records[i].event, e->a) == 0;
        if (have != e->flag)
            unmet(res, e, have ? "expected no %s record, but the ledger has one%s"
                               : "expected a %s record in the ledger, but it has none%s",
                  e->a, "");
        break;
    }
    case EXPECT_FALLBACK:
        if (e->flag != t->fallback)
            unmet(res, e, e->flag ? "expected the fallback, but the flow never failed%s%s"
                                  : "expected no fallback, but it played (%s)%s",
                  t->error, "");
        break;
    case EXPECT_HANGUP:
        if (strcmp(t->ended_by, e->a) != 0)
            unmet(res, e, "expected the %s to hang up, but the %s did", e->a,
                  t->ended_by[0] ? t->ended_by : "nobody");
        break;
    }
}

void scn_judge(scn_result *res)
{
    if (!res->sc || res->skipped[0])
        return;
    for (size_t i = 0; i < res->nexpect; i++)
        judge_one(res, &res->expect[i]);
    const cw_trace *t = &res->sc->tr;
    if (res->want_lang[0] && t->lang[0] && strcmp(res->want_lang, t->lang) != 0) {
        scn_expect e = { .line = res->dial_line };
        unmet(res, &e, "expected the call in %s, but it ran in %s", res->want_lang, t->lang);
    }
    res->nviolations = cw_oracle_check(t, res->violations,
                                       sizeof res->violations / sizeof res->violations[0]);
}
