/* sandbox.c  A tenant's Lua state: memory cap, instruction budget, library whitelist.
 *
 * G10 (a script never takes the runtime down) and G8 (tenants are isolated) start
 * here. Each tenant gets its own lua_State whose allocator counts every byte and
 * refuses to grow past the cap, and whose count hook charges every run with the VM
 * instructions it executes. Either violation marks the run killed: from then on the
 * hook raises again at once, and the wrappers of pcall, xpcall and coroutine.resume
 * re-raise instead of returning false, so no script can catch its own end.
 *
 * The libraries are a whitelist: base without dofile/loadfile and with a load that
 * takes text only, string without dump, table, math, utf8, coroutine, and os.time,
 * os.clock, os.date. No io, no debug, no package: require loads the tenant's own .lua
 * files from its directory, as text. print goes to the log with the tenant's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "callwarden/error.h"
#include "callwarden/log.h"
#include "callwarden/script.h"
#include "script_int.h"

#define HOOK_EVERY 1000          /* instructions between two budget checks */
#define REQUIRE_NAME_MAX 128
#define LOADED_KEY "callwarden.loaded"

const char *cw_script_kill_reason(cw_script_kill k)
{
    switch (k) {
    case CW_SCRIPT_KILLED_BUDGET: return "instruction budget exceeded";
    case CW_SCRIPT_KILLED_MEMORY: return "memory limit exceeded";
    default: return "";
    }
}

static cw_script_state *state_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* The allocator: counts, and refuses growth past the cap (Lua then raises a memory
 * error, which the kill mark makes uncatchable). */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    cw_script_state *st = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        st->mem_used -= old;
        if (st->charge)
            *st->charge = *st->charge > old ? *st->charge - old : 0;
        return NULL;
    }
    if (nsize > old && (st->mem_used - old + nsize > st->mem_limit ||
                        (st->charge && *st->charge + (nsize - old) > st->charge_limit))) {
        if (st->L)                    /* not while the state itself is being made */
            st->killed = CW_SCRIPT_KILLED_MEMORY;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p) {
        st->mem_used = st->mem_used - old + nsize;
        if (st->charge) {
            if (nsize > old)
                *st->charge += nsize - old;
            else
                *st->charge = *st->charge > old - nsize ? *st->charge - (old - nsize) : 0;
        }
    }
    return p;
}

/* [-0, +0, v] Raise the kill reason if the run is killed. */
static void raise_if_killed(lua_State *L)
{
    cw_script_state *st = state_of(L);
    if (st->killed != CW_SCRIPT_OK)
        luaL_error(L, "%s", cw_script_kill_reason(st->killed));
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    cw_script_state *st = state_of(L);
    st->used += HOOK_EVERY;
    if (st->used > st->budget && st->killed == CW_SCRIPT_OK)
        st->killed = CW_SCRIPT_KILLED_BUDGET;
    raise_if_killed(L);
}

/* The end of pcall and xpcall, also when the protected call yielded and was resumed
 * (lua_pcallk continuation): a kill is raised on, an error becomes false + message,
 * success returns true and the results. 'base' is the stack slot below the results. */
static int finish_protected(lua_State *L, int status, lua_KContext base)
{
    raise_if_killed(L);
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)base;
}

/* pcall(f, ...) that cannot swallow a kill; a flow may yield inside it (a call API
 * that waits for media). [-n, +r, v] */
static int safe_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);        /* the first result, if all goes well */
    lua_insert(L, 1);
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_protected);
    return finish_protected(L, status, 0);
}

/* xpcall(f, handler, ...) likewise. */
static int safe_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);        /* the first result */
    lua_pushvalue(L, 1);          /* f */
    lua_rotate(L, 3, 2);          /* true and f below the arguments */
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_protected);
    return finish_protected(L, status, 2);
}

/* coroutine.resume(co, ...) likewise: the original is upvalue 1. */
static int safe_resume(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    raise_if_killed(L);
    return lua_gettop(L);
}

/* load(chunk, name, mode, env): text only, whatever mode the script asks for. */
static int text_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (n < 3)
        lua_settop(L, 3);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n < 3 ? 3 : n, LUA_MULTRET);
    return lua_gettop(L);
}

