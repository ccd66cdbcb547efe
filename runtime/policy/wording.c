/* wording.c  What a caller hears, per language: the AI disclosure (G1), the consent
 * question and its answers (G3), the speech words that count as yes and no, the notice
 * before a handover (G9) and the fallback's goodbye (G10). Every listed language has a
 * disclosure and a consent wording; no wording is for a language that is not listed.
 *
 * A disclosure's recording must be a WAV file inside the policy directory that the
 * media part can play (cw_wav_load), so that G1 never meets a file it cannot send.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "callwarden/wav.h"
#include "policy_int.h"

/* The wording slot of decl d's language; for a language not listed, an error and a
 * scratch slot (its fields are still checked, then dropped). */
static cw_policy_lang *slot_of(pol_ctx *cx, const pol_decl *d)
{
    cw_policy_lang *l = pol_lang_mut(cx->p, d->name);
    if (l)
        return l;
    if (cx->p->nlangs > 0)
        pol_error(cx->errors, d->line, "%s \"%s\": \"%s\" is not among the languages "
                  "(line %d)", pol_kind_name(d->kind), d->name, d->name, cx->languages_line);
    pol_lang_free(&cx->scratch);
    return &cx->scratch;
}

/* ---- disclosure ----------------------------------------------------------------- */

/* audio: a WAV file relative to the policy directory, kept as its absolute path. */
static void audio(pol_table *t, const char *rel, cw_policy_lang *l)
{
    pol_errors *e = t->cx->errors;
    if (rel[0] == '/') {
        pol_error(e, t->line, "%s: audio \"%.200s\" must be a file name relative to the "
                  "policy directory", t->what, rel);
        return;
    }
    char path[PATH_MAX + 256], real[PATH_MAX], base[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", t->cx->dir, rel);
    if (!realpath(t->cx->dir, base)) {
        pol_error(e, t->line, "%s: policy directory: %s", t->what, strerror(errno));
        return;
    }
    if (!realpath(path, real)) {
        pol_error(e, t->line, "%s: audio \"%.200s\": %s", t->what, rel,
                  errno == ENOENT ? "no such file in the policy directory" : strerror(errno));
        return;
    }
    size_t blen = strlen(base);
    if (strncmp(real, base, blen) != 0 || real[blen] != '/') {
        pol_error(e, t->line, "%s: audio \"%.200s\" is outside the policy directory", t->what,
                  rel);
        return;
    }
    struct stat sb;
    if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        pol_error(e, t->line, "%s: audio \"%.200s\" is not a regular file", t->what, rel);
        return;
    }
    cw_audio a = { 0 };
    char why[PATH_MAX + 128];
    if (cw_wav_load(real, &a, why, sizeof why) != 0) {
        const char *reason = why;
        size_t rlen = strlen(real);
        if (strncmp(why, real, rlen) == 0 && why[rlen] == ':')
            reason = why + rlen + (why[rlen + 1] == ' ' ? 2 : 1);
        pol_error(e, t->line, "%s: audio \"%.200s\" cannot be played: %s", t->what, rel,
                  reason);
        return;
    }
    cw_audio_free(&a);
    l->disclosure_audio = strdup(real);
    if (!l->disclosure_audio)
        pol_error(e, t->line, "%s: out of memory", t->what);
}

static void disclosure(pol_ctx *cx, const pol_decl *d)
{
    cw_policy_lang *l = slot_of(cx, d);
    char what[48];
    snprintf(what, sizeof what, "disclosure \"%.16s\"", d->name);
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), what, d->line };
    static const char *const fields[] = { "text", "audio", NULL };
    pol_only_fields(&t, fields, 0);
    pol_text(&t, "text", 1, &l->disclosure);
    char *rel = NULL;
    if (pol_text(&t, "audio", 0, &rel) > 0)
        audio(&t, rel, l);
    free(rel);
    lua_pop(cx->L, 1);
}

/* ---- consent -------------------------------------------------------------------- */

