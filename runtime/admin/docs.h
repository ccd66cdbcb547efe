/* docs.h  The privacy documents generated from a tenant's policy (docs.c). */
#ifndef CALLWARDEN_DOCS_H
#define CALLWARDEN_DOCS_H

#include <stddef.h>

#include "callwarden/policy.h"

/* Write DIR/privacy-notice.LANG.{md,html} (Art. 13) and DIR/processing-record.LANG.
 * {md,html} (Art. 30) for every language of p. 0, or -1 with err. */
int cw_docs_write(const cw_policy *p, const char *dir, char *err, size_t errlen);

#endif