/* print(...) to the log, tagged with the tenant. */
static int log_print(lua_State *L)
{
    cw_script_state *st = state_of(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    cw_log(CW_LOG_INFO, "script", "tenant=%s print: %s", st->tenant, lua_tostring(L, -1));
    return 0;
}

/* [-0, +1] Load the module file at path as text, named "<tenant>/<rel>.lua" in
 * messages. Once the state is frozen (a loaded version), the module gets an _ENV of
 * its own that reads through to the globals, as a call does. */
static int load_module(lua_State *L, cw_script_state *st, const char *path, const char *rel)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lua_pushfstring(L, "cannot open %s.lua", rel);
        return LUA_ERRFILE;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        luaL_addlstring(&b, buf, n);
    fclose(f);
    luaL_pushresult(&b);
    char chunk[sizeof st->tenant + REQUIRE_NAME_MAX + 16];
    snprintf(chunk, sizeof chunk, "@%s/%s.lua", st->tenant, rel);
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    int status = luaL_loadbufferx(L, src, len, chunk, "t");
    lua_remove(L, -2);
    if (status != LUA_OK)
        return status;
    if (lua_getfield(L, LUA_REGISTRYINDEX, CW_ENV_MT_KEY) == LUA_TTABLE) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, -2, "_G");
        lua_rotate(L, -2, 1);
        lua_setmetatable(L, -2);
        if (!lua_setupvalue(L, -2, 1))
            lua_pop(L, 1);
    } else {
        lua_pop(L, 1);
    }
    return LUA_OK;
}

/* require(name): the tenant's own dir/name.lua ("a.b" -> a/b.lua), loaded as text
 * once and cached. No C modules, no paths outside the directory. */
static int tenant_require(lua_State *L)
{
    cw_script_state *st = state_of(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    if (len == 0 || len > REQUIRE_NAME_MAX)
        return luaL_error(L, "require: bad module name");
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || (c == '.' && i > 0 && i + 1 < len && name[i - 1] != '.');
        if (!ok)
            return luaL_error(L, "require: bad module name \"%s\"", name);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);

    char rel[REQUIRE_NAME_MAX + 8], path[sizeof st->dir + sizeof rel + 8];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    snprintf(path, sizeof path, "%s/%s.lua", st->dir, rel);
    if (load_module(L, st, path, rel) != LUA_OK)
        return luaL_error(L, "require \"%s\": %s", name, lua_tostring(L, -1));
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* Open one standard library under name as a global, then keep only keep[] of it
 * (all of it when keep is NULL). [-0, +0] */
static void open_lib(lua_State *L, const char *name, lua_CFunction open,
                     const char *const *keep)
{
    luaL_requiref(L, name, open, 1);
    if (keep) {
        lua_newtable(L);
        for (const char *const *k = keep; *k; k++) {
            lua_getfield(L, -2, *k);
            lua_setfield(L, -2, *k);
        }
        lua_setglobal(L, name);
    }
    lua_pop(L, 1);
}

static void build_sandbox(lua_State *L)
{
    luaL_requiref(L, "_G", luaopen_base, 1);
    lua_pop(L, 1);
    open_lib(L, LUA_STRLIBNAME, luaopen_string, NULL);
    open_lib(L, LUA_TABLIBNAME, luaopen_table, NULL);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math, NULL);
    open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8, NULL);
    open_lib(L, LUA_COLIBNAME, luaopen_coroutine, NULL);
    static const char *const os_keep[] = { "time", "clock", "date", NULL };
    open_lib(L, LUA_OSLIBNAME, luaopen_os, os_keep);

    /* base: what must not be there */
    static const char *const removed[] = { "dofile", "loadfile", "collectgarbage", NULL };
    for (const char *const *r = removed; *r; r++) {
        lua_pushnil(L);
        lua_setglobal(L, *r);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    /* base: what is replaced */
    lua_getglobal(L, "load");
    lua_pushcclosure(L, text_load, 1);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, safe_pcall);
    lua_setglobal(L, "pcall");
    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
    lua_pushcfunction(L, log_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, tenant_require);
    lua_setglobal(L, "require");
    lua_getglobal(L, LUA_COLIBNAME);
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, safe_resume, 1);
    lua_setfield(L, -2, "resume");
    lua_pop(L, 1);

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
}

