/* bench_egress.c  make bench, the egress gate (G6, issue 7): what the gate costs.
 *
 *   bench_egress POLICY_DIR URL CA_FILE [REQUESTS] [CONCURRENCY]
 *
 * 1. The gate's decision alone (cw_egress_check: URL parsed by libcurl, allow-list,
 *    region, purpose, consent), a million times: ns per decision.
 * 2. REQUESTS POSTs of a small chat completion to URL (an HTTPS server on loopback),
 *    CONCURRENCY at a time, through cw_egress_send on a libuv loop; then the same
 *    requests sent with libcurl's multi handle directly (the same TLS options, no gate):
 *    requests/s of both and their ratio, and the gate's overhead per request in us.
 * Prints figures, asserts none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "callwarden/egress.h"
#include "callwarden/policy.h"

static const char body[] = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                           "\"Wann haben Sie geoeffnet?\"}]}";

typedef struct run {
    cw_egress *eg;
    const cw_policy *p;
    const char *url;
    unsigned left, in_flight, ok, failed;
} run;

static void sent(void *ud, const cw_egress_response *r);

static void send_one(run *rn)
{
    static const cw_egress_consent consent = { .given = 1, .level = "basic" };
    cw_egress_request rq = {
        .policy = rn->p, .tenant = "bench", .url = rn->url, .purpose = "call_handling",
        .consent = &consent, .content_type = "application/json", .body = body,
        .body_len = sizeof body - 1, .timeout_ms = 10000,
    };
    char why[256];
    rn->left--;
    if (!cw_egress_send(rn->eg, &rq, sent, rn, why, sizeof why)) {
        fprintf(stderr, "bench_egress: refused: %s\n", why);
        rn->failed++;
        return;
    }
    rn->in_flight++;
}

static void sent(void *ud, const cw_egress_response *r)
{
    run *rn = ud;
    rn->in_flight--;
    if (r->error)
        rn->failed++;
    else
        rn->ok++;
    if (rn->left > 0)
        send_one(rn);
    else if (rn->in_flight == 0)
        cw_egress_close(rn->eg, NULL, NULL);
}

/* libcurl directly: the same options the egress engine pins, no gate, no loop glue. */
static size_t discard(char *d, size_t s, size_t n, void *u)
{
    (void)d, (void)u;
    return s * n;
}

static CURL *direct_handle(const char *url, const char *ca, struct curl_slist *h)
{
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(e, CURLOPT_CAINFO, ca);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(sizeof body - 1));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    return e;
}

static double direct(const char *url, const char *ca, unsigned n, unsigned conc,
                     unsigned *ok)
{
    CURLM *m = curl_multi_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    unsigned started = 0, done = 0;
    uint64_t t0 = uv_hrtime();
    for (; started < conc && started < n; started++)
        curl_multi_add_handle(m, direct_handle(url, ca, h));
    while (done < n) {
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            *ok += msg->data.result == CURLE_OK && status == 200;
            curl_multi_remove_handle(m, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
            done++;
            if (started < n) {
                curl_multi_add_handle(m, direct_handle(url, ca, h));
                started++;
            }
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double s = (double)(uv_hrtime() - t0) / 1e9;
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_egress POLICY_DIR URL CA_FILE [REQUESTS] [CONC]\n");
        return 2;
    }
    unsigned n = argc > 4 ? (unsigned)atoi(argv[4]) : 2000;
    unsigned conc = argc > 5 ? (unsigned)atoi(argv[5]) : 4;
    char err[8192];
    cw_policy *p = cw_policy_load("bench", argv[1], err, sizeof err);
    if (!p) {
        fprintf(stderr, "bench_egress: %s\n", err);
        return 2;
    }

    /* 1. the decision alone */
    const cw_egress_consent consent = { .given = 1, .level = "basic" };
    char why[256];
    unsigned allowed = 0, iters = 1000000;
    uint64_t t0 = uv_hrtime();
    for (unsigned i = 0; i < iters; i++)
        allowed += cw_egress_check(p, argv[2], "call_handling", &consent, why,
                                   sizeof why) == CW_EGRESS_ALLOWED;
    double check_ns = (double)(uv_hrtime() - t0) / iters;
    printf("bench-egress: gate decision %.0f ns (%u of %u allowed)\n", check_ns, allowed,
           iters);

    /* 2. through the gate, on the loop */
    uv_loop_t loop;
    uv_loop_init(&loop);
    cw_egress_opts o = { .ca_file = argv[3] };
    run rn = { .p = p, .url = argv[2], .left = n };
    if (cw_egress_open(&loop, &o, &rn.eg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_egress: %s\n", err);
        return 2;
    }
    t0 = uv_hrtime();
    for (unsigned i = 0; i < conc && rn.left > 0; i++)
        send_one(&rn);
    uv_run(&loop, UV_RUN_DEFAULT);
    double gated_s = (double)(uv_hrtime() - t0) / 1e9;
    uv_loop_close(&loop);

    /* 3. libcurl directly */
    unsigned direct_ok = 0;
    double direct_s = direct(argv[2], argv[3], n, conc, &direct_ok);

    double gated_rps = rn.ok / gated_s, direct_rps = direct_ok / direct_s;
    printf("bench-egress: %u requests, %u at a time: through the gate %.0f req/s (%u ok, %u "
           "failed), libcurl directly %.0f req/s (%u ok): ratio %.2f; overhead %.1f us a "
           "request\n", n, conc, gated_rps, rn.ok, rn.failed, direct_rps, direct_ok,
           gated_rps / direct_rps, (gated_s - direct_s) * 1e6 / n);
    cw_policy_free(p);
    return rn.failed || direct_ok != n;
}
