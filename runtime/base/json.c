/* json.c  Writing JSON records and reading one field back (json.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callwarden/json.h"

void cw_json_init(cw_json *j)
{
    memset(j, 0, sizeof *j);
}

static void put(cw_json *j, const char *s, size_t n)
{
    if (j->failed)
        return;
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            j->failed = 1;
            return;
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = 0;
}

static void put_string(cw_json *j, const char *s, size_t n)
{
    put(j, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(j, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(j, esc, 6);
        } else {
            put(j, (const char *)&s[i], 1);
        }
    }
    put(j, "\"", 1);
}

/* The comma and the key before a value. */
static void lead(cw_json *j, const char *key)
{
    if (j->need_comma)
        put(j, ",", 1);
    if (key) {
        put_string(j, key, strlen(key));
        put(j, ":", 1);
    }
    j->need_comma = 1;
}

void cw_json_object(cw_json *j, const char *key)
{
    lead(j, key);
    put(j, "{", 1);
    j->need_comma = 0;
}

void cw_json_end_object(cw_json *j)
{
    put(j, "}", 1);
    j->need_comma = 1;
}

void cw_json_array(cw_json *j, const char *key)
{
    lead(j, key);
    put(j, "[", 1);
    j->need_comma = 0;
}

void cw_json_end_array(cw_json *j)
{
    put(j, "]", 1);
    j->need_comma = 1;
}

void cw_json_strn(cw_json *j, const char *key, const char *value, size_t len)
{
    lead(j, key);
    if (value)
        put_string(j, value, len);
    else
        put(j, "null", 4);
}

void cw_json_str(cw_json *j, const char *key, const char *value)
{
    cw_json_strn(j, key, value, value ? strlen(value) : 0);
}

void cw_json_int(cw_json *j, const char *key, int64_t value)
{
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", (long long)value);
    lead(j, key);
    put(j, b, (size_t)n);
}

void cw_json_num(cw_json *j, const char *key, double value)
{
    char b[40];
    int n = snprintf(b, sizeof b, "%.6g", value);
    lead(j, key);
    put(j, b, (size_t)n);
}

void cw_json_bool(cw_json *j, const char *key, int value)
{
    lead(j, key);
    put(j, value ? "true" : "false", value ? 4 : 5);
}

void cw_json_raw(cw_json *j, const char *key, const char *json, size_t len)
{
    lead(j, key);
    put(j, json, len);
}

char *cw_json_finish(cw_json *j, size_t *len)
{
    if (j->failed || !j->buf) {
        free(j->buf);
        cw_json_init(j);
        return NULL;
    }
    char *b = j->buf;
    if (len)
        *len = j->len;
    cw_json_init(j);
    return b;
}

/* ---- reading ---------------------------------------------------------------------- */

typedef struct scan {
    const char *p, *end;
} scan;

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* A string at s->p: unescaped into out (if not NULL). 0, or -1. */
static int read_string(scan *s, char *out, size_t cap, size_t *outlen)
{
    size_t n = 0;
    if (s->p >= s->end || *s->p != '"')
        return -1;
    s->p++;
    while (s->p < s->end && *s->p != '"') {
        char c = *s->p++;
        if (c == '\\') {
            if (s->p >= s->end)
                return -1;
            char e = *s->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                unsigned v;
                if (s->end - s->p < 4 || sscanf(s->p, "%4x", &v) != 1)
                    return -1;
                s->p += 4;
                if (v >= 0x80)
                    return -1;        /* our records escape only control characters */
                c = (char)v;
                break;
            }
            default: c = e; break;
            }
        }
        if (out) {
            if (n + 1 >= cap)
                return -1;
            out[n] = c;
        }
        n++;
    }
    if (s->p >= s->end)
        return -1;
    s->p++;
    if (out)
        out[n] = 0;
    if (outlen)
        *outlen = n;
    return 0;
}

/* Skip any value: a string, a nested object or array (by depth, strings inside with
 * their escapes), or a scalar up to the next delimiter. 0, or -1. */
static int skip_value(scan *s)
{
    skip_ws(s);
    if (s->p >= s->end)
        return -1;
    if (*s->p == '"')
        return read_string(s, NULL, 0, NULL);
    if (*s->p == '{' || *s->p == '[') {
        int depth = 0;
        while (s->p < s->end) {
            char c = *s->p;
            if (c == '"') {
                if (read_string(s, NULL, 0, NULL) != 0)
                    return -1;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0) {
                s->p++;
                return 0;
            }
            s->p++;
        }
        return -1;
    }
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
           *s->p != '\n')
        s->p++;
    return 0;
}

int cw_json_get_str(const char *text, size_t len, const char *key, char *out, size_t cap)
{
    scan s = { text, text + len };
    char name[128];
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return -1;
    s.p++;
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}')
        return 1;
    for (;;) {
        skip_ws(&s);
        if (read_string(&s, name, sizeof name, NULL) != 0)
            return -1;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':')
            return -1;
        s.p++;
        skip_ws(&s);
        if (strcmp(name, key) == 0 && s.p < s.end && *s.p == '"')
            return read_string(&s, out, cap, NULL);
        if (skip_value(&s) != 0)
            return -1;
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            continue;
        }
        return s.p < s.end && *s.p == '}' ? 1 : -1;
    }
}
