/* config.h  Runtime settings: defaults, a key = value config file, command-line overrides. */
#ifndef CALLWARDEN_CONFIG_H
#define CALLWARDEN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CW_PATH_LEN 1024
#define CW_ADDR_LEN 128

#define CW_MAX_ROUTES 256

/* "route = NUMBER TENANT": calls to NUMBER (the request-URI user) reach TENANT. */
typedef struct cw_route {
    char number[32];
    char tenant[64];
} cw_route;

#define CW_MAX_FALLBACKS 256

/* "fallback_transfer = TENANT URI": when TENANT's flow fails, the call is transferred
 * to URI (a human) instead of hearing the goodbye prompt. */
typedef struct cw_fallback_target {
    char tenant[64];
    char uri[256];
} cw_fallback_target;

#define CW_MAX_SECRETS 64

/* "ai_key = TENANT KEY": the bearer token of TENANT's AI endpoints; "webhook_secret =
 * TENANT SECRET": the key of its webhooks' HMAC-SHA256 signatures (issue 7). */
typedef struct cw_tenant_secret {
    char tenant[64];
    char key[256];
} cw_tenant_secret;

typedef struct cw_config {
    char listen[CW_ADDR_LEN];        /* "127.0.0.1:5060" or "[::1]:5060": UDP and TCP */
    char listen_tls[CW_ADDR_LEN];    /* "" or "127.0.0.1:5061": SIP over TLS */
    char tls_cert_dir[CW_PATH_LEN];  /* holds agent.pem (key + certificate), cafile.pem */
    char media_address[CW_ADDR_LEN]; /* RTP address; "" = the SIP listen address */
    uint16_t rtp_port_min;           /* even; RTP on even, RTCP on the next odd port */
    uint16_t rtp_port_max;
    char data_dir[CW_PATH_LEN];
    char prompts_dir[CW_PATH_LEN];   /* "" = <directory of the binary>/prompts */
    unsigned max_calls;              /* more concurrent calls get 503 + Retry-After */
    unsigned drain_timeout_ms;       /* after SIGTERM, calls still up get BYE then */
    unsigned ring_ms;                /* 180 Ringing this long before the answer */
    unsigned digit_timeout_ms;       /* the demo flow waits this long for a key */
    unsigned demo_repeat_welcome;    /* 1: the demo replays its welcome until a key or BYE
                                      * (make bench: RTP both ways for a whole hold) */
    int log_level;                   /* cw_log_level */

    /* tenants (issue 3) */
    char scripts_dir[CW_PATH_LEN];   /* scripts/<tenant>/flow.lua; default the repo's */
    char policies_dir[CW_PATH_LEN];  /* policies/<tenant>/; default the repo's */
    char default_tenant[64];         /* "" = an unknown number gets 404 */
    cw_route routes[CW_MAX_ROUTES];
    size_t nroutes;
    cw_fallback_target fallbacks[CW_MAX_FALLBACKS];
    size_t nfallbacks;
    unsigned lua_memory_mb;          /* per tenant state */
    unsigned lua_call_memory_kb;     /* one call's share */
    unsigned lua_budget;             /* VM instructions per resume of a flow */
    unsigned reload_debounce_ms;     /* a change reloads this long after its first event */
    unsigned retention_sweep_ms;     /* the vault's retention sweep runs this often (G7) */
    unsigned c_demo_flow;            /* 1: the demo tenant runs the built-in C flow */
    /* egress (G6, issue 7) */
    char egress_ca_file[CW_PATH_LEN]; /* CAs trusted beside the system's (PEM), "" none */
    cw_tenant_secret ai_keys[CW_MAX_SECRETS];
    size_t nai_keys;
    cw_tenant_secret webhook_secrets[CW_MAX_SECRETS];
    size_t nwebhook_secrets;
    unsigned outbox_poll_ms;         /* the webhook outbox looks for work this often */
    unsigned tts_cache_hours;        /* call:say renders are deleted after this (G7) */
    /* the admin API (issue 8) */
    char admin_listen[CW_ADDR_LEN];  /* "" off, or ADDR:PORT */
    char admin_tls_cert[CW_PATH_LEN]; /* PEM; both given: HTTPS */
    char admin_tls_key[CW_PATH_LEN];
    unsigned serve_without_policy;   /* 1: a tenant without a policy is served without
                                      * disclosure and with the consent gate shut for good
                                      * (SIP and media testing); 0: its calls get 503 */
} cw_config;

/* Fill c with the defaults (listen 127.0.0.1:5060, RTP 20000-29999, data ./data, ...). */
void cw_config_defaults(cw_config *c);

/*
 * Set one setting by name ("listen", "rtp_ports", "data", ...), from the config file
 * or the command line. Returns 0, or -1 with a reason in err (errlen bytes).
 */
int cw_config_set(cw_config *c, const char *key, const char *value, char *err, size_t errlen);

/*
 * Read a config file of "key = value" lines ('#' starts a comment). Returns 0, or -1
 * with "<path>:<line>: <reason>" in err; c keeps what was set before the bad line.
 */
int cw_config_load(cw_config *c, const char *path, char *err, size_t errlen);

/* Split "host:port", "[v6]:port" into host (no brackets) and port. Returns 0 or -1. */
int cw_config_split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
