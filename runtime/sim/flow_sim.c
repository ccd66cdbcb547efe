/* flow_sim.c  A simulated call for specs: the tenant's real flow in its real sandbox
 * (the same version loader, budgets and call API as in a live call), with the caller
 * and the clock simulated. `require("callwarden")` in a spec run by `callwarden busted`.
 *
 *   local cw = require("callwarden")
 *   local t = cw.tenant("scripts/demo")             -- loads as the runtime does
 *   local r = t:call{ keys = { "1" } }               -- runs a whole call at once
 *   assert.same({ "en/welcome", "en/press1" }, r.prompts)
 *
 * call{} options: keys (one string per gather: the keys the caller presses, "" for
 * none), caller, callee, call_id, hangup_at (ms of virtual time when the caller hangs
 * up), transfer_ok (default true). The result: prompts ("lang/id" or the file, in
 * order), events (each {t = ms, op = ..., ...}), logs (call:log lines), ended (the
 * cause), error (the flow's error, nil if none), fallback (true when the fallback
 * played), duration_ms, transfers ({target, mode, headers}), version.
 *
 * Every op completes at once on the virtual clock (a prompt takes its WAV's length,
 * or 1 s if no file is found), so a call of minutes runs in microseconds. This is the
 * small simulator of the busted issue; the compliance scenario runner (runtime/sim,
 * issue 6) drives the real call core instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/flow.h"
#include "callwarden/media.h"
#include "callwarden/sim.h"
#include "callwarden/tenant.h"
#include "callwarden/wav.h"

#define TENANT_MT "callwarden.sim.tenant"
#define DEFAULT_PROMPT_MS 1000
#define KEY_MS 100                       /* the caller presses a key every 100 ms */

typedef struct sim_tenant {
    cw_tenants ts;                       /* one tenant, to count the version's refs */
    cw_tenant t;
    char prompts_dir[CW_PATH_LEN];
} sim_tenant;

typedef struct sim_call {
    lua_State *L;                        /* the spec's state, holding the result table */
    int result;                          /* its stack index */
    sim_tenant *st;
    cw_flow_run run;
    uint64_t now_ms;
    uint64_t hangup_at;                  /* 0: the caller never hangs up */
    int keys;                            /* stack index of the keys list, 0 if none */
    int next_key;
    int transfer_ok;
    int answered, ended, finished;
    int nprompts, nevents, nlogs, ntransfers;
} sim_call;

/* ---- recording what happened ------------------------------------------------ */

static void append(sim_call *sc, const char *field, int *n)
{
    /* [-1, +0] the value on top goes to result[field][++n] */
    lua_getfield(sc->L, sc->result, field);
    lua_insert(sc->L, -2);
    lua_rawseti(sc->L, -2, ++*n);
    lua_pop(sc->L, 1);
}

/* [-0, +1] a new event table {t = now, op = op} */
static void event(sim_call *sc, const char *op)
{
    lua_createtable(sc->L, 0, 4);
    lua_pushinteger(sc->L, (lua_Integer)sc->now_ms);
    lua_setfield(sc->L, -2, "t");
    lua_pushstring(sc->L, op);
    lua_setfield(sc->L, -2, "op");
}

static void event_done(sim_call *sc)
{
    append(sc, "events", &sc->nevents);
}

/* The caller hangs up if the clock passed hangup_at; returns 1 if the call ended. */
static int advance(sim_call *sc, uint64_t ms)
{
    if (sc->ended)
        return 1;
    uint64_t until = sc->now_ms + ms;
    if (sc->hangup_at && until >= sc->hangup_at) {
        sc->now_ms = sc->hangup_at > sc->now_ms ? sc->hangup_at : sc->now_ms;
        sc->ended = 1;
        event(sc, "remote_hangup");
        event_done(sc);
        lua_pushstring(sc->L, "remote-bye");
        lua_setfield(sc->L, sc->result, "ended");
        cw_flow_ended(&sc->run, "remote-bye");
        return 1;
    }
    sc->now_ms = until;
    return 0;
}

/* How long a prompt plays: its WAV (the tenant's own, then the rendered prompts). */
static uint64_t prompt_ms(sim_call *sc, const char *what, const char *lang)
{
    char path[CW_PATH_LEN * 2];
    const char *dir = sc->run.v->st.dir;
    if (strchr(what, '/') || strstr(what, ".wav"))
        snprintf(path, sizeof path, "%s/%s", dir, what);
    else
        snprintf(path, sizeof path, "%s/prompts/%s/%s.wav", dir, lang, what);
    struct stat sb;
    if (stat(path, &sb) != 0 && !strchr(what, '/'))
        snprintf(path, sizeof path, "%s/%s/%s/%s.wav", sc->st->prompts_dir,
                 sc->st->t.name, lang, what);
    cw_audio a = { 0 };
    if (cw_wav_load(path, &a, NULL, 0) != 0)
        return DEFAULT_PROMPT_MS;
    uint64_t ms = (uint64_t)a.nsamples / 8;
    cw_audio_free(&a);
    return ms;
}

