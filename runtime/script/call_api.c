/* call_api.c  The `call` object a flow gets: its methods and fields, checked here and
 * carried out by the call core through cw_flow_ops (runtime/call).
 *
 * The object is a userdata with a protected metatable (__metatable), so a flow can
 * neither replace its methods nor reach the run behind it; it holds only a pointer to
 * the run, cleared when the run is freed, so a `call` kept in a module table after the
 * call is harmless. Waiting methods yield the flow's coroutine (see flow.c); they may
 * be called only from the flow itself, not from a hook or a coroutine the flow made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "callwarden/flow.h"
#include "script_int.h"

#define CALL_MT "callwarden.call"

typedef struct call_ud {
    cw_flow_run *run;
} call_ud;

const char *const cw_flow_api_methods[] = {
    "answer", "play", "say", "gather", "sleep", "consent", "record", "stop_record",
    "pause_record", "resume_record", "transfer", "hangup", "log", "ask", "listen", NULL,
};
const char *const cw_flow_api_fields[] = {
    "caller", "callee", "call_id", "tenant", "language", "ended", "on_hangup", "on_dtmf",
    "on_withdraw", NULL,
};

/* [-0, +0, v] The run behind the call object at index 1; raises if it is gone. */
static cw_flow_run *check_run(lua_State *L)
{
    call_ud *u = luaL_checkudata(L, 1, CALL_MT);
    if (!u->run)
        luaL_error(L, CW_FLOW_CALL_ENDED);
    return u->run;
}

/* [-0, +0, v] Before a waiting method: the call must still be up, and L must be the
 * flow's own coroutine. */
cw_flow_run *cw_api_check_waitable(lua_State *L, const char *method)
{
    cw_flow_run *r = check_run(L);
    if (r->ended)
        luaL_error(L, CW_FLOW_CALL_ENDED);
    if (L != r->co)
        luaL_error(L, "call:%s() waits, so it can only be called from the flow itself, "
                   "not from a hook or a coroutine the flow created", method);
    return r;
}

static void op_failed(lua_State *L, const char *method, const char *err)
{
    luaL_error(L, "call:%s(): %s", method, err);
}

/* The continuation of every waiting method: the values the core woke it with are the
 * method's results; a wake because the call ended raises. */
static int wait_k(lua_State *L, int status, lua_KContext base)
{
    (void)status;
    call_ud *u = lua_touserdata(L, 1);
    cw_flow_run *r = u ? u->run : NULL;
    if (!r || r->woken_ended) {
        if (r)
            r->woken_ended = 0;
        return luaL_error(L, CW_FLOW_CALL_ENDED);
    }
    if (r->injected[0]) {
        char why[sizeof r->injected];
        snprintf(why, sizeof why, "%s", r->injected);
        r->injected[0] = 0;
        return luaL_error(L, "%s", why);
    }
    (void)base;
    return cw_flow_push_pending(L, r);
}

/* [-0, +?, y] Yield the flow until the core wakes it. */
int cw_api_wait(lua_State *L, cw_flow_run *r)
{
    r->waiting = 1;
    return lua_yieldk(L, 0, 0, wait_k);
}

/* A prompt id ("welcome") or a file of the tenant ("prompts/x.wav"): no way out of
 * the tenant's directory. */
static const char *check_prompt(lua_State *L, int idx)
{
    size_t len;
    const char *s = luaL_checklstring(L, idx, &len);
    if (len == 0 || len > 160)
        luaL_argerror(L, idx, "a prompt id or a file in the tenant's directory");
    if (strstr(s, "://"))
        luaL_argerror(L, idx, "a prompt id or a file of the tenant, not a URL: a flow "
                      "fetches nothing from the network (G6)");
    if (s[0] == '/' || strstr(s, "..") || strchr(s, '\\'))
        luaL_argerror(L, idx, "a prompt file must be inside the tenant's directory");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            luaL_argerror(L, idx, "a prompt name has no control characters");
    return s;
}

static int valid_language(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 8)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (i >= 2 && (c == '-' || (c >= 'A' && c <= 'Z')))))
            return 0;
    }
    return 1;
}

/* [-0, +0, v] opts.language if the table at idx has one, else the call's. */
static const char *opt_language(lua_State *L, int idx, cw_flow_run *r)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return r->language;
    if (lua_getfield(L, idx, "language") == LUA_TNIL) {
        lua_pop(L, 1);
        return r->language;
    }
    const char *lang = lua_tostring(L, -1);
    if (!lang || !valid_language(lang))
        luaL_error(L, "language must be a language tag like \"de\" or \"en\"");
    lua_pop(L, 1);                         /* stays alive: it is a field of opts */
    return lang;
}

/* ---- the methods ------------------------------------------------------------ */

