/* egress.c  Where a tenant's caller data may go (G6) and the AI it talks to.
 *
 *     egress { regions = { "EU", "EEA" }, allow = { ["ai.example.eu"] = "EU" } }
 *     ai { chat = { url = "https://ai.example.eu/v1/chat/completions", model = "m",
 *                   purpose = "call_handling" }, transcribe = { ... }, speech = { ... },
 *          timeout_ms = 4000, retries = 1, redact = { "phone", "email", "iban",
 *          "birthdate" }, wait = { de = "..." }, unavailable = { de = "..." } }
 *
 * egress.allow is the allow-list: a host, or host:port, and the region its processing
 * is in (a tag: "EU", "EEA", or a country code such as "CH"); regions are the tags the
 * business permits, EU and EEA unless it says otherwise. Every ai endpoint is checked
 * here with the gate's own function (runtime/egress/gate.c), so a policy whose
 * endpoints the gate would refuse does not load: the mistake is found at the desk, not
 * during a call. The gate still checks every request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "callwarden/egress.h"
#include "callwarden/redact.h"
#include "policy_int.h"

#define DEFAULT_AI_TIMEOUT_MS 4000
#define DEFAULT_AI_RETRIES 1
#define DEFAULT_AI_SILENCE_MS 1500

/* "EU", "EEA", "CH": 2-4 upper-case letters. */
static int region_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 4)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
    return 1;
}

/* "host" or "host:port" ("[::1]:8443"), lower-cased into h. 0, or -1. */
static int parse_host(const char *s, cw_policy_host *h)
{
    char url[300];
    if (strlen(s) > 260 || strpbrk(s, "/?#@ \t"))
        return -1;
    /* let the URL parser have the last word on what a host is */
    snprintf(url, sizeof url, "https://%s/", s);
    cw_egress_url u;
    if (cw_egress_parse_url(url, &u) != 0 || strlen(u.host) >= sizeof h->host)
        return -1;
    snprintf(h->host, sizeof h->host, "%s", u.host);
    const char *colon = strrchr(s, ':');
    const char *bracket = strrchr(s, ']');
    h->port = colon && (!bracket || colon > bracket) ? u.port : 0;
    return 0;
}

static int listed(const cw_policy *p, const cw_policy_host *h)
{
    for (size_t i = 0; i < p->negress_allow; i++)
        if (strcmp(p->egress_allow[i].host, h->host) == 0 && p->egress_allow[i].port == h->port)
            return 1;
    return 0;
}

static void allow_list(pol_ctx *cx, int idx, int line)
{
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "field \"allow\" of egress must be a table "
                  "({ [\"ai.example.eu\"] = \"EU\" }), not %s", pol_type_desc(lua_type(L, idx)));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *host = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        const char *region = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        cw_policy_host h;
        memset(&h, 0, sizeof h);
        if (!host || parse_host(host, &h) != 0) {
            pol_error(cx->errors, line, "egress.allow: \"%.64s\" is not a host or host:port "
                      "(\"ai.example.eu\", \"10.1.2.3:8443\")",
                      host ? host : pol_type_desc(lua_type(L, -2)));
        } else if (!region || !region_ok(region)) {
            pol_error(cx->errors, line, "egress.allow: host \"%.64s\" needs the region it is "
                      "in (\"EU\", \"EEA\", \"CH\"), not %s", host,
                      region ? region : pol_type_desc(lua_type(L, -1)));
        } else if (listed(p, &h)) {
            pol_error(cx->errors, line, "egress.allow: \"%.64s\" is listed twice", host);
        } else if (p->negress_allow == CW_POLICY_MAX_EGRESS) {
            pol_error(cx->errors, line, "egress.allow: more than %d hosts",
                      CW_POLICY_MAX_EGRESS);
        } else {
            snprintf(h.region, sizeof h.region, "%s", region);
            p->egress_allow[p->negress_allow++] = h;
        }
        lua_pop(L, 1);
    }
}

static void regions(pol_ctx *cx, int idx, int line)
{
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "field \"regions\" of egress must be a list "
                  "({ \"EU\", \"EEA\" }), not %s", pol_type_desc(lua_type(L, idx)));
        return;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const char *r = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!r || !region_ok(r))
            pol_error(cx->errors, line, "egress.regions: \"%.16s\" is not a region tag "
                      "(\"EU\", \"EEA\", \"CH\")", r ? r : pol_type_desc(lua_type(L, -1)));
        else if (cw_policy_region_permitted(p, r))
            pol_error(cx->errors, line, "egress.regions: \"%s\" is listed twice", r);
        else if (p->negress_regions == CW_POLICY_MAX_REGIONS)
            pol_error(cx->errors, line, "egress.regions: more than %d regions",
                      CW_POLICY_MAX_REGIONS);
        else
            snprintf(p->egress_regions[p->negress_regions++], CW_POLICY_REGION_LEN, "%s", r);
        lua_pop(L, 1);
    }
    if (n == 0)
        pol_error(cx->errors, line, "egress.regions is empty: leave it out for EU and EEA");
}