static void record_prompt(sim_call *sc, const char *what, const char *lang)
{
    if (strchr(what, '/') || strstr(what, ".wav"))
        lua_pushstring(sc->L, what);
    else
        lua_pushfstring(sc->L, "%s/%s", lang, what);
    append(sc, "prompts", &sc->nprompts);
}

/* ---- the ops ---------------------------------------------------------------- */

static int sim_answer(void *call, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    if (!sc->answered) {
        sc->answered = 1;
        event(sc, "answer");
        event_done(sc);
    }
    cw_flow_wake_none(&sc->run);
    return 0;
}

static int sim_play(void *call, const char *what, const char *lang, char *err,
                    size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    sc->answered = 1;
    event(sc, "play");
    lua_pushstring(sc->L, what);
    lua_setfield(sc->L, -2, "prompt");
    lua_pushstring(sc->L, lang);
    lua_setfield(sc->L, -2, "language");
    event_done(sc);
    record_prompt(sc, what, lang);
    if (!advance(sc, prompt_ms(sc, what, lang)))
        cw_flow_wake_bool(&sc->run, 1, NULL);
    return 0;
}

static int sim_say(void *call, const char *text, const char *lang, char *err,
                   size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    sc->answered = 1;
    event(sc, "say");
    lua_pushstring(sc->L, text);
    lua_setfield(sc->L, -2, "text");
    lua_pushstring(sc->L, lang);
    lua_setfield(sc->L, -2, "language");
    event_done(sc);
    lua_pushfstring(sc->L, "say:%s", text);
    append(sc, "prompts", &sc->nprompts);
    if (!advance(sc, 60 * (uint64_t)strlen(text)))   /* about the pace of espeak-ng */
        cw_flow_wake_bool(&sc->run, 1, NULL);
    return 0;
}

static int sim_gather(void *call, const cw_gather_args *g, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    sc->answered = 1;
    const char *pressed = "";
    if (sc->keys) {
        lua_rawgeti(sc->L, sc->keys, ++sc->next_key);
        if (lua_type(sc->L, -1) == LUA_TSTRING)
            pressed = lua_tostring(sc->L, -1);
        lua_pop(sc->L, 1);            /* the string stays in the keys list */
    }
    event(sc, "gather");
    if (g->prompt) {
        lua_pushstring(sc->L, g->prompt);
        lua_setfield(sc->L, -2, "prompt");
    }
    lua_pushinteger(sc->L, g->max);
    lua_setfield(sc->L, -2, "max");
    lua_pushstring(sc->L, pressed);
    lua_setfield(sc->L, -2, "pressed");
    event_done(sc);
    if (g->prompt)
        record_prompt(sc, g->prompt, g->language);

    /* as the call core does: up to max keys, a terminator ends early and is dropped */
    char got[CW_FLOW_MAX_DIGITS + 1];
    size_t n = 0;
    int keys_sent = 0;
    for (const char *p = pressed; *p && n < g->max; p++) {
        keys_sent++;
        cw_flow_dtmf(&sc->run, *p);
        if (strchr(g->terminators, *p))
            break;
        got[n++] = *p;
    }
    got[n] = 0;
    uint64_t took;
    if (pressed[0])
        took = (uint64_t)keys_sent * KEY_MS;          /* a key stops the prompt */
    else
        took = (g->prompt ? prompt_ms(sc, g->prompt, g->language) : 0) +
               (uint64_t)(g->timeout_ms > 0 ? g->timeout_ms : 5000);
    if (!advance(sc, took))
        cw_flow_wake_string(&sc->run, got);
    return 0;
}

static int sim_sleep(void *call, unsigned ms, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    event(sc, "sleep");
    lua_pushinteger(sc->L, ms);
    lua_setfield(sc->L, -2, "ms");
    event_done(sc);
    if (!advance(sc, ms))
        cw_flow_wake_none(&sc->run);
    return 0;
}

