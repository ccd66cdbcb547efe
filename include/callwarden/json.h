/* json.h  A small JSON writer for the records callwarden writes (consent receipts,
 * subject exports) and a reader of one top-level field of such a record. The writer
 * grows its buffer, escapes every string (RFC 8259), and remembers whether a comma is
 * due; an out-of-memory error sticks and shows at cw_json_finish. */
#ifndef CALLWARDEN_JSON_H
#define CALLWARDEN_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef struct cw_json {
    char *buf;
    size_t len, cap;
    int need_comma;
    int failed;
} cw_json;

/* Start an empty document. */
void cw_json_init(cw_json *j);
/* Open and close an object or array; key is NULL inside an array or at the top. */
void cw_json_object(cw_json *j, const char *key);
void cw_json_end_object(cw_json *j);
void cw_json_array(cw_json *j, const char *key);
void cw_json_end_array(cw_json *j);
/* A member (or, with key NULL, an array element): a string (NULL writes null), a
 * number, a boolean. */
void cw_json_str(cw_json *j, const char *key, const char *value);
void cw_json_strn(cw_json *j, const char *key, const char *value, size_t len);
void cw_json_int(cw_json *j, const char *key, int64_t value);
void cw_json_num(cw_json *j, const char *key, double value);
void cw_json_bool(cw_json *j, const char *key, int value);
/* A member whose value is JSON text the caller vouches for (a record body it wrote). */
void cw_json_raw(cw_json *j, const char *key, const char *json, size_t len);
/* The text (NUL-terminated, the caller frees it) and its length; NULL if out of memory
 * (the buffer is freed then). */
char *cw_json_finish(cw_json *j, size_t *len);

/* The string value of the top-level member key of the object in text (len bytes),
 * unescaped into out (cap bytes). 0, 1 if there is no such string member, -1 if text is
 * not a JSON object or the value does not fit. */
int cw_json_get_str(const char *text, size_t len, const char *key, char *out, size_t cap);

#endif
