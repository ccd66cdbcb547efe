/* script_int.h  What stays inside the Lua host (runtime/script). */
#ifndef CW_SCRIPT_INT_H
#define CW_SCRIPT_INT_H

#include <lua.h>

/* Registry keys: the set of read-only proxies (rawset refuses them), and the
 * metatable of every call's and module's _ENV, once a version froze its state. */
#define CW_FROZEN_KEY "callwarden.frozen"
#define CW_ENV_MT_KEY "callwarden.env_mt"

/* [-0, +1] Push a fresh _ENV: writes stay in it, reads go through to the frozen
 * globals (env_mt_ref is the version's metatable for it). */
void cw_script_push_env(lua_State *L, int env_mt_ref);

typedef struct cw_flow_run cw_flow_run;

/* [-0, +1] Push a new `call` object for run r (call_api.c). */
void cw_flow_push_object(lua_State *L, cw_flow_run *r);

/* The call object (registry reference obj_ref) no longer reaches its run. */
void cw_flow_detach_object(lua_State *L, int obj_ref);

/* [-0, +n] Push the result a wake left for the waiting method; returns n. */
int cw_flow_push_pending(lua_State *L, cw_flow_run *r);

/* [-0, +0, v] Before a waiting method (call_api.c): the call must still be up, and L
 * must be the flow's own coroutine; raises otherwise. */
cw_flow_run *cw_api_check_waitable(lua_State *L, const char *method);

/* [-0, +?, y] Yield the flow until the core wakes it; the wake's values are returned. */
int cw_api_wait(lua_State *L, cw_flow_run *r);

/* call:ask(messages, options) (ai_api.c). */
int cw_api_ask(lua_State *L);
/* call:listen{...} (ai_api.c). */
int cw_api_listen(lua_State *L);

/* One log line for the flow of run r: "call=N tenant=T flow: msg". */
void cw_flow_log(cw_flow_run *r, const char *msg);

#endif