static void egress(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_EGRESS, NULL);
    if (d) {
        lua_State *L = cx->L;
        pol_push_decl(L, d);
        pol_table t = { cx, lua_gettop(L), "egress", d->line };
        static const char *const fields[] = { "regions", "allow", NULL };
        pol_only_fields(&t, fields, 0);
        if (pol_field(&t, "regions") != LUA_TNIL)
            regions(cx, lua_gettop(L), d->line);
        lua_pop(L, 1);
        if (pol_field(&t, "allow") != LUA_TNIL)
            allow_list(cx, lua_gettop(L), d->line);
        lua_pop(L, 2);
    }
    if (p->negress_regions == 0) {
        snprintf(p->egress_regions[0], CW_POLICY_REGION_LEN, "EU");
        snprintf(p->egress_regions[1], CW_POLICY_REGION_LEN, "EEA");
        p->negress_regions = 2;
    }
}

/* One endpoint table of ai (chat, transcribe, speech) into e. */
static void endpoint(pol_ctx *cx, int idx, int line, const char *name, cw_policy_endpoint *e)
{
    lua_State *L = cx->L;
    char what[48];
    snprintf(what, sizeof what, "ai.%s", name);
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "%s must be a table { url = \"https://...\", purpose = "
                  "\"...\" }, not %s", what, pol_type_desc(lua_type(L, idx)));
        return;
    }
    pol_table t = { cx, idx, what, line };
    static const char *const fields[] = { "url", "model", "voice", "purpose", NULL };
    pol_only_fields(&t, fields, 0);
    e->line = line;
    pol_text(&t, "url", 1, &e->url);
    pol_text(&t, "model", 0, &e->model);
    pol_text(&t, "voice", 0, &e->voice);
    char *purpose = NULL;
    if (pol_text(&t, "purpose", 1, &purpose) > 0) {
        if (!cw_policy_purpose_description(cx->p, purpose))
            pol_error(cx->errors, line, "%s: unknown purpose \"%.40s\" (the core's, or one "
                      "declared in purposes { ... })", what, purpose);
        else
            snprintf(e->purpose, sizeof e->purpose, "%s", purpose);
        free(purpose);
    }
    if (e->url) {
        char why[256];
        /* the gate's own question, without a consent: is the endpoint reachable at all? */
        cw_egress_verdict v = cw_egress_check(cx->p, e->url, e->purpose[0] ? e->purpose
                                                                          : "call_handling",
                                              NULL, why, sizeof why);
        if (v != CW_EGRESS_ALLOWED)
            pol_error(cx->errors, line, "%s url \"%.120s\": %s", what, e->url, why);
    }
}

static void redact(pol_ctx *cx, int idx, int line)
{
    lua_State *L = cx->L;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "ai.redact must be a list ({ \"phone\", \"email\", "
                  "\"iban\", \"birthdate\" }, or {} for none), not %s",
                  pol_type_desc(lua_type(L, idx)));
        return;
    }
    cx->p->ai_redact = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        unsigned bit = k ? cw_redact_kind(k) : 0;
        if (!bit)
            pol_error(cx->errors, line, "ai.redact: \"%.24s\" is not one of phone, email, "
                      "iban, birthdate", k ? k : pol_type_desc(lua_type(L, -1)));
        cx->p->ai_redact |= bit;
        lua_pop(L, 1);
    }
}

static void ai(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    p->ai_timeout_ms = DEFAULT_AI_TIMEOUT_MS;
    p->ai_retries = DEFAULT_AI_RETRIES;
    p->ai_silence_ms = DEFAULT_AI_SILENCE_MS;
    p->ai_redact = CW_REDACT_ALL;
    const pol_decl *d = pol_find(cx->decls, POL_AI, NULL);
    if (!d)
        return;
    lua_State *L = cx->L;
    pol_push_decl(L, d);
    pol_table t = { cx, lua_gettop(L), "ai", d->line };
    static const char *const fields[] = { "chat", "transcribe", "speech", "timeout_ms",
                                          "silence_ms", "retries", "redact", "wait",
                                          "unavailable", NULL };
    pol_only_fields(&t, fields, 0);
    struct { const char *name; cw_policy_endpoint *e; } eps[] = {
        { "chat", &p->ai_chat }, { "transcribe", &p->ai_transcribe },
        { "speech", &p->ai_speech },
    };
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
        if (pol_field(&t, eps[i].name) != LUA_TNIL)
            endpoint(cx, lua_gettop(L), d->line, eps[i].name, eps[i].e);
        lua_pop(L, 1);
    }
    long long v;
    if (pol_int(&t, "timeout_ms", 500, 30000, DEFAULT_AI_TIMEOUT_MS, &v) >= 0)
        p->ai_timeout_ms = (unsigned)v;
    if (pol_int(&t, "silence_ms", 200, 10000, DEFAULT_AI_SILENCE_MS, &v) >= 0)
        p->ai_silence_ms = (unsigned)v;
    if (pol_int(&t, "retries", 0, 3, DEFAULT_AI_RETRIES, &v) >= 0)
        p->ai_retries = (unsigned)v;
    if (pol_field(&t, "redact") != LUA_TNIL)
        redact(cx, lua_gettop(L), d->line);
    lua_pop(L, 1);
    if (pol_field(&t, "wait") != LUA_TNIL)
        pol_per_language(cx, lua_gettop(L), d->line, "ai wait",
                         offsetof(cw_policy_lang, ai_wait));
    lua_pop(L, 1);
    if (pol_field(&t, "unavailable") != LUA_TNIL)
        pol_per_language(cx, lua_gettop(L), d->line, "ai unavailable",
                         offsetof(cw_policy_lang, ai_unavailable));
    lua_pop(L, 2);
    if (!p->ai_chat.url && !p->ai_transcribe.url && !p->ai_speech.url)
        pol_error(cx->errors, d->line, "ai names no endpoint (chat, transcribe or speech)");
}

