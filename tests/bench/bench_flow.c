/* bench_flow.c  The Lua host's own costs, measured in-process (make bench prints them):
 *
 *   - ns per yielding call API method: a flow calls call:sleep(0) N times through the
 *     real host (sandbox, budget hook, call object, yield, wake, continuation), with
 *     ops that complete at once; the peer is a bare coroutine.yield/resume loop in
 *     the same sandboxed state (the floor any coroutine API pays): ratio printed.
 *   - bytes per idle call: F flows started on one version, each waiting in
 *     call:sleep(); the growth of the tenant state's memory / F, plus the C struct
 *     the call core embeds (cw_flow_run).
 *   - the version load: ms to hash, sandbox and compile a tenant.
 *
 * Usage: bench_flow [N_YIELDS [N_FLOWS]]; prints key=value lines. No assertion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "callwarden/flow.h"
#include "callwarden/tenant.h"

typedef struct bench_call {
    cw_flow_run run;
    int wake_sleeps;                     /* 1: sleep wakes at once; 0: it waits */
    int finished;
} bench_call;

static int op_wait(void *call, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    cw_flow_wake_none(&((bench_call *)call)->run);
    return 0;
}

static int op_sleep(void *call, unsigned ms, char *err, size_t errlen)
{
    (void)ms;
    bench_call *b = call;
    if (b->wake_sleeps)
        return op_wait(call, err, errlen);
    return 0;                            /* an idle call: nothing wakes it */
}

static int op_no(void *call, char *err, size_t errlen)
{
    (void)call;
    snprintf(err, errlen, "not in the bench");
    return -1;
}

static int op_play(void *call, const char *w, const char *l, char *err, size_t errlen)
{
    (void)w;
    (void)l;
    return op_no(call, err, errlen);
}

static int op_gather(void *call, const cw_gather_args *g, char *err, size_t errlen)
{
    (void)g;
    return op_no(call, err, errlen);
}

static int op_transfer(void *call, const cw_transfer_args *t, char *err, size_t errlen)
{
    (void)t;
    return op_no(call, err, errlen);
}

static int op_record(void *call, const char *p, int both, char *err, size_t errlen)
{
    (void)p;
    (void)both;
    return op_no(call, err, errlen);
}

static void op_hangup(void *call, const char *cause)
{
    (void)call;
    (void)cause;
}

static void op_finished(void *call, const char *error)
{
    bench_call *b = call;
    b->finished = 1;
    if (error)
        fprintf(stderr, "bench_flow: flow error: %s\n", error);
}

static const cw_flow_ops ops = {
    .answer = op_wait, .play = op_play, .say = op_play, .gather = op_gather,
    .sleep = op_sleep, .transfer = op_transfer, .record = op_record,
    .stop_record = op_no, .hangup = op_hangup, .finished = op_finished,
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static cw_flow_version *load(cw_tenants *ts, cw_tenant *t, const char *dir, const char *flow,
                             double *ms)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/flow.lua", dir);
    write_file(path, flow);
    double t0 = now_s();
    cw_flow_version *v = cw_flow_version_load("bench", dir, &ts->lim, err, sizeof err);
    if (ms)
        *ms = (now_s() - t0) * 1000;
    if (!v) {
        fprintf(stderr, "bench_flow: %s\n", err);
        exit(1);
    }
    v->tenant = t;
    v->refs = 1;
    t->current = v;
    ts->versions_live++;
    return v;
}

static void unload(cw_tenants *ts, cw_tenant *t)
{
    cw_flow_version *v = t->current;
    t->current = NULL;
    cw_flow_version_release(ts, v);
}

