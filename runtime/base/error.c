/* error.c  cw_error: write why, return -1. */
#include <stdarg.h>
#include <stdio.h>

#include "callwarden/error.h"

int cw_error(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