static int sim_transfer(void *call, const cw_transfer_args *t, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    sim_call *sc = call;
    lua_State *L = sc->L;
    event(sc, "transfer");
    lua_pushstring(L, t->target ? t->target : "");
    lua_setfield(L, -2, "target");
    lua_pushstring(L, t->mode == CW_TRANSFER_BRIDGE ? "bridge"
                      : t->mode == CW_TRANSFER_REFER ? "refer" : "policy");
    lua_setfield(L, -2, "mode");
    lua_createtable(L, 0, (int)t->nheaders);
    for (size_t i = 0; i < t->nheaders; i++) {
        lua_pushstring(L, t->headers[i].value);
        lua_setfield(L, -2, t->headers[i].name);
    }
    lua_setfield(L, -2, "headers");
    lua_pushvalue(L, -1);
    append(sc, "transfers", &sc->ntransfers);
    event_done(sc);
    if (!advance(sc, 200))
        cw_flow_wake_bool(&sc->run, sc->transfer_ok, sc->transfer_ok ? NULL
                                                                     : "REFER refused: 603");
    return 0;
}

static int sim_record(void *call, const char *purpose, int both, char *err, size_t errlen)
{
    (void)call;
    (void)both;
    return cw_gate_may_record(NULL, purpose, err, errlen);  /* the real gate decides */
}

static int sim_stop_record(void *call, char *err, size_t errlen)
{
    (void)call;
    snprintf(err, errlen, "not recording");
    return -1;
}

static void sim_hangup(void *call, const char *cause)
{
    sim_call *sc = call;
    if (sc->ended)
        return;
    sc->ended = 1;
    event(sc, "hangup");
    lua_pushstring(sc->L, cause);
    lua_setfield(sc->L, -2, "cause");
    event_done(sc);
    lua_pushstring(sc->L, cause);
    lua_setfield(sc->L, sc->result, "ended");
    cw_flow_ended(&sc->run, cause);
}

static void sim_finished(void *call, const char *error)
{
    sim_call *sc = call;
    sc->finished = 1;
    if (error) {
        lua_pushstring(sc->L, error);
        lua_setfield(sc->L, sc->result, "error");
    }
    if (sc->ended)
        return;
    if (error) {
        lua_pushboolean(sc->L, 1);
        lua_setfield(sc->L, sc->result, "fallback");
        record_prompt(sc, "fallback", sc->run.language);
        advance(sc, prompt_ms(sc, "fallback", sc->run.language));
    }
    sim_hangup(sc, error ? "fallback" : "flow-done");
}

static const cw_flow_ops sim_ops = {
    .answer = sim_answer, .play = sim_play, .say = sim_say, .gather = sim_gather,
    .sleep = sim_sleep, .transfer = sim_transfer, .record = sim_record,
    .stop_record = sim_stop_record, .hangup = sim_hangup, .finished = sim_finished,
};

/* flow logs (call:log) land in the result too */
static void sim_log(void *ud, const char *msg)
{
    sim_call *sc = ud;
    lua_pushstring(sc->L, msg);
    append(sc, "logs", &sc->nlogs);
}

/* ---- the Lua module --------------------------------------------------------- */

static const char *opt_string(lua_State *L, int t, const char *k, const char *def)
{
    lua_getfield(L, t, k);
    const char *s = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
    lua_pop(L, 1);                     /* kept alive by the options table */
    return s;
}

