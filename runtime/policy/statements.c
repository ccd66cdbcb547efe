/* statements.c  The policy language: each statement is a C function in the policy's
 * sandbox that records what it declares and the line it was written on.
 *
 *     controller { ... }        once-statements: one table (jurisdiction: one string)
 *     level "basic" { ... }     per-name statements: a name, then a table
 *
 * A statement never raises for a mistake in what it is given: it records the problem
 * with its line and lets the file run on, so that one load reports every problem. The
 * values are kept (registry references) and validated in C once the file ran
 * (validate.c). A statement written twice is an error naming both lines.
 *
 * A policy has nothing else beyond the sandbox's whitelist (script.h), less require
 * and setmetatable: reading any other global is an error naming it, so that a misspelt
 * statement ("levle") or an attempt at io, os.execute or require stops with a clear
 * message and its line. Without setmetatable no policy code can run once the file has
 * (no __gc finalizer), so the tables validated in C stay as the file left them.
 */
#include <string.h>

#include <lauxlib.h>

#include "policy_int.h"

static const char *const kind_names[POL_NKINDS] = {
    [POL_CONTROLLER] = "controller", [POL_JURISDICTION] = "jurisdiction",
    [POL_LANGUAGES] = "languages",   [POL_NOTICE] = "notice",
    [POL_KEYS] = "keys",             [POL_TIMEOUTS] = "timeouts",
    [POL_HANDOVER] = "handover",     [POL_FALLBACK] = "fallback",
    [POL_PURPOSES] = "purposes",     [POL_EGRESS] = "egress",
    [POL_AI] = "ai",                 [POL_WEBHOOK] = "webhook",
    [POL_WITHDRAWAL] = "withdrawal",
    [POL_DISCLOSURE] = "disclosure", [POL_CONSENT] = "consent",
    [POL_LEVEL] = "level",           [POL_SPEECH] = "speech",
};

/* How each statement is written, for messages about its form. */
static const char *const kind_examples[POL_NKINDS] = {
    [POL_CONTROLLER] = "controller { name = \"...\", contact = \"...\" }",
    [POL_JURISDICTION] = "jurisdiction \"DE\"",
    [POL_LANGUAGES] = "languages { default = \"de\", \"de\", \"en\" }",
    [POL_NOTICE] = "notice { url = \"https://...\" }",
    [POL_KEYS] = "keys { more = \"9\", withdraw = \"0\", human = \"#\" }",
    [POL_TIMEOUTS] = "timeouts { answer_ms = 6000, retries = 2 }",
    [POL_HANDOVER] = "handover { target = \"sip:...\", notice = { ... } }",
    [POL_FALLBACK] = "fallback { goodbye = { ... } }",
    [POL_PURPOSES] = "purposes { referral = \"passing your request to a partner\" }",
    [POL_EGRESS] = "egress { allow = { [\"ai.example.eu\"] = \"EU\" } }",
    [POL_AI] = "ai { chat = { url = \"https://...\", purpose = \"call_handling\" } }",
    [POL_WEBHOOK] = "webhook { url = \"https://crm.example.eu/hooks/consent\" }",
    [POL_WITHDRAWAL] = "withdrawal { code_hook = \"https://sms.example.eu/send\" }",
    [POL_DISCLOSURE] = "disclosure \"de\" { text = \"...\" }",
    [POL_CONSENT] = "consent \"de\" { question = \"...\", ... }",
    [POL_LEVEL] = "level \"basic\" { key = \"1\", purposes = { ... }, retention = \"30d\" }",
    [POL_SPEECH] = "speech \"de\" { yes = { \"ja\" }, no = { \"nein\" } }",
};

const char *pol_kind_name(pol_kind k)
{
    return k < POL_NKINDS ? kind_names[k] : "?";
}

static int kind_is_named(pol_kind k)
{
    return k >= POL_DISCLOSURE;
}

