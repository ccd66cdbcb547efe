/*
 * tenant.h  The tenant registry: every business is a directory scripts/<tenant>/ with
 * its flow.lua (+ its own modules and prompts) and policies/<tenant>/. Each tenant's
 * flow runs in a lua_State of its own (G8), loaded as a version: the SHA-256 of the
 * tenant's files. A version carries the tenant's policy (policies/<tenant>/policy.lua)
 * as it was loaded with the flow: a change to either builds a new version in a fresh
 * state, swapped in only if both load; calls in progress keep the version (and the
 * policy) they started on, which is freed when its last call ends.
 *
 * All of it runs on the loop thread.
 */
#ifndef CALLWARDEN_TENANT_H
#define CALLWARDEN_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "callwarden/config.h"
#include "callwarden/crypto.h"
#include "callwarden/policy.h"
#include "callwarden/script.h"

#define CW_TENANT_NAME_LEN 64

typedef struct cw_tenant cw_tenant;

/* How much one tenant's Lua may take. */
typedef struct cw_tenant_limits {
    size_t mem_limit;               /* bytes per tenant state (per version) */
    size_t call_mem;                /* bytes one call's flow may hold */
    uint64_t budget;                /* VM instructions per resume */
} cw_tenant_limits;

/* One loaded version of a tenant's flow. */
typedef struct cw_flow_version {
    cw_script_state st;             /* its own lua_State */
    cw_tenant *tenant;
    char hash[CW_SHA256_HEX_LEN];   /* SHA-256 over the tenant's files */
    int flow_ref;                   /* registry: the compiled function(_ENV, call, ...) */
    int env_mt_ref;                 /* registry: the metatable of every call's _ENV */
    unsigned refs;                  /* calls on it, + 1 while it is the current one */
    size_t call_mem;                /* the per-call share (from the limits) */
    cw_policy *policy;              /* policies/<tenant>/policy.lua as loaded with this
                                       flow (NULL: the tenant has no policy directory);
                                       owned, freed with the version */
} cw_flow_version;

struct cw_tenant {
    char name[CW_TENANT_NAME_LEN];
    char dir[CW_PATH_LEN];          /* scripts/<name> */
    char policy_dir[CW_PATH_LEN];   /* policies/<name> (filled by the policy issue) */
    cw_flow_version *current;       /* NULL while no version loaded */
    char last_error[512];           /* why the last load was rejected, "" if it was not */
    char last_hash[CW_SHA256_HEX_LEN];  /* the files' hash at the last load attempt */
    char last_policy_hash[CW_SHA256_HEX_LEN];  /* ... and the policy's ("" if none) */
    unsigned swaps, rejections;
    int gone;                       /* its directory was removed: no new calls */
    cw_tenant *next;
};

typedef struct cw_tenants {
    char scripts_dir[CW_PATH_LEN];
    char policies_dir[CW_PATH_LEN];
    cw_tenant_limits lim;
    cw_tenant *head;
    size_t versions_live;           /* loaded versions not yet freed, current or old */
} cw_tenants;

/*
 * Scan scripts_dir: every subdirectory with a flow.lua is a tenant, loaded at once.
 * A tenant that fails to load is kept (calls to it get the fallback answer) and its
 * error is logged. Returns 0, or -1 with a reason in err if scripts_dir is unreadable.
 */
int cw_tenants_open(cw_tenants *ts, const char *scripts_dir, const char *policies_dir,
                    const cw_tenant_limits *lim, char *err, size_t errlen);

/*
 * Rescan and reload: a tenant whose files' hash changed gets a new version if it
 * loads, else keeps its old one (rejected, logged with file:line); new directories
 * become tenants; removed ones take no new calls. Returns the number of rejections.
 */
int cw_tenants_reload(cw_tenants *ts);

/* The tenant called name, or NULL. */
cw_tenant *cw_tenants_find(cw_tenants *ts, const char *name);

/* Take a reference on the tenant's current version for a new call; NULL if none. */
cw_flow_version *cw_tenant_acquire(cw_tenant *t);

/* Drop a reference; the version (and its lua_State) is freed with its last one. */
void cw_flow_version_release(cw_tenants *ts, cw_flow_version *v);

/* Free every tenant; no call may hold a version any more. */
void cw_tenants_close(cw_tenants *ts);

/*
 * Load the tenant in dir (named name) as a version without installing it: hash its
 * files, compile flow.lua in a fresh sandbox. Returns the version (refs 0), or NULL
 * with "<tenant>/flow.lua:LINE: message" in err. Used by reload and `callwarden check`.
 */
cw_flow_version *cw_flow_version_load(const char *name, const char *dir,
                                      const cw_tenant_limits *lim, char *err,
                                      size_t errlen);

/* Free a version that no call holds. */
void cw_flow_version_free(cw_flow_version *v);

/* Hash the regular files under dir (hidden files and editor backups skipped) in path
 * order into hex. Returns 0, or -1 with a reason in err. */
int cw_tenant_hash_dir(const char *dir, char hex[CW_SHA256_HEX_LEN], char *err,
                       size_t errlen);

/* A valid tenant name: 1-63 of [A-Za-z0-9_-], not starting with '_' or '-'. */
int cw_tenant_name_ok(const char *name);

/* A tenant directory's path without trailing slashes into clean (cap bytes); returns
 * its last part, the tenant's name (inside clean). */
const char *cw_tenant_name_of_dir(const char *dir, char *clean, size_t cap);

#endif