static int variant_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CW_POLICY_NAME_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static void one_variant(pol_table *ct, int idx, size_t i, cw_policy_lang *l)
{
    lua_State *L = ct->cx->L;
    pol_errors *e = ct->cx->errors;
    char what[96];
    snprintf(what, sizeof what, "variant %zu of %s", i, ct->what);
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(e, ct->line, "%s must be a table { id = \"B\", weight = 50, question = "
                  "\"...\" }, not %s", what, pol_type_desc(lua_type(L, idx)));
        return;
    }
    pol_table t = { ct->cx, idx, what, ct->line };
    static const char *const fields[] = { "id", "weight", "question", NULL };
    pol_only_fields(&t, fields, 0);
    cw_policy_variant v = { .id = "" };
    int ok = 1;
    int type = pol_field(&t, "id");
    const char *id = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (type == LUA_TNIL) {
        pol_error(e, t.line, "%s has no id", what);
        ok = 0;
    } else if (!id || !variant_id_ok(id)) {
        pol_error(e, t.line, "%s: id must be 1-32 of A-Z, a-z, 0-9, _ and -", what);
        ok = 0;
    } else {
        snprintf(v.id, sizeof v.id, "%s", id);
        for (size_t j = 0; j < l->nvariants; j++)
            if (strcmp(l->variants[j].id, v.id) == 0) {
                pol_error(e, t.line, "%s: id \"%s\" is used twice", what, v.id);
                ok = 0;
            }
    }
    lua_pop(L, 1);
    long long w;
    if (pol_int(&t, "weight", 0, 1000, -1, &w) == 0) {
        pol_error(e, t.line, "%s has no weight (0..1000, relative; 0 = never chosen)", what);
        ok = 0;
    } else if (w < 0) {
        ok = 0;
    }
    v.weight = w > 0 ? (unsigned)w : 0;
    if (pol_text(&t, "question", 1, &v.question) < 0)
        ok = 0;
    if (!ok || l->nvariants == CW_POLICY_MAX_VARIANTS) {   /* (variants() caps them) */
        free(v.question);
        return;
    }
    l->variants[l->nvariants++] = v;
}

static void variants(pol_table *t, cw_policy_lang *l)
{
    lua_State *L = t->cx->L;
    int type = pol_field(t, "variants");
    if (type == LUA_TTABLE) {
        char what[96];
        snprintf(what, sizeof what, "variants of %s", t->what);
        pol_table vt = { t->cx, lua_gettop(L), what, t->line };
        pol_only_fields(&vt, NULL, 1);
        size_t n = lua_rawlen(L, vt.idx);
        if (n > CW_POLICY_MAX_VARIANTS) {
            pol_error(t->cx->errors, t->line, "%s has more than %d variants", t->what,
                      CW_POLICY_MAX_VARIANTS);
            n = CW_POLICY_MAX_VARIANTS;
        }
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, vt.idx, (lua_Integer)i);
            one_variant(t, lua_gettop(L), i, l);
            lua_pop(L, 1);
        }
    } else if (type != LUA_TNIL) {
        pol_error(t->cx->errors, t->line, "field \"variants\" of %s must be a list of "
                  "tables, not %s", t->what, pol_type_desc(type));
    }
    lua_pop(L, 1);
}

static void consent(pol_ctx *cx, const pol_decl *d)
{
    cw_policy_lang *l = slot_of(cx, d);
    char what[48];
    snprintf(what, sizeof what, "consent \"%.16s\"", d->name);
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), what, d->line };
    static const char *const fields[] = { "question", "more", "accepted", "refused",
                                          "withdrawn", "timeout", "simple", "variants",
                                          "age", NULL };
    pol_only_fields(&t, fields, 0);
    pol_text(&t, "question", 1, &l->question);
    if (pol_text(&t, "more", 0, &l->more) == 0 && cx->p->key_more)
        pol_error(cx->errors, d->line, "%s has no more, but keys.more is \"%c\" (line %d): "
                  "the longer information a caller hears after pressing it", what,
                  cx->p->key_more, cx->keys_line);
    pol_text(&t, "accepted", 1, &l->accepted);
    pol_text(&t, "refused", 1, &l->refused);
    pol_text(&t, "withdrawn", 1, &l->withdrawn);
    pol_text(&t, "timeout", 0, &l->timeout);
    pol_text(&t, "simple", 0, &l->simple);
    pol_text(&t, "age", 0, &l->age_question);
    variants(&t, l);
    lua_pop(cx->L, 1);
}

/* ---- speech --------------------------------------------------------------------- */

