/* validate.c  A policy's statements checked in C and turned into a cw_policy: who the
 * controller is (Art. 13 GDPR), where the law applies, the languages a caller may get,
 * where the full notice is, the answer timeouts; then the levels and keys (levels.c)
 * and every wording (wording.c). Each problem names its statement's line; a problem
 * about something missing names line 1, or the languages statement for a language
 * without its wording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy_int.h"

#define DEFAULT_ANSWER_MS 6000
#define DEFAULT_RETRIES 2

cw_policy_lang *pol_lang_mut(cw_policy *p, const char *lang)
{
    for (size_t i = 0; i < p->nlangs; i++)
        if (strcmp(p->langs[i].lang, lang) == 0)
            return &p->langs[i];
    return NULL;
}

/* [-0, +1] The table of decl d for reading, described as what. */
static pol_table open_decl(pol_ctx *cx, const pol_decl *d, const char *what)
{
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), what, d->line };
    return t;
}

static void controller(pol_ctx *cx)
{
    const pol_decl *d = pol_find(cx->decls, POL_CONTROLLER, NULL);
    if (!d) {
        pol_error(cx->errors, 1, "no controller statement: a policy names who is responsible "
                  "(Art. 13 GDPR): controller { name = \"...\", contact = \"...\" }");
        return;
    }
    pol_table t = open_decl(cx, d, "controller");
    static const char *const fields[] = { "name", "address", "contact", "dpo", NULL };
    pol_only_fields(&t, fields, 0);
    pol_text(&t, "name", 1, &cx->p->controller_name);
    pol_text(&t, "address", 0, &cx->p->controller_address);
    pol_text(&t, "contact", 1, &cx->p->controller_contact);
    pol_text(&t, "dpo", 0, &cx->p->dpo);
    lua_pop(cx->L, 1);
}

static void jurisdiction(pol_ctx *cx)
{
    const pol_decl *d = pol_find(cx->decls, POL_JURISDICTION, NULL);
    if (!d) {
        pol_error(cx->errors, 1, "no jurisdiction statement: the country whose law applies, "
                  "jurisdiction \"DE\"");
        return;
    }
    pol_push_decl(cx->L, d);
    size_t len;
    const char *s = lua_tolstring(cx->L, -1, &len);
    if (len == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z')
        memcpy(cx->p->jurisdiction, s, 3);
    else
        pol_error(cx->errors, d->line, "jurisdiction \"%.16s\" is not a country code (two "
                  "upper-case letters, ISO 3166: \"DE\", \"AT\")", s);
    lua_pop(cx->L, 1);
}

/* A prefix as callers' numbers are matched: spaces removed, "+" and 1-14 digits. */
static int prefix_clean(const char *in, char out[16])
{
    size_t n = 0;
    for (const char *c = in; *c; c++) {
        if (*c == ' ')
            continue;
        if (n == 15)
            return 0;
        out[n++] = *c;
    }
    out[n] = 0;
    if (n < 2 || out[0] != '+')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (out[i] < '0' || out[i] > '9')
            return 0;
    return 1;
}

static void prefixes(pol_ctx *cx, int idx, int line)
{
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "field \"prefixes\" of languages must be a table "
                  "({ [\"+44\"] = \"en\" }), not %s", pol_type_desc(lua_type(L, idx)));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            pol_error(cx->errors, line, "prefixes of languages: a prefix is a string "
                      "such as [\"+44\"], not %s", pol_type_desc(lua_type(L, -2)));
            lua_pop(L, 1);
            continue;
        }
        const char *raw = lua_tostring(L, -2);
        char clean[16];
        const char *lang = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!prefix_clean(raw, clean)) {
            pol_error(cx->errors, line, "prefix \"%.32s\" of languages is not \"+\" and 1-14 "
                      "digits (\"+44\")", raw);
        } else if (!lang) {
            pol_error(cx->errors, line, "prefix \"%s\" of languages must map to a language "
                      "(\"en\"), not %s", clean, pol_type_desc(lua_type(L, -1)));
        } else if (!pol_lang_mut(p, lang)) {
            pol_error(cx->errors, line, "prefix \"%s\" maps to \"%.16s\", which is not among "
                      "the languages", clean, lang);
        } else {
            size_t i;
            for (i = 0; i < p->nprefixes; i++)
                if (strcmp(p->prefixes[i].prefix, clean) == 0)
                    break;
            if (i < p->nprefixes) {
                pol_error(cx->errors, line, "prefix \"%s\" of languages is given twice", clean);
            } else if (p->nprefixes == CW_POLICY_MAX_PREFIXES) {
                pol_error(cx->errors, line, "more than %d prefixes in languages",
                          CW_POLICY_MAX_PREFIXES);
                lua_pop(L, 2);
                return;
            } else {
                snprintf(p->prefixes[p->nprefixes].prefix, sizeof p->prefixes[0].prefix, "%s",
                         clean);
                snprintf(p->prefixes[p->nprefixes].lang, sizeof p->prefixes[0].lang, "%s",
                         lang);
                p->nprefixes++;
            }
        }
        lua_pop(L, 1);
    }
}

