/* http.c  The admin API's HTTP server (admin.h): libmicrohttpd driven from the loop.
 *
 * Why libmicrohttpd: it is GNU's small, long-maintained HTTP/1.1 server library, in
 * Debian (libmicrohttpd-dev), with TLS of its own (GnuTLS), request limits and
 * timeouts, and an "external event loop" mode that fits libuv: in epoll mode it has
 * one descriptor to watch (uv_poll) and tells when it next wants to run (uv_timer),
 * and a request can be suspended while the loop waits for the ledger or a worker
 * thread, then resumed. h2o in Debian is 2.2 (2017) and needs its own loop; an HTTP
 * parser alone (llhttp) is not in Debian 12.
 *
 * A request's life: MHD calls the access handler with the headers (a cw_http_req is
 * made), with each piece of the body (kept, up to 64 KiB), and once more at the end:
 * then api.c answers it, at once or later (cw_http_later suspends the connection, and
 * cw_http_reply resumes it). The request is freed when MHD says it is completed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "callwarden/error.h"
#include "callwarden/log.h"
#include "callwarden/runtime.h"
#include "admin_int.h"

#define BODY_MAX (64 * 1024)

const char *cw_http_header(cw_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *cw_http_query(cw_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void run_daemon(cw_admin *a);
static void req_free(cw_http_req *r);
static void finish_stop(cw_admin *a);
static void on_timer(uv_timer_t *t);

void cw_http_reply(cw_http_req *r, unsigned status, const char *type, const char *body,
                   size_t len)
{
    if (r->answered)
        return;
    r->answered = 1;
    r->status = status;
    r->content_type = type;
    r->reply = malloc(len + 1);
    if (r->reply) {
        memcpy(r->reply, body, len);
        r->reply[len] = 0;
        r->reply_len = len;
    } else {
        r->status = 500;
        r->reply_len = 0;
    }
    if (!r->suspended)
        return;                        /* answered within the handler */
    /* answered later, from a job's callback on the loop: the last thing it does */
    cw_admin *a = r->admin;
    r->suspended = 0;
    a->jobs--;
    if (r->closed)
        req_free(r);
    else
        MHD_resume_connection(r->conn);
    /* MHD runs (and, stopping, stops) from the timer: this may be inside its callback */
    uv_timer_start(&a->timer, on_timer, 0, 0);
}

void cw_http_json(cw_http_req *r, unsigned status, void *json)
{
    char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
    json_decref(json);
    if (!text) {
        cw_http_reply(r, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
        return;
    }
    size_t n = strlen(text);
    text = realloc(text, n + 2);       /* a newline, as curl users like it */
    if (text) {
        text[n] = '\n';
        cw_http_reply(r, status, "application/json", text, n + 1);
    }
    free(text);
}

void cw_http_error(cw_http_req *r, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cw_http_json(r, status, json_pack("{s:s}", "error", msg));
}

void cw_http_later(cw_http_req *r)
{
    if (r->answered || r->suspended)
        return;
    r->suspended = 1;
    r->admin->jobs++;
    MHD_suspend_connection(r->conn);
}

static void req_free(cw_http_req *r)
{
    if (r->job && r->job_free)
        r->job_free(r->job);
    free(r->body);
    free(r->reply);
    free(r);
}

static enum MHD_Result queue_reply(cw_http_req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->reply_len, r->reply ? r->reply : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type ? r->content_type : "text/plain");
    /* what the API says is about people: no cache keeps it */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->allow[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->www_auth[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_auth);
    enum MHD_Result rc = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **ctx)
{
    cw_admin *a = cls;
    cw_http_req *r = *ctx;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->admin = a;
        r->conn = conn;
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->peer,
                          sizeof r->peer);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->peer,
                          sizeof r->peer);
        }
        a->requests++;
        *ctx = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > BODY_MAX) {
            r->too_large = 1;
        } else if (!r->too_large) {
            if (r->body_len + *upload_size + 1 > r->body_cap) {
                size_t cap = r->body_cap ? r->body_cap : 1024;
                while (cap < r->body_len + *upload_size + 1)
                    cap *= 2;
                char *b = realloc(r->body, cap);
                if (!b)
                    return MHD_NO;
                r->body = b;
                r->body_cap = cap;
            }
            memcpy(r->body + r->body_len, upload_data, *upload_size);
            r->body_len += *upload_size;
            r->body[r->body_len] = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!r->dispatched) {
        r->dispatched = 1;
        if (!r->body) {
            r->body = calloc(1, 1);
            if (!r->body)
                return MHD_NO;
        }
        if (r->too_large)
            cw_http_error(r, 413, "the request body is larger than %d bytes", BODY_MAX);
        else if (a->stopping)
            cw_http_error(r, 503, "the runtime is stopping");
        else
            cw_api_dispatch(r);
        if (!r->answered) {
            cw_http_later(r);
            return MHD_YES;
        }
    }
    if (!r->answered)
        return MHD_YES;                /* resumed early: wait for the answer */
    return queue_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
    cw_admin *a = cls;
    cw_http_req *r = *ctx;
    (void)conn;
    (void)why;
    if (!r)
        return;
    if (r->dispatched && !r->answered) {
        r->closed = 1;                 /* the job still runs; it frees r when it answers */
        return;
    }
    (void)a;
    req_free(r);
    *ctx = NULL;
}

/* ---- the loop side ------------------------------------------------------------ */