static void words(pol_table *t, const char *name, char **out, size_t *n)
{
    lua_State *L = t->cx->L;
    int type = pol_field(t, name);
    if (type == LUA_TNIL) {
        pol_error(t->cx->errors, t->line, "%s has no %s words (%s = { \"...\" })", t->what,
                  name, name);
    } else if (type != LUA_TTABLE) {
        pol_error(t->cx->errors, t->line, "field \"%s\" of %s must be a list of words, not %s",
                  name, t->what, pol_type_desc(type));
    } else {
        char what[96];
        snprintf(what, sizeof what, "%s of %s", name, t->what);
        pol_table wt = { t->cx, lua_gettop(L), what, t->line };
        pol_only_fields(&wt, NULL, 1);
        size_t len = lua_rawlen(L, wt.idx);
        if (len == 0)
            pol_error(t->cx->errors, t->line, "%s has no %s words", t->what, name);
        for (size_t i = 1; i <= len; i++) {
            lua_rawgeti(L, wt.idx, (lua_Integer)i);
            char ewhat[128], *w = NULL;
            snprintf(ewhat, sizeof ewhat, "word %zu of %s", i, what);
            if (pol_text_at(t->cx, -1, t->line, ewhat, &w) > 0) {
                size_t j;
                for (j = 0; j < *n && strcasecmp(out[j], w) != 0; j++)
                    ;
                if (j < *n) {
                    pol_error(t->cx->errors, t->line, "%s: \"%.64s\" is listed twice", what, w);
                    free(w);
                } else if (*n == CW_POLICY_MAX_WORDS) {
                    pol_error(t->cx->errors, t->line, "%s: more than %d words", what,
                              CW_POLICY_MAX_WORDS);
                    free(w);
                    lua_pop(L, 1);
                    break;
                } else {
                    out[(*n)++] = w;
                }
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static void speech(pol_ctx *cx, const pol_decl *d)
{
    cw_policy_lang *l = slot_of(cx, d);
    char what[48];
    snprintf(what, sizeof what, "speech \"%.16s\"", d->name);
    pol_push_decl(cx->L, d);
    pol_table t = { cx, lua_gettop(cx->L), what, d->line };
    static const char *const fields[] = { "yes", "no", NULL };
    pol_only_fields(&t, fields, 0);
    words(&t, "yes", l->yes, &l->nyes);
    words(&t, "no", l->no, &l->nno);
    for (size_t i = 0; i < l->nyes; i++)
        for (size_t j = 0; j < l->nno; j++)
            if (strcasecmp(l->yes[i], l->no[j]) == 0)
                pol_error(cx->errors, d->line, "%s: \"%.64s\" is both a yes and a no word",
                          what, l->yes[i]);
    lua_pop(cx->L, 1);
}

/* ---- handover and fallback -------------------------------------------------------- */

/* { de = "...", en = "..." } at idx: each into the listed language's field at off. */
void pol_per_language(pol_ctx *cx, int idx, int line, const char *what, size_t off)
{
    lua_State *L = cx->L;
    if (lua_type(L, idx) != LUA_TTABLE) {
        pol_error(cx->errors, line, "%s must be a table { de = \"...\" }, not %s", what,
                  pol_type_desc(lua_type(L, idx)));
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *lang = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        cw_policy_lang *l = lang ? pol_lang_mut(cx->p, lang) : NULL;
        if (!lang) {
            pol_error(cx->errors, line, "%s: the keys are languages (de = \"...\"), not %s",
                      what, pol_type_desc(lua_type(L, -2)));
        } else if (!l) {
            if (cx->p->nlangs > 0)
                pol_error(cx->errors, line, "%s for \"%.16s\": \"%.16s\" is not among the "
                          "languages (line %d)", what, lang, lang, cx->languages_line);
        } else {
            char ewhat[128], *s = NULL;
            snprintf(ewhat, sizeof ewhat, "%s for \"%s\"", what, lang);
            if (pol_text_at(cx, -1, line, ewhat, &s) > 0)
                *(char **)((char *)l + off) = s;
        }
        lua_pop(L, 1);
    }
}

static int sip_uri_ok(const char *u)
{
    const char *rest = strncmp(u, "sip:", 4) == 0 ? u + 4
                       : strncmp(u, "sips:", 5) == 0 ? u + 5 : NULL;
    if (!rest || !*rest)
        return 0;
    for (const char *c = u; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '<' || *c == '>' || *c == '"')
            return 0;
    return 1;
}

static void handover(pol_ctx *cx)
{
    cw_policy *p = cx->p;
    const pol_decl *d = pol_find(cx->decls, POL_HANDOVER, NULL);
    if (!d) {
        if (p->key_human)
            pol_error(cx->errors, cx->keys_line, "keys.human is \"%c\", but there is no "
                      "handover statement to say whom it reaches", p->key_human);
        return;
    }
    lua_State *L = cx->L;
    pol_push_decl(L, d);
    pol_table t = { cx, lua_gettop(L), "handover", d->line };
    static const char *const fields[] = { "target", "carries_over", "mode", "timeout",
                                          "notice", NULL };
    pol_only_fields(&t, fields, 0);
    int type = pol_field(&t, "mode");
    if (type == LUA_TSTRING && strcmp(lua_tostring(L, -1), "bridge") == 0)
        p->handover_bridge = 1;
    else if (type != LUA_TNIL && !(type == LUA_TSTRING && strcmp(lua_tostring(L, -1),
                                                                 "refer") == 0))
        pol_error(cx->errors, d->line, "field \"mode\" of handover is \"refer\" or "
                  "\"bridge\"");
    lua_pop(L, 1);
    long long timeout = 30;
    pol_int(&t, "timeout", 1, 600, 30, &timeout);
    p->handover_timeout_s = (unsigned)timeout;
    if (pol_text(&t, "target", 1, &p->handover_target) > 0 &&
        !sip_uri_ok(p->handover_target))
        pol_error(cx->errors, d->line, "handover target \"%.200s\" is not a sip: or sips: URI",
                  p->handover_target);
    type = pol_field(&t, "carries_over");
    if (type == LUA_TBOOLEAN)
        p->handover_carries_over = lua_toboolean(L, -1);
    else if (type != LUA_TNIL)
        pol_error(cx->errors, d->line, "field \"carries_over\" of handover must be true or "
                  "false, not %s", pol_type_desc(type));
    lua_pop(L, 1);
    type = pol_field(&t, "notice");
    if (type == LUA_TNIL)
        pol_error(cx->errors, d->line, "handover has no notice (notice = { de = \"...\" }: "
                  "the caller is told before a transfer)");
    else
        pol_per_language(cx, lua_gettop(L), d->line, "handover notice",
                     offsetof(cw_policy_lang, handover_notice));
    lua_pop(L, 1);
    if (type != LUA_TNIL)
        for (size_t i = 0; i < p->nlangs; i++)
            if (!p->langs[i].handover_notice)
                pol_error(cx->errors, d->line, "handover has no notice for \"%s\" (the "
                          "caller is told before a transfer)", p->langs[i].lang);
    lua_pop(L, 1);
}

static void fallback(pol_ctx *cx)
{
    const pol_decl *d = pol_find(cx->decls, POL_FALLBACK, NULL);
    if (!d)
        return;
    lua_State *L = cx->L;
    pol_push_decl(L, d);
    pol_table t = { cx, lua_gettop(L), "fallback", d->line };
    static const char *const fields[] = { "goodbye", NULL };
    pol_only_fields(&t, fields, 0);
    if (pol_field(&t, "goodbye") == LUA_TNIL)
        pol_error(cx->errors, d->line, "fallback has no goodbye (goodbye = { de = \"...\" })");
    else
        pol_per_language(cx, lua_gettop(L), d->line, "fallback goodbye",
                     offsetof(cw_policy_lang, goodbye));
    lua_pop(L, 2);
}

void pol_validate_wording(pol_ctx *cx)
{
    for (size_t i = 0; i < cx->decls->n; i++) {
        const pol_decl *d = &cx->decls->d[i];
        if (d->ref == LUA_NOREF)
            continue;
        if (d->kind == POL_DISCLOSURE)
            disclosure(cx, d);
        else if (d->kind == POL_CONSENT)
            consent(cx, d);
        else if (d->kind == POL_SPEECH)
            speech(cx, d);
        pol_lang_free(&cx->scratch);
    }
    for (size_t i = 0; i < cx->p->nlangs; i++) {
        const char *lang = cx->p->langs[i].lang;
        if (!pol_find(cx->decls, POL_DISCLOSURE, lang))
            pol_error(cx->errors, cx->languages_line, "language \"%s\" has no disclosure "
                      "(disclosure \"%s\" { text = \"...\" })", lang, lang);
        if (!pol_find(cx->decls, POL_CONSENT, lang))
            pol_error(cx->errors, cx->languages_line, "language \"%s\" has no consent wording "
                      "(consent \"%s\" { question = \"...\", ... })", lang, lang);
    }
    handover(cx);
    fallback(cx);
}