static int l_answer(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "answer");
    char err[256];
    if (r->ops->answer(r->call, err, sizeof err) != 0)
        op_failed(L, "answer", err);
    return cw_api_wait(L, r);
}

/* [-0, +0, v] opts.barge (true: the caller may interrupt), if the table at idx says. */
static int opt_barge(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    int t = lua_getfield(L, idx, "barge");
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "barge must be true or false");
    int b = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return b;
}

static int l_play(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "play");
    const char *what = check_prompt(L, 2);
    const char *lang = opt_language(L, 3, r);
    r->barge = opt_barge(L, 3);
    char err[512];
    if (r->ops->play(r->call, what, lang, err, sizeof err) != 0)
        op_failed(L, "play", err);
    return cw_api_wait(L, r);
}

static int l_say(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "say");
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    luaL_argcheck(L, len > 0 && len <= 2000, 2, "text of 1 to 2000 bytes");
    const char *lang = opt_language(L, 3, r);
    r->barge = opt_barge(L, 3);
    char err[512];
    if (r->ops->say(r->call, text, lang, err, sizeof err) != 0)
        op_failed(L, "say", err);
    return cw_api_wait(L, r);
}

static lua_Integer int_field(lua_State *L, int idx, const char *k, lua_Integer def,
                             lua_Integer lo, lua_Integer hi)
{
    int t = lua_getfield(L, idx, k);
    lua_Integer v = def;
    if (t != LUA_TNIL) {
        int isint;
        v = lua_tointegerx(L, -1, &isint);
        if (!isint || v < lo || v > hi)
            luaL_error(L, "call:gather(): %s must be a whole number from %d to %d", k,
                       (int)lo, (int)hi);
    }
    lua_pop(L, 1);
    return v;
}

static int l_gather(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "gather");
    cw_gather_args g = { .max = 1, .timeout_ms = -1, .terminators = "#" };
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        g.max = (unsigned)int_field(L, 2, "max", 1, 1, CW_FLOW_MAX_DIGITS);
        g.timeout_ms = (int)int_field(L, 2, "timeout", -1, 1, 600000);
        if (lua_getfield(L, 2, "terminators") != LUA_TNIL) {
            size_t n;
            const char *t = lua_tolstring(L, -1, &n);
            if (!t || n >= sizeof g.terminators || strspn(t, "0123456789*#ABCD") != n)
                luaL_error(L, "call:gather(): terminators must be a string of keys "
                           "0-9 * # A-D");
            memcpy(g.terminators, t, n + 1);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "prompt") != LUA_TNIL)
            g.prompt = check_prompt(L, lua_gettop(L));
        /* the prompt string stays referenced by the table while the op starts */
        lua_pop(L, 1);
    }
    g.language = opt_language(L, 2, r);
    char err[512];
    if (r->ops->gather(r->call, &g, err, sizeof err) != 0)
        op_failed(L, "gather", err);
    return cw_api_wait(L, r);
}

static int l_sleep(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "sleep");
    lua_Integer ms = luaL_checkinteger(L, 2);
    luaL_argcheck(L, ms >= 0 && ms <= 3600000, 2, "milliseconds from 0 to 3600000");
    char err[256];
    if (r->ops->sleep(r->call, (unsigned)ms, err, sizeof err) != 0)
        op_failed(L, "sleep", err);
    return cw_api_wait(L, r);
}

/* level = call:consent{levels = {...}, age = N, simple = true}: G3, the core asks. */
static int l_consent(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "consent");
    cw_consent_args a = { .age = -1 };
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            if (strcmp(k, "levels") == 0) {
                if (!lua_istable(L, -1))
                    luaL_error(L, "call:consent(): levels is a list of level names");
                lua_Integer n = luaL_len(L, -1);
                if (n < 1 || n > 8)
                    luaL_error(L, "call:consent(): levels lists 1 to 8 level names");
                for (lua_Integer i = 1; i <= n; i++) {
                    lua_rawgeti(L, -1, i);
                    const char *lv = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
                    if (!lv)
                        luaL_error(L, "call:consent(): levels lists level names");
                    a.levels[a.nlevels++] = lv;   /* alive: held by the options table */
                    lua_pop(L, 1);
                }
            } else if (strcmp(k, "age") == 0) {
                if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
                    lua_tointeger(L, -1) > 130)
                    luaL_error(L, "call:consent(): age is a whole number of years");
                a.age = (int)lua_tointeger(L, -1);
            } else if (strcmp(k, "simple") == 0) {
                a.simple = lua_toboolean(L, -1);
            } else {
                luaL_error(L, "call:consent(): unknown option \"%s\" (levels, age, simple)",
                           k);
            }
            lua_pop(L, 1);
        }
    }
    char err[512];
    if (!r->ops->consent)
        op_failed(L, "consent", "not available here");
    if (r->ops->consent(r->call, &a, err, sizeof err) != 0)
        op_failed(L, "consent", err);
    return cw_api_wait(L, r);
}

