/* levels.c  The consent levels and the keys (G3, G5, G7). A level is what a caller
 * agrees to by pressing its key: purposes, a retention with a unit, recipients and a
 * minimum age (Art. 8 GDPR: under 16 a parent consents). The loader invents no level:
 * a policy without one is refused, since a call cannot ask for a consent it does not
 * define. The keys must be distinct: a key that both accepts a level and withdraws
 * would make one press mean two things, so every collision names both lines.
 *
 * keys.withdraw is "0" when not given (G5: a caller can always withdraw during the
 * call); keys.more and keys.human are offered only when given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy_int.h"

#define DEFAULT_WITHDRAW '0'
#define RECIPIENTS_MAX 16

static void purposes(pol_table *t, cw_policy_level *l)
{
    lua_State *L = t->cx->L;
    int type = pol_field(t, "purposes");
    if (type == LUA_TNIL) {
        pol_error(t->cx->errors, t->line, "%s has no purposes (purposes = { "
                  "\"call_handling\" })", t->what);
    } else if (type != LUA_TTABLE) {
        pol_error(t->cx->errors, t->line, "field \"purposes\" of %s must be a list of names, "
                  "not %s", t->what, pol_type_desc(type));
    } else {
        char what[96];
        snprintf(what, sizeof what, "purposes of %s", t->what);
        pol_table pt = { t->cx, lua_gettop(L), what, t->line };
        pol_only_fields(&pt, NULL, 1);
        size_t n = lua_rawlen(L, pt.idx);
        if (n == 0)
            pol_error(t->cx->errors, t->line, "%s has no purposes (purposes = { "
                      "\"call_handling\" })", t->what);
        for (size_t i = 1; i <= n; i++) {
            int et = lua_rawgeti(L, pt.idx, (lua_Integer)i);
            const char *s = et == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            if (!s) {
                pol_error(t->cx->errors, t->line, "purpose %zu of %s must be a name, not %s",
                          i, t->what, pol_type_desc(et));
            } else if (!pol_name_ok(s)) {
                pol_error(t->cx->errors, t->line, "purpose \"%.40s\" of %s: a purpose name "
                          "is 1-32 of a-z, 0-9 and _", s, t->what);
            } else if (!cw_policy_purpose_description(t->cx->p, s)) {
                pol_error(t->cx->errors, t->line, "unknown purpose \"%s\" in %s (the core "
                          "knows call_handling, transcription, ai_processing, "
                          "ai_improvement, quality_assurance, personalised_offers, "
                          "marketing, analytics, crm_sync; declare your own in purposes "
                          "{ %s = \"what it is for\" })", s, t->what, s);
            } else if (cw_policy_level_covers(l, s)) {
                pol_error(t->cx->errors, t->line, "purpose \"%s\" is listed twice in %s", s,
                          t->what);
            } else if (l->npurposes == CW_POLICY_MAX_PURPOSES) {
                pol_error(t->cx->errors, t->line, "%s has more than %d purposes", t->what,
                          CW_POLICY_MAX_PURPOSES);
                lua_pop(L, 1);
                break;
            } else {
                snprintf(l->purposes[l->npurposes++], CW_POLICY_NAME_LEN, "%s", s);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static void retention(pol_table *t, cw_policy_level *l)
{
    lua_State *L = t->cx->L;
    int type = pol_field(t, "retention");
    if (type == LUA_TNIL) {
        pol_error(t->cx->errors, t->line, "%s has no retention (retention = \"30d\")",
                  t->what);
    } else if (type == LUA_TNUMBER) {
        pol_error(t->cx->errors, t->line, "%s: retention without a unit: write a string "
                  "with one of m, h, d, w, y (\"30d\")", t->what);
    } else if (type != LUA_TSTRING) {
        pol_error(t->cx->errors, t->line, "field \"retention\" of %s must be a string such "
                  "as \"30d\", not %s", t->what, pol_type_desc(type));
    } else {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (len >= sizeof l->retention || strlen(s) != len)
            pol_error(t->cx->errors, t->line, "%s: retention \"%.20s\" is not a number and "
                      "a unit (\"30d\")", t->what, s);
        else if (all_digits(s))
            pol_error(t->cx->errors, t->line, "%s: retention \"%s\" without a unit (m, h, d, "
                      "w or y: \"%sd\")", t->what, s, s);
        else if (cw_policy_parse_retention(s, &l->retention_ms) != 0)
            pol_error(t->cx->errors, t->line, "%s: retention \"%s\" is not a whole number "
                      "and one unit of m(inutes), h, d, w, y (\"30d\", at most 100y)",
                      t->what, s);
        else
            snprintf(l->retention, sizeof l->retention, "%s", s);
    }
    lua_pop(L, 1);
}

/* Append ", s" (or s) to the C string *all. Returns 0, or -1 out of memory. */
static int join(char **all, const char *s)
{
    size_t have = *all ? strlen(*all) : 0, add = strlen(s);
    char *n = realloc(*all, have + add + 3);
    if (!n)
        return -1;
    if (have) {
        memcpy(n + have, ", ", 2);
        have += 2;
    }
    memcpy(n + have, s, add + 1);
    *all = n;
    return 0;
}

/* recipients = { "A", "B" } -> "A, B" ("" when absent or empty). Joined in C: a
 * memory error raised by Lua between two steps would leak a C string. */
