/* version.c  One loaded version of a tenant's flow: its files' hash, a fresh sandbox,
 * flow.lua compiled once, and globals that no call can change for another (G8, G10).
 *
 * flow.lua is the body of a call: it runs from the top for every call, with `call` in
 * scope, as FreeSWITCH runs a Lua script per session. It is compiled once, wrapped as
 *     return function(_ENV, call, ...) <flow.lua> end
 * with the prefix on the file's first line, so line numbers stay those of the file.
 * _ENV being a parameter, every call runs the same compiled function with a fresh
 * global table of its own: a flow's globals never leak into the next call.
 *
 * What calls share is frozen. After loading, the state's global table is replaced by
 * an empty read-only proxy of the real one, and so is every library table (string,
 * table, math, ...); the string metatable is hidden; rawset refuses the proxies. A
 * call's _ENV and a module's _ENV read through to the real globals and write into
 * themselves.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/error.h"
#include "callwarden/log.h"
#include "callwarden/tenant.h"
#include "script_int.h"

#define FLOW_FILE "flow.lua"
#define FLOW_MAX (1024 * 1024)          /* bytes of flow.lua */
#define HASH_FILES_MAX 4096

int cw_tenant_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CW_TENANT_NAME_LEN || name[0] == '_' || name[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

const char *cw_tenant_name_of_dir(const char *dir, char *clean, size_t cap)
{
    snprintf(clean, cap, "%s", dir);
    size_t len = strlen(clean);
    while (len > 1 && clean[len - 1] == '/')
        clean[--len] = 0;
    const char *slash = strrchr(clean, '/');
    return slash ? slash + 1 : clean;
}

/* ---- the version hash --------------------------------------------------------- */

/* Files that are not the tenant's: hidden files (.swp, .git) and editor backups. */
static int skipped_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] == '.' || (len > 0 && n[len - 1] == '~') ||
           (len > 4 && strcmp(n + len - 4, ".tmp") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the relative paths of the regular files under dir/rel. */
static int collect(const char *dir, const char *rel, char ***paths, size_t *n, size_t *cap,
                   char *err, size_t errlen)
{
    char full[CW_PATH_LEN * 2];
    snprintf(full, sizeof full, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(full);
    if (!d)
        return cw_error(err, errlen, "%s: %s", full, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (skipped_name(e->d_name))
            continue;
        char sub[CW_PATH_LEN];
        if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
            sizeof sub) {
            rc = cw_error(err, errlen, "%s/%s: path too long", full, e->d_name);
            break;
        }
        char path[CW_PATH_LEN * 2];
        snprintf(path, sizeof path, "%s/%s", dir, sub);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;                  /* removed while we look: the next scan sees it */
        if (S_ISDIR(sb.st_mode)) {
            rc = collect(dir, sub, paths, n, cap, err, errlen);
        } else if (S_ISREG(sb.st_mode)) {
            if (*n == HASH_FILES_MAX) {
                rc = cw_error(err, errlen, "%s: more than %d files", dir, HASH_FILES_MAX);
                break;
            }
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 16;
                char **p = realloc(*paths, *cap * sizeof *p);
                if (!p) {
                    rc = cw_error(err, errlen, "out of memory");
                    break;
                }
                *paths = p;
            }
            (*paths)[(*n)++] = strdup(sub);
        }
    }
    closedir(d);
    return rc;
}

int cw_tenant_hash_dir(const char *dir, char hex[CW_SHA256_HEX_LEN], char *err,
                       size_t errlen)
{
    char **paths = NULL;
    size_t n = 0, cap = 0;
    int rc = collect(dir, "", &paths, &n, &cap, err, errlen);
    if (rc == 0 && n > 1)
        qsort(paths, n, sizeof *paths, cmp_str);   /* (never with NULL: UB even for 0) */
    cw_sha256 h;
    cw_sha256_init(&h);
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* name, then content: a renamed file is a new version too */
        cw_sha256_update(&h, paths[i], strlen(paths[i]) + 1);
        char path[CW_PATH_LEN * 2];
        snprintf(path, sizeof path, "%s/%s", dir, paths[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            rc = cw_error(err, errlen, "%s: %s", path, strerror(errno));
            break;
        }
        char buf[8192];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            cw_sha256_update(&h, buf, got);
        fclose(f);
    }
    cw_sha256_hex(&h, hex);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

/* ---- freezing what calls share ------------------------------------------------ */

static int frozen_newindex(lua_State *L)
{
    return luaL_error(L, "cannot set '%s': shared tables are read-only (use a local, or "
                      "a global of this call)", luaL_tolstring(L, 2, NULL));
}

static int frozen_pairs(lua_State *L)
{
    lua_getglobal(L, "next");
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
    lua_pushnil(L);
    return 3;
}

/* [-1, +1] Replace the table on top by a read-only proxy of it. */
static void push_frozen_proxy(lua_State *L)
{
    lua_newtable(L);                       /* the proxy */
    lua_newtable(L);                       /* its metatable */
    lua_rotate(L, -3, -1);                 /* proxy, mt, real */
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, frozen_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, frozen_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    /* remember it, so that rawset refuses it */
    lua_getfield(L, LUA_REGISTRYINDEX, CW_FROZEN_KEY);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* rawset(t, k, v) for anything but a frozen proxy. */
static int guarded_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, LUA_REGISTRYINDEX, CW_FROZEN_KEY);
    lua_pushvalue(L, 1);
    int frozen = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (frozen)
        return luaL_error(L, "rawset: shared tables are read-only");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* [-0, +0] Freeze the state's globals and libraries; leave the metatable of a call's
 * _ENV in the registry (env_mt_ref). */
static void freeze(lua_State *L, int *env_mt_ref)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, CW_FROZEN_KEY);

    lua_pushglobaltable(L);                /* the real globals, R */
    lua_getfield(L, -1, "rawset");
    lua_pushcclosure(L, guarded_rawset, 1);
    lua_setfield(L, -2, "rawset");
    static const char *const libs[] = { "string", "table", "math", "utf8", "coroutine",
                                        "os", NULL };
    for (const char *const *lib = libs; *lib; lib++) {
        lua_getfield(L, -1, *lib);
        push_frozen_proxy(L);
        lua_setfield(L, -2, *lib);
    }
    /* ("").rep keeps working; getmetatable("") no longer hands out the string table */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    /* the metatable of a call's (and a module's) _ENV: reads go to R */
    lua_newtable(L);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, CW_ENV_MT_KEY);
    *env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    /* code loaded with the default _ENV (load() in a flow) sees a read-only R */
    lua_pushvalue(L, -1);
    push_frozen_proxy(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "_G");             /* R._G is the proxy */
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pop(L, 1);
}

