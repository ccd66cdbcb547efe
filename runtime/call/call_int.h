/* call_int.h  What stays inside the call part. */
#ifndef CW_CALL_INT_H
#define CW_CALL_INT_H

#include "callwarden/call.h"

/* Stop the call's media and log its figures; idempotent. */
void cw_call_end(cw_call *c, const char *reason);

/* Start the Lua flow of version v on c (flow_ops.c); the call takes over the
 * reference. */
void cw_call_start_flow(cw_call *c, cw_flow_version *v);

/* The ACK brought the answer to our offer: a call:answer() waiting for it resumes. */
void cw_call_media_ready(cw_call *c);

/* The tenant for a request-URI user: by the configured number map, then by name, then
 * the default tenant; NULL with the reason for a 404 in why. */
cw_tenant *cw_route_find(cw_runtime *rt, const char *user, char *why, size_t whylen);

#endif
