/* scenario.c  The scenario language: a Lua file that plays the caller, step by step, on
 * the virtual clock, and states what it expects.
 *
 *   dial { from = "+4930123456" }           -- to = the tenant, language = expected
 *   hears "KI-Assistent"                     -- a prompt id, or words its text contains
 *   press "1"                                -- { after = ms | at = ms since the dial,
 *                                            --   hold = ms, gap = ms }
 *   say("ja", { ms = 600 })                  -- the caller speaks (words for the trace)
 *   silence(5000)                            -- the caller says nothing for 5 s
 *   hangup()
 *   flow_error("boom")                       -- the flow's waiting method raises (G10)
 *   expect_consent { level = "basic" }       -- level = false: none given; state = ...
 *   expect_recording(true)
 *   expect_transfer { target = "empfang", headers = { ["X-Consent-Level"] = "refused" } }
 *   expect_ledger { event = "GIVEN" }
 *   expect_fallback()
 *   expect_hangup { by = "callwarden" }
 *
 * Each step is a C function that yields the scenario's coroutine; the runner carries the
 * step out in virtual time and resumes it. Expectations are checked once the run is over
 * and the stores have been read, each reported with the file:line that states it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "scenario_int.h"

#define HEAR_WITHIN_MS 60000
#define END_WITHIN_MS 120000


typedef scn_runner runner;

static runner *get_runner(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int current_line(lua_State *L)
{
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
        return ar.currentline;
    return 0;
}

static unsigned opt_ms(lua_State *L, int idx, const char *field, unsigned def)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    lua_getfield(L, idx, field);
    lua_Integer v = lua_isnil(L, -1) ? (lua_Integer)def : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    if (v < 0 || v > 3600000)
        luaL_error(L, "%s: %d is not a time in ms (0 to 3600000)", field, (int)v);
    return (unsigned)v;
}

static const char *opt_str(lua_State *L, int idx, const char *field)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return NULL;
    lua_getfield(L, idx, field);
    const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
    lua_pop(L, 1);             /* the string stays alive in the table */
    return s;
}

static int yield_step(lua_State *L, runner *ru, int step)
{
    ru->step = step;
    ru->line = current_line(L);
    return lua_yield(L, 0);
}

static void need_call(lua_State *L, runner *ru, const char *what)
{
    if (!ru->res->sc)
        luaL_error(L, "%s before dial{}", what);
}

static int l_scenario(lua_State *L)
{
    runner *ru = get_runner(L);
    snprintf(ru->res->name, sizeof ru->res->name, "%s", luaL_checkstring(L, 1));
    return 0;
}

static int l_dial(lua_State *L)
{
    runner *ru = get_runner(L);
    if (ru->res->sc)
        luaL_error(L, "dial: a scenario makes one call (this one has dialled already)");
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_result *res = ru->res;
    const char *from = opt_str(L, 1, "from");
    const char *to = opt_str(L, 1, "to");
    const char *lang = opt_str(L, 1, "language");
    const char *transfer = opt_str(L, 1, "transfer");
    snprintf(res->from, sizeof res->from, "%s", from ? from : "");
    snprintf(res->to, sizeof res->to, "%s", to ? to : res->tenant);
    snprintf(res->want_lang, sizeof res->want_lang, "%s", lang ? lang : "");
    res->transfer_answer = 202;
    if (transfer && strcmp(transfer, "accept") == 0)
        res->transfer_answer = 202;
    else if (transfer && strcmp(transfer, "busy") == 0)
        res->transfer_answer = 486;
    else if (transfer && strcmp(transfer, "decline") == 0)
        res->transfer_answer = 603;
    else if (transfer)
        luaL_error(L, "dial: transfer = \"%s\": say \"accept\", \"busy\" or \"decline\"",
                   transfer);
    res->human_answers = 1;
    res->human_ring_ms = opt_ms(L, 1, "human_ring_ms", 1000);
    res->human_talk_ms = opt_ms(L, 1, "human_talk_ms", 3000);
    if (lua_getfield(L, 1, "human_answers") != LUA_TNIL)
        res->human_answers = lua_toboolean(L, -1);
    lua_pop(L, 1);
    res->dial_line = current_line(L);
    return yield_step(L, ru, STEP_DIAL);
}

static int l_hears(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "hears");
    if (lua_istable(L, 1)) {
        lua_rawgeti(L, 1, 1);
        snprintf(ru->arg, sizeof ru->arg, "%s", luaL_checkstring(L, -1));
        lua_pop(L, 1);
        ru->ms = opt_ms(L, 1, "within", HEAR_WITHIN_MS);
    } else {
        snprintf(ru->arg, sizeof ru->arg, "%s", luaL_checkstring(L, 1));
        ru->ms = opt_ms(L, 2, "within", HEAR_WITHIN_MS);
    }
    return yield_step(L, ru, STEP_HEARS);
}

