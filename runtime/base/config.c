/* config.c  Runtime settings: defaults, "key = value" files, command-line overrides.
 * The file and the command line share cw_config_set, so a setting means the same
 * wherever it is given. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/config.h"
#include "callwarden/log.h"

void cw_config_defaults(cw_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:5060");
    c->rtp_port_min = 20000;
    c->rtp_port_max = 29999;
    snprintf(c->data_dir, sizeof c->data_dir, "data");
    c->max_calls = 4000;
    c->drain_timeout_ms = 30000;
    c->ring_ms = 0;
    c->digit_timeout_ms = 10000;
    c->log_level = CW_LOG_INFO;
    snprintf(c->scripts_dir, sizeof c->scripts_dir, "%s/scripts", CW_SOURCE_DIR);
    snprintf(c->policies_dir, sizeof c->policies_dir, "%s/policies", CW_SOURCE_DIR);
    c->lua_memory_mb = 256;
    c->lua_call_memory_kb = 4096;
    c->lua_budget = 10000000;
    c->reload_debounce_ms = 200;
    c->retention_sweep_ms = 60000;
    c->outbox_poll_ms = 1000;
    c->tts_cache_hours = 24;
}

/* "NUMBER TENANT" */
static int add_route(cw_config *c, const char *value, char *err, size_t errlen)
{
    char number[64], tenant[128], extra;
    if (sscanf(value, "%63s %127s %c", number, tenant, &extra) != 2) {
        snprintf(err, errlen, "route: \"%s\" is not \"NUMBER TENANT\"", value);
        return -1;
    }

    for (size_t i = 0; i < c->nroutes; i++) {
        if (strcmp(c->routes[i].number, number) == 0) {
            snprintf(err, errlen, "route: %s is routed twice", number);
            return -1;
        }
    }
    if (c->nroutes == CW_MAX_ROUTES) {
        snprintf(err, errlen, "route: more than %d routes", CW_MAX_ROUTES);
        return -1;
    }
    cw_route *r = &c->routes[c->nroutes];
    if ((size_t)snprintf(r->number, sizeof r->number, "%s", number) >= sizeof r->number ||
        (size_t)snprintf(r->tenant, sizeof r->tenant, "%s", tenant) >= sizeof r->tenant) {
        snprintf(err, errlen, "route: number or tenant name too long in \"%s\"", value);
        return -1;
    }
    c->nroutes++;
    return 0;
}

/* "TENANT URI" */
static int add_fallback(cw_config *c, const char *value, char *err, size_t errlen)
{
    char tenant[128], uri[512], extra;
    if (sscanf(value, "%127s %511s %c", tenant, uri, &extra) != 2 ||
        (strncmp(uri, "sip:", 4) != 0 && strncmp(uri, "sips:", 5) != 0 &&
         strncmp(uri, "tel:", 4) != 0) || strpbrk(uri, "<>\"")) {
        snprintf(err, errlen, "fallback_transfer: \"%s\" is not \"TENANT sip:URI\"", value);
        return -1;
    }
    if (c->nfallbacks == CW_MAX_FALLBACKS) {
        snprintf(err, errlen, "fallback_transfer: more than %d", CW_MAX_FALLBACKS);
        return -1;
    }
    cw_fallback_target *f = &c->fallbacks[c->nfallbacks];
    if ((size_t)snprintf(f->tenant, sizeof f->tenant, "%s", tenant) >= sizeof f->tenant ||
        (size_t)snprintf(f->uri, sizeof f->uri, "%s", uri) >= sizeof f->uri) {
        snprintf(err, errlen, "fallback_transfer: tenant or URI too long in \"%s\"", value);
        return -1;
    }
    c->nfallbacks++;
    return 0;
}

/* "TENANT KEY" into list (ai_key, webhook_secret): a token of printable ASCII without
 * spaces; a later line for the same tenant replaces an earlier. */
static int add_secret(cw_tenant_secret *list, size_t *n, const char *what, const char *value,
                      char *err, size_t errlen)
{
    char tenant[128], key[512], extra;
    if (sscanf(value, "%127s %511s %c", tenant, key, &extra) != 2) {
        snprintf(err, errlen, "%s: not \"TENANT KEY\"", what);
        return -1;
    }
    for (const char *k = key; *k; k++)
        if ((unsigned char)*k < 0x21 || (unsigned char)*k > 0x7e) {
            snprintf(err, errlen, "%s: the key of %s has a character that is not printable "
                     "ASCII", what, tenant);
            return -1;
        }
    if (strlen(tenant) >= sizeof list[0].tenant || strlen(key) >= sizeof list[0].key) {
        snprintf(err, errlen, "%s: tenant name or key too long", what);
        return -1;
    }
    cw_tenant_secret *a = NULL;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i].tenant, tenant) == 0)
            a = &list[i];
    if (!a && *n == CW_MAX_SECRETS) {
        snprintf(err, errlen, "%s: more than %d tenants", what, CW_MAX_SECRETS);
        return -1;
    }
    if (!a)
        a = &list[(*n)++];
    memcpy(a->tenant, tenant, strlen(tenant) + 1);     /* lengths checked above */
    memcpy(a->key, key, strlen(key) + 1);
    return 0;
}

