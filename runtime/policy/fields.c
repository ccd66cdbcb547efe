/* fields.c  Reading one statement's table: every field type-checked, every unknown
 * field refused (a typo such as "retension" must not silently drop a retention), and
 * the small syntaxes of the policy language (names, language codes, DTMF keys, text).
 *
 * Only raw access is used (lua_rawget, lua_next): a policy's tables may carry
 * metatables, and validation must not run policy code. Nothing here raises but a
 * memory error; validation runs protected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "policy_int.h"

#define TEXT_MAX 8192                   /* bytes of one wording */
#define FIELD_ERRORS_MAX 8              /* unknown fields reported per table */

const char *pol_type_desc(int type)
{
    switch (type) {
    case LUA_TNIL: return "nil";
    case LUA_TBOOLEAN: return "a boolean";
    case LUA_TNUMBER: return "a number";
    case LUA_TSTRING: return "a string";
    case LUA_TTABLE: return "a table";
    case LUA_TFUNCTION: return "a function";
    default: return "a value of another type";
    }
}

void pol_push_decl(lua_State *L, const pol_decl *d)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, d->ref);
}

/* Edit distance of a and b, capped at 3 (for "did you mean"). */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32)
        return 3;
    int row[33];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 3 ? 3 : row[lb];
}

void pol_only_fields(const pol_table *t, const char *const *fields, int array)
{
    lua_State *L = t->cx->L;
    lua_Integer n = array ? (lua_Integer)lua_rawlen(L, t->idx) : 0;
    size_t before = t->cx->errors->n + t->cx->errors->dropped;
    lua_pushnil(L);
    while (lua_next(L, t->idx)) {
        lua_pop(L, 1);                   /* the value; the key stays for lua_next */
        if (t->cx->errors->n + t->cx->errors->dropped - before >= FIELD_ERRORS_MAX) {
            lua_pop(L, 1);               /* a table of junk: enough said about it */
            pol_error(t->cx->errors, t->line, "... and more unknown fields in %s", t->what);
            return;
        }
        int kt = lua_type(L, -1);
        if (kt == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            const char *near = NULL;
            int known = 0;
            for (const char *const *f = fields; f && *f; f++) {
                if (strcmp(k, *f) == 0)
                    known = 1;
                else if (!near && distance(k, *f) <= 2)
                    near = *f;
            }
            if (known)
                continue;
            if (near)
                pol_error(t->cx->errors, t->line,
                          "unknown field \"%.64s\" in %s (did you mean \"%s\"?)", k, t->what,
                          near);
            else
                pol_error(t->cx->errors, t->line, "unknown field \"%.64s\" in %s", k,
                          t->what);
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (!array)
                pol_error(t->cx->errors, t->line, "unexpected entry [%lld] in %s (it has "
                          "only named fields)", (long long)i, t->what);
            else if (i < 1 || i > n)
                pol_error(t->cx->errors, t->line, "unexpected entry [%lld] in %s (a list "
                          "is written { \"a\", \"b\" }, without holes)", (long long)i,
                          t->what);
        } else {
            pol_error(t->cx->errors, t->line, "unexpected key of type %s in %s",
                      lua_typename(L, kt), t->what);
        }
    }
}

int pol_field(const pol_table *t, const char *name)
{
    lua_pushstring(t->cx->L, name);
    return lua_rawget(t->cx->L, t->idx);
}

int pol_utf8_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return 0;
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

int pol_text_at(pol_ctx *cx, int idx, int line, const char *what, char **out)
{
    lua_State *L = cx->L;
    int type = lua_type(L, idx);
    if (type != LUA_TSTRING) {
        pol_error(cx->errors, line, "%s must be a string, not %s", what, pol_type_desc(type));
        return -1;
    }
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (len == 0) {
        pol_error(cx->errors, line, "%s is empty", what);
        return -1;
    }
    if (len > TEXT_MAX) {
        pol_error(cx->errors, line, "%s is longer than %d bytes", what, TEXT_MAX);
        return -1;
    }
    if (strlen(s) != len || !pol_utf8_ok(s, len)) {
        pol_error(cx->errors, line, "%s is not UTF-8 text (or has control characters)",
                  what);
        return -1;
    }
    size_t start = 0;
    while (start < len && (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' ||
                           s[start] == '\r'))
        start++;
    if (start == len) {
        pol_error(cx->errors, line, "%s is empty", what);
        return -1;
    }
    *out = strdup(s);
    if (!*out) {
        pol_error(cx->errors, line, "%s: out of memory", what);
        return -1;
    }
    return 1;
}

