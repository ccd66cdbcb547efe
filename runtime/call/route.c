/* route.c  Which tenant a call reaches: the configured number map first ("route =
 * NUMBER TENANT"), then a tenant named like the request-URI user, then the default
 * tenant; otherwise 404. */
#include <stdio.h>
#include <string.h>

#include "callwarden/runtime.h"
#include "call_int.h"

cw_tenant *cw_route_find(cw_runtime *rt, const char *user, char *why, size_t whylen)
{
    const cw_config *cfg = &rt->cfg;
    const char *name = NULL;
    for (size_t i = 0; i < cfg->nroutes && user; i++) {
        if (strcmp(cfg->routes[i].number, user) == 0) {
            name = cfg->routes[i].tenant;
            break;
        }
    }
    cw_tenant *t = NULL;
    if (name)
        t = cw_tenants_find(&rt->tenants, name);
    else if (user && user[0])
        t = cw_tenants_find(&rt->tenants, user);
    if ((!t || t->gone) && cfg->default_tenant[0])
        t = cw_tenants_find(&rt->tenants, cfg->default_tenant);
    if (t && t->gone)
        t = NULL;
    if (!t)
        snprintf(why, whylen, name ? "the tenant of this number is not loaded"
                                   : "no tenant for this number");
    return t;
}
