/* call_int.h  What stays inside the call part. */
#ifndef CW_CALL_INT_H
#define CW_CALL_INT_H

#include "callwarden/call.h"

/* Stop the call's media and log its figures; idempotent. */
void cw_call_end(cw_call *c, const char *reason);

#endif
