/* purposes.c  What a consent can be for. A level lists purposes, and every one must
 * mean something: the core's vocabulary below, or the tenant's own, declared with a
 * description in purposes { ... }. A typo ("call_handlign") is then an unknown purpose
 * with file:line, not a consent nobody can use; and every purpose has the words the
 * privacy notice needs (Art. 13(1)(c)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy_int.h"

static const struct { const char *name, *description; } core_purposes[] = {
    { "call_handling", "handling this call and the request made in it" },
    { "transcription", "a written transcript of the call" },
    { "ai_processing", "processing of what is said by the AI assistant during the call" },
    { "ai_improvement", "improving the AI assistant with the call" },
    { "quality_assurance", "checking the quality of the service" },
    { "personalised_offers", "personalised offers" },
    { "marketing", "advertising and marketing" },
    { "analytics", "statistics about calls" },
    { "crm_sync", "passing the request on to the business's customer records" },
};

const char *cw_policy_purpose_description(const cw_policy *p, const char *purpose)
{
    for (size_t i = 0; p && i < p->nown_purposes; i++)
        if (strcmp(p->own_purposes[i].name, purpose) == 0)
            return p->own_purposes[i].description;
    for (size_t i = 0; i < sizeof core_purposes / sizeof core_purposes[0]; i++)
        if (strcmp(core_purposes[i].name, purpose) == 0)
            return core_purposes[i].description;
    return NULL;
}

void pol_validate_purposes(pol_ctx *cx)
{
    const pol_decl *d = pol_find(cx->decls, POL_PURPOSES, NULL);
    if (!d)
        return;
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    pol_push_decl(L, d);
    int idx = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (!name || !pol_name_ok(name)) {
            pol_error(cx->errors, d->line, "purposes: \"%.40s\" is not a purpose name (1-32 "
                      "of a-z, 0-9 and _)", name ? name : pol_type_desc(lua_type(L, -2)));
        } else if (cw_policy_purpose_description(p, name)) {
            pol_error(cx->errors, d->line, "purposes: \"%s\" is %s", name,
                      cw_policy_purpose_description(NULL, name) ? "one of the core's already"
                                                                 : "declared twice");
        } else if (p->nown_purposes == sizeof p->own_purposes / sizeof p->own_purposes[0]) {
            pol_error(cx->errors, d->line, "purposes: more than %zu of them",
                      sizeof p->own_purposes / sizeof p->own_purposes[0]);
        } else {
            char what[96], *desc = NULL;
            snprintf(what, sizeof what, "the description of purpose \"%s\"", name);
            if (pol_text_at(cx, lua_gettop(L), d->line, what, &desc) > 0) {
                snprintf(p->own_purposes[p->nown_purposes].name, CW_POLICY_NAME_LEN, "%s",
                         name);
                p->own_purposes[p->nown_purposes++].description = desc;
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}
