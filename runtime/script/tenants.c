/* tenants.c  The tenant registry: scan, reload with atomic swaps, versions counted by
 * the calls that run on them (G8: one lua_State per tenant version, nothing shared).
 *
 * A swap is a pointer change on the loop thread: the next call acquires the new
 * version, calls in progress hold a reference to theirs. The registry holds one
 * reference on the current version; the last release frees a version's state.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callwarden/error.h"
#include "callwarden/log.h"
#include "callwarden/tenant.h"

static void install(cw_tenants *ts, cw_tenant *t, cw_flow_version *v)
{
    cw_flow_version *old = t->current;
    v->tenant = t;
    v->refs = 1;
    t->current = v;
    ts->versions_live++;
    if (old)
        cw_flow_version_release(ts, old);
}

/* Does the tenant have a policy directory? */
static int has_policy(const cw_tenant *t)
{
    struct stat sb;
    return stat(t->policy_dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Load (or reload) t from its directories: the flow, and the policy if it has one;
 * both must load, or neither is installed. */
static int load_tenant(cw_tenants *ts, cw_tenant *t)
{
    char err[sizeof t->last_error];
    cw_flow_version *v = cw_flow_version_load(t->name, t->dir, &ts->lim, err, sizeof err);
    if (v && has_policy(t) && !(v->policy = cw_policy_load(t->name, t->policy_dir, err,
                                                           sizeof err))) {
        cw_flow_version_free(v);
        v = NULL;
    }
    if (!v) {
        t->rejections++;
        snprintf(t->last_error, sizeof t->last_error, "%s", err);
        cw_log(CW_LOG_ERROR, "script", "tenant=%s version rejected: %s%s", t->name, err,
               t->current ? " (the running version keeps serving)" : "");
        return -1;
    }
    const char *was = t->current ? t->current->hash : "";
    cw_log(CW_LOG_INFO, "script", "tenant=%s version=%.12s %s%.12s policy=%.12s", t->name,
           v->hash, t->current ? "swapped from=" : "loaded", was,
           v->policy ? v->policy->hash : "none");
    if (!v->policy)
        cw_log(CW_LOG_WARN, "script", "tenant=%s has no policy (%s/policy.lua): its calls "
               "are refused with 503, as no disclosure can be played (G1), unless "
               "serve_without_policy = 1", t->name, t->policy_dir);
    if (t->current)
        t->swaps++;
    t->last_error[0] = 0;
    install(ts, t, v);
    return 0;
}

static cw_tenant *tenant_new(cw_tenants *ts, const char *name)
{
    cw_tenant *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if ((size_t)snprintf(t->name, sizeof t->name, "%s", name) >= sizeof t->name ||
        (size_t)snprintf(t->dir, sizeof t->dir, "%s/%s", ts->scripts_dir, name) >=
            sizeof t->dir ||
        (size_t)snprintf(t->policy_dir, sizeof t->policy_dir, "%s/%s", ts->policies_dir,
                         name) >= sizeof t->policy_dir) {
        cw_log(CW_LOG_WARN, "script", "skipping tenant %s: path too long", name);
        free(t);
        return NULL;
    }
    t->next = ts->head;
    ts->head = t;
    return t;
}

cw_tenant *cw_tenants_find(cw_tenants *ts, const char *name)
{
    for (cw_tenant *t = ts->head; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* Is dir/name a tenant directory (a flow.lua in it)? */
static int is_tenant_dir(const char *dir, const char *name)
{
    char path[CW_PATH_LEN * 2];
    snprintf(path, sizeof path, "%s/%s/flow.lua", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* One pass over scripts_dir: load what is new or changed. Returns the number of
 * versions rejected, or -1 if the directory cannot be read. */
static int scan(cw_tenants *ts, char *err, size_t errlen)
{
    DIR *d = opendir(ts->scripts_dir);
    if (!d)
        return cw_error(err, errlen, "scripts directory %s: %s", ts->scripts_dir,
                        strerror(errno));
    for (cw_tenant *t = ts->head; t; t = t->next)
        t->gone = 1;
    int rejected = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_tenant_dir(ts->scripts_dir, e->d_name))
            continue;
        if (!cw_tenant_name_ok(e->d_name)) {
            cw_log(CW_LOG_WARN, "script", "skipping %s/%s: a tenant name is 1-63 letters, "
                   "digits, '_' or '-', not starting with '_' or '-'", ts->scripts_dir,
                   e->d_name);
            continue;
        }
        cw_tenant *t = cw_tenants_find(ts, e->d_name);
        if (!t && !(t = tenant_new(ts, e->d_name))) {
            rejected++;
            continue;
        }
        t->gone = 0;
        char hash[CW_SHA256_HEX_LEN], phash[CW_SHA256_HEX_LEN] = "", why[512];
        if (cw_tenant_hash_dir(t->dir, hash, why, sizeof why) != 0 ||
            (has_policy(t) && cw_tenant_hash_dir(t->policy_dir, phash, why, sizeof why) != 0)) {
            cw_log(CW_LOG_ERROR, "script", "tenant=%s cannot read its files: %s", t->name,
                   why);
            rejected++;
            continue;
        }
        const char *cur_phash = t->current && t->current->policy ? t->current->policy->hash : "";
        if (t->current && strcmp(hash, t->current->hash) == 0 && strcmp(phash, cur_phash) == 0)
            continue;                  /* unchanged */
        if (t->last_error[0] && strcmp(hash, t->last_hash) == 0 &&
            strcmp(phash, t->last_policy_hash) == 0)
            continue;                  /* still the same broken files: said already */
        snprintf(t->last_hash, sizeof t->last_hash, "%s", hash);
        snprintf(t->last_policy_hash, sizeof t->last_policy_hash, "%s", phash);
        if (load_tenant(ts, t) != 0)
            rejected++;
    }
    closedir(d);
    for (cw_tenant *t = ts->head; t; t = t->next) {
        if (t->gone && t->current) {
            cw_log(CW_LOG_INFO, "script", "tenant=%s removed: no new calls", t->name);
            cw_flow_version *v = t->current;
            t->current = NULL;
            cw_flow_version_release(ts, v);
        }
    }
    return rejected;
}

int cw_tenants_open(cw_tenants *ts, const char *scripts_dir, const char *policies_dir,
                    const cw_tenant_limits *lim, char *err, size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    snprintf(ts->scripts_dir, sizeof ts->scripts_dir, "%s", scripts_dir);
    snprintf(ts->policies_dir, sizeof ts->policies_dir, "%s", policies_dir);
    ts->lim = *lim;
    if (!ts->lim.mem_limit)
        ts->lim.mem_limit = CW_SCRIPT_DEFAULT_MEM;
    if (!ts->lim.budget)
        ts->lim.budget = CW_SCRIPT_DEFAULT_BUDGET;
    if (!ts->lim.call_mem)
        ts->lim.call_mem = CW_SCRIPT_DEFAULT_CALL_MEM;
    return scan(ts, err, errlen) < 0 ? -1 : 0;
}

int cw_tenants_reload(cw_tenants *ts)
{
    char err[512];
    int rc = scan(ts, err, sizeof err);
    if (rc < 0)
        cw_log(CW_LOG_ERROR, "script", "reload: %s (every tenant keeps its version)", err);
    return rc < 0 ? 1 : rc;
}

cw_flow_version *cw_tenant_acquire(cw_tenant *t)
{
    if (!t || t->gone || !t->current)
        return NULL;
    t->current->refs++;
    return t->current;
}

void cw_flow_version_release(cw_tenants *ts, cw_flow_version *v)
{
    if (--v->refs > 0)
        return;
    cw_log(CW_LOG_DEBUG, "script", "tenant=%s version=%.12s freed", v->st.tenant, v->hash);
    ts->versions_live--;
    cw_flow_version_free(v);
}

void cw_tenants_close(cw_tenants *ts)
{
    cw_tenant *t = ts->head;
    while (t) {
        cw_tenant *next = t->next;
        if (t->current)
            cw_flow_version_release(ts, t->current);
        free(t);
        t = next;
    }
    ts->head = NULL;
}
