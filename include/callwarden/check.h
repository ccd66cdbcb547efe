/* check.h  `callwarden check`: a tenant's flow and modules validated without running
 * them (compiled in the sandbox, undefined globals found), and its policy loaded and
 * validated (policy.h), file:line for each problem. */
#ifndef CALLWARDEN_CHECK_H
#define CALLWARDEN_CHECK_H

#include <stdio.h>

/* Check the tenant name in dir; problems go to out as "tenant/file:line: message".
 * Returns the number of problems (0: "name: ok, version ..." was printed). */
int cw_check_tenant(const char *name, const char *dir, FILE *out);

/* Check the policy of tenant name in dir (dir/policy.lua), as the runtime loads it;
 * problems go to out as "tenant/policy.lua:line: message", else "tenant/policy.lua:
 * ok, version ..." is printed. Returns the number of problems. */
int cw_check_policy(const char *name, const char *dir, FILE *out);

/* Check path: a tenant directory (it has a flow.lua; its policy ../../policies/<name>
 * is checked too when it exists), a policy directory (it has a policy.lua), or a
 * directory of either; *tenants counts the tenants seen. Returns the number of
 * problems. */
int cw_check_path(const char *path, FILE *out, int *tenants);

/* cw_check_path for each of paths[0..n-1], each policy checked once however it was
 * reached (scripts/ and policies/ both named). Returns the number of problems. */
int cw_check_paths(const char *const *paths, int n, FILE *out, int *tenants);

/* The tenants of scripts_dir and the policies of policies_dir (skipped if it does not
 * exist), each once: `callwarden check` without arguments. */
int cw_check_dirs(const char *scripts_dir, const char *policies_dir, FILE *out,
                  int *tenants);

#endif
