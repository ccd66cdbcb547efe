/* errors.c  The problems found in one policy.lua: collected, not stopped at, so that a
 * tenant sees all of them at once, each with the line it is about, in line order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

/* When more are found than kept, the ones on the first lines are kept: they are the
 * ones a tenant reads first, and fixing them often removes later ones. */
void pol_error(pol_errors *e, int line, const char *fmt, ...)
{
    if (line < 0)
        line = 0;
    size_t slot = e->n;
    if (e->n == POL_MAX_ERRORS) {
        e->dropped++;
        slot = 0;
        for (size_t i = 1; i < e->n; i++)
            if (e->e[i].line > e->e[slot].line)
                slot = i;
        if (e->e[slot].line <= line)
            return;                     /* the new one is the one dropped */
    } else {
        e->n++;
    }
    e->e[slot].line = line;
    e->e[slot].seq = e->seq++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->e[slot].msg, sizeof e->e[slot].msg, fmt, ap);
    va_end(ap);
}

/* "...policy.lua:12: message": the line and where the message starts, or 0. */
static int line_of(const char *msg, const char **rest)
{
    const char *p = strstr(msg, "policy.lua:");
    if (!p || p - msg > 80)
        return 0;
    p += strlen("policy.lua:");
    int line = 0;
    const char *d = p;
    while (*d >= '0' && *d <= '9' && line < 100000000)
        line = line * 10 + (*d++ - '0');
    if (d == p || d[0] != ':' || d[1] != ' ')
        return 0;
    *rest = d + 2;
    return line;
}

void pol_error_lua(pol_errors *e, const char *msg, int fallback_line)
{
    if (!msg)
        msg = "error object is not a string";
    const char *rest = msg;
    int line = line_of(msg, &rest);
    pol_error(e, line ? line : fallback_line, "%s", line ? rest : msg);
}

static int by_line(const void *a, const void *b)
{
    const pol_problem *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void pol_errors_format(const pol_errors *e, const char *chunk, char *err, size_t errlen)
{
    if (!err || errlen == 0)
        return;
    err[0] = 0;
    if (*chunk == '@')
        chunk++;
    pol_errors *sorted = malloc(sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "%s: out of memory", chunk);
        return;
    }
    memcpy(sorted, e, sizeof *sorted);
    qsort(sorted->e, sorted->n, sizeof sorted->e[0], by_line);

    /* room for the note on what did not fit, when the buffer is not tiny */
    size_t reserve = errlen > 160 ? 48 : 0;
    size_t used = 0, shown = 0;
    for (size_t i = 0; i < sorted->n; i++) {
        char line[POL_ERR_LEN + 96];
        if (sorted->e[i].line > 0)
            snprintf(line, sizeof line, "%s%s:%d: %s", used ? "\n" : "", chunk,
                     sorted->e[i].line, sorted->e[i].msg);
        else
            snprintf(line, sizeof line, "%s%s: %s", used ? "\n" : "", chunk,
                     sorted->e[i].msg);
        size_t len = strlen(line);
        int last = i + 1 == sorted->n && sorted->dropped == 0;
        if (used + len + 1 + (last ? 0 : reserve) > errlen)
            break;
        memcpy(err + used, line, len + 1);
        used += len;
        shown++;
    }
    size_t more = sorted->n - shown + sorted->dropped;
    if (more > 0 && used + 1 < errlen)
        snprintf(err + used, errlen - used, "%s... and %zu more problem%s", used ? "\n" : "",
                 more, more == 1 ? "" : "s");
    free(sorted);
}
