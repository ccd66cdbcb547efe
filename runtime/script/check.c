/* check.c  `callwarden check`: validate tenants without running them, as a pre-commit
 * hook or before a reload. For each tenant: flow.lua is loaded as the runtime loads it
 * (hash, sandbox, compile), every other .lua file of the tenant is compiled, and every
 * Lua file is searched for reads of globals that nothing defines (lint.c). The names
 * a flow may use are read from a real sandbox, so the check cannot drift from it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/check.h"
#include "callwarden/lint.h"
#include "callwarden/tenant.h"

#define KNOWN_MAX 128

typedef struct check_ctx {
    FILE *out;
    const char *tenant;
    size_t skip;                       /* prefix of a path not to print */
    int problems;
} check_ctx;

static void report(void *ud, const char *file, int line, const char *msg)
{
    check_ctx *cx = ud;
    cx->problems++;
    fprintf(cx->out, "%s/%s:%d: %s\n", cx->tenant, file + cx->skip, line, msg);
}

/* The globals of the frozen sandbox (the names a flow reads from); names[n] and
 * names[n + 1] are left for "call" and the terminating NULL. */
static size_t known_names(cw_flow_version *v, char **names, size_t cap)
{
    lua_State *L = v->st.L;
    size_t n = 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, v->env_mt_ref);
    lua_getfield(L, -1, "__index");
    lua_pushnil(L);
    while (lua_next(L, -2) && n + 2 < cap) {
        if (lua_type(L, -2) == LUA_TSTRING)
            names[n++] = strdup(lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    names[n] = NULL;
    return n;
}

/* Compile and lint every .lua file under dir/rel. */
static void check_files(check_ctx *cx, const char *dir, const char *rel,
                        const char *const *known, const char *const *module_known)
{
    char path[CW_PATH_LEN * 2];
    snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CW_PATH_LEN], full[CW_PATH_LEN * 2];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        struct stat sb;
        if (stat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (strcmp(sub, "scenarios") != 0)  /* scenario files have their own API */
                check_files(cx, dir, sub, known, module_known);
            continue;
        }
        size_t len = strlen(sub);
        if (len < 4 || strcmp(sub + len - 4, ".lua") != 0)
            continue;
        int is_flow = strcmp(sub, "flow.lua") == 0;
        if (!is_flow) {
            /* modules: compiled as require would (flow.lua was, by the load) */
            lua_State *L = luaL_newstate();
            if (L && luaL_loadfilex(L, full, "t") != LUA_OK) {
                const char *msg = lua_tostring(L, -1);
                const char *tail = msg ? strstr(msg, sub) : NULL;
                fprintf(cx->out, "%s/%s\n", cx->tenant, tail ? tail : (msg ? msg : sub));
                cx->problems++;
                lua_close(L);
                continue;
            }
            if (L)
                lua_close(L);
        }
        char err[512];
        if (cw_lint_globals(full, is_flow ? known : module_known, report, cx, err,
                            sizeof err) < 0) {
            fprintf(cx->out, "%s/%s: %s\n", cx->tenant, sub, err);
            cx->problems++;
        }
    }
    closedir(d);
}

int cw_check_tenant(const char *name, const char *dir, FILE *out)
{
    check_ctx cx = { .out = out, .tenant = name, .skip = strlen(dir) + 1 };
    cw_tenant_limits lim = { CW_SCRIPT_DEFAULT_MEM, CW_SCRIPT_DEFAULT_CALL_MEM,
                             CW_SCRIPT_DEFAULT_BUDGET };
    char err[768];
    cw_flow_version *v = cw_flow_version_load(name, dir, &lim, err, sizeof err);
    if (!v) {
        fprintf(out, "%s\n", err);
        return 1;
    }
    char *known[KNOWN_MAX];
    size_t n = known_names(v, known, KNOWN_MAX);
    char hash[CW_SHA256_HEX_LEN];
    snprintf(hash, sizeof hash, "%s", v->hash);
    cw_flow_version_free(v);
    /* flow.lua has `call`; a module has not: it gets what the flow passes it */
    const char *flow_known[KNOWN_MAX + 1];
    for (size_t i = 0; i < n; i++)
        flow_known[i] = known[i];
    flow_known[n] = "call";
    flow_known[n + 1] = NULL;
    check_files(&cx, dir, "", flow_known, (const char *const *)known);
    for (size_t i = 0; i < n; i++)
        free(known[i]);
    if (cx.problems == 0)
        fprintf(out, "%s: ok, version %.12s\n", name, hash);
    return cx.problems;
}

int cw_check_path(const char *path, FILE *out, int *tenants)
{
    char flow[CW_PATH_LEN * 2];
    struct stat sb;
    snprintf(flow, sizeof flow, "%s/flow.lua", path);
    if (stat(flow, &sb) == 0) {
        /* a tenant directory: its name is the last part of the path */
        char copy[CW_PATH_LEN];
        const char *name = cw_tenant_name_of_dir(path, copy, sizeof copy);
        (*tenants)++;
        return cw_check_tenant(name, copy, out);
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(out, "%s: not a tenant directory (no flow.lua) nor a directory of tenants\n",
                path);
        return 1;
    }
    int problems = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CW_PATH_LEN * 2];
        snprintf(sub, sizeof sub, "%s/%s/flow.lua", path, e->d_name);
        if (stat(sub, &sb) != 0)
            continue;
        if (!cw_tenant_name_ok(e->d_name)) {
            fprintf(out, "%s/%s: not a valid tenant name (letters, digits, '_', '-')\n", path,
                    e->d_name);
            problems++;
            continue;
        }
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        (*tenants)++;
        problems += cw_check_tenant(e->d_name, sub, out);
    }
    closedir(d);
    return problems;
}
