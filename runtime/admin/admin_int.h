/* admin_int.h  The admin API's parts, shared inside runtime/admin: the users and their
 * roles (tokens.c), the HTTP server and its requests (http.c), the endpoints (api.c,
 * api_consent.c, api_subject.c) and the metrics (metrics.c). */
#ifndef CALLWARDEN_ADMIN_INT_H
#define CALLWARDEN_ADMIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "callwarden/admin.h"

/* ---- users, roles, tokens (tokens.c) --------------------------------------------- */

enum {
    CW_ROLE_ADMIN = 1,              /* operations: reload, checkpoint, metrics */
    CW_ROLE_DPO = 2,                /* the data-protection officer: subject requests */
    CW_ROLE_AUDITOR = 4,            /* reads consent records and proofs, checkpoints */
    CW_ROLE_AGENT = 8,              /* the front desk: looks up and withdraws consents */
};
#define CW_ROLES_ALL (CW_ROLE_ADMIN | CW_ROLE_DPO | CW_ROLE_AUDITOR | CW_ROLE_AGENT)

#define CW_ADMIN_NAME_LEN 64
#define CW_ADMIN_TENANTS_LEN 512

typedef struct cw_admin_user {
    char name[CW_ADMIN_NAME_LEN];
    unsigned role;                  /* one CW_ROLE_* */
    uint8_t token_sha256[32];
    char tenants[CW_ADMIN_TENANTS_LEN];   /* "*" or "a,b,c" */
    uint8_t totp_key[64];           /* admin and dpo: the TOTP secret */
    size_t totp_len;
    uint64_t totp_last_step;        /* each code is accepted once */
} cw_admin_user;

typedef struct cw_admin_users {
    char path[1100];
    int64_t mtime_ns;               /* of the file as loaded: a change is re-read */
    cw_admin_user *v;
    size_t n;
} cw_admin_users;

/* The role's name ("dpo"), or its number from a name (0 if unknown). */
const char *cw_role_name(unsigned role);
unsigned cw_role_parse(const char *name);

/* Read the users file (again if it changed since, keeping the codes already used).
 * A missing file is no users. 0, or -1 with err ("FILE:LINE: ..."); on -1 the users
 * loaded before stay. */
int cw_admin_users_load(cw_admin_users *u, char *err, size_t errlen);
void cw_admin_users_free(cw_admin_users *u);

/* The user whose token this is, checked in constant time per user, or NULL. */
cw_admin_user *cw_admin_users_find(cw_admin_users *u, const char *token);

/* May user reach tenant? */
int cw_admin_user_has_tenant(const cw_admin_user *user, const char *tenant);

/* ---- the HTTP side (http.c) -------------------------------------------------------- */

typedef struct cw_http_req cw_http_req;

struct cw_http_req {
    cw_admin *admin;
    void *conn;                     /* struct MHD_Connection */
    char method[8];
    char path[512];                 /* the URL's path, percent-decoded, no query */
    char *body;                     /* what was posted, NUL-terminated */
    size_t body_len, body_cap;
    int too_large;
    int dispatched, suspended, answered, closed;
    unsigned status;
    char *reply;                    /* malloc'd */
    size_t reply_len;
    const char *content_type;
    char allow[64];                 /* a 405's Allow */
    char www_auth[64];              /* a 401's WWW-Authenticate */
    /* who asked: set by the auth step for the handlers */
    char user[CW_ADMIN_NAME_LEN];
    unsigned role;
    char tenants[CW_ADMIN_TENANTS_LEN];
    char peer[64];
    /* the endpoint's own state while it waits */
    void *job;
    void (*job_free)(void *job);
};

/* A request header (case-insensitive name), or NULL. */
const char *cw_http_header(cw_http_req *r, const char *name);
/* A query-string or form argument of a GET, or NULL. */
const char *cw_http_query(cw_http_req *r, const char *name);

/* Answer r (status, content type, body copied). Works synchronously in a handler and
 * later from a callback on the loop (the connection is resumed). Once only. */
void cw_http_reply(cw_http_req *r, unsigned status, const char *type, const char *body,
                   size_t len);
/* {"error": msg} with status. */
void cw_http_error(cw_http_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A JSON reply from jansson (json_t *, stolen). */
void cw_http_json(cw_http_req *r, unsigned status, void *json);

/* The handler will answer later: keep the connection waiting. */
void cw_http_later(cw_http_req *r);

/* A session after a TOTP login (POST /v1/login): its token's hash, the user, until. */
#define CW_ADMIN_SESSIONS 64
#define CW_ADMIN_SESSION_S 900
typedef struct cw_admin_session {
    uint8_t sha256[32];
    char user[CW_ADMIN_NAME_LEN];
    uint8_t user_token[32];         /* the user's token hash: a re-issued user is another */
    uint64_t until_ms;              /* uv_now; 0: free */
} cw_admin_session;

/* A withdrawal code sent to a caller (api_withdraw.c): for whom, its hash, until. */
#define CW_ADMIN_CODES 256
typedef struct cw_withdraw_code {
    char tenant[64];
    char ref[40];                   /* the caller's subject reference */
    uint8_t sha256[32];
    uint64_t sent_ms, until_ms;     /* uv_now; until 0: free */
    unsigned tries_left;
} cw_withdraw_code;

/* ---- the admin API object ---------------------------------------------------------- */

typedef struct cw_runtime cw_runtime;

struct cw_admin {
    cw_runtime *rt;
    void *daemon;                   /* struct MHD_Daemon */
    uv_poll_t poll;
    uv_timer_t timer;
    int handles_open;
    int stopping;
    unsigned jobs;                  /* requests waiting on a worker or the ledger */
    unsigned port;
    cw_admin_users users;
    cw_admin_session sessions[CW_ADMIN_SESSIONS];
    cw_withdraw_code codes[CW_ADMIN_CODES];
    uint64_t requests, denied;      /* counted for /metrics */
};

/* Route r to its endpoint (api.c): auth, role, tenant, then the handler. */
void cw_api_dispatch(cw_http_req *r);

#endif