static const char *const webhook_event_names[] = { "DISCLOSED", "GIVEN", "REFUSED",
                                                   "WITHDRAWN", "EXPIRED", "ERASED",
                                                   "HANDED_OVER", NULL };

static void add_event(cw_policy *p, const char *e)
{
    snprintf(p->webhook_events[p->nwebhook_events++], sizeof p->webhook_events[0], "%s", e);
}

static void webhook(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_WEBHOOK, NULL);
    if (!d)
        return;
    lua_State *L = cx->L;
    pol_push_decl(L, d);
    pol_table t = { cx, lua_gettop(L), "webhook", d->line };
    static const char *const fields[] = { "url", "events", NULL };
    pol_only_fields(&t, fields, 0);
    if (pol_text(&t, "url", 1, &p->webhook_url) > 0) {
        char why[256];
        if (cw_egress_check(p, p->webhook_url, "crm_sync", NULL, why, sizeof why) !=
            CW_EGRESS_ALLOWED)
            pol_error(cx->errors, d->line, "webhook url \"%.120s\": %s", p->webhook_url, why);
    }
    int type = pol_field(&t, "events");
    if (type == LUA_TNIL) {
        add_event(p, "GIVEN");
        add_event(p, "REFUSED");
        add_event(p, "WITHDRAWN");
        add_event(p, "ERASED");
    } else if (type != LUA_TTABLE || lua_rawlen(L, -1) == 0) {
        pol_error(cx->errors, d->line, "webhook events must be a list of event names "
                  "({ \"GIVEN\", \"WITHDRAWN\" })");
    } else {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            const char *e = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            int known = 0;
            for (const char *const *k = webhook_event_names; e && *k; k++)
                known |= strcmp(e, *k) == 0;
            if (!known)
                pol_error(cx->errors, d->line, "webhook events: \"%.24s\" is not one of "
                          "DISCLOSED, GIVEN, REFUSED, WITHDRAWN, EXPIRED, ERASED, HANDED_OVER",
                          e ? e : pol_type_desc(lua_type(L, -1)));
            else if (p->nwebhook_events < 8)
                add_event(p, e);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

/* withdrawal { code_hook = URL }: where the one-time code of a withdrawal outside the
 * call is posted (an SMS gateway's hook), through the gate like everything else */
static void withdrawal(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_WITHDRAWAL, NULL);
    if (!d)
        return;
    lua_State *L = cx->L;
    pol_push_decl(L, d);
    pol_table t = { cx, lua_gettop(L), "withdrawal", d->line };
    static const char *const fields[] = { "code_hook", NULL };
    pol_only_fields(&t, fields, 0);
    if (pol_text(&t, "code_hook", 1, &p->withdrawal_code_hook) > 0) {
        char why[256];
        if (cw_egress_check(p, p->withdrawal_code_hook, CW_PURPOSE_WITHDRAWAL_CODE, NULL, why,
                            sizeof why) != CW_EGRESS_ALLOWED)
            pol_error(cx->errors, d->line, "withdrawal code_hook \"%.120s\": %s",
                      p->withdrawal_code_hook, why);
    }
    lua_pop(L, 1);
}

void pol_validate_egress(pol_ctx *cx)
{
    egress(cx);
    ai(cx);
    webhook(cx);
    withdrawal(cx);
}

const cw_policy_host *cw_policy_egress_host(const cw_policy *p, const char *host,
                                            unsigned port)
{
    if (!port)
        port = 443;
    const cw_policy_host *any = NULL;
    for (size_t i = 0; i < p->negress_allow; i++) {
        const cw_policy_host *h = &p->egress_allow[i];
        if (strcmp(h->host, host) != 0)
            continue;
        if (h->port == port)
            return h;
        if (h->port == 0 && !any)
            any = h;
    }
    return any;
}

int cw_policy_region_permitted(const cw_policy *p, const char *region)
{
    for (size_t i = 0; i < p->negress_regions; i++)
        if (strcmp(p->egress_regions[i], region) == 0)
            return 1;
    return 0;
}