const pol_decl *pol_find(const pol_decls *d, pol_kind k, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->d[i].kind == k && (!name || strcmp(d->d[i].name, name) == 0))
            return &d->d[i];
    return NULL;
}

int pol_chunk_line(lua_State *L, const char *chunk, int from_level)
{
    lua_Debug ar;
    int any = 0;
    for (int level = from_level; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
            continue;
        if (strcmp(ar.source, chunk) == 0)
            return ar.currentline;
        if (!any)
            any = ar.currentline;
    }
    return any;
}

/* Record a statement; returns its index, or -1 (the problem is recorded). */
static int add_decl(pol_decls *d, pol_kind k, const char *name, int line)
{
    const pol_decl *first = pol_find(d, k, kind_is_named(k) ? name : NULL);
    if (first) {
        if (kind_is_named(k))
            pol_error(d->errors, line, "%s \"%s\" is declared twice (first on line %d)",
                      kind_names[k], name, first->line);
        else
            pol_error(d->errors, line, "%s is declared twice (first on line %d)",
                      kind_names[k], first->line);
        return -1;
    }
    if (d->n == POL_MAX_DECLS) {
        pol_error(d->errors, line, "more than %d statements", POL_MAX_DECLS);
        return -1;
    }
    pol_decl *nd = &d->d[d->n];
    memset(nd, 0, sizeof *nd);
    nd->kind = k;
    snprintf(nd->name, sizeof nd->name, "%s", name);
    nd->line = line;
    nd->ref = LUA_NOREF;
    return (int)d->n++;
}

/* [-0, +0, m] Keep the value at idx as decl i's. */
static void keep_value(lua_State *L, pol_decls *d, int i, int idx)
{
    lua_pushvalue(L, idx);
    d->d[i].ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* controller { ... }, jurisdiction "DE", ...: upvalues decls, kind. */
static int once_statement(lua_State *L)
{
    pol_decls *d = lua_touserdata(L, lua_upvalueindex(1));
    pol_kind k = (pol_kind)lua_tointeger(L, lua_upvalueindex(2));
    int line = pol_chunk_line(L, d->chunk, 1);
    int want = k == POL_JURISDICTION ? LUA_TSTRING : LUA_TTABLE;
    if (lua_gettop(L) != 1 || lua_type(L, 1) != want) {
        pol_error(d->errors, line, "%s takes %s, not %s: write %s", kind_names[k],
                  want == LUA_TSTRING ? "one string" : "one table",
                  lua_gettop(L) == 1 ? pol_type_desc(lua_type(L, 1))
                                     : lua_gettop(L) == 0 ? "nothing" : "several values",
                  kind_examples[k]);
        return 0;
    }
    int i = add_decl(d, k, "", line);
    if (i >= 0)
        keep_value(L, d, i, 1);
    return 0;
}

/* The second half of level "basic" { ... }: upvalues decls, the decl's index (-1 for
 * a statement already refused, whose table is ignored). */
static int named_body(lua_State *L)
{
    pol_decls *d = lua_touserdata(L, lua_upvalueindex(1));
    int i = (int)lua_tointeger(L, lua_upvalueindex(2));
    if (i < 0)
        return 0;
    pol_decl *decl = &d->d[i];
    int line = pol_chunk_line(L, d->chunk, 1);
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TTABLE) {
        pol_error(d->errors, line, "%s \"%s\" takes one table, not %s: write %s",
                  kind_names[decl->kind], decl->name,
                  lua_gettop(L) == 1 ? pol_type_desc(lua_type(L, 1))
                                     : lua_gettop(L) == 0 ? "nothing" : "several values",
                  kind_examples[decl->kind]);
        return 0;
    }
    if (decl->ref != LUA_NOREF) {
        pol_error(d->errors, line, "%s \"%s\" is given a second table (first on line %d)",
                  kind_names[decl->kind], decl->name, decl->line);
        return 0;
    }
    keep_value(L, d, i, 1);
    return 0;
}