int cw_config_split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)))
            return -1;   /* a bare IPv6 literal needs brackets */
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = 0;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
        return -1;
    *port = (uint16_t)p;

    unsigned char buf[16];
    if (inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1)
        return -1;
    return 0;
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || *end || end == v || v[0] == '-' || x > max)
        return -1;
    *out = x;
    return 0;
}

static int set_path(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap || v[0] == 0)
        return -1;
    snprintf(dst, cap, "%s", v);
    return 0;
}

int cw_config_set(cw_config *c, const char *key, const char *value, char *err, size_t errlen)
{
    char host[CW_ADDR_LEN];
    uint16_t port;
    unsigned long x;

    if (strcmp(key, "listen") == 0) {
        const char *v = value;
        int tls = strncmp(v, "tls:", 4) == 0;
        if (tls || strncmp(v, "udp:", 4) == 0 || strncmp(v, "tcp:", 4) == 0)
            v += 4;
        if (cw_config_split_hostport(v, host, sizeof host, &port) != 0) {
            snprintf(err, errlen, "listen: \"%s\" is not ADDR:PORT or [IPV6]:PORT", value);
            return -1;
        }
        snprintf(tls ? c->listen_tls : c->listen, CW_ADDR_LEN, "%s", v);
        return 0;
    }
    if (strcmp(key, "rtp_ports") == 0 || strcmp(key, "rtp-ports") == 0) {
        unsigned lo, hi;
        char extra;
        if (sscanf(value, "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1024 || hi > 65535 ||
            hi < lo + 1) {
            snprintf(err, errlen,
                     "rtp_ports: \"%s\" is not LO-HI with 1024 <= LO < HI <= 65535 "
                     "(at least one RTP/RTCP pair)", value);
            return -1;
        }
        c->rtp_port_min = (uint16_t)lo;
        c->rtp_port_max = (uint16_t)hi;
        return 0;
    }
    if (strcmp(key, "route") == 0)
        return add_route(c, value, err, errlen);
    if (strcmp(key, "fallback_transfer") == 0 || strcmp(key, "fallback-transfer") == 0)
        return add_fallback(c, value, err, errlen);
    if (strcmp(key, "ai_key") == 0 || strcmp(key, "ai-key") == 0)
        return add_secret(c->ai_keys, &c->nai_keys, "ai_key", value, err, errlen);
    if (strcmp(key, "webhook_secret") == 0 || strcmp(key, "webhook-secret") == 0)
        return add_secret(c->webhook_secrets, &c->nwebhook_secrets, "webhook_secret", value,
                          err, errlen);
    if (strcmp(key, "egress_ca_file") == 0 || strcmp(key, "egress-ca-file") == 0)
        return set_path(c->egress_ca_file, sizeof c->egress_ca_file, value) == 0
                   ? 0 : (snprintf(err, errlen, "egress_ca_file: bad path \"%s\"", value), -1);
    if (strcmp(key, "admin_listen") == 0 || strcmp(key, "admin-listen") == 0) {
        if (cw_config_split_hostport(value, host, sizeof host, &port) != 0) {
            snprintf(err, errlen, "admin_listen: \"%s\" is not ADDR:PORT or [IPV6]:PORT", value);
            return -1;
        }
        snprintf(c->admin_listen, sizeof c->admin_listen, "%s", value);
        return 0;
    }
    if (strcmp(key, "admin_tls_cert") == 0 || strcmp(key, "admin-tls-cert") == 0)
        return set_path(c->admin_tls_cert, sizeof c->admin_tls_cert, value) == 0
                   ? 0 : (snprintf(err, errlen, "admin_tls_cert: bad path \"%s\"", value), -1);
    if (strcmp(key, "admin_tls_key") == 0 || strcmp(key, "admin-tls-key") == 0)
        return set_path(c->admin_tls_key, sizeof c->admin_tls_key, value) == 0
                   ? 0 : (snprintf(err, errlen, "admin_tls_key: bad path \"%s\"", value), -1);
    if (strcmp(key, "scripts") == 0)
        return set_path(c->scripts_dir, sizeof c->scripts_dir, value) == 0
                   ? 0 : (snprintf(err, errlen, "scripts: bad directory \"%s\"", value), -1);
    if (strcmp(key, "policies") == 0)
        return set_path(c->policies_dir, sizeof c->policies_dir, value) == 0
                   ? 0 : (snprintf(err, errlen, "policies: bad directory \"%s\"", value), -1);
    if (strcmp(key, "default_tenant") == 0 || strcmp(key, "default-tenant") == 0) {
        if (strlen(value) >= sizeof c->default_tenant) {
            snprintf(err, errlen, "default_tenant: name too long");
            return -1;
        }
        snprintf(c->default_tenant, sizeof c->default_tenant, "%s", value);
        return 0;
    }
    if (strcmp(key, "data") == 0)
        return set_path(c->data_dir, sizeof c->data_dir, value) == 0
                   ? 0 : (snprintf(err, errlen, "data: bad directory \"%s\"", value), -1);
    if (strcmp(key, "prompts") == 0)
        return set_path(c->prompts_dir, sizeof c->prompts_dir, value) == 0
                   ? 0 : (snprintf(err, errlen, "prompts: bad directory \"%s\"", value), -1);
    if (strcmp(key, "tls_cert_dir") == 0 || strcmp(key, "tls-cert-dir") == 0)
        return set_path(c->tls_cert_dir, sizeof c->tls_cert_dir, value) == 0
                   ? 0 : (snprintf(err, errlen, "tls_cert_dir: bad directory \"%s\"", value), -1);
    if (strcmp(key, "media_address") == 0 || strcmp(key, "media-address") == 0) {
        unsigned char buf[16];
        if (inet_pton(AF_INET, value, buf) != 1 && inet_pton(AF_INET6, value, buf) != 1) {
            snprintf(err, errlen, "media_address: \"%s\" is not an IP address", value);
            return -1;
        }
        snprintf(c->media_address, sizeof c->media_address, "%s", value);
        return 0;
    }
    if (strcmp(key, "log_level") == 0 || strcmp(key, "log-level") == 0) {
        int l = cw_log_level_parse(value);
        if (l < 0) {
            snprintf(err, errlen, "log_level: \"%s\" is not error, warn, info or debug", value);
            return -1;
        }
        c->log_level = l;
        return 0;
    }

    struct { const char *name; unsigned *dst; unsigned long max; int ms_from_s; } nums[] = {
        { "max_calls", &c->max_calls, 100000, 0 },
        { "drain_timeout", &c->drain_timeout_ms, 86400, 1 },
        { "ring_ms", &c->ring_ms, 60000, 0 },
        { "digit_timeout_ms", &c->digit_timeout_ms, 600000, 0 },
        { "demo_repeat_welcome", &c->demo_repeat_welcome, 1, 0 },
        { "c_demo_flow", &c->c_demo_flow, 1, 0 },
        { "serve_without_policy", &c->serve_without_policy, 1, 0 },
        { "reload_debounce_ms", &c->reload_debounce_ms, 60000, 0 },
        { "retention_sweep_s", &c->retention_sweep_ms, 86400, 1 },
        { "outbox_poll_ms", &c->outbox_poll_ms, 3600000, 0 },
        { "tts_cache_hours", &c->tts_cache_hours, 8760, 0 },
        { "lua_memory_mb", &c->lua_memory_mb, 65536, 0 },
        { "lua_call_memory_kb", &c->lua_call_memory_kb, 4194304, 0 },
        { "lua_budget", &c->lua_budget, 4000000000ul, 0 },
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char dashed[64];
        snprintf(dashed, sizeof dashed, "%s", nums[i].name);
        for (char *p = dashed; *p; p++)
            if (*p == '_')
                *p = '-';
        if (strcmp(key, nums[i].name) != 0 && strcmp(key, dashed) != 0)
            continue;
        if (parse_uint(value, nums[i].max, &x) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not a whole number from 0 to %lu",
                     nums[i].name, value, nums[i].max);
            return -1;
        }
        *nums[i].dst = (unsigned)(nums[i].ms_from_s ? x * 1000 : x);
        return 0;
    }
    snprintf(err, errlen, "unknown setting \"%s\"", key);
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

int cw_config_load(cw_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
            fclose(f);
            return -1;
        }
        *eq = 0;
        char *key = trim(s), *value = trim(eq + 1);
        char why[512];
        if (cw_config_set(c, key, value, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}