int cw_script_open(cw_script_state *st, const char *tenant, const char *dir,
                   size_t mem_limit, uint64_t budget, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    snprintf(st->tenant, sizeof st->tenant, "%s", tenant);
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    st->mem_limit = mem_limit ? mem_limit : CW_SCRIPT_DEFAULT_MEM;
    st->budget = budget ? budget : CW_SCRIPT_DEFAULT_BUDGET;
    lua_State *L = lua_newstate(limited_alloc, st);
    if (!L)
        return cw_error(err, errlen, "tenant %s: cannot create a Lua state within %zu bytes",
                        tenant, st->mem_limit);
    build_sandbox(L);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    st->L = L;
    return 0;
}

void cw_script_close(cw_script_state *st)
{
    if (st->L)
        lua_close(st->L);
    st->L = NULL;
}

/* Where a killed coroutine was: its stack is not unwound after an error, so the
 * innermost Lua function's file:line is still there. Returns 1 if found. */
static int kill_site(lua_State *co, char *where, size_t len)
{
    lua_Debug ar;
    for (int level = 0; lua_getstack(co, level, &ar); level++) {
        if (lua_getinfo(co, "Sl", &ar) && ar.currentline > 0) {
            snprintf(where, len, "%s:%d", ar.short_src, ar.currentline);
            return 1;
        }
    }
    return 0;
}

int cw_script_resume(cw_script_state *st, lua_State *co, int nargs, int *nres, char *err,
                     size_t errlen)
{
    st->used = 0;
    st->killed = CW_SCRIPT_OK;
    *nres = 0;
    int status = lua_resume(co, st->L, nargs, nres);
    if (status == LUA_OK || status == LUA_YIELD) {
        /* a kill raised where nothing could catch it always ends in an error; a run
         * that still finished normally was not killed */
        return status;
    }
    const char *msg = lua_tostring(co, -1);
    char where[256];
    if (st->killed != CW_SCRIPT_OK && kill_site(co, where, sizeof where))
        cw_error(err, errlen, "%s: %s", where, cw_script_kill_reason(st->killed));
    else if (st->killed != CW_SCRIPT_OK)
        cw_error(err, errlen, "%s", cw_script_kill_reason(st->killed));
    else
        cw_error(err, errlen, "%s", msg ? msg : "error object is not a string");
    lua_resetthread(co);          /* close its to-be-closed variables; it is dead */
    /* Only a memory kill calls for a full collection now (to give the bomb back at
     * once): an ordinary error, such as "call ended" when the caller hangs up during a
     * wait, is every other call's end, and a full collection of a state with thousands
     * of live calls each time would cost the loop more than the call itself. */
    if (st->killed == CW_SCRIPT_KILLED_MEMORY)
        lua_gc(st->L, LUA_GCCOLLECT);
    st->killed = CW_SCRIPT_OK;
    return -1;
}

int cw_script_pcall(cw_script_state *st, int nargs, char *err, size_t errlen)
{
    lua_State *L = st->L;
    st->used = 0;
    st->killed = CW_SCRIPT_OK;
    int base = lua_gettop(L) - nargs - 1;
    int rc = 0;
    if (lua_pcall(L, nargs, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (st->killed != CW_SCRIPT_OK)
            cw_error(err, errlen, "%s", cw_script_kill_reason(st->killed));
        else
            cw_error(err, errlen, "%s", msg ? msg : "error object is not a string");
        rc = -1;
    }
    lua_settop(L, base);
    st->killed = CW_SCRIPT_OK;
    return rc;
}

int cw_script_run(cw_script_state *st, const char *code, const char *chunkname, char *err,
                  size_t errlen)
{
    lua_State *L = st->L;
    st->used = 0;
    st->killed = CW_SCRIPT_OK;
    int top = lua_gettop(L);
    char name[256];
    snprintf(name, sizeof name, "@%s", chunkname);   /* messages say "flow.lua:3:" */
    int status = luaL_loadbufferx(L, code, strlen(code), name, "t");
    if (status == LUA_OK)
        status = lua_pcall(L, 0, 0, 0);
    int rc = 0;
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (st->killed != CW_SCRIPT_OK)
            cw_error(err, errlen, "%s: %s", chunkname, cw_script_kill_reason(st->killed));
        else
            cw_error(err, errlen, "%s", msg ? msg : "error object is not a string");
        rc = -1;
    }
    lua_settop(L, top);
    if (st->killed == CW_SCRIPT_KILLED_MEMORY)
        lua_gc(L, LUA_GCCOLLECT);   /* give back what the bomb grabbed */
    st->killed = CW_SCRIPT_OK;
    return rc;
}