/* level "basic", disclosure "de", ...: returns the function that takes the table. */
static int named_statement(lua_State *L)
{
    pol_decls *d = lua_touserdata(L, lua_upvalueindex(1));
    pol_kind k = (pol_kind)lua_tointeger(L, lua_upvalueindex(2));
    int line = pol_chunk_line(L, d->chunk, 1);
    int i = -1;
    size_t len = 0;
    const char *name = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    int is_level = k == POL_LEVEL;
    if (lua_gettop(L) != 1 || !name) {
        pol_error(d->errors, line, "%s needs a %s first, not %s: write %s", kind_names[k],
                  is_level ? "level name" : "language",
                  lua_gettop(L) == 1 ? pol_type_desc(lua_type(L, 1))
                                     : lua_gettop(L) == 0 ? "nothing" : "several values",
                  kind_examples[k]);
    } else if (len != strlen(name) || len >= POL_DECL_NAME_LEN ||
               !(is_level ? pol_name_ok(name) : pol_lang_ok(name))) {
        pol_error(d->errors, line, "%s \"%.*s\": %s", kind_names[k],
                  len < POL_DECL_NAME_LEN ? (int)len : POL_DECL_NAME_LEN, name,
                  is_level ? "a level name is 1-32 of a-z, 0-9 and _"
                           : "not a language code (\"de\", \"en\", \"de-CH\")");
    } else {
        i = add_decl(d, k, name, line);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushinteger(L, i);
    lua_pushcclosure(L, named_body, 2);
    return 1;
}

/* __index of the globals: nothing else is there. */
static int unknown_global(lua_State *L)
{
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    static const char *const absent[] = { "io", "debug", "package", "dofile", "loadfile",
                                          "collectgarbage", "setmetatable", NULL };
    for (const char *const *a = absent; *a; a++)
        if (strcmp(k, *a) == 0)
            return luaL_error(L, "'%s' is not available in a policy (no files, no "
                              "debug, no modules, no metatables)", k);
    return luaL_error(L, "unknown name '%s' (a policy has the statements controller, "
                      "jurisdiction, languages, notice, purposes, disclosure, consent, level, "
                      "keys, speech, timeouts, handover, fallback, egress, ai, webhook, withdrawal)", k);
}

/* __index of a library table: upvalue 1 its name. */
static int unknown_field(lua_State *L)
{
    const char *lib = lua_tostring(L, lua_upvalueindex(1));
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    return luaL_error(L, "'%s.%s' is not available in a policy", lib, k);
}

static int no_require(lua_State *L)
{
    return luaL_error(L, "require is not available in a policy: a policy is the one file "
                      "policy.lua");
}

void pol_statements_install(lua_State *L, pol_decls *decls)
{
    for (int k = 0; k < POL_NKINDS; k++) {
        lua_pushlightuserdata(L, decls);
        lua_pushinteger(L, k);
        lua_pushcclosure(L, kind_is_named((pol_kind)k) ? named_statement : once_statement,
                         2);
        lua_setglobal(L, kind_names[k]);
    }
    lua_pushcfunction(L, no_require);
    lua_setglobal(L, "require");
    /* no metatables: a __gc finalizer would run policy code while C validates */
    lua_pushnil(L);
    lua_setglobal(L, "setmetatable");

    static const char *const libs[] = { "string", "table", "math", "utf8", "coroutine",
                                        "os", NULL };
    for (const char *const *lib = libs; *lib; lib++) {
        if (lua_getglobal(L, *lib) == LUA_TTABLE) {
            lua_createtable(L, 0, 1);
            lua_pushstring(L, *lib);
            lua_pushcclosure(L, unknown_field, 1);
            lua_setfield(L, -2, "__index");
            lua_setmetatable(L, -2);
        }
        lua_pop(L, 1);
    }

    lua_pushglobaltable(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, unknown_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}