static int l_press(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "press");
    const char *d = luaL_checkstring(L, 1);
    for (const char *p = d; *p; p++)
        if (!strchr("0123456789*#ABCD", *p))
            luaL_error(L, "press: '%c' is no key (0-9, *, #, A-D)", *p);
    snprintf(ru->arg, sizeof ru->arg, "%s", d);
    ru->after = opt_ms(L, 2, "after", 0);
    /* at = ms since the dial: the wait until then (at once if that moment is past) */
    unsigned at = opt_ms(L, 2, "at", 0);
    if (at && ru->after)
        luaL_error(L, "press: say after or at, not both");
    if (at) {
        uint64_t since = ru->r->now - ru->res->sc->tr.t_invite;
        ru->after = at > since ? (unsigned)(at - since) : 0;
    }
    ru->hold = opt_ms(L, 2, "hold", 100);
    ru->gap = opt_ms(L, 2, "gap", 100);
    if (ru->hold < 40)
        luaL_error(L, "press: hold = %u: a key is held 40 ms at least", ru->hold);
    return yield_step(L, ru, STEP_PRESS);
}

static int l_say(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "say");
    snprintf(ru->arg, sizeof ru->arg, "%s", luaL_checkstring(L, 1));
    unsigned words = 1;
    for (const char *p = ru->arg; *p; p++)
        words += *p == ' ';
    ru->ms = opt_ms(L, 2, "ms", 400 * words);
    return yield_step(L, ru, STEP_SAY);
}

static int l_silence(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "silence");
    lua_Integer ms = luaL_checkinteger(L, 1);
    if (ms < 0 || ms > 3600000)
        luaL_error(L, "silence: %d is not a time in ms (0 to 3600000)", (int)ms);
    ru->ms = (unsigned)ms;
    return yield_step(L, ru, STEP_SILENCE);
}

static int l_hangup(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "hangup");
    return yield_step(L, ru, STEP_HANGUP);
}

static int l_flow_error(lua_State *L)
{
    runner *ru = get_runner(L);
    need_call(L, ru, "flow_error");
    snprintf(ru->arg, sizeof ru->arg, "%s", luaL_optstring(L, 1, "scenario: a script error"));
    return yield_step(L, ru, STEP_FLOW_ERROR);
}

static scn_expect *new_expect(lua_State *L, runner *ru, int kind)
{
    scn_result *res = ru->res;
    if (res->nexpect == sizeof res->expect / sizeof res->expect[0])
        luaL_error(L, "too many expectations in one scenario");
    scn_expect *e = &res->expect[res->nexpect++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->line = current_line(L);
    return e;
}

static int l_expect_consent(lua_State *L)
{
    runner *ru = get_runner(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_expect *e = new_expect(L, ru, EXPECT_CONSENT);
    lua_getfield(L, 1, "level");
    if (lua_isstring(L, -1)) {
        snprintf(e->a, sizeof e->a, "%s", lua_tostring(L, -1));
        e->flag = 1;
    } else if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) {
        e->flag = 0;                   /* level = false: no consent given */
        e->a[0] = 0;
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "expect_consent: level is a level's name or false");
    } else {
        e->flag = -1;                  /* not stated */
    }
    lua_pop(L, 1);
    const char *state = opt_str(L, 1, "state");
    if (state) {
        static const char *known[] = { "given", "refused", "withdrawn", "none", NULL };
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= strcmp(known[i], state) == 0;
        if (!ok)
            luaL_error(L, "expect_consent: state = \"%s\": say given, refused, withdrawn or "
                       "none", state);
        snprintf(e->b, sizeof e->b, "%s", state);
    }
    return 0;
}

static int l_expect_recording(lua_State *L)
{
    runner *ru = get_runner(L);
    luaL_checktype(L, 1, LUA_TBOOLEAN);
    new_expect(L, ru, EXPECT_RECORDING)->flag = lua_toboolean(L, 1);
    return 0;
}

