/* api.c  The admin API's routes (admin.h): who may call what, and the small endpoints.
 *
 *   GET  /health                                       anyone
 *   GET  /metrics                                      any user (Prometheus text)
 *   POST /v1/reload                                    admin
 *   POST /v1/tenants/T/checkpoint                      admin, dpo, auditor
 *   GET  /v1/tenants/T/consents/ID                     dpo, auditor, agent   (api_consent.c)
 *   GET  /v1/tenants/T/consents/ID/proof               dpo, auditor
 *   POST /v1/tenants/T/consents/ID/withdraw            dpo, agent
 *   POST /v1/tenants/T/withdrawals {"number"}          the caller            (api_withdraw.c)
 *   POST /v1/tenants/T/withdrawals/confirm {"number", "code"}
 *   GET|POST /withdraw/T, POST /withdraw/T/confirm     the caller's page     (withdraw_page.c)
 *   POST /v1/tenants/T/subjects/export {"number"}      dpo                   (api_subject.c)
 *   POST /v1/tenants/T/subjects/erase  {"number"}      dpo
 *
 * Authorization: Bearer TOKEN, and for admin and dpo also X-TOTP-Code: the six digits of
 * the authenticator app, each accepted once. Since a code works once, admin and dpo
 * usually log in first: POST /v1/login with token and code gives a session token
 * ("cws_...", 15 minutes, held only as its hash in memory) that stands for both.
 * No or a wrong token, or a missing, wrong or reused code: 401. A role the endpoint
 * does not allow, or a tenant outside the user's list (G8): 403.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "callwarden/crypto.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "callwarden/totp.h"
#include "api_int.h"

typedef struct route {
    const char *method;
    const char *pattern;            /* segments; ":t" a tenant, ":id" a consent id */
    unsigned roles;                 /* 0: no token needed */
    void (*fn)(cw_http_req *r, const char *tenant, const char *id);
} route;

static void health(cw_http_req *r, const char *tenant, const char *id);
static void reload(cw_http_req *r, const char *tenant, const char *id);
static void checkpoint(cw_http_req *r, const char *tenant, const char *id);
static void login(cw_http_req *r, const char *tenant, const char *id);

static const route routes[] = {
    { "GET", "/health", 0, health },
    { "GET", "/metrics", CW_ROLES_ALL, cw_api_metrics },
    { "POST", "/v1/login", CW_ROLES_ALL, login },
    { "POST", "/v1/reload", CW_ROLE_ADMIN, reload },
    { "POST", "/v1/tenants/:t/checkpoint", CW_ROLE_ADMIN | CW_ROLE_DPO | CW_ROLE_AUDITOR,
      checkpoint },
    { "GET", "/v1/tenants/:t/consents/:id", CW_ROLE_DPO | CW_ROLE_AUDITOR | CW_ROLE_AGENT,
      cw_api_consent_get },
    { "GET", "/v1/tenants/:t/consents/:id/proof", CW_ROLE_DPO | CW_ROLE_AUDITOR,
      cw_api_consent_proof },
    { "POST", "/v1/tenants/:t/consents/:id/withdraw", CW_ROLE_DPO | CW_ROLE_AGENT,
      cw_api_consent_withdraw },
    { "POST", "/v1/tenants/:t/withdrawals", 0, cw_api_withdrawals },
    { "POST", "/v1/tenants/:t/withdrawals/confirm", 0, cw_api_withdrawals_confirm },
    { "GET", "/withdraw/:t", 0, cw_page_withdraw },
    { "POST", "/withdraw/:t", 0, cw_page_withdraw_number },
    { "POST", "/withdraw/:t/confirm", 0, cw_page_withdraw_code },
    { "POST", "/v1/tenants/:t/subjects/export", CW_ROLE_DPO, cw_api_subject_export },
    { "POST", "/v1/tenants/:t/subjects/erase", CW_ROLE_DPO, cw_api_subject_erase },
};

/* Does path fit pattern? Fills tenant and id from their segments. */
static int match(const char *pattern, const char *path, char *tenant, size_t tcap, char *id,
                 size_t icap)
{
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
        if (pattern[0] == ':') {
            char *dst = pattern[1] == 't' ? tenant : id;
            size_t cap = pattern[1] == 't' ? tcap : icap;
            if (sl == 0 || sl >= cap)
                return 0;
            memcpy(dst, path, sl);
            dst[sl] = 0;
        } else if (pl != sl || strncmp(pattern, path, pl) != 0) {
            return 0;
        }
        pattern += pl;
        path += sl;
    }
    return !*pattern && !*path;
}

