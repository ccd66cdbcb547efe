/* check.c  `callwarden check`: validate tenants without running them, as a pre-commit
 * hook or before a reload. For each tenant: flow.lua is loaded as the runtime loads it
 * (hash, sandbox, compile), every other .lua file of the tenant is compiled, and every
 * Lua file is searched for reads of globals that nothing defines (lint.c). The names
 * a flow may use are read from a real sandbox, so the check cannot drift from it.
 *
 * A tenant's policy (policies/<tenant>/policy.lua) is loaded and validated as the
 * runtime loads it (cw_policy_load): for a tenant directory scripts/<t>, the policy
 * directory beside it, ../../policies/<t>, when there is one; a policy directory (it
 * has a policy.lua) or a directory of them may also be named directly. Each policy is
 * checked once per run, however it was reached.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/check.h"
#include "callwarden/lint.h"
#include "callwarden/policy.h"
#include "callwarden/tenant.h"

#define KNOWN_MAX 128
#define POLICY_ERR_MAX 32768

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

/* Problems in a cw_policy_load message: one a line, "... and N more" counting N. */
static int count_problems(const char *err)
{
    int n = 0;
    const char *line = err;
    while (line && *line) {
        int more = 0;
        if (sscanf(line, "... and %d more", &more) == 1)
            n += more;
        else
            n++;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return n ? n : 1;
}

int cw_check_policy(const char *name, const char *dir, FILE *out)
{
    char *err = malloc(POLICY_ERR_MAX);
    if (!err) {
        fprintf(out, "%s/policy.lua: out of memory\n", name);
        return 1;
    }
    cw_policy *p = cw_policy_load(name, dir, err, POLICY_ERR_MAX);
    int problems = 0;
    if (p) {
        fprintf(out, "%s/policy.lua: ok, version %.12s\n", name, p->hash);
        cw_policy_free(p);
    } else {
        fprintf(out, "%s\n", err);
        problems = count_problems(err);
    }
    free(err);
    return problems;
}

/* One run of `callwarden check`: where it prints, and the policies already checked. */
typedef struct check_run {
    FILE *out;
    int *tenants;
    char **seen;
    size_t nseen, cap;
} check_run;

static int has_file(const char *dir, const char *file)
{
    char path[CW_PATH_LEN * 2];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return 0;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* 1 if this run checked the policy in dir already; else it is marked as checked. */
static int seen_before(check_run *run, const char *dir)
{
    char real[PATH_MAX];
    if (!realpath(dir, real))
        snprintf(real, sizeof real, "%s", dir);
    for (size_t i = 0; i < run->nseen; i++)
        if (strcmp(run->seen[i], real) == 0)
            return 1;
    if (run->nseen == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 16;
        char **s = realloc(run->seen, cap * sizeof *s);
        if (!s)
            return 0;                          /* checked twice rather than not at all */
        run->seen = s;
        run->cap = cap;
    }
    char *copy = strdup(real);
    if (copy)
        run->seen[run->nseen++] = copy;
    return 0;
}

/* A policy directory on its own: a tenant, unless its policy was checked already. */
static int run_policy(check_run *run, const char *name, const char *dir)
{
    if (seen_before(run, dir))
        return 0;
    (*run->tenants)++;
    return cw_check_policy(name, dir, run->out);
}

/* A tenant directory scripts/<name>: its flow, then its policy ../../policies/<name>
 * if that directory exists. */
static int run_tenant(check_run *run, const char *name, const char *dir)
{
    (*run->tenants)++;
    int problems = cw_check_tenant(name, dir, run->out);
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return problems;
    char *slash = strrchr(real, '/');          /* real: .../scripts/<name> */
    if (!slash || slash == real)
        return problems;
    *slash = 0;
    slash = strrchr(real, '/');                /* real: .../scripts */
    if (!slash)
        return problems;
    *slash = 0;                                /* real: ... ("" for the root) */
    char pdir[PATH_MAX + CW_TENANT_NAME_LEN + 16];
    if ((size_t)snprintf(pdir, sizeof pdir, "%s/policies/%s", real, name) < sizeof pdir &&
        has_file(pdir, "policy.lua") && !seen_before(run, pdir))
        problems += cw_check_policy(name, pdir, run->out);
    return problems;
}

static int run_path(check_run *run, const char *path)
{
    char copy[CW_PATH_LEN];
    const char *name = cw_tenant_name_of_dir(path, copy, sizeof copy);
    if (has_file(path, "flow.lua"))
        return run_tenant(run, name, copy);
    if (has_file(path, "policy.lua"))
        return run_policy(run, name, copy);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(run->out, "%s: not a tenant directory (no flow.lua or policy.lua) nor a "
                "directory of tenants\n", path);
        return 1;
    }
    int problems = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CW_PATH_LEN * 2];
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub)
            continue;
        int flow = has_file(sub, "flow.lua"), policy = !flow && has_file(sub, "policy.lua");
        if (!flow && !policy)
            continue;
        if (!cw_tenant_name_ok(e->d_name)) {
            fprintf(run->out, "%s/%s: not a valid tenant name (letters, digits, '_', '-')\n",
                    path, e->d_name);
            problems++;
            continue;
        }
        if (flow)
            problems += run_tenant(run, e->d_name, sub);
        else
            problems += run_policy(run, e->d_name, sub);
    }
    closedir(d);
    return problems;
}

int cw_check_paths(const char *const *paths, int n, FILE *out, int *tenants)
{
    check_run run = { .out = out, .tenants = tenants };
    int problems = 0;
    for (int i = 0; i < n; i++)
        problems += run_path(&run, paths[i]);
    for (size_t i = 0; i < run.nseen; i++)
        free(run.seen[i]);
    free(run.seen);
    return problems;
}

int cw_check_dirs(const char *scripts_dir, const char *policies_dir, FILE *out,
                  int *tenants)
{
    const char *dirs[2] = { scripts_dir, policies_dir };
    struct stat sb;
    int n = policies_dir && stat(policies_dir, &sb) == 0 && S_ISDIR(sb.st_mode) ? 2 : 1;
    return cw_check_paths(dirs, n, out, tenants);
}

int cw_check_path(const char *path, FILE *out, int *tenants)
{
    return cw_check_paths(&path, 1, out, tenants);
}
