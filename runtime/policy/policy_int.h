/* policy_int.h  What stays inside the policy part (runtime/policy): the statements a
 * policy.lua declared, the errors found in it, and the helpers that read a statement's
 * table. The public contract is include/callwarden/policy.h. */
#ifndef CW_POLICY_INT_H
#define CW_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "callwarden/policy.h"

/* ---- errors (errors.c) -------------------------------------------------------- */

#define POL_MAX_ERRORS 64               /* kept; more are counted, not kept */
#define POL_ERR_LEN 384                 /* one message, without "file:line: " */

/* One problem and the line it is about (0: the whole file). */
typedef struct pol_problem {
    int line;
    unsigned seq;                       /* order found, for a stable sort */
    char msg[POL_ERR_LEN];
} pol_problem;

/* Every problem found in one policy. */
typedef struct pol_errors {
    size_t n;                           /* kept in e[] */
    size_t dropped;                     /* found beyond POL_MAX_ERRORS */
    unsigned seq;                       /* the next problem's number */
    pol_problem e[POL_MAX_ERRORS];
} pol_errors;

/* Add one problem about line (beyond POL_MAX_ERRORS, the last lines' are dropped). */
void pol_error(pol_errors *e, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a message Lua made ("x/policy.lua:12: attempt to ..."): its line is taken from
 * it when it has one, else fallback_line is used. */
void pol_error_lua(pol_errors *e, const char *msg, int fallback_line);

/* The problems in line order into err, one per line, each "chunk:LINE: message"
 * ("chunk: message" for line 0); "... and N more" when not all fit. */
void pol_errors_format(const pol_errors *e, const char *chunk, char *err, size_t errlen);

/* ---- statements (statements.c) ------------------------------------------------ */

typedef enum pol_kind {
    POL_CONTROLLER,
    POL_JURISDICTION,
    POL_LANGUAGES,
    POL_NOTICE,
    POL_KEYS,
    POL_TIMEOUTS,
    POL_HANDOVER,
    POL_FALLBACK,
    POL_PURPOSES,
    POL_EGRESS,
    POL_AI,
    POL_WEBHOOK,
    POL_WITHDRAWAL,
    /* once per language or level name: kind "name" { ... } */
    POL_DISCLOSURE,
    POL_CONSENT,
    POL_LEVEL,
    POL_SPEECH,
    POL_NKINDS
} pol_kind;

#define POL_MAX_DECLS 128
#define POL_DECL_NAME_LEN 64

/* One statement as written: its kind, name (per-name kinds), line and value (a
 * registry reference to the table, or the string of jurisdiction). */
typedef struct pol_decl {
    pol_kind kind;
    char name[POL_DECL_NAME_LEN];
    int line;
    int ref;                            /* LUA_NOREF until the value was given */
} pol_decl;

/* What one run of policy.lua declared, and where the statements report to. */
typedef struct pol_decls {
    pol_decl d[POL_MAX_DECLS];
    size_t n;
    const char *chunk;                  /* "@tenant/policy.lua", the chunk's name */
    pol_errors *errors;
} pol_decls;

/* The statement's name as written in policy.lua ("level"). */
const char *pol_kind_name(pol_kind k);

/* [-0, +0] Make the statements globals of L (closures over decls), and turn reads of
 * any other undefined global, and of absent library fields, into clear errors. */
void pol_statements_install(lua_State *L, pol_decls *decls);

/* ---- validation (validate.c, fields.c, wording.c, levels.c) -------------------- */

/* Everything validation needs: the state holding the statements' values, what was
 * declared, the policy being filled and the errors found. */
typedef struct pol_ctx {
    lua_State *L;
    const pol_decls *decls;
    const char *dir;                    /* the policy directory, for audio files */
    cw_policy *p;
    pol_errors *errors;
    int languages_line;                 /* where languages was declared (or 1) */
    int keys_line;                      /* where keys was declared (0: defaults) */
    int keys_withdraw_given;            /* keys.withdraw written (else the default "0") */
    cw_policy_lang scratch;             /* the wording of a language not listed */
} pol_ctx;

/* [-0, +0, m] Check the declarations and fill p; problems go to errors. Raises only
 * on a memory error (the caller runs it protected). */
void pol_validate(pol_ctx *cx);

/* [-0, +0, m] The tenant's own purposes (before the levels that name them). */
void pol_validate_purposes(pol_ctx *cx);

/* [-0, +0, m] Levels and keys: each level's fields, and no key used twice. */
void pol_validate_levels(pol_ctx *cx);

/* [-0, +0, m] egress and ai (G6), after the wording (ai's texts are per language). */
void pol_validate_egress(pol_ctx *cx);

/* { de = "...", en = "..." } at idx: each into the listed language's char * field at
 * off (offsetof(cw_policy_lang, ...)); what names it in messages (wording.c). */
void pol_per_language(pol_ctx *cx, int idx, int line, const char *what, size_t off);

/* [-0, +0, m] Disclosure, consent, speech per language; handover and fallback. */
void pol_validate_wording(pol_ctx *cx);

/* The first declaration of kind (named name, or any when name is NULL), or NULL. */
const pol_decl *pol_find(const pol_decls *d, pol_kind k, const char *name);

/* Free the strings of l (its slots start NULL) and zero it (free.c). */
void pol_lang_free(cw_policy_lang *l);

/* The language entry of p for lang, or NULL. */
cw_policy_lang *pol_lang_mut(cw_policy *p, const char *lang);

/* ---- reading a statement's table (fields.c) ----------------------------------- */

/* One statement's table being read: where it is on the stack, what to call it in
 * messages ("level \"basic\""), and its line. */
typedef struct pol_table {
    pol_ctx *cx;
    int idx;                            /* absolute stack index */
    const char *what;
    int line;
} pol_table;

/* [-0, +1] Push the value of decl d (its table or string). */
void pol_push_decl(lua_State *L, const pol_decl *d);

/* Every key of t must be one of fields (NULL-terminated), or an integer 1..#t when
 * array is set; the others are errors ("unknown field \"x\" in level \"basic\""). */
void pol_only_fields(const pol_table *t, const char *const *fields, int array);

/* [-0, +1] Push t's field name (raw); returns its Lua type. */
int pol_field(const pol_table *t, const char *name);

/* The text t.name as a new C string in *out (NULL if absent). Absent and required, or
 * not a string, or empty, or too long, or not UTF-8 are errors. Returns 1 if *out is
 * set, 0 if absent, -1 on an error. */
int pol_text(const pol_table *t, const char *name, int required, char **out);

/* The text of the value at idx (described as what) into a new C string; the same
 * checks. Returns 1 or -1. */
int pol_text_at(pol_ctx *cx, int idx, int line, const char *what, char **out);

/* t.name as an integer in lo..hi, or def when absent. Returns 1 set, 0 absent, -1. */
int pol_int(const pol_table *t, const char *name, long long lo, long long hi,
            long long def, long long *out);

/* t.name as one DTMF key [0-9*#] into *key (0 when absent). Returns 1, 0 or -1. */
int pol_dtmf(const pol_table *t, const char *name, int required, char *key);

/* 1 if s is a name [a-z0-9_]{1,32}. */
int pol_name_ok(const char *s);

/* 1 if s is a language code: 2-3 lower-case letters, optionally "-" and a region of
 * 2 upper-case letters or 3 digits ("de", "en", "de-CH"). */
int pol_lang_ok(const char *s);

/* 1 if s (len bytes) is valid UTF-8 without control characters other than \t \n \r. */
int pol_utf8_ok(const char *s, size_t len);

/* A Lua type name for messages: "a number", "a table", "nil". */
const char *pol_type_desc(int type);

/* The line of the policy's chunk that the stack of L is at, from stack level from_level
 * on (1: the caller of the running C function, a statement; 0: where a stopped
 * coroutine stopped): the innermost frame of the chunk itself (a statement may be
 * called through pcall or a helper), else the innermost Lua frame; 0 if none. */
int pol_chunk_line(lua_State *L, const char *chunk, int from_level);

#endif
