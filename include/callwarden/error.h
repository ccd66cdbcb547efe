/* error.h  The one way a callwarden function reports why it failed: a message in the
 * caller's buffer, and -1. */
#ifndef CALLWARDEN_ERROR_H
#define CALLWARDEN_ERROR_H

#include <stddef.h>

/* Format the reason into err (errlen bytes; err may be NULL) and return -1. */
int cw_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
