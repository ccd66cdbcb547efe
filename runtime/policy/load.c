/* load.c  cw_policy_load: policies/<tenant>/policy.lua run in a sandbox of its own and
 * validated in C (issue 5; what it declares, the core enforces: G1, G2, G3, G5, G9).
 *
 * The file is Lua text, never bytecode, run once in a fresh cw_script_state (script.h:
 * library whitelist, a 16 MiB memory cap, an instruction budget) where the only
 * additions are the policy's statements (statements.c). It runs in a coroutine, whose
 * stack is not unwound by an error, so that even a budget or memory kill is reported
 * with the line it happened on. What the statements recorded is then validated
 * (validate.c) in a protected call, every problem collected; the policy exists only if
 * there is none. The state is closed before cw_policy_load returns: a loaded policy is
 * plain C data, read by any thread without Lua.
 *
 * The policy's version is the SHA-256 over its directory (cw_tenant_hash_dir, as a
 * flow's), taken before the file is read and again after validation: a policy whose
 * files changed meanwhile is refused (the next reload loads it whole), so that the
 * hash a consent record names is always that of what the caller heard.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/error.h"
#include "callwarden/script.h"
#include "callwarden/tenant.h"
#include "policy_int.h"

#define POLICY_FILE "policy.lua"
#define POLICY_MAX (256 * 1024)                 /* bytes of policy.lua */
#define POLICY_MEM (16u * 1024 * 1024)          /* the sandbox's memory cap */
#define POLICY_BUDGET 5000000u                  /* VM instructions for the whole file */

/* Everything one load holds, on the heap (the errors are large). */
typedef struct pol_load {
    pol_errors errors;
    pol_decls decls;
    cw_script_state st;
    char chunk[CW_TENANT_NAME_LEN + 24];        /* "@tenant/policy.lua" */
    cw_policy *p;
    pol_ctx cx;
} pol_load;