int main(int argc, char **argv)
{
    long n_yields = argc > 1 ? atol(argv[1]) : 1000000;
    long n_flows = argc > 2 ? atol(argv[2]) : 10000;
    char dir[] = "/tmp/cw-bench-flow-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    cw_tenants ts;
    memset(&ts, 0, sizeof ts);
    ts.lim.mem_limit = 2048u * 1024 * 1024;
    ts.lim.call_mem = CW_SCRIPT_DEFAULT_CALL_MEM;
    ts.lim.budget = 4000000000u;
    cw_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "bench");
    cw_flow_info info = { .id = 1, .caller = "+4930123", .callee = "bench",
                          .call_id = "bench@1", .language = "en" };

    /* 1. a yielding method through the host */
    char flow[256];
    snprintf(flow, sizeof flow, "call:answer()\nfor i = 1, %ld do call:sleep(0) end\n",
             n_yields);
    double load_ms;
    cw_flow_version *v = load(&ts, &t, dir, flow, &load_ms);
    bench_call *b = calloc(1, sizeof *b);
    b->wake_sleeps = 1;
    double t0 = now_s();
    cw_flow_start(&b->run, &ts, cw_tenant_acquire(&t), &ops, b, &info);
    double api_s = now_s() - t0;
    if (!b->finished)
        fprintf(stderr, "bench_flow: the yield loop did not finish\n");
    cw_flow_free(&b->run);
    free(b);

    /* the peer: coroutine.yield/resume in the same sandbox, no host in between */
    snprintf(flow, sizeof flow,
             "local co = coroutine.wrap(function() while true do coroutine.yield() end end)\n"
             "local t0 = os.clock()\nfor i = 1, %ld do co() end\n"
             "call:log(string.format('%%.9f', os.clock() - t0))\n", n_yields);
    unload(&ts, &t);
    load(&ts, &t, dir, flow, NULL);
    b = calloc(1, sizeof *b);
    double peer_s = 0;
    t0 = now_s();
    cw_flow_start(&b->run, &ts, cw_tenant_acquire(&t), &ops, b, &info);
    peer_s = now_s() - t0;
    cw_flow_free(&b->run);
    free(b);
    unload(&ts, &t);

    /* 2. idle calls: each waits in call:sleep */
    v = load(&ts, &t, dir, "call:answer()\ncall.on_hangup = function() end\n"
                           "local greeting = 'hello ' .. call.caller\ncall:sleep(3600000)\n",
             NULL);
    lua_gc(v->st.L, LUA_GCCOLLECT);
    size_t before = v->st.mem_used;
    bench_call *calls = calloc((size_t)n_flows, sizeof *calls);
    for (long i = 0; i < n_flows; i++)
        cw_flow_start(&calls[i].run, &ts, cw_tenant_acquire(&t), &ops, &calls[i], &info);
    lua_gc(v->st.L, LUA_GCCOLLECT);
    size_t after = v->st.mem_used;
    long waiting = 0;
    for (long i = 0; i < n_flows; i++)
        waiting += calls[i].run.waiting;
    for (long i = 0; i < n_flows; i++) {
        cw_flow_ended(&calls[i].run, "bench");
        cw_flow_free(&calls[i].run);
    }
    free(calls);
    unload(&ts, &t);

    double per_api_ns = api_s * 1e9 / (double)n_yields;
    double per_peer_ns = peer_s * 1e9 / (double)n_yields;
    double lua_bytes = (double)(after - before) / (double)n_flows;
    printf("yields=%ld api_ns_per_call=%.0f peer_coroutine_ns=%.0f ratio=%.2f\n", n_yields,
           per_api_ns, per_peer_ns, per_peer_ns > 0 ? per_api_ns / per_peer_ns : 0);
    printf("idle_flows=%ld waiting=%ld lua_bytes_per_call=%.0f c_bytes_per_call=%zu "
           "total_kib_per_call=%.2f\n", n_flows, waiting, lua_bytes, sizeof(cw_flow_run),
           (lua_bytes + (double)sizeof(cw_flow_run)) / 1024);
    printf("version_load_ms=%.2f\n", load_ms);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_flow: could not remove %s\n", dir);
    return 0;
}
