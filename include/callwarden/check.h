/* check.h  `callwarden check`: a tenant's flow and modules validated without running
 * them (compiled in the sandbox, undefined globals found), file:line for each problem. */
#ifndef CALLWARDEN_CHECK_H
#define CALLWARDEN_CHECK_H

#include <stdio.h>

/* Check the tenant name in dir; problems go to out as "tenant/file:line: message".
 * Returns the number of problems (0: "name: ok, version ..." was printed). */
int cw_check_tenant(const char *name, const char *dir, FILE *out);

/* Check path: a tenant directory (it has a flow.lua) or a directory of tenants;
 * *tenants counts the tenants seen. Returns the number of problems. */
int cw_check_path(const char *path, FILE *out, int *tenants);

#endif