static int name_ok(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

static int id_ok(const char *s)
{
    return strlen(s) == 36 && strspn(s, "0123456789abcdef-") == 36;
}

/* The user of a live session token (its user still in the file), or NULL. */
static cw_admin_user *session_user(cw_admin *a, const char *token)
{
    uint8_t h[32];
    cw_sha256_of(token, strlen(token), h);
    uint64_t now = uv_now(a->rt->loop);
    for (size_t i = 0; i < CW_ADMIN_SESSIONS; i++) {
        cw_admin_session *s = &a->sessions[i];
        if (!s->until_ms || s->until_ms <= now || memcmp(s->sha256, h, 32) != 0)
            continue;
        for (size_t k = 0; k < a->users.n; k++)
            if (strcmp(a->users.v[k].name, s->user) == 0 &&
                memcmp(a->users.v[k].token_sha256, s->user_token, 32) == 0)
                return &a->users.v[k];
        memset(s, 0, sizeof *s);       /* the user was removed: so is the session */
    }
    return NULL;
}

/* The user behind the request, or an answer (401) and NULL. */
static cw_admin_user *authenticate(cw_http_req *r)
{
    cw_admin *a = r->admin;
    char err[1400];
    if (cw_admin_users_load(&a->users, err, sizeof err) != 0)
        cw_log(CW_LOG_ERROR, "admin", "%s (the users loaded before stay)", err);
    const char *auth = cw_http_header(r, "Authorization");
    snprintf(r->www_auth, sizeof r->www_auth, "Bearer realm=\"callwarden\"");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0) {
        cw_http_error(r, 401, "an Authorization: Bearer token is needed");
        return NULL;
    }
    const char *token = auth + 7;
    if (strncmp(token, "cws_", 4) == 0) {
        cw_admin_user *u = session_user(a, token);
        if (!u) {
            cw_http_error(r, 401, "the session is not valid or has expired: log in again");
            return NULL;
        }
        r->www_auth[0] = 0;
        return u;
    }
    cw_admin_user *u = cw_admin_users_find(&a->users, token);
    if (!u) {
        cw_log(CW_LOG_WARN, "admin", "refused %s %s from %s: unknown token", r->method, r->path,
               r->peer);
        cw_http_error(r, 401, "the token is not valid");
        return NULL;
    }
    if (u->totp_len) {
        const char *code = cw_http_header(r, "X-TOTP-Code");
        if (!code) {
            cw_http_error(r, 401, "user %s (%s) needs a TOTP code (X-TOTP-Code)", u->name,
                          cw_role_name(u->role));
            return NULL;
        }
        if (cw_totp_verify(CW_TOTP_SHA1, u->totp_key, u->totp_len, code, (uint64_t)time(NULL),
                           CW_TOTP_STEP_S, CW_TOTP_DIGITS, 1, &u->totp_last_step) != 0) {
            cw_log(CW_LOG_WARN, "admin", "refused %s %s from %s: user %s, wrong or used TOTP "
                   "code", r->method, r->path, r->peer, u->name);
            cw_http_error(r, 401, "the TOTP code is wrong, expired or used already");
            return NULL;
        }
    }
    r->www_auth[0] = 0;
    return u;
}

void cw_api_dispatch(cw_http_req *r)
{
    char tenant[CW_TENANT_NAME_LEN] = "", id[64] = "";
    const route *found = NULL;
    int path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!match(routes[i].pattern, r->path, tenant, sizeof tenant, id, sizeof id))
            continue;
        path_known = 1;
        if (strcmp(routes[i].method, r->method) == 0) {
            found = &routes[i];
            break;
        }
        snprintf(r->allow, sizeof r->allow, "%s", routes[i].method);
    }
    if (!found) {
        if (path_known)
            cw_http_error(r, 405, "%s is not allowed here (use %s)", r->method, r->allow);
        else
            cw_http_error(r, 404, "no such endpoint: %s", r->path);
        return;
    }
    r->allow[0] = 0;
    if (found->roles) {
        cw_admin_user *u = authenticate(r);
        if (!u) {
            r->admin->denied++;
            return;
        }
        snprintf(r->user, sizeof r->user, "%s", u->name);
        r->role = u->role;
        if (!(found->roles & u->role)) {
            r->admin->denied++;
            cw_log(CW_LOG_WARN, "admin", "refused %s %s: user %s's role %s may not", r->method,
                   r->path, u->name, cw_role_name(u->role));
            cw_http_error(r, 403, "the role %s may not do this", cw_role_name(u->role));
            return;
        }
        if (tenant[0] && !cw_admin_user_has_tenant(u, tenant)) {
            r->admin->denied++;
            cw_log(CW_LOG_WARN, "admin", "refused %s %s: user %s may not reach tenant %s",
                   r->method, r->path, u->name, tenant);
            cw_http_error(r, 403, "user %s may not reach tenant %s", u->name, tenant);
            return;
        }
    }
    if (tenant[0] && (!name_ok(tenant) || !cw_tenants_find(&r->admin->rt->tenants, tenant))) {
        cw_http_error(r, 404, "no tenant %s", tenant);
        return;
    }
    if (id[0] && !id_ok(id)) {
        cw_http_error(r, 400, "a consent id is a UUID in lower case");
        return;
    }
    cw_log(CW_LOG_INFO, "admin", "%s %s user=%s role=%s", r->method, r->path,
           r->user[0] ? r->user : "-", r->user[0] ? cw_role_name(r->role) : "-");
    found->fn(r, tenant, id);
}

