/* ai_api.c  The flow's side of the AI bridge: call:ask(messages, options) and
 * call:listen{...}.
 *
 *     local reply, why = call:ask("Wann haben Sie geöffnet?")
 *     local reply, why = call:ask({ { role = "system", content = "..." },
 *                                   { role = "user", content = text } },
 *                                 { model = "...", max_tokens = 200, stream = true })
 *
 * Only the arguments are checked here. Whether anything leaves, where to and for
 * which purpose is decided by the call core and the egress gate (G2, G6): a refusal is
 * nil and the reason, as for call:record and call:transfer.
 */
#include <string.h>

#include <lauxlib.h>

#include "callwarden/flow.h"
#include "script_int.h"

static const char *const roles[] = { "system", "user", "assistant", NULL };

/* [-0, +0, v] The content at idx as one message's text. */
static const char *message_text(lua_State *L, int idx, size_t i)
{
    size_t len;
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
    if (!s)
        luaL_error(L, "call:ask(): message %d has no content string", (int)i + 1);
    if (len == 0 || len > CW_FLOW_MAX_MESSAGE)
        luaL_error(L, "call:ask(): message %d has %d bytes (1 to %d)", (int)i + 1, (int)len,
                   CW_FLOW_MAX_MESSAGE);
    if (strlen(s) != len)
        luaL_error(L, "call:ask(): message %d contains a NUL byte", (int)i + 1);
    return s;
}

/* [-0, +0, v] The messages at index 2: a string (one user message) or a list of
 * { role =, content = }. The strings stay alive in the argument table. */
static size_t messages(lua_State *L, cw_ai_message *m)
{
    if (lua_type(L, 2) == LUA_TSTRING) {
        m[0].role = "user";
        m[0].content = message_text(L, 2, 0);
        return 1;
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t n = (size_t)lua_rawlen(L, 2);
    if (n == 0 || n > CW_FLOW_MAX_MESSAGES)
        luaL_error(L, "call:ask(): give 1 to %d messages", CW_FLOW_MAX_MESSAGES);
    for (size_t i = 0; i < n; i++) {
        if (lua_rawgeti(L, 2, (lua_Integer)i + 1) != LUA_TTABLE)
            luaL_error(L, "call:ask(): message %d is not a table { role =, content = }",
                       (int)i + 1);
        int t = lua_gettop(L);
        lua_getfield(L, t, "role");
        const char *role = lua_tostring(L, -1);
        int known = 0;
        for (const char *const *r = roles; role && *r; r++)
            if (strcmp(role, *r) == 0) {
                m[i].role = *r;
                known = 1;
            }
        if (!known)
            luaL_error(L, "call:ask(): message %d: role is \"system\", \"user\" or "
                       "\"assistant\"", (int)i + 1);
        lua_getfield(L, t, "content");
        m[i].content = message_text(L, -1, i);
        lua_pop(L, 3);                 /* the table keeps the strings alive */
    }
    return n;
}

/* [-0, +0, v] A string option of the table at 3, or NULL. */
static const char *opt_string(lua_State *L, const char *name, size_t max)
{
    const char *v = NULL;
    if (lua_getfield(L, 3, name) != LUA_TNIL) {
        size_t len;
        v = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (!v || len == 0 || len > max || strpbrk(v, "\r\n"))
            luaL_error(L, "call:ask(): %s must be a string of 1 to %d bytes on one line",
                       name, (int)max);
    }
    lua_pop(L, 1);                     /* alive: a field of the options table */
    return v;
}

static void check_options(lua_State *L)
{
    static const char *const known[] = { "model", "url", "purpose", "stream", "max_tokens",
                                         "temperature", NULL };
    lua_pushnil(L);
    while (lua_next(L, 3)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int ok = 0;
        for (const char *const *n = known; k && *n; n++)
            ok |= strcmp(k, *n) == 0;
        if (!ok)
            luaL_error(L, "call:ask(): unknown option \"%s\" (model, url, purpose, stream, "
                       "max_tokens, temperature)", k ? k : "?");
        lua_pop(L, 1);
    }
}

int cw_api_ask(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "ask");
    cw_ai_message m[CW_FLOW_MAX_MESSAGES];
    cw_ask_args a = { .messages = m, .temperature = -1 };
    a.nmessages = messages(L, m);
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        check_options(L);
        a.model = opt_string(L, "model", 128);
        a.url = opt_string(L, "url", 1024);
        a.purpose = opt_string(L, "purpose", 32);
        lua_getfield(L, 3, "stream");
        a.stream = lua_toboolean(L, -1);
        lua_getfield(L, 3, "max_tokens");
        if (!lua_isnil(L, -1)) {
            int isint;
            lua_Integer t = lua_tointegerx(L, -1, &isint);
            if (!isint || t < 1 || t > 32768)
                luaL_error(L, "call:ask(): max_tokens is a whole number from 1 to 32768");
            a.max_tokens = (int)t;
        }
        lua_getfield(L, 3, "temperature");
        if (!lua_isnil(L, -1)) {
            int isnum;
            lua_Number t = lua_tonumberx(L, -1, &isnum);
            if (!isnum || t < 0 || t > 2)
                luaL_error(L, "call:ask(): temperature is a number from 0 to 2");
            a.temperature = t;
        }
        lua_pop(L, 3);
    }
    char err[512];
    if (!r->ops->ask || r->ops->ask(r->call, &a, err, sizeof err) != 0)
        luaL_error(L, "call:ask(): %s", r->ops->ask ? err : "not available");
    return cw_api_wait(L, r);
}

/* [-0, +0, v] A whole number of ms option of the table at 2 in lo..hi, or def. */
static unsigned opt_ms(lua_State *L, const char *name, unsigned def, unsigned lo, unsigned hi)
{
    unsigned v = def;
    if (lua_getfield(L, 2, name) != LUA_TNIL) {
        int isint;
        lua_Integer x = lua_tointegerx(L, -1, &isint);
        if (!isint || x < lo || x > hi)
            luaL_error(L, "call:listen{}: %s is whole milliseconds from %d to %d", name,
                       (int)lo, (int)hi);
        v = (unsigned)x;
    }
    lua_pop(L, 1);
    return v;
}

/* text, why = call:listen{ timeout = ms, max = ms, silence = ms, url =, purpose = } */
int cw_api_listen(lua_State *L)
{
    cw_flow_run *r = cw_api_check_waitable(L, "listen");
    cw_listen_args a = { .timeout_ms = 5000, .max_ms = 15000, .silence_ms = 800 };
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        static const char *const known[] = { "timeout", "max", "silence", "url", "purpose",
                                             NULL };
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            int ok = 0;
            for (const char *const *n = known; k && *n; n++)
                ok |= strcmp(k, *n) == 0;
            if (!ok)
                luaL_error(L, "call:listen{}: unknown option \"%s\" (timeout, max, silence, "
                           "url, purpose)", k ? k : "?");
            lua_pop(L, 1);
        }
        a.timeout_ms = opt_ms(L, "timeout", 5000, 100, 60000);
        a.max_ms = opt_ms(L, "max", 15000, 200, 60000);
        a.silence_ms = opt_ms(L, "silence", 800, 100, 5000);
        lua_getfield(L, 2, "url");
        a.url = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_getfield(L, 2, "purpose");
        a.purpose = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
        lua_pop(L, 2);                 /* alive: fields of the options table */
    }
    char err[512];
    if (!r->ops->listen || r->ops->listen(r->call, &a, err, sizeof err) != 0)
        luaL_error(L, "call:listen(): %s", r->ops->listen ? err : "not available");
    return cw_api_wait(L, r);
}