static int header_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int by_header_name(const void *a, const void *b)
{
    return strcmp(((const cw_header *)a)->name, ((const cw_header *)b)->name);
}

static int l_transfer(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "transfer");
    /* nil: the policy's handover target (the core knows it) */
    const char *target = lua_isnoneornil(L, 2) ? "" : luaL_checkstring(L, 2);
    if (target[0] && strncmp(target, "sip:", 4) != 0 && strncmp(target, "sips:", 5) != 0 &&
        strncmp(target, "tel:", 4) != 0)
        luaL_argerror(L, 2, "a sip:, sips: or tel: URI");
    if (strpbrk(target, "\r\n<> \t\""))
        luaL_argerror(L, 2, "a URI has no spaces, quotes, '<', '>' or line breaks");
    /* G6: URI headers (sip:x@y?Subject=...) would carry whatever the flow put there to
     * the other side; headers go in the headers table, where the core checks them */
    if (strchr(target, '?'))
        luaL_argerror(L, 2, "a transfer target carries no URI headers ('?...'): give "
                      "headers in the headers table");
    cw_header h[CW_FLOW_MAX_HEADERS];
    size_t nh = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!k || !v || !header_name_ok(k) || strpbrk(v, "\r\n"))
                luaL_error(L, "call:transfer(): headers are name = \"value\" strings, "
                           "names of letters, digits and '-', values on one line");
            if (nh == CW_FLOW_MAX_HEADERS)
                luaL_error(L, "call:transfer(): at most %d headers", CW_FLOW_MAX_HEADERS);
            h[nh].name = k;
            h[nh].value = v;
            nh++;
            lua_pop(L, 1);
        }
    }
    qsort(h, nh, sizeof h[0], by_header_name);   /* the same order on every run */
    cw_transfer_args t = { .target = target, .headers = h, .nheaders = nh };
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 4)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            if (strcmp(k, "mode") == 0) {
                const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
                if (strcmp(m, "refer") == 0)
                    t.mode = CW_TRANSFER_REFER;
                else if (strcmp(m, "bridge") == 0)
                    t.mode = CW_TRANSFER_BRIDGE;
                else
                    luaL_error(L, "call:transfer(): mode is \"refer\" or \"bridge\"");
            } else if (strcmp(k, "timeout") == 0) {
                if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
                    lua_tointeger(L, -1) > 600)
                    luaL_error(L, "call:transfer(): timeout is whole seconds from 1 to 600");
                t.timeout_s = (unsigned)lua_tointeger(L, -1);
            } else {
                luaL_error(L, "call:transfer(): unknown option \"%s\" (mode, timeout)", k);
            }
            lua_pop(L, 1);
        }
    }
    char err[512];
    if (r->ops->transfer(r->call, &t, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    return cw_api_wait(L, r);
}

static int l_record(lua_State *L)
{
    cw_flow_run *r = check_run(L);
    const char *purpose = NULL;
    int both = 0;
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "purpose");
        purpose = lua_tostring(L, -1);
        lua_getfield(L, 2, "direction");
        const char *dir = lua_tostring(L, -1);
        if (dir && strcmp(dir, "both") == 0)
            both = 1;
        else if (dir && strcmp(dir, "caller") != 0)
            return luaL_error(L, "call:record{}: direction is \"caller\" (default) or "
                              "\"both\"");
    }
    if (!purpose || !*purpose)
        return luaL_error(L, "call:record{purpose = \"...\"}: the purpose is required");
    char err[512];
    if (r->ended || r->ops->record(r->call, purpose, both, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, r->ended ? CW_FLOW_CALL_ENDED : err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_stop_record(lua_State *L)
{
    cw_flow_run *r = check_run(L);
    char err[256];
    if (r->ended || r->ops->stop_record(r->call, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, r->ended ? CW_FLOW_CALL_ENDED : err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* call:pause_record() / call:resume_record(): nothing is kept while paused. */
static int pause_or_resume(lua_State *L, int paused)
{
    cw_flow_run *r = check_run(L);
    char err[256];
    if (r->ended || !r->ops->pause_record ||
        r->ops->pause_record(r->call, paused, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, r->ended ? CW_FLOW_CALL_ENDED
                                   : r->ops->pause_record ? err : "not recording");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_pause_record(lua_State *L)
{
    return pause_or_resume(L, 1);
}

static int l_resume_record(lua_State *L)
{
    return pause_or_resume(L, 0);
}

static int l_hangup(lua_State *L)
{
    cw_flow_run *r = check_run(L);
    const char *cause = luaL_optstring(L, 2, "flow-hangup");
    char clean[32];
    size_t n = 0;
    for (const char *p = cause; *p && n + 1 < sizeof clean; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_')
            clean[n++] = *p;
    clean[n] = 0;
    if (!r->ended)
        r->ops->hangup(r->call, n ? clean : "flow-hangup");
    return 0;
}

/* call:log(...): one log line tagged with the call and tenant. */
static int l_log(lua_State *L)
{
    cw_flow_run *r = check_run(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 2; i <= n; i++) {
        if (i > 2)
            luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    cw_flow_log(r, lua_tostring(L, -1));
    return 0;
}

static const luaL_Reg methods[] = {
    { "answer", l_answer }, { "play", l_play }, { "say", l_say }, { "gather", l_gather },
    { "sleep", l_sleep }, { "consent", l_consent }, { "record", l_record },
    { "stop_record", l_stop_record }, { "pause_record", l_pause_record },
    { "resume_record", l_resume_record },
    { "transfer", l_transfer }, { "hangup", l_hangup }, { "log", l_log },
    { "ask", cw_api_ask }, { "listen", cw_api_listen }, { NULL, NULL },
};

/* ---- fields ----------------------------------------------------------------- */

static int l_index(lua_State *L)
{
    call_ud *u = luaL_checkudata(L, 1, CALL_MT);
    const char *k = luaL_checkstring(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;                          /* a method */
    cw_flow_run *r = u->run;
    if (strcmp(k, "ended") == 0) {
        lua_pushboolean(L, !r || r->ended);
        return 1;
    }
    if (!r)
        return luaL_error(L, CW_FLOW_CALL_ENDED);
    const char *s = NULL;
    if (strcmp(k, "caller") == 0)
        s = r->caller;
    else if (strcmp(k, "callee") == 0)
        s = r->callee;
    else if (strcmp(k, "call_id") == 0)
        s = r->call_id;
    else if (strcmp(k, "tenant") == 0)
        s = r->tenant;
    else if (strcmp(k, "language") == 0)
        s = r->language;
    if (s) {
        lua_pushstring(L, s);
        return 1;
    }
    const int *ref = strcmp(k, "on_hangup") == 0 ? &r->on_hangup_ref
                   : strcmp(k, "on_dtmf") == 0 ? &r->on_dtmf_ref
                   : strcmp(k, "on_withdraw") == 0 ? &r->on_withdraw_ref : NULL;
    if (!ref)
        return luaL_error(L, "call has no field '%s'", k);
    if (*ref == LUA_NOREF || *ref == LUA_REFNIL)
        lua_pushnil(L);
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, *ref);
    return 1;
}

static int l_newindex(lua_State *L)
{
    cw_flow_run *r = check_run(L);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "language") == 0) {
        const char *lang = lua_tostring(L, 3);
        if (!lang || !valid_language(lang))
            return luaL_error(L, "call.language must be a language tag like \"de\"");
        snprintf(r->language, sizeof r->language, "%s", lang);
        return 0;
    }
    int *ref = strcmp(k, "on_hangup") == 0 ? &r->on_hangup_ref
             : strcmp(k, "on_dtmf") == 0 ? &r->on_dtmf_ref
             : strcmp(k, "on_withdraw") == 0 ? &r->on_withdraw_ref : NULL;
    if (!ref)
        return luaL_error(L, "call.%s cannot be set (only language, on_hangup, on_dtmf, "
                          "on_withdraw)", k);
    if (!lua_isnil(L, 3) && !lua_isfunction(L, 3))
        return luaL_error(L, "call.%s must be a function or nil", k);
    luaL_unref(L, LUA_REGISTRYINDEX, *ref);
    lua_pushvalue(L, 3);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);   /* nil gives LUA_REFNIL */
    return 0;
}

static int l_tostring(lua_State *L)
{
    call_ud *u = luaL_checkudata(L, 1, CALL_MT);
    if (u->run)
        lua_pushfstring(L, "call %I", (lua_Integer)u->run->id);
    else
        lua_pushliteral(L, "call (ended)");
    return 1;
}

void cw_flow_push_object(lua_State *L, cw_flow_run *r)
{
    call_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->run = r;
    if (luaL_newmetatable(L, CALL_MT)) {
        luaL_newlib(L, methods);
        lua_pushcclosure(L, l_index, 1);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushcfunction(L, l_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "call");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
}

void cw_flow_detach_object(lua_State *L, int obj_ref)
{
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, obj_ref) == LUA_TUSERDATA) {
        call_ud *u = lua_touserdata(L, -1);
        u->run = NULL;
    }
    lua_pop(L, 1);
}