void cw_script_push_env(lua_State *L, int env_mt_ref)
{
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");             /* _G is this env: writes stay here */
    lua_rawgeti(L, LUA_REGISTRYINDEX, env_mt_ref);
    lua_setmetatable(L, -2);
}

/* ---- loading ------------------------------------------------------------------ */

static char *read_flow(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cw_error(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(FLOW_MAX + 1);
    size_t n = buf ? fread(buf, 1, FLOW_MAX + 1, f) : 0;
    fclose(f);
    if (!buf || n > FLOW_MAX) {
        free(buf);
        cw_error(err, errlen, "%s: larger than %d bytes", path, FLOW_MAX);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* [-0, +1] Compile flow.lua (src) as function(_ENV, call, ...). Returns LUA_OK or an
 * error status with the message on the stack. */
static int compile_flow(lua_State *L, const char *src, size_t len, const char *chunkname)
{
    /* a UTF-8 byte-order mark and a "#!" first line are not Lua */
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    /* first as it is, so that a syntax error names the line as the file has it (the
     * wrapper's "end" would otherwise be where an unfinished flow fails) */
    int status = luaL_loadbufferx(L, src, len, chunkname, "t");
    if (status != LUA_OK)
        return status;
    lua_pop(L, 1);
    static const char head[] = "return function(_ENV, call, ...) ";
    static const char tail[] = "\nend";
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, head);
    if (len > 0 && src[0] == '#') {
        luaL_addstring(&b, "--");
        src++;
        len--;
    }
    luaL_addlstring(&b, src, len);
    luaL_addstring(&b, tail);
    luaL_pushresult(&b);
    size_t wlen;
    const char *wrapped = lua_tolstring(L, -1, &wlen);
    status = luaL_loadbufferx(L, wrapped, wlen, chunkname, "t");
    lua_remove(L, -2);
    if (status == LUA_OK)
        status = lua_pcall(L, 0, 1, 0);  /* returns the flow function */
    return status;
}

cw_flow_version *cw_flow_version_load(const char *name, const char *dir,
                                      const cw_tenant_limits *lim, char *err,
                                      size_t errlen)
{
    cw_flow_version *v = calloc(1, sizeof *v);
    if (!v) {
        cw_error(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    v->flow_ref = v->env_mt_ref = LUA_NOREF;
    v->call_mem = lim->call_mem;
    char path[CW_PATH_LEN + 16];
    snprintf(path, sizeof path, "%s/" FLOW_FILE, dir);
    size_t len = 0;
    char *src = NULL;
    if (cw_tenant_hash_dir(dir, v->hash, err, errlen) != 0 ||
        !(src = read_flow(path, &len, err, errlen)) ||
        cw_script_open(&v->st, name, dir, lim->mem_limit, lim->budget, err, errlen) != 0) {
        free(src);
        free(v);
        return NULL;
    }
    lua_State *L = v->st.L;
    char chunk[CW_TENANT_NAME_LEN + 16];
    snprintf(chunk, sizeof chunk, "@%s/" FLOW_FILE, name);  /* "acme/flow.lua:3:" */
    v->st.used = 0;
    int status = compile_flow(L, src, len, chunk);
    free(src);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        cw_error(err, errlen, "%s", msg ? msg : "flow.lua: cannot be loaded");
        cw_script_close(&v->st);
        free(v);
        return NULL;
    }
    v->flow_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    freeze(L, &v->env_mt_ref);
    lua_gc(L, LUA_GCCOLLECT);
    return v;
}

void cw_flow_version_free(cw_flow_version *v)
{
    if (!v)
        return;
    cw_script_close(&v->st);
    cw_policy_free(v->policy);
    free(v);
}