/* menu = { ["1"] = "de", ["2"] = "en", prompt = "..." }: after the disclosure in the
 * caller's first language, a key chooses another (and the disclosure is said again). */
static void menu(pol_ctx *cx, int idx, int line)
{
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "field \"menu\" of languages must be a table "
                  "({ [\"1\"] = \"de\", [\"2\"] = \"en\", prompt = \"...\" }), not %s",
                  pol_type_desc(lua_type(L, idx)));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        const char *lang = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (k && strcmp(k, "prompt") == 0) {
            pol_text_at(cx, lua_gettop(L), line, "the prompt of the language menu",
                        &p->menu_prompt);
        } else if (!k || strlen(k) != 1 || !strchr("0123456789*#", k[0])) {
            pol_error(cx->errors, line, "language menu: \"%.16s\" is not a key (0-9 * #) "
                      "or prompt", k ? k : pol_type_desc(lua_type(L, -2)));
        } else if (!lang || !pol_lang_mut(p, lang)) {
            pol_error(cx->errors, line, "language menu: key \"%s\" must map to one of the "
                      "languages", k);
        } else if (p->nmenu == CW_POLICY_MAX_LANGS) {
            pol_error(cx->errors, line, "language menu: more keys than languages");
        } else {
            for (size_t i = 0; i < p->nmenu; i++)
                if (p->menu[i].key == k[0] || strcmp(p->menu[i].lang, lang) == 0)
                    pol_error(cx->errors, line, "language menu: key \"%s\" or language "
                              "\"%s\" given twice", k, lang);
            p->menu[p->nmenu].key = k[0];
            snprintf(p->menu[p->nmenu].lang, sizeof p->menu[0].lang, "%s", lang);
            p->nmenu++;
        }
        lua_pop(L, 1);
    }
    if (!p->menu_prompt)
        pol_error(cx->errors, line, "the language menu has no prompt (prompt = \"Für Deutsch "
                  "die 1, for English press 2.\")");
    if (p->nmenu < 2)
        pol_error(cx->errors, line, "the language menu offers fewer than two languages");
}

static void languages(pol_ctx *cx)
{
    lua_State *L = cx->L;
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_LANGUAGES, NULL);
    if (!d) {
        cx->languages_line = 1;
        pol_error(cx->errors, 1, "no languages statement: languages { default = \"de\", "
                  "\"de\", \"en\" }");
        return;
    }
    cx->languages_line = d->line;
    pol_table t = open_decl(cx, d, "languages");
    static const char *const fields[] = { "default", "prefixes", "menu", NULL };
    pol_only_fields(&t, fields, 1);
    size_t n = lua_rawlen(L, t.idx);
    for (size_t i = 1; i <= n; i++) {
        int type = lua_rawgeti(L, t.idx, (lua_Integer)i);
        const char *s = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!s)
            pol_error(cx->errors, d->line, "language %zu of languages must be a string "
                      "(\"de\"), not %s", i, pol_type_desc(type));
        else if (!pol_lang_ok(s))
            pol_error(cx->errors, d->line, "languages: \"%.16s\" is not a language code "
                      "(\"de\", \"en\", \"de-CH\")", s);
        else if (pol_lang_mut(p, s))
            pol_error(cx->errors, d->line, "languages: \"%s\" is listed twice", s);
        else if (p->nlangs == CW_POLICY_MAX_LANGS) {
            pol_error(cx->errors, d->line, "languages: more than %d languages",
                      CW_POLICY_MAX_LANGS);
            lua_pop(L, 1);
            break;
        } else
            snprintf(p->langs[p->nlangs++].lang, sizeof p->langs[0].lang, "%s", s);
        lua_pop(L, 1);
    }
    if (n == 0)
        pol_error(cx->errors, d->line, "languages lists no language: languages { default = "
                  "\"de\", \"de\" }");

    int type = pol_field(&t, "default");
    const char *def = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (type == LUA_TNIL)
        pol_error(cx->errors, d->line, "languages has no default (default = \"de\": the "
                  "language of callers no prefix matches)");
    else if (!def)
        pol_error(cx->errors, d->line, "field \"default\" of languages must be a string, "
                  "not %s", pol_type_desc(type));
    else if (!pol_lang_mut(p, def))
        pol_error(cx->errors, d->line, "default language \"%.16s\" is not among the listed "
                  "languages", def);
    else
        snprintf(p->default_lang, sizeof p->default_lang, "%s", def);
    lua_pop(L, 1);

    if (pol_field(&t, "prefixes") != LUA_TNIL)
        prefixes(cx, lua_gettop(L), d->line);
    lua_pop(L, 1);
    if (pol_field(&t, "menu") != LUA_TNIL)
        menu(cx, lua_gettop(L), d->line);
    lua_pop(L, 2);
}