int pol_text(const pol_table *t, const char *name, int required, char **out)
{
    *out = NULL;
    int type = pol_field(t, name);
    int rc;
    if (type == LUA_TNIL) {
        if (required)
            pol_error(t->cx->errors, t->line, "%s has no %s", t->what, name);
        rc = required ? -1 : 0;
    } else {
        char what[160];
        snprintf(what, sizeof what, "field \"%s\" of %s", name, t->what);
        rc = pol_text_at(t->cx, -1, t->line, what, out);
    }
    lua_pop(t->cx->L, 1);
    return rc;
}

int pol_int(const pol_table *t, const char *name, long long lo, long long hi,
            long long def, long long *out)
{
    lua_State *L = t->cx->L;
    *out = def;
    int type = pol_field(t, name);
    int rc = 0;
    if (type != LUA_TNIL) {
        int isint = 0;
        lua_Integer v = type == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
        rc = -1;
        if (type != LUA_TNUMBER)
            pol_error(t->cx->errors, t->line, "field \"%s\" of %s must be a number, not %s",
                      name, t->what, pol_type_desc(type));
        else if (!isint)
            pol_error(t->cx->errors, t->line, "field \"%s\" of %s must be a whole number",
                      name, t->what);
        else if (v < lo || v > hi)
            pol_error(t->cx->errors, t->line, "field \"%s\" of %s is %lld, must be %lld..%lld",
                      name, t->what, (long long)v, lo, hi);
        else {
            *out = v;
            rc = 1;
        }
    }
    lua_pop(L, 1);
    return rc;
}

int pol_dtmf(const pol_table *t, const char *name, int required, char *key)
{
    lua_State *L = t->cx->L;
    *key = 0;
    int type = pol_field(t, name);
    int rc = -1;
    if (type == LUA_TNIL) {
        if (required)
            pol_error(t->cx->errors, t->line, "%s has no %s (one DTMF key: 0-9, * or #)",
                      t->what, name);
        rc = required ? -1 : 0;
    } else if (type != LUA_TSTRING) {
        pol_error(t->cx->errors, t->line, "field \"%s\" of %s must be a string such as "
                  "\"1\", not %s", name, t->what, pol_type_desc(type));
    } else {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (len == 1 && ((s[0] >= '0' && s[0] <= '9') || s[0] == '*' || s[0] == '#')) {
            *key = s[0];
            rc = 1;
        } else {
            pol_error(t->cx->errors, t->line, "field \"%s\" of %s must be one DTMF key "
                      "(0-9, * or #), not \"%.16s\"", name, t->what, s);
        }
    }
    lua_pop(L, 1);
    return rc;
}

int pol_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CW_POLICY_NAME_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

int pol_lang_ok(const char *s)
{
    size_t i = 0;
    while (s[i] >= 'a' && s[i] <= 'z')
        i++;
    if (i < 2 || i > 3)
        return 0;
    if (s[i] == 0)
        return 1;
    if (s[i] != '-')
        return 0;
    const char *r = s + i + 1;
    int upper = r[0] >= 'A' && r[0] <= 'Z' && r[1] >= 'A' && r[1] <= 'Z' && r[2] == 0;
    int digits = r[0] >= '0' && r[0] <= '9' && r[1] >= '0' && r[1] <= '9' && r[2] >= '0' &&
                 r[2] <= '9' && r[3] == 0;
    return (upper || digits) && strlen(s) < CW_POLICY_LANG_LEN;
}