/* "api:alice (dpo)": who an ACCESSED record names */
void cw_api_actor(const cw_http_req *r, char *out, size_t cap)
{
    snprintf(out, cap, "api:%s (%s)", r->user, cw_role_name(r->role));
}

/* ---- the small endpoints --------------------------------------------------------- */

static void health(cw_http_req *r, const char *tenant, const char *id)
{
    (void)tenant;
    (void)id;
    cw_runtime *rt = r->admin->rt;
    json_t *tenants = json_array();
    for (const cw_tenant *t = rt->tenants.head; t; t = t->next) {
        if (t->gone)
            continue;
        cw_tenant_store *ts = cw_stores_find(&rt->stores, t->name);
        json_array_append_new(tenants, json_pack("{s:s, s:b, s:b}", "name", t->name,
                                                 "policy", t->current && t->current->policy,
                                                 "ledger", ts && ts->ledger));
    }
    cw_http_json(r, rt->draining ? 503 : 200,
                 json_pack("{s:s, s:s, s:I, s:o}", "status", rt->draining ? "draining" : "ok",
                           "version", CW_VERSION, "calls_active", (json_int_t)rt->ncalls,
                           "tenants", tenants));
}

static void reload(cw_http_req *r, const char *tenant, const char *id)
{
    (void)tenant;
    (void)id;
    cw_runtime *rt = r->admin->rt;
    int rejected = cw_reloader_reload(&rt->reloader, "admin-api");
    json_t *versions = json_array();
    for (const cw_tenant *t = rt->tenants.head; t; t = t->next) {
        if (t->gone)
            continue;
        const cw_flow_version *v = t->current;
        json_array_append_new(versions, json_pack(
            "{s:s, s:s?, s:s?, s:s?}", "tenant", t->name, "flow_sha256", v ? v->hash : NULL,
            "policy_sha256", v && v->policy ? v->policy->hash : NULL,
            "rejected", t->last_error[0] ? t->last_error : NULL));
    }
    cw_http_json(r, rejected ? 422 : 200,
                 json_pack("{s:b, s:i, s:o}", "reloaded", 1, "rejected", rejected, "tenants",
                           versions));
}

/* POST /v1/login: token (and TOTP code) in, a session token out. */
static void login(cw_http_req *r, const char *tenant, const char *id)
{
    (void)tenant;
    (void)id;
    cw_admin *a = r->admin;
    uint64_t now = uv_now(a->rt->loop);
    cw_admin_session *slot = NULL;
    for (size_t i = 0; i < CW_ADMIN_SESSIONS; i++) {
        cw_admin_session *s = &a->sessions[i];
        if (!s->until_ms || s->until_ms <= now) {
            slot = s;
            break;
        }
        if (!slot || s->until_ms < slot->until_ms)
            slot = s;                  /* all taken: the oldest goes */
    }
    char token[69] = "cws_";
    if (cw_random_hex(token + 4, 32) != 0) {
        cw_http_error(r, 500, "no randomness");
        return;
    }
    memset(slot, 0, sizeof *slot);
    cw_sha256_of(token, strlen(token), slot->sha256);
    snprintf(slot->user, sizeof slot->user, "%s", r->user);
    for (size_t k = 0; k < a->users.n; k++)
        if (strcmp(a->users.v[k].name, r->user) == 0)
            memcpy(slot->user_token, a->users.v[k].token_sha256, 32);
    slot->until_ms = now + CW_ADMIN_SESSION_S * 1000ull;
    cw_log(CW_LOG_INFO, "admin", "user %s (%s) logged in", r->user, cw_role_name(r->role));
    cw_http_json(r, 200, json_pack("{s:s, s:s, s:s, s:i}", "session", token, "user", r->user,
                                   "role", cw_role_name(r->role), "expires_in",
                                   CW_ADMIN_SESSION_S));
    cw_wipe(token, sizeof token);
}

/* ---- a signed checkpoint now ----------------------------------------------------- */

static void signed_now(void *ud, uint64_t size, const char *note, const char *err)
{
    cw_http_req *r = ud;
    if (!note)
        cw_http_error(r, 500, "no checkpoint: %s", err);
    else
        cw_http_json(r, 200, json_pack("{s:I, s:s}", "size", (json_int_t)size, "checkpoint",
                                       note));
}

static void checkpoint(cw_http_req *r, const char *tenant, const char *id)
{
    (void)id;
    cw_tenant_store *ts = cw_stores_find(&r->admin->rt->stores, tenant);
    if (!ts || !ts->ledger) {
        cw_http_error(r, 503, "tenant %s has no ledger open", tenant);
        return;
    }
    if (cw_ledger_checkpoint(ts->ledger, signed_now, r) != 0)
        cw_http_error(r, 503, "the ledger is closing");
    else
        cw_http_later(r);
}