static void run_daemon(cw_admin *a)
{
    if (!a->daemon)
        return;
    MHD_run(a->daemon);
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (!a->stopping && MHD_get_timeout(a->daemon, &ms) == MHD_YES)
        uv_timer_start(&a->timer, on_timer, ms > 60000 ? 60000 : (uint64_t)ms, 0);
    else
        uv_timer_stop(&a->timer);
}

static void on_timer(uv_timer_t *t)
{
    cw_admin *a = t->data;
    run_daemon(a);
    if (a->stopping && !a->jobs) {
        /* the last answers go out (a resumed connection takes a few turns), then stop */
        for (int i = 0; i < 4 && a->daemon; i++)
            MHD_run(a->daemon);
        finish_stop(a);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    run_daemon(p->data);
}

/* ---- start and stop ----------------------------------------------------------- */

static int loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cw_error(err, errlen, "admin API: %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n == 65535) {
        cw_error(err, errlen, "admin API: %s: empty, too large or unreadable", path);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    cw_log(CW_LOG_DEBUG, "admin", "libmicrohttpd: %s", msg);
}

int cw_admin_start(cw_runtime *rt, cw_admin **out, char *err, size_t errlen)
{
    *out = NULL;
    const cw_config *cfg = &rt->cfg;
    if (!cfg->admin_listen[0])
        return 0;
    char host[CW_ADDR_LEN];
    uint16_t port;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (cw_config_split_hostport(cfg->admin_listen, host, sizeof host, &port) != 0)
        return cw_error(err, errlen, "admin_listen: \"%s\" is not ADDR:PORT", cfg->admin_listen);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        flags |= MHD_USE_IPv6;
    } else {
        return cw_error(err, errlen, "admin_listen: \"%s\" is not an IP address", host);
    }
    int tls = cfg->admin_tls_cert[0] || cfg->admin_tls_key[0];
    if (!tls && !loopback((struct sockaddr *)&ss))
        return cw_error(err, errlen, "admin_listen %s: plain HTTP is served only on a "
                        "loopback address; give admin_tls_cert and admin_tls_key", host);
    char *cert = NULL, *key = NULL;
    if (tls) {
        if (!cfg->admin_tls_cert[0] || !cfg->admin_tls_key[0])
            return cw_error(err, errlen, "admin API: TLS needs both admin_tls_cert and "
                            "admin_tls_key");
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return cw_error(err, errlen, "admin API: this libmicrohttpd has no TLS");
        if (!(cert = read_pem(cfg->admin_tls_cert, err, errlen)) ||
            !(key = read_pem(cfg->admin_tls_key, err, errlen))) {
            free(cert);
            return -1;
        }
        flags |= MHD_USE_TLS;
    }
    cw_admin *a = calloc(1, sizeof *a);
    if (!a) {
        free(cert);
        free(key);
        return cw_error(err, errlen, "out of memory");
    }
    a->rt = rt;
    snprintf(a->users.path, sizeof a->users.path, "%s/admin/tokens", cfg->data_dir);
    if (cw_admin_users_load(&a->users, err, errlen) != 0) {
        free(cert);
        free(key);
        free(a);
        return -1;
    }
    struct MHD_OptionItem tls_opts[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, key },
        /* TLS 1.2 and 1.3 only (GnuTLS priority string) */
        { MHD_OPTION_HTTPS_PRIORITIES, 0,
          (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" },
        { MHD_OPTION_END, 0, NULL },
    };
    a->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)128,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_ARRAY, tls ? tls_opts : &tls_opts[3],
        MHD_OPTION_END);
    if (cert) {
        cw_wipe(key, strlen(key));
        free(cert);
        free(key);
    }
    if (!a->daemon) {
        cw_admin_users_free(&a->users);
        free(a);
        return cw_error(err, errlen, "admin API: cannot listen on %s (%s)%s", cfg->admin_listen,
                        strerror(errno), tls ? "; or the certificate and key do not load or "
                        "do not match" : "");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_BIND_PORT);
    a->port = pi ? pi->port : port;
    if (!di || uv_poll_init(rt->loop, &a->poll, di->epoll_fd) != 0) {
        MHD_stop_daemon(a->daemon);
        cw_admin_users_free(&a->users);
        free(a);
        return cw_error(err, errlen, "admin API: cannot watch the server's epoll descriptor");
    }
    uv_timer_init(rt->loop, &a->timer);
    a->poll.data = a;
    a->timer.data = a;
    a->handles_open = 2;
    uv_poll_start(&a->poll, UV_READABLE, on_poll);
    run_daemon(a);
    cw_log(CW_LOG_INFO, "admin", "admin API on %s://%s%s%s:%u (%zu users)",
           tls ? "https" : "http", s6->sin6_family == AF_INET6 ? "[" : "", host,
           s6->sin6_family == AF_INET6 ? "]" : "", a->port, a->users.n);
    *out = a;
    return 0;
}

static void handle_closed(uv_handle_t *h)
{
    cw_admin *a = h->data;
    if (--a->handles_open == 0) {
        cw_admin_users_free(&a->users);
        free(a);
    }
}

static void finish_stop(cw_admin *a)
{
    if (!a->daemon)
        return;                        /* stopped already */
    MHD_stop_daemon(a->daemon);
    a->daemon = NULL;
    uv_close((uv_handle_t *)&a->poll, handle_closed);
    uv_close((uv_handle_t *)&a->timer, handle_closed);
}

void cw_admin_stop(cw_admin *a)
{
    if (!a || a->stopping)
        return;
    a->stopping = 1;
    MHD_quiesce_daemon(a->daemon);     /* no new connections from here on */
    if (!a->jobs)
        finish_stop(a);                /* else the last job to answer stops it */
}