/* Read policy.lua; problems go to errors. Returns the text (NUL-terminated) or NULL. */
static char *read_policy(pol_load *ld, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pol_error(&ld->errors, 0, "cannot be read: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(POLICY_MAX + 1);
    size_t n = buf ? fread(buf, 1, POLICY_MAX + 1, f) : 0;
    int bad = buf ? ferror(f) : 1;
    fclose(f);
    if (!buf || bad) {
        pol_error(&ld->errors, 0, "cannot be read%s", buf ? "" : ": out of memory");
        free(buf);
        return NULL;
    }
    if (n > POLICY_MAX) {
        pol_error(&ld->errors, 0, "larger than %d bytes", POLICY_MAX);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (n > 0 && buf[0] == LUA_SIGNATURE[0]) {
        pol_error(&ld->errors, 1, "a precompiled (bytecode) chunk: a policy must be Lua "
                  "text");
        free(buf);
        return NULL;
    }
    const char *nul = memchr(buf, 0, n);
    if (nul) {
        int line = 1;
        for (const char *c = buf; c < nul; c++)
            line += *c == '\n';
        pol_error(&ld->errors, line, "a NUL byte: a policy must be Lua text");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}


/* Run the policy's text in the sandbox; returns 0 if it ran to its end. */
static int run_policy(pol_load *ld, const char *src, size_t len)
{
    lua_State *L = ld->st.L;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte-order mark */
        src += 3;
        len -= 3;
    }
    if (luaL_loadbufferx(L, src, len, ld->chunk, "t") != LUA_OK) {
        pol_error_lua(&ld->errors, lua_tostring(L, -1), 1);
        lua_pop(L, 1);
        return -1;
    }
    lua_State *co = lua_newthread(L);
    lua_rotate(L, -2, 1);                /* thread below the chunk */
    lua_xmove(L, co, 1);
    ld->st.used = 0;
    ld->st.killed = CW_SCRIPT_OK;
    int nres = 0;
    int status = lua_resume(co, L, 0, &nres);
    int rc = 0;
    if (status == LUA_YIELD) {
        pol_error(&ld->errors, pol_chunk_line(co, ld->chunk, 0), "a policy must not yield "
                  "(coroutine.yield outside a coroutine)");
        rc = -1;
    } else if (status != LUA_OK) {
        if (ld->st.killed != CW_SCRIPT_OK)
            pol_error(&ld->errors, pol_chunk_line(co, ld->chunk, 0), "%s (a policy may run %u "
                      "instructions and use %u MiB)", cw_script_kill_reason(ld->st.killed),
                      POLICY_BUDGET, POLICY_MEM / (1024 * 1024));
        else
            pol_error_lua(&ld->errors, lua_tostring(co, -1), pol_chunk_line(co, ld->chunk, 0));
        rc = -1;
    }
    lua_pop(L, 1);                       /* the thread */
    ld->st.killed = CW_SCRIPT_OK;
    lua_gc(L, LUA_GCCOLLECT);
    return rc;
}

/* [-1, +0] Validation, run protected: a memory error ends it, not the process. */
static int validate_protected(lua_State *L)
{
    pol_validate(lua_touserdata(L, 1));
    return 0;
}

cw_policy *cw_policy_load(const char *tenant, const char *dir, char *err, size_t errlen)
{
    pol_load *ld = calloc(1, sizeof *ld);
    cw_policy *p = calloc(1, sizeof *p);
    if (!ld || !p) {
        free(ld);
        free(p);
        cw_error(err, errlen, "%s/" POLICY_FILE ": out of memory", tenant);
        return NULL;
    }
    if (!cw_tenant_name_ok(tenant)) {
        cw_error(err, errlen, "%.64s/" POLICY_FILE ": not a valid tenant name (letters, "
                 "digits, '_', '-')", tenant);
        free(ld);
        free(p);
        return NULL;
    }
    snprintf(ld->chunk, sizeof ld->chunk, "@%s/" POLICY_FILE, tenant);
    snprintf(p->tenant, sizeof p->tenant, "%s", tenant);
    snprintf(p->path, sizeof p->path, "%s/" POLICY_FILE, dir);
    ld->decls.chunk = ld->chunk;
    ld->decls.errors = &ld->errors;

    char why[512];
    size_t len = 0;
    char *src = NULL;
    struct stat sb;
    if (stat(p->path, &sb) != 0) {
        pol_error(&ld->errors, 0, "cannot be read: %s", strerror(errno));
    } else if (cw_tenant_hash_dir(dir, p->hash, why, sizeof why) != 0) {
        pol_error(&ld->errors, 0, "%s", why);
    } else if ((src = read_policy(ld, p->path, &len)) != NULL &&
               cw_script_open(&ld->st, tenant, dir, POLICY_MEM, POLICY_BUDGET, why,
                              sizeof why) != 0) {
        pol_error(&ld->errors, 0, "%s", why);
    } else if (src) {
        lua_State *L = ld->st.L;
        pol_statements_install(L, &ld->decls);
        if (run_policy(ld, src, len) == 0) {
            /* only a file that ran through is validated: one that stopped half way
             * would be reported as missing everything after the stop */
            ld->cx = (pol_ctx){ .L = L, .decls = &ld->decls, .dir = dir, .p = p,
                                .errors = &ld->errors };
            lua_pushcfunction(L, validate_protected);
            lua_pushlightuserdata(L, &ld->cx);
            if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
                pol_error(&ld->errors, 0, "validation stopped: %s",
                          ld->st.killed ? cw_script_kill_reason(ld->st.killed)
                                        : lua_tostring(L, -1));
                lua_pop(L, 1);
            }
            pol_lang_free(&ld->cx.scratch);
        }
        char again[CW_SHA256_HEX_LEN];
        if (ld->errors.n == 0 && (cw_tenant_hash_dir(dir, again, why, sizeof why) != 0 ||
                                  strcmp(again, p->hash) != 0))
            pol_error(&ld->errors, 0, "the policy directory changed while it was loaded "
                      "(it is loaded again at the next reload)");
    }
    free(src);
    if (ld->st.L)
        cw_script_close(&ld->st);
    int failed = ld->errors.n > 0 || ld->errors.dropped > 0;
    if (failed) {
        pol_errors_format(&ld->errors, ld->chunk, err, errlen);
        cw_policy_free(p);
        p = NULL;
    } else if (err && errlen) {
        err[0] = 0;
    }
    free(ld);
    return p;
}