static int l_expect_transfer(lua_State *L)
{
    runner *ru = get_runner(L);
    scn_expect *e = new_expect(L, ru, EXPECT_TRANSFER);
    if (lua_isboolean(L, 1)) {
        e->flag = lua_toboolean(L, 1);
        return 0;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    e->flag = 1;
    const char *target = opt_str(L, 1, "target");
    const char *mode = opt_str(L, 1, "mode");
    snprintf(e->a, sizeof e->a, "%s", target ? target : "");
    snprintf(e->b, sizeof e->b, "%s", mode ? mode : "");
    lua_getfield(L, 1, "headers");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (e->nheaders < sizeof e->headers / sizeof e->headers[0]) {
                snprintf(e->headers[e->nheaders].name, sizeof e->headers[0].name, "%s",
                         luaL_checkstring(L, -2));
                snprintf(e->headers[e->nheaders].value, sizeof e->headers[0].value, "%s",
                         luaL_checkstring(L, -1));
                e->nheaders++;
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 0;
}

static int l_expect_ledger(lua_State *L)
{
    runner *ru = get_runner(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_expect *e = new_expect(L, ru, EXPECT_LEDGER);
    const char *ev = opt_str(L, 1, "event");
    if (!ev)
        luaL_error(L, "expect_ledger: name the event (event = \"GIVEN\")");
    snprintf(e->a, sizeof e->a, "%s", ev);
    e->flag = 1;
    lua_getfield(L, 1, "present");
    if (lua_isboolean(L, -1))
        e->flag = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return 0;
}

static int l_expect_fallback(lua_State *L)
{
    runner *ru = get_runner(L);
    new_expect(L, ru, EXPECT_FALLBACK)->flag = lua_isnone(L, 1) ? 1 : lua_toboolean(L, 1);
    return 0;
}

static int l_expect_hangup(lua_State *L)
{
    runner *ru = get_runner(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    scn_expect *e = new_expect(L, ru, EXPECT_HANGUP);
    const char *by = opt_str(L, 1, "by");
    if (!by || (strcmp(by, "caller") != 0 && strcmp(by, "callwarden") != 0))
        luaL_error(L, "expect_hangup: by = \"caller\" or \"callwarden\"");
    snprintf(e->a, sizeof e->a, "%s", by);
    return 0;
}

static const luaL_Reg dsl[] = {
    { "scenario", l_scenario }, { "dial", l_dial }, { "hears", l_hears },
    { "press", l_press }, { "say", l_say }, { "silence", l_silence },
    { "wait", l_silence }, { "hangup", l_hangup }, { "flow_error", l_flow_error },
    { "expect_consent", l_expect_consent }, { "expect_recording", l_expect_recording },
    { "expect_transfer", l_expect_transfer }, { "expect_ledger", l_expect_ledger },
    { "expect_fallback", l_expect_fallback }, { "expect_hangup", l_expect_hangup },
    { NULL, NULL },
};

static void open_libs(lua_State *L)
{
    /* what a scenario needs; no io or os: a scenario is the same on every run */
    static const luaL_Reg libs[] = {
        { LUA_GNAME, luaopen_base }, { LUA_TABLIBNAME, luaopen_table },
        { LUA_STRLIBNAME, luaopen_string }, { LUA_MATHLIBNAME, luaopen_math },
        { LUA_UTF8LIBNAME, luaopen_utf8 }, { NULL, NULL },
    };
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
}

/* The file's script: resume it until it yields its next step. */
static int next_from_file(runner *ru)
{
    scn_result *res = ru->res;
    int nres;
    ru->step = STEP_NONE;
    int st = lua_resume(ru->co, ru->L, 0, &nres);
    if (st == LUA_YIELD) {
        lua_pop(ru->co, nres);
        return 1;
    }
    if (st != LUA_OK) {
        snprintf(res->failure, sizeof res->failure, "%s", lua_tostring(ru->co, -1));
        res->failed = 1;
        return -1;
    }
    if (!res->sc) {
        snprintf(res->failure, sizeof res->failure, "%s: the scenario never dials "
                 "(start it with dial{})", res->file);
        res->failed = 1;
        return -1;
    }
    return 0;
}

int scn_open_file(scn_runner *ru, sim_run *r, scn_result *res)
{
    memset(ru, 0, sizeof *ru);
    ru->r = r;
    ru->res = res;
    ru->next = next_from_file;
    /* a file's call draws its random numbers (the A/B wording) from its name */
    ru->seed = 1469598103934665603ull;
    for (const char *p = res->file; *p; p++)
        ru->seed = (ru->seed ^ (unsigned char)*p) * 1099511628211ull;
    lua_State *L = ru->L = luaL_newstate();
    if (!L) {
        snprintf(res->failure, sizeof res->failure, "%s: out of memory", res->file);
        res->failed = 1;
        return -1;
    }
    open_libs(L);
    for (const luaL_Reg *f = dsl; f->name; f++) {
        lua_pushlightuserdata(L, ru);
        lua_pushcclosure(L, f->func, 1);
        lua_setglobal(L, f->name);
    }
    ru->co = lua_newthread(L);
    if (luaL_loadfile(ru->co, res->file) != LUA_OK) {
        snprintf(res->failure, sizeof res->failure, "%s", lua_tostring(ru->co, -1));
        res->failed = 1;
        return -1;
    }
    return 0;
}

void scn_close(scn_runner *ru)
{
    if (ru->L)
        lua_close(ru->L);
    ru->L = NULL;
}