/* tenant:call{...} -> result */
static int l_call(lua_State *L)
{
    sim_tenant *st = luaL_checkudata(L, 1, TENANT_MT);
    if (lua_isnoneornil(L, 2))
        lua_newtable(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    cw_flow_version *v = cw_tenant_acquire(&st->t);
    if (!v)
        return luaL_error(L, "tenant %s has no loaded version", st->t.name);

    sim_call *sc = lua_newuserdatauv(L, sizeof *sc, 0);   /* 3: lives while we run */
    memset(sc, 0, sizeof *sc);
    sc->L = L;
    sc->st = st;
    sc->transfer_ok = 1;
    lua_createtable(L, 0, 12);                             /* 4: the result */
    sc->result = lua_gettop(L);
    const char *lists[] = { "prompts", "events", "logs", "transfers" };
    for (size_t i = 0; i < 4; i++) {
        lua_newtable(L);
        lua_setfield(L, sc->result, lists[i]);
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, sc->result, "fallback");
    lua_pushstring(L, v->hash);
    lua_setfield(L, sc->result, "version");

    if (lua_getfield(L, 2, "keys") == LUA_TTABLE)
        sc->keys = lua_gettop(L);                          /* 5 */
    else
        lua_pop(L, 1);
    lua_getfield(L, 2, "hangup_at");
    sc->hangup_at = (uint64_t)luaL_optinteger(L, -1, 0);
    lua_pop(L, 1);
    lua_getfield(L, 2, "transfer_ok");
    if (!lua_isnil(L, -1))
        sc->transfer_ok = lua_toboolean(L, -1);
    lua_pop(L, 1);

    cw_flow_info info = {
        .id = 1,
        .caller = opt_string(L, 2, "caller", "+4930123456"),
        .callee = opt_string(L, 2, "callee", st->t.name),
        .call_id = opt_string(L, 2, "call_id", "sim-1@callwarden"),
        .language = opt_string(L, 2, "language", "en"),
    };
    info.log = sim_log;
    info.log_ud = sc;
    cw_flow_start(&sc->run, &st->ts, v, &sim_ops, sc, &info);
    if (!sc->finished) {
        /* every op completes at once, so a flow still running waits on nothing we
         * know: say so rather than hang the spec */
        lua_pushstring(L, "the flow did not finish");
        lua_setfield(L, sc->result, "error");
    }
    lua_pushinteger(L, (lua_Integer)sc->now_ms);
    lua_setfield(L, sc->result, "duration_ms");
    cw_flow_free(&sc->run);
    lua_pushvalue(L, sc->result);
    return 1;
}

static int l_tenant_gc(lua_State *L)
{
    sim_tenant *st = luaL_checkudata(L, 1, TENANT_MT);
    if (st->t.current) {
        cw_flow_version *v = st->t.current;
        st->t.current = NULL;
        cw_flow_version_release(&st->ts, v);
    }
    return 0;
}

static int l_tenant_index(lua_State *L)
{
    sim_tenant *st = luaL_checkudata(L, 1, TENANT_MT);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "call") == 0) {
        lua_pushcfunction(L, l_call);
        return 1;
    }
    if (strcmp(k, "name") == 0) {
        lua_pushstring(L, st->t.name);
        return 1;
    }
    if (strcmp(k, "version") == 0) {
        lua_pushstring(L, st->t.current ? st->t.current->hash : "");
        return 1;
    }
    return 0;
}

/* callwarden.tenant(dir [, {prompts = dir, budget = n, call_memory_kb = n}]) */
static int l_tenant(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    char clean[CW_PATH_LEN];
    const char *name = cw_tenant_name_of_dir(dir, clean, sizeof clean);
    if (!cw_tenant_name_ok(name))
        return luaL_error(L, "%s: not a tenant directory name", dir);

    cw_tenant_limits lim = { CW_SCRIPT_DEFAULT_MEM, CW_SCRIPT_DEFAULT_CALL_MEM,
                             CW_SCRIPT_DEFAULT_BUDGET };
    const char *prompts = getenv("CW_BINARY_DIR");
    char pdir[CW_PATH_LEN];
    snprintf(pdir, sizeof pdir, "%s/prompts", prompts ? prompts : "build");
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "budget");
        lim.budget = (uint64_t)luaL_optinteger(L, -1, (lua_Integer)lim.budget);
        lua_getfield(L, 2, "call_memory_kb");
        lim.call_mem = (size_t)luaL_optinteger(L, -1, (lua_Integer)(lim.call_mem / 1024)) * 1024;
        lua_getfield(L, 2, "prompts");
        if (!lua_isnil(L, -1))
            snprintf(pdir, sizeof pdir, "%s", luaL_checkstring(L, -1));
        lua_pop(L, 3);
    }
    char err[768];
    cw_flow_version *v = cw_flow_version_load(name, clean, &lim, err, sizeof err);
    if (!v) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    sim_tenant *st = lua_newuserdatauv(L, sizeof *st, 0);
    memset(st, 0, sizeof *st);
    st->ts.lim = lim;
    /* the name was checked (cw_tenant_name_ok: shorter than the field) */
    memcpy(st->t.name, name, strlen(name) + 1);
    snprintf(st->t.dir, sizeof st->t.dir, "%s", clean);
    snprintf(st->prompts_dir, sizeof st->prompts_dir, "%s", pdir);
    v->tenant = &st->t;
    v->refs = 1;
    st->t.current = v;
    st->ts.versions_live = 1;
    if (luaL_newmetatable(L, TENANT_MT)) {
        lua_pushcfunction(L, l_tenant_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_tenant_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return 1;
}

/* callwarden.api() -> { methods = {...}, fields = {...} }: what the call object has */
static int l_api(lua_State *L)
{
    lua_createtable(L, 0, 2);
    const char *const *lists[] = { cw_flow_api_methods, cw_flow_api_fields };
    const char *names[] = { "methods", "fields" };
    for (int i = 0; i < 2; i++) {
        lua_newtable(L);
        for (int j = 0; lists[i][j]; j++) {
            lua_pushstring(L, lists[i][j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_setfield(L, -2, names[i]);
    }
    return 1;
}

int cw_sim_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "tenant", l_tenant }, { "api", l_api }, { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
