/* query.c  What the core asks a loaded policy: the language for a caller, a wording,
 * a level, whether a level covers a purpose (G2, G3: the gate admits a purpose only if
 * the chosen level covers it). A policy is immutable once loaded; these only read. */
#include <string.h>

#include "callwarden/policy.h"

/* The caller's number with spaces and the usual separators removed, and a leading
 * international "00" written "+", as the prefixes are written ("+44"). */
static void normalise(const char *number, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = number ? number : "";
    if (p[0] == '0' && p[1] == '0') {
        if (n + 1 < cap)
            out[n++] = '+';
        p += 2;
    }
    for (; *p && n + 1 < cap; p++) {
        if (*p == ' ' || *p == '\t' || *p == '-' || *p == '.' || *p == '(' || *p == ')' ||
            *p == '/')
            continue;
        out[n++] = *p;
    }
    out[n] = 0;
}

const cw_policy_lang *cw_policy_lang_get(const cw_policy *p, const char *lang)
{
    if (!p || !lang)
        return NULL;
    for (size_t i = 0; i < p->nlangs; i++)
        if (strcmp(p->langs[i].lang, lang) == 0)
            return &p->langs[i];
    return NULL;
}

const cw_policy_lang *cw_policy_lang_for(const cw_policy *p, const char *number)
{
    char num[64];
    normalise(number, num, sizeof num);
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < p->nprefixes; i++) {
        size_t len = strlen(p->prefixes[i].prefix);
        if (len > best_len && strncmp(num, p->prefixes[i].prefix, len) == 0) {
            best = p->prefixes[i].lang;
            best_len = len;
        }
    }
    const cw_policy_lang *l = best ? cw_policy_lang_get(p, best) : NULL;
    if (!l)
        l = cw_policy_lang_get(p, p->default_lang);
    return l ? l : &p->langs[0];       /* a loaded policy always has its default */
}

const cw_policy_level *cw_policy_level_get(const cw_policy *p, const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->nlevels; i++)
        if (strcmp(p->levels[i].name, name) == 0)
            return &p->levels[i];
    return NULL;
}

int cw_policy_level_covers(const cw_policy_level *l, const char *purpose)
{
    if (!l || !purpose)
        return 0;
    for (size_t i = 0; i < l->npurposes; i++)
        if (strcmp(l->purposes[i], purpose) == 0)
            return 1;
    return 0;
}