/* An https:// URL with a host, and nothing that is not a URL character. */
static int https_ok(const char *u)
{
    if (strncmp(u, "https://", 8) != 0 || u[8] == 0 || u[8] == '/' || u[8] == ':')
        return 0;
    for (const char *c = u; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '"' || *c == '<' || *c == '>' || *c == '\\')
            return 0;
    return 1;
}

/* local@domain.tld, no spaces. */
static int email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    if (!at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return 0;
    const char *last_dot = strrchr(at + 1, '.');
    if (last_dot == at + 1 || last_dot[1] == 0)
        return 0;
    for (const char *c = e; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '<' || *c == '>' || *c == '"' || *c == ',')
            return 0;
    return 1;
}

static void notice(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_NOTICE, NULL);
    if (!d) {
        pol_error(cx->errors, 1, "no notice statement: where the caller finds the full "
                  "privacy notice, notice { url = \"https://...\", email = \"...\" }");
        return;
    }
    pol_table t = open_decl(cx, d, "notice");
    static const char *const fields[] = { "url", "email", NULL };
    pol_only_fields(&t, fields, 0);
    int url = pol_text(&t, "url", 0, &p->notice_url);
    int email = pol_text(&t, "email", 0, &p->notice_email);
    if (url > 0 && !https_ok(p->notice_url)) {
        if (strncmp(p->notice_url, "http://", 7) == 0)
            pol_error(cx->errors, d->line, "notice url \"%.200s\" is http://: the notice "
                      "must be served over https://", p->notice_url);
        else
            pol_error(cx->errors, d->line, "notice url \"%.200s\" is not an https:// URL",
                      p->notice_url);
    }
    if (email > 0 && !email_ok(p->notice_email))
        pol_error(cx->errors, d->line, "notice email \"%.200s\" is not an e-mail address",
                  p->notice_email);
    if (url == 0 && email == 0)
        pol_error(cx->errors, d->line, "notice has neither url nor email (one at least: "
                  "where the caller finds the full privacy notice)");
    lua_pop(cx->L, 1);
}

static void timeouts(pol_ctx *cx)
{
    cx->p->answer_timeout_ms = DEFAULT_ANSWER_MS;
    cx->p->retries = DEFAULT_RETRIES;
    const pol_decl *d = pol_find(cx->decls, POL_TIMEOUTS, NULL);
    if (!d)
        return;
    pol_table t = open_decl(cx, d, "timeouts");
    static const char *const fields[] = { "answer_ms", "retries", NULL };
    pol_only_fields(&t, fields, 0);
    long long v;
    if (pol_int(&t, "answer_ms", 1000, 60000, DEFAULT_ANSWER_MS, &v) >= 0)
        cx->p->answer_timeout_ms = (unsigned)v;
    if (pol_int(&t, "retries", 0, 5, DEFAULT_RETRIES, &v) >= 0)
        cx->p->retries = (unsigned)v;
    lua_pop(cx->L, 1);
}

void pol_validate(pol_ctx *cx)
{
    /* level "basic" without its { ... }: nothing was declared */
    for (size_t i = 0; i < cx->decls->n; i++) {
        const pol_decl *d = &cx->decls->d[i];
        if (d->ref == LUA_NOREF)
            pol_error(cx->errors, d->line, "%s \"%s\" has no table: write %s \"%s\" { ... }",
                      pol_kind_name(d->kind), d->name, pol_kind_name(d->kind), d->name);
    }
    controller(cx);
    jurisdiction(cx);
    languages(cx);
    notice(cx);
    timeouts(cx);
    pol_validate_purposes(cx);
    pol_validate_levels(cx);
    pol_validate_wording(cx);
    pol_validate_egress(cx);
}