static void recipients(pol_table *t, cw_policy_level *l)
{
    lua_State *L = t->cx->L;
    int type = pol_field(t, "recipients");
    if (type == LUA_TTABLE) {
        char what[96];
        snprintf(what, sizeof what, "recipients of %s", t->what);
        pol_table rt = { t->cx, lua_gettop(L), what, t->line };
        pol_only_fields(&rt, NULL, 1);
        size_t n = lua_rawlen(L, rt.idx);
        if (n > RECIPIENTS_MAX) {
            pol_error(t->cx->errors, t->line, "%s has more than %d recipients", t->what,
                      RECIPIENTS_MAX);
            n = RECIPIENTS_MAX;
        }
        l->recipients = strdup("");
        for (size_t i = 1; i <= n && l->recipients; i++) {
            lua_rawgeti(L, rt.idx, (lua_Integer)i);
            char ewhat[128], *s = NULL;
            snprintf(ewhat, sizeof ewhat, "recipient %zu of %s", i, t->what);
            if (pol_text_at(t->cx, -1, t->line, ewhat, &s) > 0) {
                if (strchr(s, ','))
                    pol_error(t->cx->errors, t->line, "%s contains a comma (recipients are "
                              "kept comma-separated)", ewhat);
                if (join(&l->recipients, s) != 0) {
                    free(l->recipients);
                    l->recipients = NULL;
                }
                free(s);
            }
            lua_pop(L, 1);
        }
    } else {
        if (type != LUA_TNIL)
            pol_error(t->cx->errors, t->line, "field \"recipients\" of %s must be a list of "
                      "names, not %s", t->what, pol_type_desc(type));
        l->recipients = strdup("");
    }
    if (!l->recipients)
        pol_error(t->cx->errors, t->line, "%s: out of memory", t->what);
    lua_pop(L, 1);
}

static void one_level(pol_ctx *cx, const pol_decl *d)
{
    cw_policy *p = cx->p;
    if (p->nlevels == CW_POLICY_MAX_LEVELS) {
        pol_error(cx->errors, d->line, "more than %d levels", CW_POLICY_MAX_LEVELS);
        return;
    }
    cw_policy_level *l = &p->levels[p->nlevels++];
    snprintf(l->name, sizeof l->name, "%.32s", d->name);
    l->line = d->line;
    char what[64];
    snprintf(what, sizeof what, "level \"%.32s\"", d->name);
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), what, d->line };
    static const char *const fields[] = { "key", "purposes", "retention", "recipients",
                                          "min_age", NULL };
    pol_only_fields(&t, fields, 0);
    pol_dtmf(&t, "key", 1, &l->key);
    purposes(&t, l);
    retention(&t, l);
    recipients(&t, l);
    long long age;
    pol_int(&t, "min_age", 0, 120, 0, &age);
    l->min_age = (unsigned)age;
    lua_pop(cx->L, 1);
}

static void keys(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    p->key_withdraw = DEFAULT_WITHDRAW;
    const pol_decl *d = pol_find(cx->decls, POL_KEYS, NULL);
    if (!d)
        return;
    cx->keys_line = d->line;
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), "keys", d->line };
    static const char *const fields[] = { "more", "withdraw", "human", NULL };
    pol_only_fields(&t, fields, 0);
    pol_dtmf(&t, "more", 0, &p->key_more);
    char w = 0;
    if (pol_dtmf(&t, "withdraw", 0, &w) > 0) {
        p->key_withdraw = w;
        cx->keys_withdraw_given = 1;
    }
    pol_dtmf(&t, "human", 0, &p->key_human);
    lua_pop(cx->L, 1);

    struct { const char *name; char key; } k[3] = {
        { "more", p->key_more }, { "withdraw", p->key_withdraw }, { "human", p->key_human },
    };
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (k[i].key && k[i].key == k[j].key)
                pol_error(cx->errors, d->line, "keys: %s and %s are both \"%c\"", k[i].name,
                          k[j].name, k[i].key);
}

/* A level's key against the keys statement and the levels before it. */
static void key_collisions(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    struct { const char *name; char key; } k[3] = {
        { "more", p->key_more }, { "withdraw", p->key_withdraw }, { "human", p->key_human },
    };
    for (size_t i = 0; i < p->nlevels; i++) {
        cw_policy_level *l = &p->levels[i];
        if (!l->key)
            continue;
        for (size_t j = 0; j < i; j++)
            if (p->levels[j].key == l->key)
                pol_error(cx->errors, l->line, "level \"%s\": key \"%c\" is also the key of "
                          "level \"%s\" (line %d)", l->name, l->key, p->levels[j].name,
                          p->levels[j].line);
        for (int n = 0; n < 3; n++) {
            if (k[n].key != l->key)
                continue;
            if (n == 1 && !cx->keys_withdraw_given)
                pol_error(cx->errors, l->line, "level \"%s\": key \"%c\" is the withdraw key "
                          "(keys.withdraw is \"0\" when not given)", l->name, l->key);
            else
                pol_error(cx->errors, l->line, "level \"%s\": key \"%c\" is also keys.%s "
                          "(line %d)", l->name, l->key, k[n].name, cx->keys_line);
        }
    }
}

void pol_validate_levels(pol_ctx *cx)
{
    for (size_t i = 0; i < cx->decls->n; i++) {
        const pol_decl *d = &cx->decls->d[i];
        if (d->kind == POL_LEVEL && d->ref != LUA_NOREF)
            one_level(cx, d);
    }
    if (!pol_find(cx->decls, POL_LEVEL, NULL))
        pol_error(cx->errors, 1, "no level statement: a policy must offer at least one "
                  "consent level (even a business that records nothing has level \"basic\" "
                  "{ key = \"1\", purposes = { \"call_handling\" }, retention = \"1d\" })");
    keys(cx);
    key_collisions(cx);
}
